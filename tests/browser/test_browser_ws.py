"""A real browser talks to wslib: headless Chromium's ``WebSocket`` against ``wslib.server``.

The server (in a thread, see conftest.py) serves an HTML page at ``/`` and a WebSocket at
``/ws``; the page's JavaScript opens ``new WebSocket("ws://127.0.0.1:PORT/ws")`` and records
what happens in ``window.log``; Python reads it with ``page.evaluate`` and
``page.wait_for_function``, and reads what the server saw from the handler.
"""

from __future__ import annotations

import json
import threading

import pytest

from wslib.connection import State

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

WAIT_MS = 10_000  # longest wait for anything the page does

# Shared by every page: log events, keep the socket in window.ws. The test's own script goes
# in SCRIPT and runs once the page has loaded.
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>wslib browser test</title></head>
<body><h1>wslib browser test</h1>
<script>
window.log = [];
window.closeEvent = null;
function openSocket() {
  const ws = new WebSocket("ws://" + location.host + "/ws");
  window.ws = ws;
  ws.binaryType = "arraybuffer";
  log.push(["created", ws.readyState]);
  ws.onopen = () => log.push(["open", ws.readyState, ws.protocol, ws.extensions]);
  ws.onerror = () => log.push(["error", ws.readyState]);
  ws.onclose = (e) => {
    log.push(["close", ws.readyState]);
    window.closeEvent = {code: e.code, reason: e.reason, wasClean: e.wasClean};
  };
  return ws;
}
SCRIPT
</script></body></html>
"""


def start_server(run_server_in_thread, ws_handler, script: str):
    from wslib.server import Router, serve

    router = Router()
    router.page("/", PAGE.replace("SCRIPT", script))
    router.websocket("/ws", ws_handler)
    return run_server_in_thread(lambda: serve(router, "127.0.0.1", 0))


class Seen:
    """What the server-side handler observed; written in the server thread, read in the test."""

    def __init__(self) -> None:
        self.data: dict = {}
        self.done = threading.Event()

    def wait(self, timeout: float = 10.0) -> dict:
        assert self.done.wait(timeout), f"the server handler did not finish: {self.data}"
        return self.data


def test_text_binary_and_server_close_4000(page, run_server_in_thread):
    seen = Seen()

    async def handler(ws):
        try:
            seen.data["offered"] = ws.request.headers.get("Sec-WebSocket-Extensions")
            seen.data["answered"] = ws.response.headers.get("Sec-WebSocket-Extensions")
            seen.data["status"] = ws.response.status
            seen.data["path"] = ws.path
            text = await ws.recv()
            seen.data["text"] = text
            await ws.send("echo: " + text)
            data = await ws.recv()
            seen.data["binary"] = data
            await ws.send(bytes(reversed(data)))
            await ws.send("bye")
            await ws.close(4000, "bye from server")
            seen.data["close"] = (ws.close_code, ws.close_reason)
        finally:
            seen.done.set()

    script = """
    const ws = openSocket();
    ws.addEventListener("open", () => ws.send("héllo from the browser 🎵"));
    ws.onmessage = (e) => {
      if (typeof e.data === "string") {
        log.push(["text", e.data]);
        if (e.data.startsWith("echo: ")) ws.send(new Uint8Array([0, 1, 2, 255]).buffer);
      } else {
        log.push(["binary", e.data instanceof ArrayBuffer, Array.from(new Uint8Array(e.data))]);
      }
    };
    """
    srv = start_server(run_server_in_thread, handler, script)
    page.goto(srv.http_url)
    page.wait_for_function("() => window.closeEvent !== null", timeout=WAIT_MS)

    assert page.evaluate("window.closeEvent") == {"code": 4000, "reason": "bye from server",
                                                   "wasClean": True}
    log = page.evaluate("window.log")
    assert log == [
        ["created", 0],
        ["open", 1, "", ""],  # no subprotocol, and ws.extensions is empty: no permessage-deflate
        ["text", "echo: héllo from the browser 🎵"],
        ["binary", True, [255, 2, 1, 0]],
        ["text", "bye"],
        ["close", 3],
    ]
    data = seen.wait()
    assert data["status"] == 101 and data["path"] == "/ws"
    assert data["text"] == "héllo from the browser 🎵"
    assert data["binary"] == b"\x00\x01\x02\xff"
    # Chromium offers permessage-deflate; wslib's 101 does not enable it
    assert "permessage-deflate" in (data["offered"] or ""), data["offered"]
    assert data["answered"] is None
    # the browser answered our close frame with the same code
    assert data["close"][0] == 4000


def test_browser_close_1000_with_reason_reaches_the_server(page, run_server_in_thread):
    seen = Seen()

    async def handler(ws):
        try:
            await ws.send("ready")
            seen.data["messages"] = [m async for m in ws]  # ends quietly on 1000
            seen.data["close"] = (ws.close_code, ws.close_reason)
            seen.data["sent"] = ws.connection.close_sent
        finally:
            seen.done.set()

    script = """
    const ws = openSocket();
    ws.onmessage = (e) => {
      log.push(["text", e.data]);
      ws.send("last words");
      ws.close(1000, "bye from browser");
      log.push(["closing", ws.readyState]);
    };
    """
    srv = start_server(run_server_in_thread, handler, script)
    page.goto(srv.http_url)
    page.wait_for_function("() => window.closeEvent !== null", timeout=WAIT_MS)

    data = seen.wait()
    assert data["messages"] == ["last words"]
    assert data["close"] == (1000, "bye from browser")
    assert data["sent"] == (1000, "bye from browser")  # wslib echoed code and reason (5.5.1)
    # the browser reports the code and reason of the server's answer: the echo
    assert page.evaluate("window.closeEvent") == {"code": 1000, "reason": "bye from browser",
                                                  "wasClean": True}
    assert page.evaluate("window.log") == [
        ["created", 0], ["open", 1, "", ""], ["text", "ready"], ["closing", 2], ["close", 3]]


def test_ready_state_0_1_2_3(page, run_server_in_thread):
    seen = Seen()

    async def handler(ws):
        try:
            seen.data["state_in_handler"] = ws.ready_state
            async for _ in ws:
                pass
            seen.data["close"] = (ws.close_code, ws.close_reason)
        finally:
            seen.done.set()

    script = """
    window.states = [];
    const ws = openSocket();
    states.push(ws.readyState);                       // 0 CONNECTING
    ws.addEventListener("open", () => {
      states.push(ws.readyState);                     // 1 OPEN
      ws.close(1000, "done");
      states.push(ws.readyState);                     // 2 CLOSING
    });
    ws.addEventListener("close", () => states.push(ws.readyState));  // 3 CLOSED
    """
    srv = start_server(run_server_in_thread, handler, script)
    page.goto(srv.http_url)
    page.wait_for_function("() => window.states.length === 4", timeout=WAIT_MS)
    assert page.evaluate("window.states") == [0, 1, 2, 3]
    # the browser's constants are wslib's State values
    constants = page.evaluate(
        "[WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]")
    assert constants == [int(s) for s in State] == [0, 1, 2, 3]
    # wslib echoes the code and the reason, and the browser shows the echo
    assert page.evaluate("window.closeEvent") == {"code": 1000, "reason": "done", "wasClean": True}
    data = seen.wait()
    assert data["state_in_handler"] == State.OPEN
    assert data["close"] == (1000, "done")


def test_large_and_unicode_messages_round_trip(page, run_server_in_thread):
    async def handler(ws):
        async for message in ws:
            await ws.send(message)

    script = """
    window.results = {};
    const big = new Uint8Array(200000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 255;
    const text = "κόσμε 🎵 ".repeat(5000);
    const ws = openSocket();
    ws.addEventListener("open", () => { ws.send(big.buffer); ws.send(text); });
    ws.onmessage = (e) => {
      if (typeof e.data === "string") {
        results.text = (e.data === text) ? "same" : "different: " + e.data.length;
      } else {
        const got = new Uint8Array(e.data);
        results.binary = got.length === big.length && got.every((b, i) => b === big[i])
          ? "same" : "different: " + got.length;
      }
      if (results.text && results.binary) ws.close(1000);
    };
    """
    srv = start_server(run_server_in_thread, handler, script)
    page.goto(srv.http_url)
    page.wait_for_function("() => window.closeEvent !== null", timeout=WAIT_MS)
    assert page.evaluate("window.results") == {"text": "same", "binary": "same"}
    assert json.loads(json.dumps(page.evaluate("window.closeEvent")))["wasClean"] is True
