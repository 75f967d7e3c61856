"""The half of the grader that runs inside the student's kernel.

After the student's own cells have run, the grader sends one cell per exercise::

    import wslib.course.kernel as __wscourse__
    __wscourse__.show("3.1", globals(), [])

It runs the catalog's check on what the notebook defined under the exercise's name, then the
hidden cases, and shows the outcome as a display output of type :data:`MIME`: a dict that the
grader reads back (unlike printed text, it cannot get mixed up with what the student prints).

An ``async`` check is awaited instead (``await __wscourse__.show_async(...)``). A plain cell is
used whenever possible: interrupting it (the stop button) raises KeyboardInterrupt, which stops
a busy loop, while ipykernel only cancels an awaited cell, which does not. (The grader itself
never interrupts: a kernel that runs out of time is replaced, see :mod:`wslib.course.runner`.)
"""

from __future__ import annotations

import inspect
from typing import Any

from ..exercises import Report, judge_answer
from ..exercises.catalog import Exercise, exercise
from .hidden import cases_for

__all__ = ["MIME", "evaluate", "evaluate_sync", "show", "show_async", "status_of", "is_async"]

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


def _outcome(ex: Exercise, answer: Any, report: Report, files: list[str]) -> dict[str, Any]:
    outcome = {"exercise": ex.id, "status": status_of(report),
               "results": _lines(report, hidden=False), "note": ""}
    if outcome["status"] != "not_attempted" and ex.hidden:
        hidden = _hidden_report(ex, answer, files)
        outcome["results"] += _lines(hidden, hidden=True)
        if not all(r.passed for r in hidden.results):
            outcome["status"] = "failed"
    return outcome


def _failure(ex: Exercise, exc: BaseException) -> dict[str, Any]:
    return {"exercise": ex.id, "status": "error", "results": [],
            "note": f"checking {ex.name} raised {type(exc).__name__}: {exc}"}


def _missing(ex: Exercise) -> dict[str, Any]:
    return {"exercise": ex.id, "status": "missing", "results": [], "note": ""}


def evaluate_sync(exercise_id: str, namespace: dict[str, Any],
                  hidden_files: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """The outcome of one exercise whose check is a plain function:
    ``{"exercise", "status", "results", "note"}``. A cell that calls it can be interrupted
    (KeyboardInterrupt) when the learner's code loops; an awaited cell could not be."""
    ex = exercise(exercise_id)
    if ex.name not in namespace:
        return _missing(ex)
    try:
        return _outcome(ex, namespace[ex.name], ex.check_function()(namespace[ex.name]),
                        list(hidden_files))
    except (Exception, SystemExit) as exc:  # a check never raises; the learner's code may exit
        return _failure(ex, exc)


async def evaluate(exercise_id: str, namespace: dict[str, Any],
                   hidden_files: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """Like :func:`evaluate_sync`, for any check: an ``async`` one is awaited."""
    ex = exercise(exercise_id)
    if not is_async(ex):
        return evaluate_sync(exercise_id, namespace, hidden_files)
    if ex.name not in namespace:
        return _missing(ex)
    try:
        report = await ex.check_function()(namespace[ex.name])
        return _outcome(ex, namespace[ex.name], report, list(hidden_files))
    except (Exception, SystemExit) as exc:
        return _failure(ex, exc)


def is_async(ex: Exercise) -> bool:
    return inspect.iscoroutinefunction(ex.check_function())


def _display(outcome: dict[str, Any]) -> None:
    from IPython.display import display

    display({MIME: outcome}, raw=True)


def show(exercise_id: str, namespace: dict[str, Any],
         hidden_files: list[str] | tuple[str, ...] = ()) -> None:
    """Evaluate a plain check and show the outcome for the grader (the module docstring)."""
    _display(evaluate_sync(exercise_id, namespace, hidden_files))


async def show_async(exercise_id: str, namespace: dict[str, Any],
                     hidden_files: list[str] | tuple[str, ...] = ()) -> None:
    """The same for an ``async`` check (``await __wscourse__.show_async(...)``)."""
    _display(await evaluate(exercise_id, namespace, hidden_files))
