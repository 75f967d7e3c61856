"""Self-checks for lesson 03, the frame layout (帧).

* 3.1 :func:`check_parse_header`: ``parse_header(first_two_bytes) -> dict``
* 3.2 :func:`check_frame_header`: ``frame_header(payload_length) -> bytes``
* 3.3 :func:`check_payload_length`: ``payload_length(header) -> int``

Each check turns its table of ``(name, args, expected, hint)`` rows into
:class:`~wslib.exercises.Case` objects whose hint function reads the wrong answer and names the
mistake it shows (the high nibble, FIN missing, a non-minimal length, little-endian, ...), and
runs them with :func:`wslib.exercises.check_function` (how to write one: the docstring of that
package). The default detail says which fields or bytes differ, never the expected value.
"""

from __future__ import annotations

import struct
from functools import partial
from typing import Any, Callable

from ..frames import parse_header
from . import FINISH, Case, Report, check_function

__all__ = ["check_parse_header", "check_frame_header", "check_payload_length"]

HEADER_KEYS = ("fin", "rsv1", "rsv2", "rsv3", "opcode", "masked", "length7")


# ------------------------------------------------------------------ 3.1 parse_header

def _header(b0: int, b1: int) -> dict[str, Any]:
    return {"fin": bool(b0 & 0x80), "rsv1": bool(b0 & 0x40), "rsv2": bool(b0 & 0x20),
            "rsv3": bool(b0 & 0x10), "opcode": b0 & 0x0F, "masked": bool(b1 & 0x80),
            "length7": b1 & 0x7F}


def _flag_ok(have: Any, want: bool) -> bool:
    return not isinstance(have, float) and have in (0, 1) and bool(have) == want  # 1/0 are fine


def _int_ok(have: Any, want: int) -> bool:
    return isinstance(have, int) and not isinstance(have, bool) and have == want


def _wrong_fields(got: dict, expected: dict[str, Any]) -> list[str]:
    return [k for k in HEADER_KEYS
            if not (_flag_ok if isinstance(expected[k], bool) else _int_ok)(got[k], expected[k])]


def _compare_header(got: Any, expected: dict[str, Any]) -> tuple[bool, str]:
    if not isinstance(got, dict):
        return False, ""  # the framework names the type
    missing = [k for k in HEADER_KEYS if k not in got]
    if missing:
        return False, f"missing key{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"
    wrong = _wrong_fields(got, expected)
    return not wrong, "wrong: " + ", ".join(f"{k}={got[k]!r}" for k in wrong)


_PAD_HINT = ("bin() drops leading zeros: bin(0x01) is '0b1', so its first character is not bit 7. "
             "Use bit operations (b0 >> 7, b1 & 0x80) or format(b, '08b')")


def _unpadded(b0: int, b1: int) -> dict[str, Any] | None:
    """What bin() without zero padding gives when the bits are read from the left."""
    try:
        bits0, bits1 = bin(b0)[2:], bin(b1)[2:]
        return {"fin": bits0[0] == "1", "rsv1": bits0[1:2] == "1", "rsv2": bits0[2:3] == "1",
                "rsv3": bits0[3:4] == "1", "opcode": int(bits0[-4:], 2),
                "masked": bits1[0] == "1", "length7": int(bits1[-7:], 2)}
    except ValueError:  # pragma: no cover - every byte has at least one digit
        return None


def _field_hint(key: str, have: Any, b0: int, b1: int) -> str:
    """What the value of one wrong field shows about how it was read."""
    if key == "opcode":
        if have == b0 >> 4:
            return ("the opcode was read from the high four bits (b0 >> 4); it is the LOW four "
                    "bits of byte 0: b0 & 0x0F")
        if have == b0:
            return "that is all of byte 0: the opcode is only its low four bits, b0 & 0x0F"
        if have in (b0 & 0x7F, b0 & 0x3F, b0 & 0x1F):
            return "that still holds FIN or RSV bits: the opcode is the low four bits, b0 & 0x0F"
        return "the opcode is the low four bits of byte 0: b0 & 0x0F"
    if key == "masked":
        if bool(have) == bool(b0 & 0x80) and bool(have) != bool(b1 & 0x80):
            return ("MASK was read from byte 0 (that is FIN): it is the top bit of the SECOND "
                    "byte, b1 & 0x80")
        return "MASK is the top bit of the second byte: b1 >> 7 or b1 & 0x80"
    if key == "length7":
        if have == b1:
            return "that is all of byte 1, MASK bit included: the length is b1 & 0x7F"
        if have in (b0 & 0x7F, b0 & 0x0F):
            return "the 7-bit length is in byte 1, not byte 0: b1 & 0x7F"
        return "the 7-bit length is the low seven bits of byte 1: b1 & 0x7F"
    if key == "fin":
        if bool(have) == bool(b0 & 0x01):
            return ("FIN was read from the lowest bit (0x01); it is the highest bit of byte 0, "
                    "the leftmost in the diagram: b0 >> 7 or b0 & 0x80")
        if bool(have) == bool(b1 & 0x80):
            return "FIN is in byte 0, not byte 1: b0 & 0x80"
        return "FIN is the top bit of byte 0: b0 >> 7 or b0 & 0x80"
    bit = {"rsv1": "0x40", "rsv2": "0x20", "rsv3": "0x10"}[key]
    return (f"{key.upper()} is b0 & {bit}: RSV1, RSV2, RSV3 are the three bits after FIN "
            "(0x40, 0x20, 0x10)")


