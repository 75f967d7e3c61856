"""Fuzz targets for the HTTP side of wslib: the head reader, the opening handshake (request and
response validation, and what the client builds), and the SSE parser and chunked decoder.

Each target feeds hypothesis-made input (HTTP-looking pieces mixed with random bytes, cut into
random chunks) and checks two things: no exception escapes but wslib's own (``WSError`` and
its subclasses: every bad input gets a clear, specific error), and memory stays bounded (the
readers' buffers never exceed their limits, and the process holds no more memory at the end
of a target than a little over what it held at the start).

Time, not a count, bounds each target: hypothesis runs in rounds until the target's share of
the budget is spent. ``WSCOURSE_FUZZ_SECONDS`` is the budget of all the fuzzing in the suite
(default 30 s: half for these targets, half for the WebSocket ones in test_fuzz_ws.py); set it
higher to fuzz for longer, e.g. ``WSCOURSE_FUZZ_SECONDS=600 make test``.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wslib.errors import HandshakeError, HTTPHeadError, SSEError, UsageError, WSError
from wslib.eventstream import ChunkedDecoder
from wslib.handshake import build_request, check_request, check_response, generate_key
from wslib.http import (HeadReader, Headers, Request, Response, check_host, request_body_length,
                        request_from_head, response_from_head)
from wslib.server import Router, serve
from wslib.sse import EventStreamParser

TARGETS = 6  # the fuzz targets below (test_fuzz checks the count), sharing this file's half
BUDGET = float(os.environ.get("WSCOURSE_FUZZ_SECONDS", "30")) / 2 / TARGETS
MAX_GROWTH_KB = 100 * 1024


def resident_kb() -> int | None:
    """The memory this process holds right now (Linux), or None where that is not known."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return None


def fuzz(test, budget: float = BUDGET, examples_per_round: int = 20) -> int:
    """Run the hypothesis ``test`` in rounds of ``examples_per_round`` until ``budget``
    seconds are spent; return how many rounds ran (at least one). Fails if the process holds
    much more memory at the end than at the start (something kept what it was fed)."""
    inner = settings(max_examples=examples_per_round, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck))(test)
    start = time.monotonic()
    deadline = start + budget
    gc.collect()
    before = resident_kb()
    collect = time.monotonic() - start  # the same again at the end: keep time for it
    rounds, last = 0, 0.0
    while rounds == 0 or time.monotonic() + last + collect < deadline:  # only a round that fits
        started = time.monotonic()
        inner()
        rounds += 1
        last = time.monotonic() - started
    gc.collect()
    after = resident_kb()
    if before is not None and after is not None:
        assert after - before < MAX_GROWTH_KB, f"memory held grew by {after - before} kB"
    return rounds


# ------------------------------------------------------------------ inputs

PIECES = [b"GET", b"POST", b"HTTP/1.1", b"HTTP/1.0", b"HTTP/", b" ", b"  ", b"\t", b"\r\n",
          b"\r", b"\n", b":", b"/", b"/chat?room=1", b"http://127.0.0.1:8765/x", b"*",
          b"Host", b"Host: 127.0.0.1", b"Host: [::1]:80", b"Content-Length", b"Content-Length: ",
          b"Transfer-Encoding: chunked", b"Upgrade: websocket", b"Connection: Upgrade",
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", b"Sec-WebSocket-Version: 13",
          b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", b"101", b"200", b"426",
          b"0", b"5", b"1" * 30, b"\xc2\xb2", b"\xd9\xa3", b"\x16\x03\x01\x02\x00", b"\x00",
          b"\x7f", b"\xff", b"%", b"@", b"[", b"]", b",", b";"]

http_bytes = st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=6)),
                      max_size=60).map(b"".join)


