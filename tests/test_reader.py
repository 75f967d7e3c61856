"""Tests for wslib.reader.FrameReader: any split of the byte stream gives the same frames."""

from __future__ import annotations

import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wslib import reader as reader_module
from wslib.errors import MessageTooBig, ProtocolError, WSError
from wslib.frames import Frame, Opcode, decode_frame, encode_frame
from wslib.reader import LONG_FRAME, FrameReader

KEY = bytes.fromhex("37fa213d")
SCAN_IN_C = reader_module._scan_frames  # None where wslib._speedups was not built


@pytest.fixture(autouse=True, params=["C", "Python"])
def fast_path(request, monkeypatch):
    """Every test here runs twice: with the fast path in C (wslib._speedups.scan_frames) and in
    Python alone, which is what runs where the extension was not built."""
    if request.param == "C" and SCAN_IN_C is None:
        pytest.skip("wslib._speedups was not built: only the Python fast path exists here")
    if request.param == "Python":
        monkeypatch.setattr(reader_module, "_scan_frames", None)
    return request.param


def feed_all(reader: FrameReader, chunks) -> list[Frame]:
    frames: list[Frame] = []
    for chunk in chunks:
        frames.extend(reader.feed(chunk))
    return frames


def payload_of(n: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


# --- Coalesced frames (sticky packets) ---------------------------------------------------------


def test_many_frames_in_one_chunk():
    frames = [
        Frame(Opcode.TEXT, b"Hel", fin=False, mask=KEY),
        Frame(Opcode.PING, b"are you there?", mask=b"\x01\x02\x03\x04"),
        Frame(Opcode.CONT, b"lo", mask=b"\x00\x00\x00\x00"),
        Frame(Opcode.BINARY, payload_of(300), mask=KEY),
        Frame(Opcode.BINARY, b"", mask=KEY),
        Frame(Opcode.PONG, b"", mask=KEY),
        Frame(Opcode.CLOSE, b"\x03\xe8bye", mask=KEY),
    ]
    wire = b"".join(encode_frame(f) for f in frames)
    reader = FrameReader(expect_mask=True)
    out = reader.feed(wire)
    assert out == frames
    assert [type(f.opcode) for f in out] == [Opcode] * len(frames)
    assert reader.buffered == 0
    assert reader.feed(b"") == []


def test_frames_and_a_partial_one_in_one_chunk():
    a = encode_frame(Frame(Opcode.TEXT, b"one"))
    b = encode_frame(Frame(Opcode.TEXT, b"two"))
    reader = FrameReader()
    assert reader.feed(a + b + b[:3]) == [Frame(Opcode.TEXT, b"one"), Frame(Opcode.TEXT, b"two")]
    assert reader.buffered == 3
    assert reader.feed(b[3:]) == [Frame(Opcode.TEXT, b"two")]
    assert reader.buffered == 0


# --- A frame split at every byte position ------------------------------------------------------

SPLIT_CASES = {
    # Every split point covers the inside of the header, of the 16-bit or 64-bit extended length,
    # of the mask key and of the payload.
    "7-bit unmasked": Frame(Opcode.TEXT, b"Hello"),
    "7-bit masked": Frame(Opcode.TEXT, b"Hello", mask=KEY),
    "125 masked": Frame(Opcode.PING, payload_of(125, 1), mask=KEY),
    "16-bit unmasked": Frame(Opcode.BINARY, payload_of(256, 2)),
    "16-bit masked": Frame(Opcode.BINARY, payload_of(1000, 3), mask=KEY),
    "64-bit masked": Frame(Opcode.BINARY, payload_of(65536, 4), mask=KEY),
}


@pytest.mark.parametrize("name", list(SPLIT_CASES))
def test_one_frame_split_at_every_position(name):
    frame = SPLIT_CASES[name]
    wire = encode_frame(frame)
    for i in range(len(wire) + 1):
        reader = FrameReader()
        first = reader.feed(wire[:i])
        if i < len(wire):
            assert first == [], i
            assert reader.feed(wire[i:]) == [frame], i
        else:
            assert first == [frame]
        assert reader.buffered == 0


@pytest.mark.parametrize("name", ["7-bit masked", "16-bit unmasked"])
def test_two_frames_split_at_every_pair_of_positions(name):
    frame = SPLIT_CASES[name]
    other = Frame(Opcode.PONG, b"pong", mask=b"\x0a\x0b\x0c\x0d")
    wire = encode_frame(frame) + encode_frame(other)
    for i in range(len(wire) + 1):
        for j in range(i, len(wire) + 1):
            reader = FrameReader()
            out = feed_all(reader, [wire[:i], wire[i:j], wire[j:]])
            assert out == [frame, other], (i, j)


def test_byte_by_byte():
    frames = [Frame(Opcode.TEXT, b"Hello", mask=KEY), Frame(Opcode.BINARY, payload_of(70000, 5)),
              Frame(Opcode.CLOSE, b"\x03\xe8", mask=KEY)]
    wire = b"".join(encode_frame(f) for f in frames)
    reader = FrameReader()
    got = [f for i in range(len(wire)) for f in reader.feed(wire[i:i + 1])]
    assert got == frames


def test_header_without_payload_yields_nothing():
    wire = encode_frame(Frame(Opcode.BINARY, payload_of(1000), mask=KEY))
    reader = FrameReader()
    assert reader.feed(wire[:8]) == []  # 2 + 2 (16-bit length) + 4 (mask key): the whole header
    assert reader.buffered == 8
    assert reader.feed(wire[8:500]) == []
    assert reader.feed(wire[500:]) == [Frame(Opcode.BINARY, payload_of(1000), mask=KEY)]


def test_waiting_header_is_kept():
    # wslib.connection looks at the header of the frame the reader waits for, to fail a message
    # over its limit before the payload arrives; this holds for every length form.
    for n in (5, 300, 70000):
        wire = encode_frame(Frame(Opcode.CONT, payload_of(n), fin=False, mask=KEY))
        reader = FrameReader(expect_mask=True)
        header_size = len(wire) - n
        assert reader.feed(wire[:header_size - 1]) == []
        assert reader._header is None  # the masking key is not complete yet
        assert reader.feed(wire[header_size - 1:header_size + 1]) == []
        assert reader._header is not None
        assert (reader._header.opcode, reader._header.length, reader._header.mask) == (0, n, KEY)
        assert reader.feed(wire[header_size + 1:]) == [Frame(Opcode.CONT, payload_of(n), False,
                                                             mask=KEY)]
        assert reader._header is None


@pytest.mark.parametrize("frame", [
    Frame(Opcode.TEXT, b"rsv", rsv1=True),  # RSV bits: not the fast path
    Frame(Opcode.BINARY, payload_of(70000)),  # 64-bit length: not the fast path
    Frame(Opcode.PING, b"x" * 125, mask=KEY),
    Frame(Opcode.TEXT, b"", fin=False),
    Frame(Opcode.CONT, payload_of(65535), mask=KEY),
], ids=repr)
def test_reader_agrees_with_decode_frame(frame):
    wire = encode_frame(frame)
    assert FrameReader().feed(wire * 3) == [decode_frame(wire)[0]] * 3 == [frame] * 3


# --- Limits ------------------------------------------------------------------------------------


def test_max_frame_size_from_the_header_alone():
    size = 10 * 1024 * 1024
    header = bytes([0x82, 0x80 | 127]) + struct.pack("!Q", size) + KEY  # 14 bytes, no payload
    reader = FrameReader(max_frame_size=1024 * 1024)
    with pytest.raises(MessageTooBig) as info:
        reader.feed(header)
    assert info.value.close_code == 1009
    assert f"{size} bytes is over the limit of {1024 * 1024}" in str(info.value)
    assert reader.buffered <= len(header)
    # The reader is dead now: more bytes are refused, not buffered.
    with pytest.raises(MessageTooBig):
        reader.feed(b"\x00" * 4096)
    assert reader.buffered <= len(header)


def test_max_frame_size_exact_limit_is_allowed():
    reader = FrameReader(max_frame_size=126)
    frame = Frame(Opcode.BINARY, b"x" * 126)
    assert reader.feed(encode_frame(frame)) == [frame]
    with pytest.raises(MessageTooBig):
        reader.feed(encode_frame(Frame(Opcode.BINARY, b"x" * 127)))


def test_max_frame_size_zero():
    reader = FrameReader(max_frame_size=0)
    assert reader.feed(encode_frame(Frame(Opcode.PING, b""))) == [Frame(Opcode.PING, b"")]
    with pytest.raises(MessageTooBig):
        reader.feed(encode_frame(Frame(Opcode.PING, b"x")))


def test_negative_max_frame_size_is_a_usage_error():
    with pytest.raises(ValueError, match="max_frame_size"):
        FrameReader(max_frame_size=-1)


def test_server_refuses_unmasked_frame():
    reader = FrameReader(expect_mask=True)
    with pytest.raises(ProtocolError) as info:
        reader.feed(encode_frame(Frame(Opcode.TEXT, b"Hello")))
    assert type(info.value) is ProtocolError
    assert info.value.close_code == 1002
    assert "clients must mask every frame" in str(info.value)


def test_client_refuses_masked_frame():
    reader = FrameReader(expect_mask=False)
    with pytest.raises(ProtocolError) as info:
        reader.feed(encode_frame(Frame(Opcode.TEXT, b"Hello", mask=KEY)))
    assert info.value.close_code == 1002
    assert "servers must not mask" in str(info.value)


def test_expect_mask_none_accepts_both():
    masked = Frame(Opcode.TEXT, b"a", mask=KEY)
    plain = Frame(Opcode.TEXT, b"b")
    reader = FrameReader(expect_mask=None)
    assert reader.feed(encode_frame(masked) + encode_frame(plain)) == [masked, plain]


def test_every_feed_after_an_error_raises():
    good = encode_frame(Frame(Opcode.TEXT, b"ok"))
    reader = FrameReader()
    assert reader.feed(good) == [Frame(Opcode.TEXT, b"ok")]
    assert reader.error is None
    with pytest.raises(ProtocolError, match="reserved") as first:
        reader.feed(bytes([0x83, 0x00]))
    assert reader.error is first.value
    for data in (b"", good, bytes([0x81])):
        with pytest.raises(ProtocolError) as again:
            reader.feed(data)
        assert again.value is first.value


def test_error_after_good_frames_in_the_same_chunk():
    # The good frames before the bad one are returned; the error waits in .error and is
    # raised by the next feed().
    reader = FrameReader()
    frames = reader.feed(encode_frame(Frame(Opcode.TEXT, b"ok")) + bytes([0x09, 0x00]))
    assert frames == [Frame(Opcode.TEXT, b"ok")]
    assert isinstance(reader.error, ProtocolError)
    assert "must not be fragmented" in str(reader.error)
    with pytest.raises(ProtocolError, match="must not be fragmented"):
        reader.feed(b"")


# --- Property: any stream of valid frames, any chunking ----------------------------------------

DATA_OPS = [Opcode.CONT, Opcode.TEXT, Opcode.BINARY]
CONTROL_OPS = [Opcode.CLOSE, Opcode.PING, Opcode.PONG]


@st.composite
def frames(draw) -> Frame:
    control = draw(st.booleans())
    if control:
        opcode = draw(st.sampled_from(CONTROL_OPS))
        size = draw(st.one_of(st.integers(0, 10), st.sampled_from([124, 125])))
        fin = True
    else:
        opcode = draw(st.sampled_from(DATA_OPS))
        # Mostly small, sometimes just past a length boundary.
        size = draw(st.one_of(st.integers(0, 20), st.integers(0, 20),
                              st.sampled_from([125, 126, 127, 300, LONG_FRAME, LONG_FRAME + 1,
                                               65535, 65536, 65537])))
        fin = draw(st.booleans())
    payload = payload_of(size, draw(st.integers(0, 1000)))
    key = draw(st.one_of(st.none(), st.binary(min_size=4, max_size=4)))
    rsv = draw(st.tuples(st.booleans(), st.booleans(), st.booleans()))
    return Frame(opcode, payload, fin, *rsv, mask=key)


@settings(max_examples=80, deadline=None)
@given(frame_list=st.lists(frames(), max_size=6), data=st.data())
def test_any_frames_any_chunking(frame_list, data):
    wire = b"".join(encode_frame(f) for f in frame_list)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(wire)), max_size=8), label="cuts"))
    bounds = [0, *cuts, len(wire)]
    chunks = [wire[a:b] for a, b in zip(bounds, bounds[1:])]

    whole = FrameReader().feed(wire)
    reader = FrameReader()
    pieces = feed_all(reader, chunks)
    assert pieces == whole == frame_list
    assert reader.buffered == 0
    for got, sent in zip(pieces, frame_list):
        assert got.opcode == int(sent.opcode) and isinstance(got.opcode, Opcode)
        assert got.mask == sent.mask
        assert type(got.payload) is bytes


