"""``python -m wslib.course grade`` and ``check`` on a fixture class (tests/fixtures/course/).

One student with the reference solutions, one with known wrong answers, and one each with an
infinite loop in a function, os._exit, a syntax error, a renamed and a deleted function, an
empty notebook, a file that is not JSON, and a loop at the top level of a cell. The class is
graded once (two notebooks at a time, 10 s limits: under a minute on a quiet 2-core machine);
each test reads the report.
"""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.course.make_class import (BOB_PAYLOAD_LENGTH, EXPECTED, ALL_03, student_notebook,
                                              write_class)
from wslib.course.grade import Progress, find_submissions, grade_notebook, score
from wslib.course.runner import Outcome
from wslib.exercises.catalog import exercise
from wslib.exercises import lesson03

pytestmark = pytest.mark.timeout(400)

ROOT = Path(__file__).resolve().parents[1]


def _course(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wslib.course", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=360)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("course")
    write_class(base / "submissions")
    done = _course("grade", "submissions", "--out", "report", "--timeout", "10", "--jobs", "2",
                   cwd=base)
    assert done.returncode == 0, done.stderr
    assert "graded 11/11" in done.stderr  # the progress, one line per notebook when not a tty
    return base / "report"


def feedback(report: Path, student: str) -> str:
    return (report / "feedback" / f"{student}.md").read_text()


def test_grades_csv_is_exactly_the_expected_rows(report):
    assert (report / "grades.csv").read_text().splitlines() == EXPECTED


def test_csv_columns_and_statuses(report):
    with open(report / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["student", "lesson", "exercise", "points", "max_points", "status"]
    assert {r["status"] for r in rows} == {"passed", "failed", "not_attempted", "error",
                                           "timeout", "missing"}


def test_summary_has_the_class_table_and_pass_rates(report):
    text = (report / "summary.md").read_text()
    assert "| alice | 6 / 6 | 7 / 7 | 13 / 13 |" in text
    assert "| bob | 2 / 6 | 2 / 7 | 4 / 13 |" in text
    assert "| hank | 0 / 6 | 0 / 7 | 0 / 13 |" in text
    # (6+2+4+4+2+2+0+0+2) / 9 for 03, (7+2) / 9 for 05
    assert "| *average* | 2.44 / 6 | 1 / 7 | 3.44 / 13 |" in text
    # 3.1: passed by alice, bob, erin, ivan (4 of 9); 2 errors (dave, hank), 1 timeout, 2 missing
    assert "| 3.1 parse the first two bytes | `parse_header` | 2 | 44% | 4 | 0 | 0 | 2 | 1 | 2 |" in text


def test_feedback_of_known_wrong_answers_gives_the_checks_hints(report):
    text = feedback(report, "bob")
    assert "Total: **4 / 13 points**." in text
    # 3.3 ignores the MASK bit: the feedback carries what the check itself says about it
    namespace: dict = {}
    exec(BOB_PAYLOAD_LENGTH, namespace)
    direct = lesson03.check_payload_length(namespace["payload_length"])
    failed = [r for r in direct.results if not r.passed]
    assert failed and all(r.name in text and r.hint in text for r in failed)
    # 3.2 hard-codes the answers it was shown: only the hidden cases catch it, and the feedback
    # names them by number, never by input or expected answer
    section = text.split("**3.2**")[1].split("**3.3**")[0]
    assert "hidden case" in section and "70000" not in section and "\\x81" not in section
    assert "**5.2** reassemble messages (`reassemble`): not attempted, 0 / 3 points" in text


def test_feedback_says_what_went_wrong_with_a_broken_notebook(report):
    assert "took longer than 10 s" in feedback(report, "carol")
    assert "the kernel died while checking `parse_header`" in feedback(report, "dave")
    erin = feedback(report, "erin")
    assert "which defines `frame_header`, raised SyntaxError" in erin
    assert "(line 1 of the cell)" in erin
    assert "does not define `parse_header`" in feedback(report, "frank")
    assert "the notebook has no code" in feedback(report, "gina")
    assert "not a Jupyter notebook" in feedback(report, "hank")
    assert "no notebook for lesson 05 was handed in" in feedback(report, "hank")
    assert feedback(report, "alice").count("✓") == 6
    ivan = feedback(report, "ivan")
    assert "the notebook ran out of time (10 s) at cell 5 (`while True:" in ivan
    assert "before `payload_length` was defined" in ivan


def test_scaled_scoring_counts_the_checks_that_pass():
    ex = exercise("3.3")
    half = Outcome("3.3", "failed", [{"passed": True}, {"passed": False}, {"passed": True}])
    assert score(ex, half, "all") == 0 and score(ex, half, "scaled") == 1.33
    assert score(ex, Outcome("3.3", "passed"), "scaled") == 2
    assert score(ex, Outcome("3.3", "timeout"), "scaled") == 0


def test_submissions_match_lessons_by_the_number_in_the_file_name(tmp_path):
    (tmp_path / "sam").mkdir()
    for name in ("lesson3.ipynb", "notes.ipynb", "42_x.ipynb"):
        (tmp_path / "sam" / name).write_text("{}")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "report").mkdir()
    [sub] = find_submissions(tmp_path, skip=tmp_path / "report")
    assert sub.student == "sam" and sorted(sub.notebooks) == ["03"]
    assert "notes.ipynb was not graded: its name has no lesson number" in " ".join(sub.notes)
    assert "42_x.ipynb was not graded: lesson 42 has no graded exercises" in sub.notes


def test_teachers_hidden_file_adds_cases(tmp_path):
    path = tmp_path / "03_frame_layout.ipynb"
    import nbformat

    nbformat.write(student_notebook("03", ALL_03), path)
    extra = tmp_path / "secret.py"
    extra.write_text("from wslib.exercises import Case\n"
                     "HIDDEN = {'3.3': [Case('secret', (b'\\x81\\x03',), 4)]}\n")  # a wrong case
    grades, _ = asyncio.run(grade_notebook(path, "03", "t", 30, [str(extra)]))
    assert [g.status for g in grades] == ["passed", "passed", "failed"]


def test_check_prints_the_score_for_a_student(tmp_path):
    import nbformat

    nbformat.write(student_notebook("03", dict(ALL_03, payload_length=BOB_PAYLOAD_LENGTH)),
                   tmp_path / "03_frame_layout.ipynb")
    done = _course("check", "03_frame_layout.ipynb", "--timeout", "30", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Total: **4 / 6 points**." in done.stdout
    assert "**3.3** read the payload length (`payload_length`): failed, 0 / 2 points" in done.stdout
    bad = _course("check", "nothing.ipynb", cwd=tmp_path)
    assert bad.returncode == 2 and "no lesson number" in bad.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_in_a_log():
    tty, log = _Terminal(), io.StringIO()
    for stream in (tty, log):
        bar = Progress(2, stream)
        bar.step("alice 03: 3/3 passed")
        bar.step("bob 03: 1/3 passed")
    assert tty.getvalue().count("\r") == 2 and "[" + "#" * 30 + "] 2/2" in tty.getvalue()
    assert tty.getvalue().endswith("\n")
    assert log.getvalue().splitlines() == ["graded 1/2: alice 03: 3/3 passed",
                                           "graded 2/2: bob 03: 1/3 passed"]
