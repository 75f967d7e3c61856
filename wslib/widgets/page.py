"""The notebook page as a client: run JavaScript in a cell's output, get back what it saw.

Lessons 08 and 09 are about browser APIs (``WebSocket``, ``EventSource``). The page that shows
the notebook *is* a browser, so it can be the client of a server running in the kernel. This
module carries what the page observes back to the kernel, so that a cell can print it::

    page = await PageBridge.start()            # a small wslib server on 127.0.0.1, port 0
    seen = await page.run('''
        const ws = new WebSocket(URL);
        report("after new", {readyState: ws.readyState});
        ws.onopen = () => { report("open", {readyState: ws.readyState}); ws.close(); };
        ws.onclose = (e) => { report("close", {code: e.code}); done(); };
    ''', URL=server.url)
    print_reports(seen)                        # or: seen is None, no live page
    await page.close()

How: :meth:`PageBridge.run` displays the code as ``application/javascript``. JupyterLab runs
such an output in the page (for outputs made in the running session, which are trusted). The
code is wrapped so that it first opens a WebSocket back to the bridge; ``report(kind, fields)``
sends one JSON object through it, and ``done()`` says the code has finished. ``run()`` waits
for ``done()`` and returns the reports, in order.

Where there is no live page (nbval, ``nbconvert --execute``, a static render of the stored
notebook, a notebook whose outputs are not trusted), nothing connects. :meth:`start` finds that
out once, waiting ``probe_timeout`` seconds for the page to answer; after that every ``run()``
waits only ``offline_timeout`` seconds, so a notebook without a browser stays fast, and returns
``None``. :data:`NO_PAGE` is the sentence the lessons print then.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PageBridge", "Run", "NO_PAGE", "RAN", "NOT_RUN", "format_reports", "print_reports"]

NO_PAGE = ("No live page answered: this notebook is running without a browser (nbval, nbconvert, "
           "or a static render), so there is nothing to report. Open it in JupyterLab and run the "
           "cells to see what your browser does.")

# What the output of a run says once it is over (the script itself is removed).
RAN = "[JavaScript ran in this page; what it reported is printed below]"
NOT_RUN = "[JavaScript for the page was here; no live page ran it]"

# The wrapper around the lesson's code. It runs in the page: it opens the report channel (a
# WebSocket to the bridge), queues reports until that channel is open, then runs the code as
# the body of an async function with report(), done() and the caller's values in scope.
_WRAPPER = """(function () {
  const bridge = new WebSocket(%(bridge)s);
  const queue = [];
  let finished = false;
  function send(message) {
    if (bridge.readyState === 1) bridge.send(message); else queue.push(message);
  }
  function report(kind, fields) {
    send(JSON.stringify(Object.assign({kind: kind}, fields || {})));
  }
  function done() {
    if (finished) return;
    finished = true;
    send(JSON.stringify({kind: "done"}));
  }
  bridge.onopen = function () { while (queue.length) bridge.send(queue.shift()); };
  const values = %(values)s;
  const body = %(body)s;
  try {
    const code = new Function("report", "done", ...Object.keys(values),
                              "return (async () => {" + body + "\\n})();");
    code(report, done, ...Object.values(values)).catch(function (e) {
      report("exception", {message: String(e)}); done();
    });
  } catch (e) {
    report("exception", {message: String(e)}); done();
  }
})();
"""


@dataclass
class Run:
    """One piece of JavaScript shown in the page, and what it reported."""

    number: int
    reports: list[dict[str, Any]] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)


class PageBridge:
    """A report channel from the notebook page to the kernel (see the module docstring)."""

    def __init__(self) -> None:
        self.server: Any = None
        self.live: bool | None = None  # None until the probe in start() has run
        self.probe_timeout = 2.0
        self.offline_timeout = 0.3
        self._runs: dict[int, Run] = {}
        self._count = 0

    @classmethod
    async def start(cls, *, probe: bool = True, probe_timeout: float = 2.0,
                    offline_timeout: float = 0.3) -> "PageBridge":
        """Start the bridge's server on 127.0.0.1 (port 0); with ``probe``, show a tiny script
        and wait up to ``probe_timeout`` seconds for the page to answer (sets :attr:`live`)."""
        from ..server import serve

        bridge = cls()
        bridge.probe_timeout = probe_timeout
        bridge.offline_timeout = offline_timeout
        bridge.server = await serve(bridge._handler, "127.0.0.1", 0)
        if probe:
            reports = await bridge.run('report("hello", {userAgent: navigator.userAgent});'
                                       ' done();', timeout=probe_timeout)
            bridge.live = reports is not None
        return bridge

    @property
    def url(self) -> str:
        return self.server.url

    def javascript(self, body: str, number: int, values: dict[str, Any]) -> str:
        """The code shown in the output: ``body`` wrapped with its report channel."""
        return _WRAPPER % {"bridge": json.dumps(f"{self.server.url}run/{number}"),
                           "values": json.dumps(values), "body": json.dumps(body)}

    async def run(self, body: str, *, timeout: float | None = None, limit: float = 15.0,
                  **values: Any) -> list[dict[str, Any]] | None:
        """Show ``body`` (JavaScript) in the page and return its reports, or ``None`` when no
        page connected within ``timeout`` seconds (default: the probe's time before the probe
        has answered, :attr:`offline_timeout` once it found no page). ``values`` become
        constants of the code (JSON). Waits at most ``limit`` seconds for ``done()``; reports
        that came before are returned, followed by ``{"kind": "timeout"}``."""
        from IPython.display import Javascript, display

        self._count += 1
        run = Run(self._count)
        self._runs[run.number] = run
        if timeout is None:
            timeout = self.offline_timeout if self.live is False else self.probe_timeout
        handle = display(Javascript(self.javascript(body, run.number, values)), display_id=True)
        try:
            try:
                await asyncio.wait_for(run.connected.wait(), timeout)
            except TimeoutError:
                return None
            try:
                await asyncio.wait_for(run.finished.wait(), limit)
            except TimeoutError:
                run.reports.append({"kind": "timeout", "seconds": limit})
            return list(run.reports)
        finally:
            del self._runs[run.number]
            # The script has done its work: replace it with a sentence, so that the saved
            # notebook holds no script (JupyterLab would ask whether to run an untrusted one)
            # and a static render says what was there.
            said = (RAN if run.connected.is_set() else NOT_RUN)
            if handle is not None:
                handle.update({"text/plain": said}, raw=True)

    async def _handler(self, ws: Any) -> None:
        number = ws.path.rsplit("/", 1)[-1]
        run = self._runs.get(int(number)) if number.isdigit() else None
        self.live = True  # a page answered, if late: later runs wait the full timeout again
        if run is None:
            return  # too late for its run, or an old output re-run by a reloaded page
        run.connected.set()
        try:
            async for message in ws:
                report = json.loads(message)
                if report.get("kind") == "done":
                    break
                run.reports.append(report)
        finally:
            run.finished.set()

    async def close(self) -> None:
        await self.server.close()


def format_reports(reports: list[dict[str, Any]] | None, *, skip: tuple[str, ...] = ()) -> str:
    """The reports as lines ``kind  field=value ...`` (or :data:`NO_PAGE` for ``None``)."""
    if reports is None:
        return NO_PAGE
    lines = []
    for report in reports:
        fields = "  ".join(f"{k}={json.dumps(v, ensure_ascii=False)}"
                           for k, v in report.items() if k != "kind" and k not in skip)
        lines.append(f"{report['kind']:14} {fields}".rstrip())
    return "\n".join(lines)


def print_reports(reports: list[dict[str, Any]] | None, **options: Any) -> None:
    print(format_reports(reports, **options))
