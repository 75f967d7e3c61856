"""Self-checks for lesson 05 (fragmentation, 分片).

* 5.1 :func:`check_fragment`: ``fragment(payload, size, opcode)`` -> ``[(fin, opcode, chunk), ...]``.
* 5.2 :func:`check_reassemble`: ``reassemble(frames)`` -> the messages, or the close code of the
  first rule the frames break.
* 5.3 :func:`check_close_codes`: a dict from violation to close code (or ``None`` when the
  situation is not an error at all).

A decision for 5.1, stated in the lesson too: the answer uses the fewest frames,
``ceil(len(payload) / size)`` (one frame for an empty payload). A payload that is an exact
multiple of ``size`` therefore does NOT end with an empty continuation frame. Such a frame would
be legal on the wire (section 5.4 does not forbid empty fragments, and a receiver must accept
it), but it is one frame more than needed, and wslib's ``Connection.send_text`` does not send it.

5.1 and 5.2 run their cases with :func:`wslib.exercises.check_function` (how to write a check:
the docstring of that package); the answer to 5.3 is a dict, not a function, so it fills its
Report by hand.
"""

from __future__ import annotations

import codecs
from typing import Callable

from . import Case, Report, check_function

__all__ = ["check_fragment", "check_reassemble", "check_close_codes", "VIOLATIONS"]

CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


# ---------------------------------------------------------------- 5.1 fragment

def _ref_fragment(payload: bytes, size: int, opcode: int) -> list[tuple[bool, int, bytes]]:
    chunks = [payload[i:i + size] for i in range(0, len(payload), size)] or [b""]
    return [(i == len(chunks) - 1, opcode if i == 0 else CONT, c) for i, c in enumerate(chunks)]


def _normal_frames(value) -> list[tuple[bool, int, bytes]] | None:
    """``[(fin, opcode, chunk), ...]`` with plain types, or None if the shape is wrong."""
    if not isinstance(value, (list, tuple)):
        return None
    out = []
    for item in value:
        if not isinstance(item, (list, tuple)) or len(item) != 3:
            return None
        fin, opcode, chunk = item
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            return None
        try:
            out.append((bool(fin), int(opcode), bytes(chunk)))
        except (TypeError, ValueError):
            return None
    return out


def _same_frames(got, expected) -> bool:
    return _normal_frames(got) == expected


