"""What ``grade`` writes: ``grades.csv``, ``summary.md`` and ``feedback/STUDENT.md``; and the
text that ``check`` prints for one notebook (the same words as the feedback)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from ..exercises.catalog import lesson
from .grade import STATUSES, Grade, as_dict

__all__ = ["write_report", "feedback_text", "lesson_feedback", "points"]

COLUMNS = ["student", "lesson", "exercise", "points", "max_points", "status"]
SCORING_TEXT = {
    "all": "all or nothing: an exercise earns its points when every check in the notebook and "
           "every hidden case passes",
    "scaled": "scaled: an attempted exercise earns its points times the share of its checks "
              "(hidden cases included) that pass",
}


def points(value: float) -> str:
    """2 -> "2", 1.5 -> "1.5", 0.6666 -> "0.67"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _sum(grades: list[Grade]) -> tuple[float, int]:
    return sum(g.points for g in grades), sum(g.exercise.points for g in grades)


def _exercise_lines(grade: Grade, show_note: bool = True) -> list[str]:
    ex, out = grade.exercise, grade.outcome
    mark = "✓" if out.status == "passed" else "✗"
    status = out.status.replace("_", " ")
    lines = [f"- {mark} **{ex.id}** {ex.title} (`{ex.name}`): {status}, "
             f"{points(grade.points)} / {ex.points} points"]
    if out.status == "not_attempted":
        lines.append(f"  - fill in the stub cell of `{ex.name}`, run it, then run its check cell")
    if out.note and show_note:
        lines.append(f"  - {out.note}")
    visible = [r for r in out.results if not r.get("hidden")]
    hidden = [r for r in out.results if r.get("hidden")]
    failed = [r for r in out.results if not r.get("passed")]
    if not failed:
        return lines
    if all(r.get("passed") for r in visible):
        lines.append(f"  - every check in the notebook passes, but {len(failed)} of {len(hidden)} "
                     "hidden cases fail: the answer works for the cases it was shown, not for "
                     "others")
    else:
        lines.append(f"  - {len(out.results) - len(failed)} of {len(out.results)} checks "
                     "passed; what failed:")
    for r in visible:
        if not r.get("passed"):
            lines.append(f"    - ✗ {r.get('name')}")
            lines += [f"      {r['detail']}"] if r.get("detail") else []
            lines += [f"      hint: {r['hint']}"] if r.get("hint") else []
    # A hidden case is named by its number only: never its input or its expected answer.
    by_hint: dict[str, list[int]] = {}
    for number, r in enumerate(hidden, 1):
        if not r.get("passed"):
            by_hint.setdefault(r.get("hint", ""), []).append(number)
    for hint, numbers in by_hint.items():
        which = "hidden case" + ("s " if len(numbers) > 1 else " ") + ", ".join(map(str, numbers))
        lines.append(f"    - ✗ {which} (not shown in the notebook)")
        lines += [f"      hint: {hint}"] if hint else []
    return lines


def lesson_feedback(grades: list[Grade]) -> list[str]:
    """The feedback of one lesson's grades (all of one student)."""
    got, most = _sum(grades)
    item = lesson(grades[0].lesson)
    where = f" · `{grades[0].notebook}`" if grades[0].notebook else ""
    lines = [f"## Lesson {item.number} · {item.title}: {points(got)} / {most} points{where}", ""]
    notes = {g.outcome.note for g in grades}
    shared = len(grades) > 1 and len(notes) == 1 and "" not in notes  # say it once
    if shared:
        lines += [notes.pop(), ""]
    for grade in grades:
        lines += _exercise_lines(grade, show_note=not shared)
    return lines + [""]


def feedback_text(student: str, grades: list[Grade], notes: list[str] = (),
                  title: str = "") -> str:
    got, most = _sum(grades)
    lines = [f"# {title or 'Feedback for ' + student}", "", f"Total: **{points(got)} / {most} points**.", ""]
    if notes:
        lines += ["Notes on what you handed in:", ""] + [f"- {n}" for n in notes] + [""]
    for number in sorted({g.lesson for g in grades}):
        lines += lesson_feedback([g for g in grades if g.lesson == number])
    return "\n".join(lines)


def _summary(grades: list[Grade], numbers: list[str], scoring: str, timeout: float) -> str:
    students = sorted({g.student for g in grades})
    lines = ["# Class report", "",
             f"{len(students)} students · lessons {', '.join(numbers)} · time limit {timeout:g} s "
             f"per notebook and per check · scoring {SCORING_TEXT[scoring]}.", "",
             "## Students", "",
             "| student | " + " | ".join(f"{n} {lesson(n).title}" for n in numbers) + " | total |",
             "|---" * (len(numbers) + 2) + "|"]
    for student in students:
        mine = [g for g in grades if g.student == student]
        cells = []
        for n in numbers:
            got, most = _sum([g for g in mine if g.lesson == n])
            cells.append(f"{points(got)} / {most}")
        got, most = _sum(mine)
        lines.append(f"| {student} | " + " | ".join(cells) + f" | {points(got)} / {most} |")
    if students:
        means = []
        for n in numbers + [None]:
            got, most = _sum([g for g in grades if n is None or g.lesson == n])
            means.append(f"{points(got / len(students))} / {most // len(students)}")
        lines.append("| *average* | " + " | ".join(means) + " |")
    lines += ["", "## Exercises", "",
              "Pass rate: the share of students whose answer passed every check.", "",
              "| exercise | name | points | pass rate | " + " | ".join(STATUSES) + " |",
              "|---" * (4 + len(STATUSES)) + "|"]
    for ex in (ex for n in numbers for ex in lesson(n).exercises):
        counts = Counter(g.status for g in grades if g.exercise.id == ex.id)
        total = sum(counts.values())
        rate = f"{100 * counts['passed'] / total:.0f}%" if total else "-"
        lines.append(f"| {ex.id} {ex.title} | `{ex.name}` | {ex.points} | {rate} | "
                     + " | ".join(str(counts[s]) for s in STATUSES) + " |")
    return "\n".join(lines) + "\n"


def write_report(out: Path, grades: list[Grade], notes: dict[str, list[str]],
                 numbers: list[str], scoring: str = "all", timeout: float = 60) -> None:
    out = Path(out)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for grade in grades:
            row = as_dict(grade)
            row["points"] = points(row["points"])
            writer.writerow(row)
    (out / "summary.md").write_text(_summary(grades, numbers, scoring, timeout), encoding="utf-8")
    for student in sorted({g.student for g in grades}):
        text = feedback_text(student, [g for g in grades if g.student == student],
                             notes.get(student, []))
        (out / "feedback" / f"{student}.md").write_text(text + "\n", encoding="utf-8")