@settings(max_examples=50, deadline=None)
@given(frame_list=st.lists(frames(), min_size=1, max_size=4), data=st.data())
def test_any_prefix_is_pending_not_an_error(frame_list, data):
    """A strict prefix of valid frames never raises: it only waits for more bytes."""
    wire = b"".join(encode_frame(f) for f in frame_list)
    cut = data.draw(st.integers(0, len(wire) - 1), label="cut")
    try:
        FrameReader().feed(wire[:cut])
    except WSError as exc:  # pragma: no cover - the assertion below reports it
        pytest.fail(f"a prefix of valid frames raised {exc!r}")


# --- issue 11: RSV bits from the header, and the payload of a frame still arriving -------------


@pytest.mark.parametrize("first", [0xC1, 0xA2, 0x91, 0xF1])  # RSV1, RSV2, RSV3, all three
def test_allow_rsv_false_refuses_reserved_bits_from_the_header(first):
    reader = FrameReader(allow_rsv=False)
    # a 900,000-byte frame: only its header is here, and it is refused already
    with pytest.raises(ProtocolError, match="RSV"):
        reader.feed(bytes([first, 127]) + (900_000).to_bytes(8, "big"))
    assert FrameReader().feed(bytes([first, 0]))[0].rsv1 == bool(first & 0x40)  # default: shown


