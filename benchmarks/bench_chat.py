"""Chat room fan-out: ``wslib.apps.chat`` against the same room written on websockets.

One room, N clients in it (100, then 1,000); one of them says M short things at once, and the
clock runs until every client has received every message. Reported: messages delivered per
second (N x M / elapsed) and the server process's CPU time per delivered message, medians of
REPEATS rounds that alternate between the two servers, and wslib / websockets ratios (above 1:
wslib is faster).

The websockets room speaks the same protocol (join, welcome, users, say, message) and sends
each message with ``websockets.broadcast()``, which encodes it once and writes it to every
connection without waiting (it skips a connection whose buffer is full). wslib's room sends
with ``WebSocket.send_nowait()`` per client and checks each client's ``buffered_amount`` (it
drops one that is too far behind). Both coalesce user-list changes within one loop turn, so
1,000 joins do not cost a million lists. wslib's rate limit is switched off here (one client
sends far more than 20 messages in 10 s); its other checks (names, text length, JSON shape)
stay on, so it does a little more work per message than the websockets room.

Each server runs in its own process (``python bench_chat.py --serve wslib|websockets``); the
clients are raw asyncio protocols in this process, parsing frames with one FrameReader each,
the same for both servers.

Run: ``python -m benchmarks chat`` (one to two minutes), or ``python benchmarks/bench_chat.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = ((100, 500), (1000, 100))  # (clients, messages per round)
REPEATS = 5
SERVERS = ("wslib", "websockets")
KEY = "dGhlIHNhbXBsZSBub25jZQ=="
MASK = b"\x37\xfa\x21\x3d"


# ------------------------------------------------------------------------------- servers

def _websockets_room():
    """The same room on websockets: its serve() and broadcast()."""
    from datetime import datetime, timezone

    from websockets.asyncio.server import broadcast, serve
    from websockets.exceptions import ConnectionClosed

    members: dict = {}  # connection -> name
    state = {"next_id": 1, "users_due": False}

    def dumps(event):
        return json.dumps(event, ensure_ascii=False, separators=(",", ":"))

    def users():
        return sorted(members.values(), key=str.casefold)

    def send_users():
        if state["users_due"]:
            state["users_due"] = False
            broadcast(list(members), dumps({"type": "users", "users": users()}))

    def users_changed():
        if not state["users_due"]:
            state["users_due"] = True
            asyncio.get_running_loop().call_soon(send_users)

    async def handler(ws):
        try:
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "join" and ws not in members:
                    members[ws] = message["name"].strip()
                    await ws.send(dumps({"type": "welcome", "name": members[ws],
                                         "users": users()}))
                    users_changed()
                elif message["type"] == "say" and ws in members:
                    send_users()
                    ts = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
                    broadcast(list(members), dumps({
                        "type": "message", "id": state["next_id"], "from": members[ws],
                        "text": message["text"], "ts": ts.replace("+00:00", "Z")}))
                    state["next_id"] += 1
        except ConnectionClosed:
            pass  # the benchmark's clients just hang up at the end
        finally:
            if members.pop(ws, None) is not None:
                users_changed()

    # No keepalive pings: the raw clients do not answer them (wslib sends none by default).
    return serve(handler, "127.0.0.1", 0, compression=None, max_size=32 * 1024,
                 ping_interval=None)


async def _serve(kind: str) -> None:
    """Run one chat server until stdin closes; print its port first."""
    if kind == "wslib":
        from wslib.apps import chat

        room = await chat.start("127.0.0.1", 0, rate=10**9)
        port, stop = room.port, room.close
    else:
        server = await _websockets_room()
        port = server.sockets[0].getsockname()[1]

        async def stop():
            server.close()
            await server.wait_closed()
    print(port, flush=True)
    await asyncio.to_thread(sys.stdin.read)
    await stop()


class ServerProcess:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", kind], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError(f"the {kind} chat server did not start")
        self.port = int(line)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far; NaN off Linux."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ------------------------------------------------------------------------------- clients

def client_frame(text: str) -> bytes:
    from wslib import Frame, Opcode, encode_frame

    return encode_frame(Frame(Opcode.TEXT, text.encode(), mask=MASK))


class Client(asyncio.Protocol):
    """Handshake, then count the server's "message" frames."""

    def __init__(self) -> None:
        from wslib import FrameReader

        self.upgraded = asyncio.get_running_loop().create_future()
        self.head = b""
        self.reader = FrameReader(expect_mask=False)
        self.messages = 0
        self.target = 0
        self.done: asyncio.Future | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if not self.upgraded.done():
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.head.startswith(b"HTTP/1.1 101"):
                self.upgraded.set_exception(RuntimeError(self.head[:120]))
                return
            self.upgraded.set_result(None)
            data = self.head[end + 4:]
        for frame in self.reader.feed(data):
            if frame.payload.startswith(b'{"type":"message"'):
                self.messages += 1
        if self.done is not None and self.messages >= self.target and not self.done.done():
            self.done.set_result(None)

    def expect(self, count: int) -> asyncio.Future:
        self.target = self.messages + count
        self.done = asyncio.get_running_loop().create_future()
        return self.done

    def connection_lost(self, exc: Exception | None) -> None:
        for future in (self.upgraded, self.done):
            if future is not None and not future.done():
                future.set_exception(ConnectionError("connection lost"))


