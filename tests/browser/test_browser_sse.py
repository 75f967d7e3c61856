"""A real browser's EventSource against wslib: headless Chromium and ``wslib.eventstream``.

The server (in a thread, see conftest.py) serves a page at ``/`` and an
:class:`~wslib.eventstream.EventChannel` at ``/events``. The page opens
``new EventSource("/events")`` and records every message as ``[lastEventId, data]`` in
``window.got`` and every open / error with its ``readyState`` in ``window.log``. The server side
records the ``Last-Event-ID`` header of each request. Events are published on the server's loop
(``srv.call``), never from the test's thread directly.
"""

from __future__ import annotations

import pytest

from wslib.eventstream import EventChannel

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

WAIT_MS = 10_000

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>wslib EventSource test</title></head>
<body><h1>wslib EventSource test</h1>
<script>
window.got = [];
window.log = [];
window.opens = 0;
const source = new EventSource("/events");
source.onopen = () => { window.opens += 1; log.push(["open", source.readyState]); };
source.onerror = () => log.push(["error", source.readyState]);
source.onmessage = (e) => got.push([e.lastEventId, e.data]);
</script></body></html>
"""


def start_server(run_server_in_thread, channel: EventChannel, seen: list):
    from wslib.server import Router, serve

    router = Router()
    router.page("/", PAGE)

    async def events(request):
        seen.append(request.headers.get("Last-Event-ID"))  # None when absent
        return await channel.handler(request)

    router.stream("/events", events)
    return run_server_in_thread(lambda: serve(router, "127.0.0.1", 0))


def publish(srv, channel: EventChannel, *numbers: int) -> None:
    async def go():
        for n in numbers:
            channel.publish(f"event {n}")

    srv.call(go)


def expected(*numbers: int) -> list[list[str]]:
    return [[str(n), f"event {n}"] for n in numbers]


def test_events_arrive_and_reconnection_resumes_with_last_event_id(page, run_server_in_thread):
    channel = EventChannel(retry=100)  # the browser reconnects 100 ms after a stream ends
    seen: list = []
    srv = start_server(run_server_in_thread, channel, seen)
    page.goto(srv.http_url)
    page.wait_for_function("() => window.opens === 1", timeout=WAIT_MS)

    publish(srv, channel, 1, 2, 3)
    page.wait_for_function("() => window.got.length === 3", timeout=WAIT_MS)
    assert page.evaluate("window.got") == expected(1, 2, 3)

    async def end_then_publish():
        channel.end_streams()  # the server ends the response: the browser will reconnect
        for n in (4, 5, 6):  # published while the browser is away
            channel.publish(f"event {n}")

    srv.call(end_then_publish)
    page.wait_for_function("() => window.opens === 2", timeout=WAIT_MS)
    publish(srv, channel, 7, 8)  # live, after the reconnection
    page.wait_for_function("() => window.got.length >= 8", timeout=WAIT_MS)

    assert page.evaluate("window.got") == expected(*range(1, 9))  # no loss, no duplicate
    assert seen == [None, "3"]  # the reconnection carried the last id the browser saw
    # the end of a stream is an error event with readyState CONNECTING (0): it will retry
    assert page.evaluate("window.log") == [["open", 1], ["error", 0], ["open", 1]]


def test_closed_channel_answers_204_and_the_browser_stops(page, run_server_in_thread):
    channel = EventChannel(retry=100)
    seen: list = []
    srv = start_server(run_server_in_thread, channel, seen)
    page.goto(srv.http_url)
    page.wait_for_function("() => window.opens === 1", timeout=WAIT_MS)
    publish(srv, channel, 1)
    page.wait_for_function("() => window.got.length === 1", timeout=WAIT_MS)

    srv.call(channel.close)  # streams end; the reconnection gets 204 No Content
    page.wait_for_function("() => window.log.length === 3", timeout=WAIT_MS)
    assert page.evaluate("window.log") == [["open", 1], ["error", 0], ["error", 2]]  # CLOSED
    assert page.evaluate("EventSource.CLOSED") == 2
    assert seen == [None, "1"]
    assert page.evaluate("window.got") == expected(1)


def test_demo_page_lists_events_and_shows_the_state(page, run_server_in_thread):
    from wslib.apps import sse_demo

    # A publisher that would wait an hour: the test publishes by hand, after the page is open.
    srv = run_server_in_thread(lambda: sse_demo.start(interval=3600, retry=100))
    demo = srv.server
    page.goto(srv.http_url)
    page.wait_for_function("() => document.getElementById('state').textContent === 'OPEN (1)'",
                           timeout=WAIT_MS)
    publish(srv, demo.channel, 1, 2, 3)
    page.wait_for_function("() => document.querySelectorAll('#events li').length === 3",
                           timeout=WAIT_MS)
    items = page.evaluate(
        "Array.from(document.querySelectorAll('#events li'), li => li.textContent)")
    assert items == ["id 1: event 1", "id 2: event 2", "id 3: event 3"]
    assert page.evaluate("document.getElementById('last').textContent") == "3"
    assert page.evaluate("window.received") == expected(1, 2, 3)

    srv.call(demo.channel.close)  # 204 on reconnection: the page shows CLOSED
    page.wait_for_function("() => document.getElementById('state').textContent === 'CLOSED (2)'",
                           timeout=WAIT_MS)