def _header_hint(b0: int, b1: int, got: Any) -> str:
    """Name the mistake behind each wrong field (the unpadded bin() first: it explains them all)."""
    if not isinstance(got, dict):
        return "return a dict with the keys " + ", ".join(HEADER_KEYS) if got is not None else (
            "FIN is b0 >> 7, the opcode b0 & 0x0F, MASK b1 >> 7 and the 7-bit length b1 & 0x7F")
    missing = [k for k in HEADER_KEYS if k not in got]
    if missing:
        return "return all seven keys: " + ", ".join(HEADER_KEYS)
    expected = _header(b0, b1)
    wrong = _wrong_fields(got, expected)
    hints = list(dict.fromkeys(_field_hint(k, got[k], b0, b1) for k in wrong))
    unpadded = _unpadded(b0, b1)
    if unpadded is not None and all(_flag_ok(got[k], unpadded[k]) if isinstance(unpadded[k], bool)
                                    else got[k] == unpadded[k] for k in HEADER_KEYS):
        hints.append("if you read the bits from bin(): " + _PAD_HINT)
    return "; ".join(hints)


def _parse_header_cases() -> list[tuple[str, tuple, Any, str]]:
    rows = [
        ("81 85: a masked 'Hello' from a client (RFC 6455 section 5.7)", 0x81, 0x85),
        ("81 05: the unmasked 'Hello' from a server", 0x81, 0x05),
        ("01 03: a first fragment (FIN=0, text)", 0x01, 0x03),
        ("80 00: the last fragment, empty (FIN=1, continuation)", 0x80, 0x00),
        ("41 fe: RSV1 set, FIN=0, masked, length field 126", 0x41, 0xFE),
        ("7a 7f: FIN=0, RSV1-3 all set, a pong, length field 127", 0x7A, 0x7F),
        ("89 80: a masked empty ping (a control frame)", 0x89, 0x80),
    ]
    return [(name, (bytes((b0, b1)),), _header(b0, b1), partial(_header_hint, b0, b1))
            for name, b0, b1 in rows]


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


_FORMS = ("0-125 go in byte 1 itself; 126-65535: byte 1 is 126, then the length in 2 bytes; "
          "65536 and more: byte 1 is 127, then 8 bytes; both in network order (big-endian): "
          "n.to_bytes(2, 'big') or struct.pack('!H', n), n.to_bytes(8, 'big') or "
          "struct.pack('!Q', n) (RFC 6455 section 5.2)")


def _length_form_hint(n: int, got: bytes) -> str:
    """What the length part (byte 1 and what follows) of a header shows."""
    if len(got) < 2:
        return "the header is at least 2 bytes: byte 0 (FIN, opcode), byte 1 (MASK, length)"
    if got[1] & 0x80:
        return ("the MASK bit (0x80) is set in byte 1, but this frame is not masked (no key "
                "follows): leave it 0")
    form, rest = got[1], got[2:]
    if n <= 125:
        if form in (126, 127):
            return (f"{n} fits in the 7-bit field, so it goes in byte 1 itself; the longer forms "
                    "would be a non-minimal encoding, which a peer rejects (RFC 6455 section 5.2)")
        return "0-125 go in byte 1 itself: bytes((first_byte, n))"
    size = 2 if n <= 0xFFFF else 8
    if form == 127 and size == 2:
        return (f"{n} fits in 16 bits: use 126 and 2 length bytes; 127 and 8 bytes would be a "
                "non-minimal encoding, which a peer rejects (RFC 6455 section 5.2)")
    if form == 126 and size == 8:
        return f"{n} does not fit in 16 bits: use 127, then the length in 8 bytes"
    if form not in (126, 127):
        return (f"{n} does not fit the 7-bit field (0-125): byte 1 is a marker, 126 (16-bit "
                "length follows) or 127 (64-bit length follows)")
    if form == 127 and len(rest) == 4:
        return "the 64-bit form is 8 bytes of length, not 4: n.to_bytes(8, 'big')"
    if len(rest) != size:
        return f"after {form} come exactly {size} bytes of length, and here there are {len(rest)}"
    if int.from_bytes(rest, "little") == n:
        return ("the length is in little-endian order: network order is big-endian, the most "
                f"significant byte first: n.to_bytes({size}, 'big') or struct.pack("
                f"'!{'H' if size == 2 else 'Q'}', n)")
    return _FORMS


