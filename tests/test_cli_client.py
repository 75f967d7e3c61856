"""Tests for the terminal client, ``python -m wslib client URL``, against real servers.

The client runs as a real subprocess (piped, or on a pseudo-terminal for the interactive mode)
against ``python -m wslib echo`` in another subprocess, or in-process (``client_cli.run``)
against servers in the same event loop: wslib's, and raw asyncio ones that misbehave on purpose.
"""

from __future__ import annotations

import asyncio
import io
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wslib.apps import client_cli
from wslib.apps.client_cli import FrameTap, describe_frame
from wslib.connection import Connection
from wslib.frames import Frame, Opcode, encode_frame
from wslib.handshake import accept_key, build_response, check_request
from wslib.http import HeadReader, request_from_head
from wslib.server import serve

ROOT = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def echo_url():
    """``python -m wslib echo --port 0`` in a subprocess; yields its URL; stopped afterwards."""
    proc = subprocess.Popen([sys.executable, "-m", "wslib", "echo", "--port", "0"], cwd=ROOT,
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("ws://127.0.0.1:"), (url, proc.stderr.read())
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def client(*args: str, input: str = "") -> subprocess.CompletedProcess:
    """Run the client with a pipe as standard input (not a terminal)."""
    return subprocess.run([sys.executable, "-m", "wslib", "client", *args], cwd=ROOT, env=ENV,
                          input=input, capture_output=True, text=True, timeout=60)


# ------------------------------------------------------------------ piped standard input

PIPED = "hello\n你好 ☃\r\n\nlast line without newline"
SENT = ["hello", "你好 ☃", "", "last line without newline"]  # CRLF stripped too; "" is a message


def test_piped_lines_are_sent_then_a_clean_close(echo_url):
    result = client(echo_url, input=PIPED)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert [line for line in lines if line.startswith(">")] == [f"> {s}" for s in SENT]
    # The client closes as soon as the input ends; the echo server answers the close frame
    # at once, so the echoes of the last lines may never be sent (RFC 6455 section 5.5.1).
    # Those that came are in order: a prefix of what was sent.
    received = [line[2:] for line in lines if line.startswith("<")]
    assert received == SENT[:len(received)]
    assert lines[-1] == 'closed: code 1000 (NORMAL), reason ""'
    assert len(lines) == len(SENT) + len(received) + 1


def test_piped_with_wait_prints_every_echo(echo_url):
    result = client("--wait", "5", echo_url, input=PIPED)
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    # Sending does not wait for the echoes, so how the two directions interleave depends on
    # timing; each keeps its order.
    assert [line for line in lines if line.startswith(">")] == [f"> {s}" for s in SENT]
    assert [line for line in lines if line.startswith("<")] == [f"< {s}" for s in SENT]
    assert lines[-1] == 'closed: code 1000 (NORMAL), reason ""' and len(lines) == 9


def test_empty_input_opens_and_closes_cleanly(echo_url):
    result = client(echo_url, input="")
    assert (result.returncode, result.stdout, result.stderr) == (
        0, 'closed: code 1000 (NORMAL), reason ""\n', "")


def block_at(lines: list[str], block: list[str]) -> int:
    """Where ``block`` appears in ``lines`` as consecutive lines (each a regular expression)."""
    for i in range(len(lines) - len(block) + 1):
        if all(re.fullmatch(pattern, line) for pattern, line in zip(block, lines[i:])):
            return i
    pytest.fail("these lines are not in the output, in a row:\n" + "\n".join(block)
                + "\n--- output:\n" + "\n".join(lines))


def test_show_frames_prints_header_fields_and_wire_bytes(echo_url):
    result = client("--show-frames", "--wait", "5", echo_url, input="hello\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # First the opening handshake, as it went: our GET, then the server's 101.
    host = echo_url.removeprefix("ws://").rstrip("/")
    end_of_request = lines.index(">")
    assert lines[:3] == ["> GET / HTTP/1.1", f"> Host: {host}", "> Upgrade: websocket"]
    key = next(l.split(": ", 1)[1] for l in lines if l.startswith("> Sec-WebSocket-Key: "))
    assert f"< Sec-WebSocket-Accept: {accept_key(key)}" in lines
    assert lines[end_of_request + 1] == "< HTTP/1.1 101 Switching Protocols"
    assert "<" in lines[end_of_request + 1:]  # the response's empty line ends it
    # What we send: a masked text frame (clients mask, RFC 6455 section 5.1), with its key.
    sent = block_at(lines, ["> hello", r"> frame FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x1 \(TEXT\) "
                            r"MASK=1 length=5 key=((?:[0-9a-f]{2} ){3}[0-9a-f]{2})"])
    key = bytes.fromhex(lines[sent + 1].rsplit("key=", 1)[1])
    assert lines[sent + 2] == ">   " + encode_frame(Frame(Opcode.TEXT, b"hello", mask=key)).hex(" ")
    assert lines[sent + 3] == ">   unmasked payload: " + b"hello".hex(" ")
    # What comes back: the echo, not masked (servers must not mask), then the message.
    echoed = block_at(lines, [re.escape("< frame FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x1 (TEXT) "
                                        "MASK=0 length=5"), "<   81 05 68 65 6c 6c 6f"])
    assert sent < echoed < lines.index("< hello")
    # The closing handshake: our masked close frame with 1000, the server's answer 03 e8.
    ours = block_at(lines, [r"> frame FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x8 \(CLOSE\) MASK=1 "
                            r"length=2 key=.*", ">   88 82 .*", '>   close code 1000 \\(NORMAL\\), reason ""'])
    answer = block_at(lines, [re.escape(line) for line in [
        "< frame FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x8 (CLOSE) MASK=0 length=2",
        "<   88 02 03 e8",
        '<   close code 1000 (NORMAL), reason ""',
        'closed: code 1000 (NORMAL), reason ""']])
    assert sent < ours < answer and answer + 4 == len(lines)


def test_describe_frame_of_a_long_and_a_broken_frame():
    long = encode_frame(Frame(Opcode.BINARY, bytes(300)))
    lines = describe_frame(long, "<")
    assert lines[0] == "< frame FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x2 (BINARY) MASK=0 length=300"
    assert lines[1] == "<   82 7e 01 2c " + " ".join(["00"] * 12)
    assert lines[4] == "<   " + " ".join(["00"] * 16) and lines[5] == "<   ... 240 more bytes"
    assert len(lines) == 6
    broken = describe_frame(b"\x83\x00", "<")  # opcode 3 is reserved
    assert broken == ["< frame breaks a rule: opcode 0x3 is reserved (RFC 6455 section 5.2)",
                      "<   83 00"]


def test_frame_tap_shows_whole_frames_however_the_bytes_arrive():
    conn = Connection("client")
    lines: list[str] = []
    FrameTap(conn, lines.append)
    text, ping = encode_frame(Frame(Opcode.TEXT, b"hi")), encode_frame(Frame(Opcode.PING, b"p"))
    for i, byte in enumerate(text + ping):  # one byte per read (分包)
        events = conn.receive_data(bytes([byte]))
    assert [type(e).__name__ for e in events] == ["Ping"]  # the bytes went through, unchanged
    assert lines == describe_frame(text, "<") + describe_frame(ping, "<")
    conn.data_to_send()  # the pong the connection queued is shown as it goes out
    assert re.fullmatch(r"> frame FIN=1 .* opcode=0xA \(PONG\) MASK=1 length=1 key=.*", lines[-3])

    broken = Connection("client")
    lines.clear()
    FrameTap(broken, lines.append)
    broken.receive_data(b"\x83\x00\x81\x00")  # a reserved opcode, then a good frame
    broken.receive_data(b"zz")
    assert lines[:2] == ["< frame breaks a rule: opcode 0x3 is reserved (RFC 6455 section 5.2)",
                         "<   83 00 81 00"]
    assert lines[2:] == ["< 2 more bytes after the broken frame", "<   7a 7a"]


def test_connection_refused_is_one_clear_line():
    import socket

    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = client(f"ws://127.0.0.1:{port}/")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (f"python -m wslib client: error: cannot connect to "
                             f"ws://127.0.0.1:{port}/: connection refused "
                             "(is a server listening there?)\n")


def test_a_url_that_is_not_ws_is_a_usage_error():
    result = client("http://127.0.0.1:1/")
    assert result.returncode == 2
    assert "is not a ws:// URL" in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_a_server_that_dies_is_a_dropped_connection(echo_url):
    """SIGKILL the echo server while the client waits for input: no close frame, exit 1."""
    port = int(echo_url.rsplit(":", 1)[1].rstrip("/"))
    proc = subprocess.Popen([sys.executable, "-m", "wslib", "client", echo_url], cwd=ROOT, env=ENV,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        proc.stdin.write("ping\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == "> ping\n"
        assert proc.stdout.readline() == "< ping\n"
        server_pid = _pid_listening_on(port)
        os.kill(server_pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=30)  # stdin stays open: only the drop ends it
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1
    assert out == ""
    assert err == (f"python -m wslib client: error: the connection to {echo_url} dropped "
                   "without a close frame (1006)\n")


def _pid_listening_on(port: int) -> int:
    """The pid of the echo subprocess: the child of this test process that is ``wslib echo``."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == os.getpid() and b"echo" in cmdline and b"wslib" in cmdline:
                return int(entry.name)
    pytest.fail(f"no echo server child found for port {port}")


# ------------------------------------------------------------------ a terminal (pty)

class Terminal:
    """The client on a pseudo-terminal, as a learner runs it: ``type()`` writes keys,
    ``expect()`` reads the screen until a text appears."""

    def __init__(self, *args: str) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "wslib", "client", *args], cwd=ROOT,
                                     env=ENV, stdin=slave, stdout=slave, stderr=slave)
        os.close(slave)
        self.screen = ""

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def expect(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"{text!r} not on the terminal after {timeout} s:\n{self.screen}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    data = os.read(self.master, 4096)
                except OSError:  # the client exited and closed the terminal
                    data = b""
                if not data:
                    pytest.fail(f"the client exited before {text!r} appeared:\n{self.screen}")
                self.screen += data.decode("utf-8", "replace")
        return self.screen

    def wait(self, timeout: float = 30) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            os.close(self.master)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_interactive_type_lines_see_echoes_then_ctrl_d_closes_with_1000(echo_url):
    term = Terminal(echo_url)
    try:
        term.expect(f"connected to {echo_url} (type a line to send it; Ctrl-D closes)")
        term.type("hello\n")
        term.expect("< hello")
        term.type("你好\n")
        term.expect("< 你好")
        term.type("\x04")  # Ctrl-D at the start of a line: end of input
        screen = term.expect('closed: code 1000 (NORMAL), reason ""')
        assert term.wait() == 0
    finally:
        term.kill()
    # The terminal echoes what was typed; the client does not print it a second time.
    assert screen.count("hello") == 2, screen  # typed once, echoed back once
    assert "Traceback" not in screen


def test_interactive_a_server_that_goes_away_ends_the_session(echo_url):
    """The server stops (Ctrl-C on it: 1001) while the learner is halfway through a line."""
    port = int(echo_url.rsplit(":", 1)[1].rstrip("/"))
    term = Terminal(echo_url)
    try:
        term.expect("connected to")
        term.type("half a li")  # no Enter: the client is waiting for the rest of the line
        os.kill(_pid_listening_on(port), signal.SIGINT)
        term.expect('closed: code 1001 (GOING_AWAY), reason "server shutting down"')
        assert term.wait() == 0
    finally:
        term.kill()
    assert "Traceback" not in term.screen and "Fatal" not in term.screen


def test_interactive_ctrl_c_closes_with_1001(echo_url):
    term = Terminal(echo_url)
    try:
        term.expect("connected to")
        term.proc.send_signal(signal.SIGINT)  # what Ctrl-C does to the foreground process
        term.expect("closed: code 1001 (GOING_AWAY), reason")  # the server's answer
        assert term.wait() == 130
    finally:
        term.kill()


# ------------------------------------------------------------------ in-process servers

def with_server(make_server, body):
    async def main():
        server = await make_server()
        try:
            return await body(server)
        finally:
            await server.close()
    return asyncio.run(asyncio.wait_for(main(), 30))


async def _client(url: str, input: str = "", **options) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = await client_cli.run(url, stdin=io.StringIO(input), stdout=out, stderr=err, **options)
    return code, out.getvalue(), err.getvalue()


def test_refused_handshake_shows_the_status_and_the_servers_reason():
    async def nothing(ws):
        pass

    code, out, err = with_server(lambda: serve(nothing, origins=["http://course.example"]),
                                 lambda server: _client(server.url))
    assert code == 1 and out == ""
    assert err.startswith(f"python -m wslib client: error: ws://127.0.0.1:") and "refused the " \
        "WebSocket handshake: HTTP 403" in err and "Origin" in err, err
    assert err.count("\n") == 1  # one line, even though the server's body had its own newline


def test_origin_is_sent_and_accepted():
    async def hello(ws):
        await ws.send(f"hello from {ws.request.headers['Origin']}")
        async for _ in ws:
            pass

    code, out, err = with_server(lambda: serve(hello, origins=["http://course.example"]),
                                 lambda server: _client(server.url, origin="http://course.example",
                                                        wait=5))
    assert (code, err) == (0, "")
    assert out.splitlines() == ["< hello from http://course.example",
                                'closed: code 1000 (NORMAL), reason ""']


def test_subprotocol_is_offered_and_shown():
    async def hello(ws):
        await ws.send(f"you speak {ws.subprotocol}")
        async for _ in ws:
            pass

    code, out, err = with_server(
        lambda: serve(hello, subprotocols=["chat.v2", "chat.v1"]),
        lambda server: _client(server.url, "", subprotocols=["chat.v1"], interactive=True))
    assert (code, err) == (0, "")
    assert "subprotocol 'chat.v1'" in out
    assert "< you speak chat.v1" in out


async def _client_waiting(url: str, **options) -> tuple[int, str, str]:
    """The client with a standard input that stays open (a pipe nobody writes to): only the
    server can end the session."""
    reader_fd, writer_fd = os.pipe()
    never_ending = open(reader_fd)
    try:
        out, err = io.StringIO(), io.StringIO()
        code = await client_cli.run(url, stdin=never_ending, stdout=out, stderr=err,
                                    interactive=False, **options)
    finally:
        os.close(writer_fd)  # the reading thread gets EOF and ends
        never_ending.close()
    return code, out.getvalue(), err.getvalue()


def test_binary_messages_and_a_server_that_closes_first():
    async def handler(ws):
        await ws.send(b"\x00\x01\xfe\xff")
        await ws.close(4001, "done")

    code, out, err = with_server(lambda: serve(handler), lambda server: _client_waiting(server.url))
    assert out.splitlines() == ["< (binary, 4 bytes) 00 01 fe ff",
                                'closed: code 4001 (application), reason "done"']
    assert err == "" and code == 1  # closed cleanly, but not with 1000 / 1001


class RawServer:
    """A server that accepts the opening handshake, then sends ``frames`` as they are (a
    misbehaving peer), then waits for the client to close TCP."""

    def __init__(self, frames: bytes) -> None:
        self.frames = frames

    async def start(self) -> "RawServer":
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/"
        return self

    async def _handle(self, reader, writer) -> None:
        head, result = HeadReader(), None
        while result is None:
            data = await reader.read(65536)
            if not data:
                return
            result = head.feed(data)
        writer.write(build_response(check_request(request_from_head(*result)).key).to_bytes())
        await writer.drain()
        await asyncio.sleep(0.05)  # not in the same packet as the 101: the frame tap shows it
        writer.write(self.frames)
        await writer.drain()
        await reader.read()  # until the client closes TCP
        writer.close()

    async def close(self) -> None:
        self._server.close()
        await self._server.wait_closed()


def test_a_server_that_breaks_the_protocol_is_named_and_answered_with_1002():
    masked = encode_frame(Frame(Opcode.TEXT, b"hi", mask=b"\x01\x02\x03\x04"))  # servers must not mask
    code, out, err = with_server(RawServer(masked).start,
                                 lambda server: _client_waiting(server.url, show_frames=True))
    assert code == 1
    assert "< frame FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x1 (TEXT) MASK=1 length=2 key=01 02 03 04" in out
    assert ">   close code 1002 (PROTOCOL_ERROR)" in out  # our answer, on the wire
    assert "< hi" not in out  # the bad frame is not delivered as a message
    assert err == ("python -m wslib client: error: the server broke the protocol: masked frame "
                   "from a server; servers must not mask (RFC 6455 section 5.1) (we closed "
                   "with 1002)\n")
