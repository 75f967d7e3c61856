"""Self-checks for the exercises in the lessons.

Each lesson has a module here (``wslib.exercises.lesson02`` for lesson 02, ...) whose functions
take the learner's answer, run it against a few cases, and return a :class:`Report`. The report
shows as plain text in the notebook: which checks passed, and a hint for each that failed.

A check never raises: a stub that is not filled in yet (it raises ``NotImplementedError`` or
returns ``None`` / ``...``) is reported as "not attempted yet", and an exception inside the
learner's code becomes a failed check that names the exception. Teachers can call the same
functions in a grading script and read ``report.passed`` and ``report.score``.

Writing a new check
-------------------
Describe each call of the learner's function as a :class:`Case` and hand the list to
:func:`check_function`. It runs the loop every check needs (call the function, spot the stub,
turn an exception into a failed line, compare, add the line and its hint)::

    def check_double(func: Callable[[int], int] | None) -> Report:
        # Exercise 9.1: func(n) returns 2 * n.
        return check_function("Exercise 9.1 - double", func, [
            Case("double(2) is 4", (2,), 4, hint="multiply by 2"),
            Case("double(-3) is -6", (-3,), -6, hint="negative numbers double too"),
        ], stub_hint=FINISH)

Put the plainest case first: the answer is "not attempted" when it raises NotImplementedError or
returns ``None`` / ``...`` on the first case (on a later case that is just a failed line). When
``==`` and a fixed hint are not enough:

* ``Case(..., compare=f)``: ``f(got, expected)`` returns True when the answer is right, or
  ``(ok, detail)`` when the default detail "expected X, got Y" would not explain the mistake;
* ``Case(..., hint=f)``: ``f(got)`` returns the hint for a wrong answer, e.g. the name of the
  classic mistake it matches; it gets ``None`` when the learner's code raised. For a hint that
  also needs the case's data use ``functools.partial`` (see ``lesson01`` and ``lesson02``);
* ``check_function(..., stub_hint=, crash_hint=)``: the hint for a later case that raises
  NotImplementedError (the lessons use :data:`FINISH`), and for learner code that raises
  (default for both: the case's own hint).

To get the answer some other way (awaiting an ``async`` function: ``lesson00.check_echo_once``)
loop over the cases yourself and give each answer to :func:`judge_answer`, the per-case half of
check_function. An answer that is not a function (a dict of answers:
``lesson05.check_close_codes``) gets a hand-built Report filled with ``report.add(...)``.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

__all__ = ["Report", "Result", "Case", "check_function", "judge_answer", "NotAttempted", "FINISH"]

FINISH = "finish the function"  # the usual stub_hint: a later case still raises NotImplementedError


class NotAttempted(Exception):
    """Raised inside a check when the learner's answer is still the stub."""


@dataclass
class Result:
    name: str
    passed: bool
    detail: str = ""  # what went wrong (empty when passed)
    hint: str = ""  # what to look at (shown when failed)


@dataclass
class Report:
    """The outcome of one exercise's checks. ``repr()`` is the text a learner sees."""

    title: str
    results: list[Result] = field(default_factory=list)
    attempted: bool = True

    @property
    def passed(self) -> bool:
        """True when the answer was attempted and every check passed."""
        return self.attempted and bool(self.results) and all(r.passed for r in self.results)

    @property
    def score(self) -> tuple[int, int]:
        """(checks passed, checks run)."""
        return sum(r.passed for r in self.results), len(self.results)

    def add(self, name: str, passed: bool, detail: str = "", hint: str = "") -> bool:
        self.results.append(Result(name, bool(passed), detail, hint))
        return bool(passed)

    def __repr__(self) -> str:
        if not self.attempted:
            return (f"{self.title}: not attempted yet\n"
                    "  Fill in the cell above, run it, then run this cell again.")
        good, total = self.score
        verdict = "all checks passed" if self.passed else f"{good}/{total} checks passed"
        lines = [f"{self.title}: {verdict}"]
        for r in self.results:
            lines.append(f"  {'✓' if r.passed else '✗'} {r.name}")
            if not r.passed:
                if r.detail:
                    lines.append(f"      {r.detail}")
                if r.hint:
                    lines.append(f"      hint: {r.hint}")
        return "\n".join(lines)

    # IPython shows _repr_pretty_ when the report is a cell's last expression.
    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


