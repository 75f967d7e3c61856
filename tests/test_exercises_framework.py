"""The shared runner behind every exercise check: wslib.exercises.check_function, judge_answer and
check_answers. Stub detection from the stub itself, a forgotten return, type mistakes named in
one place, details that never show the expected answer, constraints (Forbid), exceptions in the
learner's code, custom compare with a detail, hints that depend on the answer, the status a
grader reads, and the promise that a check never raises."""

from __future__ import annotations

import sys

import pytest

import wslib
import wslib.masking
from wslib.exercises import (FINISH, NO_RETURN, PLACEHOLDER, Case, Forbid, NotAttempted, Report,
                             check_answers, check_function, is_stub, judge_answer, same_answer,
                             type_mistake, watch_calls, what_differs)
from wslib.masking import mask as renamed_mask  # an alias imported before the check runs

DOUBLE = [
    Case("double a positive number", (2,), 4, hint="multiply by 2"),
    Case("double a negative number", (-3,), -6, hint="negative numbers double too"),
    Case("double zero", (0,), 0, hint="zero stays zero"),
]


def run(func, cases=DOUBLE, **options):
    return check_function("Exercise 9.1 - double", func, cases, **options)


def leaks(report, secrets):
    """The failing lines of ``report`` whose name, detail or hint shows one of ``secrets``."""
    return [(r.name, text) for r in report.failed for text in (r.name, r.detail, r.hint)
            if any(s in text for s in secrets)]


def test_a_right_answer_passes():
    report = run(lambda n: 2 * n)
    assert report.passed and report.score == (3, 3) and report.status == "passed"
    assert repr(report) == ("Exercise 9.1 - double: all checks passed\n"
                            "  ✓ double a positive number\n"
                            "  ✓ double a negative number\n"
                            "  ✓ double zero")


def test_a_wrong_answer_shows_what_it_got_and_the_hint_but_not_the_expected_value():
    report = run(lambda n: n + 2)
    assert report.score == (1, 3) and report.status == "failed"
    assert repr(report) == ("Exercise 9.1 - double: 1/3 checks passed\n"
                            "  ✓ double a positive number\n"
                            "  ✗ double a negative number\n"
                            "      got -1\n"
                            "      hint: negative numbers double too\n"
                            "  ✗ double zero\n"
                            "      got 2\n"
                            "      hint: zero stays zero")


# ------------------------------------------------------------------ stubs


def raises_not_implemented(n):
    raise NotImplementedError  # your code here


def with_docstring(n):
    """Double n."""
    raise NotImplementedError("write this")


def with_pass(n):
    pass


def with_ellipsis(n):
    ...


async def async_stub(url, text):
    """Connect, send, receive."""
    raise NotImplementedError  # your code here


@pytest.mark.parametrize("answer", [None, raises_not_implemented, with_docstring, with_pass,
                                    with_ellipsis, lambda n: ...])
def test_a_stub_is_not_attempted(answer):
    report = run(answer)
    assert report.attempted is False and report.results == [] and not report.passed
    assert report.status == "not_attempted"
    assert repr(report) == ("Exercise 9.1 - double: not attempted yet\n"
                            "  Fill in the cell above, run it, then run this cell again.")


def test_the_stub_is_recognised_from_its_code():
    assert is_stub(raises_not_implemented) and is_stub(async_stub) and is_stub(None)
    assert not is_stub(lambda n: 2 * n)


NOTEBOOK_CELL = '''
def exercise(n):
    """Like a notebook cell: exec'd code has no source file, only its code object."""
    raise NotImplementedError  # your code here


def started(n):
    total = n * 2
    raise NotImplementedError


def answered(n):
    return 4
'''


def test_the_stub_is_recognised_without_source():
    namespace: dict = {}
    exec(compile(NOTEBOOK_CELL, "<cell>", "exec"), namespace)
    assert is_stub(namespace["exercise"])
    assert not is_stub(namespace["started"]) and not is_stub(namespace["answered"])


def test_a_function_with_code_that_still_raises_not_implemented_is_attempted():
    def started(n):
        result = 2 * n  # noqa: F841
        raise NotImplementedError  # forgot to remove it

    report = run(started, stub_hint=FINISH)
    assert report.status == "failed" and report.score == (0, 3)
    assert report.results[0].detail == "raised NotImplementedError"
    assert report.results[0].hint == FINISH


