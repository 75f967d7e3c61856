"""Tests for wslib.eventstream: EventChannel on wslib's server, and the events() client.

wslib's client talks to wslib's server; raw sockets play the clients whose bytes we want to
see exactly (headers, heartbeats, replay) and the ones that misbehave (one that never reads);
small asyncio servers play the servers wslib's server is not (chunked, Content-Length,
refusals). Every server listens on 127.0.0.1 port 0 and is closed in a finally block.
Nothing asserts a duration: waits are bounded, and a wait that runs out fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest

from wslib import eventstream
from wslib.errors import SSEError, UsageError
from wslib.eventstream import HEARTBEAT, ChunkedDecoder, EventChannel, events, stream_events
from wslib.http import HeadReader, Headers, Request, Response, response_from_head
from wslib.server import Router, serve
from wslib.sse import Event, encode_event, parse_events

pytestmark = pytest.mark.timeout(30)


def run(coro, timeout: float = 20):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def until(predicate, timeout: float = 5.0) -> None:
    """Wait until ``predicate()`` is true; fail after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


@contextlib.asynccontextmanager
async def channel_server(channel: EventChannel, seen: list | None = None):
    """wslib's server with ``channel`` at /events; ``seen`` collects each request's
    Last-Event-ID header (None when absent)."""
    router = Router()

    async def handler(request):
        if seen is not None:
            seen.append(request.headers.get("Last-Event-ID"))
        return await channel.handler(request)

    router.stream("/events", handler)
    server = await serve(router, "127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.close()


def url(server) -> str:
    return f"http://127.0.0.1:{server.port}/events"


async def raw_get(port: int, *headers: str, path: str = "/events", sock=None):
    """Send a GET by hand; return reader, writer, the response head and the body bytes that
    came with it."""
    if sock is not None:
        reader, writer = await asyncio.open_connection(sock=sock)
    else:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *headers]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = HeadReader()
    result = None
    while result is None:
        data = await reader.read(65536)
        assert data, "connection closed before the response head"
        result = head.feed(data)
    return reader, writer, response_from_head(*result), head.rest


async def read_until(reader, data: bytes, wanted: bytes, timeout: float = 5.0) -> bytes:
    async with asyncio.timeout(timeout):
        while wanted not in data:
            chunk = await reader.read(65536)
            assert chunk, f"stream ended before {wanted!r}; got {data!r}"
            data += chunk
    return data


async def take(agen, n: int, timeout: float = 5.0) -> list[Event]:
    """The next ``n`` events of an events() iterator (each within ``timeout`` seconds)."""
    return [await asyncio.wait_for(anext(agen), timeout) for _ in range(n)]


def ids(evts) -> list[str]:
    return [e.id for e in evts]


# ------------------------------------------------------------------------------ basics

def test_events_arrive_in_order_with_ids_and_types():
    async def main():
        channel = EventChannel()
        async with channel_server(channel) as server:
            async with contextlib.aclosing(events(url(server), max_retries=0)) as agen:
                first = asyncio.ensure_future(anext(agen))  # connects
                await until(lambda: channel.subscribers == 1)
                published = [channel.publish(f"event {i}") for i in range(1, 5)]
                published.append(channel.publish("line 1\nline 2", event="tick"))
                got = [await first] + await take(agen, 4)
        assert [p.id for p in published] == ["1", "2", "3", "4", "5"]
        assert [(e.id, e.event, e.data, e.last_event_id) for e in got] == [
            ("1", "message", "event 1", "1"), ("2", "message", "event 2", "2"),
            ("3", "message", "event 3", "3"), ("4", "message", "event 4", "4"),
            ("5", "tick", "line 1\nline 2", "5")]
    run(main())


def test_every_subscriber_gets_every_event():
    async def main():
        channel = EventChannel()
        async with channel_server(channel) as server:
            clients = [events(url(server), max_retries=0) for _ in range(3)]
            try:
                firsts = [asyncio.ensure_future(anext(c)) for c in clients]
                await until(lambda: channel.subscribers == 3)
                for i in range(1, 4):
                    channel.publish(str(i))
                results = [[await f] + await take(c, 2) for f, c in zip(firsts, clients)]
            finally:
                for c in clients:
                    await c.aclose()
        assert [ids(r) for r in results] == [["1", "2", "3"]] * 3
    run(main())


