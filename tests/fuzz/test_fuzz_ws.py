"""Fuzzing the WebSocket side: the frame reader, the frame codec and the Connection (hypothesis).

Inputs are random bytes, and valid streams (messages, fragments, pings, closes, built by a
real Connection) with random bytes flipped, inserted or cut out, all fed in random chunks.
Properties: no exception escapes but wslib's own (``ProtocolError`` from the reader and the
codec; nothing at all from ``Connection.receive_data``, which turns every error into a close
frame), what comes out follows the rules (whole frames, allowed close codes, nothing after a
close frame, nothing after ``Closed``), and memory stays bounded (the buffers never hold more
than one frame or message over the limit).

Time-boxed rather than counted: ``WSCOURSE_FUZZ_SECONDS`` is the budget of all the fuzzing in
the suite (default 30 s: half for these targets, shared equally, half for the HTTP ones in
test_fuzz_http.py), so ``make test`` stays short and a longer run is one variable away:
``WSCOURSE_FUZZ_SECONDS=600 make test``.
"""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wslib.connection import Closed, Connection, State
from wslib.errors import ProtocolError
from wslib.frames import Opcode, close_code_allowed, decode_close, decode_frame, parse_header
from wslib.reader import FrameReader

TARGETS = 5  # the fuzz targets below, sharing this file's half of the budget
BUDGET = float(os.environ.get("WSCOURSE_FUZZ_SECONDS", "30")) / 2 / TARGETS
LIMIT = 4096  # max_message_size / max_frame_size under test: small, so that limits are hit


class BudgetSpent(BaseException):
    """Raised inside a fuzz target when its time is up (a BaseException: hypothesis lets it
    through at once instead of treating it as a failure to shrink)."""


def time_boxed(test):
    """Run the hypothesis test ``test`` until BUDGET seconds have passed."""
    fuzz = settings(max_examples=10**9, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))(test)

    def run():
        run.deadline = time.monotonic() + BUDGET
        try:
            fuzz()
        except BudgetSpent:
            pass

    run.__name__ = test.__name__
    run.__doc__ = test.__doc__
    return run


def check_time(test_fn):
    if time.monotonic() > test_fn.deadline:
        raise BudgetSpent


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for p in points + [len(data)]:
        if p > last:
            pieces.append(data[last:p])
            last = p
    return pieces


# A valid stream as a client or server sends it, built by a real Connection, then mutated.
actions = st.lists(st.one_of(
    st.tuples(st.just("text"), st.text(max_size=60), st.one_of(st.none(), st.integers(1, 16))),
    st.tuples(st.just("binary"), st.binary(max_size=200), st.one_of(st.none(), st.integers(1, 64))),
    st.tuples(st.just("ping"), st.binary(max_size=125), st.none()),
    st.tuples(st.just("pong"), st.binary(max_size=20), st.none()),
), max_size=12)


def valid_stream(role: str, acts, close: tuple[int, str] | None) -> bytes:
    conn = Connection(role, max_message_size=None, mask_key=lambda: b"\x5a\xa5\x0f\xf0")
    for kind, value, fragment in acts:
        if kind == "text":
            conn.send_text(value, fragment_size=fragment)
        elif kind == "binary":
            conn.send_binary(value, fragment_size=fragment)
        elif kind == "ping":
            conn.send_ping(value)
        else:
            conn.send_pong(value)
    if close is not None:
        conn.close(*close)
    return conn.data_to_send()


mutations = st.lists(st.tuples(st.sampled_from(["flip", "insert", "delete"]),
                               st.integers(0, 10**6), st.integers(0, 255)), max_size=4)


def mutate(data: bytes, muts) -> bytes:
    buf = bytearray(data)
    for kind, where, value in muts:
        i = where % (len(buf) + 1)
        if kind == "insert":
            buf[i:i] = bytes([value])
        elif buf and i < len(buf):
            if kind == "flip":
                buf[i] ^= value or 1
            else:
                del buf[i]
    return bytes(buf)


streams = st.one_of(
    st.binary(max_size=600),
    st.builds(lambda role, a, m: (role, mutate(valid_stream(role, a, (1000, "bye")), m)),
              st.sampled_from(["client", "server"]), actions, mutations),
)


def check_output(conn: Connection, out: bytes, wire: FrameReader, seen_close: list) -> None:
    """What a Connection writes: whole frames, masked as its role requires, a valid close
    frame at most once, and nothing after it."""
    for frame in wire.feed(out):
        assert not seen_close, f"{frame!r} sent after a close frame"
        if frame.opcode == Opcode.CLOSE:
            code, _ = decode_close(frame.payload)
            assert code == 1005 or close_code_allowed(code)
            seen_close.append(code)
    assert wire.error is None


# --- the targets ---------------------------------------------------------------------------------


