"""``python -m wslib sse``: the Server-Sent Events demo from the command line.

The command runs as a real subprocess (``sys.executable -m wslib sse --port 0``): its first
line of output is the URL; the page and the stream are checked over TCP, with wslib's own
SSE client; then SIGINT must stop it with exit code 0 and no traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import select
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from wslib.apps import sse_demo
from wslib.eventstream import EventChannel, events

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[1]


def wslib_command(*args: str) -> subprocess.Popen:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.Popen([sys.executable, "-m", "wslib", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def first_line(proc: subprocess.Popen, timeout: float = 15.0) -> str:
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, f"no output within {timeout} s"
    return proc.stdout.readline()


@contextlib.contextmanager
def running(*args: str):
    proc = wslib_command(*args)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


def test_sse_serves_the_page_and_numbered_events_then_stops_on_sigint():
    with running("sse", "--port", "0", "--interval", "0.05") as proc:
        line = first_line(proc)
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\n", line), line
        url = line.strip()

        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            page = response.read().decode("utf-8")
        assert 'new EventSource("/events")' in page
        assert "readyState" in page and "lastEventId" in page

        async def three_events():
            agen = events(url + "events", max_retries=0, timeout=10)
            async with contextlib.aclosing(agen):
                return [await anext(agen) for _ in range(3)]

        got = asyncio.run(asyncio.wait_for(three_events(), 20))
        numbers = [int(e.id) for e in got]
        assert numbers == list(range(numbers[0], numbers[0] + 3))  # consecutive, in order
        assert [e.data for e in got] == [f"event {n}" for n in numbers]

        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
        assert proc.returncode == 0, err
        assert "Traceback" not in err, err
        assert out == ""  # the URL was the only line


def test_sse_help_documents_the_defaults():
    with running("sse", "--help") as proc:
        out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert "8766" in out and "--interval" in out and "--count" in out


@pytest.mark.parametrize("bad", [["--interval", "0"], ["--count", "-1"]])
def test_sse_refuses_bad_options(bad):
    with running("sse", "--port", "0", *bad) as proc:
        out, err = proc.communicate(timeout=15)
    assert proc.returncode == 2
    assert "must be" in err and out == ""


def test_count_publishes_n_events_then_closes_the_channel():
    async def main():
        channel = EventChannel()
        await sse_demo.publish_numbered(channel, 0.001, count=3)
        return channel

    channel = asyncio.run(asyncio.wait_for(main(), 10))
    assert [(e.id, e.data) for e in channel.buffered] == [
        ("1", "event 1"), ("2", "event 2"), ("3", "event 3")]
    assert channel.closed  # later requests get 204: EventSource stops
