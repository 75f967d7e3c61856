"""Every lesson, opened in a real JupyterLab in headless Chromium: run all cells, then check that
no cell raised and every widget rendered.

nbval proves the kernel side (outputs equal the stored ones); this proves the learner's side:
the notebook runs inside JupyterLab's front end, top-level ``await`` included, and each ipywidget
is drawn by the browser (no "Loading widget..." or "Error displaying widget" left).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from browser_support import launch_browser

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("[01][0-9]_*.ipynb"))
# Lessons that show ipywidgets: the test fails if one of them shows none at all.
WIDGET_LESSONS = {"00_start_here.ipynb", "02_opening_handshake.ipynb", "03_frame_layout.ipynb",
                  "04_masking.ipynb", "05_fragmentation.ipynb", "06_tcp_byte_stream.ipynb",
                  "09_server_sent_events.ipynb"}

# Lessons whose cells run JavaScript in the page and print what it reported back to the kernel
# (wslib.widgets.page.PageBridge): each listed text must appear in the notebook once it has run,
# and the "no live page" sentence must not.
PAGE_REPORTS = {
    "08_server_from_scratch.ipynb": [
        "a live page is connected",
        "new WebSocket  readyState=0",
        'open           readyState=1  protocol="echo-protocol"  extensions=""',
        'message        type="Blob"  bytes=[0, 1, 2, 255]',
        'message        type="ArrayBuffer"  bytes=[7, 8, 9]',
        "sent 256 KiB   bufferedAmount=",
        "close() called readyState=2",
        'close          readyState=3  code=4001',
        "wasClean=true",
        'close          what="nothing listens"  code=1006  reason=""  wasClean=false',
        'close          what="404 from a plain HTTP route"  code=1006',
        'open           what="match"  protocol="echo-protocol"',
        'close          what="no match"  code=1006  wasClean=false',
        'close          what="wrong choice"  code=1006',
        'site page      event="open"',
        'notebook page  event="close"  code=1006',
        "403)]",
    ],
    "09_server_sent_events.ipynb": [
        "a live page is connected",
        "new EventSource readyState=0",
        'score          data="2-1"  lastEventId="3"',
        "error          readyState=0\nopen           readyState=1\n"
        'message        data="while you were away"  lastEventId="4"\n'
        'message        data="still away"  lastEventId="5"\n'
        'message        data="welcome back"  lastEventId="6"',
        "error          readyState=2",
        "request with Last-Event-ID 3     answered 200",
        "request with Last-Event-ID 6     answered 204",
        "each reconnection waited at least the 0.5 s of retry: True",
        'after 1.5 s    eventSources="1 1 1 1 1 1 0"  webSockets="1 1 1 1 1 1 1"',
        'closed one     eventSources="2 1 1 1 1 1 1"',
    ],
}
NO_PAGE_TEXT = "No live page answered"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving a scratch copy of the notebooks."""
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    # Render every cell (no windowing), so that each widget is drawn without scrolling to it.
    settings = work / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env = dict(os.environ,
               JUPYTERLAB_SETTINGS_DIR=str(work / "user-settings"),
               JUPYTER_CONFIG_DIR=str(work / "config"),
               JUPYTER_RUNTIME_DIR=str(work / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(work / "workspaces"),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    port, token = _free_port(), "wscourse-test-token"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work / 'notebooks'}",
           "--ServerApp.allow_root=True", "--LabApp.expose_app_in_browser=True",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.news_url=None"]
    log = open(work / "lab.log", "wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n"
                                       + (work / "lab.log").read_text(errors="replace")[-3000:])
                time.sleep(0.3)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    with launch_browser() as b:
        yield b


# Runs in the page: the state of the open notebook, read from JupyterLab's own model.
STATE_JS = """() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.model || !panel.sessionContext) return null;
  const cells = [];
  const model = panel.content.model;
  for (let i = 0; i < model.cells.length; i++) {
    const c = model.cells.get(i);
    if (c.type !== 'code') continue;
    const outputs = c.outputs.toJSON();
    cells.push({
      index: i,
      count: c.executionCount,
      errors: outputs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue),
      widgets: outputs.filter(o => o.data && o.data['application/vnd.jupyter.widget-view+json']).length,
    });
  }
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return {cells, status: kernel ? kernel.status : 'none'};
}"""


# The outputs that hold a rendered widget view: ipywidgets puts the view's element (class
# jupyter-widgets) directly in the output area once the widget's model has loaded.
WIDGET_VIEWS = ".jp-OutputArea-output > .jupyter-widgets"
# Both look only inside the notebook under test (the current widget), not in other tabs.
CURRENT = "window.jupyterapp.shell.currentWidget.node"
WIDGETS_RENDERED_JS = f"""(expected) =>
  {CURRENT}.querySelectorAll('{WIDGET_VIEWS}').length === expected"""
# For a failure message: what each output area of the notebook holds.
OUTPUTS_JS = f"""() => [...{CURRENT}.querySelectorAll('.jp-OutputArea-output')]
    .map(o => o.outerHTML.slice(0, 160))"""


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_runs_in_jupyterlab(jupyterlab, browser, name):
    base, token = jupyterlab
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        # ?reset: a fresh workspace, so the tabs of the lessons tested before are not reopened.
        page.goto(f"{base}/lab/tree/{name}?reset&token={token}", timeout=60_000)
        page.wait_for_function(
            "() => { const s = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
            " return s && s.sessionContext && s.sessionContext.session"
            " && s.sessionContext.session.kernel && s.sessionContext.session.kernel.status === 'idle'; }",
            timeout=90_000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # Done when every code cell has an execution count and the kernel is idle again.
        page.wait_for_function(
            f"() => {{ const s = ({STATE_JS})(); return s && s.status === 'idle'"
            " && s.cells.every(c => c.count !== null); }", timeout=180_000, polling=500)
        state = page.evaluate(STATE_JS)
        errors = [(c["index"], c["errors"]) for c in state["cells"] if c["errors"]]
        assert not errors, f"{name}: cells raised in JupyterLab: {json.dumps(errors)[:2000]}"
        expected_widgets = sum(c["widgets"] for c in state["cells"])
        if name in WIDGET_LESSONS:
            assert expected_widgets > 0, f"{name} should display at least one widget"
        # Each widget output must become a rendered view (an element of class jupyter-widgets
        # inside the output), not a placeholder or an error.
        try:
            page.wait_for_function(WIDGETS_RENDERED_JS, arg=expected_widgets, timeout=30_000)
        except PlaywrightTimeout:
            outputs = page.evaluate(OUTPUTS_JS)
            pytest.fail(f"{name}: {expected_widgets} widget outputs expected, rendered: "
                        f"{json.dumps(outputs)[:3000]}")
        body = page.evaluate(f"() => {CURRENT}.innerText")
        assert "Loading widget" not in body, f"{name}: a widget never rendered"
        assert "Error displaying widget" not in body, f"{name}: a widget failed to render"
        assert "Error rendering output" not in body
        if name in PAGE_REPORTS:
            assert NO_PAGE_TEXT not in body, f"{name}: the page did not report back to the kernel"
            missing = [text for text in PAGE_REPORTS[name] if text not in body]
            assert not missing, f"{name}: the page did not report {missing}"
    finally:
        page.close()
