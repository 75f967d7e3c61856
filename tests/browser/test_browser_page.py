"""The page bridge's JavaScript in plain headless Chromium (no JupyterLab): the wrapper opens
its report channel, runs the lesson's code with ``report()``, ``done()`` and the caller's values,
and every report reaches :meth:`wslib.widgets.page.PageBridge.run` in order.

The bridge and an echo server run in a server thread (conftest.py); the page is a wslib page
whose only script is what the bridge would show in a notebook output. The JupyterLab test
(test_jupyterlab.py) runs the same scripts inside the lessons.
"""

from __future__ import annotations

import asyncio

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

LIFECYCLE = """
const ws = new WebSocket(URL);
report("created", {readyState: ws.readyState});
ws.onopen = () => { report("open", {readyState: ws.readyState}); ws.send("héllo"); };
ws.onmessage = (e) => { report("message", {data: e.data}); ws.close(4001, "done"); };
ws.onclose = (e) => { report("close", {readyState: ws.readyState, code: e.code,
                                       wasClean: e.wasClean}); done(); };
"""


async def _echo(ws):
    async for message in ws:
        await ws.send(message)


def _start(run_server_in_thread):
    """A thread with a PageBridge (no probe) and a page server; returns (thread, page url)."""
    from wslib.server import Router, serve
    from wslib.widgets.page import PageBridge

    holder = {}

    async def make():
        holder["bridge"] = await PageBridge.start(probe=False)
        router = Router()
        router.websocket("/echo", _echo)
        holder["pages"] = router
        return await serve(router, "127.0.0.1", 0)

    thread = run_server_in_thread(make)
    return thread, holder


def _run_in_page(thread, holder, page, body, **values):
    """Start bridge.run(body) in the server thread, load its script in the page, return the
    reports."""
    bridge = holder["bridge"]
    number = bridge._count + 1  # the number run() gives the next script
    script = bridge.javascript(body, number, values)
    holder["pages"].page(f"/run{number}", f"<!doctype html><meta charset='utf-8'><script>{script}</script>")
    future = asyncio.run_coroutine_threadsafe(bridge.run(body, timeout=10, **values), thread.loop)
    page.goto(f"{thread.http_url}run{number}")
    return future.result(20)


def test_reports_arrive_in_order(run_server_in_thread, page):
    thread, holder = _start(run_server_in_thread)
    try:
        reports = _run_in_page(thread, holder, page, LIFECYCLE, URL=f"{thread.ws_url}echo")
    finally:
        thread.call(holder["bridge"].close)
    assert reports == [
        {"kind": "created", "readyState": 0},
        {"kind": "open", "readyState": 1},
        {"kind": "message", "data": "héllo"},
        {"kind": "close", "readyState": 3, "code": 4001, "wasClean": True},
    ]


def test_an_exception_in_the_code_is_reported(run_server_in_thread, page):
    thread, holder = _start(run_server_in_thread)
    try:
        reports = _run_in_page(thread, holder, page, "report('before'); undefinedName();")
        broken = _run_in_page(thread, holder, page, "this is not JavaScript")
    finally:
        thread.call(holder["bridge"].close)
    assert reports[0] == {"kind": "before"}
    assert reports[1]["kind"] == "exception" and "undefinedName" in reports[1]["message"]
    assert broken[0]["kind"] == "exception" and "SyntaxError" in broken[0]["message"]
