"""Reference solutions for lesson 05 (fragmentation). Same names as the stubs in the notebook."""

from __future__ import annotations

import codecs

CONT, TEXT, BINARY = 0x0, 0x1, 0x2


def fragment(payload: bytes, size: int, opcode: int) -> list[tuple[bool, int, bytes]]:
    """Exercise 5.1: the fewest frames of at most `size` bytes (RFC 6455 section 5.4)."""
    ### BEGIN SOLUTION
    chunks = [payload[i:i + size] for i in range(0, len(payload), size)] or [b""]
    last = len(chunks) - 1
    return [(i == last, opcode if i == 0 else CONT, chunk) for i, chunk in enumerate(chunks)]
    ### END SOLUTION


def reassemble(frames: list[tuple[bool, int, bytes]]) -> list | int:
    """Exercise 5.2: the complete messages, or the close code of the first broken rule."""
    ### BEGIN SOLUTION
    messages: list = []
    opcode = None  # opcode of the message being assembled, None between messages
    parts: list[bytes] = []
    decoder = None
    for fin, op, payload in frames:
        if op >= 0x8:  # control frame: may come between fragments, must not be fragmented
            if not fin:
                return 1002
            continue
        if op == CONT:
            if opcode is None:
                return 1002  # continuation with no message started
        else:
            if opcode is not None:
                return 1002  # a new message inside a fragmented one
            opcode, parts = op, []
            decoder = codecs.getincrementaldecoder("utf-8")() if op == TEXT else None
        if decoder is not None:
            try:
                parts.append(decoder.decode(payload, fin))  # fails at the first bad fragment
            except UnicodeDecodeError:
                return 1007
        else:
            parts.append(payload)
        if fin:
            messages.append("".join(parts) if opcode == TEXT else b"".join(parts))
            opcode, parts, decoder = None, [], None
    return messages
    ### END SOLUTION


### BEGIN SOLUTION
CLOSE_CODES = {
    "a continuation frame arrives with no message started": 1002,
    "a TEXT frame arrives in the middle of a fragmented message": 1002,
    "a PING frame arrives with FIN=0": 1002,
    "a text message contains invalid UTF-8": 1007,
    "a message is larger than the receiver accepts": 1009,
    "a PING frame arrives between two fragments of a message": None,
    "a UTF-8 character is split between two fragments": None,
    "a server receives an unmasked frame from a client": 1002,
}
### END SOLUTION