def test_response_headers_and_retry_come_first():
    async def main():
        channel = EventChannel(retry=50)
        async with channel_server(channel) as server:
            reader, writer, response, body = await raw_get(server.port)
            try:
                await until(lambda: channel.subscribers == 1)
                channel.publish("hi")
                body = await read_until(reader, body, b"data: hi\n\n")
            finally:
                writer.close()
        assert response.status == 200
        assert response.headers.get_all("Content-Type") == ["text/event-stream; charset=utf-8"]
        assert response.headers.get_all("Cache-Control") == ["no-cache"]
        assert response.headers.get("X-Accel-Buffering") == "no"
        assert "Content-Length" not in response.headers  # the body ends when TCP does
        assert body == b"retry: 50\n\nid: 1\ndata: hi\n\n"
    run(main())


def test_heartbeat_comment_when_idle():
    async def main():
        channel = EventChannel(heartbeat=0.05)
        async with channel_server(channel) as server:
            reader, writer, response, body = await raw_get(server.port)
            try:
                body = await read_until(reader, body, HEARTBEAT * 2)  # two in a row: idle
                channel.publish("x")
                body = await read_until(reader, body, b"data: x\n\n")
            finally:
                writer.close()
        assert HEARTBEAT == b": heartbeat\n\n"
        assert body.startswith(HEARTBEAT * 2)
        assert parse_events(body) == [Event("x", id="1", last_event_id="1")]  # comments: ignored
    run(main())


# ------------------------------------------------------------------------------ Last-Event-ID

MISSED = b"events may have been missed"


@pytest.mark.parametrize("last_id, expected, missed", [
    ("4", ["5", "6"], False),          # buffered: exactly the later ones
    ("6", [], False),                  # the newest: nothing to replay
    ("2", ["3", "4", "5", "6"], False),  # just before the oldest buffered: nothing lost
    ("1", ["3", "4", "5", "6"], True),   # too old: event 2 has left the buffer
    ("99", ["3", "4", "5", "6"], True),  # never sent (e.g. from before a restart)
    ("abc", ["3", "4", "5", "6"], True),  # not one of ours
])
def test_last_event_id_replays_from_the_bounded_buffer(last_id, expected, missed):
    async def main():
        channel = EventChannel(history=4)
        for i in range(1, 7):
            channel.publish(f"event {i}")  # the buffer keeps 3..6
        assert ids(channel.buffered) == ["3", "4", "5", "6"]
        async with channel_server(channel) as server:
            reader, writer, response, body = await raw_get(server.port, f"Last-Event-ID: {last_id}")
            try:
                await until(lambda: channel.subscribers == 1)
                channel.publish("event 7")  # then the live stream goes on
                body = await read_until(reader, body, b"data: event 7\n\n")
            finally:
                writer.close()
        assert response.status == 200
        got = parse_events(body)
        assert ids(got) == expected + ["7"]
        assert [e.data for e in got] == [f"event {i}" for i in expected + ["7"]]
        assert (MISSED in body) is missed
        if missed:  # the comment comes before the replayed events
            assert body.startswith(b": Last-Event-ID ")
    run(main())


def test_reconnect_resumes_without_loss_or_duplicate():
    async def main():
        channel = EventChannel(retry=20)
        seen: list = []
        async with channel_server(channel, seen) as server:
            async with contextlib.aclosing(events(url(server), retry=30.0, max_retries=3)) as agen:
                first = asyncio.ensure_future(anext(agen))
                await until(lambda: channel.subscribers == 1)
                for i in range(1, 4):
                    channel.publish(f"event {i}")
                got = [await first] + await take(agen, 2)  # the client read 1, 2, 3
                channel.end_streams()  # the server ends the stream...
                for i in range(4, 11):
                    channel.publish(f"event {i}")  # ...and publishes while nobody listens
                got += await take(agen, 7)  # reconnected (20 ms, not 30 s) and resumed
        assert ids(got) == [str(i) for i in range(1, 11)]
        assert [e.data for e in got] == [f"event {i}" for i in range(1, 11)]
        assert seen == [None, "3"]  # the second request carried Last-Event-ID: 3
    run(main())


