"""The exercise catalog (wslib/exercises/catalog.py) agrees with the lessons, the checks and the
solutions, and the hidden cases expect what the reference solutions answer. No kernels here."""

from __future__ import annotations

import ast
import asyncio
import importlib
import linecache
import re
from pathlib import Path

import nbformat
import pytest

from wslib.course.cells import defines, is_check_cell, is_check_only, is_stub, source_of, without_checks
from wslib.course.hidden import HIDDEN, same_answer
from wslib.course.kernel import evaluate
from wslib.exercises.catalog import DECLARED, LESSONS, exercise, lesson, lesson_of_filename

from notebook_stubs import notebook_answer

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = [ex for item in LESSONS for ex in item.exercises]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _notebook(number: str):
    return nbformat.read(next((ROOT / "notebooks").glob(f"{number}_*.ipynb")), as_version=4)


def test_ids_are_unique_and_numbered_by_their_lesson():
    ids = [ex.id for ex in EXERCISES]
    assert len(ids) == len(set(ids))
    for item in LESSONS:
        assert all(ex.lesson == item.number for ex in item.exercises)
        assert all(isinstance(ex.points, int) and ex.points > 0 for ex in item.exercises)


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda ex: ex.id)
def test_entry_names_a_check_a_stub_and_a_check_cell(ex):
    assert callable(ex.check_function())
    nb = _notebook(ex.lesson)
    code = [source_of(c) for c in nb.cells if c.cell_type == "code"]
    stubs = [s for s in code if defines(s, ex.name)]
    assert len(stubs) == 1 and is_stub(stubs[0]), f"one stub cell defines {ex.name}"
    checks = [s for s in code if is_check_cell(s, ex)]
    assert len(checks) == 1, f"one check cell calls {ex.check}({ex.name}) and nothing else"


def test_every_check_cell_of_every_notebook_is_in_the_catalog():
    """A new lesson's exercises must be added to the catalog (docs/teaching.md says how)."""
    known = {(ex.lesson, ex.check, ex.name) for ex in EXERCISES}
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            for module, check, name in re.findall(r"\blesson(\d\d)\.(check_\w+)\(\s*([A-Za-z_]\w*)\s*\)",
                                                  source_of(cell)):
                assert (module, check, name) in known, f"{path.name}: {check}({name}) is not in the catalog"


def test_every_public_check_is_in_the_catalog():
    for item in LESSONS:
        module = importlib.import_module(f"wslib.exercises.lesson{item.number}")
        public = {name for name in module.__all__ if name.startswith("check_")}
        assert public == {ex.check for ex in item.exercises}


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda ex: ex.id)
def test_reference_solution_passes_the_check_and_the_hidden_cases(ex):
    solutions = importlib.import_module(f"solutions.lesson{ex.lesson}")
    outcome = asyncio.run(evaluate(ex.id, vars(solutions)))
    assert outcome["status"] == "passed", outcome
    assert sum(r["hidden"] for r in outcome["results"]) == len(HIDDEN.get(ex.id, []))


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda ex: ex.id)
def test_untouched_stub_is_not_attempted_even_with_hidden_cases(ex):
    # The stub cell run as a kernel runs it, after the lesson's imports (tests/notebook_stubs.py).
    notebook = next((ROOT / "notebooks").glob(f"{ex.lesson}_*.ipynb")).name
    outcome = asyncio.run(evaluate(ex.id, {ex.name: notebook_answer(notebook, ex.name)}))
    assert outcome["status"] == "not_attempted" and outcome["results"] == []


def test_hidden_cases_exist_only_where_the_catalog_allows_them():
    assert set(HIDDEN) <= {ex.id for item in DECLARED for ex in item.exercises if ex.hidden}
    assert all(ex.id in HIDDEN for ex in EXERCISES if ex.hidden)


def test_evaluate_reports_a_missing_name_and_an_exit():
    assert asyncio.run(evaluate("3.1", {}))["status"] == "missing"

    def exits(_):
        raise SystemExit(3)

    outcome = asyncio.run(evaluate("3.1", {"parse_header": exits}))
    assert outcome["status"] == "error" and "SystemExit" in outcome["note"]