@pytest.mark.parametrize("masked", [False, True])
def test_pending_payload_shows_what_has_arrived_unmasked(masked):
    payload = bytes(range(200))
    key = b"\x11\x22\x33\x44" if masked else None
    wire = encode_frame(Frame(Opcode.BINARY, payload, mask=key))
    reader = FrameReader()
    assert reader.pending_payload() == b""
    head = len(wire) - len(payload)
    for end in (head, head + 1, head + 7, head + 130):
        reader = FrameReader()
        assert reader.feed(wire[:end]) == []
        arrived = end - head
        assert reader.pending_payload() == payload[:arrived]
        for start in range(0, arrived + 1, 3):  # from any offset, the key lined up
            assert reader.pending_payload(start) == payload[start:arrived]
    assert reader.feed(wire[head + 130:]) == [Frame(Opcode.BINARY, payload, mask=key)]
    assert reader.pending_payload() == b""


# --- Long frames: kept in pieces while they arrive ---------------------------------------------
# A frame longer than LONG_FRAME that is not whole yet leaves the buffer; its payload is unmasked
# piece by piece as it arrives. Whatever the pieces, the frame and pending_payload() are the same.

LONG = LONG_FRAME + 1000


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("step", [1, 3, 1000, 1024, 4096, 5000])
def test_long_frame_in_pieces_of_any_size(masked, step):
    payload = payload_of(LONG, seed=step)
    key = KEY if masked else None
    frame = Frame(Opcode.BINARY, payload, mask=key)
    after = Frame(Opcode.TEXT, b"next", mask=key)
    wire = encode_frame(frame) + encode_frame(after)
    head = len(wire) - len(payload) - len(encode_frame(after))
    reader = FrameReader()
    out: list[Frame] = []
    checked = 0
    for i in range(0, len(wire), step):
        out += reader.feed(wire[i:i + step])
        if not out and reader.pending_header is not None:
            arrived = min(i + step, head + LONG) - head
            assert reader.buffered == head + arrived
            assert reader.pending_payload(checked) == payload[checked:arrived]
            checked = arrived
    assert out == [frame, after]
    assert reader.buffered == 0 and reader.pending_payload() == b""


