"""Lesson 06's self-checks (TCP is a byte stream): the reference solutions pass, the stubs are
"not attempted", and each classic wrong answer gets the diagnosis that names its mistake."""

from __future__ import annotations

import struct

import pytest

from wslib.exercises import lesson06

import solutions.lesson06  # the repository root is on sys.path (pyproject.toml)

S = solutions.lesson06


class StubParser:  # exactly the stub cells of the notebook
    def __init__(self, max_length=1024):
        self.max_length = max_length

    def feed(self, data):
        raise NotImplementedError  # your code here


def failed_names(report):
    return [r.name for r in report.results if not r.passed]


def text(report):
    return repr(report)


def msg(kind, payload):
    return struct.pack("!IB", len(payload), kind) + payload


# ------------------------------------------------------------------ wrong answers, written out

class OnePerFeed:
    """Takes one message out of each feed and drops the rest (the 粘包 bug)."""

    def __init__(self, max_length=1024):
        self.max_length, self.buf = max_length, b""

    def feed(self, data):
        self.buf += data
        if len(self.buf) < 5:
            return []
        length = int.from_bytes(self.buf[:4], "big")
        if length > self.max_length:
            raise ValueError("too long")
        if len(self.buf) < 5 + length:
            return []
        out = [(self.buf[4], self.buf[5:5 + length])]
        self.buf = b""
        return out


class NoBuffer:
    """Expects every feed to hold whole messages (the 分包 bug)."""

    def __init__(self, max_length=1024):
        self.max_length = max_length

    def feed(self, data):
        out = []
        while len(data) >= 5:
            length = int.from_bytes(data[:4], "big")
            if length > self.max_length:
                raise ValueError("too long")
            if len(data) < 5 + length:
                break
            out.append((data[4], data[5:5 + length]))
            data = data[5 + length:]
        return out


class LateLimit(S.MessageParser):
    """Checks the limit only once the payload is in."""

    def feed(self, data):
        self.buffer += data
        out = []
        while len(self.buffer) >= 5:
            length = int.from_bytes(self.buffer[:4], "big")
            if len(self.buffer) < 5 + length:
                break
            if length > self.max_length:
                raise ValueError("too long")
            out.append((self.buffer[4], bytes(self.buffer[5:5 + length])))
            del self.buffer[:5 + length]
        return out


class LittleEndian(S.MessageParser):
    def feed(self, data):
        self.buffer += data
        out = []
        while len(self.buffer) >= 5:
            length = int.from_bytes(self.buffer[:4], "little")
            if length > self.max_length:
                raise ValueError("too long")
            if len(self.buffer) < 5 + length:
                break
            out.append((self.buffer[4], bytes(self.buffer[5:5 + length])))
            del self.buffer[:5 + length]
        return out


class CountsType(S.MessageParser):
    """Reads the length as covering the type byte."""

    def feed(self, data):
        self.buffer += data
        out = []
        while len(self.buffer) >= 5:
            length = int.from_bytes(self.buffer[:4], "big")
            if length > self.max_length:
                raise ValueError("too long")
            end = 4 + max(length, 1)
            if len(self.buffer) < end:
                break
            out.append((self.buffer[4], bytes(self.buffer[5:end])))
            del self.buffer[:end]
        return out


class ForgetsReturn(S.MessageParser):
    def feed(self, data):
        super().feed(data)  # no return


class StrPayload(S.MessageParser):
    def feed(self, data):
        return [(k, p.decode("latin-1")) for k, p in super().feed(data)]


class BytearrayPayload(S.MessageParser):
    def feed(self, data):
        return [(k, bytearray(p)) for k, p in super().feed(data)]


class ListPairs(S.MessageParser):
    def feed(self, data):
        return [[k, p] for k, p in super().feed(data)]


class ExclusiveLimit(S.MessageParser):
    def feed(self, data):
        if len(self.buffer) + len(data) >= 4:
            head = bytes(self.buffer + data)[:4]
            if int.from_bytes(head, "big") >= self.max_length:
                raise ValueError("too long")
        return super().feed(data)


class SkipsEmpty(S.MessageParser):
    def feed(self, data):
        return [(k, p) for k, p in super().feed(data) if p]


