"""Tests for wslib.client.connect and the WebSocket object, against wslib's server and against
raw asyncio servers that misbehave on purpose (silent, refusing, never answering pings)."""

from __future__ import annotations

import asyncio

import pytest

from wslib.client import connect
from wslib.connection import State
from wslib.errors import (
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    HandshakeError,
    UsageError,
)
from wslib.frames import Frame, Opcode, encode_close, encode_frame
from wslib.reader import FrameReader
from wslib.handshake import accept_key
from wslib.http import HeadReader, request_from_head
from wslib.server import Router, serve
from wslib.websocket import WebSocket

pytestmark = pytest.mark.timeout(60)


def run(coro, timeout: float = 10):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def echo(ws: WebSocket) -> None:
    async for message in ws:
        await ws.send(message)


async def read_head(reader: asyncio.StreamReader):
    head = HeadReader()
    result = None
    while result is None:
        data = await reader.read(65536)
        if not data:
            return None
        result = head.feed(data)
    return request_from_head(*result)


async def raw_server(handle):
    """A bare asyncio server: ``handle(reader, writer)`` does whatever the test needs."""
    async def handle_and_close(reader, writer):
        try:
            await handle(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(handle_and_close, "127.0.0.1", 0)
    return server, f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/"


async def answer_101(reader, writer, after: bytes = b"", *, upgrade: bytes = b"websocket",
                     extra: bytes = b"") -> None:
    request = await read_head(reader)
    key = request.headers["Sec-WebSocket-Key"]
    writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: " + upgrade + b"\r\n"
                 b"Connection: Upgrade\r\n" + extra + b"Sec-WebSocket-Accept: "
                 + accept_key(key).encode() + b"\r\n\r\n" + after)


# ------------------------------------------------------------------------------ messages

@pytest.mark.parametrize("message", [
    "hello", "héllo wörld ☃", "", b"\x00\xff binary", b"", "x" * (1 << 20), b"\x01" * (1 << 20),
], ids=["text", "utf8", "empty-text", "binary", "empty-binary", "1MiB-text", "1MiB-binary"])
def test_echo_keeps_type_and_content(message):
    async def main():
        async with serve(echo) as server:
            async with connect(server.url) as ws:
                await ws.send(message)
                reply = await ws.recv()
                assert type(reply) is type(message)
                assert reply == message
    run(main())


def test_bytearray_and_memoryview_are_sent_as_binary():
    async def main():
        async with serve(echo) as server:
            async with connect(server.url) as ws:
                await ws.send(bytearray(b"abc"))
                assert await ws.recv() == b"abc"
                await ws.send(memoryview(b"xyz"))
                assert await ws.recv() == b"xyz"
                with pytest.raises(TypeError):
                    await ws.send(42)
    run(main())


def test_fragmented_messages_are_reassembled():
    async def main():
        async with serve(echo) as server:
            async with connect(server.url) as ws:
                text = "fragment ☃ " * 500
                await ws.send(text, fragment_size=7)  # splits inside multi-byte characters
                assert await ws.recv() == text
                await ws.send(b"0123456789" * 100, fragment_size=64)
                assert await ws.recv() == b"0123456789" * 100
                # By hand: a ping between two fragments (RFC 6455 section 5.4).
                ws.connection.send_frame(Frame(Opcode.TEXT, b"hel", fin=False))
                ws.connection.send_frame(Frame(Opcode.PING, b"in between"))
                ws.connection.send_frame(Frame(Opcode.CONT, b"lo", fin=True))
                await ws.flush()
                assert await ws.recv() == "hello"
    run(main())


def test_sticky_first_frame_after_the_101():
    async def main():
        async def handle(reader, writer):
            await answer_101(reader, writer, after=b"\x81\x05early")  # same write, same packet
            await reader.read()
            writer.close()

        server, url = await raw_server(handle)
        try:
            async with connect(url, close_timeout=0.5) as ws:
                assert await ws.recv() == "early"
        finally:
            server.close()
    run(main())


def test_iteration_ends_quietly_on_a_normal_close():
    async def main():
        async def three(ws):
            for i in range(3):
                await ws.send(str(i))

        async with serve(three) as server:
            async with connect(server.url) as ws:
                assert [m async for m in ws] == ["0", "1", "2"]
    run(main())


