"""Self-checks for lesson 04 (masking, 掩码).

* 4.1 :func:`check_mask`: ``mask(data, key)``, the XOR of RFC 6455 section 5.3, written without
  wslib's own masking (the lesson asks for that; the check sees a call of ``wslib.mask`` or any
  function of ``wslib.masking``, even through another wslib function).
* 4.2 :func:`check_unmask_captured`: ``unmask_captured(frame_hex)``, read a captured client frame.
* 4.3 :func:`check_unmask_pieces`: ``unmask_pieces(pieces, key)``, unmask a payload that arrives
  in several reads, carrying the key position from one piece to the next.
* 4.4 :func:`check_must_mask`: ``must_mask(role)``, which side masks (section 5.1).

Each case's hint function compares a wrong answer with the classic mistakes (``key[i % 3]``,
the key restarting for every piece, the whole key XORed into each byte, the payload returned
still masked, ...) computed on that case's data, and names the one it matches. All four run
with :func:`wslib.exercises.check_function` (how to write a check: the docstring of that
package).
"""

from __future__ import annotations

import random
from functools import partial
from typing import Any, Callable

from .. import masking
from ..frames import Frame, Opcode, encode_frame
from . import Case, Forbid, Report, check_function

__all__ = ["check_mask", "check_unmask_captured", "check_unmask_pieces", "check_must_mask",
           "NO_WSLIB_MASK"]

RFC_KEY = bytes.fromhex("37fa213d")
RFC_MASKED_HELLO = "81 85 37 fa 21 3d 7f 9f 4d 51 58"  # RFC 6455 section 5.7

# The constraint of 4.1: every masking function of wslib (wslib.mask is wslib.masking.mask).
NO_WSLIB_MASK = Forbid(
    "wslib.mask",
    [getattr(masking, name) for name in masking.__all__ if callable(getattr(masking, name))]
    + [getattr(masking, "_c_mask", None)],
    "the exercise is to write the XOR yourself: data[i] ^ key[i % 4] for each byte; "
    "wslib.mask (or any function of wslib.masking) is what you compare it with afterwards")


def _xor(data: bytes, key: bytes, start: int = 0) -> bytes:
    """The reference: byte i of ``data`` XOR key[(start + i) mod 4]."""
    return bytes(b ^ key[(start + i) % 4] for i, b in enumerate(data))


