"""Finding an exercise's cells in a notebook: the stub cell that defines its name, and the check
cells that call its check. Plain text matching, so that it also works on a cell with a syntax
error (which is exactly the cell a grader must recognise)."""

from __future__ import annotations

import re
from typing import Any

from ..exercises.catalog import Exercise

__all__ = ["defines", "calls_check", "is_check_cell", "is_check_only", "without_checks", "source_of",
           "is_stub"]

# The lines of a cell that only checks: the import of the checks, and check calls on plain names.
_IMPORT_LINE = re.compile(r"(from\s+wslib\.exercises\s+import\s+[\w\s,]+"
                          r"|import\s+wslib\.exercises(\.\w+)?)\s*(#.*)?")
_CHECK_LINE = re.compile(r"(await\s+)?(\w+\.)?check_\w+\(\s*\w+\s*\)\s*(#.*)?")


def source_of(cell: Any) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def defines(source: str, name: str) -> bool:
    """Does this cell's code define ``name`` at top level (``def``, ``async def``, ``class``,
    or ``=``)?"""
    pattern = (rf"^(async\s+def|def|class)\s+{re.escape(name)}\b"
               rf"|^{re.escape(name)}\s*(:[^=\n]*)?=(?!=)")
    return re.search(pattern, source, re.MULTILINE) is not None


def calls_check(source: str, ex: Exercise) -> bool:
    """Is this a check cell of ``ex``: does it call ``check(name)``?"""
    return re.search(rf"\b{re.escape(ex.check)}\(\s*{re.escape(ex.name)}\s*\)", source) is not None


def _code_lines(source: str) -> list[str]:
    lines = [line.strip() for line in source.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def is_check_cell(source: str, ex: Exercise) -> bool:
    """The check cell of ``ex``: it calls ``check(name)`` and does nothing else."""
    return calls_check(source, ex) and is_check_only(source)


def is_check_only(source: str) -> bool:
    """A cell that does nothing but import checks and call them on names."""
    code = _code_lines(source)
    return bool(code) and all(_IMPORT_LINE.fullmatch(x) or _CHECK_LINE.fullmatch(x) for x in code)


def without_checks(source: str) -> str:
    """What the grader runs of a check-only cell: its imports (later cells may use them), not
    its check calls (the grader runs every check itself, once, with a time limit)."""
    return "\n".join(x for x in _code_lines(source) if _IMPORT_LINE.fullmatch(x))


def is_stub(source: str) -> bool:
    """Does a stub cell still look untouched: ``raise NotImplementedError`` or ``...`` values?"""
    return "NotImplementedError" in source or re.search(r":\s*\.\.\.\s*,", source) is not None
