"""Every exercise stub, exactly as the committed notebook holds it (its cell run the way a kernel
runs it, see notebook_stubs.py), is reported "not attempted" by its check, and the check cells
stored in the notebooks say so too."""

from __future__ import annotations

import asyncio
import json

import pytest

from wslib.exercises.catalog import LESSONS

from notebook_stubs import NOTEBOOKS, notebook_answer


def _notebook(number: str) -> str:
    return next(NOTEBOOKS.glob(f"{number}_*.ipynb")).name


# Every exercise of the catalog (the one list of exercises, beside the checks), with the
# notebook that holds its stub.
STUBS = [(_notebook(item.number), ex.name, ex.check_function())
         for item in LESSONS for ex in item.exercises]


def _report(check, answer):
    report = check(answer)
    if asyncio.iscoroutine(report):  # the checks that open real connections are async
        report = asyncio.run(asyncio.wait_for(report, 30))
    return report


@pytest.mark.parametrize("notebook, name, check", STUBS, ids=[s[1] for s in STUBS])
def test_the_notebook_stub_is_not_attempted(notebook, name, check):
    report = _report(check, notebook_answer(notebook, name))
    assert report.status == "not_attempted", repr(report)


def test_every_stored_check_report_says_not_attempted():
    """The check cells of the committed notebooks ran on the untouched stubs."""
    seen = 0
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] != "code" or ".check_" not in source or "lambda" in source:
                continue
            if not any(f"({name})" in source for _, name, _ in STUBS):
                continue
            text = "".join("".join(o.get("text") or o.get("data", {}).get("text/plain", ""))
                           for o in cell["outputs"])
            assert "not attempted yet" in text, (path.name, source)
            seen += 1
    assert seen == len(STUBS)
