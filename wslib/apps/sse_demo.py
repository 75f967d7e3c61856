"""A Server-Sent Events demo: numbered events, and a page that shows them as they arrive.

::

    python -m wslib sse                    # http://127.0.0.1:8766/ : open it in a browser
    demo = await sse_demo.start(port=0, interval=0.5)      # the same, inside a program
    ...
    await demo.close()

``/`` is an HTML page whose JavaScript opens ``new EventSource("/events")`` and lists every
event with its ``lastEventId``, and shows the connection state (``readyState``: CONNECTING,
OPEN, CLOSED). ``/events`` is an :class:`~wslib.eventstream.EventChannel` to which a task
publishes ``"event 1"``, ``"event 2"``, ... every ``interval`` seconds.

Things to try: stop the server and start it again (the page reconnects on its own, and sends
Last-Event-ID; a *new* server does not know that id, so it says so in a comment and sends
what it has); or run with ``--count 5``: after five events the channel closes, the page's
reconnection gets ``204 No Content``, and the EventSource stops for good (CLOSED).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ..eventstream import EventChannel
from ..server import Router, Server, serve

__all__ = ["PAGE", "build_router", "publish_numbered", "start", "SSEDemo"]

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>wslib: Server-Sent Events</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2em; max-width: 40em; }
  #state { font-weight: bold; }
  .OPEN { color: #070; } .CONNECTING { color: #a60; } .CLOSED { color: #a00; }
  li { font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<h1>Server-Sent Events</h1>
<p>readyState: <span id="state">-</span> &middot; lastEventId: <code id="last">(none yet)</code></p>
<ol id="events"></ol>
<script>
// new EventSource(url): a GET with Accept: text/event-stream, and automatic reconnection
// (with a Last-Event-ID header) whenever the response ends.
const source = new EventSource("/events");
const NAMES = ["CONNECTING", "OPEN", "CLOSED"];  // readyState 0, 1, 2
const stateView = document.getElementById("state");
const lastView = document.getElementById("last");
const list = document.getElementById("events");
window.received = [];  // [lastEventId, data] of every message, for whoever wants to check

function showState() {
  const name = NAMES[source.readyState];
  stateView.textContent = name + " (" + source.readyState + ")";
  stateView.className = name;
}

source.onopen = showState;  // OPEN: the 200 text/event-stream answer arrived
// error: the stream ended or failed. readyState CONNECTING: the browser will reconnect after
// the retry time; CLOSED: it gave up (a status other than 200, e.g. 204, or a wrong type).
source.onerror = showState;
source.onmessage = (event) => {
  window.received.push([event.lastEventId, event.data]);
  const item = document.createElement("li");
  item.textContent = "id " + event.lastEventId + ": " + event.data;  // text, never HTML
  list.appendChild(item);
  lastView.textContent = event.lastEventId;
  showState();
};
showState();  // CONNECTING (0) until the server answers
</script>
</body>
</html>
"""


def build_router(channel: EventChannel) -> Router:
    """``/``: the page; ``/events``: the channel's stream."""
    router = Router()
    router.page("/", PAGE)
    router.stream("/events", channel.handler)
    return router


async def publish_numbered(channel: EventChannel, interval: float,
                           count: int | None = None) -> None:
    """Publish ``"event 1"``, ``"event 2"``, ... every ``interval`` seconds. With ``count``,
    stop after that many and close the channel (later requests get 204: EventSource stops)."""
    n = 0
    while count is None or n < count:
        await asyncio.sleep(interval)
        n += 1
        channel.publish(f"event {n}")
    await channel.close()


@dataclass
class SSEDemo:
    """The running demo: its server, its channel and the task that publishes."""

    server: Server
    channel: EventChannel
    publisher: asyncio.Task

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def url(self) -> str:
        """The page's address, ``http://host:port/``."""
        return self.server.http_url

    async def close(self) -> None:
        """Stop publishing, then close the server (which ends every stream)."""
        self.publisher.cancel()
        await asyncio.gather(self.publisher, return_exceptions=True)
        await self.server.close()


async def start(host: str = "127.0.0.1", port: int = 0, *, interval: float = 1.0,
                count: int | None = None, retry: int | None = 1000,
                heartbeat: float | None = 15.0) -> SSEDemo:
    """Start the demo server and its publisher; ``retry`` (ms) is how soon a browser
    reconnects."""
    channel = EventChannel(retry=retry, heartbeat=heartbeat)
    server = await serve(build_router(channel), host, port)
    publisher = asyncio.create_task(publish_numbered(channel, interval, count))
    return SSEDemo(server, channel, publisher)
