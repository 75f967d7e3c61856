"""Lesson 09's checks: reference solutions pass, stubs are "not attempted", and each known wrong
answer gets its own diagnosis (never the expected answer)."""

from __future__ import annotations

import re

import pytest

from wslib.exercises import lesson09
from wslib.sse import encode_event

import solutions.lesson09 as S  # the repository root is on sys.path (pyproject.toml)


def failed(report):
    return {r.name: r for r in report.results if not r.passed}


def assert_diagnosis(report, failing, words):
    """The answer is attempted and wrong, `failing` is among the failed lines, with `words` in
    its hint."""
    assert report.attempted and not report.passed, repr(report)
    bad = failed(report)
    assert failing in bad, repr(report)
    assert words in bad[failing].hint, repr(report)


def test_references_pass():
    assert lesson09.check_encode(S.encode).passed
    assert lesson09.check_resume(S.resume).passed


def test_wslib_encoder_passes_too():
    def encode(data, event=None, id=None):
        return encode_event(data=data, event_type=event, id=id)

    assert lesson09.check_encode(encode).passed


def _stub(*args):
    raise NotImplementedError  # your code here


@pytest.mark.parametrize("check", [lesson09.check_encode, lesson09.check_resume])
def test_stubs_are_not_attempted(check):
    for answer in (_stub, None):
        report = check(answer)
        assert not report.attempted, repr(report)
        assert "not attempted" in repr(report)


@pytest.mark.parametrize("check", [lesson09.check_encode, lesson09.check_resume])
def test_returning_none_is_a_forgotten_return(check):
    report = check(lambda *args: None)
    assert report.attempted and report.status == "failed"
    assert "did you forget `return`" in repr(report)


# ------------------------------------------------------------------ 9.1 encode


def _lines(data, event=None, id=None, *, prefix="data: ", split=r"\r\n|\r|\n", end="\n\n"):
    out = []
    if event is not None:
        out.append(f"event: {event}")
    if id is not None:
        out.append(f"id: {id}")
    out += [prefix + line for line in re.split(split, data)]
    return ("\n".join(out) + end).encode()


@pytest.mark.parametrize("answer, failing, words", [
    (lambda d, e=None, i=None: _lines(d, e, i, end="\n"), "one line: 'hello'", "blank line"),
    (lambda d, e=None, i=None: _lines(d, e, i).decode(), "one line: 'hello'", "encode('utf-8')"),
    (lambda d, e=None, i=None: _lines(d, e, i, split="\n"), "a lone CR inside the data: 'a\\rb'",
     "lone CR"),
    (lambda d, e=None, i=None: _lines(d, e, i, prefix="data:"), "a leading space: '  indented'",
     "ONE space"),
    (lambda d, e=None, i=None: ("".join(f"data: {x}\n" if x else "\n" for x in d.split("\n"))
                                + "\n").encode(),
     "an empty line inside the data: 'a\\n\\nb'", "blank line inside"),
    (lambda d, e=None, i=None: ("".join(f"data: {x}\n" for x in d.splitlines()) + "\n").encode(),
     "data that ends with a line end: 'last\\n'", "splitlines"),
    (lambda d, e=None, i=None: ("".join(f"data: {x}\n" for x in d.splitlines()) + "\n").encode(),
     "empty data: ''", "even empty data"),
    (lambda d, e=None, i=None: _lines(d), "event type 'score' and id '7'", "'event: <type>'"),
    (lambda d, e=None, i=None: _lines(d, e), "event type 'score' and id '7'", "'id: <id>'"),
    (lambda d, e=None, i=None: (d + "\n\n").encode(), "a colon at the start: ':not a comment'",
     "own 'data:' field"),
])
def test_encode_mistakes_get_their_diagnosis(answer, failing, words):
    assert_diagnosis(lesson09.check_encode(answer), failing, words)


def test_encode_failure_describes_the_answer_not_the_expected_bytes():
    report = lesson09.check_encode(lambda d, e=None, i=None: _lines(d, e, i, prefix="data:"))
    text = repr(report)
    assert "data:   indented" not in text  # the correct encoding is never shown
    assert "' indented'" in text  # what the learner's bytes gave


# ------------------------------------------------------------------ 9.2 resume


def _including(history, last):
    if not last:
        return []
    for i, e in enumerate(history):
        if e.id == last:
            return history[i:]
    return list(history)


def _by_position(history, last):
    if not last:
        return []
    try:
        return history[int(last):]
    except ValueError:
        return list(history)


def _unknown_gives_nothing(history, last):
    if not last:
        return []
    for i, e in enumerate(history):
        if e.id == last:
            return history[i + 1:]
    return []


def _int_compare(history, last):
    if not last:
        return []
    for i, e in enumerate(history):
        if e.id == (int(last) if last.isdigit() else last):
            return history[i + 1:]
    return list(history)


def _everything_for_new_clients(history, last):
    return S.resume(history, last) if last else list(history)


def _ids(history, last):
    return [e.id for e in S.resume(history, last)]


def _pops(history, last):
    result = S.resume(history, last)
    if history:
        history.pop(0)
    return result


@pytest.mark.parametrize("answer, failing, words", [
    (_including, "Last-Event-ID 8: the events after 8", "already has event 8"),
    (_by_position, "Last-Event-ID 8: the events after 8", "not a position"),
    (_unknown_gives_nothing, "Last-Event-ID 4, not in the history: the whole history",
     "lose events silently"),
    (_int_compare, "Last-Event-ID 8: the events after 8", "compare as strings"),
    (_everything_for_new_clients, "no Last-Event-ID (a new client): nothing from the past",
     "is new"),
    (_ids, "Last-Event-ID 8: the events after 8", "Event objects"),
    (_pops, "Last-Event-ID 8: the events after 8", "do not remove"),
    (lambda h, last: iter(S.resume(h, last)), "Last-Event-ID 8: the events after 8",
     "return a list"),
])
def test_resume_mistakes_get_their_diagnosis(answer, failing, words):
    assert_diagnosis(lesson09.check_resume(answer), failing, words)


def test_resume_failure_never_lists_the_expected_ids():
    report = lesson09.check_resume(_including)
    line = failed(report)["Last-Event-ID 8: the events after 8"]
    assert "['8', '9', '12']" in line.detail  # what the learner returned
    assert "['9', '12']" not in repr(report)
