"""Reading HTTP off an asyncio stream: the one piece of I/O both clients share.

:func:`wslib.connect` (the WebSocket client) and :func:`wslib.eventstream.events` (the SSE
client) both send a request and then read the response head; the rules for the head itself
(limits, syntax) live in the sans-I/O :class:`wslib.http.HeadReader`.
"""

from __future__ import annotations

import asyncio

from .http import HeadReader, Response, response_from_head

__all__ = ["read_response_head"]


async def read_response_head(reader: asyncio.StreamReader) -> tuple[Response, bytes] | None:
    """Read one response head from ``reader``.

    Returns the :class:`~wslib.http.Response` (without its body) and the bytes that came after
    the head in the same reads (the start of the body, or the first WebSocket frames), or
    ``None`` when the server closed the connection before the head was complete. A malformed
    head raises :class:`~wslib.errors.HTTPHeadError`.
    """
    head = HeadReader()
    result = None
    while result is None:
        data = await reader.read(1 << 16)
        if not data:
            return None
        result = head.feed(data)
    return response_from_head(*result), head.rest