def test_end_streams_first_sends_what_was_published():
    async def main():
        channel = EventChannel(retry=20)
        seen: list = []
        async with channel_server(channel, seen) as server:
            async with contextlib.aclosing(events(url(server), max_retries=3)) as agen:
                first = asyncio.ensure_future(anext(agen))
                await until(lambda: channel.subscribers == 1)
                for i in range(1, 6):
                    channel.publish(f"event {i}")
                got = [await first] + await take(agen, 2)  # the client has read 3 of 5
                channel.end_streams()
                for i in range(6, 11):
                    channel.publish(f"event {i}")
                got += await take(agen, 7)
        assert ids(got) == [str(i) for i in range(1, 11)]  # 4 and 5 came before the end
        assert seen == [None, "5"]
    run(main())


def test_initial_last_event_id_is_sent():
    async def main():
        channel = EventChannel()
        for i in range(1, 6):
            channel.publish(f"event {i}")
        seen: list = []
        async with channel_server(channel, seen) as server:
            async with contextlib.aclosing(events(url(server), last_event_id="3",
                                                  max_retries=0)) as agen:
                got = await take(agen, 2)
        assert seen == ["3"]
        assert ids(got) == ["4", "5"]
    run(main())


@pytest.mark.parametrize("server_retry, expected_delay", [(50, 0.05), (None, 0.01)])
def test_client_waits_the_servers_retry(monkeypatch, server_retry, expected_delay):
    delays = []
    real_sleep = asyncio.sleep

    async def recording_sleep(delay):
        delays.append(delay)
        await real_sleep(delay)

    monkeypatch.setattr(eventstream, "_sleep", recording_sleep)

    async def main():
        channel = EventChannel(retry=server_retry)
        async with channel_server(channel) as server:
            async with contextlib.aclosing(events(url(server), retry=0.01, max_retries=2)) as agen:
                first = asyncio.ensure_future(anext(agen))
                await until(lambda: channel.subscribers == 1)
                channel.publish("a")
                await first
                channel.end_streams()
                channel.publish("b")
                assert (await anext(agen)).data == "b"
    run(main())
    assert delays == [expected_delay]


# ------------------------------------------------------------------------------ client errors

@contextlib.asynccontextmanager
async def answering(handler_result):
    """A wslib server whose /events answers with ``handler_result`` (a Response, or a str);
    yields the server and the list of requests it received."""
    requests = []

    async def handler(request):
        requests.append(request)
        return handler_result

    router = Router()
    router.stream("/events", handler)
    server = await serve(router, "127.0.0.1", 0)
    try:
        yield server, requests
    finally:
        await server.close()


def test_204_stops_the_client_without_reconnecting():
    async def main():
        async with answering(Response(204)) as (server, requests):
            with pytest.raises(SSEError) as info:
                async for _ in events(url(server), retry=0.01, max_retries=3):
                    pass
        assert info.value.status == 204
        assert "204" in str(info.value) and "stop" in str(info.value)
        assert len(requests) == 1  # no reconnection
        headers = requests[0].headers
        assert headers["Accept"] == "text/event-stream"
        assert headers["Cache-Control"] == "no-cache"
        assert "Last-Event-ID" not in headers
    run(main())


def test_404_is_an_sse_error_with_the_status_and_the_reason():
    async def main():
        router = Router()
        server = await serve(router, "127.0.0.1", 0)
        try:
            with pytest.raises(SSEError) as info:
                async for _ in events(url(server), retry=0.01, max_retries=3):
                    pass
        finally:
            await server.close()
        assert info.value.status == 404
        assert "nothing is served at /events" in str(info.value)  # the server's body, quoted
    run(main())


