"""The opening handshake (握手), RFC 6455 section 4, with no I/O.

The client sends an HTTP/1.1 GET with ``Upgrade: websocket``; the server proves it understood by
answering ``101 Switching Protocols`` with ``Sec-WebSocket-Accept`` set to
``base64(SHA-1(key + GUID))``. After that, both sides speak frames on the same TCP connection.

Client side: :func:`generate_key`, :func:`build_request`, then :func:`check_response` on the answer.
Server side: :func:`check_request` (which raises :class:`HandshakeError` with the HTTP status to
answer), then :func:`build_response`, or :func:`reject` for a refusal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import random
from dataclasses import dataclass, field

from .errors import HandshakeError, UsageError
from .http import (Headers, Request, Response, check_field, check_host, check_target,
                   request_body_length)

__all__ = [
    "GUID",
    "generate_key",
    "accept_key",
    "parse_header_list",
    "parse_extensions",
    "build_request",
    "check_request",
    "build_response",
    "reject",
    "check_response",
    "select_subprotocol",
    "ClientHandshake",
]

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # section 1.3: fixed by the RFC, the same everywhere


def generate_key(rng: random.Random | None = None) -> str:
    """A fresh ``Sec-WebSocket-Key``: base64 of 16 random bytes (section 4.1).

    Pass ``random.Random(seed)`` to get the same key every run (lessons, tests); the default uses
    the operating system's randomness, as a real client must.
    """
    raw = rng.randbytes(16) if rng is not None else os.urandom(16)
    return base64.b64encode(raw).decode("ascii")


def accept_key(key: str) -> str:
    """``Sec-WebSocket-Accept`` for ``key``: base64(SHA-1(key + GUID)) (section 4.2.2, step 5.4)."""
    digest = hashlib.sha1((key + GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def parse_header_list(value: str | None) -> list[str]:
    """Split a comma-separated header value into its elements, trimmed, empty ones dropped.

    ``"keep-alive, Upgrade"`` gives ``["keep-alive", "Upgrade"]`` (RFC 9110 section 5.6.1).
    """
    if not value:
        return []
    return [item.strip(" \t") for item in value.split(",") if item.strip(" \t")]


def parse_extensions(value: str | None) -> list[tuple[str, dict[str, str | None]]]:
    """Parse ``Sec-WebSocket-Extensions`` into ``[(name, {param: value or None}), ...]``.

    ``"permessage-deflate; client_max_window_bits"`` gives
    ``[("permessage-deflate", {"client_max_window_bits": None})]`` (section 9.1).
    """
    result = []
    for item in parse_header_list(value):
        name, *params = (p.strip(" \t") for p in item.split(";"))
        parsed: dict[str, str | None] = {}
        for param in params:
            if not param:
                continue
            key, eq, val = param.partition("=")
            parsed[key.strip(" \t")] = val.strip(" \t").strip('"') if eq else None
        result.append((name, parsed))
    return result


def _has_token(headers: Headers, name: str, token: str) -> bool:
    return any(item.lower() == token for item in parse_header_list(headers.get(name)))


@dataclass
class ClientHandshake:
    """What the server learned from a valid upgrade request."""

    key: str
    path: str
    origin: str | None = None
    subprotocols: list[str] = field(default_factory=list)
    extensions: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)


def build_request(
    host: str,
    path: str = "/",
    *,
    key: str | None = None,
    origin: str | None = None,
    subprotocols: list[str] | tuple[str, ...] = (),
    extensions: list[str] | tuple[str, ...] = (),
    headers: list[tuple[str, str]] | tuple[tuple[str, str], ...] = (),
) -> Request:
    """The client's upgrade request (section 4.1). ``host`` is ``"name:port"`` as in the URL.

    ``key`` defaults to a fresh :func:`generate_key`; pass one to make the bytes reproducible.
    ``request.to_bytes()`` gives what goes on the wire.

    Raises :class:`~wslib.errors.UsageError` for what must not be sent: a ``path`` with spaces
    or control characters, a header name that is not a token, a header value with CR or LF
    (which would inject a header of its own), a ``host`` that is not host[:port].
    """
    check_target(path)
    h = Headers([
        ("Host", host),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", key if key is not None else generate_key()),
        ("Sec-WebSocket-Version", "13"),
    ])
    if origin is not None:
        h.add("Origin", origin)
    if subprotocols:
        h.add("Sec-WebSocket-Protocol", ", ".join(subprotocols))
    if extensions:
        h.add("Sec-WebSocket-Extensions", ", ".join(extensions))
    for name, value in headers:
        h.add(name, value)
    for name, value in h:
        check_field(name, value)
    request = Request("GET", path, h)
    try:
        check_host(request)
    except HandshakeError as exc:
        raise UsageError(f"host {host!r}: {exc}") from None
    return request


def _check_key(key: str | None) -> str:
    if key is None:
        raise HandshakeError("missing Sec-WebSocket-Key header (RFC 6455 section 4.2.1, item 5)",
                             status=400, header="Sec-WebSocket-Key")
    key = key.strip()
    try:
        raw = base64.b64decode(key.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raw = None
    if raw is None or len(raw) != 16:
        what = "not valid base64" if raw is None else f"base64 of {len(raw)} bytes"
        raise HandshakeError(f"Sec-WebSocket-Key {key!r} is {what}; it must be base64 of exactly "
                             "16 bytes (RFC 6455 section 4.2.1, item 5)",
                             status=400, header="Sec-WebSocket-Key")
    return key


def check_request(request: Request, *, origins: list[str] | tuple[str, ...] | None = None) -> ClientHandshake:
    """Validate a client's upgrade request (section 4.2.1) and return what it asked for.

    ``origins``: when given, the ``Origin`` header must be one of them (403 otherwise); a
    ``None`` in the list accepts a request without ``Origin`` (not from a browser). Raises
    :class:`HandshakeError` whose ``status`` is the HTTP status to answer with: 400 for a
    malformed request, 403 for a refused Origin, 426 (with ``Sec-WebSocket-Version: 13``) for a
    version other than 13.
    """
    if request.method != "GET":
        raise HandshakeError(f"method is {request.method}; the upgrade request must be GET "
                             "(RFC 6455 section 4.2.1, item 1)", status=405,
                             headers=[("Allow", "GET")])
    if request.version != "HTTP/1.1":
        raise HandshakeError(f"HTTP version is {request.version}; the upgrade needs HTTP/1.1 "
                             "(RFC 6455 section 4.2.1, item 1)", status=400)
    h = request.headers
    check_host(request)  # exactly one, and valid (RFC 9112 section 3.2)
    if not h.get("Host"):
        raise HandshakeError("missing Host header (RFC 6455 section 4.2.1, item 2)",
                             status=400, header="Host")
    if request_body_length(request) != 0:  # raises for a length that cannot be known
        raise HandshakeError("the upgrade request carries a body (Content-Length or "
                             "Transfer-Encoding); a WebSocket upgrade is a GET without one, and "
                             "the bytes after its head are WebSocket frames "
                             "(RFC 6455 section 4.1; RFC 9110 section 9.3.1)", status=400,
                             header="Content-Length")
    if not _has_token(h, "Upgrade", "websocket"):
        raise HandshakeError(f"Upgrade header is {h.get('Upgrade')!r}; it must include the token "
                             "'websocket' (RFC 6455 section 4.2.1, item 3)", status=400, header="Upgrade")
    if not _has_token(h, "Connection", "upgrade"):
        raise HandshakeError(f"Connection header is {h.get('Connection')!r}; it must include the "
                             "token 'Upgrade' (RFC 6455 section 4.2.1, item 4)",
                             status=400, header="Connection")
    key = _check_key(h.get("Sec-WebSocket-Key"))
    version = h.get("Sec-WebSocket-Version")
    if version is None or version.strip() != "13":
        said = "missing" if version is None else f"{version!r}"
        raise HandshakeError(f"Sec-WebSocket-Version is {said}; this server speaks version 13 "
                             "(RFC 6455 section 4.2.1 item 6, and 4.4)", status=426,
                             header="Sec-WebSocket-Version",
                             headers=[("Sec-WebSocket-Version", "13"), ("Upgrade", "websocket")])
    origin = h.get("Origin")
    if origins is not None and origin not in origins:
        said = "missing Origin header" if origin is None else f"Origin {origin!r} is not allowed"
        accepted = ", ".join("no Origin header" if o is None else repr(o) for o in origins)
        raise HandshakeError(f"{said}; this endpoint accepts {accepted} "
                             "(RFC 6455 section 4.2.2, item 4 and section 10.2)",
                             status=403, header="Origin")
    return ClientHandshake(
        key=key,
        path=request.path,
        origin=origin,
        subprotocols=parse_header_list(h.get("Sec-WebSocket-Protocol")),
        extensions=parse_extensions(h.get("Sec-WebSocket-Extensions")),
    )


def build_response(
    key: str,
    *,
    subprotocol: str | None = None,
    headers: list[tuple[str, str]] | tuple[tuple[str, str], ...] = (),
) -> Response:
    """The server's ``101 Switching Protocols`` for a request with ``Sec-WebSocket-Key: key``."""
    h = Headers([
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Accept", accept_key(key)),
    ])
    if subprotocol is not None:
        h.add("Sec-WebSocket-Protocol", subprotocol)
    for name, value in headers:
        h.add(name, value)
    return Response(101, h)


