"""Lesson 01's experiment: four ways to deliver the same server events, measured byte by byte.

The same :class:`Producer` makes ``n`` events on the server, one every ``interval`` seconds.
Four routes of one wslib server deliver them to a client, each in its own way:

``polling``        ``GET /poll?after=K`` on a timer; the answer holds every event newer
                   than K, or nothing.
``long-polling``   ``GET /next?after=K``; the server holds the request until event K+1
                   exists and answers with it; the client asks again at once.
``sse``            ``GET /events``: one endless ``text/event-stream`` response; each event
                   is written into it as it happens (the BufferingProxy shows what a
                   buffering proxy does to that).
``websocket``      ``GET /ws`` with ``Upgrade: websocket``: one opening handshake, then one
                   text frame per event.

The clients are deliberately raw: ``asyncio.open_connection`` and bytes written by hand or by
wslib's sans-I/O pieces (:mod:`wslib.http`, :mod:`wslib.handshake`,
:class:`wslib.connection.Connection`, :class:`wslib.sse.EventStreamParser`). Every byte each
client writes and reads goes through a :class:`CountedStream`, so the totals in a
:class:`Measurement` are exactly the application bytes on the wire in each direction (TCP and
IP headers are not included). Keys, masks and headers are fixed, and each event's text has a
fixed width, so the byte counts are the same on every run; only the timings vary.

::

    result = await measure("websocket", n=20)
    result.received_per_event, result.median_latency
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Iterable, NamedTuple
from urllib.parse import parse_qs

from ..connection import Closed, Connection, TextMessage
from ..errors import SSEError, UsageError
from ..handshake import build_request, check_response, generate_key
from ..http import (HeadReader, Headers, Request, Response, digits_or_none, parse_digits,
                    parse_response, response_from_head)
from ..server import Router, Server, StreamResponse, serve, text_response
from ..sse import EventStreamParser, encode_event
from ..websocket import WebSocket

__all__ = [
    "APPROACHES",
    "LABELS",
    "N_EVENTS",
    "INTERVAL",
    "POLL_INTERVAL",
    "LONG_POLL_HOLD",
    "EVENT_SIZE",
    "WS_KEY",
    "WS_MASK",
    "BROWSER_HEADERS",
    "ServerEvent",
    "Producer",
    "event_text",
    "parse_event_text",
    "make_router",
    "EventServer",
    "start_server",
    "CountedStream",
    "Measurement",
    "http_get",
    "read_response",
    "polling_client",
    "long_polling_client",
    "sse_client",
    "websocket_client",
    "BufferingProxy",
    "CLIENTS",
    "measure",
    "summary_table",
]

APPROACHES = ("polling", "long-polling", "sse", "websocket")
LABELS = {"polling": "short polling", "long-polling": "long polling",
          "sse": "SSE", "websocket": "WebSocket"}

N_EVENTS = 20  # events per run
INTERVAL = 0.02  # seconds between two events on the server
POLL_INTERVAL = 0.05  # seconds between two short polls
LONG_POLL_HOLD = 25.0  # seconds a long poll is held before an empty answer ("ask again")

WS_KEY = generate_key(random.Random(1))  # a fixed Sec-WebSocket-Key: the same bytes every run
WS_MASK = b"\x37\xfa\x21\x3d"  # a fixed masking key (the RFC 6455 section 5.7 examples' key)

# What a browser adds to every request it makes with fetch() (a typical Chrome on Linux; the
# session cookie is made up). The minimal clients here send none of it unless asked to.
BROWSER_HEADERS = (
    ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                   "Chrome/126.0.0.0 Safari/537.36"),
    ("Accept", "*/*"),
    ("Accept-Encoding", "gzip, deflate, br, zstd"),
    ("Accept-Language", "en-US,en;q=0.9"),
    ("Sec-Fetch-Dest", "empty"),
    ("Sec-Fetch-Mode", "cors"),
    ("Sec-Fetch-Site", "same-origin"),
    ("Cookie", "session=5f0c2e8a9b1d4c7e8f3a6b2d9e0c1f47"),
)


# ------------------------------------------------------------------ the events


def event_text(seq: int, created: float) -> str:
    """The text of event ``seq``, made at ``created`` (``time.monotonic()`` on the server).

    Fixed width (:data:`EVENT_SIZE` bytes) so that byte counts do not depend on the clock:
    ``event_text(7, 12.5) == "event 0007 t=0000000012.500000"``.
    """
    return f"event {seq:04d} t={created:017.6f}"


EVENT_SIZE = len(event_text(0, 0.0))  # 30


def parse_event_text(text: str) -> tuple[int, float]:
    """``(seq, created)`` back from :func:`event_text`."""
    words = text.split()
    if len(words) != 3 or words[0] != "event" or not words[2].startswith("t="):
        raise ValueError(f"not an event text: {text!r}")
    return int(words[1]), float(words[2][2:])


class ServerEvent(NamedTuple):
    seq: int  # 1, 2, ... n
    created: float  # time.monotonic() when it was made
    text: str  # event_text(seq, created)


class Producer:
    """Makes events ``1..n``, event ``k`` at ``k * interval`` seconds after :meth:`start`.

    Every route reads the same list, ``events``; :meth:`wait_after` is how a handler waits for
    news. The producer starts with the first request that wants events, so that the time a
    client needs to connect does not count.
    """

    def __init__(self, n: int = N_EVENTS, interval: float = INTERVAL) -> None:
        if n < 0 or interval < 0:
            raise UsageError(f"n and interval must be >= 0, got n={n}, interval={interval}")
        self.n = n
        self.interval = interval
        self.events: list[ServerEvent] = []
        self._task: asyncio.Task | None = None
        self._wake = asyncio.Event()  # replaced by a fresh one after every event

    def start(self) -> None:
        """Start making events (once; later calls do nothing)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    @property
    def started(self) -> bool:
        return self._task is not None

    async def _run(self) -> None:
        t0 = time.monotonic()
        for seq in range(1, self.n + 1):
            # An absolute schedule: a late wake-up does not delay every event after it.
            delay = t0 + seq * self.interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            created = time.monotonic()
            self.events.append(ServerEvent(seq, created, event_text(seq, created)))
            wake, self._wake = self._wake, asyncio.Event()
            wake.set()

    def after(self, seq: int) -> list[ServerEvent]:
        """Every event newer than ``seq`` that exists now (event k is ``events[k - 1]``)."""
        return self.events[max(seq, 0):]

    async def wait_after(self, seq: int) -> list[ServerEvent]:
        """Wait until there is an event newer than ``seq``; return all of them.

        Returns ``[]`` at once when ``seq >= n``: no such event will ever come.
        """
        self.start()
        while True:
            ready = self.after(seq)
            if ready or seq >= self.n:
                return ready
            await self._wake.wait()

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


