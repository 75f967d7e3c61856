"""Self-check for lesson 00, the warm-up: how an exercise and its check cell work.

* 0.1 :func:`check_text_opcode`: ``text_opcode() -> int``, the opcode of a text frame.
* 0.2 :func:`check_echo_once` (async): ``async echo_once(url, text) -> str``, one round trip
  with an echo server through :func:`wslib.client.connect`.

0.1 is the smallest check built on the shared runner, :func:`wslib.exercises.check_function`
(which names a str or a bool where the int is expected); 0.2 spots the stub with
:func:`wslib.exercises.is_stub`, gets each answer by awaiting it and judges it with
:func:`wslib.exercises.judge_answer`.
How to write a new check: the docstring of :mod:`wslib.exercises`.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Awaitable, Callable

from . import FINISH, Case, Report, _short, check_function, is_stub, judge_answer

__all__ = ["check_text_opcode", "check_echo_once"]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _opcode_hint(got: object) -> str:
    """Name the mistake: the whole first byte, or another row of the table."""
    if got == 0x81:
        return ("0x81 is the whole first byte of a text frame (the FIN bit 0x80 + the opcode); "
                "the opcode alone is its low 4 bits (RFC 6455 section 5.2)")
    if got == 0x2:
        return "0x2 is the opcode of a binary frame; look up the text frame in the table above"
    if got in (0x0, 0x8, 0x9, 0xA):
        return (f"0x{got:X} is another row of the table above (continuation, close, ping, pong): "
                "look up the text frame")
    return "look up the text frame in the opcode table above (RFC 6455 section 5.2)"


def check_text_opcode(func: Callable[[], int] | None) -> Report:
    """Exercise 0.1: ``func()`` must return 1 (``0x1``), the opcode of a text frame."""
    return check_function("Exercise 0.1 - text_opcode", func, [
        Case("returns a number (an int)", (), 1, compare=lambda got, _: _is_int(got)),
        Case("the number is the opcode of a text frame", (), 1, hint=_opcode_hint),
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
    if is_stub(func):  # None, or the untouched stub: recognised without running it
        report.attempted = False
        return report
    server = await serve(echo, "127.0.0.1", 0)
    cases = [Case(name, (server.url, text), text,
                  hint="return what ws.recv() gives back: the echo server sends the message back "
                       "unchanged")
             for name, text in _ECHO_CASES]
    try:
        for case in cases:
            # Get the answer: what is particular to an async function is here; judge_answer (the
            # same judge as check_function) handles stubs, exceptions and the comparison.
            got, error = None, None
            try:
                got = func(*case.args)
                if inspect.isawaitable(got):
                    got = await asyncio.wait_for(got, timeout)
                else:
                    report.add(case.name, False,
                               f"returned {_short(got)} without awaiting anything",
                               "define it with `async def` and `await` the WebSocket calls")
                    continue
            except TimeoutError:
                report.add(case.name, False, f"no answer within {timeout} s",
                           "send the text before waiting for the reply: await ws.send(text), "
                           "then return await ws.recv()")
                break  # the next cases would wait just as long
            except Exception as exc:  # the learner's code: judged below, never raised
                got, error = None, exc
            if inspect.isawaitable(got):
                if inspect.iscoroutine(got):
                    got.close()
                report.add(case.name, False, "returned a coroutine, not the text",
                           "a call to an async function (ws.recv()) needs `await` in front of it")
                continue
            judge_answer(report, case, got, error, stub_hint=FINISH,
                         crash_hint="async with wslib.client.connect(url) as ws: "
                                    "await ws.send(text); return await ws.recv()")
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
