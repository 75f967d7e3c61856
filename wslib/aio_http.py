"""Reading HTTP off an asyncio stream: the one piece of I/O both clients share.

:func:`wslib.connect` (the WebSocket client) and :func:`wslib.eventstream.events` (the SSE
client) both send a request and then read the response head, and, when the server refuses,
the start of its body (it says why); the rules for the head itself (limits, syntax, numbers)
live in the sans-I/O :mod:`wslib.http`.
"""

from __future__ import annotations

import asyncio

from .http import HeadReader, Response, parse_digits, response_from_head

__all__ = ["read_response_head", "read_error_body"]


async def read_response_head(reader: asyncio.StreamReader) -> tuple[Response, bytes] | None:
    """Read one response head from ``reader``.

    Returns the :class:`~wslib.http.Response` (without its body) and the bytes that came after
    the head in the same reads (the start of the body, or the first WebSocket frames), or
    ``None`` when the server closed the connection before the head was complete. A malformed
    head raises :class:`~wslib.errors.HTTPHeadError`.
    """
    head = HeadReader(kind="response")
    result = None
    while result is None:
        data = await reader.read(1 << 16)
        if not data:
            return None
        result = head.feed(data)
    return response_from_head(*result), head.rest


async def read_error_body(response: Response, rest: bytes, reader: asyncio.StreamReader,
                          limit: int, *, until_close: bool = True) -> bytes:
    """At most ``limit`` bytes of a refusal's body (it says why the server refused).

    ``Content-Length`` says how long it is. Without it, the body lasts until the server
    closes the connection; with ``until_close`` it is read that far (up to ``limit``) when
    the server said ``Connection: close``; otherwise only what already came (``rest``) is
    kept, since the end might never come. A ``Content-Length`` that is not a number raises
    :class:`~wslib.errors.HTTPHeadError` naming it.
    """
    length = response.headers.get("Content-Length")
    if length is not None:
        want = min(parse_digits(length, "Content-Length of the response", header="Content-Length",
                                rule="1*DIGIT, RFC 9110 section 8.6"), limit)
    elif until_close and "close" in (response.headers.get("Connection") or "").lower():
        want = limit
    else:
        return rest[:limit]  # no way to know where the body ends: keep what came
    body = bytearray(rest)
    while len(body) < want:
        data = await reader.read(want - len(body))
        if not data:
            break
        body += data
    return bytes(body[:want])