@dataclass
class Case:
    """One call of the learner's function: ``func(*args)`` should equal ``expected``."""

    name: str
    args: tuple
    expected: Any
    # Shown when the check fails: a str, or f(got) -> str to name the mistake (got is None when
    # the learner's code raised).
    hint: str | Callable[[Any], str] = ""
    # How to compare; the default is ==. f(got, expected) returns True when the answer is right,
    # or (ok, detail) to replace the "expected X, got Y" detail.
    compare: Callable[[Any, Any], bool | tuple[bool, str]] | None = None
    same: Callable[[Any, Any], bool] | None = None  # the older name of compare, still accepted

    def judge(self, got: Any) -> tuple[bool, str]:
        """(ok, detail) for the answer ``got``; the detail is empty when ok. Never raises."""
        compare = self.compare or self.same
        try:
            if compare is None:
                ok, detail = got == self.expected, ""
            else:
                outcome = compare(got, self.expected)
                ok, detail = outcome if isinstance(outcome, tuple) else (outcome, "")
            ok = bool(ok)
        except Exception as exc:
            return False, f"could not compare the answer: {exc}"
        if ok:
            return True, ""
        return False, detail or f"expected {_short(self.expected)}, got {_short(got)}"

    def hint_for(self, got: Any, ok: bool = False) -> str:
        """The hint for the answer ``got``. Never raises."""
        if not callable(self.hint):
            return self.hint
        if ok:
            return ""
        try:
            return self.hint(got)
        except Exception:
            return ""


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe_exception(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" (line {frame.lineno})" if frame is not None else ""
    return f"raised {type(exc).__name__}: {exc}{where}"


def is_stub_result(value: Any) -> bool:
    return value is None or value is Ellipsis


def judge_answer(report: Report, case: Case, got: Any = None, error: Exception | None = None, *,
                 first: bool = False, stub_hint: str | None = None,
                 crash_hint: str | None = None) -> None:
    """Add ``case``'s line to ``report``: the learner's answer is ``got``, or ``error`` when
    computing it raised. ``first`` marks the first case, where a stub (NotImplementedError, or
    ``None`` / ``...`` when the expected answer is neither) raises :class:`NotAttempted`.
    """
    if isinstance(error, NotImplementedError):
        if first:
            raise NotAttempted
        hint = case.hint_for(None) if stub_hint is None else stub_hint
        report.add(case.name, False, "raised NotImplementedError", hint)
    elif error is not None:
        hint = case.hint_for(None) if crash_hint is None else crash_hint
        report.add(case.name, False, _describe_exception(error), hint)
    elif first and is_stub_result(got) and not is_stub_result(case.expected):
        raise NotAttempted
    else:
        ok, detail = case.judge(got)
        report.add(case.name, ok, detail, case.hint_for(got, ok))


def check_function(title: str, func: Callable | None, cases: Iterable[Case], *,
                   stub_hint: str | None = None, crash_hint: str | None = None) -> Report:
    """Run ``func`` on each case and report. Never raises.

    The answer counts as not attempted when ``func`` is None, or when it raises
    ``NotImplementedError`` or returns ``None`` / ``...`` on the first case. ``stub_hint`` and
    ``crash_hint`` replace the case's hint when a later case raises NotImplementedError, or when
    the learner's code raises anything else.
    """
    report = Report(title)
    try:
        if func is None:
            raise NotAttempted
        for i, case in enumerate(cases):
            try:
                got, error = func(*case.args), None
            except Exception as exc:  # the learner's code: reported, never raised
                got, error = None, exc
            judge_answer(report, case, got, error, first=i == 0, stub_hint=stub_hint,
                         crash_hint=crash_hint)
    except NotAttempted:
        report.attempted = False
        report.results.clear()
    return report
