"""Lesson 00's warm-up check: the reference solution passes, the stub is "not attempted", and the
classic wrong answers (the whole first byte 0x81, a string, binary's 2) fail with their hint."""

from __future__ import annotations


import pytest

from wslib.exercises import lesson00

import solutions.lesson00  # the repository root is on sys.path (pyproject.toml)

S = solutions.lesson00  # the reference solutions (solutions/lesson00.py)


def test_reference_solution_passes():
    report = lesson00.check_text_opcode(S.text_opcode)
    assert report.passed, repr(report)
    assert "all checks passed" in repr(report)


def stub():
    raise NotImplementedError  # your code here


def ellipsis_stub():
    ...


@pytest.mark.parametrize("answer", [stub, ellipsis_stub, None])
def test_stub_is_not_attempted(answer):
    report = lesson00.check_text_opcode(answer)
    assert report.attempted is False
    assert repr(report).startswith("Exercise 0.1 - text_opcode: not attempted yet")


OPCODE = "the number is the opcode of a text frame"
NUMBER = "returns a number (an int)"


def forgot_return():
    0x1


@pytest.mark.parametrize("answer, failing, detail, words", [
    (lambda: 0x81, OPCODE, "got 129", "whole first byte"),
    (lambda: 2, OPCODE, "got 2", "binary frame"),
    (lambda: 9, OPCODE, "got 9", "another row of the table"),
    (lambda: True, NUMBER, "returned True, a bool; an int is expected", "wants a number"),
    (lambda: "0x1", NUMBER, "returned '0x1', a str; an int is expected",
     "without quotes: 0x1 instead of '0x1'"),
    (lambda: "1", NUMBER, "returned '1', a str; an int is expected", "without quotes"),
    (lambda: "text", NUMBER, "returned 'text', a str; an int is expected", "a number, not text"),
    (forgot_return, NUMBER, "returned None: did you forget `return`?", ""),
])
def test_classic_mistakes_fail_with_their_diagnosis(answer, failing, detail, words):
    report = lesson00.check_text_opcode(answer)
    assert report.status == "failed"
    bad = {r.name: r for r in report.results if not r.passed}
    assert failing in bad
    assert bad[failing].detail == detail
    assert words in bad[failing].hint


@pytest.mark.parametrize("answer", [lambda: 0x81, lambda: 2, lambda: "text", lambda: 0])
def test_no_failing_line_shows_the_answer(answer):
    report = lesson00.check_text_opcode(answer)
    for r in report.failed:
        for text in (r.name, r.detail, r.hint):
            assert "0x1" not in text.replace("0x1 instead", "") and " 1 " not in f" {text} "


def test_a_crashing_answer_is_reported_not_raised():
    report = lesson00.check_text_opcode(lambda: 1 // 0)
    assert report.attempted and not report.passed
    assert "raised ZeroDivisionError" in repr(report)


# ------------------------------------------------------------------ 0.2 echo_once (async)

import asyncio  # noqa: E402

from wslib.client import connect  # noqa: E402


def check(answer, timeout=3.0):
    return asyncio.run(asyncio.wait_for(lesson00.check_echo_once(answer, timeout=timeout), 20))


def test_echo_once_reference_passes():
    report = check(S.echo_once)
    assert report.passed, repr(report)
    assert report.score == (4, 4)


async def async_stub(url, text):
    raise NotImplementedError  # your code here


async def async_ellipsis(url, text):
    ...


@pytest.mark.parametrize("answer", [async_stub, async_ellipsis, None])
def test_echo_once_stub_is_not_attempted(answer):
    report = check(answer)
    assert report.attempted is False
    assert "not attempted yet" in repr(report)


async def forgot_await(url, text):
    async with connect(url) as ws:
        await ws.send(text)
        return ws.recv()  # a coroutine, not the text


async def never_closes(url, text):
    ws = await connect(url)
    await ws.send(text)
    return await ws.recv()


def not_async(url, text):
    return text


async def waits_first(url, text):
    async with connect(url) as ws:
        reply = await ws.recv()  # nothing comes: nothing was sent
        await ws.send(text)
        return reply


async def shouts(url, text):
    async with connect(url) as ws:
        await ws.send(text)
        return (await ws.recv()).upper()


@pytest.mark.parametrize("answer, failing, words", [
    (forgot_await, "'ping' comes back", "needs `await`"),
    (never_closes, "the connection is closed when the function returns", "async with"),
    (not_async, "'ping' comes back", "async def"),
    (waits_first, "'ping' comes back", "send the text before waiting"),
    (shouts, "non-ASCII text comes back unchanged", "unchanged"),
])
def test_echo_once_mistakes_fail_with_their_hint(answer, failing, words):
    report = check(answer, timeout=0.5)
    assert report.attempted and not report.passed
    bad = {r.name: r for r in report.results if not r.passed}
    assert failing in bad, repr(report)
    assert words in bad[failing].hint


def test_echo_once_crash_is_reported_not_raised():
    async def crash(url, text):
        raise OSError("no network")

    report = check(crash)
    assert report.attempted and not report.passed
    assert "raised OSError: no network" in repr(report)
