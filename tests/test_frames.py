"""Tests for wslib.frames: encode / decode of single frames, and close payloads (RFC 6455 section 5)."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wslib.errors import InvalidPayload, ProtocolError, UsageError, WSError
from wslib.frames import (
    MAX_CLOSE_REASON,
    CloseCode,
    Frame,
    Opcode,
    close_code_allowed,
    decode_close,
    decode_frame,
    encode_close,
    encode_frame,
    parse_header,
)
from wslib.reader import FrameReader

KEY = bytes.fromhex("37fa213d")  # the masking key of the examples in RFC 6455 section 5.7


def roundtrip(frame: Frame, wire: bytes) -> None:
    """``frame`` encodes to exactly ``wire``, and ``wire`` decodes to exactly ``frame``."""
    assert encode_frame(frame) == wire
    decoded, used = decode_frame(wire)
    assert decoded == frame
    assert used == len(wire)
    assert isinstance(decoded.opcode, Opcode)
    assert type(decoded.payload) is bytes


# --- RFC 6455 section 5.7, every example, byte for byte ------------------------------------------


def test_rfc_single_frame_unmasked_text():
    wire = bytes([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
    roundtrip(Frame(Opcode.TEXT, b"Hello"), wire)


def test_rfc_single_frame_masked_text():
    wire = bytes([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
    roundtrip(Frame(Opcode.TEXT, b"Hello", mask=KEY), wire)


def test_rfc_fragmented_unmasked_text():
    first = bytes([0x01, 0x03, 0x48, 0x65, 0x6C])
    second = bytes([0x80, 0x02, 0x6C, 0x6F])
    roundtrip(Frame(Opcode.TEXT, b"Hel", fin=False), first)
    roundtrip(Frame(Opcode.CONT, b"lo"), second)
    # Both frames in one buffer: decode_frame reads the first and says where the second begins.
    frame, used = decode_frame(first + second)
    assert (frame, used) == (Frame(Opcode.TEXT, b"Hel", fin=False), 5)
    assert decode_frame((first + second)[used:]) == (Frame(Opcode.CONT, b"lo"), 4)


def test_rfc_unmasked_ping_and_masked_pong():
    ping = bytes([0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
    pong = bytes([0x8A, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
    roundtrip(Frame(Opcode.PING, b"Hello"), ping)
    roundtrip(Frame(Opcode.PONG, b"Hello", mask=KEY), pong)


def test_rfc_256_bytes_binary_16_bit_length():
    payload = bytes(range(256))
    wire = bytes([0x82, 0x7E, 0x01, 0x00]) + payload
    roundtrip(Frame(Opcode.BINARY, payload), wire)


def test_rfc_64_kib_binary_64_bit_length():
    payload = bytes(range(256)) * 256  # 65536 bytes
    wire = bytes([0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]) + payload
    roundtrip(Frame(Opcode.BINARY, payload), wire)


# --- The three length forms at their boundaries -----------------------------------------------


@pytest.mark.parametrize(
    "n, length_bytes",
    [
        (0, bytes([0])),
        (125, bytes([125])),
        (126, bytes([126, 0x00, 0x7E])),
        (65535, bytes([126, 0xFF, 0xFF])),
        (65536, bytes([127, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00])),
    ],
)
@pytest.mark.parametrize("masked", [False, True])
def test_length_forms_at_boundaries(n, length_bytes, masked):
    payload = bytes(i % 251 for i in range(n))
    key = KEY if masked else None
    wire = encode_frame(Frame(Opcode.BINARY, payload, mask=key))
    header_len = 1 + len(length_bytes) + (4 if masked else 0)
    assert wire[0] == 0x82
    assert wire[1] & 0x80 == (0x80 if masked else 0)
    assert bytes([wire[1] & 0x7F]) + wire[2:len(length_bytes) + 1] == length_bytes
    assert len(wire) == header_len + n
    header = parse_header(wire)
    assert (header.length, header.size, header.mask) == (n, header_len, key)
    assert decode_frame(wire) == (Frame(Opcode.BINARY, payload, mask=key), len(wire))


def test_flags_and_rsv_bits_round_trip():
    frame = Frame(Opcode.BINARY, b"x", fin=False, rsv1=True, rsv2=False, rsv3=True)
    wire = encode_frame(frame)
    assert wire[0] == 0x00 | 0x40 | 0x10 | 0x02
    assert decode_frame(wire)[0] == frame


# --- Rejections --------------------------------------------------------------------------------


def check_rejected(wire: bytes, exc_type: type, close_code: int, phrase: str) -> None:
    with pytest.raises(exc_type) as info:
        decode_frame(wire)
    assert type(info.value) is exc_type
    assert info.value.close_code == close_code
    assert phrase in str(info.value)
    # The incremental reader follows the same rules (it shares parse_header).
    with pytest.raises(exc_type) as info:
        FrameReader().feed(wire)
    assert info.value.close_code == close_code
    assert phrase in str(info.value)


@pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 11, 12, 13, 14, 15])
def test_reserved_opcodes_rejected(opcode):
    wire = bytes([0x80 | opcode, 0x00])
    check_rejected(wire, ProtocolError, 1002, f"opcode 0x{opcode:X} is reserved")


@pytest.mark.parametrize("opcode", [3, 7, 11, 15])
def test_reserved_opcodes_refused_on_encode(opcode):
    # Building a frame that breaks a rule is the caller's mistake (UsageError), not a peer's
    # protocol error with a close code (it was ProtocolError, 1002).
    with pytest.raises(UsageError, match="reserved"):
        encode_frame(Frame(opcode, b""))


@pytest.mark.parametrize("opcode", [Opcode.CLOSE, Opcode.PING, Opcode.PONG])
def test_control_frame_of_126_bytes_rejected(opcode):
    wire = bytes([0x80 | opcode, 126, 0x00, 126]) + b"\x00" * 126
    check_rejected(wire, ProtocolError, 1002, "at most 125")
    with pytest.raises(UsageError, match="at most 125"):
        encode_frame(Frame(opcode, b"\x00" * 126))


@pytest.mark.parametrize("opcode", [Opcode.CLOSE, Opcode.PING, Opcode.PONG])
def test_control_frame_of_125_bytes_accepted(opcode):
    frame = Frame(opcode, b"\x03\xe8" + b"a" * 123)
    assert decode_frame(encode_frame(frame))[0] == frame


@pytest.mark.parametrize("opcode", [Opcode.CLOSE, Opcode.PING, Opcode.PONG])
def test_fragmented_control_frame_rejected(opcode):
    wire = bytes([opcode, 0x00])  # FIN = 0
    check_rejected(wire, ProtocolError, 1002, "must not be fragmented")
    with pytest.raises(UsageError, match="must not be fragmented"):
        encode_frame(Frame(opcode, b"", fin=False))


@pytest.mark.parametrize("n", [0, 5, 125])
def test_non_minimal_16_bit_length_rejected(n):
    wire = bytes([0x81, 126]) + struct.pack("!H", n) + b"a" * n
    check_rejected(wire, ProtocolError, 1002, "minimal encoding")


@pytest.mark.parametrize("n", [0, 5, 125, 126, 65535])
def test_non_minimal_64_bit_length_rejected(n):
    wire = bytes([0x82, 127]) + struct.pack("!Q", n) + b"\x00" * n
    check_rejected(wire, ProtocolError, 1002, "minimal encoding")


def test_64_bit_length_with_msb_set_rejected():
    wire = bytes([0x82, 127]) + struct.pack("!Q", (1 << 63) | 65536)
    check_rejected(wire, ProtocolError, 1002, "most significant bit")


def test_ends_of_the_minimal_forms_accepted():
    # The smallest length of each form is fine; just under it is not (tested above).
    assert parse_header(bytes([0x82, 126, 0x00, 126])).length == 126
    assert parse_header(bytes([0x82, 127]) + struct.pack("!Q", 65536)).length == 65536
    assert parse_header(bytes([0x82, 127]) + struct.pack("!Q", (1 << 63) - 1)).length == (1 << 63) - 1


@pytest.mark.parametrize(
    "wire",
    [
        b"",
        b"\x81",
        bytes([0x81, 0x05]) + b"Hell",  # payload short by one byte
        bytes([0x81, 0x85, 0x37, 0xFA]),  # inside the mask key
        bytes([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D]),  # mask key, no payload
        bytes([0x82, 126]),  # 16-bit length missing
        bytes([0x82, 126, 0x01]),  # half the 16-bit length
        bytes([0x82, 127, 0, 0, 0, 0, 0, 1]),  # part of the 64-bit length
        bytes([0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]),  # 64-bit length, no payload
    ],
)
def test_incomplete_frames_raise_protocol_error(wire):
    with pytest.raises(ProtocolError, match="incomplete") as info:
        decode_frame(wire)
    assert info.value.close_code == 1002


def test_encode_check_false_builds_forbidden_frames():
    # Each of these is refused with check=True, and is exactly the bytes we asked for with False.
    assert encode_frame(Frame(3, b"x"), check=False) == bytes([0x83, 0x01]) + b"x"
    assert encode_frame(Frame(Opcode.PING, b"", fin=False), check=False) == bytes([0x09, 0x00])
    big_ping = encode_frame(Frame(Opcode.PING, b"a" * 126), check=False)
    assert big_ping == bytes([0x89, 126, 0x00, 126]) + b"a" * 126
    masked = encode_frame(Frame(15, b"Hello", mask=KEY), check=False)
    assert masked == bytes([0x8F, 0x85]) + KEY + bytes.fromhex("7f9f4d5158")
    # ... and the decoder then refuses them.
    for wire in (bytes([0x83, 0x01]) + b"x", bytes([0x09, 0x00]), big_ping, masked):
        with pytest.raises(ProtocolError):
            decode_frame(wire)


def test_encode_usage_errors():
    with pytest.raises(UsageError, match="4 bits"):
        encode_frame(Frame(16, b""), check=False)
    with pytest.raises(UsageError, match="exactly 4 bytes"):
        encode_frame(Frame(Opcode.TEXT, b"x", mask=b"abc"))


def test_frame_repr_is_readable():
    text = repr(Frame(Opcode.TEXT, b"Hello", mask=KEY))
    assert "TEXT" in text and "FIN" in text and "37fa213d" in text
    assert "reserved 0x3" in repr(Frame(3, b""))


def test_opcode_is_control():
    assert [op.is_control for op in Opcode] == [False, False, False, True, True, True]


# --- Close payloads ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012,
                                  1013, 1014, 3000, 4000, 4999])
def test_allowed_close_codes_round_trip(code):
    assert close_code_allowed(code)
    payload = encode_close(code, "bye ✓")
    assert payload[:2] == struct.pack("!H", code)
    assert decode_close(payload) == (code, "bye ✓")


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])
def test_forbidden_close_codes(code):
    assert not close_code_allowed(code)
    with pytest.raises(UsageError, match=f"close code {code}"):
        encode_close(code)
    with pytest.raises(ProtocolError) as info:
        decode_close(struct.pack("!H", code))
    assert type(info.value) is ProtocolError
    assert info.value.close_code == 1002
    assert f"close code {code} is not allowed" in str(info.value)


def test_close_rfc_example_bytes():
    assert encode_close(1000, "") == b"\x03\xe8"
    assert encode_close() == b"\x03\xe8"
    assert encode_close(CloseCode.GOING_AWAY, "bye") == b"\x03\xe9bye"


def test_empty_close_payload():
    assert encode_close(None) == b""
    assert decode_close(b"") == (1005, "")
    assert decode_close(b"")[0] is CloseCode.NO_STATUS
    with pytest.raises(UsageError, match="needs a status code"):
        encode_close(None, "why")


def test_one_byte_close_payload():
    with pytest.raises(ProtocolError) as info:
        decode_close(b"\x03")
    assert info.value.close_code == 1002
    assert "1 byte" in str(info.value)


def test_close_reason_length_limit():
    assert len(encode_close(1000, "a" * MAX_CLOSE_REASON)) == 125
    with pytest.raises(UsageError, match="124 bytes in UTF-8; the limit is 123"):
        encode_close(1000, "a" * 124)
    # The limit counts UTF-8 bytes, not characters: 42 * 3 bytes = 126.
    with pytest.raises(UsageError, match="126 bytes"):
        encode_close(1000, "✓" * 42)


def test_close_reason_not_utf8():
    with pytest.raises(InvalidPayload) as info:
        decode_close(b"\x03\xe8ok\xff")
    assert info.value.close_code == 1007
    assert "not valid UTF-8 at byte 4" in str(info.value)
    # Half of a multi-byte character is just as bad.
    with pytest.raises(InvalidPayload):
        decode_close(b"\x03\xe8" + "✓".encode()[:2])


@settings(max_examples=100, deadline=None)
@given(code=st.one_of(st.sampled_from(sorted(c for c in range(1000, 1016) if close_code_allowed(c))),
                      st.integers(3000, 4999)),
       reason=st.text(max_size=40))
def test_close_round_trip_property(code, reason):
    raw = reason.encode()
    if len(raw) > MAX_CLOSE_REASON:
        with pytest.raises(UsageError):
            encode_close(code, reason)
    else:
        assert decode_close(encode_close(code, reason)) == (code, reason)


# --- Fuzz: arbitrary bytes give a frame or a WSError, nothing else ------------------------------

# Bytes that look like a header often enough to reach the deeper branches: a first byte with any
# flags and opcode, a length byte favouring 126 and 127, then anything.
header_like = st.builds(
    lambda b0, b1, rest: bytes([b0, b1]) + rest,
    st.integers(0, 255),
    st.one_of(st.integers(0, 255), st.sampled_from([126, 127, 0x80 | 126, 0x80 | 127])),
    st.binary(max_size=24),
)


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(st.binary(max_size=40), header_like))
def test_decode_frame_fuzz_raises_only_wserror(data):
    try:
        frame, used = decode_frame(data)
    except WSError as exc:
        assert isinstance(exc, ProtocolError)
    else:
        assert 2 <= used <= len(data)
        # Whatever decodes re-encodes to the same bytes (the encoding is canonical).
        assert encode_frame(frame) == data[:used]


@settings(max_examples=200, deadline=None)
@given(chunks=st.lists(st.one_of(st.binary(max_size=20), header_like), max_size=5),
       expect_mask=st.sampled_from([None, True, False]))
def test_frame_reader_fuzz_raises_only_wserror(chunks, expect_mask):
    reader = FrameReader(max_frame_size=1000, expect_mask=expect_mask)
    for chunk in chunks:
        try:
            frames = reader.feed(chunk)
        except WSError:
            break
        assert all(isinstance(f, Frame) for f in frames)
