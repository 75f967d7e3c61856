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

5.1 and 5.2 run their cases with :func:`wslib.exercises.check_function`, with hint functions
that name the mistake a wrong answer shows on that case's data (how to write a check: the
docstring of that package); the answer to 5.3 is a dict, a quiz, checked with
:func:`wslib.exercises.check_answers`. No failing line shows the expected frames, messages or
close code.
"""

from __future__ import annotations

import codecs
from functools import partial
from typing import Callable

from . import Case, Report, _short, check_answers, check_function, same_answer

__all__ = ["check_fragment", "check_reassemble", "check_close_codes", "VIOLATIONS",
           "CLOSE_CODE_MEANINGS"]

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


def _compare_frames(got, expected) -> tuple[bool, str]:
    frames = _normal_frames(got)
    if frames is None:
        if isinstance(got, (list, tuple)):
            return False, "each frame must be a tuple (fin, opcode, chunk) with chunk as bytes"
        return False, ""  # the framework names the type
    if frames == expected:
        return True, ""
    out = []
    if len(frames) != len(expected):
        out.append(f"{len(frames)} frame{'s' if len(frames) != 1 else ''}; the right answer has "
                   f"{len(expected)}")
    for i, ((fin, op, chunk), (want_fin, want_op, want_chunk)) in enumerate(zip(frames, expected)):
        wrong = [f"FIN={int(fin)}"] if fin != want_fin else []
        wrong += [f"opcode={op}"] if op != want_op else []
        wrong += [f"chunk {_short(chunk, 30)}"] if chunk != want_chunk else []
        if wrong:
            out.append(f"frame {i}: {', '.join(wrong)}")
    return False, "; ".join(out[:4])


def _with_trailing_empty(payload: bytes, size: int, opcode: int) -> list[tuple[bool, int, bytes]]:
    """The off-by-one that cuts len // size + 1 chunks: an empty last one for exact multiples."""
    chunks = [payload[i:i + size] for i in range(0, len(payload) // size * size + 1, size)]
    return [(i == len(chunks) - 1, opcode if i == 0 else CONT, c) for i, c in enumerate(chunks)]


# Classic wrong answers to 5.1: (what it computes, what to say about it).
_FRAGMENT_MISTAKES: list[tuple[Callable, str]] = [
    (lambda p, s, o: [] if not p else None,
     "an empty message is still one frame: FIN set, the message's opcode, and an empty payload "
     "(a payload length of 0 is allowed, RFC 6455 section 5.2); no frame at all sends no message"),
    (lambda p, s, o: [(fin, o, c) for fin, _, c in _ref_fragment(p, s, o)],
     "every frame carries the message's opcode: only the FIRST frame has it (TEXT or BINARY); "
     "every later frame is a continuation, opcode 0 (RFC 6455 section 5.4)"),
    (lambda p, s, o: [(i == 0, op, c) for i, (_, op, c) in enumerate(_ref_fragment(p, s, o))],
     "FIN is set on the first frame instead of the last: FIN=1 means 'this is the final "
     "fragment', so it goes on the LAST frame only (sections 5.2, 5.4)"),
    (lambda p, s, o: [(True, op, c) for _, op, c in _ref_fragment(p, s, o)],
     "FIN is set on every frame: FIN=1 ends the message, so the receiver would take the first "
     "fragment as a whole message and the next CONT frame as a protocol error"),
    (lambda p, s, o: [(False, op, c) for _, op, c in _ref_fragment(p, s, o)],
     "no frame has FIN set: the message never ends; the last frame needs FIN=1"),
    (_with_trailing_empty,
     "an empty CONT frame with FIN=1 was added at the end: legal on the wire, but this exercise "
     "asks for the fewest frames, ceil(len(payload) / size)"),
    (lambda p, s, o: _ref_fragment(p, s + 1, o) if s > 1 or p else None,
     "the chunks are one byte too long: each frame holds at most `size` bytes, "
     "payload[i:i + size]"),
    (lambda p, s, o: _ref_fragment(p, s - 1, o) if s > 1 else None,
     "the chunks are one byte too short: each frame holds `size` bytes, payload[i:i + size]"),
]

_FRAGMENT_RULE = ("first frame: the message's opcode and FIN=0; middle frames: opcode 0 (CONT), "
                  "FIN=0; last frame: CONT with FIN=1; each frame holds `size` bytes except maybe "
                  "the last (RFC 6455 section 5.4)")


def _fragment_hint(args: tuple, fallback: str, got) -> str:
    frames = _normal_frames(got)
    if frames is None:
        return "" if not isinstance(got, (list, tuple)) else (
            "return a list of (fin, opcode, chunk) tuples, e.g. (False, 1, b'Hello')")
    for wrong, hint in _FRAGMENT_MISTAKES:
        try:
            mistake = wrong(*args)
        except Exception:  # pragma: no cover - the mistakes are our own code
            continue
        if mistake is not None and frames == mistake and mistake != _ref_fragment(*args):
            return hint
    return fallback


def check_fragment(func: Callable[[bytes, int, int], list] | None) -> Report:
    """Exercise 5.1: ``fragment(payload, size, opcode)`` splits one message into frames."""
    cases = []
    for name, payload, size, opcode, fallback in [
        ("'Hello, world' (12 bytes) in frames of 5 bytes", b"Hello, world", 5, TEXT,
         _FRAGMENT_RULE),
        ("a payload that fits in one frame", b"hi", 5, TEXT,
         "when the payload fits, send ONE frame: unfragmented, with FIN=1 and the message's "
         "opcode"),
        ("exactly `size` bytes", b"12345", 5, BINARY,
         "5 bytes in frames of 5 fit in one frame"),
        ("an exact multiple of `size` (10 bytes in 5s)", b"0123456789", 5, TEXT, _FRAGMENT_RULE),
        ("an empty payload", b"", 4, TEXT,
         "an empty message is still one frame, with an empty payload"),
        ("a binary message, one byte per frame", b"\x00\xff\x10", 1, BINARY, _FRAGMENT_RULE),
    ]:
        args = (payload, size, opcode)
        cases.append(Case(name, args, _ref_fragment(*args), partial(_fragment_hint, args, fallback),
                          _compare_frames))
    return check_function("Exercise 5.1 - fragment(payload, size, opcode)", func, cases)


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


# What a close code says, to tell a learner what their answer claims (RFC 6455 section 7.4.1).
CLOSE_CODE_MEANINGS = {
    1000: "normal closure", 1001: "going away", 1002: "a protocol error",
    1003: "data of a type the endpoint cannot accept", 1007: "invalid payload data (such as "
    "text that is not UTF-8)", 1008: "a policy violation", 1009: "a message too big to process",
    1010: "a missing extension", 1011: "an internal error of the server",
}


def _said(got) -> str:
    meaning = CLOSE_CODE_MEANINGS.get(got)
    return f"{got} means {meaning}" if meaning else f"{got} is not a close code this lesson uses"


def _reassemble_hint(expected, rule: str, got) -> str:
    """What the answer claims about these frames, and the rule, without the right answer."""
    is_code = isinstance(got, int) and not isinstance(got, bool)
    if isinstance(expected, int):
        if isinstance(got, (list, tuple)):
            return f"your code accepted these frames, but {rule}; return the close code for that"
        if is_code:
            return f"{_said(got)}; but here {rule}"
        return rule
    if is_code:
        return f"your code failed the connection ({_said(got)}), but these frames are fine: {rule}"
    return rule


def _compare_messages(got, expected) -> tuple[bool, str]:
    ok = same_answer(got, expected)
    if ok:
        return True, ""
    if isinstance(expected, int) and isinstance(got, (list, tuple)):
        return False, f"returned the messages {_short(got, 60)}"
    if isinstance(expected, list) and isinstance(got, int) and not isinstance(got, bool):
        return False, f"returned the close code {got}"
    return False, ""  # the framework: a type mistake, or what differs


def check_reassemble(func: Callable[[list], object] | None) -> Report:
    """Exercise 5.2: ``reassemble(frames)`` returns the list of complete messages (``str`` for
    text, ``bytes`` for binary) or, at the first broken rule, that rule's close code (an int)."""
    euro = "€".encode()  # e2 82 ac: three bytes, split over two fragments below
    rows = [
        ("one unfragmented text frame", [(True, TEXT, b"hi")],
         "a frame with FIN=1 and opcode TEXT is a whole message: decode it as UTF-8"),
        ("three fragments make one message",
         [(False, TEXT, b"Hel"), (False, CONT, b"lo, "), (True, CONT, b"world")],
         "join the payloads of the first frame and every CONT frame up to the one with FIN=1"),
        ("a ping between fragments is not part of the message",
         [(False, TEXT, b"Hello, "), (True, PING, b"are you there?"), (True, CONT, b"world")],
         "control frames may come between fragments (RFC 6455 section 5.4); they are answered "
         "on their own and their payload never joins the message"),
        ("a fragmented binary message stays bytes",
         [(False, BINARY, b"\x00\x01"), (True, CONT, b"\x02")],
         "the FIRST frame's opcode decides the type: BINARY gives bytes, TEXT gives str"),
        ("two messages in a row, and a pong",
         [(True, TEXT, b"one"), (True, PONG, b""), (False, TEXT, b"t"), (True, CONT, b"wo")],
         "after a FIN=1 frame the next data frame starts a new message"),
        ("a UTF-8 character split between fragments",
         [(False, TEXT, b"price: " + euro[:1]), (True, CONT, euro[1:] + b"5")],
         "decode the whole message (or use an incremental decoder), not each fragment on its "
         "own: a code point may be cut by a fragment boundary (RFC 6455 section 5.6)"),
        ("a message not finished yet",
         [(True, TEXT, b"done"), (False, TEXT, b"still coming")],
         "a message is complete only at its FIN=1 frame; until then there is nothing to return"),
        ("a continuation frame with no message started", [(True, CONT, b"orphan")],
         "a CONT frame is only allowed inside a fragmented message (RFC 6455 section 5.4): that "
         "breaks the framing rules"),
        ("a new TEXT frame inside a fragmented message",
         [(False, TEXT, b"first"), (True, TEXT, b"second")],
         "fragments of one message may not be interleaved with another message: after FIN=0 "
         "only CONT (or control) frames may come (section 5.4): that breaks the framing rules"),
        ("a fragmented control frame (PING with FIN=0)",
         [(False, TEXT, b"a"), (False, PING, b"x"), (True, CONT, b"b")],
         "control frames MUST NOT be fragmented (RFC 6455 section 5.5): that breaks the "
         "framing rules"),
        ("invalid UTF-8 in a text message", [(False, TEXT, b"ok "), (True, CONT, b"\xff")],
         "the text is not valid UTF-8 (section 8.1), although the frames are well formed: the "
         "data is wrong, not the framing (section 7.4.1)"),
    ]
    cases = []
    for name, frames, rule in rows:
        expected = _ref_reassemble(frames)
        cases.append(Case(name, (frames,), expected, partial(_reassemble_hint, expected, rule),
                          _compare_messages))
    # Failing before the message ends is allowed, not required (RFC 6455 section 8.1 asks to
    # fail when the text is not UTF-8; failing at the first bad fragment is a choice, wslib's):
    # both the close code and "no complete message yet" are right.
    early = [(False, TEXT, b"\xc0\xaf"), (False, CONT, b"more")]
    cases.append(Case(
        "invalid UTF-8 before the message ends (failing now or at FIN are both allowed)",
        (early,), 1007,
        "0xC0 can never start valid UTF-8: either fail now, with the close code for invalid "
        "data (an incremental decoder, codecs.getincrementaldecoder('utf-8'), sees it in the "
        "first fragment), or wait: no message is complete yet",
        lambda got, expected: same_answer(got, expected) or same_answer(got, [])))
    return check_function("Exercise 5.2 - reassemble(frames)", func, cases)


# ---------------------------------------------------------------- 5.3 close codes

VIOLATIONS: dict[str, tuple[int | None, str]] = {
    # situation -> (the close code, or None for "not an error"; a pointer that guides to it
    # without naming it, shown when the answer is wrong)
    "a continuation frame arrives with no message started":
        (1002, "CONT only continues a message (RFC 6455 section 5.4): which kind of error is "
               "breaking the framing rules?"),
    "a TEXT frame arrives in the middle of a fragmented message":
        (1002, "messages may not interleave (section 5.4): which kind of error is breaking the "
               "framing rules?"),
    "a PING frame arrives with FIN=0":
        (1002, "control frames must not be fragmented (section 5.5): which kind of error is "
               "breaking the framing rules?"),
    "a text message contains invalid UTF-8":
        (1007, "the frames are well formed; the data inside is not valid for a text message "
               "(section 8.1): look in the table for the code about the payload data"),
    "a message is larger than the receiver accepts":
        (1009, "nothing is wrong with the frames; the receiver will not take a message this big: "
               "look in the table for the code about size (section 7.4.1)"),
    "a PING frame arrives between two fragments of a message":
        (None, "section 5.4 says what may come between the fragments of a message"),
    "a UTF-8 character is split between two fragments":
        (None, "is text checked fragment by fragment, or as the whole message (section 5.6)?"),
    "a server receives an unmasked frame from a client":
        (1002, "section 5.1: a client MUST mask every frame; which kind of error is a frame "
               "that breaks that rule?"),
}


def _close_code_hint(code: int | None, guide: str, got) -> str:
    if got is None:  # only when None is wrong: for a situation that is an error
        return f"you said this is not an error; {guide}"
    if isinstance(got, int) and not isinstance(got, bool):
        if code is None:
            return f"{_said(got)}; but is this an error at all? {guide}"
        return f"{_said(got)}; {guide}"
    return ""  # another kind of answer ('1009', True): the framework names it


def check_close_codes(answers: dict | None) -> Report:
    """Exercise 5.3: ``answers`` maps each violation in :data:`VIOLATIONS` to a close code, or
    to ``None`` for a situation that is not an error. A wrong answer is told what its code
    means and where to look, never the right code."""
    cases = [Case(situation, (situation,), code, partial(_close_code_hint, code, guide))
             for situation, (code, guide) in VIOLATIONS.items()]
    return check_answers("Exercise 5.3 - which close code?", answers, cases)
