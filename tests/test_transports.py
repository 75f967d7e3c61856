"""wslib.apps.transports, lesson 01's experiment: every client gets every event, in order; the
byte counts are exactly the bytes each side writes (computed here from wslib's own builders);
the servers close cleanly, also in the middle of a long poll, a stream or a WebSocket.

Every server listens on 127.0.0.1, port 0; every run is small (a few events, 10 ms apart) and
bounded by a timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from wslib.apps import transports as t
from wslib.errors import UsageError
from wslib.handshake import build_request, build_response
from wslib.sse import encode_event, parse_events

pytestmark = pytest.mark.timeout(60)

N = 5
INTERVAL = 0.01


def run(coro, timeout: float = 10):
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture(autouse=True)
def no_errors_logged(caplog):
    """The servers must not log a failure (a handler crash, an unexpected exception)."""
    caplog.set_level(logging.WARNING, logger="wslib")
    yield
    bad = [r for r in caplog.records if r.name.startswith("wslib") and r.levelno >= logging.WARNING]
    assert not bad, [r.getMessage() for r in bad]


def text_head(length: int, *, close: bool = False) -> bytes:
    """The head wslib's server sends for a str answer of ``length`` bytes."""
    extra = b"Connection: close\r\n" if close else b""
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Content-Length: %d\r\n%s\r\n" % (length, extra))


LINE = t.EVENT_SIZE + 1  # one event per line in a polling answer


# ------------------------------------------------------------------ the events


def test_event_text_has_a_fixed_width_and_parses_back():
    assert t.event_text(7, 12.5) == "event 0007 t=0000000012.500000"
    assert t.EVENT_SIZE == 30
    for seq, created in [(1, 0.0), (20, 123456.789012), (9999, 9_999_999_999.0)]:
        text = t.event_text(seq, created)
        assert len(text) == t.EVENT_SIZE
        assert t.parse_event_text(text) == (seq, pytest.approx(created, abs=1e-6))
    with pytest.raises(ValueError):
        t.parse_event_text("hello")


def test_producer_spaces_events_and_stops_at_n():
    async def main():
        producer = t.Producer(4, 0.02)
        assert not producer.started and producer.after(0) == []
        t0 = time.monotonic()
        got = []
        while len(got) < 4:
            got += await producer.wait_after(got[-1].seq if got else 0)
        assert [e.seq for e in got] == [1, 2, 3, 4]
        for e in got:  # event k is made no earlier than k * interval after the start
            assert e.created - t0 >= e.seq * 0.02 - 0.005
        assert await producer.wait_after(4) == []  # nothing will come after the last: no wait
        assert producer.after(2) == got[2:]
        await producer.close()

    run(main())


def test_producer_refuses_negative_settings():
    with pytest.raises(UsageError):
        t.Producer(-1, 0.1)


def test_http_get_bytes():
    assert t.http_get("/poll?after=3", "127.0.0.1:8765") == (
        b"GET /poll?after=3 HTTP/1.1\r\nHost: 127.0.0.1:8765\r\n\r\n")
    assert t.http_get("/x", "h", keep_alive=False, headers=[("Accept", "*/*")]) == (
        b"GET /x HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nConnection: close\r\n\r\n")


# ------------------------------------------------------------------ the four clients, exact bytes


def test_long_polling_bytes_are_exact():
    m = run(t.measure("long-polling", n=N, interval=INTERVAL))
    host = f"127.0.0.1:{m.port}"
    assert m.in_order and len(m.latencies) == N
    assert (m.requests, m.connections, m.empty_responses) == (N, 1, 0)
    assert m.sent == sum(len(t.http_get(f"/next?after={k}", host)) for k in range(N))
    assert m.received == N * (len(text_head(LINE)) + LINE)


def test_long_polling_without_keep_alive_opens_a_connection_per_request():
    m = run(t.measure("long-polling", n=N, interval=INTERVAL, keep_alive=False))
    host = f"127.0.0.1:{m.port}"
    assert m.in_order
    assert (m.requests, m.connections) == (N, N)
    assert m.sent == sum(len(t.http_get(f"/next?after={k}", host, keep_alive=False))
                         for k in range(N))
    assert m.received == N * (len(text_head(LINE, close=True)) + LINE)


