"""Load, graceful shutdown under load, and failing handlers: wslib.serve with many clients.

Bounded in count (1,000 connections, at most a few thousand messages) and in time (each test
stops by itself well inside its timeout). Counts and invariants only, never speed: the machine
running the tests may be slow and shared. Everything on 127.0.0.1, port 0.
"""

from __future__ import annotations

import asyncio
import resource

import pytest

import wslib
from wslib.errors import ConnectionClosed

pytestmark = pytest.mark.timeout(180)

CLIENTS = 1000


def run(coro, timeout: float):
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture
def enough_file_descriptors():
    """Each connection takes two descriptors here (both ends live in this process)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * CLIENTS + 200
    if hard != resource.RLIM_INFINITY and hard < need:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {need}")
    if soft != resource.RLIM_INFINITY and soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def echo(ws) -> None:
    async for message in ws:
        await ws.send(message)


async def connect_all(url: str, n: int, **options) -> list:
    """Open ``n`` connections, at most 100 handshakes at a time (the listen backlog)."""
    gate = asyncio.Semaphore(100)

    async def one(i: int):
        async with gate:
            return await wslib.connect(url, **options)

    return await asyncio.gather(*(one(i) for i in range(n)))


def test_1000_concurrent_connections_echo_everything(enough_file_descriptors):
    async def main():
        async with wslib.serve(echo, close_timeout=10) as server:
            clients = await connect_all(server.url, CLIENTS, open_timeout=60)
            assert len(server.connections) == CLIENTS  # all open at the same time

            async def talk(i: int, ws) -> list:
                sent = [f"{i}:{k}" for k in range(3)] + [bytes([i % 256]) * 100]
                for message in sent:
                    await ws.send(message)
                got = [await ws.recv() for _ in sent]
                assert got == sent
                return got

            results = await asyncio.gather(*(talk(i, ws) for i, ws in enumerate(clients)))
            assert sum(map(len, results)) == 4 * CLIENTS  # nothing lost
            await asyncio.gather(*(ws.close() for ws in clients))
            assert {ws.close_code for ws in clients} == {1000}
            for _ in range(200):  # the server side goes away too (no leak)
                if not server.connections:
                    break
                await asyncio.sleep(0.05)
            assert not server.connections
    run(main(), 150)


def test_graceful_shutdown_under_load_loses_nothing_acknowledged():
    """server.close() while 200 clients send: each gets 1001, and every echo the server sent
    (its acknowledgement: the handler's send() returned) reaches its client before the close."""
    n, per_client = 200, 40
    acked: dict[int, list] = {}

    async def recording_echo(ws) -> None:
        mine = acked.setdefault(int(ws.path.strip("/")), [])
        async for message in ws:
            await ws.send(message)
            mine.append(message)

    async def main():
        server = await wslib.serve(recording_echo, close_timeout=10)
        clients = []
        for i in range(n):
            clients.append(await wslib.connect(f"{server.url}{i}", open_timeout=30))
        received = {i: [] for i in range(n)}
        started = asyncio.Event()

        async def sender(i, ws):
            try:
                for k in range(per_client):
                    await ws.send(f"{i}:{k}")
                    if k == 5:
                        started.set()
                    await asyncio.sleep(0.005)
            except ConnectionClosed:
                pass

        async def reader(i, ws):
            try:
                async for message in ws:
                    received[i].append(message)
            except ConnectionClosed:
                pass

        tasks = [asyncio.ensure_future(f(i, ws)) for i, ws in enumerate(clients)
                 for f in (sender, reader)]
        await started.wait()
        await server.close()  # mid-stream
        await asyncio.gather(*tasks)
        for ws in clients:
            await ws.close()
        assert {ws.close_code for ws in clients} == {1001}
        assert {ws.close_reason for ws in clients} == {"server shutting down"}
        total = 0
        for i in range(n):
            sent = [f"{i}:{k}" for k in range(per_client)]
            # what the server acknowledged arrived, in order, and it is what the client sent
            assert received[i][:len(acked.get(i, []))] == acked.get(i, []), i
            assert received[i] == sent[:len(received[i])], i
            total += len(received[i])
        assert total > 0
    run(main(), 150)


def test_raising_handlers_get_1011_while_the_others_are_served():
    async def sometimes_broken(ws) -> None:
        async for message in ws:
            if message == "boom":
                raise RuntimeError("a bug in the application")
            await ws.send(message)

    async def main():
        async with wslib.serve(sometimes_broken) as server:
            clients = await connect_all(server.url, 200, open_timeout=30)
            broken, fine = clients[::10], [ws for i, ws in enumerate(clients) if i % 10]

            async def breaks(ws):
                await ws.send("boom")
                with pytest.raises(ConnectionClosed) as info:
                    await ws.recv()
                return info.value.code

            async def keeps_talking(ws):
                got = []
                for k in range(5):
                    await ws.send(f"m{k}")
                    got.append(await ws.recv())
                    await asyncio.sleep(0)
                await ws.close()
                return got

            codes, talks = await asyncio.gather(asyncio.gather(*map(breaks, broken)),
                                                asyncio.gather(*map(keeps_talking, fine)))
            assert set(codes) == {1011} and len(codes) == 20
            assert all(got == [f"m{k}" for k in range(5)] for got in talks)
            assert {ws.close_reason for ws in broken} == {"internal error"}
            async with wslib.connect(server.url) as ws:  # and the server still takes new ones
                await ws.send("after")
                assert await ws.recv() == "after"
    run(main(), 100)
