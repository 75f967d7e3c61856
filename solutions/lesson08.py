"""Reference solutions for lesson 08 (a server from scratch)."""

from __future__ import annotations

import asyncio

import wslib
from wslib import handshake
from wslib.http import Request, Response

ORIGINS = ["http://localhost:8888"]
SUBPROTOCOLS = ["echo-protocol"]


def upgrade(request: Request) -> Response:
    """Exercise 8.1: validate the request, then build the 101, or the refusal."""
    try:
        hello = handshake.check_request(request, origins=ORIGINS)
    except wslib.HandshakeError as error:
        return handshake.reject(error)
    chosen = handshake.select_subprotocol(hello.subprotocols, SUBPROTOCOLS)
    return handshake.build_response(hello.key, subprotocol=chosen)


async def broadcast(clients: list, message: str, timeout: float) -> set:
    """Exercise 8.2: every send at the same time, each with its own time limit."""
    results = await asyncio.gather(
        *(asyncio.wait_for(client.send(message), timeout) for client in clients),
        return_exceptions=True)
    return {client for client, result in zip(clients, results) if isinstance(result, BaseException)}
