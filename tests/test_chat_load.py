"""The chat room under load: 1,000 clients, and a client that stops reading.

* 1,000 loopback clients join one room (run by ``python -m wslib chat`` in its own process, so
  it has a core of its own), each says one thing, and every client must receive every message
  exactly once, in one and the same order. Bounded: one message per client, a deadline on every
  wait; it stops by itself.
* A slow consumer: one client with a tiny receive buffer stops reading. The room must drop it
  with 1008 once too much waits for it, and the other clients' delivery latency must stay low
  (compared with a baseline taken before, with a generous bound: the machine is shared).

The load clients are raw asyncio protocols that parse frames with wslib's ``FrameReader``
(cheap enough for a million frames in one process); ten of the thousand are ordinary
``wslib.connect`` clients.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

import wslib
from wslib import FrameReader, Opcode, decode_close, encode_frame
from wslib.apps import chat
from wslib.frames import Frame

from chat_support import Peer, joined

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 1000
WSLIB_CLIENTS = 10  # of the CLIENTS, ordinary wslib clients; the rest are raw
KEY = "dGhlIHNhbXBsZSBub25jZQ=="
MASK = b"\x37\xfa\x21\x3d"


def client_frame(text: str, opcode: Opcode = Opcode.TEXT) -> bytes:
    return encode_frame(Frame(opcode, text.encode(), mask=MASK))


class RawClient(asyncio.Protocol):
    """A minimal WebSocket client: handshake, then every server frame through a FrameReader.
    Keeps the JSON events (parsed lazily: ``events()``) and the close frame."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.upgraded = loop.create_future()
        self.closed = loop.create_future()
        self.head = b""
        self.reader = FrameReader(expect_mask=False)
        self.payloads: list[bytes] = []
        self.close_frame: tuple[int, str] | None = None
        self.watch: tuple[int, asyncio.Future] | None = None  # (message count, future)

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if not self.upgraded.done():
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.head.startswith(b"HTTP/1.1 101"):
                self.upgraded.set_exception(RuntimeError(self.head[:200]))
                return
            self.upgraded.set_result(None)
            data = self.head[end + 4:]
        for frame in self.reader.feed(data):
            if frame.opcode == Opcode.TEXT:
                self.payloads.append(frame.payload)
            elif frame.opcode == Opcode.CLOSE:
                self.close_frame = decode_close(frame.payload)
        if self.watch is not None and len(self.payloads) >= self.watch[0]:
            if not self.watch[1].done():
                self.watch[1].set_result(None)

    def wait_for(self, count: int) -> asyncio.Future:
        """Done once ``count`` text messages have arrived."""
        future = asyncio.get_running_loop().create_future()
        if len(self.payloads) >= count:
            future.set_result(None)
        else:
            self.watch = (count, future)
        return future

    def events(self) -> list[dict]:
        return [json.loads(p) for p in self.payloads]

    def connection_lost(self, exc: Exception | None) -> None:
        for future in (self.upgraded, self.closed):
            if not future.done():
                future.set_result(None)
        if self.watch is not None and not self.watch[1].done():
            self.watch[1].set_exception(ConnectionError("connection lost"))