# ------------------------------------------------------------------ the server


def _lines(events: Iterable[ServerEvent]) -> str:
    """A polling answer's body: one event per line (empty when there is nothing new)."""
    return "".join(event.text + "\n" for event in events)


def _after(request: Request) -> int | None:
    """The ``after=K`` of the query string, or None when it is missing or not a number."""
    values = parse_qs(request.query).get("after", ["0"])
    return digits_or_none(values[0])


def make_router(producer: Producer, *, hold: float = LONG_POLL_HOLD) -> Router:
    """The four delivery routes, all reading ``producer``."""
    router = Router()

    # Short polling: answer at once with whatever is new, possibly nothing.
    async def poll(request: Request) -> Response | str:
        after = _after(request)
        if after is None:
            return text_response(400, "after= must be a number")
        producer.start()
        return _lines(producer.after(after))

    # Long polling: hold the request until the next event exists; answer with that one event.
    async def next_event(request: Request) -> Response | str:
        after = _after(request)
        if after is None:
            return text_response(400, "after= must be a number")
        try:
            async with asyncio.timeout(hold):
                ready = await producer.wait_after(after)
        except TimeoutError:
            ready = []  # nothing within `hold` seconds: an empty answer, the client asks again
        return _lines(ready[:1])

    # Server-Sent Events: one response that never ends while there are events to send.
    async def events(request: Request) -> StreamResponse | Response:
        last_id = request.headers.get("Last-Event-ID", "0").strip()
        after = digits_or_none(last_id) or 0  # a reconnecting client resumes here
        if after >= producer.n:
            return Response(204)  # nothing more will come: 204 tells an EventSource to stop

        async def stream():
            seq = after
            while seq < producer.n:
                for event in await producer.wait_after(seq):
                    yield encode_event(data=event.text, id=str(event.seq))
                    seq = event.seq

        return StreamResponse(200, [("Content-Type", "text/event-stream"),
                                    ("Cache-Control", "no-cache")], stream())

    # WebSocket: one text frame per event; when the handler returns, the server closes (1000).
    async def websocket(ws: WebSocket) -> None:
        seq = 0
        while seq < producer.n:
            for event in await producer.wait_after(seq):
                await ws.send(event.text)
                seq = event.seq

    router.get("/poll", poll)
    router.get("/next", next_event)
    router.stream("/events", events)
    router.websocket("/ws", websocket)
    return router


