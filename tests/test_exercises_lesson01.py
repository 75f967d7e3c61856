"""Lesson 01's self-checks: the reference solutions pass, the stubs are "not attempted", and the
classic wrong answers (a forgotten masking key, off-by-one length forms, dividing by polls
instead of events, one direction only) fail with the hint that names the mistake."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wslib.exercises import lesson01
from wslib.frames import Frame, encode_frame, parse_header

import solutions.lesson01  # the repository root is on sys.path (pyproject.toml)

ROOT = Path(__file__).resolve().parents[1]

S = solutions.lesson01  # the reference solutions (solutions/lesson01.py)
CHECKS = [lesson01.check_ws_frame_overhead, lesson01.check_polling_overhead,
          lesson01.check_choose_transport]


def failed(report):
    return {r.name: r for r in report.results if not r.passed}


@pytest.mark.parametrize("check, solution", [
    (lesson01.check_ws_frame_overhead, S.ws_frame_overhead),
    (lesson01.check_polling_overhead, S.polling_overhead_per_event),
    (lesson01.check_choose_transport, S.choose_transport),
])
def test_reference_solution_passes(check, solution):
    report = check(solution)
    assert report.passed, repr(report)


def stub(*args):
    raise NotImplementedError  # your code here


def ellipsis_stub(*args):
    ...


def dict_stub(scenario):
    """The notebook's stub for 1.3: a dict whose values are still `...`."""
    return {"A": ..., "B": ..., "C": ..., "D": ...}[scenario]


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("answer", [stub, ellipsis_stub, None])
def test_stub_is_not_attempted(check, answer):
    report = check(answer)
    assert report.attempted is False
    assert "not attempted yet" in repr(report)


def test_the_choose_transport_stub_is_not_attempted():
    assert lesson01.check_choose_transport(dict_stub).attempted is False


def test_type_mistakes_and_a_forgotten_return_are_named():
    report = lesson01.check_ws_frame_overhead(lambda n, c: str(S.ws_frame_overhead(n, c)))
    assert report.results[0].detail == "returned '2', a str; an int is expected"
    assert "without quotes" in report.results[0].hint

    def forgot_return(n, from_client):
        S.ws_frame_overhead(n, from_client)

    report = lesson01.check_polling_overhead(lambda *a: [S.polling_overhead_per_event(*a)])
    assert "a list; a float is expected" in report.results[0].detail
    report = lesson01.check_ws_frame_overhead(forgot_return)
    assert {r.detail for r in report.results} == {"returned None: did you forget `return`?"}


@pytest.mark.parametrize("check", CHECKS)
def test_a_crashing_answer_is_reported_not_raised(check):
    report = check(lambda *args: [][1])
    assert report.attempted and not report.passed
    assert "raised IndexError" in repr(report)


# ------------------------------------------------------------------ 1.1


def test_overhead_expectations_agree_with_wslib():
    for _name, (n, from_client) in lesson01._OVERHEAD_CASES:
        frame = encode_frame(Frame(0x1, bytes(n), mask=b"abcd" if from_client else None))
        assert len(frame) - n == parse_header(frame).size == lesson01._overhead(n, from_client)


def _forgot_mask(n, from_client):
    return S.ws_frame_overhead(n, False)


def _server_masks(n, from_client):
    return S.ws_frame_overhead(n, True)


def _strict_125(n, from_client):  # n < 125 instead of n <= 125
    return S.ws_frame_overhead(n + 1 if n == 125 else n, from_client)


def _wide_65535(n, from_client):  # n < 65535 instead of n <= 65535
    return S.ws_frame_overhead(n + 1 if n == 65535 else n, from_client)


def _late_16bit(n, from_client):  # 126 still in the 7-bit form
    return S.ws_frame_overhead(min(n, 125) if n == 126 else n, from_client)


def _four_byte_64(n, from_client):
    return S.ws_frame_overhead(n, from_client) - (4 if n > 0xFFFF else 0)


def _total(n, from_client):
    return n + S.ws_frame_overhead(n, from_client)