def _data(seed: int, n: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _as_bytes(value: Any) -> bytes | None:
    return bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else None


def _same_bytes(got: Any, expected: bytes) -> bool:
    got = _as_bytes(got)
    return got is not None and got == expected


# ---------------------------------------------------------------- 4.1 mask(data, key)

_MASK_HINT = ("RFC 6455 section 5.3: byte i of the output is data[i] XOR key[i % 4]; the key has "
              "4 bytes and repeats every 4 bytes of the payload")

# Classic wrong answers to 4.1: (what it computes, the hint that names it).
_MASK_MISTAKES: list[tuple[Callable[[bytes, bytes], bytes], str]] = [
    (lambda d, k: bytes(b ^ k[i % 3] for i, b in enumerate(d)),
     "this looks like key[i % 3]: the key has 4 bytes, so the index is i % 4 (or i & 3); with "
     "% 3 the 4th key byte is never used and the pattern drifts (RFC 6455 section 5.3)"),
    (lambda d, k: bytes((b ^ int.from_bytes(k, "big")) & 0xFF for b in d),
     "this looks like the whole key XORed into every byte (only its last byte survives the "
     "& 0xFF): each payload byte is XORed with ONE key byte, key[i % 4]"),
    (lambda d, k: bytes(b ^ k[0] for b in d),
     "this looks like key[0] for every byte: the key byte changes with the position, key[i % 4]"),
    (lambda d, k: _xor(d, k, 1),
     "this looks like key[(i + 1) % 4]: payload byte 0 uses key[0], with i counted from 0"),
    (lambda d, k: _xor(d, k[::-1]),
     "this looks like the key bytes in reverse order: use them in the order they appear on the "
     "wire, key[0] first (if you use int.from_bytes, use 'big' for both the data and the key)"),
]


def _mistake_hint(mistakes: list, args: tuple, got: Any, fallback: str) -> str:
    """The hint of the first classic mistake that gives ``got`` for ``args``, else ``fallback``."""
    got = _as_bytes(got)
    if got is None:
        return ""  # not bytes: the framework names the type
    for wrong, hint in mistakes:
        try:
            if got == wrong(*args) and got != _xor(*args):
                return hint
        except Exception:  # pragma: no cover - the mistakes are our own code
            continue
    return fallback


def _mask_crash_hint(exc: Exception) -> str:
    if "range(0, 256)" in str(exc):
        return ("a value above 255 does not fit in a byte: XOR each byte with ONE key byte "
                "(0-255); XOR with the whole 4-byte key as a number gives values up to 2**32")
    return ""


def check_mask(func: Callable[[bytes, bytes], bytes] | None) -> Report:
    """Exercise 4.1: ``mask(data, key)`` returns ``data`` XOR the key repeated (section 5.3),
    without calling wslib's masking."""
    long_data = _data(41, 1000)
    key2 = bytes.fromhex("a1b2c3d4")
    probe = bytes(range(0x41, 0x41 + 11))  # 11 bytes: not a multiple of 3 or 4
    probe_key = bytes.fromhex("0a1b2c3d")
    twice = "(x XOR k) XOR k == x: the same function masks and unmasks"
    rows = [
        ("RFC 6455 section 5.7's example: 'Hello' with key 37 fa 21 3d", b"Hello", RFC_KEY,
         _MASK_HINT),
        ("an empty payload", b"", RFC_KEY,
         "no payload bytes, nothing to XOR: the result is empty bytes"),
        ("3 bytes (shorter than the key)", b"abc", key2, _MASK_HINT),
        ("11 bytes: the key repeats, and the last round uses only part of it", probe, probe_key,
         _MASK_HINT),
        ("1000 random bytes", long_data, key2, _MASK_HINT),
        ("masking the masked bytes again (XOR twice)", bytes.fromhex("7f9f4d5158"), RFC_KEY, twice),
    ]
    cases = [Case(name, (data, key), _xor(data, key),
                  partial(_mistake_hint, _MASK_MISTAKES, (data, key), fallback=fallback),
                  _same_bytes)
             for name, data, key, fallback in rows]
    return check_function("Exercise 4.1 - mask(data, key)", func, cases,
                          crash_hint=_mask_crash_hint, forbid=[NO_WSLIB_MASK])


# ---------------------------------------------------------------- 4.2 unmask a captured frame

def _client_frame(opcode: int, payload: bytes, key: bytes) -> str:
    return encode_frame(Frame(opcode, payload, mask=key)).hex(" ")


_WHERE_KEY = ("the header is 2 bytes, then 2 more if the 7-bit length is 126, or 8 more if it is "
              "127; the 4-byte masking key comes right after, then the payload "
              "(RFC 6455 section 5.2)")


def _captured_hint(frame_hex: str, fallback: str, got: Any) -> str:
    """Name the slip: the payload still masked, the key kept, the key read at the wrong place."""
    got = _as_bytes(got)
    if got is None:
        return ""
    frame = bytes.fromhex(frame_hex)
    field = frame[1] & 0x7F
    start = {126: 4, 127: 10}.get(field, 2)  # where the key is
    key, masked = frame[start:start + 4], frame[start + 4:]
    if got == masked:
        return ("these are the payload bytes as they are on the wire, still masked: XOR them "
                "with the key, key[i % 4]")
    if got == frame[start:]:
        return ("the 4 bytes after the length are the masking key, not data: the payload "
                "starts after them, and is XORed with them")
    if start != 2 and got in (_xor(frame[6:], frame[2:6]), _xor(frame[6:6 + field], frame[2:6])):
        return (f"the 7-bit length is {field}, a marker: the real length takes bytes 2-"
                f"{start - 1}, so the key is bytes {start}-{start + 3} and the payload starts at "
                f"byte {start + 4} (RFC 6455 section 5.2)")
    if len(got) != len(masked):
        return (f"the payload is {len(got)} bytes in your answer: it is every byte after the key "
                "(the frame holds exactly one message)")
    return fallback


def check_unmask_captured(func: Callable[[str], bytes] | None) -> Report:
    """Exercise 4.2: ``unmask_captured(frame_hex)`` returns the payload of one captured, masked
    client frame given as hex (spaces allowed)."""
    key_a, key_b, key_c = bytes.fromhex("5a1e77c3"), bytes.fromhex("01020304"), bytes.fromhex("ffeeddcc")
    binary = _data(42, 20)
    medium = ("WebSocket " * 30).encode()  # 300 bytes: the 16-bit length form
    big = _data(43, 70000)  # over 65535 bytes: the 64-bit length form
    rows = [
        ("RFC 6455 section 5.7's masked 'Hello'", RFC_MASKED_HELLO, b"Hello",
         "byte 1 is 0x85: MASK bit set, length 5; the key is bytes 2-5, the payload bytes 6-10; "
         "XOR payload byte i with key[i % 4]"),
        ("a 20-byte binary frame", _client_frame(Opcode.BINARY, binary, key_a), binary, _WHERE_KEY),
        ("an empty masked frame (length 0, the key is still there)",
         _client_frame(Opcode.TEXT, b"", key_b), b"",
         "a masked frame always carries the 4-byte key, even with no payload"),
        ("300 bytes: length 126, then a 16-bit length", _client_frame(Opcode.TEXT, medium, key_b),
         medium, "the 7-bit length is 126, so the real length is in bytes 2-3 and the key is in "
                 "bytes 4-7 (RFC 6455 section 5.2)"),
        ("70000 bytes: length 127, then a 64-bit length", _client_frame(Opcode.BINARY, big, key_c),
         big, "the 7-bit length is 127, so the real length is in bytes 2-9 and the key is in "
              "bytes 10-13 (RFC 6455 section 5.2)"),
    ]
    cases = [Case(name, (frame_hex,), payload, partial(_captured_hint, frame_hex, hint),
                  _same_bytes)
             for name, frame_hex, payload, hint in rows]
    return check_function("Exercise 4.2 - unmask_captured(frame_hex)", func, cases,
                          crash_hint=lambda exc: "" if not isinstance(exc, ValueError) else (
                              "bytes.fromhex() accepts the hex with its spaces: "
                              "bytes.fromhex(frame_hex)"
                              if "fromhex" in str(exc) else ""))


# ---------------------------------------------------------------- 4.3 unmask in pieces

def _pieces(data: bytes, sizes: list[int]) -> list[bytes]:
    out, pos = [], 0
    for n in sizes:
        out.append(data[pos:pos + n])
        pos += n
    return out


def _split_same(got: Any, expected: list[bytes]) -> bool:
    if not isinstance(got, (list, tuple)) or len(got) != len(expected):
        return False
    return all(_same_bytes(g, e) for g, e in zip(got, expected))


_PIECES_HINT = ("the key position continues from one piece to the next: a piece that starts at "
                "payload offset n uses key[(n + i) % 4], so keep a running offset (RFC 6455 "
                "section 5.3 counts i over the whole payload, not per read)")


def _pieces_hint(pieces: list[bytes], key: bytes, got: Any) -> str:
    if not isinstance(got, (list, tuple)):
        return ""
    if _split_same(got, [_xor(p, key) for p in pieces]):
        return ("the key restarts at key[0] for every piece: a piece is not a new payload; after "
                "a 5-byte piece the next byte uses key[5 % 4] = key[1]")
    if len(got) != len(pieces):
        return (f"return one unmasked piece per piece received ({len(pieces)} here), same sizes, "
                "same order: the caller may be handing them on as they arrive")
    return _PIECES_HINT


def check_unmask_pieces(func: Callable[[list[bytes], bytes], list[bytes]] | None) -> Report:
    """Exercise 4.3: ``unmask_pieces(pieces, key)`` unmasks one payload that arrived as several
    reads and returns the unmasked pieces (same sizes, same order)."""
    key = bytes.fromhex("9c41e0b7")
    cases = []
    for name, plain, sizes in [
        ("one piece holding the whole payload", b"Hello", [5]),
        ("pieces of 5, 3 and 7 bytes", b"fragmented read", [5, 3, 7]),
        ("one byte at a time", b"sticky", [1] * 6),
        ("pieces of 4 and 4 (boundaries that happen to line up with the key)", b"12345678", [4, 4]),
        ("an empty read in the middle", b"abcdefgh", [3, 0, 5]),
        ("no pieces at all", b"", []),
    ]:
        pieces = _pieces(_xor(plain, key), sizes)
        cases.append(Case(name, (pieces, key), _pieces(plain, sizes),
                          partial(_pieces_hint, pieces, key), _split_same))
    return check_function("Exercise 4.3 - unmask_pieces(pieces, key)", func, cases)


# ---------------------------------------------------------------- 4.4 who masks

_WHO_MASKS = ("RFC 6455 section 5.1, first paragraphs: one side MUST mask every frame it sends, "
              "the other MUST NOT; section 10.3 says why (proxies that would take the bytes for "
              "HTTP): which side writes bytes that such a proxy could be fooled by?")


def check_must_mask(func: Callable[[str], bool] | None) -> Report:
    """Exercise 4.4: ``must_mask(role)``: does a ``"client"`` / ``"server"`` mask its frames?"""
    return check_function("Exercise 4.4 - must_mask(role)", func, [
        Case("must_mask('client')", ("client",), True, _WHO_MASKS),
        Case("must_mask('server')", ("server",), False, _WHO_MASKS),
    ])
