"""The echo server: every message comes back unchanged, text as text and binary as binary.

The "hello world" of WebSockets, and the peer the lessons and benchmarks talk to::

    server = await wslib.serve(echo)        # a WebSocket on every path
    python -m wslib echo --port 8765        # the same from a terminal
"""

from __future__ import annotations

from ..websocket import WebSocket

__all__ = ["echo"]


async def echo(ws: WebSocket) -> None:
    """Send every message back; return when the client closes (the server then closes TCP)."""
    async for message in ws:
        await ws.send(message)
