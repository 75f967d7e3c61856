"""Reference solutions for lesson 04 (masking). Same names as the stubs in the notebook."""

from __future__ import annotations


def mask(data: bytes, key: bytes) -> bytes:
    """Exercise 4.1: data[i] XOR key[i % 4] (RFC 6455 section 5.3)."""
    ### BEGIN SOLUTION
    return bytes(b ^ key[i % 4] for i, b in enumerate(data))
    ### END SOLUTION


def unmask_captured(frame_hex: str) -> bytes:
    """Exercise 4.2: the unmasked payload of one masked client frame given as hex."""
    ### BEGIN SOLUTION
    frame = bytes.fromhex(frame_hex)
    length = frame[1] & 0x7F
    pos = 2
    if length == 126:
        length = int.from_bytes(frame[2:4], "big")
        pos = 4
    elif length == 127:
        length = int.from_bytes(frame[2:10], "big")
        pos = 10
    key = frame[pos:pos + 4]
    payload = frame[pos + 4:pos + 4 + length]
    return mask(payload, key)
    ### END SOLUTION


def unmask_pieces(pieces: list[bytes], key: bytes) -> list[bytes]:
    """Exercise 4.3: unmask a payload that arrived in several reads; the key position carries on."""
    ### BEGIN SOLUTION
    out = []
    offset = 0
    for piece in pieces:
        out.append(bytes(b ^ key[(offset + i) % 4] for i, b in enumerate(piece)))
        offset += len(piece)
    return out
    ### END SOLUTION


def must_mask(role: str) -> bool:
    """Exercise 4.4: clients mask every frame, servers never do (RFC 6455 section 5.1)."""
    ### BEGIN SOLUTION
    return role == "client"
    ### END SOLUTION