@time_boxed
@given(data=st.one_of(st.binary(max_size=400), streams.map(lambda s: s if isinstance(s, bytes)
                                                            else s[1])),
       cuts=st.lists(st.integers(0, 10**6), max_size=8),
       expect_mask=st.sampled_from([None, True, False]), allow_rsv=st.booleans(),
       limit=st.sampled_from([None, 0, 125, LIMIT]))
def test_frame_reader(data, cuts, expect_mask, allow_rsv, limit):
    """FrameReader: only ProtocolError escapes, an error sticks, frames respect the limit, and
    the buffer holds at most one incomplete frame."""
    check_time(test_frame_reader)
    reader = FrameReader(max_frame_size=limit, expect_mask=expect_mask, allow_rsv=allow_rsv)
    error = None
    for piece in chunked(data, cuts):
        try:
            frames = reader.feed(piece)
        except ProtocolError as exc:
            error = exc
            break
        for frame in frames:
            assert limit is None or len(frame.payload) <= max(limit, 0)
            assert allow_rsv or not (frame.rsv1 or frame.rsv2 or frame.rsv3)
            if expect_mask is not None:
                assert (frame.mask is not None) == expect_mask
        if limit is not None:
            assert reader.buffered < 14 + limit + 1 or reader.error is not None
        if reader.error is not None:
            error = reader.error
            break
    if error is not None:
        with pytest.raises(ProtocolError):
            reader.feed(b"\x81\x00")  # a stream cannot be resynchronized


@time_boxed
@given(data=st.binary(max_size=300))
def test_decode_frame_and_parse_header(data):
    """The codec on any bytes: a frame, None (incomplete header), or ProtocolError."""
    check_time(test_decode_frame_and_parse_header)
    try:
        header = parse_header(data)
    except ProtocolError:
        header = None
    try:
        frame, used = decode_frame(data)
    except ProtocolError:
        return
    assert header is not None and used == header.size + header.length <= len(data)
    assert len(frame.payload) == header.length


@time_boxed
@given(payload=st.binary(max_size=130))
def test_decode_close(payload):
    """Any close payload: (code, reason) with an allowed code, or a ProtocolError (1002/1007)."""
    check_time(test_decode_close)
    try:
        code, reason = decode_close(payload)
    except ProtocolError as exc:
        assert exc.close_code in (1002, 1007)
        return
    assert code == 1005 or close_code_allowed(code)
    assert isinstance(reason, str)


@time_boxed
@given(stream=streams, role=st.sampled_from(["client", "server"]),
       cuts=st.lists(st.integers(0, 10**6), max_size=10), eof=st.booleans())
def test_connection_on_any_bytes(stream, role, cuts, eof):
    """Connection.receive_data never raises; nothing follows Closed; what it sends is valid; its
    buffers stay within the limit."""
    check_time(test_connection_on_any_bytes)
    if isinstance(stream, tuple):  # a mutated stream: read it as the peer of its sender
        sender, data = stream
        role = "server" if sender == "client" else "client"
    else:
        data = stream
    conn = Connection(role, max_message_size=LIMIT, mask_key=lambda: b"\x01\x02\x03\x04")
    wire = FrameReader(expect_mask=role == "client")
    seen_close: list = []
    closed = []
    pieces = chunked(data, cuts) + ([b""] if eof else [])
    for piece in pieces:
        for event in conn.receive_data(piece):
            assert not closed, f"{event!r} after Closed"
            if isinstance(event, Closed):
                closed.append(event)
        check_output(conn, conn.data_to_send(), wire, seen_close)
        assert conn._reader.buffered <= 14 + LIMIT + max(map(len, pieces))
        assert len(conn._msg_buf) <= LIMIT
    closed += [e for e in conn.events() if isinstance(e, Closed)]  # a failure still waiting
    check_output(conn, conn.data_to_send(), wire, seen_close)
    assert len(closed) <= 1
    if closed:
        assert conn.state is State.CLOSED
        error = closed[0].error
        if error is not None:  # we failed it: our close frame carries the error's code
            assert seen_close == [error.close_code]


@time_boxed
@given(acts=actions, role=st.sampled_from(["client", "server"]),
       cuts=st.lists(st.integers(0, 10**6), max_size=10))
def test_valid_streams_arrive_whole(acts, role, cuts):
    """The unmutated streams: every message arrives, in order, whatever the chunking."""
    check_time(test_valid_streams_arrive_whole)
    data = valid_stream(role, acts, (4001, "done"))
    peer = Connection("server" if role == "client" else "client", max_message_size=None)
    events = []
    for piece in chunked(data, cuts):
        events += peer.receive_data(piece)
    messages = [getattr(e, "data") for e in events if hasattr(e, "data")]
    assert messages == [value for kind, value, _ in acts if kind in ("text", "binary")]
    assert events[-1] == Closed(4001, "done")
    answer = FrameReader(expect_mask=peer.is_client).feed(peer.data_to_send())
    assert answer[-1].payload == b"\x0f\xa1done"  # the close echoed, reason and all
