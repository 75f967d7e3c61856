"""Self-checks for lesson 04 (masking, 掩码).

* 4.1 :func:`check_mask`: ``mask(data, key)``, the XOR of RFC 6455 section 5.3.
* 4.2 :func:`check_unmask_captured`: ``unmask_captured(frame_hex)``, read a captured client frame.
* 4.3 :func:`check_unmask_pieces`: ``unmask_pieces(pieces, key)``, unmask a payload that arrives
  in several reads, carrying the key position from one piece to the next.
* 4.4 :func:`check_must_mask`: ``must_mask(role)``, which side masks (section 5.1).

Each check runs the learner's function on known cases and, when an answer is wrong, compares it
with the classic mistakes (``key[i % 3]``, the key restarting, the whole key XORed into each
byte, ...) to name the one it matches. 4.1-4.3 run their cases with
:func:`wslib.exercises.check_function` (how to write a check: the docstring of that package);
4.4 asks about both roles at once (its stub is "both answers still None"), so it fills its
Report by hand.
"""

from __future__ import annotations

import functools
import random
from dataclasses import replace
from typing import Callable

from ..frames import Frame, Opcode, encode_frame
from . import Case, Report, _describe_exception, check_function

__all__ = ["check_mask", "check_unmask_captured", "check_unmask_pieces", "check_must_mask"]

RFC_KEY = bytes.fromhex("37fa213d")
RFC_MASKED_HELLO = "81 85 37 fa 21 3d 7f 9f 4d 51 58"  # RFC 6455 section 5.7


def _xor(data: bytes, key: bytes, start: int = 0) -> bytes:
    """The reference: byte i of ``data`` XOR key[(start + i) mod 4]."""
    return bytes(b ^ key[(start + i) % 4] for i, b in enumerate(data))


def _hex_cases(cases: list[Case]) -> list[Case]:
    return [replace(c, expected=_hexify(c.expected)) for c in cases]