def test_wrong_content_type_is_an_sse_error():
    async def main():
        async with answering("plain text, not a stream") as (server, requests):
            with pytest.raises(SSEError) as info:
                async for _ in events(url(server), retry=0.01, max_retries=3):
                    pass
        assert "text/plain" in str(info.value) and "text/event-stream" in str(info.value)
        assert info.value.status == 200
        assert len(requests) == 1
    run(main())


def test_connection_refused_retries_then_gives_up(monkeypatch):
    delays = []

    async def no_sleep(delay):
        delays.append(delay)

    monkeypatch.setattr(eventstream, "_sleep", no_sleep)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def main():
        with pytest.raises(SSEError) as info:
            async for _ in events(f"http://127.0.0.1:{port}/events", retry=0.25, max_retries=2):
                pass
        return info.value

    error = run(main())
    assert isinstance(error.__cause__, ConnectionRefusedError)
    assert error.status is None
    assert delays == [0.25, 0.25]  # two reconnections, then it gave up


def test_usage_errors():
    async def first(url_, **kwargs):
        async for _ in events(url_, **kwargs):
            pass

    for bad_url in ("https://example.com/events", "ws://127.0.0.1/events", "127.0.0.1:80"):
        with pytest.raises(UsageError):
            run(first(bad_url))
    with pytest.raises(UsageError):
        run(first("http://127.0.0.1:1/", last_event_id="a\nb"))
    with pytest.raises(UsageError):
        run(first("http://127.0.0.1:1/", headers=[("X-Bad", "a\r\nb")]))
    with pytest.raises(UsageError):
        EventChannel(history=0)
    with pytest.raises(UsageError):
        EventChannel(retry=-1)


# ------------------------------------------------------------------------------ subscribers

def test_subscriber_that_leaves_is_removed():
    async def main():
        channel = EventChannel(heartbeat=None)
        async with channel_server(channel) as server:
            # the wslib client stops iterating
            agen = events(url(server), max_retries=0)
            first = asyncio.ensure_future(anext(agen))
            await until(lambda: channel.subscribers == 1)
            channel.publish("one")
            assert (await first).data == "one"
            await agen.aclose()
            await until(lambda: channel.subscribers == 0)
            # a raw client hangs up while the stream waits for an event
            reader, writer, _, _ = await raw_get(server.port)
            await until(lambda: channel.subscribers == 1)
            writer.close()
            await until(lambda: channel.subscribers == 0)
            channel.publish("nobody listens")  # fine with no subscriber
    run(main())


def test_subscriber_that_falls_behind_in_a_burst_is_cut_off():
    async def main():
        channel = EventChannel(history=4)
        async with channel_server(channel) as server:
            reader, writer, _, body = await raw_get(server.port)
            try:
                await until(lambda: channel.subscribers == 1)
                for i in range(40):  # 10 x history, before the stream can send any
                    channel.publish(f"event {i}")
                async with asyncio.timeout(5):
                    body += await reader.read()  # until the server closes
                await until(lambda: channel.subscribers == 0)
            finally:
                writer.close()
        assert parse_events(body) == []  # nothing it would have to skip events to send
        assert b"fell more than 4 events behind" in body
        assert len(channel.buffered) == 4
    run(main())