def test_browser_headers_are_paid_on_every_long_poll_but_once_on_a_websocket():
    extra = sum(len(f"{name}: {value}\r\n") for name, value in t.BROWSER_HEADERS)
    plain = run(t.measure("long-polling", n=N, interval=INTERVAL))
    heavy = run(t.measure("long-polling", n=N, interval=INTERVAL, headers=t.BROWSER_HEADERS))
    assert heavy.in_order and heavy.sent - plain.sent == N * extra
    assert heavy.received == plain.received
    ws_plain = run(t.measure("websocket", n=N, interval=INTERVAL))
    ws_heavy = run(t.measure("websocket", n=N, interval=INTERVAL, headers=t.BROWSER_HEADERS))
    assert ws_heavy.in_order and ws_heavy.sent - ws_plain.sent == extra


def test_sse_bytes_are_exact():
    m = run(t.measure("sse", n=N, interval=INTERVAL))
    host = f"127.0.0.1:{m.port}"
    assert m.in_order
    assert (m.requests, m.connections) == (1, 1)
    assert m.sent == len(t.http_get("/events", host, headers=t.SSE_REQUEST_HEADERS))
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            b"Connection: close\r\n\r\n")
    events = sum(len(encode_event(data="x" * t.EVENT_SIZE, id=str(k))) for k in range(1, N + 1))
    assert m.received == len(head) + events


def test_websocket_bytes_are_exact():
    m = run(t.measure("websocket", n=N, interval=INTERVAL))
    host = f"127.0.0.1:{m.port}"
    assert m.in_order
    assert (m.requests, m.connections) == (1, 1)
    # The upgrade request, then the echo of the server's close frame: 2 + 4 (mask) + 2 (code).
    assert m.sent == len(build_request(host, "/ws", key=t.WS_KEY).to_bytes()) + 8
    # The 101, one unmasked frame per event (2-byte header), the close frame (2 + code 1000).
    assert m.received == len(build_response(t.WS_KEY).to_bytes()) + N * (2 + t.EVENT_SIZE) + 4


def test_short_polling_with_a_slow_timer_is_exact():
    # The first poll starts the producer and finds nothing; the next one, 0.3 s later, finds
    # all three events (made 10, 20 and 30 ms after the first poll).
    m = run(t.measure("polling", n=3, interval=INTERVAL, poll_interval=0.3))
    host = f"127.0.0.1:{m.port}"
    assert m.in_order
    assert (m.requests, m.connections, m.empty_responses) == (2, 1, 1)
    assert m.sent == 2 * len(t.http_get("/poll?after=0", host))
    assert m.received == len(text_head(0)) + len(text_head(3 * LINE)) + 3 * LINE
    assert min(m.latencies) > 0.2  # the events waited for the second poll


def test_short_polling_gets_everything_in_order():
    m = run(t.measure("polling", n=8, interval=INTERVAL, poll_interval=0.025))
    assert m.in_order and m.connections == 1
    assert 2 <= m.requests <= 12
    # Each answer: a head (78 to 80 bytes, with Content-Length 0 to 248) and 31 bytes per event.
    assert m.requests * len(text_head(0)) <= m.received - 8 * LINE <= m.requests * len(text_head(999))


def test_short_polling_without_keep_alive():
    m = run(t.measure("polling", n=4, interval=INTERVAL, poll_interval=0.02, keep_alive=False))
    assert m.in_order and m.connections == m.requests


def test_measure_refuses_an_unknown_approach():
    with pytest.raises(UsageError):
        run(t.measure("carrier pigeon"))


def test_summary_table_lists_each_run():
    m = run(t.measure("websocket", n=2, interval=INTERVAL))
    table = t.summary_table([m])
    assert "WebSocket" in table and "client → server" in table
    assert f"{m.sent:>11}" in table
    assert "custom label" in t.summary_table({"custom label": m})


# ------------------------------------------------------------------ the server's routes


