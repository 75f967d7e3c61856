"""A terminal WebSocket client, ``python -m wslib client URL``: poke at any ws:// server.

::

    $ python -m wslib client ws://127.0.0.1:8765/
    connected to ws://127.0.0.1:8765/ (type a line to send it; Ctrl-D closes)
    > hello
    < hello
    > ^D
    closed: code 1000 (NORMAL), reason ""

Lines you type are sent as text messages (``> `` marks what goes out); messages that arrive are
printed after ``< `` (a binary message as its length and bytes in hex). Ctrl-D closes the
connection with 1000 and prints the close code and reason the server answered with; Ctrl-C
closes with 1001 ("going away", what a browser sends when you leave the page).

When standard input is not a terminal (a pipe, a file), the client sends each line it reads,
then closes. Messages that arrive before the server's close frame are still printed, but a
server may answer our close frame before it answers the last lines (an echo server that gets
a line and the close frame together does: RFC 6455 section 5.5.1 lets it, and forbids sending
data after its close frame). ``--wait SECONDS`` keeps listening after the input ends until that
many seconds pass without a message: ``printf 'a\\nb\\n' | python -m wslib client --wait 1 URL``
shows both echoes.

``--show-frames`` is a learning aid: it prints the opening handshake (the HTTP request and the
server's 101, RFC 6455 section 4), then every frame that goes out or comes in with its header
fields (FIN, RSV1-3, opcode, MASK, payload length, masking key) and its bytes in hex, exactly
as they travel on the wire (section 5.2).

Exit status: 0 after a clean close with 1000 or 1001; 1 when the handshake is refused, the
server cannot be reached, the connection drops without a close frame (1006), or it is closed
with any other code; 2 for a URL that is not ``ws://``; 130 after Ctrl-C.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import threading
from typing import Callable, TextIO

from ..client import connect
from ..connection import Connection
from ..errors import ConnectionClosed, HandshakeError, ProtocolError, UsageError
from ..frames import CloseCode, Opcode, parse_header
from ..masking import mask
from ..websocket import WebSocket

__all__ = ["run", "FrameTap", "describe_frame"]

HEX_LIMIT = 64  # frame bytes shown in hex; the rest is summarised ("... N more bytes")
CLOSE_TIMEOUT = 5.0


def _hex_lines(data: bytes, prefix: str) -> list[str]:
    shown = data[:HEX_LIMIT]
    lines = [prefix + shown[i:i + 16].hex(" ") for i in range(0, len(shown), 16)]
    if len(data) > HEX_LIMIT:
        lines.append(f"{prefix}... {len(data) - HEX_LIMIT} more bytes")
    return lines


def describe_frame(raw: bytes, mark: str) -> list[str]:
    """The lines ``--show-frames`` prints for one whole frame ``raw`` (header and payload, as
    on the wire); ``mark`` is the direction, ``">"`` or ``"<"``."""
    try:
        header = parse_header(raw)
    except ProtocolError as exc:  # the peer broke a rule: show the bytes and the rule
        return [f"{mark} frame breaks a rule: {exc}", *_hex_lines(raw, f"{mark}   ")]
    assert header is not None, "describe_frame() needs a whole frame"
    try:
        name = Opcode(header.opcode).name
    except ValueError:
        name = "reserved"
    bits = f"FIN={int(header.fin)} RSV1={int(header.rsv1)} RSV2={int(header.rsv2)} " \
           f"RSV3={int(header.rsv3)}"
    key = f" key={header.mask.hex(' ')}" if header.mask is not None else ""
    first = (f"{mark} frame {bits} opcode=0x{header.opcode:X} ({name}) "
             f"MASK={int(header.mask is not None)} length={header.length}{key}")
    lines = [first, *_hex_lines(raw, f"{mark}   ")]
    payload = raw[header.size:header.size + header.length]
    if header.mask is not None:
        payload = mask(payload, header.mask)
    if header.opcode == Opcode.CLOSE and len(payload) >= 2:
        code = int.from_bytes(payload[:2], "big")
        reason = payload[2:].decode("utf-8", "replace")
        lines.append(f"{mark}   close code {code} ({_close_name(code)}), reason {json.dumps(reason, ensure_ascii=False)}")
    elif header.mask is not None and payload:
        lines.append(f"{mark}   unmasked payload: {payload[:HEX_LIMIT].hex(' ')}"
                     + (" ..." if len(payload) > HEX_LIMIT else ""))
    return lines


class _Splitter:
    """Cuts a byte stream into whole frames for display (bytes as they are, not checked: the
    real checking is the Connection's job). ``feed()`` returns ``(bytes, whole_frame)`` pairs.
    After a frame that breaks a rule the stream cannot be cut any more: the rest comes out as
    it arrives, with ``whole_frame`` False."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._broken = False

    def feed(self, data: bytes) -> list[tuple[bytes, bool]]:
        if self._broken:
            return [(bytes(data), False)] if data else []
        self._buf += data
        frames = []
        while True:
            try:
                header = parse_header(self._buf)
            except ProtocolError:  # describe_frame() will say which rule
                self._broken = True
                frames.append((bytes(self._buf), True))
                self._buf.clear()
                break
            if header is None or len(self._buf) < header.size + header.length:
                break
            end = header.size + header.length
            frames.append((bytes(self._buf[:end]), True))
            del self._buf[:end]
        return frames


class FrameTap:
    """Shows every frame a :class:`~wslib.connection.Connection` receives and sends.

    It wraps the connection's two byte doors, ``receive_data()`` (bytes from the socket) and
    ``data_to_send()`` (bytes for the socket), and passes every byte through unchanged: the
    WebSocket above works exactly as without it. ``emit`` gets the lines to print.
    Frames that arrived in the same read as the server's 101 response, before the tap was put
    on, are delivered as usual but not shown.
    """

    def __init__(self, connection: Connection, emit: Callable[[str], None]) -> None:
        self.emit = emit
        self._incoming = _Splitter()
        self._outgoing = _Splitter()
        receive_data, data_to_send = connection.receive_data, connection.data_to_send

        def tapped_receive_data(data: bytes):
            self._show(self._incoming, data, "<")
            return receive_data(data)

        def tapped_data_to_send() -> bytes:
            data = data_to_send()
            self._show(self._outgoing, data, ">")
            return data

        connection.receive_data = tapped_receive_data  # type: ignore[method-assign]
        connection.data_to_send = tapped_data_to_send  # type: ignore[method-assign]

    def _show(self, splitter: _Splitter, data: bytes, mark: str) -> None:
        for raw, whole_frame in splitter.feed(data):
            lines = (describe_frame(raw, mark) if whole_frame else
                     [f"{mark} {len(raw)} more bytes after the broken frame",
                      *_hex_lines(raw, f"{mark}   ")])
            for line in lines:
                self.emit(line)


def _close_name(code: int) -> str:
    try:
        return CloseCode(code).name
    except ValueError:
        return "application" if 3000 <= code <= 4999 else "unknown"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


class _Lines:
    """Lines from a text stream, read in a daemon thread so that the event loop never blocks
    (a terminal, a pipe or a file alike, on every OS). ``None`` marks the end (Ctrl-D)."""

    def __init__(self, stream: TextIO) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def read() -> None:
            try:
                for line in iter(stream.readline, ""):
                    loop.call_soon_threadsafe(self._queue.put_nowait, line)
            except (OSError, ValueError):  # stdin closed under us
                pass
            try:
                loop.call_soon_threadsafe(self._queue.put_nowait, None)
            except RuntimeError:  # the loop is gone: we are exiting anyway
                pass

        threading.Thread(target=read, name="stdin-lines", daemon=True).start()

    async def get(self) -> str | None:
        return await self._queue.get()


async def run(url: str, *, subprotocols: list[str] | tuple[str, ...] = (),
              origin: str | None = None, show_frames: bool = False, stdin: TextIO | None = None,
              stdout: TextIO | None = None, stderr: TextIO | None = None,
              interactive: bool | None = None, wait: float = 0.0) -> int:
    """Run the client until the connection is closed; return the exit status.

    ``wait``: once the input has ended, keep printing messages until that many seconds pass
    without one, then close (0: close at once).

    ``interactive`` defaults to "standard input is a terminal": a greeting, a ``> `` prompt,
    and no copy of the typed line (the terminal shows it already).
    """
    stdin = stdin if stdin is not None else sys.stdin
    session = _Session(url, stdin=stdin, stdout=stdout or sys.stdout, stderr=stderr or sys.stderr,
                       interactive=stdin.isatty() if interactive is None else interactive,
                       show_frames=show_frames, wait=wait)
    loop = asyncio.get_running_loop()
    try:  # from the start: a Ctrl-C while connecting is a Ctrl-C too
        loop.add_signal_handler(signal.SIGINT, session.interrupted.set)
        handles_sigint = True
    except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
        handles_sigint = False
    try:
        return await session.run(list(subprotocols), origin)
    finally:
        if handles_sigint:
            loop.remove_signal_handler(signal.SIGINT)


class _Session:
    PROG = "python -m wslib client"

    def __init__(self, url: str, *, stdin: TextIO, stdout: TextIO, stderr: TextIO,
                 interactive: bool, show_frames: bool, wait: float) -> None:
        self.url = url
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.interactive = interactive
        self.show_frames = show_frames
        self.wait = wait
        self.interrupted = asyncio.Event()  # set by SIGINT (Ctrl-C)
        self.arrived = asyncio.Event()  # set by each message received

    def error(self, message: str, status: int = 1) -> int:
        print(f"{self.PROG}: error: {_one_line(message)}", file=self.stderr, flush=True)
        return status

    def show(self, line: str) -> None:
        """Print one line; in a terminal, over the prompt, which is then drawn again."""
        self.stdout.write(f"\r{line}\n> " if self.interactive else line + "\n")
        self.stdout.flush()

    async def run(self, subprotocols: list[str], origin: str | None) -> int:
        url = self.url
        try:
            ws = await connect(url, subprotocols=subprotocols, origin=origin,
                               close_timeout=CLOSE_TIMEOUT)
        except UsageError as exc:  # not a ws:// URL
            return self.error(str(exc), status=2)
        except HandshakeError as exc:
            if exc.status:  # the server answered, with something else than 101
                return self.error(f"{url} refused the WebSocket handshake: HTTP {exc.status}: {exc}")
            return self.error(f"handshake with {url} failed: {exc}")
        except ConnectionRefusedError:
            return self.error(f"cannot connect to {url}: connection refused "
                              "(is a server listening there?)")
        except OSError as exc:
            return self.error(f"cannot connect to {url}: {exc.strerror or exc}")

        if self.show_frames:  # the opening handshake as it went, then every frame
            for mark, message in ((">", ws.request), ("<", ws.response)):
                for line in message.to_bytes().decode("latin-1").split("\r\n")[:-1]:
                    self.show(f"{mark} {line}".rstrip())
            FrameTap(ws.connection, self.show)
        if self.interactive:
            chosen = f", subprotocol {ws.subprotocol!r}" if ws.subprotocol else ""
            self.stdout.write(f"connected to {url}{chosen} "
                              "(type a line to send it; Ctrl-D closes)\n> ")
            self.stdout.flush()
        receiving = asyncio.ensure_future(_print_messages(ws, self.show, self.arrived))
        try:
            close_with = await self._send_lines(ws, receiving)
            if close_with is not None and not self.interrupted.is_set() and self.wait > 0:
                await self._linger(receiving)
            if close_with is not None and ws.connection.close_sent is None and ws.close_code is None:
                # The closing handshake by hand, so that messages the server sent before its
                # close frame are still printed (ws.close() would drop them; section 7.1.2 lets
                # us read them): send our close frame, then read until the server's close frame.
                ws.connection.close(*close_with)
                await ws.flush()
            try:
                async with asyncio.timeout(CLOSE_TIMEOUT + 1):
                    await receiving
            except TimeoutError:
                pass
            await ws.close()  # at once if the handshake is done; else aborts after close_timeout
        finally:
            receiving.cancel()
        return self._report(ws)

    async def _send_lines(self, ws: WebSocket, receiving: asyncio.Future) -> tuple[int, str] | None:
        """Send each line of standard input as a text message, until its end (then return the
        close code and reason to send), Ctrl-C (the same), or the connection closes (None)."""
        lines = _Lines(self.stdin)
        while not receiving.done():
            next_line = asyncio.ensure_future(lines.get())
            stop = asyncio.ensure_future(self.interrupted.wait())
            await asyncio.wait({next_line, receiving, stop}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            if self.interrupted.is_set():
                next_line.cancel()
                return CloseCode.GOING_AWAY, "going away"
            if not next_line.done():  # the connection closed first
                next_line.cancel()
                return None
            line = next_line.result()
            if line is None:  # Ctrl-D, or the end of the piped input
                return CloseCode.NORMAL, ""
            text = line[:-1] if line.endswith("\n") else line
            text = text[:-1] if text.endswith("\r") else text
            if not self.interactive:  # a terminal shows the typed line already
                self.show(f"> {text}")
            try:
                await ws.send(text)
            except ConnectionClosed:
                return None
            if self.interactive and not self.show_frames:  # (the frame lines end with one)
                self.stdout.write("> ")
                self.stdout.flush()
        return None

    async def _linger(self, receiving: asyncio.Future) -> None:
        """The input has ended: keep printing messages until ``wait`` seconds pass without one
        (or the server closes, or Ctrl-C)."""
        while not receiving.done() and not self.interrupted.is_set():
            self.arrived.clear()
            arrived = asyncio.ensure_future(self.arrived.wait())
            stop = asyncio.ensure_future(self.interrupted.wait())
            done, _ = await asyncio.wait({arrived, stop, receiving}, timeout=self.wait,
                                         return_when=asyncio.FIRST_COMPLETED)
            arrived.cancel()
            stop.cancel()
            if not done:
                return

    def _report(self, ws: WebSocket) -> int:
        """Say how the connection ended; return the exit status."""
        if self.interactive:
            self.stdout.write("\r")
        code, reason = ws.close_code, ws.close_reason or ""
        if ws.connection.error is not None:
            return self.error(f"the server broke the protocol: {ws.connection.error} "
                              f"(we closed with {code})")
        if code is None or code == CloseCode.ABNORMAL:
            return self.error(f"the connection to {self.url} dropped without a close frame (1006)")
        print(f"closed: code {code} ({_close_name(code)}), "
              f"reason {json.dumps(reason, ensure_ascii=False)}", file=self.stdout, flush=True)
        if self.interrupted.is_set():
            return 130  # the shell's convention for "stopped by Ctrl-C"
        return 0 if code in (CloseCode.NORMAL, CloseCode.GOING_AWAY) else 1


async def _print_messages(ws: WebSocket, show: Callable[[str], None],
                          arrived: asyncio.Event) -> None:
    """Print every message as it arrives, until the connection is closed."""
    while True:
        try:
            message = await ws.recv()
        except ConnectionClosed:
            return
        arrived.set()
        if isinstance(message, str):
            show(f"< {message}")
        else:
            hex_text = message[:HEX_LIMIT].hex(" ")
            more = f" ... {len(message) - HEX_LIMIT} more bytes" if len(message) > HEX_LIMIT else ""
            show(f"< (binary, {len(message)} bytes) {hex_text}{more}")
