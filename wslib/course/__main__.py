"""``python -m wslib.course``: release / grade / check (see docs/teaching.md)."""

from __future__ import annotations

import argparse
import asyncio
import queue
import sys
from pathlib import Path
from typing import Any, Coroutine, TypeVar

from ..exercises.catalog import lesson, lesson_of_filename
from .grade import SCORINGS, grade_class, grade_notebook
from .release import ReleaseError, release
from .report import feedback_text, write_report

T = TypeVar("T")


def _lessons(text: str) -> list[str]:
    try:
        numbers = [f"{int(part):02d}" for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"lessons are numbers separated by commas, like 03,04; "
                                         f"got {text!r}") from None
    if not numbers:
        raise argparse.ArgumentTypeError("give at least one lesson, like 03")
    return numbers


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m wslib.course", description=(
        "Classroom tooling: hand out student copies of the lessons, grade a class's notebooks "
        "in fresh kernels with the course's own checks, and let a student check a notebook."))
    sub = parser.add_subparsers(dest="command", required=True)

    rel = sub.add_parser("release", help="write student copies of the lessons",
                         description="Write student copies of the lessons (stubs, no solutions, "
                                     "check outputs cleared) and a README into OUTDIR.")
    rel.add_argument("outdir", type=Path, metavar="OUTDIR")
    rel.add_argument("--lessons", type=_lessons, help="e.g. 03,04 (default: every lesson)")
    rel.add_argument("--source", type=Path, help="the lessons' folder (default: notebooks/ of "
                     "this checkout)")

    def add_run_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--timeout", type=float, default=60, help="seconds for a notebook's own "
                       "cells together, and again for each exercise's check (default 60)")
        p.add_argument("--hidden", action="append", default=[], metavar="FILE",
                       help="a Python file defining HIDDEN = {'3.2': [Case(...)]}: more hidden "
                            "cases (may be given more than once)")
        p.add_argument("--scoring", choices=SCORINGS, default="all", help="all: an exercise's "
                       "points when every check passes, else 0 (default); scaled: points x the "
                       "share of checks passed")

    grd = sub.add_parser("grade", help="grade a class's notebooks",
                         description="Grade SUBMISSIONS/<student>/*.ipynb; write REPORT/grades.csv,"
                                     " REPORT/summary.md and REPORT/feedback/<student>.md.")
    grd.add_argument("submissions", type=Path, metavar="SUBMISSIONS")
    grd.add_argument("--out", type=Path, required=True, metavar="REPORT")
    grd.add_argument("--jobs", type=int, default=2, help="notebooks run at the same time (2)")
    grd.add_argument("--lessons", type=_lessons, help="grade only these, e.g. 03,04 (default: "
                     "every lesson that someone handed in)")
    add_run_options(grd)

    chk = sub.add_parser("check", help="score one notebook, as the grader would",
                         description="Run NOTEBOOK in a fresh kernel and print its score and the "
                                     "checks' hints, as the teacher's grader computes them.")
    chk.add_argument("notebook", type=Path, metavar="NOTEBOOK")
    chk.add_argument("--lesson", type=_lessons, help="the lesson, when the file name does not "
                     "start with its number")
    add_run_options(chk)
    return parser


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, without the noise of nbclient's abandoned output readers: when a kernel is
    shut down after a time-out, their pending reads end with queue.Empty, which nobody awaits."""

    async def main() -> T:
        loop = asyncio.get_running_loop()
        default = loop.get_exception_handler()

        def handler(loop: asyncio.AbstractEventLoop, context: dict) -> None:
            if isinstance(context.get("exception"), queue.Empty):
                return
            if default is not None:
                default(loop, context)
            else:
                loop.default_exception_handler(context)

        loop.set_exception_handler(handler)
        return await coro

    return asyncio.run(main())


def _check(args: argparse.Namespace) -> int:
    number = args.lesson[0] if args.lesson else lesson_of_filename(args.notebook.name)
    if number is None:
        print(f"error: {args.notebook.name} has no lesson number; give --lesson", file=sys.stderr)
        return 2
    if not args.notebook.is_file():
        print(f"error: no file {args.notebook}", file=sys.stderr)
        return 2
    lesson(number)
    print(f"checking {args.notebook.name} (lesson {number}) in a fresh kernel...", file=sys.stderr)
    grades, notes = _run(grade_notebook(args.notebook, number, "", args.timeout,
                                               args.hidden, args.scoring))
    print(feedback_text("", grades, notes, title=f"{args.notebook.name}: what the grader sees"))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "release":
            written = release(args.outdir, args.lessons, args.source)
            print(f"wrote {len(written)} lesson(s) and README.md to {args.outdir}")
            return 0
        if args.command == "check":
            return _check(args)
        if not args.submissions.is_dir():
            print(f"error: {args.submissions} is not a folder", file=sys.stderr)
            return 2
        grades, notes, numbers = _run(grade_class(
            args.submissions, args.lessons, args.timeout, args.jobs, args.hidden, args.scoring,
            skip=args.out))
        write_report(args.out, grades, notes, numbers, args.scoring, args.timeout)
        students = len({g.student for g in grades})
        print(f"graded {students} student(s), lessons {', '.join(numbers) or 'none'}: "
              f"{args.out / 'grades.csv'}, summary.md, feedback/", file=sys.stderr)
        return 0
    except (ReleaseError, KeyError, ValueError, OSError) as exc:
        print(f"error: {exc.args[0] if isinstance(exc, KeyError) else exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
