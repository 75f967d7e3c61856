"""The page bridge of lessons 08 and 09 without a browser: a Python client plays the page.

The real page (JupyterLab in Chromium) is tested in tests/browser/test_jupyterlab.py; here we
check the kernel's half: reports arrive in order, ``done()`` ends a run, no page means ``None``
quickly, and the JavaScript carries the bridge's URL and the caller's values.
"""

from __future__ import annotations

import asyncio
import json

import wslib
from wslib.widgets.page import NO_PAGE, PageBridge, format_reports


async def _play_page(bridge: PageBridge, number: int, reports: list[dict], done: bool = True):
    async with wslib.connect(f"{bridge.url}run/{number}") as ws:
        for report in reports:
            await ws.send(json.dumps(report))
        if done:
            await ws.send(json.dumps({"kind": "done"}))


def test_reports_come_back_in_order_and_done_ends_the_run(capsys):
    async def main():
        bridge = await PageBridge.start(probe=False)
        try:
            run = asyncio.ensure_future(bridge.run("report('x'); done();", timeout=5))
            await asyncio.sleep(0.05)
            await _play_page(bridge, 1, [{"kind": "open", "readyState": 1},
                                         {"kind": "close", "code": 4001}])
            return await run
        finally:
            await bridge.close()

    reports = asyncio.run(main())
    assert reports == [{"kind": "open", "readyState": 1}, {"kind": "close", "code": 4001}]


def test_no_page_gives_none_and_later_runs_wait_briefly():
    async def main():
        bridge = await PageBridge.start(probe_timeout=0.2, offline_timeout=0.05)
        try:
            assert bridge.live is False
            loop = asyncio.get_running_loop()
            started = loop.time()
            result = await bridge.run("done();")
            return result, loop.time() - started
        finally:
            await bridge.close()

    result, elapsed = asyncio.run(main())
    assert result is None
    assert elapsed < 5  # the short offline wait, not the probe's (generous bound: shared machine)


def test_a_page_that_never_calls_done_is_cut_off_with_a_timeout_report():
    async def main():
        bridge = await PageBridge.start(probe=False)
        try:
            run = asyncio.ensure_future(bridge.run("", timeout=5, limit=0.3))
            await asyncio.sleep(0.05)
            async with wslib.connect(f"{bridge.url}run/1") as ws:
                await ws.send(json.dumps({"kind": "open"}))
                return await run
        finally:
            await bridge.close()

    reports = asyncio.run(main())
    assert reports == [{"kind": "open"}, {"kind": "timeout", "seconds": 0.3}]


def test_a_late_page_marks_the_bridge_live():
    async def main():
        bridge = await PageBridge.start(probe_timeout=0.05)
        try:
            assert bridge.live is False
            async with wslib.connect(f"{bridge.url}run/1") as ws:  # the probe's page, too late
                await ws.wait_closed()  # nobody waits for that run any more: the bridge hangs up
            return bridge.live
        finally:
            await bridge.close()

    assert asyncio.run(main()) is True


def test_javascript_carries_the_bridge_url_and_the_values():
    async def main():
        bridge = await PageBridge.start(probe=False)
        try:
            return bridge.url, bridge.javascript("report('a', {x: URL});", 7,
                                                 {"URL": "ws://127.0.0.1:1/echo"})
        finally:
            await bridge.close()

    url, js = asyncio.run(main())
    assert json.dumps(f"{url}run/7") in js
    assert json.dumps({"URL": "ws://127.0.0.1:1/echo"}) in js
    assert json.dumps("report('a', {x: URL});") in js  # the body is passed as a string


def test_format_reports():
    assert format_reports(None) == NO_PAGE
    text = format_reports([{"kind": "open", "readyState": 1, "protocol": ""},
                           {"kind": "message", "data": "héllo"}])
    assert text.splitlines() == ['open           readyState=1  protocol=""',
                                 'message        data="héllo"']