def test_none_is_a_forgotten_return_not_a_stub():
    def forgot_return(n):
        2 * n

    report = run(forgot_return)
    assert report.status == "failed"
    assert all(r.detail == "returned None: did you forget `return`?" for r in report.results)
    assert run(lambda n: None).results[0].detail == NO_RETURN


def test_none_is_an_answer_when_the_case_expects_none():
    report = check_function("t", lambda: None, [Case("returns None", (), None)])
    assert report.attempted and report.passed and report.status == "passed"


def test_a_stub_on_a_later_case_is_a_failed_line():
    def half_done(n):
        if n < 0:
            raise NotImplementedError
        return None if n == 0 else 2 * n

    report = run(half_done)
    assert report.attempted and report.score == (1, 3)
    lines = {r.name: r for r in report.results}
    assert lines["double a negative number"].detail == "raised NotImplementedError"
    assert lines["double a negative number"].hint == "negative numbers double too"  # its own
    assert lines["double zero"].detail == NO_RETURN
    assert run(half_done, stub_hint=FINISH).results[1].hint == FINISH


def test_placeholders_in_some_cases_are_failed_lines():
    answers = {2: 4, -3: ..., 0: ...}
    report = run(lambda n: answers[n])
    assert report.status == "failed" and report.score == (1, 3)
    assert report.results[1].detail == PLACEHOLDER == "still `...`: not answered yet"


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
    report = check_function("t", lambda: 4.5, [is_int])
    assert report.results[0].detail == "got 4.5"
    report = check_function("t", lambda: 4.0, [is_int])  # a type mistake still wins
    assert report.results[0].detail == "returned 4.0, a float; an int is expected"


def test_compare_can_return_ok_and_a_detail():
    def compare(got, expected):
        return got == expected, f"{got!r} is off by one"

    case = Case("double a positive number", (2,), 4, compare=compare)
    assert check_function("t", lambda n: 4, [case]).results[0].detail == ""  # no detail on a pass
    assert check_function("t", lambda n: 5, [case]).results[0].detail == "5 is off by one"


def test_a_lenient_compare_accepts_more_than_the_default():
    case = Case("a flag", (), True, compare=lambda got, expected: got in (0, 1) and bool(got) == expected)
    assert check_function("t", lambda: 1, [case]).passed
    assert not check_function("t", lambda: 1, [Case("a flag", (), True)]).passed  # strict default


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

    cases = [Case("double 2", (2,), 4, hint=hint), Case("double 5", (5,), 10, hint=hint)]
    report = check_function("t", lambda n: n + 2, cases)
    assert [r.hint for r in report.results] == ["", "multiply by 2"]  # called only on failure
    report = check_function("t", lambda n: 4, cases)
    assert report.results[1].hint == "that is n + 2, not 2 * n"


def test_a_hint_function_gets_none_when_the_learner_code_raised():
    seen = []
    case = Case("double 2", (2,), 4, hint=lambda got: seen.append(got) or "hint")
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
    Case("default == on the same kind", (), Hostile()),
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
        (True, "", ""),
        (False, "got 5", "multiply by 2"),
        (False, "raised ValueError: boom", "no exceptions please"),
        (False, "raised NotImplementedError", FINISH),
    ]
    for stub in [dict(got=...), dict(error=NotImplementedError())]:
        with pytest.raises(NotAttempted):
            judge_answer(Report("t"), case, first=True, **stub)
    report = Report("t")
    judge_answer(report, case, None, first=True)  # None is a forgotten return, even first
    assert report.results[0].detail == NO_RETURN


# ------------------------------------------------------------------ type mistakes, in one place


