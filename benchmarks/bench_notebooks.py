"""The whole notebook suite under nbval, as ``make test`` runs it: how long it takes.

The course's budget is 60 s for every lesson together on the 2-core course machine (each lesson
about 10 s or less), so that re-running them all stays part of every test run. This measures it
the way CI runs it (one pytest process, ``--nbval``, a fresh kernel per notebook) and prints the
time per notebook (the sum of its cells, from pytest's own durations) and the wall time of the
whole run. A time is not a test: it is reported here, never asserted in ``tests/``.

Run: ``python -m benchmarks notebooks`` (about a minute).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 60.0  # seconds, for the whole suite


def main() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "nbval.xml"
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "notebooks",
             "--nbval", "--nbval-current-env", "--nbval-sanitize-with",
             "notebooks/sanitize.cfg", f"--junitxml={report}"],
            cwd=ROOT, capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - start
        per_notebook: dict[str, float] = defaultdict(float)
        failures = 0
        for case in ET.parse(report).iter("testcase"):
            notebook = Path(case.get("file") or case.get("classname", "?")).name
            per_notebook[notebook] += float(case.get("time", 0))
            failures += len(case.findall("failure")) + len(case.findall("error"))
    print(f"{'notebook':40}{'cells (s)':>10}")
    for name in sorted(per_notebook):
        print(f"{name:40}{per_notebook[name]:10.1f}")
    cells = sum(per_notebook.values())
    print(f"{'all cells':40}{cells:10.1f}")
    print(f"{'wall time (pytest, kernels included)':40}{wall:10.1f}")
    verdict = "met" if wall <= BUDGET else "MISSED"
    print(f"- target: the whole suite at or under {BUDGET:.0f} s: {verdict}"
          + ("" if proc.returncode == 0 else f" (pytest exited {proc.returncode}, "
             f"{failures} failing cell(s): the times are not those of a clean run)"))
    return {"notebook_suite_seconds": wall, "notebook_cells_seconds": cells}


if __name__ == "__main__":
    main()
