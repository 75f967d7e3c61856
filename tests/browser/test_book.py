"""The course as a website (``make book``): it builds, every lesson has a page, every link inside
it resolves, and pages opened in headless Chromium show a title, code and a plot.

The build runs once for this module (``book/build.py`` in a subprocess, into a temporary folder;
about 10 s). Where Sphinx or MyST-NB is not installed, these tests skip with a message saying
so, unless ``WSCOURSE_REQUIRE_BOOK=1`` (set by ``.ci/run``), where that is a failure. Only the
last tests need Chromium (the ``page`` fixture, which skips or fails the same way).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_builder():
    spec = importlib.util.spec_from_file_location("wscourse_book_build", ROOT / "book" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


book = _load_builder()  # book/build.py

pytestmark = pytest.mark.timeout(300)


def require_book_tools() -> None:
    missing = [name for name in ("sphinx", "myst_nb", "sphinx_book_theme")
               if importlib.util.find_spec(name) is None]
    if not missing:
        return
    message = (f"the book's tools are not installed ({', '.join(missing)}): "
               "pip install -r requirements.lock")
    if os.environ.get("WSCOURSE_REQUIRE_BOOK") == "1":
        pytest.fail(message + "; WSCOURSE_REQUIRE_BOOK=1 makes this a failure", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The built site's HTML folder (a fresh build: no state from an earlier one)."""
    require_book_tools()
    out = tmp_path_factory.mktemp("book")
    result = subprocess.run([sys.executable, str(ROOT / "book" / "build.py"), "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, f"make book failed:\n{result.stdout}\n{result.stderr}"
    assert f"book: {len(book.lessons())} lessons built" in result.stdout
    return out / "html"


LESSONS = book.lessons()


def test_missing_tools_skip_here_and_fail_in_ci(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    monkeypatch.delenv("WSCOURSE_REQUIRE_BOOK", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"not installed \(sphinx, myst_nb, "
                                                    r"sphinx_book_theme\): pip install"):
        require_book_tools()
    monkeypatch.setenv("WSCOURSE_REQUIRE_BOOK", "1")
    with pytest.raises(pytest.fail.Exception, match="WSCOURSE_REQUIRE_BOOK=1 makes this a failure"):
        require_book_tools()


def test_there_are_lessons_to_build():
    assert [p.name for p in LESSONS][:1] == ["00_start_here.ipynb"]


def test_every_lesson_has_a_page_and_every_internal_link_resolves(site):
    assert book.check(site) == []
    index = (site / "index.html").read_text(encoding="utf-8")
    for path in LESSONS:  # the table of contents on the home page lists every lesson
        assert f'href="{path.stem}.html"' in index, f"{path.name} is not in the table of contents"


def test_previous_and_next_links_follow_the_course_order(site):
    order = ["index"] + [p.stem for p in LESSONS]
    for i, name in enumerate(order):
        text = (site / f"{name}.html").read_text(encoding="utf-8")
        prev = re.search(r'<a class="left-prev"\s+href="([^"]+)"', text)
        nxt = re.search(r'<a class="right-next"\s+href="([^"]+)"', text)
        assert (prev and prev.group(1)) == (f"{order[i - 1]}.html" if i else None), name
        assert (nxt and nxt.group(1)) == (f"{order[i + 1]}.html" if i + 1 < len(order) else None), name


def test_links_between_lessons_become_links_between_pages(site):
    """A notebook links another as ``NN_name.ipynb``; on the site that is ``NN_name.html``."""
    found = 0
    for path in LESSONS:
        source = path.read_text(encoding="utf-8")
        page = (site / f"{path.stem}.html").read_text(encoding="utf-8")
        for target in sorted(set(re.findall(r"\]\((\d\d_[A-Za-z0-9_]+)\.ipynb\)", source))):
            assert f'href="{target}.html"' in page, f"{path.name} links {target}.ipynb"
            found += 1
    assert found >= len(LESSONS) - 1  # every lesson links at least its neighbour


def test_the_download_button_gives_the_lesson_notebook_itself(site):
    for path in LESSONS:
        assert (site / "_sources" / path.name).read_bytes() == path.read_bytes()


def test_search_index_covers_every_lesson(site):
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    for path in LESSONS:
        assert f'"{path.stem}"' in index
    assert '"handshak' in index  # words are indexed (stemmed: handshake -> handshak)


# ------------------------------------------------------------------ what the staging changes

def test_widgets_and_browser_code_become_notes():
    notebook = {
        "metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}}},
        "cells": [{"cell_type": "code", "source": "w", "outputs": [
            {"output_type": "execute_result", "data": {
                "application/vnd.jupyter.widget-view+json": {"model_id": "x"},
                "text/plain": "VBox(children=(IntSlider(value=3),))"}},
            {"output_type": "display_data", "data": {"application/javascript": "new WebSocket()"}},
            {"output_type": "display_data", "data": {
                "text/html": ["<p>log</p><script>\nnew WebSocket('ws://127.0.0.1:1/')\n</script>"]}},
            {"output_type": "display_data", "data": {
                "text/html": '<iframe src="http://127.0.0.1:8000/" width=600></iframe>',
                "text/plain": "<IPython.lib.display.IFrame at 0x7f>"}},
            {"output_type": "display_data", "data": {"text/html": "<table></table>",
                                                     "text/plain": "t"}},
            {"output_type": "stream", "name": "stdout", "text": "hello\n"},
            {"output_type": "execute_result", "data": {"application/json": {"a": 1},
                                                       "text/plain": "{'a': 1}"}},
            {"output_type": "display_data", "data": {"application/x-only-mine": "?"}},
            {"output_type": "display_data", "data": {
                "text/markdown": "[next](07_close.ipynb#top), [not a lesson](notes.ipynb)",
                "text/html": "<a href='07_close.ipynb'>next</a>"}},
        ]}],
    }
    web = book.for_the_web(notebook)
    assert "widgets" not in web["metadata"] and "widgets" in notebook["metadata"]  # a copy
    widget, js, html, frame, table, stream, json_, unknown, links = web["cells"][0]["outputs"]
    assert widget["data"] == {"text/html": book.WIDGET_NOTE.format(what="VBox")}
    assert "needs a live Python kernel" in widget["data"]["text/html"]
    assert js["data"] == {"text/html": book.SCRIPT_NOTE}
    assert html["data"] == {"text/html": "<p>log</p>" + book.SCRIPT_NOTE}
    assert frame["data"] == {"text/html": book.SCRIPT_NOTE}
    assert table["data"] == {"text/html": "<table></table>", "text/plain": "t"}  # untouched
    assert stream == {"output_type": "stream", "name": "stdout", "text": "hello\n"}
    assert json_["data"] == {"text/plain": "{'a': 1}"}  # what MyST-NB cannot draw is dropped
    assert unknown["data"] == {"application/x-only-mine": "?"}  # unless nothing is left: warns
    assert links["data"] == {"text/markdown": "[next](07_close.html#top), [not a lesson](notes.ipynb)",
                             "text/html": "<a href='07_close.html'>next</a>"}


def test_check_reports_missing_pages_broken_links_and_external_scripts(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name, title in [("00_a", "# 00 · A"), ("01_b", "# 01 · B")]:
        (notebooks / f"{name}.ipynb").write_text(json.dumps(
            {"cells": [{"cell_type": "markdown", "source": [title + "\n"]}]}))
    site = tmp_path / "html"
    site.mkdir()
    (site / "index.html").write_text(
        '<title>Home</title><a href="00_a.html#intro">a</a> <a href="02_c.html">c</a>'
        '<a href="https://example.org/">outside: not checked</a><img src="_images/p.png">'
        '<script src="https://cdn.example/x.js"></script><a href="#top">top</a>')
    (site / "00_a.html").write_text('<title>00 · A - wscourse</title><section id="intro"></section>'
                                    '<a id="top"></a><a href="index.html#top">home</a>')
    assert book.check(site, notebooks) == [
        "lesson 01_b.ipynb has no page (01_b.html was not built)",
        "00_a.html: link index.html#top: no #top in index.html",
        "index.html: _images/p.png is missing",
        "index.html: loads https://cdn.example/x.js from another host (the site must work offline)",
        "index.html: link 02_c.html points to a missing page",
        "index.html: link #top: no #top in index.html",
    ]
    (site / "01_b.html").write_text("<title>01 · something else</title>")
    assert book.check(site, notebooks)[0] == (
        "01_b.html: title '01 · something else' does not carry the lesson's heading '01 · B'")


# ------------------------------------------------------------------ in the browser

def lessons_with_plots() -> list[Path]:
    return [p for p in LESSONS if '"image/png"' in p.read_text(encoding="utf-8")]


@pytest.mark.browser
@pytest.mark.parametrize("lesson", [p.stem for p in lessons_with_plots()[:2]])
def test_a_lesson_page_shows_its_title_code_and_plot(site, page, lesson):
    page.goto((site / f"{lesson}.html").as_uri())
    notebook = json.loads((ROOT / "notebooks" / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    heading = "".join(notebook["cells"][0]["source"]).split("\n", 1)[0].lstrip("# ").strip()
    assert heading in page.title()
    assert page.locator("h1").first.inner_text().strip().startswith(heading)
    # A code cell, highlighted (Pygments spans), with its stored output below.
    code = page.locator("div.cell div.cell_input div.highlight pre").first
    assert code.is_visible()
    assert code.locator("span.kn, span.k").count() > 0  # keywords are coloured
    assert page.locator("div.cell div.cell_output").count() > 0
    # A plot: a PNG output, loaded and drawn.
    plot = page.locator("div.cell_output img").first
    plot.scroll_into_view_if_needed()
    assert plot.evaluate("img => img.complete && img.naturalWidth > 100 && img.naturalHeight > 50")
    # Previous / next at the bottom, and the table of contents in the sidebar.
    assert page.locator("a.right-next, a.left-prev").count() >= 1
    assert page.locator("nav.bd-links a").count() == len(LESSONS) + 1  # home + every lesson


def outputs(path: Path) -> list[dict]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [o for c in notebook["cells"] for o in c.get("outputs", []) if "data" in o]


@pytest.mark.browser
def test_html_outputs_are_rendered_and_widgets_are_explained(site, page):
    with_html = [p for p in LESSONS if any("text/html" in o["data"] and book.WIDGET_MIME not in
                                           o["data"] for o in outputs(p))]
    with_widgets = [p for p in LESSONS if any(book.WIDGET_MIME in o["data"] for o in outputs(p))]
    assert with_html and with_widgets
    page.goto((site / f"{with_html[0].stem}.html").as_uri())
    html_output = page.locator("div.cell_output div.text_html").first
    assert html_output.locator("*").count() > 0  # elements, not the markup as text
    assert "<table" not in html_output.inner_text() and "<div" not in html_output.inner_text()
    for path in with_widgets:
        page.goto((site / f"{path.stem}.html").as_uri())
        widgets = sum(book.WIDGET_MIME in o["data"] for o in outputs(path))
        notes = page.locator("div.cell_output .widget-note")
        assert notes.count() == widgets, path.name
        assert "needs a live Python kernel" in notes.first.inner_text()
        assert notes.first.is_visible()


@pytest.mark.browser
def test_chinese_terms_are_drawn_with_real_glyphs(site, page):
    """A page with Chinese terms (握手, 帧, 掩码, ...): each character is drawn as its own glyph.
    Without a CJK font every character is the same empty box (tofu), so two different
    characters drawn alike means the font is missing (Debian: fonts-noto-cjk)."""
    page.goto((site / "index.html").as_uri())
    result = page.evaluate("""() => {
        const chars = [...new Set(document.body.innerText.match(/[\\u4e00-\\u9fff]/g) || [])];
        const family = getComputedStyle(document.body).fontFamily;
        const canvas = document.createElement("canvas");
        canvas.width = 64; canvas.height = 64;
        const g = canvas.getContext("2d");
        const draw = ch => {
            g.clearRect(0, 0, 64, 64);
            g.font = "48px " + family;
            g.fillText(ch, 4, 52);
            return Array.from(g.getImageData(0, 0, 64, 64).data).join(",");
        };
        const images = chars.slice(0, 6).map(draw);
        return {chars: chars.slice(0, 6), distinct: new Set(images).size,
                inked: images.filter(i => /[1-9]/.test(i)).length};
    }""")
    assert len(result["chars"]) >= 4, result  # the sidebar lists the lessons' Chinese terms
    assert result["inked"] == len(result["chars"]), result
    assert result["distinct"] == len(result["chars"]), (
        f"the characters {result['chars']} are drawn alike: no CJK font (fonts-noto-cjk)")


@pytest.mark.browser
def test_search_finds_a_word_in_the_lessons(site, page):
    page.goto((site / "search.html").as_uri() + "?q=handshake")
    results = page.locator("#search-results li a")
    results.first.wait_for()
    titles = results.all_inner_texts()
    assert any("opening handshake" in t for t in titles), titles
