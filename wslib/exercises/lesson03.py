"""Self-checks for lesson 03, the frame layout (帧).

* 3.1 :func:`check_parse_header`: ``parse_header(first_two_bytes) -> dict``
* 3.2 :func:`check_frame_header`: ``frame_header(payload_length) -> bytes``
* 3.3 :func:`check_payload_length`: ``payload_length(header) -> int``

Each check turns its table of ``(name, args, expected, hint)`` rows into
:class:`~wslib.exercises.Case` objects with a compare function that explains a wrong answer, and
runs them with :func:`wslib.exercises.check_function` (how to write one: the docstring of that
package).
"""

from __future__ import annotations

import struct
from typing import Any, Callable

from . import FINISH, Case, Report, _short, check_function

__all__ = ["check_parse_header", "check_frame_header", "check_payload_length"]

HEADER_KEYS = ("fin", "rsv1", "rsv2", "rsv3", "opcode", "masked", "length7")


# ------------------------------------------------------------------ 3.1 parse_header

def _header(b0: int, b1: int) -> dict[str, Any]:
    return {"fin": bool(b0 & 0x80), "rsv1": bool(b0 & 0x40), "rsv2": bool(b0 & 0x20),
            "rsv3": bool(b0 & 0x10), "opcode": b0 & 0x0F, "masked": bool(b1 & 0x80),
            "length7": b1 & 0x7F}


def _compare_header(got: Any, expected: dict[str, Any]) -> tuple[bool, str]:
    if not isinstance(got, dict):
        return False, f"return a dict with keys {', '.join(HEADER_KEYS)}; got {_short(got)}"
    missing = [k for k in HEADER_KEYS if k not in got]
    if missing:
        return False, f"missing key{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"
    wrong = []
    for key in HEADER_KEYS:
        want, have = expected[key], got[key]
        if isinstance(want, bool):
            good = have in (0, 1) and bool(have) == want  # True/False or 1/0 are both fine
        else:
            good = isinstance(have, int) and not isinstance(have, bool) and have == want
        if not good:
            wrong.append(f"{key}={have!r} (expected {want!r})")
    return not wrong, "; ".join(wrong)


_PAD_HINT = ("bin() drops leading zeros: bin(0x01) is '0b1', so its first character is not bit 7. "
             "Use bit operations (b0 >> 7, b1 & 0x80) or format(b, '08b')")


def _parse_header_cases() -> list[tuple[str, tuple, Any, str]]:
    rows = [
        ("81 85: a masked 'Hello' from a client (RFC 6455 section 5.7)", 0x81, 0x85,
         "FIN is b0 >> 7, the opcode b0 & 0x0F, MASK b1 >> 7 and the 7-bit length b1 & 0x7F"),
        ("81 05: the unmasked 'Hello' from a server", 0x81, 0x05,
         "MASK is the top bit of the SECOND byte (b1 & 0x80), and it is 0 here. " + _PAD_HINT),
        ("01 03: a first fragment (FIN=0, text)", 0x01, 0x03,
         "FIN=0 here. " + _PAD_HINT),
        ("80 00: the last fragment, empty (FIN=1, continuation)", 0x80, 0x00,
         "opcode 0x0 (continuation) is a valid opcode; the 7-bit length can be 0"),
        ("41 fe: RSV1 set, FIN=0, masked, length 126", 0x41, 0xFE,
         "RSV1 is bit 6 of byte 0 (b0 & 0x40); 126 in the 7-bit field means a 16-bit length "
         "follows, but length7 is just the 7 bits. " + _PAD_HINT),
        ("7a 7f: FIN=0, RSV1-3 all set, opcode 0xA (pong), length7 127", 0x7A, 0x7F,
         "RSV1, RSV2, RSV3 are bits 6, 5, 4 of byte 0 (0x40, 0x20, 0x10). " + _PAD_HINT),
        ("89 80: a masked empty ping (a control frame)", 0x89, 0x80,
         "the opcode is the LOW 4 bits of byte 0 (b0 & 0x0F), not the high ones"),
    ]
    return [(name, (bytes((b0, b1)),), _header(b0, b1), hint) for name, b0, b1, hint in rows]


def check_parse_header(func: Callable[[bytes], dict] | None) -> Report:
    """Exercise 3.1: ``func(first_two_bytes)`` returns the seven fields of bytes 0 and 1."""
    cases = [Case(name, args, expected, hint, compare=_compare_header)
             for name, args, expected, hint in _parse_header_cases()]
    return check_function("Exercise 3.1 - parse_header", func, cases, stub_hint=FINISH)


# ------------------------------------------------------------------ 3.2 frame_header

def _frame_header(n: int) -> bytes:
    if n < 126:
        return bytes((0x81, n))
    if n < 65536:
        return struct.pack("!BBH", 0x81, 126, n)
    return struct.pack("!BBQ", 0x81, 127, n)