# ------------------------------------------------------------------ 6.1

def test_reference_parser_passes():
    report = lesson06.check_message_parser(S.MessageParser)
    assert report.passed, text(report)
    assert "all checks passed" in text(report)


@pytest.mark.parametrize("answer", [StubParser, None])
def test_parser_stub_is_not_attempted(answer):
    report = lesson06.check_message_parser(answer)
    assert report.attempted is False and "not attempted yet" in text(report)


@pytest.mark.parametrize("cls, mistake, failing", [
    (OnePerFeed, "looks like: one message per feed", "three messages in one feed (粘包, sticky)"),
    (NoBuffer, "looks like: no buffer between feeds",
     "a message in two pieces, cut at every byte (分包, split)"),
    (LateLimit, "looks like: limit checked too late",
     "a length over max_length is refused from the header alone"),
    (LittleEndian, "looks like: little-endian length", "one whole message in one feed"),
    (CountsType, "looks like: length counts the type byte", "one whole message in one feed"),
])
def test_parser_classic_mistakes_are_named(cls, mistake, failing):
    report = lesson06.check_message_parser(cls)
    names = failed_names(report)
    assert not report.passed
    assert names[-1] == mistake, text(report)
    assert failing in names


def test_parser_mistake_hints_say_what_to_do():
    assert "粘包" in text(lesson06.check_message_parser(OnePerFeed))
    assert "分包" in text(lesson06.check_message_parser(NoBuffer))
    assert "BEFORE" in text(lesson06.check_message_parser(LateLimit))
    assert "big-endian" in text(lesson06.check_message_parser(LittleEndian))


def test_parser_split_failure_names_the_cut():
    report = lesson06.check_message_parser(NoBuffer)
    assert "cut after byte 1:" in text(report)


def test_parser_forgotten_return_is_named():
    report = lesson06.check_message_parser(ForgetsReturn)
    assert report.attempted and not report.passed
    assert "feed() returned None" in text(report) and "forget to `return`" in text(report)


@pytest.mark.parametrize("cls, words", [
    (StrPayload, "payload is bytes; got a str"),
    (BytearrayPayload, "got a bytearray: wrap it in bytes(...)"),
    (ListPairs, "a list where a tuple (type, payload) is expected"),
])
def test_parser_type_mistakes_are_named(cls, words):
    report = lesson06.check_message_parser(cls)
    assert not report.passed
    assert words in text(report)


def test_parser_exclusive_limit_fails_on_its_case():
    report = lesson06.check_message_parser(ExclusiveLimit)
    assert failed_names(report) == ["a payload of exactly max_length is accepted"]
    assert "inclusive" in text(report)


def test_parser_skipping_empty_messages_fails_on_its_case():
    report = lesson06.check_message_parser(SkipsEmpty)
    assert failed_names(report) == ["an empty payload is still a message"]


def test_parser_crash_is_reported_not_raised():
    class Crashes(S.MessageParser):
        def feed(self, data):
            raise KeyError("oops")

    report = lesson06.check_message_parser(Crashes)
    assert report.attempted and not report.passed and "KeyError" in text(report)


def test_parser_instance_instead_of_class():
    report = lesson06.check_message_parser(S.MessageParser())
    assert not report.passed and "pass the class itself" in text(report)


def test_parser_never_shows_expected_messages():
    """The detail of a failing case shows what the learner returned, never the expected."""
    report = lesson06.check_message_parser(OnePerFeed)
    shown = text(report)
    assert "(2, b'\\xe7\\xb2\\x98" not in shown  # the second message of the three
    assert "(7, b'\\x00\\xff')" not in shown


def test_reference_parser_refuses_before_the_payload():
    parser = S.MessageParser(max_length=10)
    with pytest.raises(ValueError):
        parser.feed(struct.pack("!IB", 11, 1))
    assert S.MessageParser(10).feed(msg(1, b"x" * 10)) == [(1, b"x" * 10)]


# ------------------------------------------------------------------ 6.2