async def open_raw(port: int, *, rcvbuf: int | None = None) -> RawClient:
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    if rcvbuf is not None:  # before connecting: it sets the TCP window offered
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    _, client = await loop.create_connection(RawClient, sock=sock)
    client.transport.write((
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode())
    await client.upgraded
    return client


@pytest.fixture
def many_files():
    """Raise the soft RLIMIT_NOFILE for this test (and the server process it starts)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * CLIENTS + 200
    if hard != resource.RLIM_INFINITY and hard < need:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {need}: cannot open {CLIENTS} clients")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.timeout(240)
def test_1000_clients_each_receive_every_message_once_in_the_same_order(many_files):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "wslib", "chat", "--port", "0"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        port = int(url.rsplit(":", 1)[1].rstrip("/"))
        asyncio.run(asyncio.wait_for(_load(port), 200))
        print(f"server CPU time: {_cpu_seconds(proc.pid):.1f} s")
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert "Traceback" not in err, err[-3000:]


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _load(port: int) -> None:
    started = time.monotonic()
    raw: list[RawClient] = []
    for start in range(0, CLIENTS - WSLIB_CLIENTS, 100):  # 100 at a time: the listen backlog
        count = min(100, CLIENTS - WSLIB_CLIENTS - start)
        raw += await asyncio.gather(*(open_raw(port) for _ in range(count)))
    peers = [await Peer.open(f"ws://127.0.0.1:{port}/ws") for _ in range(WSLIB_CLIENTS)]
    names = [f"user{i:04d}" for i in range(CLIENTS)]
    # Everyone joins at once.
    for client, name in zip(raw, names):
        client.transport.write(client_frame(json.dumps({"type": "join", "name": name})))
    for peer, name in zip(peers, names[len(raw):]):
        await peer.send({"type": "join", "name": name})
    welcomes = [await peer.recv() for peer in peers]
    assert all(w["type"] == "welcome" for w in welcomes), welcomes
    # Wait until everyone is in: the users event that lists all of them reaches each client.
    async def sees_everyone_raw(client: RawClient) -> int:
        while True:
            for i, payload in enumerate(client.payloads):
                if payload.startswith(b'{"type":"users"') and len(json.loads(payload)["users"]) \
                        == CLIENTS:
                    return i + 1
            await asyncio.sleep(0.2)

    async def sees_everyone_peer(peer: Peer) -> None:
        while True:
            event = await peer.recv(60)
            if event["type"] == "users" and len(event["users"]) == CLIENTS:
                return

    skip = await asyncio.gather(*(sees_everyone_raw(c) for c in raw))
    await asyncio.gather(*(sees_everyone_peer(p) for p in peers))
    joined_at = time.monotonic()

    # Each client says one thing; all at once.
    waits = [c.wait_for(s + CLIENTS) for c, s in zip(raw, skip)]
    for i, client in enumerate(raw):
        client.transport.write(client_frame(json.dumps({"type": "say", "text": f"hello {i}"})))
    for i, peer in enumerate(peers, start=len(raw)):
        await peer.send({"type": "say", "text": f"hello {i}"})
    await asyncio.wait_for(asyncio.gather(*waits), 120)
    peer_messages = [[await asyncio.wait_for(p.ws.recv(), 60) for _ in range(CLIENTS)]
                     for p in peers]
    delivered = time.monotonic()

    # Exactly once, in the same order, everywhere. The room encodes each message once, so
    # every client must have received the very same payloads: compare bytes, parse one list.
    lists = [[p for p in c.payloads[s:] if p.startswith(b'{"type":"message"')]
             for c, s in zip(raw, skip)]
    lists += [[m.encode() for m in got if m.startswith('{"type":"message"')]
              for got in peer_messages]
    reference = lists[0]
    messages = [json.loads(p) for p in reference]
    assert [m["id"] for m in messages] == list(range(1, CLIENTS + 1))
    assert sorted(m["text"] for m in messages) == sorted(f"hello {i}" for i in range(CLIENTS))
    assert all(m["from"] == names[int(m["text"].split()[1])] for m in messages)
    for i, got in enumerate(lists):
        assert got == reference, f"client {i} received {len(got)} messages, or another order"
    done = time.monotonic()
    for client in raw:
        client.transport.write(client_frame("", Opcode.CLOSE))
        client.transport.close()
    for peer in peers:
        await peer.close()
    print(f"\n{CLIENTS} clients: connected and joined in {joined_at - started:.1f} s, "
          f"{CLIENTS} x {CLIENTS} messages delivered in {delivered - joined_at:.1f} s, "
          f"checked in {done - delivered:.1f} s")


# ------------------------------------------------------------------ a slow consumer

async def _latencies(sender: Peer, receivers: list[Peer], count: int, size: int,
                     other: list | None = None) -> list[float]:
    """Send ``count`` messages one after the other; for each, the time until every receiver
    has it. Returns the latencies, in seconds; events other than messages go to ``other``
    as (receiver's index, event)."""
    latencies = []
    for i in range(count):
        text = f"{i:06d}" + "x" * (size - 6)
        t0 = time.perf_counter()
        await sender.send({"type": "say", "text": text})
        for n, peer in enumerate(receivers):
            while True:
                event = await peer.recv()
                if event["type"] == "message":
                    assert event["text"] == text  # every message, in order, none lost
                    break
                assert other is not None, event
                other.append((n, event))
        latencies.append(time.perf_counter() - t0)
    return latencies


@pytest.mark.timeout(120)
def test_a_stalled_client_is_dropped_with_1008_and_the_others_do_not_notice():
    async def main():
        # No rate limit here: the sender sends as fast as the room delivers.
        async with await chat.start(rate=1_000_000, max_buffer=64 * 1024) as server:
            alice, bob, carol = await joined(server.ws_url, "alice", "bob", "carol")
            baseline = await _latencies(alice, [alice, bob, carol], 30, 1000)

            stalled = await open_raw(server.port, rcvbuf=4096)
            stalled.transport.write(client_frame(json.dumps({"type": "join",
                                                             "name": "stalled"})))
            for peer in (alice, bob, carol):
                assert (await peer.recv())["users"] == ["alice", "bob", "carol", "stalled"]
            stalled.transport.pause_reading()  # from now on it reads nothing

            # 2000-character messages until the room gives up on it: at most 8 MB.
            during, other = [], []
            for _ in range(80):
                during += await _latencies(alice, [alice, bob, carol], 50, 2000, other)
                if server.room.dropped:
                    break
            assert server.room.dropped == 1, "the stalled client was never dropped"
            # Each of the others saw it leave the room, once, and nothing else.
            after = await _latencies(alice, [alice, bob, carol], 5, 1000, other)
            assert sorted(other, key=lambda e: e[0]) == [
                (n, {"type": "users", "users": ["alice", "bob", "carol"]}) for n in range(3)]
            after += await _latencies(alice, [alice, bob, carol], 30, 1000)

            # The stalled client reads again: everything queued for it, then the close frame.
            stalled.transport.resume_reading()
            await asyncio.wait_for(stalled.closed, 30)
            assert stalled.close_frame is not None, "no close frame: the connection was aborted"
            code, reason = stalled.close_frame
            assert code == 1008 and "too slow" in reason
            got = [e for e in stalled.events() if e["type"] == "message"]
            assert [e["id"] for e in got] == list(range(got[0]["id"], got[0]["id"] + len(got)))

            # The others did not notice: a generous bound against the baseline.
            base = statistics.median(baseline)
            print(f"\nlatency medians: before {base * 1e3:.2f} ms, while stalled "
                  f"{statistics.median(during) * 1e3:.2f} ms over {len(during)} messages, "
                  f"after {statistics.median(after) * 1e3:.2f} ms")
            assert statistics.median(during) < 20 * base + 0.05
            assert statistics.median(after) < 20 * base + 0.05
            for peer in (alice, bob, carol):
                await peer.close()

    asyncio.run(asyncio.wait_for(main(), 100))
