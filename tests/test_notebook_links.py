"""Every link from one lesson to another points at a notebook that exists: a lesson that is not
written yet is named without a link ("06 TCP byte stream (coming)"), never linked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LINK = re.compile(r"\]\(([^)#\s]+\.ipynb)(#[^)]*)?\)")


@pytest.mark.parametrize("notebook", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_links_to_other_lessons_point_at_existing_notebooks(notebook):
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    targets = {m.group(1) for c in cells if c["cell_type"] == "markdown"
               for m in LINK.finditer("".join(c["source"]))}
    missing = sorted(t for t in targets if not (NOTEBOOKS / t).is_file())
    assert not missing, f"{notebook} links to notebooks that do not exist: {missing}"
