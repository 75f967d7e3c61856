"""Build the course as a static website: ``make book`` (or ``python book/build.py``).

Three steps, each a function that the tests call too:

1. :func:`stage` copies ``book/index.md`` and every lesson ``notebooks/NN_*.ipynb`` (with the
   pictures beside them) into ``build/book/src/``, changing only what a static page cannot
   show: an ipywidget becomes a note that it needs a live kernel (a widget is drawn by
   JavaScript talking to a Python kernel, and there is none behind a website), and so does
   JavaScript that a lesson runs in the browser against a server in its kernel, or a frame
   showing a page that it serves.
2. :func:`build` runs Sphinx (MyST-NB reads the notebooks, sphinx-book-theme lays out the pages)
   into ``build/book/html/``. Notebooks are not executed: the pages show their stored outputs,
   which nbval checks in ``make test``. Warnings (a link to a lesson that does not exist, an
   output that cannot be shown) fail the build.
3. :func:`check` opens every page it built: each lesson has a page with its title, every link
   and image inside the site resolves (the file, and the ``#anchor`` in it), and no page loads
   a script or a style sheet from another host (the site works offline).

Open ``build/book/html/index.html`` in a browser to read it.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import html
import io
import json
import re
import shutil
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "build" / "book"
LESSON_GLOB = "[0-9][0-9]_*.ipynb"  # the same pattern as the toctree in book/index.md

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = (
    '<div class="widget-note"><b>Interactive widget</b> ({what}): it needs a live Python '
    "kernel, so it is not shown on this website. Run the lesson in JupyterLab "
    "(<code>make lab</code>) to use it.</div>"
)
SCRIPT_NOTE = (
    '<div class="widget-note"><b>Browser code</b>: this output ran JavaScript in the page, '
    "or showed a page, served by the lesson's kernel, so it does nothing on this website. "
    "Run the lesson in JupyterLab (<code>make lab</code>) to see it work.</div>"
)
# What a static page cannot run: scripts (they talk to a server in the kernel) and frames
# showing a page that the kernel served on 127.0.0.1.
# The output types MyST-NB draws on an HTML page. It warns about any other type in an output,
# even one with a text/plain copy beside it (application/json, a library's own type), so the
# others are dropped where something drawable is left.
DRAWABLE = frozenset({WIDGET_MIME, "application/javascript", "text/html", "image/svg+xml",
                      "image/png", "image/gif", "image/jpeg", "text/markdown", "text/latex",
                      "text/plain"})
# A link to another lesson inside an output (markdown or HTML that a cell printed): MyST-NB
# resolves lesson links in the lesson's text, not in outputs, so they are pointed at the page.
_LESSON_LINK = re.compile(r"""(\]\(|href=["'])(\d\d_[\w-]+)\.ipynb(?=[#)"'])""")
_LIVE = re.compile(r"<script\b.*?</script\s*>|<iframe\b.*?</iframe\s*>", re.I | re.S)


def lessons(notebooks: Path | None = None) -> list[Path]:
    """Every lesson notebook (in ``notebooks/`` by default), in course order."""
    return sorted((notebooks or NOTEBOOKS).glob(LESSON_GLOB))


# ------------------------------------------------------------------ 1. stage

def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def for_the_web(notebook: dict) -> dict:
    """A copy of ``notebook`` (nbformat JSON) with what needs a kernel replaced by a note."""
    nb = copy.deepcopy(notebook)
    nb.get("metadata", {}).pop("widgets", None)  # saved widget state: nothing will draw it
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data:
                continue
            if any(kind in DRAWABLE for kind in data):
                output["data"] = data = {k: v for k, v in data.items() if k in DRAWABLE}
            for kind in ("text/markdown", "text/html"):
                if kind in data:
                    data[kind] = _LESSON_LINK.sub(r"\1\2.html", _text(data[kind]))
            if WIDGET_MIME in data:
                plain = _text(data.get("text/plain", "a widget"))
                what = html.escape(plain.split("(", 1)[0].strip() or "a widget")
                output["data"] = {"text/html": WIDGET_NOTE.format(what=what)}
            elif "application/javascript" in data:
                output["data"] = {"text/html": SCRIPT_NOTE}
            elif "text/html" in data and _LIVE.search(_text(data["text/html"])):
                page = _LIVE.sub("", _text(data["text/html"]))
                output["data"] = {"text/html": page + SCRIPT_NOTE}
    return nb


# Files beside the lessons that a lesson's text may show (``![diagram](img/frame.png)``).
PICTURES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


def stage(out: Path = OUT, notebooks: Path | None = None) -> Path:
    """Lay out Sphinx's source folder ``out/src`` anew; return it."""
    notebooks = notebooks or NOTEBOOKS
    src = out / "src"
    if src.exists():
        shutil.rmtree(src)  # a lesson renamed or removed: its page goes too
    src.mkdir(parents=True)
    shutil.copy2(BOOK / "index.md", src / "index.md")
    for path in lessons(notebooks):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        text = json.dumps(for_the_web(notebook), ensure_ascii=False, indent=1) + "\n"
        (src / path.name).write_text(text, encoding="utf-8")
    for path in notebooks.rglob("*"):
        relative = path.relative_to(notebooks)
        if path.suffix.lower() in PICTURES and not any(p.startswith(".") for p in relative.parts):
            (src / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, src / relative)
    return src


# ------------------------------------------------------------------ 2. build

def build(out: Path = OUT, notebooks: Path | None = None, *, quiet: bool = True) -> Path:
    """Stage, then build the HTML into ``out/html``; return that folder. Raises
    ``RuntimeError`` with Sphinx's messages when the build fails or warns."""
    from sphinx.cmd.build import build_main

    src = stage(out, notebooks)
    html_dir = out / "html"
    # -E: read every file each time. Sphinx would otherwise skip unchanged lessons, and with
    # them their warnings (a link to a lesson that is still missing would go unreported).
    args = ["-E", "-b", "html", "-c", str(BOOK), "-d", str(out / "doctrees"), "-W", "--keep-going"]
    if quiet:
        args.append("-q")
    messages = io.StringIO()  # Sphinx's warnings: shown below with the lessons' own names
    with contextlib.redirect_stderr(messages):
        status = build_main([*args, str(src), str(html_dir)])
    if status != 0:
        raise RuntimeError(f"the book did not build (sphinx exit status {status}):\n"
                           + _name_sources(messages.getvalue()))
    for path in lessons(notebooks):  # the download button gives the lesson itself, widgets and all
        shutil.copy2(path, html_dir / "_sources" / path.name)
    return html_dir


def _name_sources(messages: str) -> str:
    """Point Sphinx's messages at the lessons, not at their staged copies: MyST-NB numbers a
    notebook's lines as cell * 10000 + line, so ``src/05_x.ipynb:610016`` is cell 61 of
    ``notebooks/05_x.ipynb``."""
    def name(m: re.Match) -> str:
        where = f" (cell {int(m.group(2)) // 10000})" if m.group(2) else ""
        return f"notebooks/{m.group(1)}{where}"

    messages = re.sub(r"\S*[/\\]src[/\\](\d\d_[^:\s]+\.ipynb)(?::(\d+))?", name, messages)
    return re.sub(r"\S*[/\\]src[/\\]index\.md", "book/index.md", messages)


# ------------------------------------------------------------------ 3. check

class _Page(HTMLParser):
    """The ids, links and resources of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []  # <a href>: pages and anchors
        self.resources: list[str] = []  # <img src>, <script src>, <link href>: loaded with it
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v for k, v in attrs if v is not None}
        for key in ("id", "name"):
            if key in a and (key == "id" or tag == "a"):
                self.ids.add(a[key])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag in ("img", "script", "source", "iframe") and "src" in a:
            self.resources.append(a["src"])
        elif tag == "link" and "href" in a and a.get("rel") not in ("canonical",):
            self.resources.append(a["href"])
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def check(html_dir: Path = OUT / "html", notebooks: Path | None = None) -> list[str]:
    """Every problem found in the site built from ``notebooks``, one sentence each (empty:
    all is well)."""
    problems: list[str] = []
    for path in lessons(notebooks):
        page = html_dir / (path.stem + ".html")
        if not page.exists():
            problems.append(f"lesson {path.name} has no page ({page.name} was not built)")
            continue
        heading = next((_text(c["source"]).lstrip("# ").split("\n", 1)[0].strip()
                        for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
                        if c["cell_type"] == "markdown" and _text(c["source"]).startswith("# ")),
                       None)
        title = " ".join(_parse(page).title.split())
        if heading is not None and heading not in title:
            problems.append(f"{page.name}: title {title!r} does not carry the lesson's "
                            f"heading {heading!r}")
    pages = {p: _parse(p) for p in html_dir.glob("*.html")}  # (_static/ holds templates)
    for path, page in sorted(pages.items()):
        name = path.relative_to(html_dir)
        for url in page.resources:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") or url.startswith("//"):
                problems.append(f"{name}: loads {url} from another host (the site must work "
                                "offline)")
            elif not parts.scheme:
                target = (path.parent / unquote(parts.path)).resolve()
                if parts.path and not target.exists():
                    problems.append(f"{name}: {url} is missing")
        for url in page.links:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                continue  # mailto:, https:// and the like: outside the site
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{name}: link {url} points to a missing page")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{name}: link {url}: no #{parts.fragment} in "
                                    f"{target.relative_to(html_dir)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python book/build.py", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"build folder (default: {OUT.relative_to(ROOT)})")
    parser.add_argument("--notebooks", type=Path, default=None,
                        help="the folder of lesson notebooks (default: notebooks)")
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's progress")
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        html_dir = build(args.out, args.notebooks, quiet=not args.verbose)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    problems = check(html_dir, args.notebooks)
    for problem in problems:
        print(f"book: {problem}", file=sys.stderr)
    if problems:
        return 1
    index = html_dir / "index.html"
    shown = index.relative_to(ROOT) if index.is_relative_to(ROOT) else index
    print(f"book: {len(lessons(args.notebooks))} lessons built in {time.monotonic() - start:.0f} s; "
          f"open {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