async def small_buffer_get(port: int):
    """raw_get() over a socket with a small receive buffer, for clients that will not read."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    return await raw_get(port, sock=sock)


def test_subscriber_that_does_not_read_stays_bounded_and_is_cut_off():
    event_size = 1 << 19  # 512 KiB each: loopback buffers fill after a few

    async def main():
        channel = EventChannel(history=4, heartbeat=None)
        async with channel_server(channel) as server:
            reader, writer, _, body = await small_buffer_get(server.port)
            try:
                await until(lambda: channel.subscribers == 1)
                for i in range(40):  # 10 x history, 20 MiB, while the client reads nothing
                    channel.publish(f"{i:03d}" + "x" * event_size)
                    await asyncio.sleep(0.005)
                    # What the server holds for this client in user space: at most one chunk
                    # (up to `history` events) plus the transport's high-water mark.
                    (server_writer,) = server._writers
                    held = server_writer.transport.get_write_buffer_size()
                    assert held <= 4 * (event_size + 64) + (1 << 16), held
                assert channel.subscribers == 1  # stuck in drain(): still there, not growing
                async with asyncio.timeout(10):
                    body += await reader.read()  # now read everything, until the server closes
                await until(lambda: channel.subscribers == 0)
            finally:
                writer.close()
        got = parse_events(body)
        n = len(got)
        assert 0 < n < 36, n  # some came through the buffers, then it fell behind
        assert [e.data[:3] for e in got] == [f"{i:03d}" for i in range(n)]  # in order, no gap
        assert body.endswith(b": this stream fell more than 4 events behind; "
                             b"reconnect with Last-Event-ID\n\n")
    run(main())


def test_subscriber_that_never_reads_is_dropped_after_drain_timeout():
    event_size = 1 << 19

    async def main():
        channel = EventChannel(history=4, heartbeat=None, drain_timeout=0.3)
        async with channel_server(channel) as server:
            reader, writer, _, body = await small_buffer_get(server.port)
            try:
                await until(lambda: channel.subscribers == 1)
                for i in range(8):  # 4 MiB: far more than the socket buffers hold
                    channel.publish("x" * event_size)
                # The client reads nothing at all; the server gives up on it by itself.
                await until(lambda: channel.subscribers == 0)
                assert server._writers == set() or all(
                    w.transport.is_closing() for w in server._writers)
            finally:
                writer.close()
    run(main())


# ------------------------------------------------------------------------------ closing

def test_close_ends_streams_and_answers_204():
    async def main():
        channel = EventChannel(retry=10)
        async with channel_server(channel) as server:
            agen = events(url(server), max_retries=3)
            first = asyncio.ensure_future(anext(agen))
            await until(lambda: channel.subscribers == 1)
            channel.publish("last one")
            await channel.close()
            assert channel.closed and channel.subscribers == 0
            assert (await first).data == "last one"  # sent before the stream ended
            with pytest.raises(SSEError) as info:
                await anext(agen)  # the reconnection gets 204
            assert info.value.status == 204
            with pytest.raises(UsageError):
                channel.publish("too late")
    run(main())


def test_end_streams_before_the_stream_starts_still_ends_it():
    async def main():
        channel = EventChannel(heartbeat=None)
        channel.publish("1")
        response = await channel.handler(Request("GET", "/events", Headers()))
        channel.end_streams()  # between the request and the first chunk
        chunks = [chunk async for chunk in response.chunks]
        assert chunks == [] and channel.subscribers == 0
        response = await channel.handler(Request("GET", "/events",
                                                 Headers([("Last-Event-ID", "0")])))
        channel.publish("2")
        channel.end_streams()
        chunks = [chunk async for chunk in response.chunks]  # ends after what was published
        assert parse_events(b"".join(chunks)) == [Event("1", id="1", last_event_id="1"),
                                                   Event("2", id="2", last_event_id="2")]
    run(main())


def test_publish_refuses_what_cannot_be_sent_without_using_an_id():
    channel = EventChannel()
    with pytest.raises(SSEError):
        channel.publish("x", event="bad\ntype")
    with pytest.raises(SSEError):
        channel.publish("\ud800")  # a lone surrogate is not UTF-8
    with pytest.raises(UsageError):
        channel.publish(b"bytes")  # type: ignore[arg-type]
    assert channel.publish("ok").id == "1"
    assert channel.buffered == [Event("ok", id="1")]


# ------------------------------------------------------------------------------ other bodies

def test_stream_events_serves_a_finite_stream():
    async def main():
        async def countdown(request):
            async def numbers():
                for n in (3, 2, 1):
                    yield Event(str(n), id=str(n))
                yield "liftoff"
            return stream_events(numbers(), retry=5)

        router = Router()
        router.stream("/events", countdown)
        server = await serve(router, "127.0.0.1", 0)
        try:  # max_retries=0: when the stream ends, the iteration ends
            got = [e async for e in events(url(server), max_retries=0)]
        finally:
            await server.close()
        assert [(e.data, e.id, e.last_event_id) for e in got] == [
            ("3", "3", "3"), ("2", "2", "2"), ("1", "1", "1"), ("liftoff", None, "1")]
    run(main())


@contextlib.asynccontextmanager
async def tiny_server(answer: bytes, pieces: int = 1, hold: bool = False):
    """A raw HTTP server that reads one request head and sends ``answer`` in ``pieces`` writes;
    closes the connection afterwards unless ``hold``. Yields its port and the requests."""
    requests = []

    async def handle(reader, writer):
        head = HeadReader()
        result = None
        while result is None:
            data = await reader.read(65536)
            if not data:
                return
            result = head.feed(data)
        requests.append(result)
        size = -(-len(answer) // pieces)
        for i in range(0, len(answer), size):
            writer.write(answer[i:i + size])
            await writer.drain()
            await asyncio.sleep(0)
        if hold:
            await reader.read()  # until the client hangs up
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], requests
    finally:
        server.close()
        await server.wait_closed()


STREAM = (encode_event(data="one", id="1") + b": comment\n\n"
          + encode_event(data="twé", id="2")
          + encode_event(data="three\nlines", event_type="x", id="3"))
EXPECTED = parse_events(STREAM)


def chunked(body: bytes, size: int) -> bytes:
    out = b""
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += f"{len(piece):x};ext=1\r\n".encode() + piece + b"\r\n"
    return out + b"0\r\nX-Trailer: yes\r\n\r\n"


def test_client_decodes_a_chunked_stream():
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")

    async def main():
        # written 1 byte at a time: every split of sizes, lines and data
        async with tiny_server(head + chunked(STREAM, 7), pieces=400, hold=True) as (port, _):
            got = [e async for e in events(f"http://127.0.0.1:{port}/", max_retries=0)]
        assert got == EXPECTED  # and the final 0-size chunk ended the stream, not EOF
    run(main())


def test_client_reads_a_content_length_body_then_reconnects():
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            + f"Content-Length: {len(STREAM)}\r\n\r\n".encode())

    async def main():
        # The server keeps the connection open after the body: the client must stop at
        # Content-Length, not wait for the end of the connection.
        answer = head + STREAM + b"junk after the body"
        async with tiny_server(answer, hold=True) as (port, requests):
            async with contextlib.aclosing(events(f"http://127.0.0.1:{port}/", retry=0.01,
                                                  max_retries=1)) as agen:
                got = await take(agen, 6)
        return got, requests

    got, requests = run(main())
    assert got == EXPECTED * 2  # the same stream twice: once, then after reconnecting
    assert "Last-Event-ID" not in dict(requests[0][1])
    assert dict(requests[1][1])["Last-Event-ID"] == "3"


@pytest.mark.parametrize("feed_size", [1, 2, 3, 5, 1000])
def test_chunked_decoder_any_split(feed_size):
    encoded = chunked(b"hello, chunked world", 6) + b"NEXT"
    decoder = ChunkedDecoder()
    out = b""
    for i in range(0, len(encoded), feed_size):
        out += decoder.feed(encoded[i:i + feed_size])
    assert out == b"hello, chunked world"
    assert decoder.done


@pytest.mark.parametrize("bad", [b"zz\r\nab\r\n", b"2\r\nabXX", b"-1\r\n", b"1" * 5000])
def test_chunked_decoder_errors(bad):
    with pytest.raises(SSEError):
        ChunkedDecoder().feed(bad)


def test_unsupported_transfer_encoding_is_an_error():
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: gzip, chunked\r\n\r\n")

    async def main():
        async with tiny_server(head, hold=True) as (port, _):
            with pytest.raises(SSEError, match="gzip"):
                async for _ in events(f"http://127.0.0.1:{port}/", max_retries=3):
                    pass
    run(main())


def test_events_across_reconnections_share_one_parser():
    # The first stream sets retry and an id, then ends in the middle of an event: that event
    # is dropped (9.2.6), and the next request carries the id of the last complete one.
    first = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
             b"retry: 1\n\nid: 7\ndata: complete\n\nid: 8\ndata: cut off")
    second = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
              b"data: after\n\n")
    answers = [first, second]

    async def main():
        requests = []

        async def handle(reader, writer):
            head = HeadReader()
            result = None
            while result is None:
                result = head.feed(await reader.read(65536))
            requests.append(dict(result[1]))
            writer.write(answers[len(requests) - 1])
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        try:
            port = server.sockets[0].getsockname()[1]
            async with contextlib.aclosing(events(f"http://127.0.0.1:{port}/",
                                                  max_retries=1)) as agen:
                got = await take(agen, 2)
        finally:
            server.close()
            await server.wait_closed()
        return got, requests

    got, requests = run(main())
    assert [(e.data, e.last_event_id) for e in got] == [("complete", "7"), ("after", "7")]
    assert "Last-Event-ID" not in requests[0]
    assert requests[1]["Last-Event-ID"] == "7"


# ------------------------------------------------------------------------------ bad input

@pytest.mark.parametrize("length", ["\u00b2".encode(), b"1" * 5000, b"+5", b"5, 6"])
@pytest.mark.parametrize("status", [200, 404])
def test_a_bad_content_length_is_an_sse_error(length, status):
    # Before: a 200 with Content-Length "²" passed isdigit() and int() raised a bare
    # ValueError; a 404's was silently ignored.
    head = (f"HTTP/1.1 {status} X\r\nContent-Type: text/event-stream\r\n".encode()
            + b"Content-Length: " + length + b"\r\n\r\ndata: x\n\n")

    async def main():
        async with tiny_server(head, hold=True) as (port, _):
            with pytest.raises(SSEError, match="Content-Length") as info:
                async for _ in events(f"http://127.0.0.1:{port}/", max_retries=0):
                    pass
            assert "not a number" in str(info.value) or "digits" in str(info.value)
    run(main())


@pytest.mark.parametrize("head", [
    b"HTTP/1.1 \xc2\xb2\xc2\xb2\xc2\xb2 OK\r\n\r\n",
    b"SSH-2.0-OpenSSH_9.6\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX: a\r\n\x00b\r\n\r\n",
])
def test_an_answer_that_is_not_http_is_an_sse_error(head):
    async def main():
        async with tiny_server(head, hold=True) as (port, _):
            with pytest.raises(SSEError, match="not valid HTTP"):
                async for _ in events(f"http://127.0.0.1:{port}/", max_retries=0):
                    pass
    run(main())


def test_obs_fold_in_a_stream_response_is_read_as_a_space():
    head = (b"HTTP/1.1 200 OK\r\nContent-Type:\r\n text/event-stream\r\n\r\n"
            + encode_event(data="folded", id="1"))

    async def main():
        async with tiny_server(head) as (port, _):
            return [e.data async for e in events(f"http://127.0.0.1:{port}/", max_retries=0)]
    assert run(main()) == ["folded"]


@pytest.mark.parametrize("size", [b"1" * 17, b"\xc2\xb2", b"+1", b" "])
def test_chunk_sizes_use_the_one_number_parser(size):
    with pytest.raises(SSEError, match="chunk size"):
        ChunkedDecoder().feed(size + b"\r\nx\r\n0\r\n\r\n")


@pytest.mark.parametrize("kwargs, words", [
    ({"url": "http://127.0.0.1:1/a b"}, "contains ' '"),
    ({"url": "http://127.0.0.1:port/"}, "bad port"),
    ({"url": "http://127.0.0.1:1/", "headers": [("X", "a\r\nInjected: 1")]}, "header injection"),
    ({"url": "http://127.0.0.1:1/", "headers": [("X:Y", "a")]}, "not a token"),
    ({"url": "http://127.0.0.1:1/", "last_event_id": "1\x01"}, "control character"),
])
def test_the_sse_client_refuses_what_it_cannot_send(kwargs, words):
    async def first():
        async for _ in events(**kwargs, max_retries=0):
            pass
    with pytest.raises(UsageError) as info:
        run(first())
    assert words in str(info.value)
