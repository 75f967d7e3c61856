"""Tests for wslib.server: the router, HTTP keep-alive, refused handshakes, streams, timeouts,
handler errors, graceful shutdown, and backpressure in both directions.

Raw sockets (asyncio.open_connection) play the misbehaving clients; wslib's own client plays the
well-behaved one. Every server listens on 127.0.0.1, port 0, and is closed in a finally block.
"""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

from wslib.client import connect
from wslib.errors import ConnectionClosedError, ConnectionClosedOK
from wslib.handshake import parse_header_list
from wslib.http import HeadReader, Headers, Response, response_from_head
from wslib.server import Router, StreamResponse, serve
from wslib.websocket import WebSocket

pytestmark = pytest.mark.timeout(60)


def run(coro, timeout: float = 10):
    return asyncio.run(asyncio.wait_for(coro, timeout))


KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def upgrade(path: str = "/", **extra: str) -> bytes:
    """A valid upgrade request; ``extra`` adds or replaces headers (value None drops one)."""
    headers = {"Host": "127.0.0.1", "Upgrade": "websocket", "Connection": "Upgrade",
               "Sec-WebSocket-Key": KEY, "Sec-WebSocket-Version": "13"}
    for name, value in extra.items():
        headers[name.replace("_", "-")] = value
    lines = [f"GET {path} HTTP/1.1"] + [f"{n}: {v}" for n, v in headers.items() if v is not None]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def get(path: str, *extra: str, method: str = "GET", version: str = "HTTP/1.1") -> bytes:
    lines = [f"{method} {path} {version}", "Host: 127.0.0.1", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def read_response(reader: asyncio.StreamReader) -> Response:
    """Read one HTTP response (head, then Content-Length bytes of body)."""
    head = HeadReader(kind="response")
    result = None
    while result is None:
        data = await reader.read(65536)
        assert data, "connection closed before a complete response head"
        result = head.feed(data)
    response = response_from_head(*result)
    length = int(response.headers.get("Content-Length", "0"))
    body = head.rest
    if len(body) < length:
        body += await reader.readexactly(length - len(body))
    # Put back what belongs to the next response.
    if len(body) > length:
        reader._buffer[:0] = body[length:]  # test helper only: pipelined responses
    response.body = body[:length]
    return response


async def exchange(port: int, request: bytes) -> tuple[Response, bytes]:
    """Send one request on a new connection; return the response and, when the server said
    ``Connection: close``, what follows it up to the end of the stream (else None)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        response = await read_response(reader)
        rest = None
        if "close" in parse_header_list(response.headers.get("Connection")):
            rest = await asyncio.wait_for(reader.read(), 5)
        return response, rest
    finally:
        writer.close()


async def echo(ws: WebSocket) -> None:
    async for message in ws:
        await ws.send(message)


def make_router() -> Router:
    router = Router()
    router.page("/", "<h1>héllo</h1>")
    router.websocket("/ws", echo)

    async def text(request):
        return f"you asked for {request.target}"

    async def raw(request):
        return b"\x00\x01\x02"

    async def full(request):
        return Response(201, Headers([("Content-Type", "application/json"), ("X-Custom", "1")]),
                        body=b'{"ok": true}')

    async def upload(request):
        return b"got " + request.body

    async def broken(request):
        raise RuntimeError("boom")

    router.get("/text", text)
    router.get("/raw", raw)
    router.get("/full", full)
    router.route("/upload", upload, methods=("POST", "PUT"))
    router.get("/broken", broken)
    return router


# ------------------------------------------------------------------------------ router, HTTP

def test_page_has_content_type_and_length():
    async def main():
        async with serve(make_router()) as server:
            response, rest = await exchange(server.port, get("/", "Connection: close"))
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            body = "<h1>héllo</h1>".encode()
            assert response.headers["Content-Length"] == str(len(body))
            assert response.body == body
            assert response.headers["Connection"] == "close"
            assert rest == b""  # and then the server closed the connection
    run(main())


def test_unknown_path_is_404_naming_the_path():
    async def main():
        async with serve(make_router()) as server:
            response, _ = await exchange(server.port, get("/nowhere?x=1", "Connection: close"))
            assert response.status == 404
            assert response.headers["Content-Type"].startswith("text/plain")
            assert "/nowhere" in response.body.decode()
    run(main())


def test_get_handlers_str_bytes_and_response():
    async def main():
        async with serve(make_router()) as server:
            response, _ = await exchange(server.port, get("/text?q=1", "Connection: close"))
            assert (response.status, response.body) == (200, b"you asked for /text?q=1")
            assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
            response, _ = await exchange(server.port, get("/raw", "Connection: close"))
            assert response.body == b"\x00\x01\x02"
            assert response.headers["Content-Type"] == "application/octet-stream"
            response, _ = await exchange(server.port, get("/full", "Connection: close"))
            assert response.status == 201
            assert response.headers["X-Custom"] == "1"
            assert response.headers["Content-Length"] == str(len(b'{"ok": true}'))
    run(main())


def test_204_has_no_content_length_and_keep_alive_continues():
    # RFC 9110 section 8.6: a server must not send Content-Length in a 204 response.
    async def nothing(request):
        return Response(204)

    async def main():
        router = Router()
        router.get("/nothing", nothing)
        router.page("/", "<p>hi</p>")
        async with serve(router) as server:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                writer.write(get("/nothing") + get("/"))
                first = await read_response(reader)
                assert first.status == 204
                assert "Content-Length" not in first.headers
                second = await read_response(reader)  # the next response starts right after
                assert (second.status, second.body) == (200, b"<p>hi</p>")
            finally:
                writer.close()
    run(main())


def test_router_sse_serves_an_event_channel():
    from wslib.eventstream import EventChannel

    async def main():
        channel = EventChannel(heartbeat=None)
        router = Router()
        router.sse("/events", channel)
        async with serve(router) as server:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                writer.write(get("/events"))
                head = HeadReader()
                result = None
                while result is None:
                    result = head.feed(await reader.read(4096))
                response = response_from_head(*result)
                assert response.status == 200
                assert response.headers["Content-Type"].startswith("text/event-stream")
                while channel.subscribers == 0:
                    await asyncio.sleep(0.01)
                channel.publish("hello")
                body = head.rest
                while b"\n\n" not in body:
                    body += await reader.read(4096)
                assert body == b"id: 1\ndata: hello\n\n"
            finally:
                writer.close()
            await channel.close()
    run(main())


def test_plain_get_on_websocket_path_is_426():
    async def main():
        async with serve(make_router()) as server:
            response, _ = await exchange(server.port, get("/ws", "Connection: close"))
            assert response.status == 426
            assert response.headers["Upgrade"] == "websocket"
            assert "WebSocket" in response.body.decode()
    run(main())


def test_http_handler_exception_is_500_and_server_survives():
    async def main():
        async with serve(make_router()) as server:
            response, _ = await exchange(server.port, get("/broken", "Connection: close"))
            assert response.status == 500
            response, _ = await exchange(server.port, get("/", "Connection: close"))
            assert response.status == 200
    run(main())


def test_method_not_allowed_on_http_route():
    async def main():
        async with serve(make_router()) as server:
            response, _ = await exchange(server.port, get("/upload", "Connection: close"))
            assert response.status == 405
            assert response.headers["Allow"] == "POST, PUT"
    run(main())


def test_keep_alive_two_requests_on_one_connection():
    async def main():
        async with serve(make_router()) as server:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                writer.write(get("/text?n=1"))
                first = await read_response(reader)
                assert first.body == b"you asked for /text?n=1"
                assert "Connection" not in first.headers  # HTTP/1.1: stays open
                writer.write(get("/text?n=2", "Connection: close"))
                second = await read_response(reader)
                assert second.body == b"you asked for /text?n=2"
                assert second.headers["Connection"] == "close"
                assert await asyncio.wait_for(reader.read(), 5) == b""
            finally:
                writer.close()
    run(main())


def test_keep_alive_pipelined_requests():
    async def main():
        async with serve(make_router()) as server:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                writer.write(get("/text?n=1") + get("/raw") + get("/text?n=3", "Connection: close"))
                bodies = [(await read_response(reader)).body for _ in range(3)]
                assert bodies == [b"you asked for /text?n=1", b"\x00\x01\x02",
                                  b"you asked for /text?n=3"]
            finally:
                writer.close()
    run(main())


def test_http_1_0_closes_after_response():
    async def main():
        async with serve(make_router()) as server:
            response, rest = await exchange(server.port, get("/text", version="HTTP/1.0"))
            assert response.status == 200
            assert response.headers["Connection"] == "close"
            assert rest == b""
    run(main())


def test_post_body_is_read_and_keep_alive_continues():
    async def main():
        async with serve(make_router()) as server:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                body = b"x" * 100_000
                writer.write(get("/upload", f"Content-Length: {len(body)}", method="POST") + body)
                response = await read_response(reader)
                assert response.status == 200
                assert response.body == b"got " + body
                writer.write(get("/text", "Connection: close"))
                assert (await read_response(reader)).status == 200
            finally:
                writer.close()
    run(main())


def test_post_body_over_the_limit_is_413():
    async def main():
        async with serve(make_router()) as server:
            request = get("/upload", f"Content-Length: {2 << 20}", method="POST")
            response, _ = await exchange(server.port, request)
            assert response.status == 413
    run(main())


# ------------------------------------------------------------------------------ refused handshakes

@pytest.mark.parametrize(
    "request_bytes, status, header, words",
    [
        (upgrade("/ws", Sec_WebSocket_Key=None), 400, None, "Sec-WebSocket-Key"),
        (upgrade("/ws", Sec_WebSocket_Key="c2hvcnQ="), 400, None, "16 bytes"),
        (upgrade("/ws", Sec_WebSocket_Version="8"), 426, ("Sec-WebSocket-Version", "13"), "13"),
        (upgrade("/ws", Upgrade="h2c"), 426, None, "WebSocket"),  # not an upgrade to WebSocket
        (upgrade("/ws", Connection="keep-alive"), 400, None, "Connection"),
        (upgrade("/ws", Origin="https://evil.example"), 403, None, "Origin"),
        (upgrade("/ws").replace(b"GET", b"POST", 1), 405, ("Allow", "GET"), "GET"),
        (upgrade("/ws", X_Big="a" * 8000, X_Bigger="b" * 9000), 431, None, "limit"),
        (b"GARBAGE\r\n\r\n", 400, None, "request line"),
    ],
    ids=["missing-key", "short-key", "version-8", "upgrade-h2c", "no-connection-upgrade",
         "origin", "post", "huge-head", "garbage"],
)
def test_bad_handshake_is_refused_with_status_and_reason(request_bytes, status, header, words):
    async def main():
        server = await serve(make_router(), origins=["https://good.example", None])
        try:
            response, rest = await exchange(server.port, request_bytes)
            assert response.status == status
            if header is not None:
                assert response.headers[header[0]] == header[1]
            assert words in response.body.decode()
            assert response.headers["Content-Type"].startswith("text/plain")
            assert "Sec-WebSocket-Accept" not in response.headers
        finally:
            await server.close()
    run(main())


def test_allowed_origin_is_accepted():
    async def main():
        async with serve(make_router(), origins=["https://good.example"]) as server:
            async with connect(server.url + "ws", origin="https://good.example") as ws:
                await ws.send("hi")
                assert await ws.recv() == "hi"
    run(main())


def test_extensions_offered_by_browsers_are_declined():
    async def main():
        async with serve(echo) as server:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                writer.write(upgrade("/", Sec_WebSocket_Extensions="permessage-deflate; "
                                                                  "client_max_window_bits"))
                response = await read_response(reader)
                assert response.status == 101
                assert "Sec-WebSocket-Extensions" not in response.headers
                assert response.headers["Sec-WebSocket-Accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
            finally:
                writer.close()
    run(main())


def test_first_frame_in_the_same_packet_as_the_handshake():
    async def main():
        async with serve(echo) as server:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                mask = b"\x01\x02\x03\x04"
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(b"sticky"))
                writer.write(upgrade() + b"\x81\x86" + mask + payload)  # one write, one packet
                response = await read_response(reader)
                assert response.status == 101
                echoed = await reader.readexactly(8)
                assert echoed == b"\x81\x06sticky"
            finally:
                writer.close()
    run(main())


# ------------------------------------------------------------------------------ timeouts

def test_handshake_timeout_closes_an_idle_socket():
    async def main():
        async with serve(echo, handshake_timeout=0.3) as server:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                loop = asyncio.get_running_loop()
                start = loop.time()
                assert await asyncio.wait_for(reader.read(), 5) == b""  # closed, without a word
                assert 0.2 < loop.time() - start < 3
            finally:
                writer.close()
    run(main())


def test_handshake_timeout_with_half_a_head_answers_408():
    async def main():
        async with serve(echo, handshake_timeout=0.3) as server:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no blank line
                response = await asyncio.wait_for(read_response(reader), 5)
                assert response.status == 408
                assert await asyncio.wait_for(reader.read(), 5) == b""
            finally:
                writer.close()
    run(main())


# ------------------------------------------------------------------------------ streams

def test_stream_chunks_arrive_and_producer_is_closed_when_client_leaves():
    async def main():
        produced = []
        cleaned_up = asyncio.Event()

        async def ticks():
            try:
                for i in range(1000):
                    produced.append(i)
                    yield f"tick {i}\n".encode()
                    await asyncio.sleep(0.01)
            finally:
                cleaned_up.set()  # runs only if the server closes the generator

        async def handler(request):
            return StreamResponse(headers=[("Content-Type", "text/plain")], chunks=ticks())

        router = Router()
        router.stream("/ticks", handler)
        async with serve(router) as server:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(get("/ticks"))
            data = b""
            while data.count(b"tick") < 3:
                chunk = await reader.read(65536)
                assert chunk
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200 OK\r\n")
            assert b"Content-Length" not in head
            assert b"Connection: close" in head
            assert body.startswith(b"tick 0\ntick 1\n")
            writer.close()  # the client goes away
            await asyncio.wait_for(cleaned_up.wait(), 5)
            assert len(produced) < 1000
    run(main())


def test_stream_producer_blocked_on_a_slow_client_is_closed_when_it_leaves():
    async def main():
        cleaned_up = asyncio.Event()
        produced = 0

        async def flood():
            nonlocal produced
            try:
                while True:
                    produced += 1
                    yield b"x" * 65536  # faster than the client reads: the server waits in drain()
            finally:
                cleaned_up.set()

        async def handler(request):
            return StreamResponse(chunks=flood())

        router = Router()
        router.stream("/flood", handler)
        async with serve(router) as server:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(get("/flood"))
            await reader.read(100)  # the head arrived; now stop reading
            await asyncio.sleep(0.5)
            assert not cleaned_up.is_set()
            assert produced < 1000  # drain() holds the producer back
            writer.close()
            await asyncio.wait_for(cleaned_up.wait(), 5)
    run(main())


def test_server_close_stops_open_streams():
    async def main():
        cleaned_up = asyncio.Event()

        async def forever():
            try:
                while True:
                    yield b"."
                    await asyncio.sleep(0.05)
            finally:
                cleaned_up.set()

        async def handler(request):
            return StreamResponse(chunks=forever())

        router = Router()
        router.stream("/forever", handler)
        server = await serve(router)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(get("/forever"))
        assert b"200 OK" in await reader.read(100)
        await asyncio.wait_for(server.close(), 5)
        assert cleaned_up.is_set()
        await asyncio.wait_for(reader.read(), 5)  # ends: the server closed the connection
        writer.close()
    run(main())


def test_finite_stream_ends_with_tcp_close():
    async def main():
        async def three():
            for i in range(3):
                yield f"{i};".encode()

        async def handler(request):
            return StreamResponse(200, [("Content-Type", "text/plain")], three())

        async def refuse(request):
            return Response(204)

        router = Router()
        router.stream("/three", handler)
        router.stream("/none", refuse)
        async with serve(router) as server:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(get("/three"))
            data = await asyncio.wait_for(reader.read(), 5)  # until the server closes
            writer.close()
            assert data.endswith(b"\r\n\r\n0;1;2;")
            response, _ = await exchange(server.port, get("/none", "Connection: close"))
            assert response.status == 204
    run(main())


# ------------------------------------------------------------------------------ WebSocket handlers

def test_handler_return_closes_with_1000():
    async def main():
        async def hello(ws):
            await ws.send("hello")

        async with serve(hello) as server:
            ws = await connect(server.url)
            assert await ws.recv() == "hello"
            with pytest.raises(ConnectionClosedOK) as info:
                await ws.recv()
            assert info.value.code == 1000
            await ws.wait_closed()
            assert ws.ready_state == 3
    run(main())


def test_handler_exception_closes_with_1011_and_server_survives():
    async def main():
        async def broken(ws):
            await ws.recv()
            raise RuntimeError("bug in the handler")

        router = Router()
        router.websocket("/broken", broken)
        router.websocket("/echo", echo)
        async with serve(router) as server:
            async with connect(server.url + "broken") as ws:
                await ws.send("trigger")
                with pytest.raises(ConnectionClosedError) as info:
                    await ws.recv()
                assert info.value.code == 1011
                assert ws.close_code == 1011
            async with connect(server.url + "echo") as ws:
                await ws.send("still alive")
                assert await ws.recv() == "still alive"
    run(main())


def test_server_close_sends_1001_to_every_client():
    async def main():
        server = await serve(echo)
        clients = [await connect(server.url) for _ in range(3)]
        for ws in clients:
            await ws.send("x")
            assert await ws.recv() == "x"
        assert len(server.connections) == 3
        await server.close()
        await server.close()  # idempotent
        for ws in clients:
            with pytest.raises(ConnectionClosedOK) as info:
                await ws.recv()
            assert info.value.code == 1001
            assert info.value.reason == "server shutting down"
            await ws.wait_closed()
        assert server.connections == set()
        with pytest.raises(OSError):
            await connect(server.url, open_timeout=2)  # no longer listening
    run(main())


def test_server_close_stops_idle_http_and_stubborn_handlers():
    async def main():
        async def stubborn(ws):
            try:
                await asyncio.sleep(3600)  # never looks at the connection
            finally:
                stopped.set()

        stopped = asyncio.Event()
        router = make_router()
        router.websocket("/stubborn", stubborn)
        server = await serve(router, close_timeout=0.5)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(get("/text"))  # keep-alive: the connection stays open afterwards
        await read_response(reader)
        ws = await connect(server.url + "stubborn")
        loop = asyncio.get_running_loop()
        start = loop.time()
        await server.close()
        assert loop.time() - start < 3
        assert stopped.is_set()
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
        await ws.wait_closed()
        assert ws.close_code == 1001
    run(main())


def test_serve_forms_await_and_async_with():
    async def main():
        server = await serve(echo)
        async with server:
            async with connect(server.url) as ws:
                await ws.send(b"a")
                assert await ws.recv() == b"a"
        async with serve(echo) as server2:
            assert server2.url == f"ws://127.0.0.1:{server2.port}/"
            assert server2.http_url == f"http://127.0.0.1:{server2.port}/"
    run(main())


def test_serve_forever_returns_when_closed_and_closes_when_cancelled():
    async def main():
        server = await serve(echo)
        task = asyncio.ensure_future(server.serve_forever())
        await asyncio.sleep(0.05)
        await server.close()
        await asyncio.wait_for(task, 5)

        server = await serve(echo)
        ws = await connect(server.url)
        task = asyncio.ensure_future(server.serve_forever())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await ws.wait_closed()
        assert ws.close_code == 1001
    run(main())


def test_request_and_path_available_to_the_handler():
    async def main():
        seen = {}

        async def handler(ws):
            seen["path"] = ws.path
            seen["target"] = ws.request.target
            seen["agent"] = ws.request.headers.get("User-Agent")
            seen["remote"] = ws.remote_address
            seen["role"] = ws.role

        async with serve(handler) as server:
            ws = await connect(server.url + "room/1?user=ann", headers=[("User-Agent", "test")])
            await ws.wait_closed()
        assert seen["path"] == "/room/1"
        assert seen["target"] == "/room/1?user=ann"
        assert seen["agent"] == "test"
        assert seen["remote"][0] == "127.0.0.1"
        assert seen["role"] == "server"
    run(main())


# ------------------------------------------------------------------------------ backpressure

@pytest.mark.timeout(120)
def test_send_waits_for_a_slow_reader_and_buffers_stay_bounded():
    count, size = 2000, 64 * 1024
    payload = os.urandom(size)

    async def main():
        sent = 0
        buffer_sizes = []

        async def producer(ws):
            nonlocal sent
            for _ in range(count):
                await ws.send(payload)
                sent += 1
                buffer_sizes.append(ws.transport.get_write_buffer_size())

        async with serve(producer) as server:
            ws = await connect(server.url, max_size=size)
            await asyncio.sleep(1.0)  # the client does not read
            blocked_at = sent
            assert 0 < blocked_at < count  # the producer is waiting in send()
            await asyncio.sleep(0.3)
            assert sent == blocked_at  # still waiting: nothing is queued without bound
            high_water = ws.transport.get_write_buffer_limits()[1]
            assert max(buffer_sizes) <= high_water + size + 16
            received = 0
            async for message in ws:  # now read everything
                assert len(message) == size
                received += 1
            assert received == count
            assert sent == count
            assert ws.close_code == 1000
    run(main(), timeout=100)


def test_receiving_stops_when_the_handler_does_not_recv():
    size = 64 * 1024
    payload = os.urandom(size)

    async def main():
        release = asyncio.Event()
        got = []

        async def lazy(ws):
            await release.wait()
            async for message in ws:
                got.append(len(message))
                if len(got) == sent:
                    break

        sent = 0
        async with serve(lazy, max_size=size) as server:
            ws = await connect(server.url)

            async def flood():
                nonlocal sent
                for _ in range(100_000):
                    await ws.send(payload)
                    sent += 1

            task = asyncio.ensure_future(flood())
            await asyncio.sleep(1.0)
            assert not task.done()  # the client's send() is blocked: the server stopped reading
            blocked_at = sent
            await asyncio.sleep(0.3)
            assert sent == blocked_at
            (server_ws,) = server.connections
            # max_queue messages, plus at most the few that one read of the socket completed
            assert server_ws._messages.qsize() <= server_ws.max_queue + 8
            assert sent * size < 64 * 1024 * 1024  # bounded by buffers, not by the 100k messages
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            release.set()  # the handler reads everything that was sent, then returns
            await asyncio.wait_for(ws.wait_closed(), 10)
            assert len(got) == sent
    run(main(), timeout=30)


# ------------------------------------------------------------------------------ bad input

async def responses_on_one_connection(port: int, data: bytes, timeout: float = 10):
    """Send ``data`` on one connection; return every response until the server closes it
    (or stops answering for a second)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answers = []
    try:
        writer.write(data)
        while True:
            try:
                answers.append(await asyncio.wait_for(read_response(reader), 1))
            except (AssertionError, asyncio.TimeoutError, asyncio.IncompleteReadError,
                    ConnectionError):
                return answers  # closed by the server, or nothing more to say
    finally:
        writer.close()


def smuggle_router() -> Router:
    """A stream route that answers without ever looking at the request body (like an
    EventChannel after close()), and a route that says which target it served."""
    router = make_router()

    async def refuse(request):
        return Response(204)

    router.stream("/events", refuse)
    return router


def test_a_body_a_stream_route_ignores_is_not_parsed_as_the_next_request():
    # RFC 9112 section 6.3: the server reads the body (Content-Length) before routing, so the
    # bytes of a body never become a request of their own (request smuggling, 请求走私).
    smuggled = get("/text?smuggled")
    request = get("/events", f"Content-Length: {len(smuggled)}") + smuggled
    async def main():
        async with serve(smuggle_router()) as server:
            answers = await responses_on_one_connection(
                server.port, request + get("/text?next", "Connection: close"))
            assert [a.status for a in answers] == [204, 200]
            assert answers[1].body == b"you asked for /text?next"
    run(main())


def test_an_event_channel_204_after_close_leaves_no_body_behind():
    from wslib.eventstream import EventChannel

    async def main():
        channel = EventChannel(heartbeat=None)
        await channel.close()  # every request now gets 204
        router = make_router()
        router.sse("/events", channel)
        async with serve(router) as server:
            smuggled = get("/text?smuggled")
            answers = await responses_on_one_connection(
                server.port, get("/events", f"Content-Length: {len(smuggled)}") + smuggled
                + get("/text?next", "Connection: close"))
            assert [a.status for a in answers] == [204, 200]
            assert answers[1].body == b"you asked for /text?next"
    run(main())


def test_every_route_kind_consumes_the_body_before_the_next_request():
    body = b"GET /text?smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
    async def main():
        async with serve(smuggle_router()) as server:
            for path, status in [("/", 200), ("/text", 200), ("/missing", 404), ("/ws", 426),
                                 ("/broken", 500), ("/upload", 405)]:
                answers = await responses_on_one_connection(
                    server.port, get(path, f"Content-Length: {len(body)}") + body
                    + get("/text?next", "Connection: close"))
                assert [a.status for a in answers] == [status, 200], path
                assert answers[1].body == b"you asked for /text?next", path
    run(main())


@pytest.mark.parametrize("headers, status, words", [
    (["Content-Length: 5"], 400, "carries a body"),
    (["Transfer-Encoding: chunked"], 400, "carries a body"),
    (["Content-Length: \u00b2"], 400, "Content-Length '\\xc2\\xb2' is not a number"),
])
def test_an_upgrade_request_with_a_body_is_refused_and_the_connection_closed(headers, status,
                                                                            words):
    async def main():
        async with serve(make_router()) as server:
            extra = {h.split(": ")[0]: h.split(": ")[1] for h in headers}
            request = upgrade("/ws", **extra) + b"hello" + get("/text")
            answers = await responses_on_one_connection(server.port, request)
            assert [a.status for a in answers] == [status]
            assert words in answers[0].body.decode()
            assert "close" in answers[0].headers["Connection"]
    run(main())


@pytest.mark.parametrize("value, words", [
    ("\u00b2", "Content-Length '\\xc2\\xb2' is not a number"),
    ("1" * 5000, "has 5000 digits"),
    ("+5", "is not a number"),
    ("5, 6", "differ"),
])
def test_a_content_length_that_is_not_a_number_is_400_without_a_traceback(value, words, caplog):
    async def main():
        async with serve(make_router()) as server:
            request = get("/upload", f"Content-Length: {value}", method="POST") + b"hello"
            answers = await responses_on_one_connection(server.port, request.encode("utf-8")
                                                        if isinstance(request, str) else request)
            assert [a.status for a in answers] == [400]
            assert words in answers[0].body.decode()
            assert "close" in answers[0].headers["Connection"]
            response, _ = await exchange(server.port, get("/", "Connection: close"))
            assert response.status == 200  # still serving
    with caplog.at_level(logging.ERROR, logger="wslib.server"):
        run(main())
    assert not caplog.records, [r.getMessage() for r in caplog.records]


def test_chunked_request_bodies_are_refused_and_the_connection_closed():
    async def main():
        async with serve(make_router()) as server:
            for coding, status, words in [("chunked", 501, "not supported"),
                                          ("chunked, gzip", 400, "does not end with chunked")]:
                request = get("/upload", f"Transfer-Encoding: {coding}", method="POST")
                answers = await responses_on_one_connection(
                    server.port, request + b"5\r\nhello\r\n0\r\n\r\n" + get("/text"))
                assert [a.status for a in answers] == [status], coding
                assert words in answers[0].body.decode()
    run(main())


def test_a_body_that_does_not_arrive_is_408_without_a_traceback(caplog):
    async def main():
        async with serve(make_router(), handshake_timeout=0.3) as server:
            answers = await responses_on_one_connection(
                server.port, get("/upload", "Content-Length: 10", method="POST") + b"half")
            assert [a.status for a in answers] == [408]
            assert "request body" in answers[0].body.decode()
    with caplog.at_level(logging.ERROR, logger="wslib.server"):
        run(main())
    assert not caplog.records


def test_a_long_last_event_id_is_not_a_500():
    from wslib.eventstream import EventChannel

    async def main():
        channel = EventChannel(heartbeat=None)
        router = Router()
        router.sse("/events", channel)
        channel.publish("one")
        async with serve(router) as server:
            for last_id in ["1" * 5000, "\u00b2", "1"]:
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
                try:
                    writer.write(get("/events", f"Last-Event-ID: {last_id}"))
                    head = HeadReader(kind="response")
                    result = None
                    while result is None:
                        data = await reader.read(4096)
                        assert data
                        result = head.feed(data)
                    assert response_from_head(*result).status == 200, last_id[:10]
                finally:
                    writer.close()
            await channel.close()
    run(main())


@pytest.mark.parametrize("host_lines, words", [
    ([], "missing Host header"),
    (["Host: 127.0.0.1", "Host: evil.example"], "2 Host headers"),
    (["Host: a b"], "is not host[:port]"),
    (["Host: 127.0.0.1:http"], "bad port"),
])
@pytest.mark.parametrize("path", ["/", "/ws"])
def test_exactly_one_valid_host_else_400(host_lines, words, path):
    async def main():
        async with serve(make_router()) as server:
            lines = [f"GET {path} HTTP/1.1", *host_lines]
            if path == "/ws":
                lines += ["Upgrade: websocket", "Connection: Upgrade",
                          f"Sec-WebSocket-Key: {KEY}", "Sec-WebSocket-Version: 13"]
            answers = await responses_on_one_connection(
                server.port, ("\r\n".join(lines) + "\r\n\r\n").encode() + get("/text"))
            assert [a.status for a in answers] == [400]
            assert words in answers[0].body.decode() and "RFC 9112 section 3.2" in answers[0].body.decode()
    run(main())


def test_http_1_0_without_host_is_served():
    async def main():
        async with serve(make_router()) as server:
            response, _ = await exchange(server.port, b"GET /text HTTP/1.0\r\n\r\n")
            assert response.status == 200
    run(main())


def test_absolute_form_targets_are_served_by_path():
    async def main():
        async with serve(make_router()) as server:
            origin = f"http://127.0.0.1:{server.port}"
            answers = await responses_on_one_connection(
                server.port, get(f"{origin}/text?x=1") + get(f"{origin}/missing")
                + get(f"{origin}", "Connection: close"))
            assert [a.status for a in answers] == [200, 404, 200]
            assert answers[0].body == f"you asked for {origin}/text?x=1".encode()
            # A WebSocket upgrade in absolute-form works too.
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                writer.write(upgrade(f"ws://127.0.0.1:{server.port}/ws"))
                assert (await read_response(reader)).status == 101
            finally:
                writer.close()
    run(main())


def test_426_says_upgrade_websocket_and_connection_upgrade():
    # RFC 9110 section 15.5.22 (a 426 MUST send Upgrade) and 7.8 (Upgrade goes with
    # Connection: upgrade), on both 426s: a plain GET, and a version other than 13.
    async def main():
        async with serve(make_router()) as server:
            for request, keep in [(get("/ws"), True), (get("/ws", "Connection: close"), False),
                                  (upgrade("/ws", Sec_WebSocket_Version="8"), False)]:
                response, _ = await exchange(server.port, request)
                assert response.status == 426
                assert response.headers["Upgrade"] == "websocket"
                options = [o.lower() for o in parse_header_list(response.headers["Connection"])]
                assert options == (["upgrade"] if keep else ["upgrade", "close"])
    run(main())


def test_an_over_long_request_target_is_414():
    async def main():
        async with serve(make_router()) as server:
            for tail in (b" HTTP/1.1\r\nHost: x\r\n\r\n", b""):  # complete, or still coming
                response, _ = await exchange(server.port, b"GET /" + b"a" * 10_000 + tail)
                assert response.status == 414
                assert "414 URI Too Long" in response.body.decode()
    run(main())


def test_empty_lines_before_a_request_are_ignored():
    async def main():
        async with serve(make_router()) as server:
            answers = await responses_on_one_connection(
                server.port, b"\r\n" + get("/text?1") + b"\r\n\r\n" + get("/text?2", "Connection: close"))
            assert [a.body for a in answers] == [b"you asked for /text?1", b"you asked for /text?2"]
    run(main())


TLS_CLIENT_HELLO = bytes.fromhex("1603010200010001fc0303") + bytes(range(32)) + b"\x00\x20"


@pytest.mark.parametrize("first", [TLS_CLIENT_HELLO, b"\x00\x00\x00\x00", b"SSH-2.0-x\r\n",
                                   b"{\"json\": 1}"], ids=["tls", "zeros", "ssh", "json"])
def test_bytes_that_cannot_start_a_request_get_400_at_once(first):
    # Before: no blank line ever comes, so the server waited handshake_timeout and sent 408.
    # Now the first bytes decide. handshake_timeout is far longer than the test's own limit.
    async def main():
        async with serve(make_router(), handshake_timeout=60) as server:
            response, rest = await asyncio.wait_for(exchange(server.port, first), 10)
            assert response.status == 400
            assert "cannot start an HTTP request" in response.body.decode()
            assert rest == b""  # and the connection is closed
            if first is TLS_CLIENT_HELLO:
                assert "TLS" in response.body.decode()
    run(main(), timeout=20)
