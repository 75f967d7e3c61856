"""Grade a class: find each student's notebooks, run them (a few at a time), score them.

``SUBMISSIONS/<student>/<anything with the lesson number>.ipynb``: a student is a folder, and a
notebook belongs to the lesson whose number comes first in its file name. Only lessons of the
catalog are graded; a lesson that a student did not hand in is ``missing`` for every exercise.

Scoring (``--scoring``): ``all`` (the default) gives an exercise its points when its status is
``passed`` (every check in the notebook and every hidden case passed) and 0 otherwise;
``scaled`` gives points x (checks passed / checks run) to an attempted answer, rounded to 0.01.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..exercises.catalog import LESSONS, Exercise, lesson, lesson_of_filename
from .runner import NotebookRun, Outcome, run_notebook

__all__ = ["Grade", "Submission", "find_submissions", "grade_notebook", "grade_class", "score",
           "STATUSES", "SCORINGS"]

STATUSES = ("passed", "failed", "not_attempted", "error", "timeout", "missing")
SCORINGS = ("all", "scaled")


@dataclass
class Grade:
    """One row of grades.csv, with what the feedback needs."""

    student: str
    exercise: Exercise
    points: float
    outcome: Outcome
    notebook: str = ""  # the file graded ("" when the lesson is missing)

    @property
    def lesson(self) -> str:
        return self.exercise.lesson

    @property
    def status(self) -> str:
        return self.outcome.status


@dataclass
class Submission:
    student: str
    notebooks: dict[str, Path] = field(default_factory=dict)  # lesson -> notebook
    notes: list[str] = field(default_factory=list)


def find_submissions(root: Path, skip: Path | None = None) -> list[Submission]:
    """One Submission per student folder of ``root``, sorted by name (not ``skip``: the report
    folder, when it is inside ``root``)."""
    known = {item.number for item in LESSONS if item.exercises}
    found = []
    skip = Path(skip).resolve() if skip else None
    for folder in sorted(p for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith(".")
                         and p.resolve() != skip):
        sub = Submission(folder.name)
        files = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        for path in files:
            number = lesson_of_filename(path.name)
            if number not in known:
                why = (f"lesson {number} has no graded exercises" if number else "its name has "
                       "no lesson number (it comes first: 03_frame_layout.ipynb)")
                sub.notes.append(f"{path.relative_to(folder)} was not graded: {why}")
                continue
            other = sub.notebooks.get(number)
            if other is None or path.stat().st_mtime > other.stat().st_mtime:
                sub.notebooks[number] = path
            if other is not None:
                kept = sub.notebooks[number]
                dropped = other if kept == path else path
                sub.notes.append(f"two notebooks for lesson {number}: graded "
                                 f"{kept.relative_to(folder)} (the newer), not "
                                 f"{dropped.relative_to(folder)}")
        found.append(sub)
    return found


def score(ex: Exercise, outcome: Outcome, scoring: str = "all") -> float:
    if outcome.status == "passed":
        return ex.points
    if scoring == "scaled" and outcome.status == "failed" and outcome.results:
        good = sum(bool(r.get("passed")) for r in outcome.results)
        return round(ex.points * good / len(outcome.results), 2)
    return 0


def _grades(student: str, number: str, run: NotebookRun | None, scoring: str) -> list[Grade]:
    rows = []
    for ex in lesson(number).exercises:
        if run is None:
            outcome = Outcome(ex.id, "missing", note=f"no notebook for lesson {number} was handed in")
        else:
            outcome = run.outcomes.get(ex.id) or Outcome(ex.id, "error", note="not checked")
        rows.append(Grade(student, ex, score(ex, outcome, scoring), outcome,
                          run.path.name if run else ""))
    return rows


async def grade_notebook(path: Path, number: str, student: str = "", timeout: float = 60,
                         hidden_files: list[str] | tuple[str, ...] = (),
                         scoring: str = "all") -> tuple[list[Grade], list[str]]:
    """(grades, notes about the notebook) of one notebook of lesson ``number``."""
    run = await run_notebook(Path(path), lesson(number), timeout, hidden_files)
    return _grades(student, number, run, scoring), run.notes


class Progress:
    """A progress bar on a terminal, one line per notebook otherwise (a log file, CI)."""

    def __init__(self, total: int, stream: TextIO | None) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())

    def step(self, label: str) -> None:
        self.done += 1
        if self.stream is None:
            return
        if self.tty:
            filled = round(30 * self.done / max(self.total, 1))
            end = "\n" if self.done == self.total else ""
            self.stream.write(f"\rgrading [{'#' * filled}{'.' * (30 - filled)}] "
                              f"{self.done}/{self.total} {label[:40]:40}{end}")
        else:
            self.stream.write(f"graded {self.done}/{self.total}: {label}\n")
        self.stream.flush()


async def grade_class(root: Path, lessons: list[str] | None = None, timeout: float = 60,
                      jobs: int = 2, hidden_files: list[str] | tuple[str, ...] = (),
                      scoring: str = "all", progress: TextIO | None = sys.stderr,
                      skip: Path | None = None,
                      ) -> tuple[list[Grade], dict[str, list[str]], list[str]]:
    """Grade every student of ``root``: (grades, notes per student, the lessons graded).

    ``lessons`` defaults to every catalog lesson that at least one student handed in. At most
    ``jobs`` notebooks run at the same time; a bad notebook only affects its own rows.
    """
    subs = find_submissions(root, skip)
    numbers = sorted({f"{int(n):02d}" for n in lessons} if lessons else
                     {n for sub in subs for n in sub.notebooks})
    for number in numbers:
        lesson(number)  # KeyError for a lesson the catalog does not have
    work = [(sub, n) for sub in subs for n in numbers if n in sub.notebooks]
    bar = Progress(len(work), progress)
    gate = asyncio.Semaphore(max(1, jobs))
    notes = {sub.student: list(sub.notes) for sub in subs}

    async def one(sub: Submission, number: str) -> tuple[list[Grade], list[str]]:
        path = sub.notebooks[number]
        async with gate:
            try:
                rows, run_notes = await grade_notebook(path, number, sub.student, timeout,
                                                       hidden_files, scoring)
            except Exception as exc:  # a bug of the grader: this notebook's rows, not the batch
                run = NotebookRun(path, {ex.id: Outcome(ex.id, "error", note=f"the grader "
                                                        f"failed: {type(exc).__name__}: {exc}")
                                         for ex in lesson(number).exercises})
                rows, run_notes = _grades(sub.student, number, run, scoring), []
        passed = sum(r.status == "passed" for r in rows)
        bar.step(f"{sub.student} {number}: {passed}/{len(rows)} passed")
        return rows, [f"{path.name}: {note}" for note in run_notes]

    results = await asyncio.gather(*(one(s, n) for s, n in work))
    done = {(sub.student, number): result for (sub, number), result in zip(work, results)}
    grades = []
    for sub in subs:
        for number in numbers:
            rows, run_notes = done.get((sub.student, number)) or (
                _grades(sub.student, number, None, scoring), [])
            grades += rows
            notes[sub.student] += run_notes
    return grades, notes, numbers


def as_dict(grade: Grade) -> dict[str, Any]:
    """The CSV row of a grade."""
    return {"student": grade.student, "lesson": grade.lesson, "exercise": grade.exercise.id,
            "points": grade.points, "max_points": grade.exercise.points, "status": grade.status}
