"""Student copies of the lessons: ``python -m wslib.course release OUTDIR [--lessons 03,04]``.

A copy is the lesson notebook as it is in the repository, with the stored outputs of its
exercise check cells (the cells that only call a check on the stub's name) cleared (they would show the "not attempted" text of the teacher's run).
Before writing anything, release checks what it copies: every exercise of the catalog has its
stub cell, and that cell is still a stub (``raise NotImplementedError`` or ``...``), so a
solution saved into a lesson by mistake is refused, not handed out. Nothing else is copied:
not ``solutions/``, not the hidden cases, not the tests. A README tells students what to do.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat

from ..exercises.catalog import LESSONS, lesson_of_filename
from .cells import defines, is_check_cell, is_stub, source_of

__all__ = ["ReleaseError", "release", "lesson_notebooks", "default_source"]

README = """\
# {course}: your copy of the lessons

Lessons in this folder: {lessons}.

1. Open a lesson in JupyterLab (`jupyter lab {first}`) and run it from the top
   (Run > Run All Cells works: every exercise is a stub until you fill it in).
2. Each exercise is a stub cell (`raise NotImplementedError  # your code here`, or `...` to
   replace) followed by a check cell. Write your answer in the stub cell, run it, then run the
   check cell: it tells you what passes and gives a hint for what does not.
3. Keep each exercise's function name, and keep the lesson number at the start of the file
   name (`03_frame_layout.ipynb`): the grader finds your answers by those names.
4. Before you hand in, see the score your teacher's grader will give:

       python -m wslib.course check 03_frame_layout.ipynb

   It runs the notebook in a fresh kernel (as the grader does), so an answer that only works
   because of a cell you ran by hand and then deleted shows up there. The grader also tries
   each function on a few cases that the notebook does not show.

You need the `wslib` package of the course (and JupyterLab): your teacher tells you how to
install it.
"""


_IMPORTS_SOLUTIONS = re.compile(r"^\s*(from|import)\s+solutions\b", re.MULTILINE)


class ReleaseError(Exception):
    """A lesson cannot be released as it is (a missing stub, a solution in a stub cell)."""


def default_source() -> Path:
    """The repository's notebooks/ folder (release runs from a checkout of the course)."""
    return Path(__file__).resolve().parents[2] / "notebooks"


def lesson_notebooks(source: Path, lessons: list[str] | None = None) -> dict[str, Path]:
    """lesson number -> notebook in ``source`` (only ``lessons`` when given)."""
    found = {}
    for path in sorted(Path(source).glob("[0-9]*.ipynb")):
        number = lesson_of_filename(path.name)
        if number is not None and (lessons is None or number in lessons):
            found[number] = path
    wanted = set(lessons or [])
    if wanted - set(found):
        raise ReleaseError(f"no notebook for lesson(s) {', '.join(sorted(wanted - set(found)))} "
                           f"in {source}")
    return found


def _student_copy(number: str, path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    exercises = next((item.exercises for item in LESSONS if item.number == number), [])
    for ex in exercises:
        stubs = [i for i, c in enumerate(nb.cells)
                 if c.cell_type == "code" and defines(source_of(c), ex.name)]
        if not stubs:
            raise ReleaseError(f"{path.name}: no cell defines `{ex.name}` (exercise {ex.id})")
        for i in stubs:
            if not is_stub(source_of(nb.cells[i])):
                raise ReleaseError(f"{path.name}: cell {i + 1} defines `{ex.name}` (exercise "
                                   f"{ex.id}) but is not a stub: it may hold a solution")
        for cell in nb.cells:
            if cell.cell_type == "code" and is_check_cell(source_of(cell), ex):
                cell.outputs = []
                cell.execution_count = None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and _IMPORTS_SOLUTIONS.search(source_of(cell)):
            raise ReleaseError(f"{path.name}: cell {i + 1} imports the reference solutions")
    return nb


def release(outdir: Path, lessons: list[str] | None = None, source: Path | None = None,
            course: str = "wscourse") -> list[Path]:
    """Write the student copies and README.md into ``outdir``; returns the notebooks written.
    Every lesson is checked before the first file is written."""
    source = Path(source) if source else default_source()
    if not source.is_dir():
        raise ReleaseError(f"{source} is not a folder of lesson notebooks (run release from a "
                           "checkout of the course, or give --source)")
    if Path(outdir).resolve() == source.resolve():
        raise ReleaseError("OUTDIR is the lessons' own folder: give a new folder for the copies")
    numbers = [f"{int(n):02d}" for n in lessons] if lessons else None
    copies = {n: (p, _student_copy(n, p)) for n, p in lesson_notebooks(source, numbers).items()}
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for number, (path, nb) in copies.items():
        nbformat.write(nb, outdir / path.name)
        written.append(outdir / path.name)
    for folder in sorted(p for p in source.iterdir() if p.is_dir()):  # images, data of lessons
        if not folder.name.startswith((".", "_")) and folder.name != "solutions":
            shutil.copytree(folder, outdir / folder.name, dirs_exist_ok=True)
    names = [p.name for p in written]
    (outdir / "README.md").write_text(README.format(course=course, lessons=", ".join(names),
                                                    first=names[0] if names else "00_start_here.ipynb"))
    return written
