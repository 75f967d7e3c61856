"""The shared runner behind every exercise check: wslib.exercises.check_function and
judge_answer. Stub detection, exceptions in the learner's code, custom compare with a detail,
hints that depend on the answer, and the promise that a check never raises."""

from __future__ import annotations

import pytest

from wslib.exercises import FINISH, Case, NotAttempted, Report, check_function, judge_answer

DOUBLE = [
    Case("double(2) is 4", (2,), 4, hint="multiply by 2"),
    Case("double(-3) is -6", (-3,), -6, hint="negative numbers double too"),
    Case("double(0) is 0", (0,), 0, hint="zero stays zero"),
]


def run(func, cases=DOUBLE, **options):
    return check_function("Exercise 9.1 - double", func, cases, **options)


def test_a_right_answer_passes():
    report = run(lambda n: 2 * n)
    assert report.passed and report.score == (3, 3)
    assert repr(report) == ("Exercise 9.1 - double: all checks passed\n"
                            "  ✓ double(2) is 4\n"
                            "  ✓ double(-3) is -6\n"
                            "  ✓ double(0) is 0")


def test_a_wrong_answer_shows_the_default_detail_and_the_hint():
    report = run(lambda n: n + 2)
    assert report.score == (1, 3)
    assert repr(report) == ("Exercise 9.1 - double: 1/3 checks passed\n"
                            "  ✓ double(2) is 4\n"
                            "  ✗ double(-3) is -6\n"
                            "      expected -6, got -1\n"
                            "      hint: negative numbers double too\n"
                            "  ✗ double(0) is 0\n"
                            "      expected 0, got 2\n"
                            "      hint: zero stays zero")


# ------------------------------------------------------------------ stubs


def raises_not_implemented(n):
    raise NotImplementedError  # your code here


@pytest.mark.parametrize("answer", [None, raises_not_implemented, lambda n: None, lambda n: ...])
def test_a_stub_is_not_attempted(answer):
    report = run(answer)
    assert report.attempted is False and report.results == [] and not report.passed
    assert repr(report) == ("Exercise 9.1 - double: not attempted yet\n"
                            "  Fill in the cell above, run it, then run this cell again.")


def test_none_is_an_answer_when_the_first_case_expects_none():
    report = check_function("t", lambda: None, [Case("returns None", (), None)])
    assert report.attempted and report.passed


def test_a_stub_on_a_later_case_is_a_failed_line():
    def half_done(n):
        if n < 0:
            raise NotImplementedError
        return None if n == 0 else 2 * n

    report = run(half_done)
    assert report.attempted and report.score == (1, 3)
    lines = {r.name: r for r in report.results}
    assert lines["double(-3) is -6"].detail == "raised NotImplementedError"
    assert lines["double(-3) is -6"].hint == "negative numbers double too"  # the case's own hint
    assert lines["double(0) is 0"].detail == "expected 0, got None"
    assert run(half_done, stub_hint=FINISH).results[1].hint == "finish the function"


# ------------------------------------------------------------------ exceptions


def test_an_exception_in_the_learner_code_is_a_failed_line_that_names_it():
    def crashes(n):
        return [1, 2][n]  # IndexError for n=2

    report = run(crashes)
    first = report.results[0]
    assert not first.passed and first.hint == "multiply by 2"
    assert first.detail.startswith("raised IndexError: list index out of range (line ")
    assert run(crashes, crash_hint="look at the index").results[0].hint == "look at the index"


def test_keyboard_interrupt_is_not_swallowed():
    def interrupted(n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(interrupted)


# ------------------------------------------------------------------ compare


def test_compare_can_return_a_bool():
    is_int = Case("an int", (), 4, compare=lambda got, expected: type(got) is int and got == expected)
    assert check_function("t", lambda: 4, [is_int]).passed
    report = check_function("t", lambda: 4.0, [is_int])
    assert report.results[0].detail == "expected 4, got 4.0"


def test_compare_can_return_ok_and_a_detail():
    def compare(got, expected):
        return got == expected, f"{got!r} is off by {got - expected}"

    case = Case("double(2) is 4", (2,), 4, compare=compare)
    assert check_function("t", lambda n: 4, [case]).results[0].detail == ""  # no detail on a pass
    assert check_function("t", lambda n: 5, [case]).results[0].detail == "5 is off by 1"


def test_the_older_name_same_still_works():
    case = Case("near 1", (), 1.0, same=lambda got, expected: abs(got - expected) < 0.1)
    assert check_function("t", lambda: 1.05, [case]).passed


def test_a_compare_that_raises_is_a_failed_line():
    def compare(got, expected):
        return got["x"] == expected

    report = check_function("t", lambda: 3, [Case("has x", (), 1, compare=compare)])
    assert report.results[0].detail.startswith("could not compare the answer: ")


# ------------------------------------------------------------------ hints


def test_a_hint_can_depend_on_the_answer():
    def hint(got):
        return "that is n + 2, not 2 * n" if got == 4 else "multiply by 2"

    cases = [Case("double(2) is 4", (2,), 4, hint=hint), Case("double(5) is 10", (5,), 10, hint=hint)]
    report = check_function("t", lambda n: n + 2, cases)
    assert [r.hint for r in report.results] == ["", "multiply by 2"]  # called only on failure
    report = check_function("t", lambda n: 4, cases)
    assert report.results[1].hint == "that is n + 2, not 2 * n"


def test_a_hint_function_gets_none_when_the_learner_code_raised():
    seen = []
    case = Case("double(2) is 4", (2,), 4, hint=lambda got: seen.append(got) or "hint")
    report = check_function("t", lambda n: 1 / 0, [case])
    assert seen == [None] and report.results[0].hint == "hint"


# ------------------------------------------------------------------ never raises


class Hostile:
    """An answer whose == and bool() raise."""

    def __eq__(self, other):
        raise RuntimeError("no ==")

    def __bool__(self):
        raise RuntimeError("no bool")

    def __repr__(self):
        return "Hostile()"

    __hash__ = object.__hash__


@pytest.mark.parametrize("case", [
    Case("default ==", (), 1),
    Case("compare", (), 1, compare=lambda got, expected: got == expected),
    Case("compare returns an odd object", (), 1, compare=lambda got, expected: Hostile()),
    Case("hint raises", (), 1, hint=lambda got: 1 / 0, compare=lambda got, expected: False),
])
def test_a_check_never_raises(case):
    report = check_function("t", lambda: Hostile(), [case])
    assert report.attempted and not report.passed and len(report.results) == 1
    assert isinstance(repr(report), str)


# ------------------------------------------------------------------ judge_answer


def test_judge_answer_is_the_per_case_half_of_check_function():
    case = DOUBLE[0]
    report = Report("t")
    judge_answer(report, case, 4)
    judge_answer(report, case, 5)
    judge_answer(report, case, error=ValueError("boom"), crash_hint="no exceptions please")
    judge_answer(report, case, error=NotImplementedError(), stub_hint=FINISH)
    assert [(r.passed, r.detail, r.hint) for r in report.results] == [
        (True, "", "multiply by 2"),
        (False, "expected 4, got 5", "multiply by 2"),
        (False, "raised ValueError: boom", "no exceptions please"),
        (False, "raised NotImplementedError", "finish the function"),
    ]
    for stub in [dict(got=None), dict(got=...), dict(error=NotImplementedError())]:
        with pytest.raises(NotAttempted):
            judge_answer(Report("t"), case, first=True, **stub)
