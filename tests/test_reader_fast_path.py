"""The frame reader's fast path exists twice: in C (``wslib._speedups.scan_frames``, when the
extension was built) and in Python (``FrameReader.feed``). They must take exactly the same frames
and leave exactly the same state; tests/test_reader.py runs every reader test with each."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_reader import KEY, SCAN_IN_C, frames, payload_of
from wslib import reader as reader_module
from wslib.errors import ProtocolError
from wslib.frames import Frame, Opcode, encode_frame
from wslib.reader import FrameReader

# --- The fast path in C and in Python give the same frames, errors and state --------------------


def run_reader(scan, wire: bytes, cuts: list[int], options: dict):
    """Feed ``wire`` cut at ``cuts`` through a reader whose C fast path is ``scan`` (None: Python
    only); what comes out, step by step: frames, then the error or the state left behind."""
    saved = reader_module._scan_frames
    reader_module._scan_frames = scan
    try:
        reader = FrameReader(**options)
        bounds = [0, *sorted(cuts), len(wire)]
        steps = []
        for a, b in zip(bounds, bounds[1:]):
            try:
                out = reader.feed(wire[a:b])
            except ProtocolError as exc:
                steps.append(("raised", type(exc), str(exc)))
                break
            steps.append(([(f, type(f.opcode), type(f.payload)) for f in out], reader.buffered,
                          reader.pending_header, repr(reader.error)))
        return steps
    finally:
        reader_module._scan_frames = saved


@st.composite
def edge_frames(draw) -> bytes:
    """A frame header built field by field, at the edges of the fast path: RSV bits, reserved
    opcodes, fragmented control frames, each length form with minimal and non-minimal lengths,
    either masking direction; then all of its payload, or only the start of it."""
    fin = draw(st.booleans())
    rsv = draw(st.sampled_from([0, 0, 0, 0x40, 0x20, 0x10]))
    opcode = draw(st.one_of(st.sampled_from([0, 1, 2, 8, 9, 10]), st.integers(0, 15)))
    masked = draw(st.booleans())
    form = draw(st.sampled_from(["7-bit", "16-bit", "64-bit"]))
    if form == "7-bit":
        length = draw(st.sampled_from([0, 1, 5, 100, 125]))
        head = bytes([(0x80 if fin else 0) | rsv | opcode, (0x80 if masked else 0) | length])
    else:
        length = draw(st.sampled_from([0, 5, 125, 126, 127, 300, 65535] if form == "16-bit"
                                      else [0, 125, 126, 65535, 65536]))
        code, size = (126, 2) if form == "16-bit" else (127, 8)
        head = bytes([(0x80 if fin else 0) | rsv | opcode, (0x80 if masked else 0) | code])
        head += length.to_bytes(size, "big")
    if masked:
        head += draw(st.binary(min_size=4, max_size=4))
    have = draw(st.one_of(st.just(length), st.integers(0, length)))  # whole, or cut short
    return head + payload_of(have, draw(st.integers(0, 100)))


@pytest.mark.skipif(SCAN_IN_C is None, reason="wslib._speedups was not built")
@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(frames().map(encode_frame), edge_frames(), st.binary(max_size=30)),
                      max_size=6),
       cuts=st.lists(st.integers(0, 70000), max_size=6),
       expect_mask=st.sampled_from([None, True, False]), allow_rsv=st.booleans(),
       limit=st.sampled_from([None, 0, 5, 125, 126, 300, 65535, 65536]))
def test_fast_path_in_c_and_in_python_agree(parts, cuts, expect_mask, allow_rsv, limit):
    wire = b"".join(parts)
    cuts = [c % (len(wire) + 1) for c in cuts]
    options = dict(expect_mask=expect_mask, allow_rsv=allow_rsv, max_frame_size=limit)
    assert run_reader(SCAN_IN_C, wire, cuts, options) == run_reader(None, wire, cuts, options)


@pytest.mark.skipif(SCAN_IN_C is None, reason="wslib._speedups was not built")
@settings(max_examples=500, deadline=None)
@given(edge=edge_frames(), before=st.lists(frames().map(encode_frame), max_size=2),
       cuts=st.lists(st.integers(0, 70000), max_size=3),
       expect_mask=st.sampled_from([None, True, False]), allow_rsv=st.booleans(),
       limit=st.sampled_from([None, 0, 5, 125, 126, 300, 65535, 65536]))
def test_every_edge_of_the_fast_path_is_the_same_in_c_and_in_python(edge, before, cuts,
                                                                    expect_mask, allow_rsv, limit):
    """One frame at an edge of the fast path, maybe after valid frames, in each of the ways a
    reader can be set up: the same frames, error or waiting state from both paths."""
    wire = b"".join(before) + edge
    cuts = [c % (len(wire) + 1) for c in cuts]
    options = dict(expect_mask=expect_mask, allow_rsv=allow_rsv, max_frame_size=limit)
    assert run_reader(SCAN_IN_C, wire, cuts, options) == run_reader(None, wire, cuts, options)


# Lengths in every form, minimal or not, at the 125/126 and 65535/65536 boundaries.
EDGE_LENGTHS = [(0, b""), (125, b""), (5, b"\x00\x05"), (125, b"\x00\x7d"), (126, b"\x00\x7e"),
                (300, b"\x01\x2c"), (5, b"\x00" * 7 + b"\x05"), (70000, (70000).to_bytes(8, "big"))]


@pytest.mark.skipif(SCAN_IN_C is None, reason="wslib._speedups was not built")
@pytest.mark.parametrize("expect_mask", [None, True, False])
def test_every_first_byte_and_length_form_is_the_same_in_c_and_in_python(expect_mask):
    """Exhaustively: every first byte (FIN, RSV bits, all 16 opcodes) with every length form,
    masked or not, followed by a plain frame: the same frames or error from both paths, under a
    few size limits."""
    after = encode_frame(Frame(Opcode.PING, b"after", mask=KEY if expect_mask else None))
    for first in range(256):
        for length, extended in EDGE_LENGTHS:
            code = length if not extended else 126 if len(extended) == 2 else 127
            for masked in (False, True):
                wire = (bytes([first, (0x80 if masked else 0) | code]) + extended
                        + (KEY if masked else b"") + payload_of(length) + after)
                for limit in (None, 125, 300):
                    options = dict(expect_mask=expect_mask, max_frame_size=limit)
                    assert run_reader(SCAN_IN_C, wire, [], options) == \
                        run_reader(None, wire, [], options), (hex(first), length, extended, masked,
                                                              limit)


@pytest.mark.skipif(SCAN_IN_C is None, reason="wslib._speedups was not built")
def test_scan_frames_takes_whole_plain_frames_and_stops_at_anything_else():
    """What the C fast path takes on its own, from where it was told to start, and where it
    stops (Python carries on from there)."""
    plain = encode_frame(Frame(Opcode.TEXT, b"hi", mask=KEY))
    ping = encode_frame(Frame(Opcode.PING, b"", mask=KEY))
    rsv = encode_frame(Frame(Opcode.TEXT, b"x", rsv1=True, mask=KEY))
    frames: list = []
    stream = b"junk" + plain + ping + rsv + plain
    end = SCAN_IN_C(stream, 4, frames, 1, 65535)  # mask_mode 1: a server's, masked frames only
    assert end == 4 + len(plain) + len(ping)  # it stops at the RSV bit: the general path's job
    assert frames == [Frame(Opcode.TEXT, b"hi", mask=KEY), Frame(Opcode.PING, b"", mask=KEY)]
    assert all(type(f) is Frame and type(f.opcode) is Opcode for f in frames)
    assert SCAN_IN_C(bytearray(plain[:-1]), 0, [], 1, 65535) == 0  # not all here
    assert SCAN_IN_C(plain, 0, [], 0, 65535) == 0  # masked, where mask_mode 0 wants unmasked
    assert SCAN_IN_C(plain, 0, [], 1, 1) == 0  # over the limit: the general path raises 1009
    with pytest.raises(TypeError):
        SCAN_IN_C(plain, 0, (), 1, 65535)  # frames must be a list


def test_without_the_extension_the_reader_uses_its_python_fast_path():
    """Where wslib._speedups was not built (or is an older build without scan_frames), importing
    the reader still works, and it reads frames with the Python fast path alone."""
    code = (
        "import sys\n"
        "sys.modules['wslib._speedups'] = None  # as if it had never been built\n"
        "from wslib import reader\n"
        "from wslib.frames import Frame, Opcode, encode_frame\n"
        "assert reader._scan_frames is None\n"
        "frame = Frame(Opcode.TEXT, b'hello', mask=b'abcd')\n"
        "assert reader.FrameReader(expect_mask=True).feed(encode_frame(frame) * 2) == [frame] * 2\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