def test_iteration_raises_on_an_error_close():
    async def main():
        async def fail(ws):
            await ws.send("one")
            await ws.close(4000, "custom")

        async with serve(fail) as server:
            async with connect(server.url) as ws:
                got = []
                with pytest.raises(ConnectionClosedError) as info:
                    async for message in ws:
                        got.append(message)
                assert got == ["one"]
                assert (info.value.code, info.value.reason) == (4000, "custom")
    run(main())


def test_message_over_max_size_fails_with_1009():
    async def main():
        async def big(ws):
            await ws.send(b"x" * 2000)
            await ws.wait_closed()

        async with serve(big) as server:
            ws = await connect(server.url, max_size=1000)
            with pytest.raises(ConnectionClosedError) as info:
                await ws.recv()
            assert info.value.code == 1009
            await ws.wait_closed()
    run(main())


# ------------------------------------------------------------------------------ ping, close

def test_ping_returns_round_trip_seconds():
    async def main():
        async with serve(echo) as server:
            async with connect(server.url) as ws:
                rtt = await ws.ping()
                assert isinstance(rtt, float) and 0 < rtt < 5
                rtts = await asyncio.gather(ws.ping(b"a"), ws.ping(b"b"), ws.ping(b""))
                assert all(isinstance(t, float) for t in rtts)
    run(main())


def test_a_pong_answers_earlier_pings_too():
    async def main():
        async def handle(reader, writer):
            await answer_101(reader, writer)
            frames = FrameReader(expect_mask=True)
            pings = []
            while len(pings) < 2:
                data = await reader.read(65536)
                if not data:
                    return
                pings += [f.payload for f in frames.feed(data) if f.opcode == Opcode.PING]
            # RFC 6455 section 5.5.3: answering only the most recent ping is enough.
            writer.write(encode_frame(Frame(Opcode.PONG, pings[-1])))
            await reader.read()

        server, url = await raw_server(handle)
        try:
            async with connect(url, close_timeout=0.5) as ws:
                first, second = await asyncio.gather(ws.ping(b"first"), ws.ping(b"second"))
                assert isinstance(first, float) and isinstance(second, float)
                assert first >= second
        finally:
            server.close()
    run(main())


def test_unsolicited_pong_is_ignored():
    async def main():
        async with serve(echo) as server:
            async with connect(server.url) as ws:
                ws.connection.send_pong(b"heartbeat")
                await ws.flush()
                await ws.send("still fine")
                assert await ws.recv() == "still fine"
    run(main())


def test_client_close_with_code_and_reason_is_seen_by_server():
    async def main():
        seen = asyncio.get_running_loop().create_future()

        async def handler(ws):
            try:
                await ws.recv()
            except ConnectionClosed as exc:
                seen.set_result((exc.code, exc.reason, ws.close_code, ws.close_reason))

        async with serve(handler) as server:
            ws = await connect(server.url)
            await ws.close(4001, "client says bye")
            assert await asyncio.wait_for(seen, 5) == (4001, "client says bye", 4001,
                                                       "client says bye")
            assert ws.ready_state == State.CLOSED
            assert ws.close_code == 4001  # the server echoed our code
            await ws.close()  # idempotent
            with pytest.raises(ConnectionClosed):
                await ws.send("too late")
            with pytest.raises(ConnectionClosed):
                await ws.recv()
    run(main())


def test_server_close_with_code_and_reason_is_seen_by_client():
    async def main():
        async def handler(ws):
            await ws.close(1000, "server says bye")

        async with serve(handler) as server:
            ws = await connect(server.url)
            with pytest.raises(ConnectionClosedOK) as info:
                await ws.recv()
            assert (info.value.code, info.value.reason) == (1000, "server says bye")
            await ws.wait_closed()
            assert (ws.close_code, ws.close_reason) == (1000, "server says bye")
            assert ws.ready_state == 3
    run(main())


def test_ready_state_follows_the_browser():
    async def main():
        async with serve(echo) as server:
            ws = await connect(server.url)
            assert ws.ready_state == 1
            closing = asyncio.ensure_future(ws.close())
            await asyncio.sleep(0)
            assert ws.ready_state == 2
            await closing
            assert ws.ready_state == 3
    run(main())


