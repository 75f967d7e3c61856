"""Reference solutions for lesson 06 (TCP is a byte stream). Same names as the stubs in the
notebook."""

from __future__ import annotations


class MessageParser:
    """Exercise 6.1: 4-byte big-endian payload length, 1-byte type, payload."""

    HEADER = 5

    def __init__(self, max_length: int = 1024) -> None:
        self.max_length = max_length
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self.buffer += data
        messages = []
        while len(self.buffer) >= 4:
            length = int.from_bytes(self.buffer[:4], "big")
            if length > self.max_length:  # refused from the header: the payload is not awaited
                raise ValueError(f"message of {length} bytes is over the limit of {self.max_length}")
            end = self.HEADER + length
            if len(self.buffer) < end:
                break  # 分包: the rest of this message comes in a later feed
            messages.append((self.buffer[4], bytes(self.buffer[self.HEADER:end])))
            del self.buffer[:end]  # 粘包: loop, the next message may be here already
        return messages


class LineReader:
    """Exercise 6.2: lines ending in b"\\n", at most ``max_line`` bytes each."""

    def __init__(self, max_line: int = 1024) -> None:
        self.max_line = max_line
        self.buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        if any(len(line) > self.max_line for line in lines) or len(self.buffer) > self.max_line:
            raise ValueError(f"line longer than {self.max_line} bytes")
        return lines