class EventServer:
    """A running wslib server with the four routes and its own :class:`Producer`."""

    def __init__(self, server: Server, producer: Producer) -> None:
        self.server = server
        self.producer = producer

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    async def close(self) -> None:
        await self.server.close()
        await self.producer.close()


async def start_server(n: int = N_EVENTS, interval: float = INTERVAL, *, host: str = "127.0.0.1",
                       port: int = 0, hold: float = LONG_POLL_HOLD) -> EventServer:
    """Start a server on ``host``, port 0 (a free port) by default."""
    producer = Producer(n, interval)
    server = await serve(make_router(producer, hold=hold), host, port)
    return EventServer(server, producer)


# ------------------------------------------------------------------ counting every byte


@dataclass
class Measurement:
    """What one client run saw. Byte counts are application bytes, counted at the socket."""

    approach: str
    n: int  # events the server made
    port: int = 0
    seqs: list[int] = field(default_factory=list)  # event numbers, in the order received
    latencies: list[float] = field(default_factory=list)  # seconds from creation to arrival
    arrivals: list[float] = field(default_factory=list)  # time.monotonic() at each arrival
    sent: int = 0  # bytes client -> server
    received: int = 0  # bytes server -> client
    requests: int = 0  # HTTP requests (the WebSocket upgrade counts as one)
    connections: int = 0  # TCP connections opened
    empty_responses: int = 0  # polls answered with no event

    @property
    def label(self) -> str:
        return LABELS.get(self.approach, self.approach)

    @property
    def in_order(self) -> bool:
        """Every event arrived, once, in order."""
        return self.seqs == list(range(1, self.n + 1))

    @property
    def sent_per_event(self) -> float:
        return self.sent / max(len(self.seqs), 1)

    @property
    def received_per_event(self) -> float:
        return self.received / max(len(self.seqs), 1)

    @property
    def median_latency(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def max_latency(self) -> float:
        return max(self.latencies) if self.latencies else float("nan")

    def record(self, text: str, now: float | None = None) -> None:
        """An event arrived: note its number and how long it took."""
        seq, created = parse_event_text(text)
        now = time.monotonic() if now is None else now
        self.seqs.append(seq)
        self.arrivals.append(now)
        self.latencies.append(now - created)

    @property
    def arrival_spread(self) -> float:
        """Seconds between the first and the last arrival (0 when they all came in one read)."""
        return self.arrivals[-1] - self.arrivals[0] if self.arrivals else 0.0


class CountedStream:
    """One TCP connection whose bytes are added to a :class:`Measurement`."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 meter: Measurement) -> None:
        self._reader = reader
        self._writer = writer
        self.meter = meter

    @classmethod
    async def open(cls, host: str, port: int, meter: Measurement) -> "CountedStream":
        reader, writer = await asyncio.open_connection(host, port)
        meter.connections += 1
        return cls(reader, writer, meter)

    async def read(self) -> bytes:
        """Whatever has arrived (at least one byte), or ``b""`` at the end of the stream."""
        data = await self._reader.read(1 << 16)
        self.meter.received += len(data)
        return data

    async def write(self, data: bytes) -> None:
        self._writer.write(data)
        self.meter.sent += len(data)
        await self._writer.drain()

    async def close(self) -> None:
        self._writer.close()
        try:
            await self._writer.wait_closed()
        except (ConnectionError, OSError):
            pass


# ------------------------------------------------------------------ HTTP, by hand


def http_get(path: str, host: str, *, keep_alive: bool = True,
             headers: Iterable[tuple[str, str]] = ()) -> bytes:
    """The bytes of a ``GET`` request: request line, ``Host``, ``headers``, blank line.

    ``keep_alive=False`` adds ``Connection: close``: the server answers, then closes TCP.
    """
    h = Headers([("Host", host), *headers])
    if not keep_alive:
        h.add("Connection", "close")
    return Request("GET", path, h).to_bytes()


async def _read_head(stream: CountedStream, buffered: bytes = b"") -> tuple[tuple, bytes]:
    head = HeadReader()
    result = head.feed(buffered) if buffered else None
    while result is None:
        data = await stream.read()
        if not data:
            raise ConnectionError("the server closed the connection before a whole response head")
        result = head.feed(data)
    return result, head.rest


async def read_response(stream: CountedStream, buffered: bytes = b"") -> tuple[Response, bytes]:
    """Read one response (head, then ``Content-Length`` bytes of body); return it and the
    bytes that came after it."""
    result, rest = await _read_head(stream, buffered)
    response = response_from_head(*result)
    length = parse_digits(response.headers.get("Content-Length", "0"), "Content-Length",
                          header="Content-Length")
    while len(rest) < length:
        data = await stream.read()
        if not data:
            raise ConnectionError("the server closed the connection in the middle of a body")
        rest += data
    response.body, rest = rest[:length], rest[length:]
    return response, rest


class _HTTPClient:
    """GET requests, one after the other, on one kept-alive connection or one connection each."""

    def __init__(self, host: str, port: int, meter: Measurement, *, keep_alive: bool = True,
                 headers: Iterable[tuple[str, str]] = ()) -> None:
        self.host, self.port, self.meter = host, port, meter
        self.host_header = f"{host}:{port}"
        self.keep_alive = keep_alive
        self.headers = tuple(headers)
        self._stream: CountedStream | None = None
        self._buffered = b""

    async def get(self, path: str) -> Response:
        if self._stream is None:
            self._stream = await CountedStream.open(self.host, self.port, self.meter)
        await self._stream.write(http_get(path, self.host_header, keep_alive=self.keep_alive,
                                          headers=self.headers))
        self.meter.requests += 1
        response, self._buffered = await read_response(self._stream, self._buffered)
        if response.status != 200:
            raise ConnectionError(f"GET {path}: the server answered {response.status} "
                                  f"{response.reason}: {response.body[:200]!r}")
        if not self.keep_alive or response.headers.get("Connection", "").lower() == "close":
            await self.close()
        return response

    async def close(self) -> None:
        if self._stream is not None:
            stream, self._stream, self._buffered = self._stream, None, b""
            await stream.close()


# ------------------------------------------------------------------ the four clients


def _record_answer(m: "Measurement", response: Response, last: int) -> int:
    """Record the events of one polling answer (one line each; none: an empty answer) and
    return the number of the newest event received so far."""
    now = time.monotonic()
    lines = response.body.decode("utf-8").splitlines()
    if not lines:
        m.empty_responses += 1
    for line in lines:
        m.record(line, now)
    return m.seqs[-1] if m.seqs else last


async def polling_client(host: str, port: int, *, n: int = N_EVENTS,
                         poll_interval: float = POLL_INTERVAL, keep_alive: bool = True,
                         headers: Iterable[tuple[str, str]] = ()) -> Measurement:
    """Short polling: ``GET /poll?after=K`` every ``poll_interval`` seconds until all ``n``
    events have arrived. Polls that bring nothing are counted in ``empty_responses``."""
    m = Measurement("polling", n, port)
    http = _HTTPClient(host, port, m, keep_alive=keep_alive, headers=headers)
    last, t0, polls = 0, time.monotonic(), 0
    try:
        while last < n:
            if polls:  # a timer, like setInterval: poll k at t0 + k * poll_interval
                await asyncio.sleep(max(0.0, t0 + polls * poll_interval - time.monotonic()))
            polls += 1
            last = _record_answer(m, await http.get(f"/poll?after={last}"), last)
    finally:
        await http.close()
    return m


async def long_polling_client(host: str, port: int, *, n: int = N_EVENTS,
                              keep_alive: bool = True,
                              headers: Iterable[tuple[str, str]] = ()) -> Measurement:
    """Long polling: ``GET /next?after=K``; the answer comes when event K+1 exists; ask again
    at once. An empty answer (the server's hold time ran out) is followed by a new request."""
    m = Measurement("long-polling", n, port)
    http = _HTTPClient(host, port, m, keep_alive=keep_alive, headers=headers)
    last = 0
    try:
        while last < n:
            last = _record_answer(m, await http.get(f"/next?after={last}"), last)
    finally:
        await http.close()
    return m


SSE_REQUEST_HEADERS = (("Accept", "text/event-stream"), ("Cache-Control", "no-cache"))


async def sse_client(host: str, port: int, *, n: int = N_EVENTS,
                     headers: Iterable[tuple[str, str]] = ()) -> Measurement:
    """Server-Sent Events: one ``GET /events`` (with the two headers an ``EventSource`` sends),
    then the body is fed to :class:`wslib.sse.EventStreamParser` as it arrives."""
    m = Measurement("sse", n, port)
    stream = await CountedStream.open(host, port, m)
    try:
        await stream.write(http_get("/events", f"{host}:{port}",
                                    headers=(*SSE_REQUEST_HEADERS, *headers)))
        m.requests += 1
        result, data = await _read_head(stream)
        response = response_from_head(*result)
        content_type = response.headers.get("Content-Type", "")
        if response.status != 200 or not content_type.startswith("text/event-stream"):
            raise SSEError(f"expected 200 text/event-stream, got {response.status} {content_type!r}",
                           status=response.status)
        parser = EventStreamParser()
        while len(m.seqs) < n:
            now = time.monotonic()
            for event in parser.feed(data):
                m.record(event.data, now)
            if len(m.seqs) >= n:
                break
            data = await stream.read()
            if not data:
                break  # the server ended the stream early: m.in_order will say so
    finally:
        await stream.close()  # EventSource.close()
    return m


async def websocket_client(host: str, port: int, *, n: int = N_EVENTS, key: str = WS_KEY,
                           mask: bytes = WS_MASK,
                           headers: Iterable[tuple[str, str]] = ()) -> Measurement:
    """WebSocket: the opening handshake built by :func:`wslib.handshake.build_request` with a
    fixed key, then frames through a sans-I/O :class:`wslib.connection.Connection` with a fixed
    mask. The server closes after the last event; the client echoes the close frame and waits
    for the server to close TCP (RFC 6455 section 7.1.1)."""
    m = Measurement("websocket", n, port)
    stream = await CountedStream.open(host, port, m)
    try:
        request = build_request(f"{host}:{port}", "/ws", key=key, headers=tuple(headers))
        await stream.write(request.to_bytes())
        m.requests += 1
        result, data = await _read_head(stream)
        check_response(response_from_head(*result), key)  # raises HandshakeError if refused
        conn = Connection("client", mask_key=lambda: mask)
        closed = False
        while True:
            now = time.monotonic()
            for event in conn.receive_data(data) if data else []:
                if isinstance(event, TextMessage):
                    m.record(event.data, now)
                elif isinstance(event, Closed):
                    closed = True
            out = conn.data_to_send()  # the echo of the server's close frame
            if out:
                await stream.write(out)
            if closed:
                break
            data = await stream.read()
            if not data:  # TCP ended without a close frame
                conn.receive_data(b"")
                return m
        while await stream.read():  # the server closes TCP first; wait for its EOF
            pass
    finally:
        await stream.close()
    return m


# ------------------------------------------------------------------ a proxy that buffers


class BufferingProxy:
    """A toy reverse proxy that buffers responses, as many proxies do by default.

    Client -> server bytes are forwarded at once. From the server, a response with a
    ``Content-Length`` is forwarded as soon as it is complete: polling and long polling pass
    through untouched. A response without one (its body ends when the connection does: an
    event stream) is collected and forwarded only when ``buffer_size`` bytes have piled up or
    the server closes. That is what response buffering does to Server-Sent Events when nobody
    turned it off for the streaming route. A toy for the lesson, not a model of any product.
    """

    def __init__(self, upstream_host: str, upstream_port: int, *,
                 buffer_size: int = 16384) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.buffer_size = buffer_size
        self.host = ""
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> "BufferingProxy":
        self._server = await asyncio.start_server(self._client, host, port)
        self.host, self.port = self._server.sockets[0].getsockname()[:2]
        return self

    async def _client(self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        swriter = None
        try:
            sreader, swriter = await asyncio.open_connection(*self.upstream)
            up = asyncio.ensure_future(self._up(creader, swriter))
            try:
                await self._down(sreader, cwriter)  # until the server closes
            finally:
                up.cancel()
                await asyncio.gather(up, return_exceptions=True)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            for writer in (cwriter, swriter):
                if writer is not None:
                    writer.close()

    @staticmethod
    async def _up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()  # the client is done sending: tell the server

    async def _down(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buf = bytearray()

        async def more() -> bool:
            data = await reader.read(1 << 16)
            buf.extend(data)
            return bool(data)

        async def forward(size: int) -> None:
            writer.write(bytes(buf[:size]))
            del buf[:size]
            await writer.drain()

        while True:
            while (end := buf.find(b"\r\n\r\n")) < 0:  # the next response head
                if not await more():
                    return await forward(len(buf))
            length = parse_response(bytes(buf[:end + 4])).headers.get("Content-Length")
            number = None if length is None else digits_or_none(length.strip())
            if number is not None:
                total = end + 4 + number
                while len(buf) < total:
                    if not await more():
                        return await forward(len(buf))
                await forward(total)  # a complete response goes out at once
                continue
            # No Content-Length: the body lasts until the server closes. Hold it back.
            while await more():
                if len(buf) >= self.buffer_size:
                    await forward(len(buf))
            return await forward(len(buf))

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()


CLIENTS: dict[str, Callable[..., Awaitable[Measurement]]] = {
    "polling": polling_client,
    "long-polling": long_polling_client,
    "sse": sse_client,
    "websocket": websocket_client,
}


async def measure(approach: str, *, n: int = N_EVENTS, interval: float = INTERVAL,
                  host: str = "127.0.0.1", timeout: float | None = None,
                  **options) -> Measurement:
    """Start a fresh server, run the ``approach`` client until all ``n`` events arrived, close
    the server, return the :class:`Measurement`. ``options`` go to the client (e.g.
    ``keep_alive=False``, ``headers=BROWSER_HEADERS``, ``poll_interval=0.1``)."""
    if approach not in CLIENTS:
        raise UsageError(f"approach must be one of {', '.join(APPROACHES)}, not {approach!r}")
    if timeout is None:
        timeout = 10.0 + 3 * n * max(interval, options.get("poll_interval", 0.0))
    server = await start_server(n, interval, host=host)
    try:
        async with asyncio.timeout(timeout):
            return await CLIENTS[approach](server.host, server.port, n=n, **options)
    finally:
        await server.close()


def summary_table(results: Iterable[Measurement] | dict[str, Measurement]) -> str:
    """A text table: requests, TCP connections, and bytes in each direction (total and per
    event). Timings are left out: they vary from run to run. Pass a dict to choose the row
    labels; otherwise each row is labelled with its approach."""
    pairs = list(results.items()) if isinstance(results, dict) else [(r.label, r) for r in results]
    w = max([16] + [len(label) + 2 for label, _ in pairs])
    rows = [f"{'':{w}}{'HTTP':>9}{'TCP':>6}{'client → server':>20}{'server → client':>20}",
            f"{'approach':{w}}{'requests':>9}{'conns':>6}{'total':>11}{'per event':>10}"
            f"{'total':>10}{'per event':>10}"]
    for label, r in pairs:
        rows.append(f"{label:{w}}{r.requests:>9}{r.connections:>6}{r.sent:>11}"
                    f"{r.sent_per_event:>10.1f}{r.received:>10}{r.received_per_event:>10.1f}")
    return "\n".join(rows)
