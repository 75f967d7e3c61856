"""Self-check for lesson 00, the warm-up: how an exercise and its check cell work.

* 0.1 :func:`check_text_opcode`: ``text_opcode() -> int``, the opcode of a text frame.
* 0.2 :func:`check_echo_once` (async): ``async echo_once(url, text) -> str``, one round trip
  with an echo server through :func:`wslib.client.connect`.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Awaitable, Callable

from . import Case, Report, _short, _describe_exception, check_function, is_stub_result

__all__ = ["check_text_opcode", "check_echo_once"]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_text_opcode(func: Callable[[], int] | None) -> Report:
    """Exercise 0.1: ``func()`` must return 1 (``0x1``), the opcode of a text frame."""
    return check_function("Exercise 0.1 - text_opcode", func, [
        Case("returns a number (an int)", (), 1,
             hint="return the number itself, 1 or 0x1, not a string such as '0x1' or 'text'",
             same=lambda got, _: _is_int(got)),
        Case("the number is 0x1, the opcode of a text frame", (), 1,
             hint="the table above: text is 0x1, binary 0x2; 0x81 is the whole first byte of "
                  "a frame (FIN bit + opcode), not the opcode alone (RFC 6455 section 5.2)",
             same=lambda got, expected: _is_int(got) and got == expected),
    ])


# ------------------------------------------------------------------ 0.2 echo_once (async)

_ECHO_CASES = [
    ("'ping' comes back", "ping"),
    ("non-ASCII text comes back unchanged", "héllo, 世界 🌍"),
    ("an empty message comes back", ""),
]


async def check_echo_once(func: Callable[[str, str], Awaitable[str]] | None,
                          timeout: float = 5.0) -> Report:
    """Exercise 0.2: ``await func(url, text)`` must connect to ``url``, send ``text``, return the
    reply, and close the connection. Runs against an echo server of its own. Never raises.

    Use it with ``await`` in a cell: ``await lesson00.check_echo_once(echo_once)``.
    """
    from ..apps.echo import echo
    from ..server import serve

    report = Report("Exercise 0.2 - echo_once")
    if func is None:
        report.attempted = False
        return report
    server = await serve(echo, "127.0.0.1", 0)
    try:
        for i, (name, text) in enumerate(_ECHO_CASES):
            try:
                result = func(server.url, text)
                if not inspect.isawaitable(result):
                    if i == 0 and is_stub_result(result):
                        report.attempted = False
                        report.results.clear()
                        return report
                    report.add(name, False, f"returned {_short(result)} without awaiting anything",
                               "define it with `async def` and `await` the WebSocket calls")
                    continue
                got = await asyncio.wait_for(result, timeout)
            except NotImplementedError:
                if i == 0:
                    report.attempted = False
                    report.results.clear()
                    return report
                report.add(name, False, "raised NotImplementedError", "finish the function")
                continue
            except TimeoutError:
                report.add(name, False, f"no answer within {timeout} s",
                           "send the text before waiting for the reply: await ws.send(text), "
                           "then return await ws.recv()")
                break  # the next cases would wait just as long
            except Exception as exc:  # the learner's code: report, never raise
                report.add(name, False, _describe_exception(exc),
                           "async with wslib.client.connect(url) as ws: await ws.send(text); "
                           "return await ws.recv()")
                continue
            if i == 0 and is_stub_result(got):
                report.attempted = False
                report.results.clear()
                return report
            if inspect.isawaitable(got):
                if inspect.iscoroutine(got):
                    got.close()
                report.add(name, False, "returned a coroutine, not the text",
                           "a call to an async function (ws.recv()) needs `await` in front of it")
                continue
            report.add(name, got == text, f"expected {text!r}, got {_short(got)}",
                       "return what ws.recv() gives back: the echo server sends the message "
                       "back unchanged")
        # The connection must be closed when the function returns.
        for _ in range(100):
            if not server.connections:
                break
            await asyncio.sleep(0.01)
        report.add("the connection is closed when the function returns", not server.connections,
                   f"{len(server.connections)} connection(s) still open",
                   "use `async with connect(url) as ws:` (it closes on the way out), or "
                   "await ws.close() before returning")
    finally:
        await server.close()
    return report
