"""wslib's asyncio layer against websockets' asyncio implementation, in both directions:

* a websockets client talking to a wslib server;
* a wslib client talking to a websockets server.

Messages of every kind (text, binary, empty, 1 MiB, fragmented), ping / pong, closing from
either side with a code and a reason, subprotocols, refused Origins and refused handshakes.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.asyncio.server import serve as ws_serve
from websockets.exceptions import ConnectionClosedError as WsClosedError
from websockets.exceptions import ConnectionClosedOK as WsClosedOK
from websockets.exceptions import InvalidStatus

from wslib.client import connect
from wslib.errors import ConnectionClosed, ConnectionClosedError, HandshakeError
from wslib.server import serve

pytestmark = [pytest.mark.interop, pytest.mark.timeout(60)]

MESSAGES = ["hello", "héllo ☃", "", b"\x00\x01\xfe\xff", b"", "t" * (1 << 20), b"b" * (1 << 20)]
IDS = ["text", "utf8", "empty-text", "binary", "empty-binary", "1MiB-text", "1MiB-binary"]


def run(coro, timeout: float = 10):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def echo(ws) -> None:  # works with both libraries' connection objects
    async for message in ws:
        await ws.send(message)


def ws_port(server) -> int:
    return server.sockets[0].getsockname()[1]


# ================================================================ websockets client, wslib server

@pytest.mark.parametrize("message", MESSAGES, ids=IDS)
def test_websockets_client_echo(message):
    async def main():
        async with serve(echo) as server:
            async with ws_connect(server.url, compression=None) as ws:
                await ws.send(message)
                reply = await ws.recv()
                assert type(reply) is type(message) and reply == message
    run(main())


def test_websockets_client_offering_compression_is_declined():
    async def main():
        async with serve(echo) as server:
            async with ws_connect(server.url) as ws:  # offers permessage-deflate by default
                assert ws.response.headers.get("Sec-WebSocket-Extensions") is None
                await ws.send("uncompressed " * 100)
                assert await ws.recv() == "uncompressed " * 100
    run(main())


def test_websockets_client_fragmented_messages():
    async def main():
        async def fragments_back(ws):
            message = await ws.recv()
            await ws.send(message)
            await ws.send("ünïcode fragments " * 200, fragment_size=5)

        async with serve(fragments_back) as server:
            async with ws_connect(server.url, compression=None) as ws:
                await ws.send(["frag", "ment", "ed ☃"])  # an iterable: one frame per item
                assert await ws.recv() == "fragmented ☃"
                assert await ws.recv() == "ünïcode fragments " * 200
    run(main())


def test_websockets_client_ping_and_server_ping():
    async def main():
        rtt = asyncio.get_running_loop().create_future()

        async def pinger(ws):
            rtt.set_result(await ws.ping(b"from wslib"))
            await ws.recv()

        async with serve(pinger) as server:
            async with ws_connect(server.url, compression=None) as ws:
                pong = await ws.ping(b"from websockets")
                latency = await asyncio.wait_for(pong, 5)
                assert latency >= 0
                assert isinstance(await asyncio.wait_for(rtt, 5), float)
                await ws.send("done")
    run(main())


@pytest.mark.parametrize("code, reason", [(1000, "bye"), (4000, "custom"), (1001, "")])
def test_websockets_client_closes(code, reason):
    async def main():
        seen = asyncio.get_running_loop().create_future()

        async def handler(ws):
            try:
                await ws.recv()
            except ConnectionClosed as exc:
                seen.set_result((exc.code, exc.reason))

        async with serve(handler) as server:
            async with ws_connect(server.url, compression=None) as ws:
                await ws.close(code, reason)
            assert await asyncio.wait_for(seen, 5) == (code, reason)
            # the wslib server echoed the code and the reason (as a browser's CloseEvent shows)
            assert (ws.close_code, ws.close_reason) == (code, reason)
    run(main())


@pytest.mark.parametrize("code, reason", [(1000, "bye"), (4000, "custom")])
def test_wslib_server_closes_websockets_client(code, reason):
    async def main():
        async def handler(ws):
            await ws.close(code, reason)

        async with serve(handler) as server:
            async with ws_connect(server.url, compression=None) as ws:
                expected = WsClosedOK if code == 1000 else WsClosedError
                with pytest.raises(expected) as info:
                    await ws.recv()
                assert (info.value.rcvd.code, info.value.rcvd.reason) == (code, reason)
    run(main())


def test_wslib_server_shutdown_is_1001_for_websockets_client():
    async def main():
        server = await serve(echo)
        async with ws_connect(server.url, compression=None) as ws:
            await server.close()
            with pytest.raises(WsClosedOK) as info:
                await ws.recv()
            assert info.value.rcvd.code == 1001
    run(main())


def test_websockets_client_subprotocol():
    async def main():
        async with serve(echo, subprotocols=["v2.chat", "v1.chat"]) as server:
            async with ws_connect(server.url, subprotocols=["v1.chat", "v2.chat"],
                                  compression=None) as ws:
                assert ws.subprotocol == "v2.chat"
            async with ws_connect(server.url, subprotocols=["mqtt"], compression=None) as ws:
                assert ws.subprotocol is None
    run(main())


def test_websockets_client_refused_origin_is_403():
    async def main():
        async with serve(echo, origins=["https://good.example"]) as server:
            with pytest.raises(InvalidStatus) as info:
                async with ws_connect(server.url, origin="https://evil.example"):
                    pass
            assert info.value.response.status_code == 403
            assert b"Origin" in info.value.response.body
            async with ws_connect(server.url, origin="https://good.example") as ws:
                await ws.send("welcome")
                assert await ws.recv() == "welcome"
    run(main())


# ================================================================ wslib client, websockets server

@pytest.mark.parametrize("message", MESSAGES, ids=IDS)
def test_wslib_client_echo(message):
    async def main():
        async with ws_serve(echo, "127.0.0.1", 0, compression=None) as server:
            async with connect(f"ws://127.0.0.1:{ws_port(server)}/") as ws:
                await ws.send(message)
                reply = await ws.recv()
                assert type(reply) is type(message) and reply == message
    run(main())


def test_wslib_client_fragmented_messages():
    async def main():
        async def handler(ws):
            message = await ws.recv()  # sent by wslib in 3-byte fragments
            await ws.send(message)
            await ws.send(["one ", "two ", "three"])  # websockets sends one frame per item
            await ws.send([b"\x00", b"\x01"])

        async with ws_serve(handler, "127.0.0.1", 0, compression=None) as server:
            async with connect(f"ws://127.0.0.1:{ws_port(server)}/") as ws:
                await ws.send("snowman ☃ in fragments", fragment_size=3)
                assert await ws.recv() == "snowman ☃ in fragments"
                assert await ws.recv() == "one two three"
                assert await ws.recv() == b"\x00\x01"
    run(main())


def test_wslib_client_ping_and_server_ping():
    async def main():
        latency = asyncio.get_running_loop().create_future()

        async def handler(ws):
            pong = await ws.ping(b"from websockets")
            latency.set_result(await pong)
            await ws.recv()

        async with ws_serve(handler, "127.0.0.1", 0, compression=None) as server:
            async with connect(f"ws://127.0.0.1:{ws_port(server)}/") as ws:
                recv = asyncio.ensure_future(ws.recv())  # keeps reading while we wait
                assert isinstance(await ws.ping(b"from wslib"), float)
                assert await asyncio.wait_for(latency, 5) >= 0
                await ws.send("done")
                await ws.close()
                with pytest.raises(ConnectionClosed):
                    await recv
    run(main())


@pytest.mark.parametrize("code, reason", [(1000, "bye"), (4000, "custom"), (1001, "")])
def test_wslib_client_closes(code, reason):
    async def main():
        seen = asyncio.get_running_loop().create_future()

        async def handler(ws):
            try:
                await ws.recv()
            except (WsClosedOK, WsClosedError):
                seen.set_result((ws.close_code, ws.close_reason))

        async with ws_serve(handler, "127.0.0.1", 0, compression=None) as server:
            ws = await connect(f"ws://127.0.0.1:{ws_port(server)}/")
            await ws.close(code, reason)
            assert await asyncio.wait_for(seen, 5) == (code, reason)
            assert ws.ready_state == 3
            assert ws.close_code == code
    run(main())


@pytest.mark.parametrize("code, reason", [(1000, "bye"), (4000, "custom")])
def test_websockets_server_closes_wslib_client(code, reason):
    async def main():
        async def handler(ws):
            await ws.close(code, reason)

        async with ws_serve(handler, "127.0.0.1", 0, compression=None) as server:
            ws = await connect(f"ws://127.0.0.1:{ws_port(server)}/")
            with pytest.raises(ConnectionClosed) as info:
                await ws.recv()
            assert (info.value.code, info.value.reason) == (code, reason)
            assert isinstance(info.value, ConnectionClosedError) == (code != 1000)
            await ws.wait_closed()
            assert (ws.close_code, ws.close_reason) == (code, reason)
    run(main())


def test_wslib_client_subprotocol():
    async def main():
        async with ws_serve(echo, "127.0.0.1", 0, subprotocols=["v2.chat", "v1.chat"],
                            compression=None) as server:
            url = f"ws://127.0.0.1:{ws_port(server)}/"
            async with connect(url, subprotocols=["v1.chat", "v2.chat"]) as ws:
                assert ws.subprotocol == "v2.chat"
            async with connect(url, subprotocols=["v1.chat"]) as ws:
                assert ws.subprotocol == "v1.chat"
            with pytest.raises(HandshakeError) as info:  # websockets refuses: no common protocol
                await connect(url, subprotocols=["mqtt"])
            assert info.value.status == 400
    run(main())


def test_wslib_client_refused_origin_is_403():
    async def main():
        async with ws_serve(echo, "127.0.0.1", 0, origins=["https://good.example"],
                            compression=None) as server:
            url = f"ws://127.0.0.1:{ws_port(server)}/"
            with pytest.raises(HandshakeError) as info:
                await connect(url, origin="https://evil.example")
            assert info.value.status == 403
            async with connect(url, origin="https://good.example") as ws:
                await ws.send("welcome")
                assert await ws.recv() == "welcome"
    run(main())


def test_wslib_client_refused_handshake_carries_status_and_text():
    async def main():
        def only_chat(connection, request):
            if request.path != "/chat":
                return connection.respond(HTTPStatus.NOT_FOUND, f"no room at {request.path}\n")
            return None

        async with ws_serve(echo, "127.0.0.1", 0, process_request=only_chat,
                            compression=None) as server:
            base = f"ws://127.0.0.1:{ws_port(server)}"
            with pytest.raises(HandshakeError) as info:
                await connect(base + "/lobby")
            assert info.value.status == 404
            assert "no room at /lobby" in str(info.value)
            async with connect(base + "/chat") as ws:
                await ws.send("in the room")
                assert await ws.recv() == "in the room"
    run(main())