def _with_trailing_empty(payload: bytes, size: int, opcode: int) -> list[tuple[bool, int, bytes]]:
    """The off-by-one that cuts len // size + 1 chunks: an empty last one for exact multiples."""
    chunks = [payload[i:i + size] for i in range(0, len(payload) // size * size + 1, size)]
    return [(i == len(chunks) - 1, opcode if i == 0 else CONT, c) for i, c in enumerate(chunks)]


# Classic wrong answers to 5.1 and what to say about them.
_FRAGMENT_MISTAKES: list[tuple[str, Callable, str]] = [
    ("looks like every frame carries the message's opcode",
     lambda p, s, o: [(fin, o, c) for fin, _, c in _ref_fragment(p, s, o)],
     "only the FIRST frame has the opcode (TEXT or BINARY); every later frame is a "
     "continuation, opcode 0 (RFC 6455 section 5.4)"),
    ("looks like FIN is set on the first frame instead of the last",
     lambda p, s, o: [(i == 0, op, c) for i, (_, op, c) in enumerate(_ref_fragment(p, s, o))],
     "FIN=1 means 'this is the final fragment': it goes on the LAST frame only (section 5.2, 5.4)"),
    ("looks like FIN is set on every frame",
     lambda p, s, o: [(True, op, c) for _, op, c in _ref_fragment(p, s, o)],
     "FIN=1 on a frame ends the message; the receiver would take the first fragment as a whole "
     "message and the next CONT frame as a protocol error (1002)"),
    ("looks like an empty frame is added at the end",
     lambda p, s, o: _with_trailing_empty(p, s, o),
     "an empty final CONT frame with FIN=1 is legal on the wire, but this exercise asks for the "
     "fewest frames: ceil(len(payload) / size), and one frame for an empty payload"),
]


def check_fragment(func: Callable[[bytes, int, int], list] | None) -> Report:
    """Exercise 5.1: ``fragment(payload, size, opcode)`` splits one message into frames."""
    hint = ("first frame: the message's opcode and FIN=0; middle frames: opcode 0 (CONT), FIN=0; "
            "last frame: CONT with FIN=1; each frame holds `size` bytes except maybe the last "
            "(RFC 6455 section 5.4)")
    cases = []
    for name, payload, size, opcode, extra in [
        ("'Hello, world' (12 bytes) in frames of 5 bytes: TEXT, CONT, CONT", b"Hello, world", 5,
         TEXT, ""),
        ("a payload that fits in one frame is sent unfragmented (FIN=1, its own opcode)", b"hi", 5,
         TEXT, "when the payload fits, send ONE frame with FIN=1 and the message's opcode"),
        ("exactly `size` bytes: one frame", b"12345", 5, BINARY,
         "5 bytes in frames of 5 is one frame, FIN=1"),
        ("an exact multiple of `size` (10 bytes in 5s): two frames, no empty third",
         b"0123456789", 5, TEXT, ""),
        ("an empty payload: one empty frame with FIN=1", b"", 4, TEXT,
         "an empty message is still one frame: [(True, opcode, b'')]"),
        ("a binary message, one byte per frame", b"\x00\xff\x10", 1, BINARY, ""),
    ]:
        cases.append(Case(name, (payload, size, opcode), _ref_fragment(payload, size, opcode),
                          extra or hint, _same_frames))
    report = check_function("Exercise 5.1 - fragment(payload, size, opcode)", func, cases)
    if report.attempted and not report.passed:
        probe = (b"Hello, world", 5, TEXT)
        try:
            got = _normal_frames(func(*probe))
        except Exception:
            got = None
        for name, wrong, mistake_hint in _FRAGMENT_MISTAKES:
            if got is not None and got == wrong(*probe):
                report.add(name, False, "", mistake_hint)
                break
        else:
            probe = (b"0123456789", 5, TEXT)
            try:
                got = _normal_frames(func(*probe))
            except Exception:
                got = None
            name, wrong, mistake_hint = _FRAGMENT_MISTAKES[3]
            if got is not None and got == wrong(*probe):
                report.add(name, False, "", mistake_hint)
    return report


# ---------------------------------------------------------------- 5.2 reassemble

def _ref_reassemble(frames: list[tuple[bool, int, bytes]]) -> list | int:
    messages: list = []
    opcode = None
    parts: list[bytes] = []
    for fin, op, payload in frames:
        if op >= 0x8:
            if not fin:
                return 1002
            continue
        if op == CONT:
            if opcode is None:
                return 1002
        else:
            if opcode is not None:
                return 1002
            opcode, parts = op, []
        parts.append(payload)
        if opcode == TEXT:
            # Checked at every fragment: a sequence that can never become UTF-8 fails at once.
            decoder = codecs.getincrementaldecoder("utf-8")()
            try:
                decoder.decode(b"".join(parts), fin)
            except UnicodeDecodeError:
                return 1007
        if fin:
            data = b"".join(parts)
            messages.append(data.decode("utf-8") if opcode == TEXT else data)
            opcode, parts = None, []
    return messages


def _same_messages(got, expected) -> bool:
    if isinstance(expected, int):
        return isinstance(got, int) and not isinstance(got, bool) and got == expected
    if not isinstance(got, (list, tuple)) or len(got) != len(expected):
        return False
    for g, e in zip(got, expected):
        if isinstance(e, str):
            if not isinstance(g, str) or g != e:
                return False
        elif not isinstance(g, (bytes, bytearray)) or bytes(g) != e:
            return False
    return True


def check_reassemble(func: Callable[[list], object] | None) -> Report:
    """Exercise 5.2: ``reassemble(frames)`` returns the list of complete messages (``str`` for
    text, ``bytes`` for binary) or, at the first broken rule, that rule's close code (an int)."""
    euro = "€".encode()  # e2 82 ac: three bytes, split over two fragments below
    cases = [
        Case("one unfragmented text frame", ([(True, TEXT, b"hi")],), ["hi"],
             "a frame with FIN=1 and opcode TEXT is a whole message: decode it as UTF-8"),
        Case("three fragments make one message", (
            [(False, TEXT, b"Hel"), (False, CONT, b"lo, "), (True, CONT, b"world")],), ["Hello, world"],
             "join the payloads of the first frame and every CONT frame up to the one with FIN=1"),
        Case("a ping between fragments is not part of the message", (
            [(False, TEXT, b"Hello, "), (True, PING, b"are you there?"), (True, CONT, b"world")],),
             ["Hello, world"],
             "control frames may come between fragments (RFC 6455 section 5.4); they are answered "
             "on their own and their payload never joins the message"),
        Case("a fragmented binary message stays bytes", (
            [(False, BINARY, b"\x00\x01"), (True, CONT, b"\x02")],), [b"\x00\x01\x02"],
             "the FIRST frame's opcode decides the type: BINARY gives bytes, TEXT gives str"),
        Case("two messages in a row, and a pong", (
            [(True, TEXT, b"one"), (True, PONG, b""), (False, TEXT, b"t"), (True, CONT, b"wo")],),
             ["one", "two"], "after a FIN=1 frame the next data frame starts a new message"),
        Case("a UTF-8 character split between fragments is fine", (
            [(False, TEXT, b"price: " + euro[:1]), (True, CONT, euro[1:] + b"5")],), ["price: €5"],
             "decode the whole message (or use an incremental decoder), not each fragment on its "
             "own: a code point may be cut by a fragment boundary (RFC 6455 section 5.6)"),
        Case("a message not finished yet is not returned", (
            [(True, TEXT, b"done"), (False, TEXT, b"still coming")],), ["done"],
             "a message is complete only at its FIN=1 frame; until then there is nothing to return"),
        Case("a continuation frame with no message started: 1002", (
            [(True, CONT, b"orphan")],), 1002,
             "a CONT frame is only allowed inside a fragmented message (RFC 6455 section 5.4): "
             "protocol error, close code 1002"),
        Case("a new TEXT frame inside a fragmented message: 1002", (
            [(False, TEXT, b"first"), (True, TEXT, b"second")],), 1002,
             "fragments of one message may not be interleaved with another message: after FIN=0 "
             "only CONT (or control) frames may come (section 5.4): 1002"),
        Case("a fragmented control frame (PING with FIN=0): 1002", (
            [(False, TEXT, b"a"), (False, PING, b"x"), (True, CONT, b"b")],), 1002,
             "control frames MUST NOT be fragmented (RFC 6455 section 5.5): 1002"),
        Case("invalid UTF-8 in a text message: 1007", (
            [(False, TEXT, b"ok "), (True, CONT, b"\xff")],), 1007,
             "text must be valid UTF-8 (section 8.1); failing that the close code is 1007 "
             "(invalid frame payload data, section 7.4.1)"),
        Case("invalid UTF-8 is caught even before the message ends: 1007", (
            [(False, TEXT, b"\xc0\xaf"), (False, CONT, b"more")],), 1007,
             "0xC0 can never start valid UTF-8: an incremental decoder sees it in the first "
             "fragment, without waiting for FIN (codecs.getincrementaldecoder('utf-8'))"),
    ]
    for case in cases:
        assert _same_messages(_ref_reassemble(*case.args), case.expected), case.name
        case.compare = _same_messages
    return check_function("Exercise 5.2 - reassemble(frames)", func, cases)


# ---------------------------------------------------------------- 5.3 close codes

VIOLATIONS: dict[str, tuple[int | None, str]] = {
    "a continuation frame arrives with no message started":
        (1002, "a protocol error: CONT only continues a message (RFC 6455 section 5.4)"),
    "a TEXT frame arrives in the middle of a fragmented message":
        (1002, "a protocol error: messages may not interleave (section 5.4)"),
    "a PING frame arrives with FIN=0":
        (1002, "a protocol error: control frames must not be fragmented (section 5.5)"),
    "a text message contains invalid UTF-8":
        (1007, "1007 means 'invalid frame payload data', e.g. non-UTF-8 text (sections 7.4.1, 8.1)"),
    "a message is larger than the receiver accepts":
        (1009, "1009 means 'message too big' (section 7.4.1)"),
    "a PING frame arrives between two fragments of a message":
        (None, "not an error: control frames may be injected between fragments (section 5.4)"),
    "a UTF-8 character is split between two fragments":
        (None, "not an error: the text is checked as a whole message, so a character may be cut "
               "by a fragment boundary (section 5.6)"),
    "a server receives an unmasked frame from a client":
        (1002, "a protocol error: clients must mask every frame (section 5.1)"),
}


def check_close_codes(answers: dict | None) -> Report:
    """Exercise 5.3: ``answers`` maps each violation in :data:`VIOLATIONS` to a close code, or
    to ``None`` for a situation that is not an error."""
    report = Report("Exercise 5.3 - which close code?")
    if not isinstance(answers, dict) or all(v is Ellipsis for v in answers.values()):
        report.attempted = False
        return report
    for situation, (code, why) in VIOLATIONS.items():
        if situation not in answers:
            report.add(situation, False, "missing from your dict",
                       "keep every key of the dict in the exercise cell")
            continue
        got = answers[situation]
        if got is Ellipsis:
            report.add(situation, False, "not answered yet (still ...)", why)
            continue
        ok = got is None if code is None else (isinstance(got, int) and got == code)
        want = "None (not an error)" if code is None else str(code)
        report.add(f"{situation}: {want}", ok, "" if ok else f"you said {got!r}", why)
    return report
