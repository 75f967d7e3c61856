"""The repository's own docs stay true: README.md and docs/*.md link only to files inside the
repository, and every function, class or module that docs/architecture.md names in its tables
("where each rule lives") exists in wslib."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import wslib

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def markdown_links(text: str) -> list[str]:
    """The targets of ``[text](target)`` links, outside code blocks and `code spans`."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`]*`", "", text)  # (a code span may go on over a line break)
    return re.findall(r"\]\(([^)\s]+)\)", text)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_links_stay_inside_the_repository_and_resolve(doc):
    text = doc.read_text(encoding="utf-8")
    links = markdown_links(text)
    assert links or doc.name != "README.md"
    for link in links:
        if re.match(r"[a-z][a-z0-9+.-]*:", link):  # https:, mailto: ... not a path
            continue
        path = link.split("#", 1)[0]
        if not path:
            continue
        target = (doc.parent / path).resolve()
        assert target.is_relative_to(ROOT), f"{doc.name} links {link}, outside the repository"
        assert target.exists(), f"{doc.name} links {link}, which does not exist"
    assert "../shared" not in text and "/work/" not in text, f"{doc.name} names a path outside"


def test_readme_links_the_architecture_and_contributing_docs():
    links = markdown_links((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "docs/architecture.md" in links and "docs/contributing.md" in links


def _wslib_modules() -> list:
    modules = [wslib]
    for info in pkgutil.walk_packages(wslib.__path__, "wslib."):
        if info.name.startswith(("wslib.widgets", "wslib.exercises")):
            continue  # (Jupyter packages; the tables do not name them)
        modules.append(importlib.import_module(info.name))
    return modules


def resolve(name: str) -> object:
    """``handshake.accept_key``, ``Connection._send``, ``wslib.apps.cache_proxy``,
    ``eventstream.HEARTBEAT``: the object it names, or raise LookupError."""
    parts = name.split(".")
    if parts[0] == "wslib":
        parts = parts[1:]
    for i in range(len(parts), 0, -1):  # the longest module path first
        try:
            obj = importlib.import_module("wslib." + ".".join(parts[:i]))
        except ImportError:
            continue
        rest = parts[i:]
        break
    else:
        owners = [m for m in _wslib_modules() if hasattr(m, parts[0])]
        if not owners:
            raise LookupError(f"no wslib module defines {parts[0]!r}")
        obj, rest = getattr(owners[0], parts[0]), parts[1:]
    for part in rest:
        if not hasattr(obj, part):
            raise LookupError(f"{name}: {obj!r} has no attribute {part!r}")
        obj = getattr(obj, part)
    return obj


def architecture_names() -> list[str]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    names = []
    for line in text.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            where = line.rstrip("| ").rsplit("|", 1)[-1]  # the last column: "Where"
            for code in re.findall(r"`([^`]+)`", where):
                name = code.split("(", 1)[0].strip()
                if re.fullmatch(r"[A-Za-z_][\w.]*", name) and name != "Sec-WebSocket-Extensions":
                    names.append(name)
    return names


def test_the_architecture_tables_name_real_code():
    names = architecture_names()
    assert len(names) > 40, names  # the tables were read
    missing = []
    for name in names:
        try:
            resolve(name)
        except LookupError as exc:
            missing.append(str(exc))
    assert not missing, "docs/architecture.md names code that does not exist:\n" + "\n".join(missing)


def test_resolve_can_fail():
    assert resolve("handshake.accept_key") is wslib.handshake.accept_key
    assert resolve("Connection.fail") is wslib.Connection.fail
    with pytest.raises(LookupError):
        resolve("Connection.no_such_method")
    with pytest.raises(LookupError):
        resolve("no_such_function")