def _compare_bytes(got: Any, expected: bytes) -> tuple[bool, str]:
    if not isinstance(got, (bytes, bytearray)):
        return False, f"return bytes, got {type(got).__name__}: {_short(got)}"
    if bytes(got) == expected:
        return True, ""
    return False, f"expected {expected.hex(' ')}, got {bytes(got).hex(' ')}"


def _frame_header_cases() -> list[tuple[str, tuple, Any, str]]:
    seven = "0-125 fit in the 7-bit field: the header is just 0x81 and the length"
    sixteen = ("126-65535 use 126 then the length as 2 bytes in network order (big-endian): "
               "struct.pack('!H', n) or n.to_bytes(2, 'big') (RFC 6455 section 5.2)")
    sixty_four = ("65536 and more use 127 then 8 bytes in network order: struct.pack('!Q', n) "
                  "or n.to_bytes(8, 'big')")
    rows = [
        (0, "0 bytes", seven),
        (5, "5 bytes ('Hello')", seven),
        (125, "125 bytes: the largest 7-bit length", seven + "; 125 itself is still the short form"),
        (126, "126 bytes: the smallest 16-bit length", sixteen),
        (256, "256 bytes (the byte order shows: 01 00)", sixteen),
        (1000, "1000 bytes (03 e8)", sixteen),
        (65535, "65535 bytes: the largest 16-bit length", sixteen + "; 65535 = 0xFFFF still fits "
         "in 16 bits, so 127 here is a non-minimal encoding that peers reject"),
        (65536, "65536 bytes: the smallest 64-bit length", sixty_four),
        (2**32 + 1, "2**32 + 1 bytes (needs more than 32 bits)", sixty_four + "; the 64-bit form "
         "is 8 bytes, not 4"),
    ]
    return [(name, (n,), _frame_header(n), hint) for n, name, hint in rows]


def check_frame_header(func: Callable[[int], bytes] | None) -> Report:
    """Exercise 3.2: ``func(n)`` returns the header of a final, unmasked text frame of n bytes."""
    cases = [Case(name, args, expected, hint, compare=_compare_bytes)
             for name, args, expected, hint in _frame_header_cases()]
    return check_function("Exercise 3.2 - frame_header", func, cases, stub_hint=FINISH)


# ------------------------------------------------------------------ 3.3 payload_length

def _compare_int(got: Any, expected: int) -> tuple[bool, str]:
    ok = isinstance(got, int) and not isinstance(got, bool) and got == expected
    return ok, "" if ok else f"expected {expected}, got {_short(got)}"


def _payload_length_cases() -> list[tuple[str, tuple, Any, str]]:
    mask = b"\x37\xfa\x21\x3d"
    low = "the 7-bit length is b1 & 0x7F; when it is below 126 it is the length itself"
    strip_mask = ("the MASK bit shares byte 1 with the length: take b1 & 0x7F before comparing "
                  "with 126 and 127")
    sixteen = "after 126 comes a 16-bit big-endian length in bytes 2-3: (h[2] << 8) | h[3]"
    sixty_four = ("after 127 comes a 64-bit big-endian length in bytes 2-9: "
                  "int.from_bytes(h[2:10], 'big')")
    rows = [
        ("81 05: 'Hello', unmasked", b"\x81\x05", 5, low),
        ("81 85 + mask: 'Hello', masked", b"\x81\x85" + mask, 5, strip_mask),
        ("82 7e 01 00: 256 bytes", b"\x82\x7e\x01\x00", 256, sixteen),
        ("82 fe 01 00 + mask: 256 bytes, masked", b"\x82\xfe\x01\x00" + mask, 256,
         strip_mask + "; " + sixteen),
        ("82 7e ff ff: 65535 bytes", b"\x82\x7e\xff\xff", 65535, sixteen),
        ("82 7f 00 00 00 00 00 01 00 00: 65536 bytes", b"\x82\x7f" + (65536).to_bytes(8, "big"),
         65536, sixty_four),
        ("82 ff + 8 bytes + mask: 2**32 + 1 bytes, masked",
         b"\x82\xff" + (2**32 + 1).to_bytes(8, "big") + mask, 2**32 + 1,
         sixty_four + " (all 8 bytes, not 4)"),
    ]
    return [(name, (header,), n, hint) for name, header, n, hint in rows]


def check_payload_length(func: Callable[[bytes], int] | None) -> Report:
    """Exercise 3.3: ``func(header)`` returns the payload length that the header announces."""
    cases = [Case(name, args, expected, hint, compare=_compare_int)
             for name, args, expected, hint in _payload_length_cases()]
    return check_function("Exercise 3.3 - payload_length", func, cases, stub_hint=FINISH)
