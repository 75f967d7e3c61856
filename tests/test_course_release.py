"""``python -m wslib.course release``: student copies have stubs, no solutions, cleared check
outputs, and run top to bottom without an error (two lessons, to keep the test short)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.fixtures.course.make_class import solution_source
from wslib.course.cells import defines, is_check_cell, source_of
from wslib.course.release import ReleaseError, release
from wslib.course.runner import kernel_manager
from wslib.exercises.catalog import lesson

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ["03", "05"]  # quick to run, and 05 has a dict exercise (CLOSE_CODES)


@pytest.fixture(scope="module")
def copies(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "class"
    done = subprocess.run([sys.executable, "-m", "wslib.course", "release", str(out),
                           "--lessons", ",".join(LESSONS)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return out


def test_only_the_lessons_and_a_readme(copies):
    names = sorted(p.name for p in copies.iterdir())
    assert names == ["03_frame_layout.ipynb", "05_fragmentation.ipynb", "README.md"]
    readme = (copies / "README.md").read_text()
    assert "python -m wslib.course check 03_frame_layout.ipynb" in readme


@pytest.mark.parametrize("number", LESSONS)
def test_copy_has_the_stubs_and_no_solution(copies, number):
    copy = nbformat.read(next(copies.glob(f"{number}_*.ipynb")), as_version=4)
    original = nbformat.read(next((ROOT / "notebooks").glob(f"{number}_*.ipynb")), as_version=4)
    # the lesson as it is in the repository: nothing added (the stubs' being stubs is checked
    # by running the copy: every check says "not attempted")
    assert [source_of(c) for c in copy.cells] == [source_of(c) for c in original.cells]
    assert "solutions" not in json.dumps([source_of(c) for c in copy.cells if c.cell_type == "code"])
    for ex in lesson(number).exercises:
        stub = [c for c in copy.cells if c.cell_type == "code" and defines(source_of(c), ex.name)]
        assert len(stub) == 1
        checks = [c for c in copy.cells if c.cell_type == "code" and is_check_cell(source_of(c), ex)]
        assert checks and all(c.outputs == [] and c.execution_count is None for c in checks)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("number", LESSONS)
def test_copy_runs_top_to_bottom_without_an_error(copies, number):
    path = next(copies.glob(f"{number}_*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, km=kernel_manager(), timeout=120, allow_errors=True,
                            resources={"metadata": {"path": str(copies)}})
    client.execute(cleanup_kc=True)
    errors = [(i, o.get("ename"), o.get("evalue")) for i, c in enumerate(nb.cells)
              if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    for ex in lesson(number).exercises:
        [check] = [c for c in nb.cells if c.cell_type == "code" and is_check_cell(source_of(c), ex)]
        shown = "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "")
                        for o in check.outputs)
        assert "not attempted" in shown


def test_release_refuses_a_solution_in_a_stub_cell(tmp_path):
    source = tmp_path / "notebooks"
    source.mkdir()
    original = next((ROOT / "notebooks").glob("03_*.ipynb"))
    nb = nbformat.read(original, as_version=4)
    stub = next(c for c in nb.cells if c.cell_type == "code" and defines(source_of(c), "frame_header"))
    stub.source = solution_source("03", "frame_header")
    nbformat.write(nb, source / original.name)
    with pytest.raises(ReleaseError, match=r"defines `frame_header` \(exercise 3.2\) but is not a stub"):
        release(tmp_path / "out", ["03"], source)
    assert not (tmp_path / "out").exists()  # nothing written


def test_release_refuses_a_lesson_without_its_stub_or_that_is_missing(tmp_path):
    source = tmp_path / "notebooks"
    source.mkdir()
    original = next((ROOT / "notebooks").glob("05_*.ipynb"))
    nb = nbformat.read(original, as_version=4)
    nb.cells = [c for c in nb.cells if not defines(source_of(c), "CLOSE_CODES")]
    nbformat.write(nb, source / original.name)
    with pytest.raises(ReleaseError, match="no cell defines `CLOSE_CODES`"):
        release(tmp_path / "out", ["05"], source)
    shutil.copy(ROOT / "notebooks" / "03_frame_layout.ipynb", source)
    with pytest.raises(ReleaseError, match="no notebook for lesson"):
        release(tmp_path / "out", ["04"], source)
    with pytest.raises(ReleaseError, match="the lessons' own folder"):
        release(source, ["03"], source)