@pytest.mark.parametrize("answer, case, words", [
    (_forgot_mask, "'Hello' (5 bytes) from a client", "4-byte masking key"),
    (_server_masks, "'Hello' (5 bytes) from the server", "never masks"),
    (_strict_125, "125 bytes from the server (the largest 7-bit length)", "still fits"),
    (_wide_65535, "65535 bytes from the server (the largest 16-bit length)", "still fits"),
    (_late_16bit, "126 bytes from the server (the first 16-bit length)", "markers"),
    (_four_byte_64, "65536 bytes from the server (the first 64-bit length)", "8 bytes, not 4"),
    (_total, "this lesson's 30-byte event from the server", "not payload + header"),
    (lambda n, c: "2", "'Hello' (5 bytes) from the server", "without quotes"),
])
def test_overhead_mistakes_fail_with_their_hint(answer, case, words):
    report = lesson01.check_ws_frame_overhead(answer)
    assert report.attempted and not report.passed
    bad = failed(report)
    assert case in bad, repr(report)
    assert words in bad[case].hint


# ------------------------------------------------------------------ 1.2


@pytest.mark.parametrize("answer, words", [
    (lambda req, resp, polls, events: req + resp, "divide by the events delivered"),
    (lambda req, resp, polls, events: polls * req / events, "response head is overhead too"),
    (lambda req, resp, polls, events: polls * resp / events, "request head is overhead too"),
    (lambda req, resp, polls, events: polls * (req + resp), "divide it by the number of events"),
    (lambda req, resp, polls, events: "a lot", "return a number"),
])
def test_polling_mistakes_fail_with_their_hint(answer, words):
    report = lesson01.check_polling_overhead(answer)
    assert report.attempted and not report.passed
    assert any(words in r.hint for r in failed(report).values()), repr(report)


def test_polling_accepts_an_int_when_it_is_exact():
    # 125 is an int and the right answer for the first case: only the value matters.
    report = lesson01.check_polling_overhead(
        lambda req, resp, polls, events: int(polls * (req + resp) / events)
        if polls * (req + resp) % events == 0 else polls * (req + resp) / events)
    assert report.passed, repr(report)


# ------------------------------------------------------------------ 1.3


def test_spellings_are_forgiven():
    spelled = {"A": "Short polling", "B": "SSE", "C": "WebSocket", "D": "long_polling"}
    assert lesson01.check_choose_transport(spelled.__getitem__).passed


def test_all_websocket_fails_with_what_speaks_against_it():
    report = lesson01.check_choose_transport(lambda s: "websocket")
    bad = failed(report)
    assert set(bad) == {"scenario A", "scenario B", "scenario D"}
    assert "cache" in bad["scenario A"].hint
    assert "reconnect" in bad["scenario B"].hint
    assert "Upgrade" in bad["scenario D"].hint
    assert bad["scenario D"].detail == "you chose 'websocket'"


@pytest.mark.parametrize("choice", lesson01.TRANSPORTS)
def test_a_wrong_choice_gets_its_own_hint_and_never_the_answer(choice):
    report = lesson01.check_choose_transport(lambda s: choice)
    for r in report.failed:
        right = lesson01.SCENARIOS[r.name[-1]][1]
        assert r.hint and r.hint == lesson01._WHY_NOT[(r.name[-1], choice)]
        assert r.detail == f"you chose {choice!r}"
        for text in (r.name, r.hint):
            assert not re.search(rf"\b{right.replace('-', '[- ]')}\b", text, re.I), text
        assert lesson01.SCENARIOS[r.name[-1]][2] not in r.hint  # not the discussion either


def test_an_unknown_transport_is_named():
    report = lesson01.check_choose_transport(lambda s: "carrier pigeon")
    assert not report.passed
    assert all("one of 'polling'" in r.hint for r in report.results)


def test_a_partly_filled_dict_fails_on_the_missing_ones():
    answers = {"A": "polling", "B": ..., "C": "websocket", "D": ...}
    report = lesson01.check_choose_transport(answers.__getitem__)
    assert report.attempted and set(failed(report)) == {"scenario B", "scenario D"}


def test_the_notebook_describes_the_same_scenarios():
    nb = json.loads((ROOT / "notebooks" / "01_http_vs_websocket.ipynb").read_text())
    text = " ".join(" ".join("".join(c["source"]).split()) for c in nb["cells"]
                    if c["cell_type"] == "markdown")
    for letter, (description, _answer, _why) in lesson01.SCENARIOS.items():
        assert f"{letter}. {description}" in text, letter
