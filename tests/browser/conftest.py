"""Shared fixtures for the browser tests: a headless Chromium, and servers in a thread.

* ``browser``: Debian's ``/usr/bin/chromium`` driven by Playwright's sync API (never a
  downloaded browser). Skips when Chromium is missing, unless ``WSCOURSE_REQUIRE_BROWSER=1``,
  which turns that into a failure (see ``browser_support.py``).
* ``page``: a fresh page of that browser per test, closed afterwards, 10 s default timeouts.
* ``run_server_in_thread``: start an asyncio server (wslib's, websockets', anything with a
  ``port`` and a ``close()``) in a background thread with its own event loop.

Why a thread: Playwright's sync API runs its own asyncio loop in the main thread for as long as
it is started, so a test cannot also ``asyncio.run()`` a server there. The server gets a loop of
its own in another thread; the test talks to it over TCP like any browser would.

Why ``browser`` is module-scoped and not session-scoped: while a sync Playwright is started, the
main thread counts as running an event loop, so every later ``asyncio.run()`` in the session
fails ("cannot be called from a running event loop"), and so does a second
``sync_playwright()`` (tests/browser/test_jupyterlab.py). Verified by running it. Module scope
launches Chromium once per browser test module (about a second) and stops Playwright before
the next module runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
from typing import Any, Awaitable, Callable, Iterator

import pytest

from browser_support import launch_browser, require_chromium

PAGE_TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (Playwright sync API) shared by the tests of one module."""
    require_chromium()
    with launch_browser() as b:
        yield b


@pytest.fixture
def page(browser):
    """A new page (in its own context: no shared cookies or cache), closed after the test."""
    context = browser.new_context()
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    p = context.new_page()
    try:
        yield p
    finally:
        context.close()


class ThreadServer:
    """A server running in its own thread and event loop.

    ``server`` is what the factory returned, ``port`` its TCP port, ``loop`` its event loop;
    ``call(coro_function, *args)`` runs a coroutine on that loop from the test's thread and
    returns its result (``timeout`` seconds at most).
    """

    def __init__(self, server: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.server = server
        self.loop = loop
        port = getattr(server, "port", None)
        if port is None:  # websockets' Server, asyncio's Server
            port = server.sockets[0].getsockname()[1]
        self.port: int = port
        self.http_url = f"http://127.0.0.1:{port}/"
        self.ws_url = f"ws://127.0.0.1:{port}/"

    def call(self, fn: Callable[..., Awaitable[Any]], *args: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(fn(*args), self.loop).result(timeout)


async def _close_server(server: Any) -> None:
    result = server.close()
    if inspect.isawaitable(result):  # wslib: async close()
        await result
    wait_closed = getattr(server, "wait_closed", None)
    if wait_closed is not None:  # websockets, asyncio: sync close() then wait_closed()
        await wait_closed()


@contextlib.contextmanager
def server_thread(make_server: Callable[[], Awaitable[Any]], *, timeout: float = 10.0
                  ) -> Iterator[ThreadServer]:
    """Run ``await make_server()`` on a new event loop in a daemon thread; yield a
    :class:`ThreadServer`; on exit close the server, cancel what is left, stop the loop and
    join the thread (each step bounded by ``timeout``).

    ``make_server`` is e.g. ``lambda: wslib.server.serve(router)`` (an awaitable that gives a
    server with ``port`` and ``close()``).
    """
    loop = asyncio.new_event_loop()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in tasks:
                task.cancel()
            if tasks:
                loop.run_until_complete(asyncio.wait(tasks, timeout=timeout))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    thread = threading.Thread(target=run, name="test-server-loop", daemon=True)
    thread.start()

    async def start() -> Any:
        return await make_server()

    try:
        server = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout)
    except BaseException:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        raise
    try:
        yield ThreadServer(server, loop)
    finally:
        try:
            asyncio.run_coroutine_threadsafe(_close_server(server), loop).result(timeout)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
            assert not thread.is_alive(), "the server thread did not stop"


@pytest.fixture
def run_server_in_thread():
    """``srv = run_server_in_thread(lambda: serve(handler))``: a started :class:`ThreadServer`,
    stopped at the end of the test (several may be started)."""
    with contextlib.ExitStack() as stack:
        def start(make_server: Callable[[], Awaitable[Any]], *, timeout: float = 10.0) -> ThreadServer:
            return stack.enter_context(server_thread(make_server, timeout=timeout))

        yield start