def _data(seed: int, n: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _as_bytes(value) -> bytes | None:
    return bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else None


class _Hex(bytes):
    """Bytes that show as hex in a report ("hex 7f 9f 4d 51 58"), easier to compare by eye."""

    def __repr__(self) -> str:
        return f"hex {self.hex(' ')}" if self else "b'' (empty)"


def _hexify(value):
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _Hex(value)
    if isinstance(value, list):
        return [_hexify(v) for v in value]
    return value


def _shown_as_hex(func: Callable | None) -> Callable | None:
    """Wrap the learner's function so that the bytes it returns show as hex in the report."""
    if func is None:
        return None

    @functools.wraps(func)  # keeps __wrapped__: is_stub() looks at the learner's function
    def wrapper(*args):
        return _hexify(func(*args))

    return wrapper


def _same_bytes(got, expected) -> bool:
    got = _as_bytes(got)
    return got is not None and got == expected


# ---------------------------------------------------------------- 4.1 mask(data, key)

_MASK_HINT = ("RFC 6455 section 5.3: byte i of the output is data[i] XOR key[i % 4]; the key has "
              "4 bytes and repeats every 4 bytes of the payload")

# Classic wrong answers to 4.1: name -> (what it computes, the hint that explains it).
_MASK_MISTAKES: list[tuple[str, Callable[[bytes, bytes], bytes], str]] = [
    ("looks like key[i % 3]",
     lambda d, k: bytes(b ^ k[i % 3] for i, b in enumerate(d)),
     "the key has 4 bytes, so the index is i % 4 (or i & 3), not i % 3: with % 3 the 4th key "
     "byte is never used and the pattern drifts (RFC 6455 section 5.3)"),
    ("looks like the whole key XORed into every byte (only its last byte survives)",
     lambda d, k: bytes((b ^ int.from_bytes(k, "big")) & 0xFF for b in d),
     "each payload byte is XORed with ONE key byte, key[i % 4]; XOR with the 32-bit key as a "
     "number then & 0xFF keeps only key[3] for every byte"),
    ("looks like only key[0] is used",
     lambda d, k: bytes(b ^ k[0] for b in d),
     "the key byte changes with the position: key[i % 4], not key[0] every time"),
    ("looks like the key index is off by one (key[(i + 1) % 4])",
     lambda d, k: _xor(d, k, 1),
     "byte 0 of the payload uses key[0]: j = i mod 4 with i counted from 0"),
    ("looks like the key bytes are used in reverse order",
     lambda d, k: _xor(d, k[::-1]),
     "the key is used in the order it appears on the wire: key[0] first (no little-endian "
     "reversal; if you use int.from_bytes, use 'big' for both the data and the key)"),
]

_PROBE = bytes(range(0x41, 0x41 + 11))  # 11 bytes: not a multiple of 3 or 4
_PROBE_KEY = bytes.fromhex("0a1b2c3d")


def _diagnose(report: Report, func: Callable, mistakes: list, call: Callable[[Callable], object],
              expected: object) -> None:
    """When the answer is wrong, add a failed line naming the classic mistake it matches."""
    if report.passed or not report.attempted:
        return
    try:
        got = call(func)
    except Exception as exc:
        text = str(exc)
        if "range(0, 256)" in text:
            report.add("looks like a value above 255 put into bytes", False, _describe_exception(exc),
                       "XOR each byte with ONE key byte (0-255); XOR with the whole 4-byte key as "
                       "a number gives values up to 2**32 that do not fit in a byte")
        return
    if _same_bytes(got, expected):
        return
    for name, wrong, hint in mistakes:
        try:
            if _same_bytes(got, call(wrong)):
                report.add(name, False, "", hint)
                return
        except Exception:  # pragma: no cover - the mistakes are our own code
            continue


def check_mask(func: Callable[[bytes, bytes], bytes] | None) -> Report:
    """Exercise 4.1: ``mask(data, key)`` returns ``data`` XOR the key repeated (section 5.3)."""
    long_data = _data(41, 1000)
    key2 = bytes.fromhex("a1b2c3d4")
    cases = [
        Case("RFC 6455 section 5.7: 'Hello' with key 37 fa 21 3d gives 7f 9f 4d 51 58",
             (b"Hello", RFC_KEY), bytes.fromhex("7f9f4d5158"), _MASK_HINT, _same_bytes),
        Case("an empty payload gives b''", (b"", RFC_KEY), b"",
             "no payload bytes, nothing to XOR: return b''", _same_bytes),
        Case("3 bytes (shorter than the key)", (b"abc", key2), _xor(b"abc", key2), _MASK_HINT,
             _same_bytes),
        Case("11 bytes: the key repeats, and the last round uses only part of it",
             (_PROBE, _PROBE_KEY), _xor(_PROBE, _PROBE_KEY), _MASK_HINT, _same_bytes),
        Case("1000 random bytes", (long_data, key2), _xor(long_data, key2), _MASK_HINT, _same_bytes),
        Case("masking the masked bytes again gives 'Hello' back (XOR twice)",
             (bytes.fromhex("7f9f4d5158"), RFC_KEY), b"Hello",
             "(x XOR k) XOR k == x: the same function masks and unmasks", _same_bytes),
    ]
    report = check_function("Exercise 4.1 - mask(data, key)", _shown_as_hex(func), _hex_cases(cases))
    _diagnose(report, func, _MASK_MISTAKES, lambda f: f(_PROBE, _PROBE_KEY), _xor(_PROBE, _PROBE_KEY))
    return report


# ---------------------------------------------------------------- 4.2 unmask a captured frame

def _client_frame(opcode: int, payload: bytes, key: bytes) -> str:
    return encode_frame(Frame(opcode, payload, mask=key)).hex(" ")


def check_unmask_captured(func: Callable[[str], bytes] | None) -> Report:
    """Exercise 4.2: ``unmask_captured(frame_hex)`` returns the payload of one captured, masked
    client frame given as hex (spaces allowed)."""
    key_a, key_b, key_c = bytes.fromhex("5a1e77c3"), bytes.fromhex("01020304"), bytes.fromhex("ffeeddcc")
    binary = _data(42, 20)
    medium = ("WebSocket " * 30).encode()  # 300 bytes: the 16-bit length form
    big = _data(43, 70000)  # over 65535 bytes: the 64-bit length form
    where_key = ("the header is 2 bytes, then 2 more if the 7-bit length is 126, or 8 more if it "
                 "is 127; the 4-byte masking key comes right after, then the payload "
                 "(RFC 6455 section 5.2)")
    cases = [
        Case("RFC 6455 section 5.7's masked 'Hello'", (RFC_MASKED_HELLO,), b"Hello",
             "byte 1 is 0x85: MASK bit set, length 5; the key is bytes 2-5, the payload bytes "
             "6-10; XOR payload byte i with key[i % 4]", _same_bytes),
        Case("a 20-byte binary frame", (_client_frame(Opcode.BINARY, binary, key_a),), binary,
             where_key, _same_bytes),
        Case("an empty masked frame (length 0, the key is still there)",
             (_client_frame(Opcode.TEXT, b"", key_b),), b"",
             "a masked frame always carries the 4-byte key, even with no payload", _same_bytes),
        Case("300 bytes: length 126, then a 16-bit length",
             (_client_frame(Opcode.TEXT, medium, key_b),), medium,
             "the 7-bit length is 126, so the real length is in bytes 2-3 and the key is in "
             "bytes 4-7 (RFC 6455 section 5.2)", _same_bytes),
        Case("70000 bytes: length 127, then a 64-bit length",
             (_client_frame(Opcode.BINARY, big, key_c),), big,
             "the 7-bit length is 127, so the real length is in bytes 2-9 and the key is in "
             "bytes 10-13 (RFC 6455 section 5.2)", _same_bytes),
    ]
    report = check_function("Exercise 4.2 - unmask_captured(frame_hex)", _shown_as_hex(func),
                            _hex_cases(cases))
    if report.attempted and not report.passed:
        # Name the classic slip: returning the payload exactly as it is on the wire.
        try:
            got = _as_bytes(func(RFC_MASKED_HELLO))
        except Exception:
            got = None
        if got == bytes.fromhex("7f9f4d5158"):
            report.add("looks like the payload was returned still masked", False, "",
                       "these are the bytes on the wire; XOR them with the key to get the data")
        elif got == bytes.fromhex("37fa213d7f9f4d5158"):
            report.add("looks like the key was returned as part of the payload", False, "",
                       "the 4 bytes after the length are the masking key, not data; the payload "
                       "starts after them")
    return report


# ---------------------------------------------------------------- 4.3 unmask in pieces

def _pieces(data: bytes, sizes: list[int]) -> list[bytes]:
    out, pos = [], 0
    for n in sizes:
        out.append(data[pos:pos + n])
        pos += n
    return out


def _split_same(got, expected) -> bool:
    if not isinstance(got, (list, tuple)) or len(got) != len(expected):
        return False
    return all(_same_bytes(g, e) for g, e in zip(got, expected))


def check_unmask_pieces(func: Callable[[list[bytes], bytes], list[bytes]] | None) -> Report:
    """Exercise 4.3: ``unmask_pieces(pieces, key)`` unmasks one payload that arrived as several
    reads and returns the unmasked pieces (same sizes, same order)."""
    key = bytes.fromhex("9c41e0b7")
    hint = ("the key position continues from one piece to the next: a piece that starts at "
            "payload offset n uses key[(n + i) % 4], so keep a running offset (RFC 6455 section 5.3 "
            "counts i over the whole payload, not per read)")
    cases = []
    for name, plain, sizes in [
        ("one piece holding the whole payload", b"Hello", [5]),
        ("pieces of 5, 3 and 7 bytes", b"fragmented read", [5, 3, 7]),
        ("one byte at a time", b"sticky", [1] * 6),
        ("pieces of 4 and 4 (boundaries that happen to line up with the key)", b"12345678", [4, 4]),
        ("an empty read in the middle", b"abcdefgh", [3, 0, 5]),
        ("no pieces at all", b"", []),
    ]:
        masked = _xor(plain, key)
        cases.append(Case(name, (_pieces(masked, sizes), key), _pieces(plain, sizes), hint,
                          _split_same))
    report = check_function("Exercise 4.3 - unmask_pieces(pieces, key)", _shown_as_hex(func),
                            _hex_cases(cases))
    if report.attempted and not report.passed:
        probe = _pieces(_xor(b"fragmented read", key), [5, 3, 7])
        restarted = [_xor(p, key) for p in probe]
        try:
            got = func(probe, key)
        except Exception:
            got = None
        if _split_same(got, restarted):
            report.add("looks like the key restarts at key[0] for every piece", False, "",
                       "a piece is not a new payload: after a 5-byte piece the next byte uses "
                       "key[5 % 4] = key[1], not key[0]")
    return report


# ---------------------------------------------------------------- 4.4 who masks

def check_must_mask(func: Callable[[str], bool] | None) -> Report:
    """Exercise 4.4: ``must_mask(role)``: does a ``"client"`` / ``"server"`` mask its frames?"""
    report = Report("Exercise 4.4 - must_mask(role)")
    if func is None:
        report.attempted = False
        return report
    answers = {}
    for role in ("client", "server"):
        try:
            answers[role] = func(role)
        except NotImplementedError:
            report.attempted = False
            report.results.clear()
            return report
        except Exception as exc:
            answers[role] = exc
    if all(a is None or a is Ellipsis for a in answers.values()):
        report.attempted = False
        return report
    for role, expected, hint in [
        ("client", True, "a client MUST mask every frame it sends (RFC 6455 section 5.1), with a "
                         "fresh unpredictable key each time (section 10.3)"),
        ("server", False, "a server MUST NOT mask the frames it sends (RFC 6455 section 5.1); a "
                          "client that receives a masked frame fails the connection (1002)"),
    ]:
        got = answers[role]
        if isinstance(got, Exception):
            report.add(f"must_mask({role!r})", False, _describe_exception(got), hint)
        else:
            ok = isinstance(got, bool) and got is expected
            report.add(f"must_mask({role!r}) is {expected}", ok,
                       "" if ok else f"expected {expected}, got {got!r}", hint)
    return report
