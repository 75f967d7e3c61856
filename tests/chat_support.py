"""Helpers for the chat room's tests: one client interface over wslib's and websockets' clients."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets
from websockets.asyncio.client import connect as ws_connect

import wslib
from wslib.errors import ConnectionClosed

KINDS = ("wslib", "websockets")  # the two real clients every protocol test runs with
TIMEOUT = 10.0  # longest wait for any one event: generous, the machine is shared


class Peer:
    """A chat client: ``send`` a dict (as JSON) or a raw str / bytes, ``recv`` the next event
    as a dict, ``closed()`` waits for the end and returns the close code the server sent."""

    def __init__(self, ws: Any, kind: str) -> None:
        self.ws = ws
        self.kind = kind

    @classmethod
    async def open(cls, url: str, kind: str = "wslib", **options: Any) -> "Peer":
        if kind == "wslib":
            return cls(await wslib.connect(url, **options), kind)
        return cls(await ws_connect(url, compression=None, **options), kind)

    async def send(self, message: Any) -> None:
        await self.ws.send(message if isinstance(message, (str, bytes)) else json.dumps(message))

    async def recv(self, timeout: float = TIMEOUT) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def join(self, name: str) -> dict:
        """Join; return the welcome (history and the users event are left to read)."""
        await self.send({"type": "join", "name": name})
        welcome = await self.recv()
        assert welcome["type"] == "welcome", welcome
        return welcome

    async def recv_until(self, kind: str, timeout: float = TIMEOUT) -> tuple[list[dict], dict]:
        """Events up to the first of type ``kind``: (the ones before it, it)."""
        before = []
        while True:
            event = await self.recv(timeout)
            if event["type"] == kind:
                return before, event
            before.append(event)

    async def error(self, message: Any) -> dict:
        """Send ``message``; the next event must be an error: return it."""
        await self.send(message)
        event = await self.recv()
        assert event["type"] == "error", event
        assert set(event) == {"type", "code", "message"}, event
        assert isinstance(event["message"], str) and event["message"], event
        return event

    async def closed(self, timeout: float = TIMEOUT) -> tuple[int, str]:
        """Read until the server closes; return its (code, reason)."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.ws.recv()
        except ConnectionClosed as exc:  # wslib
            return exc.code, exc.reason
        except websockets.ConnectionClosed as exc:
            assert exc.rcvd is not None, f"no close frame received: {exc}"
            return exc.rcvd.code, exc.rcvd.reason

    async def close(self) -> None:
        await self.ws.close()


async def joined(url: str, *names: str, kind: str = "wslib") -> list[Peer]:
    """Peers that joined under ``names``, one after the other, each having read its welcome and
    the users events up to the last join (so every peer's next event is a fresh one)."""
    peers = []
    for name in names:
        peer = await Peer.open(url, kind)
        await peer.join(name)
        peers.append(peer)
    for i, peer in enumerate(peers):
        # peer i sees one "users" event per join from its own on.
        for _ in range(len(peers) - i):
            event = await peer.recv()
            assert event["type"] == "users", event
    return peers