def reject(error: HandshakeError | int, message: str | None = None) -> Response:
    """A plain-text HTTP refusal for a failed handshake: the status, its headers, and why."""
    if isinstance(error, HandshakeError):
        status, extra, text = error.status, error.headers, message or str(error)
    else:
        status, extra, text = error, [], message or ""
    body = (text + "\n").encode("utf-8")
    # A response that names a protocol in Upgrade (a 426) also lists "Upgrade" in Connection
    # (RFC 9110 section 7.8); the connection is closed after a refusal either way.
    upgrade = any(name.lower() == "upgrade" for name, _ in extra)
    h = Headers([("Content-Type", "text/plain; charset=utf-8"),
                 ("Content-Length", str(len(body))),
                 ("Connection", "Upgrade, close" if upgrade else "close")])
    for name, value in extra:
        h.add(name, value)
    return Response(status, h, body=body)


def check_response(
    response: Response,
    key: str,
    *,
    subprotocols: list[str] | tuple[str, ...] = (),
) -> str | None:
    """Validate the server's answer (section 4.1, "the client MUST validate") and return the
    subprotocol it chose, or ``None``. Raises :class:`HandshakeError` with ``status`` set to the
    status the server answered with.
    """
    status = response.status
    if status != 101:
        body = response.body.decode("utf-8", "replace").strip()
        detail = f": {body[:200]}" if body else ""
        raise HandshakeError(f"server answered {status} {response.reason} instead of 101 "
                             f"Switching Protocols{detail}", status=status)
    h = response.headers
    upgrade = h.get("Upgrade")
    # The server answers with the one protocol it switches to: the value is "websocket"
    # (any case) and nothing else; "h2c, websocket" is not an answer (section 4.1, item 2).
    if upgrade is None or upgrade.strip(" \t").lower() != "websocket":
        raise HandshakeError(f"Upgrade header in the response is {upgrade!r}, not "
                             "'websocket' (RFC 6455 section 4.1, item 2 of the checks: the "
                             "value must be 'websocket', in any case, and only that)",
                             status=status, header="Upgrade")
    if not _has_token(h, "Connection", "upgrade"):
        raise HandshakeError(f"Connection header in the response is {h.get('Connection')!r}, "
                             "not 'Upgrade' (RFC 6455 section 4.1, item 3 of the checks)",
                             status=status, header="Connection")
    expected = accept_key(key)
    got = h.get("Sec-WebSocket-Accept")
    if got is None or got.strip() != expected:
        raise HandshakeError(f"Sec-WebSocket-Accept is {got!r}, expected {expected!r} "
                             "(RFC 6455 section 4.1, item 4 of the checks)",
                             status=status, header="Sec-WebSocket-Accept")
    if h.get("Sec-WebSocket-Extensions"):
        raise HandshakeError(f"server enabled extensions {h.get('Sec-WebSocket-Extensions')!r} "
                             "that the client did not offer (RFC 6455 section 4.1, item 5)",
                             status=status, header="Sec-WebSocket-Extensions")
    chosen = h.get("Sec-WebSocket-Protocol")
    if chosen is not None:
        chosen = chosen.strip()
        if chosen not in subprotocols:
            raise HandshakeError(f"server chose subprotocol {chosen!r}, which the client did not "
                                 "offer (RFC 6455 section 4.1, item 6)", status=status,
                                 header="Sec-WebSocket-Protocol")
    return chosen


def select_subprotocol(offered: list[str], supported: list[str] | tuple[str, ...]) -> str | None:
    """The server's choice (section 4.2.2): the first of its own supported subprotocols that the
    client offered, or ``None`` (then the response carries no Sec-WebSocket-Protocol)."""
    for proto in supported:
        if proto in offered:
            return proto
    return None
