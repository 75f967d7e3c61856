"""Every error wslib raises, in one place.

All of them derive from :class:`WSError`, so ``except wslib.WSError`` catches anything the
library reports about bad input. The tree::

    WSError
    ├── HandshakeError        the HTTP upgrade failed (RFC 6455 section 4); .status is the HTTP
    │   │                     status a server answers with (400, 403, 426, 431, ...)
    │   └── HTTPHeadError     the HTTP head itself is malformed or over a limit
    ├── ProtocolError         a WebSocket rule was broken (RFC 6455 sections 5-7); .close_code is
    │   │                     the close code to send (1002 unless a subclass says otherwise)
    │   ├── InvalidPayload    text or a close reason that is not UTF-8: close code 1007
    │   └── MessageTooBig     a frame or message over the configured limit: close code 1009
    ├── ConnectionClosed      the connection is closed; .code and .reason say how
    │   ├── ConnectionClosedOK     closed with 1000 or 1001
    │   └── ConnectionClosedError  closed any other way
    ├── SSEError              an event stream could not be produced or consumed
    └── UsageError            wslib was called with an argument it cannot use (also a ValueError)
        └── ConcurrencyError  two tasks did at once what only one may do (also a RuntimeError)

Whose fault: a :class:`ProtocolError` is always the *peer's* (bytes it sent broke a rule) and
carries the close code that tells it so. The caller's own mistakes (a 126-byte ping, a close
code that may not be sent such as 1006, a reason over 123 bytes) are :class:`UsageError` and
send nothing. Sending on a connection that is closing or closed raises
:class:`ConnectionClosed`: in an asyncio program another task (or the peer) may have closed it
a moment ago, so it is a state to handle, not a bug. Any other exception, one raised by
application code included, is reported to the peer as 1011 (internal error):
:func:`close_code_for` is that mapping, in one place.

Each message says what was wrong and which rule it breaks, e.g.
``ProtocolError: PING frame payload is 126 bytes; control frames carry at most 125 (RFC 6455
section 5.5)``.
"""

from __future__ import annotations

__all__ = [
    "WSError",
    "HandshakeError",
    "HTTPHeadError",
    "ProtocolError",
    "InvalidPayload",
    "MessageTooBig",
    "ConnectionClosed",
    "ConnectionClosedOK",
    "ConnectionClosedError",
    "SSEError",
    "UsageError",
    "ConcurrencyError",
    "close_code_for",
]


class WSError(Exception):
    """Base class of every error raised by wslib."""


class HandshakeError(WSError):
    """The opening handshake failed.

    ``status`` is the HTTP status a server should answer with, ``header`` the header at fault
    (or ``None`` for the request line), ``headers`` extra response headers the answer must carry
    (``Sec-WebSocket-Version: 13`` with a 426). On the client side, ``status`` is the status the
    server answered with when there was one.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        header: str | None = None,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.header = header
        self.headers = list(headers or [])


class HTTPHeadError(HandshakeError):
    """The HTTP head is malformed, or longer than a limit allows."""


class ProtocolError(WSError):
    """A peer broke a rule of RFC 6455. ``close_code`` is what to send in the close frame."""

    default_close_code = 1002

    def __init__(self, message: str, *, close_code: int | None = None) -> None:
        super().__init__(message)
        self.close_code = self.default_close_code if close_code is None else close_code


class InvalidPayload(ProtocolError):
    """Data that must be UTF-8 is not (RFC 6455 sections 5.6 and 8.1): close code 1007."""

    default_close_code = 1007


class MessageTooBig(ProtocolError):
    """A frame or message is larger than the configured limit: close code 1009."""

    default_close_code = 1009


class ConnectionClosed(WSError):
    """Raised when sending or receiving on a closed connection.

    ``code`` and ``reason`` are what the peer sent (1005 "no status" when its close frame was
    empty, 1006 when the connection dropped without a close frame); ``sent_code`` is the code
    we sent, or ``None``.
    """

    def __init__(self, code: int, reason: str = "", *, sent_code: int | None = None) -> None:
        self.code = code
        self.reason = reason
        self.sent_code = sent_code
        text = f"connection closed with code {code}"
        if reason:
            text += f" ({reason})"
        super().__init__(text)

    @staticmethod
    def make(code: int, reason: str = "", *, sent_code: int | None = None) -> "ConnectionClosed":
        """Return a ConnectionClosedOK for a normal close (1000, 1001), else ConnectionClosedError."""
        cls = ConnectionClosedOK if code in (1000, 1001) else ConnectionClosedError
        return cls(code, reason, sent_code=sent_code)


class ConnectionClosedOK(ConnectionClosed):
    """The connection closed normally (1000 or 1001)."""


class ConnectionClosedError(ConnectionClosed):
    """The connection closed with an error code, or dropped without a closing handshake."""


class SSEError(WSError):
    """An event could not be encoded, or an event stream could not be consumed.

    ``status`` carries the HTTP status when a server answered with something other than a
    stream (204, 404, ...), else ``None``.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class UsageError(WSError, ValueError):
    """wslib was called with an argument it cannot use (a 3-byte mask, a negative size, ...)."""


class ConcurrencyError(UsageError, RuntimeError):
    """Two tasks did at once what only one may do, such as two ``recv()`` on one WebSocket
    (which of them should get the next message?)."""


def close_code_for(error: BaseException) -> int:
    """The close code that reports ``error`` to the peer: a :class:`ProtocolError`'s own code
    (1002, 1007, 1009, ...), else 1011 "internal error" (RFC 6455 section 7.4.1): a bug or a
    failure on our side, such as an exception from application code."""
    if isinstance(error, ProtocolError):
        return error.close_code
    return 1011
