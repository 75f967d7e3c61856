"""Memory per connection: wslib against websockets, each echo server in its own process.

Two numbers per server, read from the server process's resident set size (``VmRSS`` in
``/proc/PID/status``, Linux only):

* idle: open CONNECTIONS WebSocket connections (handshake done, nothing in flight) and divide
  the growth of the server's memory by CONNECTIONS;
* 64 KiB in flight: on each of those connections, send a 64 KiB text frame except its last
  byte, so that every server holds an unfinished message, and divide the further growth by
  CONNECTIONS. What a server keeps for a message it cannot deliver yet (the received bytes,
  any copies, the reader's state) is what this measures.

The load client is the raw client of ``bench_echo.py`` (pre-masked frames, no library), so the
client's own memory is not counted. Run: ``python -m benchmarks memory``.
"""

from __future__ import annotations

import asyncio
import resource
import statistics

from .bench_echo import MASK, ServerProcess, open_client

CONNECTIONS = 1000
PAYLOAD = bytes(range(32, 96)) * 1024  # 64 KiB of ASCII text
SERVERS = ("wslib", "websockets")
REPEATS = 3


def raise_fd_limit(needed: int) -> None:
    """Let this process open ``needed`` sockets (the soft limit is often 1024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def big_frame_all_but_last_byte() -> bytes:
    """A masked 64 KiB client text frame with a 64-bit length field, minus its last byte."""
    body = bytes(b ^ MASK[i % 4] for i, b in enumerate(PAYLOAD))
    header = bytes((0x81, 0x80 | 127)) + len(PAYLOAD).to_bytes(8, "big") + MASK
    return header + body[:-1]


async def _measure(server: ServerProcess) -> tuple[float, float]:
    before = server.rss_kib()
    clients = []
    for _ in range(CONNECTIONS):
        clients.append(await open_client(server.port, "ws"))
    await asyncio.sleep(0.5)  # let the server finish its side of every handshake
    idle = server.rss_kib()
    partial = big_frame_all_but_last_byte()
    for client in clients:
        client.transport.write(partial)
    for _ in range(50):  # until the server has read what was sent (its memory stops growing)
        await asyncio.sleep(0.1)
        if all(c.transport.get_write_buffer_size() == 0 for c in clients):
            break
    await asyncio.sleep(0.5)
    loaded = server.rss_kib()
    for client in clients:
        client.transport.close()
    await asyncio.sleep(0.5)
    return (idle - before) / CONNECTIONS, (loaded - idle) / CONNECTIONS


def main() -> dict[str, float]:
    raise_fd_limit(CONNECTIONS + 100)
    results: dict[str, list[tuple[float, float]]] = {kind: [] for kind in SERVERS}
    for _ in range(REPEATS):
        for kind in SERVERS:  # a new server process each time: memory is not given back
            server = ServerProcess(kind, fd_limit=CONNECTIONS + 100)
            try:
                results[kind].append(asyncio.run(asyncio.wait_for(_measure(server), 120)))
            finally:
                server.stop()
    med = {kind: (statistics.median(r[0] for r in results[kind]),
                  statistics.median(r[1] for r in results[kind])) for kind in SERVERS}
    print(f"server memory per connection (VmRSS growth / {CONNECTIONS} connections, median of "
          f"{REPEATS} fresh server processes). ratio > 1: wslib uses less")
    print(f"{'':36}{'wslib':>10}{'websockets':>12}{'ratio':>8}")
    rows = [("idle connection (KiB)", 0), ("+ a 64 KiB message in flight (KiB)", 1)]
    summary = {}
    for label, i in rows:
        a, b = med["wslib"][i], med["websockets"][i]
        print(f"{label:36}{a:10.1f}{b:12.1f}{b / a:8.2f}")
        summary[f"wslib_{i}"], summary[f"websockets_{i}"] = a, b
    return summary


if __name__ == "__main__":
    main()
