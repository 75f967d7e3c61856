"""Self-checks for lesson 06 (TCP is a byte stream: 粘包 sticky and 分包 split packets).

* 6.1 :func:`check_message_parser`: a class ``MessageParser(max_length)`` whose
  ``feed(data) -> [(type, payload), ...]`` reads a length-prefixed protocol: a 4-byte
  big-endian payload length, a 1-byte type, the payload. A length over ``max_length`` raises
  ``ValueError`` as soon as the header is in, before any payload is buffered.
* 6.2 :func:`check_line_reader`: a class ``LineReader(max_line)`` whose ``feed(data) ->
  [line, ...]`` returns each complete line as bytes, without its ``b"\\n"``; a line longer than
  ``max_line`` bytes raises ``ValueError`` as soon as more than ``max_line`` bytes without a
  newline are buffered (a peer that never ends its line must not fill our memory).

The learner's answer is a class, so each case builds one instance, feeds it a list of chunks
(the ``recv()`` results of one connection) and looks at the messages collected and the
exception raised, if any. Cases go through :func:`wslib.exercises.judge_answer` with a
comparison that names type mistakes and a hint that names the classic mistake it recognises;
the expected messages of a failing case are never shown, only what the learner's code returned
and which part of it differs.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, Callable

from . import Case, NotAttempted, Report, judge_answer

__all__ = ["check_message_parser", "check_line_reader", "encode_message", "Run"]

FINISH = "finish feed()"


@dataclass(frozen=True)
class Run:
    """What one instance did with a list of chunks: the messages its feeds returned (in
    order), and the exception a feed raised (its type name and the index of that feed)."""

    messages: tuple
    raised: str | None = None
    at_feed: int | None = None


class _ReturnedNone(Exception):
    """feed() returned None: the learner probably forgot ``return``."""


class _WrongType(Exception):
    """feed() returned something that is not a list of the right things."""


def _run(cls: type, args: tuple, chunks: list[bytes], check_item: Callable[[Any], str | None]) -> Run:
    """Feed ``chunks`` to ``cls(*args)``; ValueError stops the run (it is an answer), any
    other exception propagates (it is a crash of the learner's code)."""
    parser = cls(*args)
    messages: list = []
    for i, chunk in enumerate(chunks):
        try:
            out = parser.feed(chunk)
        except ValueError as exc:
            return Run(tuple(messages), type(exc).__name__, i)
        if out is None:
            raise _ReturnedNone
        if not isinstance(out, list):
            raise _WrongType(f"feed() returned a {type(out).__name__} where a list is expected")
        for item in out:
            problem = check_item(item)
            if problem:
                raise _WrongType(problem)
        messages.extend(out)
    return Run(tuple(messages))


def _describe(messages: tuple, show: Callable[[Any], str]) -> str:
    return "[" + ", ".join(show(m) for m in messages) + "]" if messages else "nothing"


def _compare(show: Callable[[Any], str]):
    """A compare= for Cases whose expected value is a Run: the detail says what the learner's
    code did and where it differs, never what the expected messages are."""
    def compare(got: Run, expected: Run) -> tuple[bool, str]:
        if got == expected:
            return True, ""
        if expected.raised and not got.raised:
            return False, (f"no ValueError: your feeds returned {_describe(got.messages, show)} "
                           "and accepted the rest")
        if got.raised and not expected.raised:
            return False, f"feed number {got.at_feed + 1} raised ValueError on a valid stream"
        if got.raised and expected.raised:
            if got.at_feed > expected.at_feed:
                return False, (f"ValueError came from feed number {got.at_feed + 1}, too late: "
                               "the limit was already broken by an earlier feed")
            if got.at_feed < expected.at_feed:
                return False, (f"ValueError came from feed number {got.at_feed + 1}, too early: "
                               "what had arrived by then could still be valid")
            return False, "the ValueError came at the right feed, but messages before it differ"
        n, m = len(got.messages), len(expected.messages)
        for i, (g, e) in enumerate(zip(got.messages, expected.messages)):
            if g != e:
                return False, (f"message {i + 1} differs: you returned {show(g)}"
                               + (f" ({i} before it right)" if i else ""))
        if n < m:
            return False, (f"your feeds returned {n} message(s) in all: too few"
                           + (" (the ones returned are right)" if n else ""))
        return False, f"your feeds returned {n} message(s) in all: too many"
    return compare


def _alike(a: Run, b: Run) -> bool:
    """Same messages and both refused or both not: a mistake is recognised even when the
    learner's version refuses one feed earlier or later than the sketch of it here."""
    return a.messages == b.messages and bool(a.raised) == bool(b.raised)


def _judge_all(title: str, cls: Any, cases: list["_ParserCase"], reference: Callable,
               check_item: Callable[[Any], str | None],
               mistakes: list[tuple[str, Callable, str]]) -> Report:
    """The loop of check_function for a class answer (see the module docstring), then, when
    the answer fails, one more line naming the classic mistake its runs match, if any."""
    report = Report(title)
    seen: list[tuple[_ParserCase, list, Run]] = []  # (case, the chunks it failed on, the run)

    def runner(case: _ParserCase) -> Run:
        for chunks in case.every or [case.chunks]:
            case.chunks, case.expected = chunks, reference(chunks, case.max_length)
            got = _run(cls, (case.max_length,), chunks, check_item)
            if got != case.expected:
                break  # the first cut that goes wrong is the one reported
        seen.append((case, case.chunks, got))
        return got

    try:
        if cls is None or not isinstance(cls, type):
            if cls is None:
                raise NotAttempted
            report.add("the answer is a class", False,
                       f"got a {type(cls).__name__}", "pass the class itself, not an instance")
            return report
        for i, case in enumerate(cases):
            try:
                got, error = runner(case), None
            except _ReturnedNone:
                report.add(case.name, False, "feed() returned None",
                           "did you forget to `return` the list (an empty list when nothing is "
                           "complete yet)?")
                continue
            except _WrongType as exc:
                report.add(case.name, False, str(exc), case.hint_for(None))
                continue
            except Exception as exc:  # the learner's code: reported, never raised
                got, error = None, exc
            judge_answer(report, case, got, error, first=i == 0, stub_hint=FINISH)
            result = report.results[-1]
            if not result.passed and getattr(case, "every", None):
                result.detail = f"cut after byte {len(case.chunks[0])}: {result.detail}"
    except NotAttempted:
        report.attempted = False
        report.results.clear()
        return report
    if not report.passed:
        for name, wrong, hint in mistakes:
            if seen and all(_alike(wrong(chunks, case.max_length), got) for case, chunks, got in seen):
                report.add(f"looks like: {name}", False, "", hint)
                break
    return report


def _every_split(stream: bytes) -> list[list[bytes]]:
    return [[stream[:i], stream[i:]] for i in range(1, len(stream))]


# ---------------------------------------------------------------- 6.1 length-prefixed messages

def encode_message(kind: int, payload: bytes) -> bytes:
    """One message of the exercise's protocol: 4-byte big-endian length, 1-byte type, payload."""
    return struct.pack("!IB", len(payload), kind) + payload


class _Parser:
    """The reference parser, and with a flag changed, each classic wrong answer."""

    def __init__(self, max_length, *, fmt="!I", early=True, loop=True, keep=True,
                 counts_type=False):
        self.max_length, self.fmt, self.early, self.loop, self.keep = max_length, fmt, early, loop, keep
        self.counts_type = counts_type
        self.buf = b""

    def feed(self, data):
        buf = self.buf + data
        out = []
        while len(buf) >= 4:
            (length,) = struct.unpack(self.fmt, buf[:4])
            if self.early and length > self.max_length:
                raise ValueError("too long")
            end = 4 + max(length, 1) if self.counts_type else 5 + length
            if len(buf) < end:
                break
            if length > self.max_length:
                raise ValueError("too long")
            out.append((buf[4], buf[5:end]))
            buf = buf[end:]
            if not self.loop:
                buf = b""
                break
        self.buf = buf if self.keep else b""
        return out


def _sketch(cls: type, **flags: bool | str) -> Callable[[list, int], Run]:
    """``f(chunks, limit)``: the Run of ``cls(limit, **flags)``, the reference (no flags) or a
    classic wrong answer."""
    return lambda chunks, limit: _run(lambda n: cls(n, **flags), (limit,), chunks, lambda item: None)


_ref_parse = _sketch(_Parser)


def _message_item_problem(item: Any) -> str | None:
    if not isinstance(item, tuple):
        return (f"feed() returned a list holding a {type(item).__name__} where a tuple "
                "(type, payload) is expected")
    if len(item) != 2:
        return f"a message is a tuple of 2, (type, payload); got a tuple of {len(item)}"
    kind, payload = item
    if not isinstance(kind, int) or isinstance(kind, bool):
        return f"a message's type is an int (one byte: 0-255); got a {type(kind).__name__}"
    if not isinstance(payload, bytes):
        extra = (": wrap it in bytes(...)" if isinstance(payload, (bytearray, memoryview))
                 else ": keep the bytes as they came, do not decode them" if isinstance(payload, str)
                 else "")
        return f"a message's payload is bytes; got a {type(payload).__name__}{extra}"
    return None


def _show_message(m: Any) -> str:
    return repr(m) if len(repr(m)) <= 40 else repr(m)[:37] + "..."


_PARSER_MISTAKES: list[tuple[str, Callable, str]] = [
    ("one message per feed", _sketch(_Parser, loop=False),
     "粘包: one feed can hold several messages. Loop: after taking one message out of your "
     "buffer, look again, until what is left is shorter than a whole message"),
    ("no buffer between feeds", _sketch(_Parser, keep=False),
     "分包: a message (even its header) can arrive in pieces. Keep the bytes you cannot use yet "
     "in a buffer on self, and add each feed to the end of it"),
    ("limit checked too late", _sketch(_Parser, early=False),
     "check the length against max_length as soon as the length is in, BEFORE waiting for the "
     "payload: a peer may announce 4 GB and never send it, or send it to fill your memory"),
    ("little-endian length", _sketch(_Parser, fmt="<I"),
     "the length is big-endian (network byte order, most significant byte first): "
     "int.from_bytes(header[:4], 'big'), or struct.unpack('!I', ...)"),
    ("length counts the type byte", _sketch(_Parser, counts_type=True),
     "the length counts the payload only: the message is 4 + 1 + length bytes long"),
]


@dataclass
class _ParserCase(Case):
    chunks: list = None  # type: ignore[assignment]
    max_length: int = 1024  # max_length of 6.1, max_line of 6.2
    every: list = None  # type: ignore[assignment]  # several chunkings that must all agree


def _make_cases(specs: list[tuple], reference: Callable[[list, int], Run]) -> list[_ParserCase]:
    """Cases from ``(name, chunks or a list of chunkings, limit, hint)``."""
    cases = []
    for name, chunks, limit, hint in specs:
        every = chunks if isinstance(chunks[0], list) else None
        first = every[0] if every else chunks
        cases.append(_ParserCase(name, (), reference(first, limit), hint, _compare(_show_message),
                                 chunks=first, max_length=limit, every=every))
    return cases


def _parser_cases() -> list[_ParserCase]:
    hello = encode_message(1, b"hello")
    three = encode_message(1, b"one") + encode_message(2, "粘包".encode()) + encode_message(7, b"\x00\xff")
    big = encode_message(3, bytes(range(256)) + b"!" * 44)  # 300 bytes: length 00 00 01 2c
    over = struct.pack("!IB", 2000, 1)
    specs = [
        ("one whole message in one feed", [hello], 1024,
         "read 4 bytes of length, 1 byte of type, then `length` bytes of payload; return "
         "[(type, payload)]"),
        ("three messages in one feed (粘包, sticky)", [three], 1024,
         "one feed may hold several messages: return all of them, in order"),
        ("a message in two pieces, cut at every byte (分包, split)", _every_split(hello), 1024,
         "keep unfinished bytes between feeds; nothing is returned until the message is whole"),
        ("the header cut between the length and the type", [hello[:4], hello[4:]], 1024,
         "the header can be cut too: wait until all 5 header bytes are buffered"),
        ("three messages, cut at every byte", _every_split(three), 1024,
         "whatever the cut, the same three messages must come out"),
        ("three messages, one byte per feed", [three[i:i + 1] for i in range(len(three))], 1024,
         "with one byte per feed, every message completes in the feed of its last byte"),
        ("an empty payload is still a message", [encode_message(5, b"") + hello], 1024,
         "a length of 0 is a complete message as soon as its 5 header bytes are in, with an empty "
         "payload"),
        ("a 300-byte payload (the length needs more than one byte)", [big], 1024,
         "the 4 length bytes form one number, most significant byte first"),
        ("a payload of exactly max_length is accepted", [encode_message(9, b"x" * 16)], 16,
         "the limit is inclusive: a payload of max_length bytes is fine"),
        ("a length over max_length is refused from the header alone", [over, b"x" * 100], 1024,
         "raise ValueError in the feed that completes the header: do not wait for the payload"),
        ("a length over the limit in the feed after a good message", [hello, over + b"x"], 1024,
         "check every header against max_length, not only the first one"),
    ]
    return _make_cases(specs, _ref_parse)


def check_message_parser(cls: type | None) -> Report:
    """Exercise 6.1: the class ``MessageParser(max_length)`` with ``feed(data)``."""
    return _judge_all("Exercise 6.1 - MessageParser (length-prefixed)", cls, _parser_cases(), _ref_parse,
                      _message_item_problem, _PARSER_MISTAKES)


# ---------------------------------------------------------------- 6.2 lines

class _Lines:
    """The reference line reader, and with a flag changed, each classic wrong answer."""

    def __init__(self, max_line, *, keep=True, strip=True, limit_waiting=True, empty=True):
        self.max_line, self.keep, self.strip = max_line, keep, strip
        self.limit_waiting, self.empty = limit_waiting, empty
        self.buf = b""

    def feed(self, data):
        parts = (self.buf + data).split(b"\n")
        rest = parts.pop()
        if any(len(p) > self.max_line for p in parts):
            raise ValueError("too long")
        if self.limit_waiting and len(rest) > self.max_line:
            raise ValueError("too long")
        if not self.keep:  # each feed on its own: the unfinished end is a line too
            parts, rest = parts + ([rest] if rest else []), b""
        self.buf = rest
        return [p + (b"" if self.strip else b"\n") for p in parts if p or self.empty]


_ref_lines = _sketch(_Lines)


def _line_item_problem(item: Any) -> str | None:
    if isinstance(item, bytes):
        return None
    extra = (": work on bytes, and let the caller decode a whole line" if isinstance(item, str)
             else ": wrap it in bytes(...)" if isinstance(item, (bytearray, memoryview)) else "")
    return f"feed() returned a list holding a {type(item).__name__} where bytes is expected{extra}"


_LINE_MISTAKES: list[tuple[str, Callable, str]] = [
    ("each feed split on its own", _sketch(_Lines, keep=False),
     "a line can be cut between two feeds: keep the bytes after the last newline in a buffer "
     "and put the next feed behind them"),
    ("newline kept", _sketch(_Lines, strip=False),
     "return each line without its b'\\n' (the delimiter is framing, not data)"),
    ("limit checked only at a newline", _sketch(_Lines, limit_waiting=False),
     "also check the buffer when NO newline has come: a peer that never ends its line must be "
     "stopped once more than max_line bytes are waiting"),
    ("empty lines dropped", _sketch(_Lines, empty=False),
     "an empty line is a line: keep it (HTTP and SSE use an empty line to end a head or an "
     "event)"),
]


def _line_cases() -> list[_ParserCase]:
    three = b'{"n": 1}\n{"n": 2, "s": "a\\nb"}\n{"n": 3}\n'  # NDJSON: the \n inside is escaped
    specs = [
        ("one line in one feed", [b"hello\n"], 64, "return each complete line as bytes, without its b'\\n'"),
        ("three lines in one feed", [three], 64, "return every complete line, in order"),
        ("three lines, cut at every byte", _every_split(three), 64,
         "a line may be cut anywhere: buffer until its b'\\n' arrives"),
        ("a line not finished yet is not returned", [b"first\nsec", b"ond"], 64,
         "a line whose newline has not come yet is not returned: keep it for the next feed"),
        ("empty lines count", [b"a\n\nb\n"], 64, "two newlines in a row enclose an empty line, and an empty line is a line"),
        ("a line of exactly max_line bytes is accepted", [b"x" * 8 + b"\n"], 8,
         "the limit is inclusive: max_line bytes (not counting the newline) are fine"),
        ("a line over max_line with its newline is refused", [b"x" * 9 + b"\n"], 8,
         "a line longer than max_line is refused with ValueError, newline or not"),
        ("a peer that never sends a newline is stopped", [b"x" * 5, b"x" * 5, b"x" * 5], 8,
         "raise ValueError as soon as more than max_line bytes wait without a newline"),
        ("max_line bytes without a newline yet is still fine", [b"x" * 8], 8,
         "max_line bytes without a newline may still become a valid line: do not refuse them yet"),
    ]
    return _make_cases(specs, _ref_lines)


def check_line_reader(cls: type | None) -> Report:
    """Exercise 6.2: the class ``LineReader(max_line)`` with ``feed(data)``."""
    return _judge_all("Exercise 6.2 - LineReader (newline-delimited)", cls, _line_cases(), _ref_lines,
                      _line_item_problem, _LINE_MISTAKES)