def _frame_header_hint(n: int, got: Any) -> str:
    if not isinstance(got, (bytes, bytearray)) or not got:
        return "" if got is not None else _FORMS
    got = bytes(got)
    if got[0] != 0x81:
        if got[0] == 0x01:
            return ("byte 0 is 0x01: the text opcode is there, but FIN (0x80) is missing: this "
                    "is the final (and only) frame of its message, so FIN must be set")
        if got[0] == 0x80:
            return "byte 0 is 0x80: FIN is set, but the opcode of a text frame is missing"
        return (f"byte 0 is 0x{got[0]:02x}: it must carry FIN (0x80) and the text opcode "
                "(0x1), and no RSV bits")
    return _length_form_hint(n, got)


def _frame_header_cases() -> list[tuple[str, tuple, Any, Callable]]:
    rows = [
        (0, "0 bytes"),
        (5, "5 bytes ('Hello')"),
        (125, "125 bytes: the largest 7-bit length"),
        (126, "126 bytes: the smallest 16-bit length"),
        (256, "256 bytes (the byte order shows)"),
        (1000, "1000 bytes"),
        (65535, "65535 bytes: the largest 16-bit length"),
        (65536, "65536 bytes: the smallest 64-bit length"),
        (2**32 + 1, "2**32 + 1 bytes (needs more than 32 bits)"),
    ]
    return [(name, (n,), _frame_header(n), partial(_frame_header_hint, n)) for n, name in rows]


def check_frame_header(func: Callable[[int], bytes] | None) -> Report:
    """Exercise 3.2: ``func(n)`` returns the header of a final, unmasked text frame of n bytes."""
    cases = [Case(name, args, expected, hint)
             for name, args, expected, hint in _frame_header_cases()]
    return check_function("Exercise 3.2 - frame_header", func, cases, stub_hint=FINISH)


# ------------------------------------------------------------------ 3.3 payload_length

def _payload_length_hint(header: bytes, got: Any) -> str:
    """Name the mistake that gives ``got`` for ``header``."""
    if not isinstance(got, int) or isinstance(got, bool):
        return "" if got is not None else (
            "take b1 & 0x7F; 126 means 2 more bytes of length, 127 means 8 more (big-endian)")
    b1 = header[1]
    field = b1 & 0x7F
    if got == b1 and b1 & 0x80:
        return ("the MASK bit shares byte 1 with the length: take b1 & 0x7F before comparing "
                "with 126 and 127")
    if got == field and field in (126, 127):
        return (f"{field} is not the length but a marker: the real length follows in the next "
                f"{2 if field == 126 else 8} bytes")
    if field == 126:
        if got == int.from_bytes(header[2:4], "little"):
            return ("the 16-bit length is big-endian (network order): int.from_bytes(h[2:4], "
                    "'big'), or (h[2] << 8) | h[3]")
        return "after 126 comes a 16-bit big-endian length in bytes 2-3: int.from_bytes(h[2:4], 'big')"
    if field == 127:
        if got == int.from_bytes(header[2:10], "little"):
            return "the 64-bit length is big-endian (network order): int.from_bytes(h[2:10], 'big')"
        if got in (int.from_bytes(header[6:10], "big"), int.from_bytes(header[2:6], "big")):
            return "the 64-bit length is all 8 bytes, 2 to 9, not 4: int.from_bytes(h[2:10], 'big')"
        return "after 127 comes a 64-bit big-endian length in bytes 2-9: int.from_bytes(h[2:10], 'big')"
    return "the 7-bit length is b1 & 0x7F; when it is below 126 it is the length itself"


def _payload_length_cases() -> list[tuple[str, tuple, Any, Callable]]:
    mask = b"\x37\xfa\x21\x3d"
    rows = [
        ("81 05: 'Hello', unmasked", b"\x81\x05"),
        ("81 85 + mask: 'Hello', masked", b"\x81\x85" + mask),
        ("82 7e 01 00: a 16-bit length", b"\x82\x7e\x01\x00"),
        ("82 fe 01 00 + mask: a 16-bit length, masked", b"\x82\xfe\x01\x00" + mask),
        ("82 7e ff ff: the largest 16-bit length", b"\x82\x7e\xff\xff"),
        ("82 7f 00 00 00 00 00 01 00 00: a 64-bit length", b"\x82\x7f" + (65536).to_bytes(8, "big")),
        ("82 ff + 8 bytes + mask: more than 32 bits, masked",
         b"\x82\xff" + (2**32 + 1).to_bytes(8, "big") + mask),
    ]
    return [(name, (header,), parse_header(header).length, partial(_payload_length_hint, header))
            for name, header in rows]


def check_payload_length(func: Callable[[bytes], int] | None) -> Report:
    """Exercise 3.3: ``func(header)`` returns the payload length that the header announces."""
    cases = [Case(name, args, expected, hint)
             for name, args, expected, hint in _payload_length_cases()]
    return check_function("Exercise 3.3 - payload_length", func, cases, stub_hint=FINISH)
