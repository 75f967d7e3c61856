"""Reference solutions for lesson 02, the opening handshake (握手).

Same function names as the exercise cells in notebooks/02_opening_handshake.ipynb. Each one is
checked by wslib.exercises.lesson02 in tests/test_exercises_lesson02.py.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


# Exercise 2.1
def accept_key(key: str) -> str:
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID))."""
    ### BEGIN SOLUTION
    digest = hashlib.sha1((key + GUID).encode("ascii")).digest()  # 20 raw bytes, not hex
    return base64.b64encode(digest).decode("ascii")
    ### END SOLUTION


# Exercise 2.2
def _tokens(value: str | None) -> list[str]:
    """The comma-separated items of a header value, trimmed and lower-cased."""
    if value is None:
        return []
    return [item.strip().lower() for item in value.split(",") if item.strip()]


def handshake_status(headers: dict[str, str], origins: list[str] | None = None) -> int:
    """The HTTP status a server answers to an upgrade request with these headers."""
    ### BEGIN SOLUTION
    h = {name.lower(): value for name, value in headers.items()}  # names are case-insensitive
    if not h.get("host"):
        return 400
    if "websocket" not in _tokens(h.get("upgrade")):
        return 400
    if "upgrade" not in _tokens(h.get("connection")):
        return 400
    key = h.get("sec-websocket-key")
    if key is None:
        return 400
    try:
        if len(base64.b64decode(key.strip(), validate=True)) != 16:
            return 400
    except (binascii.Error, ValueError):
        return 400
    version = h.get("sec-websocket-version")
    if version is None or version.strip() != "13":
        return 426
    if origins is not None and h.get("origin") not in origins:
        return 403
    return 101
    ### END SOLUTION


# Exercise 2.3
def parse_response(data: bytes) -> tuple[int, dict[str, str]]:
    """(status, headers) of an HTTP response head; header names lower-cased."""
    ### BEGIN SOLUTION
    head = data.split(b"\r\n\r\n", 1)[0]  # the body (or the first frames) comes after
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")  # only the first colon: values may contain ':'
        headers[name.strip().lower()] = value.strip()
    return status, headers
    ### END SOLUTION