def test_close_is_quick_even_when_unread_messages_fill_the_queue():
    async def main():
        async def flood(ws):
            try:
                while True:
                    await ws.send("x" * 1000)
            except ConnectionClosed:
                pass

        async with serve(flood) as server:
            ws = await connect(server.url)
            await asyncio.sleep(0.5)  # the queue fills up, the reader stops reading
            loop = asyncio.get_running_loop()
            start = loop.time()
            await ws.close()  # must still read on to the server's close frame
            assert loop.time() - start < 2
            assert ws.close_code == 1000  # a real closing handshake, not a timeout (1006)
            with pytest.raises(ConnectionClosedOK):
                await ws.recv()  # unread messages were dropped by close()
    run(main())


def test_client_closes_tcp_itself_when_the_server_does_not():
    async def main():
        async def handle(reader, writer):
            await answer_101(reader, writer)
            writer.write(encode_frame(Frame(Opcode.CLOSE, encode_close(1000, "bye"))))
            await asyncio.sleep(10)  # never closes TCP, as a server should (section 7.1.1)

        server, url = await raw_server(handle)
        try:
            ws = await connect(url, close_timeout=0.3)
            with pytest.raises(ConnectionClosedOK):
                await ws.recv()
            assert ws.ready_state == 2  # the closing handshake is done, TCP is not
            loop = asyncio.get_running_loop()
            start = loop.time()
            await asyncio.wait_for(ws.wait_closed(), 5)
            assert 0.2 < loop.time() - start < 2
            assert (ws.close_code, ws.close_reason) == (1000, "bye")
        finally:
            server.close()
    run(main())


def test_tcp_drop_without_close_frame_is_1006():
    async def main():
        async def handle(reader, writer):
            await answer_101(reader, writer)
            writer.transport.abort()

        server, url = await raw_server(handle)
        try:
            ws = await connect(url)
            with pytest.raises(ConnectionClosedError) as info:
                await ws.recv()
            assert info.value.code == 1006
            assert ws.close_code == 1006
        finally:
            server.close()
    run(main())


def test_close_times_out_when_the_peer_never_answers():
    async def main():
        async def handle(reader, writer):
            await answer_101(reader, writer)
            await asyncio.sleep(10)  # reads nothing, answers nothing

        server, url = await raw_server(handle)
        try:
            ws = await connect(url, close_timeout=0.3)
            loop = asyncio.get_running_loop()
            start = loop.time()
            await ws.close()
            assert loop.time() - start < 2
            assert ws.ready_state == 3
            assert ws.close_code == 1006
        finally:
            server.close()
    run(main())


# ------------------------------------------------------------------------------ handshake

def test_refused_handshakes_raise_with_status_and_why():
    async def main():
        router = Router()
        router.websocket("/ws", echo)
        router.page("/page", "not a websocket")
        async with serve(router, origins=["https://good.example"]) as server:
            with pytest.raises(HandshakeError) as info:
                await connect(server.url + "ws", origin="https://evil.example")
            assert info.value.status == 403
            assert "https://evil.example" in str(info.value)
            with pytest.raises(HandshakeError) as info:
                await connect(server.url + "missing", origin="https://good.example")
            assert info.value.status == 404
            assert "/missing" in str(info.value)
            with pytest.raises(HandshakeError) as info:
                await connect(server.url + "page")
            assert info.value.status == 200
    run(main())