class SplitEach:
    def __init__(self, max_line=1024):
        self.max_line = max_line

    def feed(self, data):
        lines = data.split(b"\n")
        if data.endswith(b"\n"):
            lines.pop()
        if any(len(line) > self.max_line for line in lines):
            raise ValueError("too long")
        return lines


class KeepsNewline(S.LineReader):
    def feed(self, data):
        return [line + b"\n" for line in super().feed(data)]


class LimitAtNewline(S.LineReader):
    def feed(self, data):
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        if any(len(line) > self.max_line for line in lines):
            raise ValueError("too long")
        return lines


class DropsEmpty(S.LineReader):
    def feed(self, data):
        return [line for line in super().feed(data) if line]


class DecodesLines(S.LineReader):
    def feed(self, data):
        return [line.decode() for line in super().feed(data)]


class StubLines:
    def __init__(self, max_line=1024):
        self.max_line = max_line

    def feed(self, data):
        raise NotImplementedError  # your code here


def test_reference_line_reader_passes():
    report = lesson06.check_line_reader(S.LineReader)
    assert report.passed, text(report)


@pytest.mark.parametrize("answer", [StubLines, None])
def test_line_stub_is_not_attempted(answer):
    assert lesson06.check_line_reader(answer).attempted is False


@pytest.mark.parametrize("cls, mistake, failing", [
    (SplitEach, "looks like: each feed split on its own", "three lines, cut at every byte"),
    (KeepsNewline, "looks like: newline kept", "one line in one feed"),
    (LimitAtNewline, "looks like: limit checked only at a newline",
     "a peer that never sends a newline is stopped"),
    (DropsEmpty, "looks like: empty lines dropped", "empty lines count"),
])
def test_line_classic_mistakes_are_named(cls, mistake, failing):
    report = lesson06.check_line_reader(cls)
    names = failed_names(report)
    assert names[-1] == mistake, text(report)
    assert failing in names


def test_line_str_is_named():
    report = lesson06.check_line_reader(DecodesLines)
    assert "holding a str where bytes is expected: work on bytes" in text(report)


def test_line_hints_do_not_give_the_answer():
    report = lesson06.check_line_reader(DropsEmpty)
    assert "b'a\\n\\nb\\n'" not in text(report)


# ------------------------------------------------------------------ the notebook's own cells

def notebook_cells():
    import json
    from pathlib import Path

    path = Path(__file__).parents[1] / "notebooks" / "06_tcp_byte_stream.ipynb"
    return [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "code"]


@pytest.mark.parametrize("name, check", [("MessageParser", lesson06.check_message_parser),
                                         ("LineReader", lesson06.check_line_reader)])
def test_the_notebook_stub_is_not_attempted(name, check):
    source = next("".join(c["source"]) for c in notebook_cells()
                  if "".join(c["source"]).startswith(f"class {name}:"))
    namespace: dict = {}
    exec(compile(source, f"<notebook 06 {name}>", "exec"), namespace)
    assert check(namespace[name]).attempted is False


def test_the_stored_check_reports_say_not_attempted():
    reports = ["".join(o.get("data", {}).get("text/plain", "")) for c in notebook_cells()
               if ".check_" in "".join(c["source"]) for o in c["outputs"]]
    assert len(reports) == 2 and all("not attempted yet" in r for r in reports)


def constant_parser(value):
    class Constant:
        def __init__(self, limit=1024):
            pass

        def feed(self, data):
            return value
    return Constant


@pytest.mark.parametrize("check, cases", [
    (lesson06.check_message_parser, lesson06._parser_cases),
    (lesson06.check_line_reader, lesson06._line_cases)])
@pytest.mark.parametrize("value", [[], [(0, b"")], [b"\x00"], [(9, b"zz")], "x", 0])
def test_no_failed_line_shows_an_expected_message(check, cases, value):
    secrets = {repr(m) for case in cases() for m in case.expected.messages if len(repr(m)) >= 6}
    secrets |= {repr(m[1]) for case in cases() for m in case.expected.messages
                if isinstance(m, tuple) and len(m[1]) >= 3}
    for line in check(constant_parser(value)).results:
        if not line.passed:
            shown = line.name + line.detail + line.hint
            assert not any(s in shown for s in secrets), line