def test_a_hard_coded_answer_fails_only_the_hidden_cases():
    import solutions.lesson03 as s

    table = {n: s.frame_header(n) for n in (0, 5, 125, 126, 256, 1000, 65535, 65536, 2**32 + 1)}
    outcome = asyncio.run(evaluate("3.2", {"frame_header": table.__getitem__}))
    assert outcome["status"] == "failed"
    assert all(r["passed"] for r in outcome["results"] if not r["hidden"])
    assert not any(r["passed"] for r in outcome["results"] if r["hidden"])


def test_same_answer_is_as_lenient_as_the_checks():
    assert same_answer((1, b"a"), [1, bytearray(b"a")])
    assert same_answer(0.1 + 0.2, 0.3) and same_answer(3, 3.0)
    assert not same_answer("3", 3) and not same_answer(b"a", "a") and not same_answer(None, 0)
    assert not same_answer([(True, 1, b"x")], [(True, 1, b"x"), (True, 0, b"")])


@pytest.mark.parametrize("name, number", [("03_frame_layout.ipynb", "03"), ("lesson3.ipynb", "03"),
                                          ("05_fragmentation-Copy1.ipynb", "05"), ("notes.ipynb", None)])
def test_lesson_of_filename(name, number):
    assert lesson_of_filename(name) == number


def test_lookups_name_what_exists():
    assert lesson(3).number == "03" and exercise("5.3").name == "CLOSE_CODES"
    with pytest.raises(KeyError, match="lessons: 00, 01"):
        lesson(42)


def test_check_only_cells():
    assert is_check_only("from wslib.exercises import lesson03\n\nlesson03.check_parse_header(parse_header)")
    assert is_check_only("await lesson00.check_echo_once(echo_once)  # awaited")
    assert not is_check_only("lesson00.check_text_opcode(lambda: 0x81)")
    assert not is_check_only("x = 1\nlesson03.check_parse_header(parse_header)")
    assert without_checks("from wslib.exercises import lesson03\n\nlesson03.check_parse_header(parse_header)"
                          ) == "from wslib.exercises import lesson03"
    assert without_checks("lesson03.check_frame_header(frame_header)") == ""
    assert defines("async def echo_once(url, text):\n    ...", "echo_once")
    assert defines("CLOSE_CODES: dict = {}", "CLOSE_CODES") and not defines("CLOSE_CODES == 1", "CLOSE_CODES")
    assert defines("def frame_header(payload_length)  # no colon", "frame_header")


def test_teachers_guide_lists_each_lessons_points():
    text = (ROOT / "docs" / "teaching.md").read_text()
    for item in LESSONS:
        if item.exercises:
            row = re.search(rf"^\| {item.number} \|.*\| (\d+) \| [^|]* \|$", text, re.MULTILINE)
            assert row, f"docs/teaching.md has no row for lesson {item.number}"
            assert int(row.group(1)) == item.max_points, f"lesson {item.number}'s points"


@pytest.mark.parametrize("item", [item for item in LESSONS if item.exercises], ids=lambda i: i.number)
def test_solutions_carry_nbgrader_markers(item):
    """Each exercise's answer in solutions/ sits between ### BEGIN SOLUTION / ### END SOLUTION
    (inside a function, around a variable), so that a teacher can move to nbgrader."""
    text = (ROOT / "solutions" / f"lesson{item.number}.py").read_text()
    if "### BEGIN SOLUTION" not in text:
        pytest.skip(f"solutions/lesson{item.number}.py has no nbgrader markers yet")
    lines = text.splitlines()
    nodes = {getattr(n, "name", None) or getattr(getattr(n, "targets", [None])[0], "id", None): n
             for n in ast.parse(text).body}
    for ex in item.exercises:
        node = nodes[ex.name]
        around = [x.strip() for x in lines[node.lineno - 2:node.end_lineno + 1]]
        assert around.count("### BEGIN SOLUTION") == 1 and around.count("### END SOLUTION") == 1
    assert text.count("### BEGIN SOLUTION") == len(item.exercises)
