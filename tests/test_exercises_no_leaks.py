"""No check of lessons 00-05 shows the expected answer of a case that failed: every case of every
check, given answers of each kind that are wrong, is searched for its expected value in the
failed line's name, detail and hint.

The cases are captured by wrapping each lesson module's ``check_function`` / ``check_answers``
(the checks build their cases at call time). Small ints are left to the lessons' own tests
(2.2 and 5.2-5.3 check that no status or close code is named): a hint may rightly list "101, 400,
403 or 426" as the possible answers, as 1.3 lists its four transports (OPTIONS).
"""

from __future__ import annotations

import pytest

import wslib.exercises
from wslib.exercises import lesson00, lesson01, lesson02, lesson03, lesson04, lesson05

OPTIONS = lesson01._ONE_OF  # "answer with one of 'polling', ...": the choices, not an answer

WRONG = [lambda *a: 0, lambda *a: "x", lambda *a: b"\x00", lambda *a: [b"\x00"],
         lambda *a: {"k": 0}, lambda *a: (0, {}), lambda *a: None, lambda *a: 7.5]

CHECKS = [lesson00.check_text_opcode, lesson01.check_ws_frame_overhead,
          lesson01.check_polling_overhead, lesson01.check_choose_transport,
          lesson02.check_accept_key, lesson02.check_handshake_status,
          lesson02.check_parse_response, lesson03.check_parse_header,
          lesson03.check_frame_header, lesson03.check_payload_length, lesson04.check_mask,
          lesson04.check_unmask_captured, lesson04.check_unmask_pieces, lesson04.check_must_mask,
          lesson05.check_fragment, lesson05.check_reassemble]


def secrets(expected) -> list[str]:
    """How an expected value could show in a line of text."""
    if isinstance(expected, (bool, int, float)) or expected is None:
        return []
    out = [repr(expected)]
    if isinstance(expected, (bytes, bytearray)) and expected:
        out += [bytes(expected).hex(" "), bytes(expected).hex()]
    if isinstance(expected, str) and len(expected) >= 4:
        out.append(expected)
    return [s for s in out if len(s) >= 4]


def captured_run(monkeypatch, check, answer):
    """Run ``check(answer)`` and return (report, {case name: case})."""
    cases = {}
    real_function, real_answers = wslib.exercises.check_function, wslib.exercises.check_answers

    def check_function(title, func, case_list, **options):
        case_list = list(case_list)
        cases.update((c.name, c) for c in case_list)
        return real_function(title, func, case_list, **options)

    def check_answers(title, answers, case_list):
        case_list = list(case_list)
        cases.update((c.name, c) for c in case_list)
        return real_answers(title, answers, case_list)

    module = __import__(check.__module__, fromlist=["_"])
    monkeypatch.setattr(module, "check_function", check_function, raising=False)
    monkeypatch.setattr(module, "check_answers", check_answers, raising=False)
    return check(answer), cases


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_no_failed_line_shows_its_expected_value(monkeypatch, check):
    for answer in WRONG:
        report, cases = captured_run(monkeypatch, check, answer)
        assert cases, "the check did not go through check_function"
        for line in report.failed:
            case = cases.get(line.name)
            if case is None:  # a constraint line, not a case
                continue
            for secret in secrets(case.expected):
                for text in (line.name, line.detail, line.hint.replace(OPTIONS, "")):
                    assert secret not in text, (check.__name__, line)


def test_the_quiz_never_shows_its_answers(monkeypatch):
    answers = {situation: 1000 for situation in lesson05.VIOLATIONS}
    report, cases = captured_run(monkeypatch, lesson05.check_close_codes, answers)
    assert len(cases) == len(lesson05.VIOLATIONS)
    for line in report.failed:
        code = cases[line.name].expected
        assert str(code) not in line.name + line.detail + line.hint
