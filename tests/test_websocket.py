"""Tests for wslib.websocket: how the asyncio WebSocket uses its Connection (issue 11).

One reader at a time, the close reason echoed end to end, and a protocol error that waits until
the application has taken the messages before it. Servers on 127.0.0.1, port 0.
"""

from __future__ import annotations

import asyncio

import pytest

import wslib
from wslib.errors import ConcurrencyError, ConnectionClosedError, UsageError
from wslib.frames import Frame, Opcode, decode_close, encode_frame
from wslib.reader import FrameReader

pytestmark = pytest.mark.timeout(60)

KEY = "dGhlIHNhbXBsZSBub25jZQ=="
MASK = b"\x01\x02\x03\x04"


def run(coro, timeout: float = 20):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def echo(ws) -> None:
    async for message in ws:
        await ws.send(message)


async def raw_websocket(port: int):
    """A raw TCP client past the opening handshake: (reader, writer, bytes after the head)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade"
                 f"\r\nSec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101")
    return reader, writer


async def read_frames(reader) -> list[Frame]:
    """Every frame until the server closes TCP (5 s at most)."""
    data = b""
    while chunk := await asyncio.wait_for(reader.read(1 << 16), 5):
        data += chunk
    return FrameReader(expect_mask=False).feed(data)


def to_server(opcode: int, payload: bytes = b"", fin: bool = True) -> bytes:
    return encode_frame(Frame(opcode, payload, fin, mask=MASK), check=False)


def test_two_concurrent_recv_is_a_clear_error():
    # Regression: both waited, and which one got the next message was left to chance.
    async def main():
        async with wslib.serve(echo) as server, wslib.connect(server.url) as ws:
            first = asyncio.ensure_future(ws.recv())
            await asyncio.sleep(0)  # the first recv() is now waiting
            with pytest.raises(ConcurrencyError, match="already waiting") as info:
                await ws.recv()
            assert isinstance(info.value, UsageError) and isinstance(info.value, RuntimeError)
            await ws.send("for the first")
            assert await first == "for the first"  # the first caller is not disturbed
            await ws.send("next")
            assert await ws.recv() == "next"  # and recv() works again once it is alone
    run(main())


def test_async_for_in_two_tasks_is_the_same_error():
    async def main():
        async with wslib.serve(echo) as server, wslib.connect(server.url) as ws:
            async def consume():
                return [m async for m in ws]

            task = asyncio.ensure_future(consume())
            await asyncio.sleep(0)
            with pytest.raises(ConcurrencyError):
                await anext(aiter(ws))
            await ws.close()
            assert await task == []
    run(main())


def test_peer_close_code_and_reason_are_echoed_end_to_end():
    seen = {}

    async def handler(ws):
        with pytest.raises(ConnectionClosedError):  # 4001 is not a normal close
            await ws.recv()
        seen["server"] = (ws.close_code, ws.close_reason)

    async def main():
        async with wslib.serve(handler) as server:
            ws = await wslib.connect(server.url)
            await ws.close(4001, "done")
            # What the client saw is the server's answer: the same code AND reason.
            assert (ws.close_code, ws.close_reason) == (4001, "done")
            for _ in range(100):
                if "server" in seen:
                    break
                await asyncio.sleep(0.05)
        assert seen["server"] == (4001, "done")
    run(main())


def test_echo_of_a_message_goes_out_before_the_close_frame():
    # Regression: a valid message and a bad frame in the same TCP read failed the connection in
    # the same call, and the echo of the message was refused.
    async def main():
        async with wslib.serve(echo) as server:
            reader, writer = await raw_websocket(server.port)
            writer.write(to_server(Opcode.TEXT, b"first") + to_server(Opcode.TEXT, b"second")
                         + to_server(0x5))
            frames = await read_frames(reader)
            writer.close()
        assert [(f.opcode, f.payload) for f in frames[:2]] == [(Opcode.TEXT, b"first"),
                                                               (Opcode.TEXT, b"second")]
        assert len(frames) == 3 and frames[2].opcode == Opcode.CLOSE
        assert decode_close(frames[2].payload)[0] == 1002
    run(main())


def test_a_handler_that_stops_reading_still_gets_the_failure_in_time():
    # The failure waits for the application, but not forever: close_timeout at most.
    got = []

    async def slow(ws):
        got.append(await ws.recv())
        await asyncio.sleep(30)  # does not read again

    async def main():
        async with wslib.serve(slow, close_timeout=0.5) as server:
            reader, writer = await raw_websocket(server.port)
            writer.write(to_server(Opcode.TEXT, b"hi") + to_server(Opcode.CONT, b"x"))
            frames = await read_frames(reader)
            writer.close()
        assert got == ["hi"]
        assert [f.opcode for f in frames] == [Opcode.CLOSE]
        assert decode_close(frames[0].payload)[0] == 1002
    run(main())


def test_protocol_error_without_messages_fails_at_once():
    async def main():
        async with wslib.serve(echo) as server:
            reader, writer = await raw_websocket(server.port)
            writer.write(to_server(Opcode.PING, b"p") + to_server(Opcode.TEXT, b"x", fin=False)
                         + to_server(Opcode.TEXT, b"y"))
            frames = await read_frames(reader)
            writer.close()
        assert [f.opcode for f in frames] == [Opcode.PONG, Opcode.CLOSE]
    run(main())


def test_client_sees_the_error_code_after_its_messages():
    async def main():
        # wslib's server breaks a rule right after two messages
        async def breaker(ws):
            await ws.send("one")
            ws.connection.send_frame(Frame(Opcode.TEXT, b"two"))
            await ws.flush()
            ws.transport.write(b"\x85\x00")  # reserved opcode 5, likely in the same TCP read

            await ws.wait_closed()

        async with wslib.serve(breaker) as server, wslib.connect(server.url) as ws:
            assert await ws.recv() == "one"
            assert await ws.recv() == "two"
            with pytest.raises(ConnectionClosedError) as info:
                await ws.recv()
            assert info.value.sent_code == 1002
    run(main())


def test_a_cancelled_recv_loses_nothing_and_the_next_recv_works():
    async def main():
        async with wslib.serve(echo) as server, wslib.connect(server.url) as ws:
            waiting = asyncio.ensure_future(ws.recv())
            await asyncio.sleep(0.05)  # recv() is waiting now
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            await ws.send("after the cancel")
            assert await asyncio.wait_for(ws.recv(), 5) == "after the cancel"
            await ws.send("and again")
            assert [m async for m in _take(ws, 1)] == ["and again"]
    run(main())


async def _take(ws, n):
    async for message in ws:
        yield message
        n -= 1
        if n == 0:
            return