@pytest.mark.parametrize("got, expected, detail_words, hint_words", [
    ([0x81, 0x05], b"\x81\x05", "a list of ints; bytes are expected", "bytes(your_list)"),
    ((0x81, 0x05), b"\x81\x05", "a tuple of ints; bytes are expected", "bytes(your_list)"),
    ("81 05", b"\x81\x05", "a str; bytes are expected", "bytes.fromhex"),
    ("1009", 1009, "'1009', a str; an int is expected", "without quotes: 1009"),
    ("0x1", 1, "'0x1', a str; an int is expected", "without quotes: 0x1"),
    ("0x1", 1.5, "a str; a float is expected", "without quotes"),
    ("text", 1, "a str; an int is expected", "a number, not text"),
    (True, 1, "True, a bool; an int is expected", "wants a number"),
    (1, True, "1, an int; a bool (True or False) is expected", "True or False"),
    (b"s3pP", "s3pP", "bytes; a str is expected", ".decode("),
    (4.0, 4, "4.0, a float; an int is expected", "//"),
    (iter([1]), [1], "returned a list_iterator; a list is expected", "list("),
])
def test_type_mistakes_are_named(got, expected, detail_words, hint_words):
    detail, hint = type_mistake(got, expected)
    assert detail_words in detail and hint_words in hint
    report = check_function("t", lambda: got, [Case("c", (), expected, hint="the case's hint")])
    assert detail_words in report.results[0].detail and hint_words in report.results[0].hint


def test_another_kind_of_answer_keeps_the_case_hint():
    assert type_mistake({"a": 1}, [1]) == ("returned {'a': 1}, a dict; a list is expected",
                                           "return a list")
    report = check_function("t", lambda: [b"x"], [Case("c", (), 1002, hint="the case's hint")])
    assert report.results[0].detail == "returned [b'x'], a list; an int is expected"
    assert report.results[0].hint == "the case's hint"
    assert check_function("t", lambda: [1], [Case("c", (), 1002)]).results[0].hint == "return an int"
    own = Case("c", (), 1002, compare=lambda got, expected: (got == expected, "returned messages"))
    assert check_function("t", lambda: [b"x"], [own]).results[0].detail == "returned messages"
    # ... but a conversion slip is named by the framework, whatever the compare says
    assert check_function("t", lambda: "1002", [own]).results[0].detail == \
        "returned '1002', a str; an int is expected"


def test_a_coroutine_is_named():
    async def forgot_await():
        return 1

    report = check_function("t", forgot_await, [Case("c", (), 1)])
    assert "coroutine" in report.results[0].detail and "await" in report.results[0].hint


@pytest.mark.parametrize("got, expected", [
    (1, 1), (b"ab", bytearray(b"ab")), ([1, 2], (1, 2)), (0.1 + 0.2, 0.3), (3, 3.0),
    ({"a": [b"x"]}, {"a": (b"x",)}), (None, None)])
def test_same_answer(got, expected):
    assert same_answer(got, expected)


@pytest.mark.parametrize("got, expected", [(True, 1), (1, True), ("1", 1), ([1], [1, 2]),
                                           ({"a": 1}, {"a": 1, "b": 2}), ({"a": True}, {"a": 1})])
def test_not_the_same_answer(got, expected):
    assert not same_answer(got, expected)


# ------------------------------------------------------------------ never the expected answer


@pytest.mark.parametrize("got, expected, words", [
    (b"\x01\x05", b"\x81\x05", "got 01 05: byte 0 differs"),
    (b"\x81\x7e\x00", b"\x81\x7f" + bytes(8),
     "got 81 7e 00 (3 bytes; the right answer has 10): byte 1 differs"),
    ("abd", "abc", "got 'abd': differs from character 2 on"),
    ("ab", "abc", "got 'ab' (2 characters; the right answer has 3): it is too short"),
    ([1, 2, 3], [1, 5], "3 items; the right answer has 2; item 1: got 2"),
    ({"fin": True, "opcode": 8}, {"fin": True, "opcode": 9, "length7": 5},
     "missing key 'length7'; 'opcode': got 8"),
    ({"x": 1}, {"y": 1}, "missing key 'y'; unexpected key 'x'"),
    (("101", {}), (101, {}), "item 0: '101', a str; an int is expected"),
])
def test_what_differs_names_the_place_not_the_expected_value(got, expected, words):
    detail = what_differs(got, expected)
    assert detail == words
    assert repr(expected) not in detail