async def raw_exchange(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    return data


def test_sse_resumes_after_last_event_id_and_stops_with_204():
    async def main():
        server = await t.start_server(N, INTERVAL)
        try:
            host = f"127.0.0.1:{server.port}"
            data = await raw_exchange(server.port, t.http_get(
                "/events", host, headers=[("Last-Event-ID", "3")]))
            head, _, body = data.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200 OK")
            assert [e.id for e in parse_events(body)] == [str(k) for k in range(4, N + 1)]
            data = await raw_exchange(server.port, t.http_get(
                "/events", host, keep_alive=False, headers=[("Last-Event-ID", str(N))]))
            assert data.startswith(b"HTTP/1.1 204 No Content\r\n")
        finally:
            await server.close()

    run(main())


def test_a_bad_after_is_a_400():
    async def main():
        server = await t.start_server(N, INTERVAL)
        try:
            for path in ("/poll?after=x", "/next?after=-1"):
                data = await raw_exchange(server.port, t.http_get(
                    path, f"127.0.0.1:{server.port}", keep_alive=False))
                assert data.startswith(b"HTTP/1.1 400 Bad Request"), data
            assert not server.producer.started
        finally:
            await server.close()

    run(main())


def test_a_long_poll_held_too_long_gets_an_empty_answer_and_the_client_asks_again():
    async def main():
        server = await t.start_server(1, 0.25, hold=0.05)
        try:
            m = await t.long_polling_client(server.host, server.port, n=1)
        finally:
            await server.close()
        assert m.in_order
        assert m.empty_responses >= 2 and m.requests == m.empty_responses + 1

    run(main())


# ------------------------------------------------------------------ closing


@pytest.mark.parametrize("approach", t.APPROACHES)
def test_after_a_run_the_server_has_no_connection_left_and_closes_at_once(approach):
    async def main():
        server = await t.start_server(N, INTERVAL)
        m = await t.CLIENTS[approach](server.host, server.port, n=N)
        assert m.in_order
        for _ in range(100):  # the server notices the client's FIN within a few loop turns
            if not server.server._tasks:
                break
            await asyncio.sleep(0.01)
        assert not server.server._tasks and not server.server.connections
        t0 = time.monotonic()
        await server.close()
        assert time.monotonic() - t0 < 1.0
        assert server.producer._task.done()

    run(main())


@pytest.mark.parametrize("approach", ["long-polling", "sse", "websocket"])
def test_closing_the_server_in_the_middle_ends_the_client(approach):
    async def main():
        server = await t.start_server(N, 0.5)  # events far apart: the client is waiting
        client = asyncio.ensure_future(t.CLIENTS[approach](server.host, server.port, n=N))
        await asyncio.sleep(0.1)
        t0 = time.monotonic()
        await server.close()
        assert time.monotonic() - t0 < 2.0
        try:
            m = await asyncio.wait_for(client, 2)
        except ConnectionError:
            return  # long polling: the server hung up on a pending request
        assert not m.in_order and m.seqs == []

    run(main())


# ------------------------------------------------------------------ the buffering proxy


async def via_proxy(approach: str, n: int = N, interval: float = INTERVAL):
    server = await t.start_server(n, interval)
    proxy = await t.BufferingProxy(server.host, server.port).start()
    try:
        return await t.CLIENTS[approach](proxy.host, proxy.port, n=n)
    finally:
        await proxy.close()
        await server.close()


def test_the_proxy_holds_an_event_stream_until_it_ends():
    direct = run(t.measure("sse", n=N, interval=0.03))
    proxied = run(via_proxy("sse", interval=0.03))
    assert proxied.in_order
    assert (proxied.sent, proxied.received) == (direct.sent, direct.received)
    assert direct.arrival_spread > 0.05  # events arrive as they are made...
    assert proxied.arrival_spread == 0  # ...but through the proxy, all at once, at the end
    assert proxied.latencies[0] >= (N - 1) * 0.03 * 0.9


def test_the_proxy_passes_complete_responses_at_once():
    proxied = run(via_proxy("long-polling", interval=0.03))
    direct = run(t.measure("long-polling", n=N, interval=0.03))
    assert proxied.in_order
    assert (proxied.sent, proxied.received, proxied.requests) == (
        direct.sent, direct.received, direct.requests)
    assert proxied.arrival_spread > 0.05
    assert max(proxied.latencies) < 0.1


def test_the_proxy_flushes_when_its_buffer_is_full():
    async def main():
        server = await t.start_server(N, INTERVAL)
        proxy = await t.BufferingProxy(server.host, server.port, buffer_size=100).start()
        try:
            m = await t.sse_client(proxy.host, proxy.port, n=N)
        finally:
            await proxy.close()
            await server.close()
        assert m.in_order and m.arrival_spread > 0  # 100 bytes: the head, then every few events

    run(main())


def test_closing_the_proxy_in_the_middle_ends_the_client():
    async def main():
        server = await t.start_server(N, 0.5)
        proxy = await t.BufferingProxy(server.host, server.port).start()
        client = asyncio.ensure_future(t.sse_client(proxy.host, proxy.port, n=N))
        await asyncio.sleep(0.1)
        await proxy.close()
        try:
            m = await asyncio.wait_for(client, 2)
            assert m.seqs == []
        except ConnectionError:
            pass  # the proxy hung up before the response head
        await server.close()

    run(main())