@pytest.mark.parametrize("masked", [False, True])
def test_long_frame_pending_payload_from_any_offset(masked):
    payload = payload_of(LONG, seed=7)
    key = KEY if masked else None
    wire = encode_frame(Frame(Opcode.BINARY, payload, mask=key))
    head = len(wire) - LONG
    reader = FrameReader()
    cuts = [head + 5, head + 700, head + 700 + 2000, head + 700 + 2000 + 3, head + 9000]
    last = 0
    for cut in cuts:
        assert reader.feed(wire[last:cut]) == []
        last = cut
    arrived = cuts[-1] - head
    for start in [0, 1, 4, 5, 6, 699, 700, 701, 2699, 2700, 2703, 8999, arrived, arrived + 5]:
        assert reader.pending_payload(start) == payload[start:arrived], start


def test_long_frame_a_byte_at_a_time_costs_memory_in_proportion_to_the_bytes():
    # Each byte is its own feed(); the reader must not keep one object per byte.
    payload = payload_of(LONG_FRAME * 2, seed=3)
    wire = encode_frame(Frame(Opcode.BINARY, payload, mask=KEY))
    reader = FrameReader()
    for i in range(len(wire) - 1):
        assert reader.feed(wire[i:i + 1]) == []
    assert len(reader._pieces) <= 2  # small pieces are collected in one bytearray
    assert reader.feed(wire[-1:]) == [Frame(Opcode.BINARY, payload, mask=KEY)]


