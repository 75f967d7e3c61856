"""Tests for the command line, ``python -m wslib``: the echo server as a real subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK
from websockets.sync.client import connect as sync_connect

from wslib.__main__ import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.timeout(60)


def start(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-m", "wslib", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(proc: subprocess.Popen) -> tuple[int, str, str]:
    """SIGINT (Ctrl-C), then wait; returns (exit code, rest of stdout, stderr)."""
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"the server did not stop on SIGINT; stderr:\n{err}")
    return proc.returncode, out, err


def test_echo_server_prints_url_echoes_and_stops_cleanly_on_sigint():
    proc = start("echo", "--port", "0")
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("ws://127.0.0.1:") and url.endswith("/"), url
        port = int(url.rsplit(":", 1)[1].rstrip("/"))
        assert port > 0
        with sync_connect(url, compression=None, open_timeout=10) as ws:
            ws.send("hello ☃")
            assert ws.recv(timeout=10) == "hello ☃"
            ws.send(b"\x00\x01\x02")
            assert ws.recv(timeout=10) == b"\x00\x01\x02"
            code, out, err = stop(proc)  # with a client still connected
            with pytest.raises(ConnectionClosedOK) as info:
                ws.recv(timeout=10)
            assert info.value.rcvd.code == 1001
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert code == 0, err
    assert "Traceback" not in err, err
    assert out == ""  # exactly one line was printed: the URL


def test_echo_max_size_is_enforced():
    proc = start("echo", "--port", "0", "--max-size", "10")
    try:
        url = proc.stdout.readline().strip()
        with sync_connect(url, compression=None, open_timeout=10) as ws:
            ws.send("0123456789")
            assert ws.recv(timeout=10) == "0123456789"
            ws.send("0123456789+")
            with pytest.raises(ConnectionClosedError) as info:
                ws.recv(timeout=10)
            assert info.value.rcvd.code == 1009
        code, _, err = stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert code == 0, err
    assert "Traceback" not in err, err


def test_defaults_and_help():
    args = build_parser().parse_args(["echo"])
    assert (args.host, args.port, args.max_size) == ("127.0.0.1", 8765, 1 << 20)
    assert "echo" in COMMANDS
    result = subprocess.run([sys.executable, "-m", "wslib", "echo", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=30,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0
    assert "8765" in result.stdout and "1048576" in result.stdout


def test_port_in_use_is_a_clear_error():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = start("echo", "--port", str(port))
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert out == ""
    assert "Traceback" not in err and str(port) in err
