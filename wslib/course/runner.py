"""Run one student notebook in a fresh kernel and check each of its exercises.

The steps, for one notebook of one lesson:

1. read it (a file that is not a notebook: every exercise ``error``);
2. start a fresh kernel of this Python (nbclient), and run the notebook's code cells in order
   with errors allowed, within ``timeout`` seconds together. Of the notebook's own check
   cells only the imports run: step 3 runs every check anyway, once;
3. for each exercise of the lesson, run one more cell (:mod:`wslib.course.kernel`) that checks
   what the notebook defined, plus the hidden cases, within ``timeout`` seconds; it reads the
   result back from that cell's display output.

What goes wrong becomes a status, never an exception: a name the notebook does not define is
``missing`` (or ``error`` when the cell that defines it raised, ``timeout`` when the notebook ran
out of time first); a check that runs out of time is ``timeout``, and one that kills the kernel
(``os._exit``, a crash) is ``error``.

A kernel that ran out of time or died is never used again: interrupting a kernel is not
reliable (ipykernel cancels an awaited cell instead of raising KeyboardInterrupt, which does not
stop a busy loop, and output of the cells after an interrupt can go missing). Instead the
grader starts a new kernel, runs the notebook's cells again (only those before the cell that
ran out of time, when one did), and checks the exercises that are left. Each new kernel settles
at least one exercise, so a notebook gets at most one kernel per exercise, plus one.
"""

from __future__ import annotations

import asyncio
import copy
import math
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from time import monotonic
from typing import Any

import ipykernel.kernelspec
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from ..exercises.catalog import Exercise, Lesson
from .cells import defines, is_check_only, source_of, without_checks
from .kernel import MIME, is_async

__all__ = ["Outcome", "NotebookRun", "run_notebook", "read_notebook", "kernel_manager"]

@dataclass
class Outcome:
    """How one exercise went: a status of the CSV, the check's lines, and a note for feedback."""

    exercise: str
    status: str
    results: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


@dataclass
class NotebookRun:
    path: Path
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # about the notebook as a whole


@dataclass
class _Cells:
    """What running the student's cells left behind."""

    errors: list[tuple[int, str, str, str]] = field(default_factory=list)  # index, ename, evalue, source
    timed_out_at: int | None = None
    dead_at: int | None = None


class _CurrentPython(KernelSpecManager):
    """The kernel of the Python that runs the grader (not whatever ``python`` is on PATH)."""

    def get_kernel_spec(self, kernel_name: str) -> Any:
        return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES,
                                      **ipykernel.kernelspec.get_kernel_dict())