def test_a_wrong_answer_never_shows_the_expected_value():
    cases = [Case("a", (), 1234567), Case("b", (), b"\x12\x34\x56"), Case("c", (), "secret-text"),
             Case("d", (), [9876, 5432]), Case("e", (), {"k": 31337})]
    for wrong in [0, b"", "", [0, 0], {"k": 0}, None, "1", [1], {"j": 1}, b"\x12\x34\x57"]:
        report = check_function("t", lambda: wrong, cases)
        assert not leaks(report, ["1234567", "12 34 56", "secret-text", "9876", "5432", "31337"]), \
            repr(report)


# ------------------------------------------------------------------ constraints


def xor_loop(data, key):
    return bytes(b ^ key[i % 4] for i, b in enumerate(data))


def uses_wslib(data, key):
    return wslib.mask(data, key)


def uses_alias(data, key):
    return renamed_mask(data, key)


def uses_frames(data, key):
    from wslib.frames import Frame, encode_frame
    return encode_frame(Frame(2, data, mask=key))[-len(data):]


def uses_the_slow_version(data, key):
    return wslib.masking.mask_loop(data, key)


NO_MASK = Forbid("wslib.mask", [getattr(wslib.masking, name) for name in wslib.masking.__all__
                                if callable(getattr(wslib.masking, name))],
                 "write the XOR loop yourself")
MASK_CASES = [Case("Hello", (b"Hello", b"\x37\xfa\x21\x3d"), bytes.fromhex("7f9f4d5158"))]


@pytest.mark.parametrize("answer", [uses_wslib, uses_alias, uses_frames, uses_the_slow_version])
def test_a_forbidden_call_is_seen(answer):
    report = check_function("t", answer, MASK_CASES, forbid=[NO_MASK])
    assert report.status == "failed"
    assert report.results[0].passed  # the answer is right ...
    last = report.results[-1]  # ... but the constraint is broken
    assert not last.passed and last.detail == "your code called wslib.mask"
    assert last.hint == "write the XOR loop yourself"


def test_a_constraint_kept_is_a_passed_line():
    report = check_function("t", xor_loop, MASK_CASES, forbid=[NO_MASK])
    assert report.passed and report.score == (2, 2)
    assert report.results[-1].name.startswith("does not call wslib.mask")


def test_watch_calls_restores_the_previous_profiler():
    events = []

    def previous(frame, event, arg):
        events.append(event)

    sys.setprofile(previous)
    try:
        with watch_calls([NO_MASK]) as seen:
            uses_wslib(b"ab", b"abcd")
        assert sys.getprofile() is previous
    finally:
        sys.setprofile(None)
    assert seen == ["wslib.mask"] and events  # the previous profiler was still called


# ------------------------------------------------------------------ status and hints


def test_status_and_hints_for_a_grader():
    report = run(lambda n: n + 2)
    assert report.status == "failed"
    assert [r.name for r in report.failed] == ["double a negative number", "double zero"]
    assert report.hints == ["negative numbers double too", "zero stays zero"]
    assert run(lambda n: 2 * n).status == "passed" and run(lambda n: 2 * n).hints == []


# ------------------------------------------------------------------ a dict of answers (a quiz)

QUIZ = [Case("What is the opcode of a text frame?", ("text",), 1, hint="the table in 5.2"),
        Case("Is a ping between fragments an error?", ("ping",), None, hint="section 5.4")]


def test_a_quiz_not_answered_is_not_attempted():
    for answers in [None, {"text": ..., "ping": ...}, {}, "1"]:
        assert check_answers("q", answers, QUIZ).status == "not_attempted"


def test_a_quiz_names_each_mistake_without_the_answer():
    report = check_answers("q", {"text": "1", "ping": 1002}, QUIZ)
    assert report.score == (0, 2)
    assert report.results[0].detail == "you said '1', a str; an int is expected"
    assert report.results[1].detail == "you said 1002" and report.results[1].hint == "section 5.4"
    report = check_answers("q", {"text": None, "ping": None}, QUIZ)  # None is an answer here
    assert report.results[0].detail == "you said None" and report.results[0].hint == "the table in 5.2"
    report = check_answers("q", {"text": 1, "ping": ...}, QUIZ)
    assert report.score == (1, 2) and report.results[1].detail == PLACEHOLDER
    report = check_answers("q", {"text": 1}, QUIZ)
    assert report.results[1].detail == "missing from your dict"
    assert check_answers("q", {"text": 1, "ping": None}, QUIZ).passed
