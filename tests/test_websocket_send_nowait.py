"""WebSocket.send_nowait() and buffered_amount: sending to many peers without waiting for any
one of them (what a chat room's broadcast needs), and seeing how far behind a peer is."""

from __future__ import annotations

import asyncio
import socket

import pytest

import wslib
from wslib.errors import ConnectionClosed

pytestmark = pytest.mark.timeout(60)


async def stalled_client(port: int) -> socket.socket:
    """A raw client with a tiny receive buffer that completes the handshake, then never reads."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", port))
    await loop.sock_sendall(sock, (
        f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += await loop.sock_recv(sock, 1)  # byte by byte: read nothing past the head
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def test_send_nowait_never_waits_and_buffered_amount_grows_for_a_peer_that_does_not_read():
    async def main():
        opened = asyncio.get_running_loop().create_future()
        done = asyncio.Event()

        async def handler(ws):
            opened.set_result(ws)
            await done.wait()

        async with wslib.serve(handler) as server:
            sock = await stalled_client(server.port)
            ws = await opened
            assert ws.buffered_amount == 0
            chunk = "x" * 1000
            for _ in range(5000):  # 5 MB: far more than the socket buffers hold
                ws.send_nowait(chunk)  # a plain call: it cannot wait
            assert ws.buffered_amount > 1_000_000  # the rest waits in our buffer
            sock.close()
            done.set()
            await ws.wait_closed()
            with pytest.raises(ConnectionClosed):
                ws.send_nowait("too late")

    asyncio.run(main())


def test_send_nowait_delivers_in_order_with_send_and_types_are_checked():
    async def main():
        async def handler(ws):
            ws.send_nowait("one")
            ws.send_nowait(b"two")
            await ws.send("three")
            ws.send_nowait("four")
            with pytest.raises(TypeError, match="send_nowait\\(\\) takes str"):
                ws.send_nowait(5)
            await ws.recv()

        async with wslib.serve(handler) as server:
            async with wslib.connect(server.url) as client:
                got = [await client.recv() for _ in range(4)]
                assert got == ["one", b"two", "three", "four"]
                assert client.buffered_amount == 0
                await client.send("bye")

    asyncio.run(main())