def chunks_of(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


cuts = st.lists(st.integers(0, 10_000), max_size=8)
MAX_SIZE = 2048


# ------------------------------------------------------------------ the targets

@given(data=http_bytes, cuts=cuts, kind=st.sampled_from(["request", "response", None]),
       max_line=st.sampled_from([16, 256, 8192]))
def _head_reader(data, cuts, kind, max_line):
    reader = HeadReader(max_size=MAX_SIZE, max_headers=16, max_line=max_line, kind=kind)
    try:
        for chunk in chunks_of(data, cuts):
            result = reader.feed(chunk)
            assert len(reader._buf) <= MAX_SIZE + len(chunk)  # nothing buffered past a limit
            if result is not None:
                break
        else:
            return
        start, headers = result
        assert len(headers) <= 16
        if kind != "response":
            try:
                request = request_from_head(start, headers)
            except HTTPHeadError:
                return
            check_host(request)
            length = request_body_length(request)
            assert length is None or length >= 0
            assert request.path.startswith("/") or request.method in ("CONNECT", "OPTIONS")
        else:
            response = response_from_head(start, headers)
            assert 0 <= response.status <= 999
    except HTTPHeadError as exc:
        assert 400 <= exc.status <= 599 and str(exc)


@given(headers=st.lists(st.tuples(st.sampled_from(
           ["Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
            "Origin", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Content-Length",
            "Transfer-Encoding", "X"]),
           st.text(max_size=30) | st.sampled_from(["websocket", "Upgrade", "13", "127.0.0.1",
                                                    "dGhlIHNhbXBsZSBub25jZQ==", "0", "chat"])),
           max_size=12),
       method=st.sampled_from(["GET", "POST", "G"]), version=st.sampled_from(["HTTP/1.1", "HTTP/1.0"]),
       target=st.sampled_from(["/", "/chat", "http://h/x", "*"]),
       origins=st.none() | st.just(["https://good.example"]))
def _server_handshake(headers, method, version, target, origins):
    request = Request(method, target, Headers(headers), version)
    try:
        shake = check_request(request, origins=origins)
    except HandshakeError as exc:
        assert exc.status in (400, 403, 405, 426) and str(exc)
    else:
        assert shake.path.startswith("/") and len(shake.key) == 24


@given(data=http_bytes, upgrade=st.text(max_size=20), accept=st.text(max_size=30),
       protocol=st.none() | st.text(max_size=10), status=st.integers(0, 999))
def _client_handshake(data, upgrade, accept, protocol, status):
    key = generate_key()
    # A response made of fuzzed bytes, read as the client reads it...
    reader = HeadReader(kind="response")
    try:
        result = reader.feed(data + b"\r\n\r\n")
        if result is not None:
            check_response(response_from_head(*result), key, subprotocols=["chat"])
    except HandshakeError:
        pass
    # ...and one built from fuzzed header values.
    h = Headers([("Upgrade", upgrade), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", accept)])
    if protocol is not None:
        h.add("Sec-WebSocket-Protocol", protocol)
    try:
        check_response(Response(status, h), key, subprotocols=["chat"])
    except HandshakeError:
        pass


@given(host=st.text(max_size=20), path=st.text(max_size=20),
       headers=st.lists(st.tuples(st.text(max_size=8), st.text(max_size=12)), max_size=4),
       origin=st.none() | st.text(max_size=12),
       subprotocols=st.lists(st.text(max_size=8), max_size=3))
def _client_request(host, path, headers, origin, subprotocols):
    try:
        request = build_request(host, path, origin=origin, subprotocols=subprotocols,
                                headers=headers)
    except UsageError:
        return
    # What the client agrees to send is one well-formed request: it parses back the same,
    # with no header more or less (no injection), and passes the server's checks.
    parsed = request_from_head(*HeadReader(kind="request").feed(request.to_bytes()))
    assert parsed == request
    check_request(parsed)


@given(data=st.lists(st.one_of(st.sampled_from(
           [b"data", b"data:", b"id:", b"event:", b"retry:", b" ", b":", b"\r", b"\n", b"\r\n",
            b"\xef\xbb\xbf", b"1" * 30, b"\x00", b"\xff", b"x" * 300]), st.binary(max_size=8)),
           max_size=80).map(b"".join), cuts=cuts,
       chunked=st.binary(max_size=200) | st.lists(st.sampled_from(
           [b"5", b"0", b"1f", b";x=1", b"\r\n", b"hello", b"X: y"]), max_size=20).map(b"".join))
def _sse_parser(data, cuts, chunked):
    parser = EventStreamParser(max_buffer=256)
    try:
        for chunk in chunks_of(data, cuts):
            for event in parser.feed(chunk):
                assert len(event.data) <= 256 and "\0" not in (event.id or "")
            assert parser._line_len <= 256 and parser._data_len <= 256 + 1
        parser.close()
    except SSEError as exc:
        assert "max_buffer" in str(exc)
    assert parser.retry is None or parser.retry >= 0
    decoder = ChunkedDecoder()
    try:
        for chunk in chunks_of(chunked, cuts):
            decoder.feed(chunk)
            assert len(decoder._buf) <= ChunkedDecoder.MAX_LINE + len(chunk) + 2
    except SSEError as exc:
        assert "chunk" in str(exc)


class _Errors(logging.Handler):
    """Collects what the server logs at ERROR: a traceback there is a crash, even though the
    server survives it."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _fuzz_router() -> Router:
    router = Router()
    router.page("/", "<p>hi</p>")

    async def echo_body(request):
        return request.body

    async def nothing(request):
        return Response(204)

    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    router.route("/upload", echo_body, methods=("GET", "POST"))
    router.stream("/events", nothing)
    router.websocket("/ws", echo)
    return router


async def _one_connection(data: bytes, cuts: list[int]) -> bytes:
    async with serve(_fuzz_router(), handshake_timeout=5, close_timeout=1) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            for chunk in chunks_of(data, cuts):
                writer.write(chunk)
                await writer.drain()
            writer.write_eof()  # then the server must finish and close: no hang
            answer = b""
            async with asyncio.timeout(30):  # generous: a hang, not a slow machine
                while chunk := await reader.read(1 << 16):
                    answer += chunk
                    assert len(answer) < 1 << 22  # what it says stays bounded
            return answer
        finally:
            writer.close()


REQUEST_START = st.sampled_from([b"GET / HTTP/1.1\r\nHost: a\r\n",
                                 b"POST /upload HTTP/1.1\r\nHost: a\r\n",
                                 b"GET /events HTTP/1.1\r\nHost: a\r\n",
                                 b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                                 b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                 b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", b""])


HEADER_NAMES = [b"Host", b"Content-Length", b"Transfer-Encoding", b"Connection", b"Upgrade",
                b"Sec-WebSocket-Key", b"Sec-WebSocket-Version", b"Last-Event-ID", b"X"]
HEADER_VALUES = st.sampled_from([b"", b"0", b"5", b"\xb2", b"\xb9", b"+1", b"9" * 5000, b"5, 6",
                                 b"chunked", b"gzip", b"close", b"websocket", b"a b", b"a:99999",
                                 b"13", b"8"]) | http_bytes
request_heads = st.builds(
    lambda start, lines, body: start + b"".join(n + b": " + v + b"\r\n" for n, v in lines)
    + b"\r\n" + body,
    REQUEST_START, st.lists(st.tuples(st.sampled_from(HEADER_NAMES), HEADER_VALUES), max_size=5),
    http_bytes)


@given(requests=st.lists(request_heads | http_bytes, min_size=1, max_size=3), cuts=cuts)
def _server_connection(requests, cuts):
    # The whole server path on real TCP (127.0.0.1): the request loop, bodies, routing. Every
    # byte sequence gets answers and a closed connection, never a traceback in the log.
    data = b"".join(requests)
    errors = _Errors()
    log = logging.getLogger("wslib")
    log.addHandler(errors)
    try:
        answer = asyncio.run(_one_connection(data, cuts))
    finally:
        log.removeHandler(errors)
    assert not errors.records, [r.getMessage() for r in errors.records]
    assert answer == b"" or answer.startswith(b"HTTP/1.1 ")


FUZZ_TARGETS = {"head-reader": _head_reader, "server-handshake": _server_handshake,
                "client-handshake": _client_handshake, "client-request": _client_request,
                "sse-parser": _sse_parser, "server-connection": _server_connection}
assert len(FUZZ_TARGETS) == TARGETS


@pytest.mark.timeout(max(120, BUDGET * 10))
@pytest.mark.parametrize("name", FUZZ_TARGETS)
def test_fuzz(name):
    """No exception but wslib's own escapes, and memory stays bounded, for BUDGET seconds."""
    assert fuzz(FUZZ_TARGETS[name]) >= 1


def test_the_fuzz_helper_can_fail():
    # A target that lets a foreign exception out must fail the fuzz run (the harness is not
    # hiding errors): hypothesis reports the smallest failing input.
    @given(st.binary(max_size=4))
    def leaky(data):
        if data:
            raise KeyError(data)

    with pytest.raises(Exception) as info:
        fuzz(leaky, budget=0)
    assert not isinstance(info.value, WSError)
