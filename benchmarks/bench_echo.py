"""Echo server speed: wslib against websockets, with a plain TCP echo server as the floor.

Two measures, each on every server, in one run:

* round trips per second: one connection, send a 32-byte text message, wait for the echo,
  3000 times in a row. Latency-bound: it counts the per-message work on the server's path.
* pipelined messages per second: 50 connections each send 200 messages of 1 KiB without
  waiting, then read all 200 echoes. Throughput-bound: many frames per read, many writes per
  drain.

Two floors, plain asyncio TCP echo servers (no handshake, no frames, no masking):

* ``floor``: a Protocol whose ``data_received`` writes the bytes back. Nothing can be faster on
  the same event loop, but it answers inside the read callback, which no server with a handler
  coroutine can do.
* ``streams``: the echo server of asyncio's documentation, ``asyncio.start_server`` with a
  handler that loops on ``await reader.read()`` and ``writer.write()``. A read wakes the handler
  task, one more turn of the event loop per message, exactly as it wakes a WebSocket handler
  (``async for message in ws``). This is the floor for a server with that API: "within 15% of
  the floor" is measured against it, and both ratios are printed.
The load client measures its own CPU time during the pipelined run and prints it: a client
that used its whole core would be measuring itself, not the server.

Each server runs in its own process (``python bench_echo.py --serve wslib|websockets``), so the
load client does not take the server's CPU. The load client is deliberately thin: a raw asyncio
protocol that writes pre-masked frames and counts the bytes of the echoes (they have a known
size), so that its own cost is small and identical for both servers. websockets runs with
``compression=None``, as wslib has no compression. Reported: medians over REPEATS runs and
wslib / websockets ratios (above 1.0: wslib is faster).

Run: ``python -m benchmarks`` (every benchmark), or ``python benchmarks/bench_echo.py``.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ROUND_TRIPS = 3000
PIPE_CONNECTIONS = 50
PIPE_MESSAGES = 200
PAYLOAD = b"0123456789abcdef" * 2  # 32 bytes, the round-trip message
PIPE_PAYLOAD = bytes(range(32, 96)) * 16  # 1 KiB of ASCII text, the pipelined message
REPEATS = 7
SERVERS = ("floor", "streams", "wslib", "websockets")
RAW_TCP = ("floor", "streams")  # no WebSocket: every byte sent comes back

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455's sample key: the handshake is not what we measure
MASK = b"\x37\xfa\x21\x3d"


def masked_text_frame(payload: bytes) -> bytes:
    """A client text frame (FIN, opcode 1, masked), built once and sent many times."""
    assert len(payload) < 65536
    masked = bytes(b ^ MASK[i % 4] for i, b in enumerate(payload))
    if len(payload) < 126:
        return bytes((0x81, 0x80 | len(payload))) + MASK + masked
    return bytes((0x81, 0x80 | 126)) + len(payload).to_bytes(2, "big") + MASK + masked


def echo_size(kind: str, frame: bytes, payload: bytes) -> int:
    """Bytes that come back for one frame: the frame itself from the floor, else the server's
    unmasked frame (header + payload)."""
    if kind in RAW_TCP:
        return len(frame)
    return (2 if len(payload) < 126 else 4) + len(payload)


FRAME = masked_text_frame(PAYLOAD)
PIPE_FRAME = masked_text_frame(PIPE_PAYLOAD)


# ------------------------------------------------------------------------------- servers

async def _serve(kind: str) -> None:
    """Run one echo server until stdin closes; print its port first."""
    if kind == "floor":
        class Echo(asyncio.Protocol):
            def connection_made(self, transport):
                self.write = transport.write

            def data_received(self, data):
                self.write(data)

        server = await asyncio.get_running_loop().create_server(Echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]

        async def stop():
            server.close()
            await server.wait_closed()
    elif kind == "streams":
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]

        async def stop():
            server.close()
            await server.wait_closed()
    elif kind == "wslib":
        sys.path.insert(0, str(ROOT))
        from wslib.apps.echo import echo
        from wslib.server import serve

        server = await serve(echo, "127.0.0.1", 0)
        port = server.port
        stop = server.close
    else:
        import logging

        from websockets.asyncio.server import serve as ws_serve

        # bench_memory drops its connections without a closing handshake, on purpose; websockets
        # would log a traceback for each of them.
        logging.getLogger("websockets").setLevel(logging.CRITICAL)

        async def echo(ws):
            async for message in ws:
                await ws.send(message)

        server = await ws_serve(echo, "127.0.0.1", 0, compression=None)
        port = server.sockets[0].getsockname()[1]

        async def stop():
            server.close()
            await server.wait_closed()
    print(port, flush=True)
    await asyncio.to_thread(sys.stdin.read)  # the benchmark closes our stdin when it is done
    await stop()


class ServerProcess:
    def __init__(self, kind: str, fd_limit: int = 0) -> None:
        extra = [str(fd_limit)] if fd_limit else []
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, *extra], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError(f"the {kind} echo server did not start")
        self.port = int(line)

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) the server process has used so far; None off Linux."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self) -> int:
        """The server process's resident memory (VmRSS), in KiB (Linux only)."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS in /proc")

    def stop(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ------------------------------------------------------------------------------- load client

class LoadClient(asyncio.Protocol):
    """A raw WebSocket client: writes prepared frames, counts echo bytes until a target."""

    def __init__(self, upgrade: bool = True) -> None:
        self.head = b""
        self.upgraded = asyncio.get_running_loop().create_future()
        if not upgrade:  # the TCP floor: no handshake, every byte is an echo
            self.upgraded.set_result(None)
        self.received = 0
        self.target = 0
        self.done: asyncio.Future | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if not self.upgraded.done():
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end >= 0:
                if not self.head.startswith(b"HTTP/1.1 101"):
                    self.upgraded.set_exception(RuntimeError(self.head[:80]))
                    return
                self.upgraded.set_result(None)
                data = self.head[end + 4:]
            else:
                return
        self.received += len(data)
        if self.done is not None and self.received >= self.target:
            self.done.set_result(None)

    def expect(self, nbytes: int) -> asyncio.Future:
        self.received = 0
        self.target = nbytes
        self.done = asyncio.get_running_loop().create_future()
        return self.done

    def connection_lost(self, exc: Exception | None) -> None:
        for fut in (self.upgraded, self.done):
            if fut is not None and not fut.done():
                fut.set_exception(ConnectionError("connection lost"))


async def open_client(port: int, kind: str) -> LoadClient:
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(lambda: LoadClient(kind not in RAW_TCP), "127.0.0.1",
                                             port)
    if kind in RAW_TCP:
        return client
    client.transport.write((
        f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode())
    await client.upgraded
    return client


async def close_client(client: LoadClient) -> None:
    if client.head == b"":  # the TCP floor never upgraded
        client.transport.close()
        return
    client.transport.write(b"\x88\x82" + MASK + bytes((0x03 ^ MASK[0], 0xE8 ^ MASK[1])))
    await asyncio.sleep(0)
    client.transport.close()


async def round_trips(port: int, kind: str) -> float:
    """Sequential round trips per second over one connection."""
    client = await open_client(port, kind)
    write = client.transport.write
    size = echo_size(kind, FRAME, PAYLOAD)
    start = time.perf_counter()
    for _ in range(ROUND_TRIPS):
        done = client.expect(size)
        write(FRAME)
        await done
    elapsed = time.perf_counter() - start
    await close_client(client)
    return ROUND_TRIPS / elapsed


async def pipelined(port: int, kind: str) -> tuple[float, float]:
    """Messages per second (echoed) with PIPE_CONNECTIONS connections sending at once, and the
    share of one core that this load client itself used meanwhile."""
    clients = [await open_client(port, kind) for _ in range(PIPE_CONNECTIONS)]
    burst = PIPE_FRAME * PIPE_MESSAGES
    size = echo_size(kind, PIPE_FRAME, PIPE_PAYLOAD) * PIPE_MESSAGES
    start, cpu_start = time.perf_counter(), time.process_time()
    waits = []
    for client in clients:
        waits.append(client.expect(size))
        client.transport.write(burst)
    await asyncio.gather(*waits)
    elapsed = time.perf_counter() - start
    client_cpu = (time.process_time() - cpu_start) / elapsed
    for client in clients:
        await close_client(client)
    return PIPE_CONNECTIONS * PIPE_MESSAGES / elapsed, client_cpu


# ------------------------------------------------------------------------------- main

async def _measure(server: ServerProcess, kind: str) -> dict[str, float | None]:
    """One run against one server: rates, and the server's CPU time per message."""
    await round_trips(server.port, kind)  # warm-up
    cpu0 = server.cpu_seconds()
    rt = await round_trips(server.port, kind)
    cpu1 = server.cpu_seconds()
    pipe, client_cpu = await pipelined(server.port, kind)
    cpu2 = server.cpu_seconds()
    result: dict[str, float | None] = {"rt": rt, "pipe": pipe, "rt_cpu": None, "pipe_cpu": None,
                                       "client_cpu": client_cpu}
    if cpu0 is not None:
        result["rt_cpu"] = (cpu1 - cpu0) / ROUND_TRIPS * 1e6
        result["pipe_cpu"] = (cpu2 - cpu1) / (PIPE_CONNECTIONS * PIPE_MESSAGES) * 1e6
    return result


def main() -> dict[str, float]:
    """Run the comparison, print a table, return the medians and ratios."""
    runs: dict[str, list[dict]] = {kind: [] for kind in SERVERS}
    servers = {kind: ServerProcess(kind) for kind in SERVERS}
    try:
        for _ in range(REPEATS):
            for kind in SERVERS:  # alternate, so that drift in machine load hits both
                runs[kind].append(asyncio.run(asyncio.wait_for(_measure(servers[kind], kind), 60)))
    finally:
        for server in servers.values():
            server.stop()

    def med(kind: str, key: str) -> float:
        values = [r[key] for r in runs[kind] if r[key] is not None]
        return statistics.median(values) if values else float("nan")

    w, o, f, st = "wslib", "websockets", "floor", "streams"
    summary = {
        "floor_round_trips_per_s": med(f, "rt"),
        "streams_round_trips_per_s": med(st, "rt"),
        "wslib_round_trips_vs_floor": med(w, "rt") / med(f, "rt"),
        "websockets_round_trips_vs_floor": med(o, "rt") / med(f, "rt"),
        "wslib_round_trips_vs_streams": med(w, "rt") / med(st, "rt"),
        "websockets_round_trips_vs_streams": med(o, "rt") / med(st, "rt"),
        **{f"{k}_client_cpu_share": med(k, "client_cpu") for k in SERVERS},
        "wslib_round_trips_per_s": med(w, "rt"),
        "websockets_round_trips_per_s": med(o, "rt"),
        "round_trip_ratio": med(w, "rt") / med(o, "rt"),
        "wslib_pipelined_msgs_per_s": med(w, "pipe"),
        "websockets_pipelined_msgs_per_s": med(o, "pipe"),
        "pipelined_ratio": med(w, "pipe") / med(o, "pipe"),
        # Server CPU time per message: steadier than rates on a busy machine. Ratio > 1: wslib
        # needs less CPU than websockets for the same work.
        "wslib_cpu_us_per_round_trip": med(w, "rt_cpu"),
        "websockets_cpu_us_per_round_trip": med(o, "rt_cpu"),
        "round_trip_cpu_ratio": med(o, "rt_cpu") / med(w, "rt_cpu"),
        "wslib_cpu_us_per_pipelined_msg": med(w, "pipe_cpu"),
        "websockets_cpu_us_per_pipelined_msg": med(o, "pipe_cpu"),
        "pipelined_cpu_ratio": med(o, "pipe_cpu") / med(w, "pipe_cpu"),
    }
    print(f"echo server, medians of {REPEATS} runs (same raw load client, each server in its own "
          "process; websockets with compression=None). ratio > 1: wslib is faster; "
          "wslib/floor, wslib/streams: the share of each plain TCP echo's speed that wslib "
          "keeps")
    print(f"{'':44}{'floor':>11}{'streams':>11}{'wslib':>10}{'websockets':>12}{'ratio':>8}"
          f"{'wslib/floor':>13}{'wslib/streams':>15}")
    rows = [
        (f"round trips/s (1 conn, {len(PAYLOAD)} B)", "rt", False, ",.0f"),
        (f"pipelined msgs/s ({PIPE_CONNECTIONS} conns x {PIPE_MESSAGES} x 1 KiB)", "pipe", False,
         ",.0f"),
        ("server CPU us per round trip", "rt_cpu", True, ".1f"),
        ("server CPU us per pipelined msg", "pipe_cpu", True, ".2f"),
    ]
    for label, key, lower_is_better, fmt in rows:
        a, b, c, d = med(w, key), med(o, key), med(f, key), med(st, key)
        ratio = b / a if lower_is_better else a / b
        floor = c / a if lower_is_better else a / c
        streams = d / a if lower_is_better else a / d
        print(f"{label:44}{c:11{fmt}}{d:11{fmt}}{a:10{fmt}}{b:12{fmt}}{ratio:8.2f}{floor:13.2f}"
              f"{streams:15.2f}")
    shares = ", ".join(f"{k} {summary[f'{k}_client_cpu_share']:.0%}" for k in SERVERS)
    print(f"load client's use of its own core during the pipelined runs (median): {shares}. "
          "Below 100%, the server is what limits the rate; at 100% (the TCP floors can get "
          "there) the floor's rate is a lower bound")
    return summary


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--serve":
        if len(sys.argv) == 4:  # bench_memory opens many connections: raise the fd limit
            import resource
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            want = int(sys.argv[3]) if hard == resource.RLIM_INFINITY else min(int(sys.argv[3]), hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
        asyncio.run(_serve(sys.argv[2]))
    else:
        main()
