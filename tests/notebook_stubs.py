"""The exercise stubs exactly as the committed notebooks hold them, for the exercise tests.

``notebook_answer("02_opening_handshake.ipynb", "accept_key")`` runs the cell that defines
``accept_key`` the way IPython does (its source registered in ``linecache`` under a cell file
name, so ``inspect.getsource`` works as it does in a kernel) and returns what the cell defined.
The tests then check that the untouched stub is reported "not attempted".
"""

from __future__ import annotations

import json
import linecache
import re
from pathlib import Path
from typing import Any

from wslib.course.cells import defines, source_of

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _cells(notebook: str) -> list[str]:
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    return [source_of(cell) for cell in cells if cell["cell_type"] == "code"]


def notebook_cell(notebook: str, name: str) -> str:
    """The source of the code cell that defines ``name`` (a function, a class or a dict of
    answers): found as the grader finds it (wslib.course.cells.defines)."""
    for source in _cells(notebook):
        if defines(source, name):
            return source
    raise LookupError(f"no cell of {notebook} defines {name}")


def _imports_before(notebook: str, name: str) -> str:
    """The import lines of the code cells before the one that defines ``name`` (a stub may
    build on what the lesson imported, e.g. a class it extends)."""
    lines = []
    for source in _cells(notebook):
        if defines(source, name):
            break
        lines += [line for line in source.splitlines()
                  if re.match(r"(from\s+\S+\s+)?import\s", line) and not line.endswith("(")]
    return "\n".join(lines)


def notebook_answer(notebook: str, name: str) -> Any:
    """Run the cell that defines ``name`` as a kernel would (after the lesson's imports) and
    return ``name``."""
    source = notebook_cell(notebook, name)
    filename = f"<ipython-cell {notebook} {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(_imports_before(notebook, name), namespace)
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]