def test_long_frame_then_an_error_in_the_same_chunk():
    payload = payload_of(LONG, seed=5)
    wire = encode_frame(Frame(Opcode.BINARY, payload, mask=KEY))
    reader = FrameReader(expect_mask=True)
    assert reader.feed(wire[:100]) == []
    # the rest of the long frame, then an unmasked frame from a "client"
    frames = reader.feed(wire[100:] + encode_frame(Frame(Opcode.TEXT, b"x")))
    assert frames == [Frame(Opcode.BINARY, payload, mask=KEY)]
    assert isinstance(reader.error, ProtocolError)
    with pytest.raises(ProtocolError, match="unmasked"):
        reader.feed(b"")


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_any_bytes_like_chunks_and_the_caller_may_reuse_its_buffer(kind):
    frames = [Frame(Opcode.TEXT, payload_of(n, seed=n), mask=KEY) for n in (5, 300, LONG)]
    wire = b"".join(encode_frame(f) for f in frames)
    reader = FrameReader()
    out: list[Frame] = []
    for i in range(0, len(wire), 777):
        chunk = bytearray(wire[i:i + 777])
        out += reader.feed(kind(chunk) if kind is not bytearray else chunk)
        chunk[:] = b"\0" * len(chunk)  # a caller reusing its receive buffer changes nothing
    assert out == frames


def test_limits_set_after_construction_apply_on_every_path():
    reader = FrameReader()
    reader.max_frame_size = 10
    reader.expect_mask = True
    with pytest.raises(MessageTooBig):
        reader.feed(encode_frame(Frame(Opcode.TEXT, b"x" * 11, mask=KEY)))
    reader = FrameReader()
    reader.expect_mask = True
    with pytest.raises(ProtocolError, match="unmasked"):
        reader.feed(encode_frame(Frame(Opcode.TEXT, b"hi")))