async def open_clients(port: int, count: int) -> list[Client]:
    loop = asyncio.get_running_loop()
    clients: list[Client] = []

    async def one(i: int) -> Client:
        _, client = await loop.create_connection(Client, "127.0.0.1", port)
        client.transport.write((
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        await client.upgraded
        client.transport.write(client_frame(json.dumps({"type": "join", "name": f"u{i}"})))
        return client

    for start in range(0, count, 100):
        clients += await asyncio.gather(*(one(i) for i in range(start, min(count, start + 100))))
    await asyncio.sleep(0.5)  # let the joins and user lists settle
    return clients


async def fan_out(clients: list[Client], messages: int) -> float:
    """One client says ``messages`` things at once; seconds until everyone has them all."""
    waits = [c.expect(messages) for c in clients]
    burst = b"".join(client_frame(json.dumps({"type": "say", "text": f"message {i:05d}"}))
                     for i in range(messages))
    start = time.perf_counter()
    clients[0].transport.write(burst)
    try:
        await asyncio.wait_for(asyncio.gather(*waits), 60)
    except TimeoutError:
        short = [c.target - c.messages for c in clients if c.messages < c.target]
        raise RuntimeError(f"{len(short)} of {len(clients)} clients still miss messages "
                           f"(up to {max(short)} each) after 60 s") from None
    return time.perf_counter() - start


async def measure(clients_count: int, messages: int) -> dict:
    servers = {kind: ServerProcess(kind) for kind in SERVERS}
    try:
        clients = {kind: await open_clients(s.port, clients_count) for kind, s in servers.items()}
        rates: dict[str, list[float]] = {k: [] for k in SERVERS}
        cpu: dict[str, list[float]] = {k: [] for k in SERVERS}
        for kind in SERVERS:  # warm-up round, not counted
            try:
                await fan_out(clients[kind], messages)
            except RuntimeError as exc:
                raise RuntimeError(f"{kind}: {exc}") from None
        for _ in range(REPEATS):
            for kind in SERVERS:
                before = servers[kind].cpu_seconds()
                try:
                    elapsed = await fan_out(clients[kind], messages)
                except RuntimeError as exc:
                    raise RuntimeError(f"{kind}: {exc}") from None
                used = servers[kind].cpu_seconds() - before
                deliveries = clients_count * messages
                rates[kind].append(deliveries / elapsed)
                cpu[kind].append(used / deliveries * 1e6)
        for group in clients.values():
            for client in group:
                client.transport.close()
        return {k: (statistics.median(rates[k]), statistics.median(cpu[k])) for k in SERVERS}
    finally:
        for server in servers.values():
            server.stop()


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4 * max(n for n, _ in SIZES) + 100
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    print("chat room fan-out, medians of %d rounds (each server in its own process; one "
          "client says M things at once, N clients receive them). ratio > 1: wslib is faster"
          % REPEATS)
    rows = []
    for clients, messages in SIZES:
        result = asyncio.run(measure(clients, messages))
        (w_rate, w_cpu), (s_rate, s_cpu) = result["wslib"], result["websockets"]
        rows.append((f"{clients} clients x {messages} msgs: delivered msgs/s",
                     f"{w_rate:,.0f}", f"{s_rate:,.0f}", f"{w_rate / s_rate:.2f}"))
        rows.append((f"{clients} clients: server CPU us per delivery",
                     f"{w_cpu:.2f}", f"{s_cpu:.2f}", f"{s_cpu / w_cpu:.2f}"))
    print(f"{'':<46}{'wslib':>10}{'websockets':>12}{'ratio':>8}")
    for label, a, b, ratio in rows:
        print(f"{label:<46}{a:>10}{b:>12}{ratio:>8}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        asyncio.run(_serve(sys.argv[2]))
    else:
        main()
