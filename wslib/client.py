"""The asyncio client: open TCP, do the opening handshake, hand back a WebSocket.

::

    async with wslib.connect("ws://127.0.0.1:8765/chat") as ws:
        await ws.send("hello")
        print(await ws.recv())

Only ``ws://`` URLs: TLS (``wss://``) is not part of this course's library; use the
``websockets`` package for it.
"""

from __future__ import annotations

import asyncio
from typing import Callable

from .aio_http import read_error_body, read_response_head
from .connection import Connection
from .errors import HandshakeError, HTTPHeadError
from .handshake import build_request, check_response
from .http import split_url
from .websocket import Opening, WebSocket

__all__ = ["connect"]

MAX_ERROR_BODY = 1 << 16  # how much of a refusal's body we read to explain the failure


def connect(
    url: str,
    *,
    subprotocols: list[str] | tuple[str, ...] = (),
    origin: str | None = None,
    headers: list[tuple[str, str]] | tuple[tuple[str, str], ...] = (),
    max_size: int | None = 1 << 20,
    open_timeout: float | None = 10.0,
    close_timeout: float = 5.0,
    ping_interval: float | None = None,
    ping_timeout: float | None = 20.0,
    mask_key: Callable[[], bytes] | None = None,
    key: str | None = None,
) -> Opening[WebSocket]:
    """Connect to a WebSocket server; ``await`` the result, or use it with ``async with``.

    ``subprotocols``: offered in ``Sec-WebSocket-Protocol``; the choice is ``ws.subprotocol``.
    ``origin``: sent as ``Origin`` (browsers always send one; servers may refuse it).
    ``headers``: extra request headers. ``max_size``: largest incoming message (else 1009).
    ``open_timeout``: seconds for TCP *and* the handshake together.
    ``close_timeout``, ``ping_interval``, ``ping_timeout``: see :class:`~wslib.websocket.WebSocket`.
    ``mask_key``: a function returning each frame's 4-byte mask, and ``key``: the
    ``Sec-WebSocket-Key``; both random by default, fixed in lessons to get the same bytes
    every run.

    Raises :class:`~wslib.errors.HandshakeError` when the server refuses (``.status`` is its
    HTTP status, and the message includes the body it sent, which says why), when the answer
    is not a valid 101, or when no answer came within ``open_timeout`` (``.status`` is then 0).
    Connection errors (``ConnectionRefusedError``: no server on that port) are raised as they are.
    A URL, header or subprotocol that cannot be sent as given (a path with spaces, a header
    value with CR LF, a port that is not a number) is a :class:`~wslib.errors.UsageError`,
    raised here, before anything is sent.
    """
    # The Host header is the URL's host[:port], as RFC 6455 section 4.1 says.
    host, port, path, host_header = split_url(url, "ws")
    request = build_request(host_header, path, key=key, origin=origin,
                            subprotocols=subprotocols, headers=headers)

    async def open() -> WebSocket:
        try:
            async with asyncio.timeout(open_timeout):
                reader, writer = await asyncio.open_connection(host, port)
                try:
                    return await _handshake(reader, writer)
                except BaseException:
                    writer.transport.abort()
                    raise
        except TimeoutError:
            raise HandshakeError(f"no answer to the opening handshake from {url} within "
                                 f"{open_timeout} s (open_timeout)", status=0) from None

    async def _handshake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> WebSocket:
        writer.write(request.to_bytes())
        answer = await read_response_head(reader)
        if answer is None:
            raise HandshakeError(f"{url}: the server closed the connection without answering "
                                 "the opening handshake", status=0)
        response, rest = answer
        if response.status != 101:  # read the body: it says why
            try:
                response.body = await read_error_body(response, rest, reader, MAX_ERROR_BODY)
            except HTTPHeadError as exc:
                raise HandshakeError(f"server answered {response.status} {response.reason}, "
                                     f"with a body we cannot read: {exc}",
                                     status=response.status, header=exc.header) from None
        subprotocol = check_response(response, request.headers["Sec-WebSocket-Key"],
                                     subprotocols=subprotocols)
        connection = Connection("client", max_message_size=max_size, mask_key=mask_key)
        # rest: frames the server sent right behind its 101, in the same packet.
        return await WebSocket.from_streams(
            connection, reader, writer, initial_data=rest, request=request,
            response=response, subprotocol=subprotocol, close_timeout=close_timeout,
            ping_interval=ping_interval, ping_timeout=ping_timeout)

    return Opening(open)
