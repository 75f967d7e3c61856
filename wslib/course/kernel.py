"""The half of the grader that runs inside the student's kernel.

After the student's own cells have run, the grader sends one cell per exercise::

    import wslib.course.kernel as __wscourse__
    await __wscourse__.show("3.1", globals(), [])

which runs the catalog's check on what the notebook defined under the exercise's name, then the
hidden cases, and shows the outcome as a display output of type :data:`MIME` (a dict that the
grader reads back: unlike printed text it cannot be mixed up with what the student prints).
"""

from __future__ import annotations

import inspect
from typing import Any

from ..exercises import Report, judge_answer
from ..exercises.catalog import Exercise, exercise
from .hidden import cases_for

__all__ = ["MIME", "evaluate", "show", "status_of"]

MIME = "application/vnd.wscourse.result+json"


def status_of(report: Report) -> str:
    """``passed``, ``failed`` or ``not_attempted`` (``report.status`` when the framework has it)."""
    status = getattr(report, "status", None)
    if status in ("passed", "failed", "not_attempted"):
        return status
    if not report.attempted:
        return "not_attempted"
    return "passed" if report.passed else "failed"


def _lines(report: Report, hidden: bool) -> list[dict[str, Any]]:
    return [{"name": r.name, "passed": r.passed, "detail": r.detail, "hint": r.hint,
             "hidden": hidden} for r in report.results]


def _hidden_report(ex: Exercise, answer: Any, files: list[str]) -> Report:
    report = Report(f"Exercise {ex.id} - hidden cases")
    for case in cases_for(ex.id, files):
        try:
            got, error = answer(*case.args), None
        except Exception as exc:  # the learner's code: a failed case, never raised
            got, error = None, exc
        judge_answer(report, case, got, error)
    return report


async def evaluate(exercise_id: str, namespace: dict[str, Any],
                   hidden_files: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """The outcome of one exercise: ``{"exercise", "status", "results", "note"}``."""
    ex = exercise(exercise_id)
    outcome: dict[str, Any] = {"exercise": ex.id, "status": "missing", "results": [], "note": ""}
    if ex.name not in namespace:
        return outcome
    answer = namespace[ex.name]
    try:
        report = ex.check_function()(answer)
        if inspect.isawaitable(report):
            report = await report
        outcome["status"] = status_of(report)
        outcome["results"] = _lines(report, hidden=False)
        if outcome["status"] != "not_attempted" and ex.hidden:
            hidden = _hidden_report(ex, answer, list(hidden_files))
            outcome["results"] += _lines(hidden, hidden=True)
            if not all(r.passed for r in hidden.results):
                outcome["status"] = "failed"
    except (Exception, SystemExit) as exc:  # a check never raises; the learner's code may exit
        outcome.update(status="error", results=[],
                       note=f"checking {ex.name} raised {type(exc).__name__}: {exc}")
    return outcome


async def show(exercise_id: str, namespace: dict[str, Any],
               hidden_files: list[str] | tuple[str, ...] = ()) -> None:
    """Evaluate and show the outcome for the grader to read (see the module docstring)."""
    from IPython.display import display

    display({MIME: await evaluate(exercise_id, namespace, hidden_files)}, raw=True)