def test_426_from_a_server_speaking_another_version():
    async def main():
        async def handle(reader, writer):
            await read_head(reader)
            body = b"this server speaks WebSocket version 7 only\n"
            writer.write(b"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 7\r\n"
                         b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            await writer.drain()
            writer.close()

        server, url = await raw_server(handle)
        try:
            with pytest.raises(HandshakeError) as info:
                await connect(url)
            assert info.value.status == 426
            assert "version 7 only" in str(info.value)
        finally:
            server.close()
    run(main())


def test_wrong_accept_key_is_refused():
    async def main():
        async def handle(reader, writer):
            await read_head(reader)
            writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Accept: d3Jvbmc=\r\n\r\n")
            await reader.read()

        server, url = await raw_server(handle)
        try:
            with pytest.raises(HandshakeError) as info:
                await connect(url)
            assert info.value.header == "Sec-WebSocket-Accept"
        finally:
            server.close()
    run(main())


def test_subprotocol_negotiation():
    async def main():
        async def which(ws):
            await ws.send(str(ws.subprotocol))

        async with serve(which, subprotocols=["chat.v2", "chat.v1"]) as server:
            async with connect(server.url, subprotocols=["chat.v1", "chat.v2"]) as ws:
                assert ws.subprotocol == "chat.v2"  # the server's preference wins
                assert await ws.recv() == "chat.v2"
                assert ws.response.headers["Sec-WebSocket-Protocol"] == "chat.v2"
            async with connect(server.url, subprotocols=["chat.v1"]) as ws:
                assert ws.subprotocol == "chat.v1"
            async with connect(server.url, subprotocols=["mqtt"]) as ws:
                assert ws.subprotocol is None
                assert await ws.recv() == "None"
    run(main())


def test_open_timeout_against_a_silent_server():
    async def main():
        async def handle(reader, writer):
            await asyncio.sleep(10)  # accepts TCP, never answers

        server, url = await raw_server(handle)
        try:
            loop = asyncio.get_running_loop()
            start = loop.time()
            with pytest.raises(HandshakeError) as info:
                await connect(url, open_timeout=0.3)
            assert loop.time() - start < 2
            assert info.value.status == 0
            assert "open_timeout" in str(info.value)
        finally:
            server.close()
    run(main())


def test_server_hanging_up_during_handshake():
    async def main():
        async def handle(reader, writer):
            await read_head(reader)
            writer.close()

        server, url = await raw_server(handle)
        try:
            with pytest.raises(HandshakeError) as info:
                await connect(url)
            assert info.value.status == 0
        finally:
            server.close()
    run(main())


def test_reproducible_key_and_mask():
    async def main():
        key = "AQIDBAUGBwgJCgsMDQ4PEA=="
        async with serve(echo) as server:
            async with connect(server.url, key=key, mask_key=lambda: b"\x00\x00\x00\x00") as ws:
                assert ws.request.headers["Sec-WebSocket-Key"] == key
                assert ws.response.headers["Sec-WebSocket-Accept"] == accept_key(key)
                await ws.send("masked with zeros")
                assert await ws.recv() == "masked with zeros"
    run(main())


@pytest.mark.parametrize("url", ["wss://example.com/", "http://127.0.0.1/", "127.0.0.1:80"])
def test_unsupported_urls(url):
    with pytest.raises(UsageError) as info:
        connect(url)
    if url.startswith("wss"):
        assert "TLS" in str(info.value)


def test_connection_refused_is_an_os_error():
    async def main():
        async def nothing(reader, writer):
            pass

        server, url = await raw_server(nothing)
        server.close()
        await server.wait_closed()
        with pytest.raises(OSError):
            await connect(url)
    run(main())


# ------------------------------------------------------------------------------ keepalive

def test_keepalive_fails_with_1011_when_pongs_never_come():
    async def main():
        async def handle(reader, writer):
            await answer_101(reader, writer)
            while await reader.read(65536):
                pass  # reads every frame, answers none
            writer.close()

        server, url = await raw_server(handle)
        try:
            loop = asyncio.get_running_loop()
            ws = await connect(url, ping_interval=0.2, ping_timeout=0.3)
            start = loop.time()
            with pytest.raises(ConnectionClosedError) as info:
                await ws.recv()
            elapsed = loop.time() - start
            assert (info.value.code, info.value.reason) == (1011, "keepalive ping timeout")
            assert 0.4 < elapsed < 2
            await ws.wait_closed()
            assert ws.close_code == 1011
        finally:
            server.close()
    run(main())


def test_keepalive_keeps_a_healthy_connection_open():
    async def main():
        async with serve(echo, ping_interval=0.1, ping_timeout=0.5) as server:
            async with connect(server.url, ping_interval=0.1, ping_timeout=0.5) as ws:
                await asyncio.sleep(0.6)  # several pings each way
                await ws.send("alive")
                assert await ws.recv() == "alive"
                assert ws.ready_state == 1
    run(main())


# ------------------------------------------------------------------------------ bad input

@pytest.mark.parametrize("kwargs, words", [
    ({"url": "ws://127.0.0.1:{port}/a b"}, "contains ' '"),
    ({"url": "ws://127.0.0.1:{port}/a\r\nX-Injected: 1"}, "request target"),
    ({"url": "ws://127.0.0.1:http/"}, "bad port"),
    ({"url": "ws://127.0.0.1:99999/"}, "at most 65535"),
    ({"url": "ws://127.0.0.1:{port}/", "headers": [("X", "a\r\nX-Injected: 1")]}, "header injection"),
    ({"url": "ws://127.0.0.1:{port}/", "headers": [("X Y", "a")]}, "not a token"),
    ({"url": "ws://127.0.0.1:{port}/", "origin": "http://a\r\nX-Injected: 1"}, "header injection"),
    ({"url": "ws://127.0.0.1:{port}/", "subprotocols": ["chat\r\nX-Injected: 1"]}, "header injection"),
    ({"url": "ws://127.0.0.1:{port}/", "headers": [("X", "\u2603")]}, "latin-1"),
])
def test_the_client_refuses_what_it_cannot_send_before_sending_anything(kwargs, words):
    async def main():
        received = []

        async def handle(reader, writer):
            received.append(await reader.read(65536))

        server, url = await raw_server(handle)
        port = server.sockets[0].getsockname()[1]
        try:
            args = dict(kwargs, url=kwargs["url"].format(port=port))
            with pytest.raises(UsageError) as info:
                connect(args.pop("url"), **args)  # refused when called: no connection at all
            assert words in str(info.value)
            await asyncio.sleep(0.1)
            assert received == []
        finally:
            server.close()
    run(main())


@pytest.mark.parametrize("value, ok", [
    ("websocket", True), ("WebSocket", True), (" WEBSOCKET ", True),
    ("h2c, websocket", False), ("websocket, h2c", False), ("websocket2", False), ("", False),
    ("websocket\t, websocket", False),
])
def test_the_101_must_upgrade_to_websocket_alone_in_any_case(value, ok):
    async def main():
        async def handle(reader, writer):
            await answer_101(reader, writer, upgrade=value.encode())
            await reader.read()

        server, url = await raw_server(handle)
        try:
            if ok:
                ws = await connect(url, close_timeout=0.5)
                await ws.close()
                return
            with pytest.raises(HandshakeError, match="RFC 6455 section 4.1") as info:
                await connect(url)
            assert info.value.header == "Upgrade"
        finally:
            server.close()
    run(main())


def test_obs_fold_in_the_101_is_read_as_a_space():
    # RFC 9112 section 5.2: a user agent replaces obs-fold in a response with a space.
    async def main():
        async def handle(reader, writer):
            await answer_101(reader, writer, extra=b"X-Note: folded\r\n  over two lines\r\n")
            await reader.read()

        server, url = await raw_server(handle)
        try:
            ws = await connect(url, close_timeout=0.5)
            assert ws.response.headers["X-Note"] == "folded over two lines"
            await ws.close()
        finally:
            server.close()
    run(main())


@pytest.mark.parametrize("length", ["\u00b2".encode(), b"1" * 5000, b"-1"])
def test_a_refusal_with_a_bad_content_length_is_a_handshake_error(length):
    async def main():
        async def handle(reader, writer):
            await read_head(reader)
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: " + length + b"\r\n\r\nno")
            await writer.drain()

        server, url = await raw_server(handle)
        try:
            with pytest.raises(HandshakeError, match="Content-Length") as info:
                await connect(url)
            assert info.value.status == 403 and info.value.header == "Content-Length"
            assert "is not a number" in str(info.value) or "digits" in str(info.value)
        finally:
            server.close()
    run(main())


def test_a_server_that_is_not_http_is_a_handshake_error_at_once():
    async def main():
        async def handle(reader, writer):
            writer.write(b"SSH-2.0-OpenSSH_9.6\r\n")  # and then silence, never a blank line
            await writer.drain()
            await reader.read()

        server, url = await raw_server(handle)
        try:
            with pytest.raises(HandshakeError, match="cannot start an HTTP response"):
                await connect(url, open_timeout=30)
        finally:
            server.close()
    run(asyncio.wait_for(main(), 10), timeout=15)
