"""Self-checks for the exercises in the lessons.

Each lesson has a module here (``wslib.exercises.lesson02`` for lesson 02, ...) whose functions
take the learner's answer, run it against a few cases, and return a :class:`Report`. The report
shows as plain text in the notebook: which checks passed, and a hint for each that failed.

A check never raises: a stub that is not filled in yet (it raises ``NotImplementedError`` or
returns ``None`` / ``...``) is reported as "not attempted yet", and an exception inside the
learner's code becomes a failed check that names the exception. Teachers can call the same
functions in a grading script and read ``report.passed`` and ``report.score``.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

__all__ = ["Report", "Result", "Case", "check_function", "NotAttempted"]


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
    hint: str = ""
    # How to compare; the default is ==. Returns True when the answer is right.
    same: Callable[[Any, Any], bool] | None = None


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe_exception(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" (line {frame.lineno})" if frame is not None else ""
    return f"raised {type(exc).__name__}: {exc}{where}"


def is_stub_result(value: Any) -> bool:
    return value is None or value is Ellipsis


def check_function(title: str, func: Callable | None, cases: Iterable[Case]) -> Report:
    """Run ``func`` on each case and report. Never raises.

    The answer counts as not attempted when ``func`` is None, or when it raises
    ``NotImplementedError`` or returns ``None`` / ``...`` on the first case.
    """
    report = Report(title)
    cases = list(cases)
    if func is None:
        report.attempted = False
        return report
    for i, case in enumerate(cases):
        try:
            got = func(*case.args)
        except NotImplementedError:
            if i == 0:
                report.attempted = False
                report.results.clear()
                return report
            report.add(case.name, False, "raised NotImplementedError", case.hint)
            continue
        except Exception as exc:  # the learner's code: report, never raise
            report.add(case.name, False, _describe_exception(exc), case.hint)
            continue
        if i == 0 and is_stub_result(got) and not is_stub_result(case.expected):
            report.attempted = False
            report.results.clear()
            return report
        try:
            ok = case.same(got, case.expected) if case.same else got == case.expected
        except Exception as exc:
            ok, got = False, f"<could not compare: {exc}>"
        detail = "" if ok else f"expected {_short(case.expected)}, got {_short(got)}"
        report.add(case.name, bool(ok), detail, case.hint)
    return report
