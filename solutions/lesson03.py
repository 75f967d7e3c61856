"""Reference solutions for lesson 03, the frame layout (帧).

Same function names as the exercise cells in notebooks/03_frame_layout.ipynb. Each one is
checked by wslib.exercises.lesson03 in tests/test_exercises_lesson03.py.
"""

from __future__ import annotations


# Exercise 3.1
def parse_header(first_two: bytes) -> dict:
    """The seven fields of a frame's first two bytes (RFC 6455 section 5.2)."""
    ### BEGIN SOLUTION
    b0, b1 = first_two[0], first_two[1]
    return {
        "fin": bool(b0 >> 7),  # bit 7 of byte 0
        "rsv1": bool(b0 & 0x40),
        "rsv2": bool(b0 & 0x20),
        "rsv3": bool(b0 & 0x10),
        "opcode": b0 & 0x0F,  # the low 4 bits
        "masked": bool(b1 >> 7),  # bit 7 of byte 1
        "length7": b1 & 0x7F,  # the other 7 bits of byte 1
    }
    ### END SOLUTION


# Exercise 3.2
def frame_header(payload_length: int) -> bytes:
    """Header of a final, unmasked text frame carrying payload_length bytes."""
    ### BEGIN SOLUTION
    first = 0x81  # FIN=1, opcode 0x1 (text)
    if payload_length <= 125:
        return bytes((first, payload_length))
    if payload_length <= 0xFFFF:
        return bytes((first, 126)) + payload_length.to_bytes(2, "big")
    return bytes((first, 127)) + payload_length.to_bytes(8, "big")
    ### END SOLUTION


# Exercise 3.3
def payload_length(header: bytes) -> int:
    """The payload length announced by a frame header (7-, 16- or 64-bit form)."""
    ### BEGIN SOLUTION
    length = header[1] & 0x7F  # drop the MASK bit
    if length == 126:
        return int.from_bytes(header[2:4], "big")
    if length == 127:
        return int.from_bytes(header[2:10], "big")
    return length
    ### END SOLUTION