def read_notebook(path: Path) -> tuple[Any, str]:
    """(notebook, "") or (None, why it is not a notebook)."""
    try:
        nb = nbformat.read(path, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("it has no list of cells")
    except UnicodeDecodeError:
        return None, "it is not a text file"
    except Exception as exc:  # NotJSONError, validation errors, ...
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, f"it is not a Jupyter notebook ({reason[:120]})"
    return nb, ""


def _error(ename: str, evalue: str) -> str:
    """ "SyntaxError: expected ':' (line 1 of the cell)", without the kernel's made-up file name."""
    return f"{ename}: " + re.sub(r"\(\d+\.py, line (\d+)\)", r"(line \1 of the cell)", evalue)


def _where(index: int, source: str) -> str:
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    first = first if len(first) <= 50 else first[:47] + "..."
    return f"cell {index + 1} (`{first}`)"


async def _run_cells(client: NotebookClient, nb: Any, timeout: float,
                     stop_at: int | None) -> _Cells:
    """Run the student's cells (those before ``stop_at`` only, when given)."""
    state = _Cells()
    deadline = monotonic() + timeout
    for index, cell in enumerate(list(nb.cells)):
        if stop_at is not None and index >= stop_at:
            break
        source = source_of(cell)
        if cell.get("cell_type") != "code":
            continue
        if is_check_only(source):
            cell.source = source = without_checks(source)
        if not source.strip():
            continue
        left = deadline - monotonic()
        if left <= 0:
            state.timed_out_at = index
            break
        client.timeout = max(1, math.ceil(left))
        try:
            await client.async_execute_cell(cell, index)
        except CellTimeoutError:
            state.timed_out_at = index
            break
        except DeadKernelError:
            state.dead_at = index
            break
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                state.errors.append((index, out.get("ename", ""), out.get("evalue", ""), source))
    return state


def _explain_missing(ex: Exercise, nb: Any, state: _Cells, timeout: float) -> Outcome:
    """A name the notebook did not define: why not?"""
    where = [i for i, cell in enumerate(nb.cells)
             if cell.get("cell_type") == "code" and defines(source_of(cell), ex.name)]
    for index, ename, evalue, source in state.errors:
        if index in where:
            return Outcome(ex.id, "error", note=f"{_where(index, source)}, which defines "
                           f"`{ex.name}`, raised {_error(ename, evalue)}")
    if state.timed_out_at is not None and (not where or where[0] >= state.timed_out_at):
        cell = nb.cells[state.timed_out_at]
        return Outcome(ex.id, "timeout", note=f"the notebook ran out of time ({timeout:g} s) at "
                       f"{_where(state.timed_out_at, source_of(cell))}, before `{ex.name}` "
                       "was defined")
    if where:
        return Outcome(ex.id, "missing", note=f"`{ex.name}` is not defined after running the "
                       "notebook (is it defined inside another block?)")
    return Outcome(ex.id, "missing", note=f"the notebook does not define `{ex.name}`: keep the "
                   "name of the exercise's stub cell")


async def _check(client: NotebookClient, nb: Any, ex: Exercise, timeout: float,
                 hidden_files: list[str]) -> tuple[Outcome, bool]:
    """Check one exercise in the running kernel: (outcome, can the kernel be used again)."""
    call = "await __wscourse__.show_async" if is_async(ex) else "__wscourse__.show"
    cell = nbformat.v4.new_code_cell("import wslib.course.kernel as __wscourse__\n"
                                     f"{call}({ex.id!r}, globals(), {hidden_files!r})")
    nb.cells.append(cell)
    client.timeout = max(1, math.ceil(timeout))
    try:
        await client.async_execute_cell(cell, len(nb.cells) - 1, store_history=False)
    except CellTimeoutError:
        return Outcome(ex.id, "timeout", note=f"checking `{ex.name}` took longer than "
                       f"{timeout:g} s: an infinite loop, or a call that waits forever?"), False
    except DeadKernelError:
        return Outcome(ex.id, "error", note=f"the kernel died while checking `{ex.name}` "
                       "(does it call os._exit(), or crash Python?)"), False
    return _read_result(cell, ex), True


def _read_result(cell: Any, ex: Exercise) -> Outcome:
    for out in cell.outputs:
        data = out.get("data", {}).get(MIME) if out.get("output_type") == "display_data" else None
        if isinstance(data, dict):
            return Outcome(ex.id, data["status"], data.get("results", []), data.get("note", ""))
    errors = [out for out in cell.outputs if out.get("output_type") == "error"]
    why = f"{errors[0].get('ename')}: {errors[0].get('evalue')}" if errors else "no result"
    return Outcome(ex.id, "error", note=f"checking `{ex.name}` failed: {why}")


def kernel_manager() -> AsyncKernelManager:
    """A manager for a kernel of the Python that runs the grader (its wslib, its packages)."""
    return AsyncKernelManager(kernel_name="wscourse-grader", kernel_spec_manager=_CurrentPython())


def _client(nb: Any, path: Path) -> NotebookClient:
    return NotebookClient(nb, km=kernel_manager(), allow_errors=True, interrupt_on_timeout=False,
                          startup_timeout=60, shutdown_kernel="immediate", record_timing=False,
                          resources={"metadata": {"path": str(path.parent)}})


async def _session(nb: Any, run: NotebookRun, pending: list[Exercise], timeout: float,
                   hidden_files: list[str], cells: _Cells | None) -> tuple[list[Exercise], _Cells]:
    """One kernel: run the cells, then check exercises until the kernel cannot be used again.
    ``cells`` is what an earlier kernel found (its time-out cell is not run again). Returns the
    exercises still to check, in a new kernel, and what running the cells found."""
    client = _client(nb, run.path)
    stop_at = cells.timed_out_at if cells else None
    # The kernel's own stderr (ipykernel's start-up warnings) would garble the progress bar.
    async with client.async_setup_kernel(cleanup_kc=True, stderr=subprocess.DEVNULL):
        state = await _run_cells(client, nb, timeout, stop_at)
        if cells is not None:
            state.timed_out_at = cells.timed_out_at  # for the explanations
        elif state.timed_out_at is not None:
            return pending, state  # check in a kernel that is not busy with the cell
        if state.dead_at is not None:
            where = _where(state.dead_at, source_of(nb.cells[state.dead_at]))
            for ex in pending:
                run.outcomes[ex.id] = Outcome(ex.id, "error", note=f"the kernel died while "
                                              f"running {where} (os._exit(), or a crash): "
                                              "nothing in this notebook could be checked")
            return [], state
        if not run.notes:
            run.notes += [f"{_where(i, s)} raised {_error(ename, evalue)}"
                          for i, ename, evalue, s in state.errors[:5]]
        for n, ex in enumerate(pending):
            outcome, usable = await _check(client, nb, ex, timeout, hidden_files)
            if outcome.status == "missing":
                outcome = _explain_missing(ex, nb, state, timeout)
            run.outcomes[ex.id] = outcome
            if not usable:
                return pending[n + 1:], state
    return [], state


async def run_notebook(path: Path, lesson: Lesson, timeout: float = 60,
                       hidden_files: list[str] | tuple[str, ...] = ()) -> NotebookRun:
    """Check every exercise of ``lesson`` in the notebook at ``path``. Never raises."""
    run = NotebookRun(Path(path))
    nb, problem = read_notebook(run.path)
    if nb is None:
        for ex in lesson.exercises:
            run.outcomes[ex.id] = Outcome(ex.id, "error", note=f"{run.path.name}: {problem}")
        return run
    if not any(c.get("cell_type") == "code" and source_of(c).strip() for c in nb.cells):
        for ex in lesson.exercises:
            run.outcomes[ex.id] = Outcome(ex.id, "missing", note="the notebook has no code")
        return run
    pending = list(lesson.exercises)
    hidden = [str(Path(f).resolve()) for f in hidden_files]
    cells = None
    while pending:
        try:
            pending, cells = await _session(copy.deepcopy(nb), run, pending, timeout, hidden,
                                            cells)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the kernel did not start, or the grader lost it
            for ex in pending:
                run.outcomes[ex.id] = Outcome(ex.id, "error", note=f"the notebook could not be "
                                              f"run: {type(exc).__name__}: {exc}")
            pending = []
    return run
