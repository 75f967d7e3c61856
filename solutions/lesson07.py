"""Reference solutions for lesson 07 (the closing handshake). Same names as the stubs in the
notebook."""

from __future__ import annotations

# Codes an endpoint may send (RFC 6455 section 7.4.1), and the IANA registry's 1012-1014.
SENDABLE = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014}


def code_allowed(code: int) -> bool:
    return code in SENDABLE or 3000 <= code <= 4999  # 3000-4999: section 7.4.2


def close_payload(code: int, reason: str = "") -> bytes:
    """Exercise 7.1: 2 bytes of code, big-endian, then the UTF-8 reason (section 5.5.1)."""
    if not code_allowed(code):
        raise ValueError(f"close code {code} may not be sent in a close frame")
    raw = reason.encode("utf-8")
    if len(raw) > 123:  # 125 bytes of control payload minus the 2-byte code
        raise ValueError(f"close reason is {len(raw)} bytes; the limit is 123")
    return code.to_bytes(2, "big") + raw


def parse_close(payload: bytes) -> tuple[int, str] | int:
    """Exercise 7.2: (code, reason), (1005, "") for no payload, or the close code to fail with."""
    if len(payload) == 0:
        return (1005, "")
    if len(payload) == 1 or len(payload) > 125:
        return 1002
    code = int.from_bytes(payload[:2], "big")
    if not code_allowed(code):
        return 1002
    try:
        return (code, payload[2:].decode("utf-8"))
    except UnicodeDecodeError:
        return 1007


SCENARIOS = {
    "A user leaves the chat: the page closes its WebSocket politely and the server answers.":
        (1000, "server"),
    "The server is shutting down for a deploy and closes every connection.": (1001, "server"),
    "A client sends a text message that is not valid UTF-8.": (1007, "server"),
    "A client sends a 5 MB message to a server whose limit is 1 MB.": (1009, "server"),
    "The server's handler raises an exception it does not catch.": (1011, "server"),
    "A server receives an unmasked frame from a client.": (1002, "server"),
    "A client receives a masked frame from the server.": (1002, "client"),
    "A chat server closes the connection of a user who keeps posting forbidden content.":
        (1008, "server"),
    "The browser tab crashes: its kernel closes the socket, and no close frame is ever sent. "
    "Which code does the server's application see?": (1006, "client"),
    "The server answers the client's close frame but never closes TCP; the client's close "
    "timeout runs out.": (1000, "client"),
}
