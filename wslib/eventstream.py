"""Server-Sent Events over asyncio: a channel that streams to every subscriber, and a client.

The rules come from the WHATWG HTML standard, section 9.2 "Server-sent events"
(https://html.spec.whatwg.org/multipage/server-sent-events.html). :mod:`wslib.sse` turns
events into bytes and bytes into events (9.2.5 and 9.2.6) without any I/O; this module puts
those bytes on the network::

    channel = EventChannel(retry=1000)            # remembers the last 256 events
    router = Router()
    router.stream("/events", channel.handler)     # what `new EventSource("/events")` opens
    server = await serve(router)
    channel.publish("hello")                      # event id "1", sent to every subscriber

    async for event in events("http://127.0.0.1:8766/events"):   # the client, in Python
        print(event.id, event.data)

What a browser's ``EventSource`` does, and where each step lives here:

* It sends ``GET`` with ``Accept: text/event-stream`` (9.2.2; the request must bypass caches,
  and browsers say so with ``Cache-Control: no-cache``). The server answers ``200`` with
  ``Content-Type: text/event-stream`` and keeps the response open, writing each event as it
  happens (:meth:`EventChannel.handler`).
* When the response ends, for any reason, the browser waits the *reconnection time* (a few
  seconds, or what the last ``retry:`` field said) and sends the ``GET`` again, with a
  ``Last-Event-ID`` header holding the id of the last event it received (9.2.3, 9.2.4). A
  server that remembers recent events resumes right after that one: nothing is lost, nothing
  arrives twice (:class:`EventChannel` keeps the last ``history`` events for that).
* A status other than 200, or another ``Content-Type``, *fails the connection*: no more
  reconnections (9.2.3). ``204 No Content`` is how a server says "stop, for good".
* Idle connections are closed by some proxies; a comment line every 15 seconds or so keeps
  them open (9.2.7, "Authoring notes"): the heartbeat.

:func:`events` is that client in Python, over a plain TCP connection.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from itertools import islice
from typing import AsyncIterable, AsyncIterator, Iterable

from .aio_http import read_error_body, read_response_head
from .errors import HTTPHeadError, SSEError, UsageError
from .http import (Headers, Request, Response, check_field, digits_or_none, parse_digits,
                   split_url)
from .server import StreamResponse
from .sse import Event, EventStreamParser, encode_comment, encode_event

__all__ = ["EventChannel", "stream_events", "events", "ChunkedDecoder", "STREAM_HEADERS",
           "HEARTBEAT"]

# The response headers of an event stream. no-cache: a cache must not store the stream and
# hand it out again. X-Accel-Buffering: no: tells nginx (a common reverse proxy) not to hold
# the response back until it has a buffer full, which would delay every event.
STREAM_HEADERS = (
    ("Content-Type", "text/event-stream; charset=utf-8"),
    ("Cache-Control", "no-cache"),
    ("X-Accel-Buffering", "no"),
)

HEARTBEAT = encode_comment("heartbeat")  # b": heartbeat\n\n": the client ignores it (9.2.6)


def _retry_block(retry: int) -> bytes:
    """A block with only a ``retry`` field: it sets the client's reconnection time, in
    milliseconds, and dispatches no event since it has no data (9.2.6)."""
    if not isinstance(retry, int) or isinstance(retry, bool) or retry < 0:
        raise UsageError(f"retry must be a non-negative int (milliseconds), got {retry!r}")
    return f"retry: {retry}\n\n".encode("ascii")


# ============================================================================================
# Server side
# ============================================================================================


@dataclass(eq=False)  # eq=False: hashable by identity, so subscribers can live in a set
class _Subscriber:
    """One open stream, as the channel sees it: a position in the history, nothing more."""

    cursor: int  # the id of the last event sent to it (0: none yet)
    stop_after: int | None = None  # set by end_streams(): end the stream once this id is sent


class EventChannel:
    """Events published once, streamed to every subscriber; remembers the last ``history``
    events so that a client that reconnects with ``Last-Event-ID`` resumes with no loss and
    no duplicate.

    ``history``: how many recent events are kept for reconnecting clients.
    ``heartbeat``: seconds of silence after which a comment is sent (``None``: never).
    ``retry``: the reconnection time (milliseconds) sent at the start of every stream
    (``None``: the browser's default, a few seconds).

    Every event gets the next id, ``"1"``, ``"2"``, ...: integers, so that the channel can
    tell which events come after the one a client names in ``Last-Event-ID``.

    There is no queue per subscriber. The history *is* the queue: a subscriber is only the id
    of the last event sent to it, and each time it wakes up it sends every buffered event after
    that id, in one write. Memory is ``history`` events in all, however many subscribers there
    are and however slowly they read (plus, for each connection, the one chunk the server is
    writing: the server waits for ``drain()`` before asking for the next). A subscriber so
    slow that its next event has already left the history (it fell more than ``history``
    events behind) is sent a comment saying so, and its stream ends: its browser reconnects
    with its Last-Event-ID, and gets what is left (see :meth:`handler` for an id that is too
    old). A client that stops reading altogether is dropped once a write has waited
    ``drain_timeout`` seconds (``None``: never); meanwhile it never makes the channel hold more.

    Use it from the event loop that runs the server. From another thread, hand the call to
    the loop: ``loop.call_soon_threadsafe(channel.publish, "text")``.
    """

    def __init__(self, *, history: int = 256, heartbeat: float | None = 15.0,
                 retry: int | None = None, drain_timeout: float | None = 30.0) -> None:
        if not isinstance(history, int) or history < 1:
            raise UsageError(f"history must be an int >= 1, got {history!r}")
        if heartbeat is not None and not heartbeat > 0:
            raise UsageError(f"heartbeat must be a number of seconds > 0, or None; "
                             f"got {heartbeat!r}")
        self._retry = None if retry is None else _retry_block(retry)  # checks retry, too
        self.history = history
        self.heartbeat = heartbeat
        self.retry = retry
        self.drain_timeout = drain_timeout
        # (id, event, encoded bytes) of the last `history` events, oldest first. Events are
        # encoded once, when published, not once per subscriber.
        self._buffer: deque[tuple[int, Event, bytes]] = deque(maxlen=history)
        self._last_id = 0  # the id of the newest event; 0 before the first
        self._subscribers: set[_Subscriber] = set()
        # Every waiting subscriber waits on this one asyncio.Event; publish() sets it and puts a
        # fresh one in its place, so each publish wakes each subscriber exactly once.
        self._wake = asyncio.Event()
        self._epoch = 0  # counts end_streams() calls (see _stream)
        self._ended_at = 0  # _last_id at the last end_streams()
        self._closed = False
        self._idle = asyncio.Event()  # set while there is no subscriber (close() waits for it)
        self._idle.set()

    def __repr__(self) -> str:
        return (f"<EventChannel last_id={self._last_id} buffered={len(self._buffer)} "
                f"subscribers={self.subscribers}>")

    @property
    def subscribers(self) -> int:
        """How many streams are open right now."""
        return len(self._subscribers)

    @property
    def buffered(self) -> list[Event]:
        """The events a reconnecting client can still get, oldest first."""
        return [event for _, event, _ in self._buffer]

    @property
    def closed(self) -> bool:
        return self._closed

    def publish(self, data: str, *, event: str | None = None) -> Event:
        """Give ``data`` the next id, keep it in the history, wake every subscriber; return
        the :class:`~wslib.sse.Event`. ``event`` is the event type (``None``: ``"message"``,
        which is what ``EventSource.onmessage`` receives).

        Raises :class:`~wslib.errors.SSEError` for what cannot be sent (an event type with a
        line end, text that is not valid Unicode); nothing is published then.
        """
        if self._closed:
            raise UsageError("publish() on a closed EventChannel")
        if not isinstance(data, str):
            raise UsageError(f"data must be a str, not {type(data).__name__}; "
                             "an event stream is text (encode bytes first, e.g. base64 or JSON)")
        new_id = self._last_id + 1
        item = Event(data=data, event=event or "message", id=str(new_id))
        encoded = encode_event(item)  # may raise: before anything changes
        self._last_id = new_id
        self._buffer.append((new_id, item, encoded))  # a full deque drops its oldest item
        self._wake_all()
        return item

    def end_streams(self) -> None:
        """End every open stream once it has sent what is already published.

        The server then closes those responses, and every ``EventSource`` reconnects (after
        its reconnection time) with its Last-Event-ID: a way to watch resumption at work.
        """
        self._epoch += 1
        self._ended_at = self._last_id
        for sub in self._subscribers:
            sub.stop_after = self._last_id
        self._wake_all()

    async def close(self, timeout: float = 5.0) -> None:
        """End every stream, and answer every later request with ``204 No Content``, which
        tells an ``EventSource`` to stop reconnecting (9.2.3). Waits up to ``timeout``
        seconds for the open streams to end. ``publish()`` is refused afterwards."""
        self._closed = True
        self.end_streams()
        try:
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        except TimeoutError:
            pass  # a client that does not read: the server drops it when it closes

    def _wake_all(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    # ------------------------------------------------------------------ one request

    async def handler(self, request: Request) -> StreamResponse | Response:
        """The route: ``router.stream("/events", channel.handler)``.

        Answers ``200`` with :data:`STREAM_HEADERS`, then sends, in order: the ``retry`` field
        (if the channel has one); if the request has a ``Last-Event-ID`` header, every
        buffered event after that id; then each new event as it is published, and a
        heartbeat comment whenever the stream has been silent for ``heartbeat`` seconds.
        Without ``Last-Event-ID``, a client gets the events published from now on.

        A ``Last-Event-ID`` that is not one of the buffered ids (too old: it has left the
        history; not a number; or greater than any id sent, e.g. from before a server restart)
        cannot say where to resume. The channel then sends the whole history, after a comment
        saying that events may have been missed. Sending nothing from the past would lose
        events silently; refusing the client would stop its EventSource for good. The client
        may see events it already has: the comment tells a reader of the raw stream why.

        After :meth:`close`, answers ``204 No Content``.
        """
        if self._closed:
            return Response(204, Headers([("Cache-Control", "no-cache")]))
        cursor, note = self._resume_point(request.headers.get("Last-Event-ID"))
        # The position is taken now, when the request arrives; the subscriber counts once the
        # server starts reading the stream. Events published in between are not lost.
        return StreamResponse(200, list(STREAM_HEADERS), self._stream(cursor, note, self._epoch),
                              drain_timeout=self.drain_timeout)

    def _first_id(self) -> int:
        """The id of the oldest buffered event (``_last_id + 1`` when the buffer is empty)."""
        return self._buffer[0][0] if self._buffer else self._last_id + 1

    def _resume_point(self, last_event_id: str | None) -> tuple[int, str | None]:
        """Where a new stream starts (the id after which events are sent), and a comment to
        send first, if any."""
        if not last_event_id:  # absent, or empty: a new client, events from now on
            return self._last_id, None
        first = self._first_id()
        n = digits_or_none(last_event_id)  # ids are numbers (and 5,000 digits are no 500)
        # first - 1 counts as known: "the event just before the oldest one we have".
        if n is not None and first - 1 <= n <= self._last_id:
            return n, None
        note = (f"Last-Event-ID {last_event_id[:40]!r} is not one of the ids this channel "
                f"remembers ({first}..{self._last_id}); sending all {len(self._buffer)} "
                "buffered events: events may have been missed")
        return first - 1, note

    async def _stream(self, cursor: int, note: str | None, epoch: int) -> AsyncIterator[bytes]:
        """The body of one response: an async generator of byte chunks (see the server's
        StreamResponse). Its ``finally`` runs whether the stream ends here, the client goes
        away (the server closes the generator), or the server shuts down (cancelled)."""
        sub = _Subscriber(cursor)
        self._subscribers.add(sub)
        self._idle.clear()
        try:
            if epoch != self._epoch or self._closed:
                sub.stop_after = self._ended_at  # end_streams() ran before this stream began
            preamble = (self._retry or b"") + (encode_comment(note) if note else b"")
            if preamble:
                yield preamble
            while True:
                first = self._first_id()
                if sub.cursor < first - 1:
                    # The next event this subscriber needs has left the history: it fell more
                    # than `history` events behind. Rather than remember more for it, end the
                    # stream; its EventSource reconnects and gets what the history still has.
                    yield encode_comment(f"this stream fell more than {self.history} events "
                                         "behind; reconnect with Last-Event-ID")
                    return
                end = self._last_id if sub.stop_after is None else min(self._last_id,
                                                                       sub.stop_after)
                if sub.cursor < end:
                    # Every event after the cursor, up to `end`, in one chunk. The server
                    # waits for drain() after each chunk: a slow client slows only itself.
                    pending = islice(self._buffer, sub.cursor + 1 - first, end + 1 - first)
                    sub.cursor = end
                    yield b"".join(encoded for _, _, encoded in pending)
                    continue
                if sub.stop_after is not None:
                    return  # end_streams(): all that was published before it has been sent
                # Nothing to send: sleep until publish() or end_streams() wakes us, or until
                # the heartbeat is due. (No await between the checks above and this line, so
                # no wake-up can be missed.)
                wake = self._wake
                if self.heartbeat is None:
                    await wake.wait()
                    continue
                silent = False
                try:
                    async with asyncio.timeout(self.heartbeat):
                        await wake.wait()
                except TimeoutError:
                    silent = True
                if silent:
                    yield HEARTBEAT
        finally:
            self._subscribers.discard(sub)
            if not self._subscribers:
                self._idle.set()


def stream_events(items: Iterable[Event | str] | AsyncIterable[Event | str], *,
                  retry: int | None = None) -> StreamResponse:
    """A finite event stream: each item (an :class:`~wslib.sse.Event`, or a ``str`` to send as
    the data of an unnamed event), then the response ends::

        async def countdown(request):
            return stream_events(Event(str(n), id=str(n)) for n in (3, 2, 1))
        router.stream("/countdown", countdown)

    Remember that an ``EventSource`` reconnects when a stream ends. To stop it, answer the
    reconnection (it carries Last-Event-ID) with ``Response(204)``, or close it in JavaScript.
    """

    def encode(item: Event | str) -> bytes:
        return encode_event(data=item) if isinstance(item, str) else encode_event(item)

    async def chunks() -> AsyncIterator[bytes]:
        if retry is not None:
            yield _retry_block(retry)
        if isinstance(items, AsyncIterable):
            try:
                async for item in items:
                    yield encode(item)
            finally:  # the client went away: close the source too, so its finally blocks run
                aclose = getattr(items, "aclose", None)
                if aclose is not None:
                    await aclose()
        else:
            for item in items:
                yield encode(item)

    if retry is not None:
        _retry_block(retry)  # check it now, where the caller can see the error
    return StreamResponse(200, list(STREAM_HEADERS), chunks())


# ============================================================================================
# Client side
# ============================================================================================

_sleep = asyncio.sleep  # the wait before reconnecting; a test may replace it to see the delays

MAX_ERROR_BODY = 1000  # bytes of a refusal's body quoted in the error message


async def events(
    url: str,
    *,
    last_event_id: str | None = None,
    retry: float = 3.0,
    max_retries: int | None = None,
    headers: Iterable[tuple[str, str]] = (),
    timeout: float = 10.0,
) -> AsyncIterator[Event]:
    """Receive the events of an event stream, reconnecting as an ``EventSource`` does::

        async for event in events("http://127.0.0.1:8766/events", max_retries=5):
            print(event.id, event.event, event.data)

    ``last_event_id``: sent as ``Last-Event-ID`` on the first request (resume an earlier
    session); later requests send the id of the last event received (9.2.4).
    ``retry``: seconds to wait before reconnecting, until the server sends a ``retry:`` field
    (milliseconds), which then wins.
    ``max_retries``: how many reconnections in a row may bring no event before the client
    gives up; ``None`` retries forever, like a browser. Giving up after a stream that simply
    ended ends the iteration; after a failed connection, raises ``SSEError`` from that error.
    ``headers``: extra request headers. ``timeout``: seconds to connect and receive the
    response head (a stream itself may be silent for as long as it likes).

    One :class:`~wslib.sse.EventStreamParser` serves every connection: at the end of each
    stream it is closed (an event cut off by the end is dropped, 9.2.6) and fed the next
    stream, keeping ``last_event_id`` and ``retry``, as a browser does.

    Raises :class:`~wslib.errors.SSEError`, with no reconnection, when the server answers a
    status other than 200 (``.status`` says which; 204 is the server saying "stop") or a
    ``Content-Type`` other than ``text/event-stream`` (9.2.3, "fail the connection"), or
    something that is not valid HTTP. Only ``http://`` URLs: there is no TLS in wslib.
    """
    host, port, target, host_header = split_url(url, "http")
    extra = _check_headers(headers)
    if not retry >= 0:
        raise UsageError(f"retry must be >= 0 seconds, got {retry!r}")
    if max_retries is not None and (not isinstance(max_retries, int) or max_retries < 0):
        raise UsageError(f"max_retries must be an int >= 0, or None; got {max_retries!r}")
    if not timeout > 0:
        raise UsageError(f"timeout must be > 0 seconds, got {timeout!r}")

    parser = EventStreamParser()
    if last_event_id:
        if any(c in last_event_id for c in "\r\n\0"):
            raise UsageError("last_event_id cannot contain CR, LF or NUL (9.2.6)")
        check_field("Last-Event-ID", last_event_id, charset="utf-8")
        # Set the parser's last event ID the way a stream would: an id field, then the blank
        # line that commits it (9.2.6). Without data, no event is dispatched. close() then
        # resets everything but that id, so the real stream starts afresh.
        parser.feed(f"id: {last_event_id}\n\n".encode("utf-8"))
        parser.close()

    failures = 0  # reconnections in a row that brought no event
    while True:
        error: Exception | None = None
        writer = None
        try:
            request = _request(target, host_header, parser.last_event_id, extra)
            writer, body = await _open(host, port, request, url, timeout)
            while data := await body.read():
                for event in parser.feed(data):
                    failures = 0
                    yield event
        except (OSError, EOFError) as exc:
            # A network error: no server, a reset, a timeout (TimeoutError is an OSError).
            # Like the end of a stream, it makes the client reconnect (9.2.3).
            error = exc
        finally:
            parser.close()  # end of this stream: drop a half-received event
            if writer is not None:
                writer.close()

        if max_retries is not None and failures >= max_retries:
            if error is None:
                return  # the stream ended, and we may not reconnect: the iteration ends
            raise SSEError(f"{url}: {error!r}; not reconnecting, after {failures} "
                           f"reconnection(s) in a row without an event "
                           f"(max_retries={max_retries})") from error
        failures += 1
        # The reconnection time: the server's last retry field (ms), else our default (9.2.3).
        delay = parser.retry / 1000 if parser.retry is not None else retry
        await _sleep(delay)


def _check_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    checked = []
    for name, value in headers:
        check_field(name, value, charset="utf-8")  # no header injection (UsageError)
        checked.append((name, value))
    return checked


def _request(target: str, host_header: str, last_event_id: str,
             extra: list[tuple[str, str]]) -> bytes:
    """The GET an EventSource sends (9.2.2 and 9.2.4)."""
    lines = [f"GET {target} HTTP/1.1", f"Host: {host_header}",
             "Accept: text/event-stream", "Cache-Control: no-cache"]
    if last_event_id:  # sent only when not empty (9.2.4), encoded as UTF-8
        lines.append(f"Last-Event-ID: {last_event_id}")
    lines += [f"{name}: {value}" for name, value in extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


async def _open(host: str, port: int, request: bytes, url: str, timeout: float
                ) -> tuple[asyncio.StreamWriter, "_Body"]:
    """Connect, send ``request``, read the response head and check it (all within
    ``timeout``); return the writer (to close) and the body to read."""
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(request)
            answer = await read_response_head(reader)
            if answer is None:
                raise ConnectionResetError(f"{url}: the server closed the connection "
                                           "without answering")
            response, rest = answer
            await _check_response(response, rest, reader, url)
            return writer, _Body(reader, response.headers, rest)
        except HTTPHeadError as exc:  # the head, or a number in it (Content-Length, ...)
            writer.transport.abort()
            raise SSEError(f"{url}: the answer is not valid HTTP: {exc}") from exc
        except BaseException:
            writer.transport.abort()
            raise


async def _check_response(response: Response, rest: bytes, reader: asyncio.StreamReader,
                          url: str) -> None:
    """9.2.3: anything but 200 with Content-Type text/event-stream fails the connection."""
    if response.status != 200:
        body = await _error_body(response, rest, reader)
        why = (" (No Content: the server asks the client to stop reconnecting)"
               if response.status == 204 else "")
        if 300 <= response.status < 400:
            why = f" (a redirect to {response.headers.get('Location')!r}; not followed)"
        text = body.decode("utf-8", "replace").strip()
        raise SSEError(f"{url}: the server answered {response.status} {response.reason}{why}"
                       f"{': ' + text if text else ''}; an event stream needs 200, so the "
                       "client stops here (WHATWG HTML 9.2.3)", status=response.status)
    content_type = response.headers.get("Content-Type", "")
    if content_type.split(";")[0].strip().lower() != "text/event-stream":
        raise SSEError(f"{url}: the Content-Type is {content_type!r}, not text/event-stream; "
                       "this is not an event stream, so the client stops here "
                       "(WHATWG HTML 9.2.3)", status=response.status)


async def _error_body(response: Response, rest: bytes, reader: asyncio.StreamReader) -> bytes:
    """The start of a refusal's body, when Content-Length says how long it is. (Without it,
    the body ends when the server closes, which might be never: we quote what came already.)"""
    return await read_error_body(response, rest, reader, MAX_ERROR_BODY, until_close=False)


class _Body:
    """The body of the response, however HTTP/1.1 says where it ends (RFC 9112 section 6.3):
    ``Transfer-Encoding: chunked``, ``Content-Length``, or the end of the connection (what
    wslib's server does for a stream)."""

    def __init__(self, reader: asyncio.StreamReader, headers: Headers, rest: bytes) -> None:
        self._reader = reader
        self._pending = rest  # body bytes that came with the head
        self._chunks: ChunkedDecoder | None = None
        self._remaining: int | None = None  # bytes left, when Content-Length gives it
        coding = headers.get("Transfer-Encoding")
        if coding is not None:
            if [c.strip().lower() for c in coding.split(",")] != ["chunked"]:
                raise SSEError(f"Transfer-Encoding {coding!r} is not supported; this client "
                               "decodes only 'chunked'")
            self._chunks = ChunkedDecoder()  # Content-Length, if any, is then ignored (6.3)
        else:
            length = headers.get("Content-Length")
            if length is not None:  # raises HTTPHeadError, which _open reports as SSEError
                self._remaining = parse_digits(length, "Content-Length of the response",
                                               header="Content-Length",
                                               rule="1*DIGIT, RFC 9110 section 8.6")

    def _finished(self) -> bool:
        if self._chunks is not None:
            return self._chunks.done
        return self._remaining == 0

    async def read(self) -> bytes:
        """The next bytes of the body (at least one), or ``b""`` at its end."""
        while not self._finished():
            if self._pending:
                data, self._pending = self._pending, b""
            else:
                data = await self._reader.read(1 << 16)
            if not data:
                return b""  # the server closed the connection
            if self._chunks is not None:
                data = self._chunks.feed(data)
            elif self._remaining is not None:
                data = data[: self._remaining]
                self._remaining -= len(data)
            if data:
                return data
        return b""


class ChunkedDecoder:
    """Sans-I/O decoder of ``Transfer-Encoding: chunked`` (RFC 9112 section 7.1).

    The body is a series of chunks, each ``SIZE-IN-HEX[;extensions] CRLF, SIZE bytes, CRLF``,
    ended by a chunk of size 0, optional trailer lines, and a blank line. ``feed(bytes)``
    returns the payload bytes the input completed, in any chunking; ``done`` becomes true at
    the end. wslib's server never chunks (a stream simply ends with the connection), but other
    servers do, and the WHATWG notes (9.2.7) warn that chunking may delay events.
    """

    MAX_LINE = 4096  # a size line or trailer line longer than this is an error

    def __init__(self) -> None:
        self._buf = bytearray()
        self._state = "size"  # "size", "data", "data-end" (its CRLF), "trailer"
        self._remaining = 0  # bytes left in the current chunk
        self.done = False

    def feed(self, data: bytes) -> bytes:
        if self.done:
            return b""  # what follows the body is not ours
        self._buf += data
        out = bytearray()
        while not self.done:
            if self._state == "data":
                if not self._buf:
                    break
                piece = self._buf[: self._remaining]
                del self._buf[: len(piece)]
                out += piece
                self._remaining -= len(piece)
                if self._remaining == 0:
                    self._state = "data-end"
            elif self._state == "data-end":
                if len(self._buf) < 2:
                    break
                if self._buf[:2] != b"\r\n":
                    raise SSEError("chunked body: a chunk is not followed by CRLF "
                                   "(RFC 9112 section 7.1)")
                del self._buf[:2]
                self._state = "size"
            else:  # a line: a chunk size, or a trailer line
                end = self._buf.find(b"\r\n")
                if end < 0:
                    if len(self._buf) > self.MAX_LINE:
                        raise SSEError(f"chunked body: a line longer than {self.MAX_LINE} bytes")
                    break
                line = bytes(self._buf[:end])
                del self._buf[: end + 2]
                if self._state == "trailer":
                    self.done = not line  # trailer fields are ignored; a blank line ends all
                    continue
                size = line.split(b";", 1)[0].strip(b" \t")  # drop chunk extensions
                try:
                    self._remaining = parse_digits(size, "chunked body: the chunk size", base=16,
                                                   max_digits=16, rule="1*HEXDIG, RFC 9112 "
                                                   "section 7.1")
                except HTTPHeadError as exc:
                    raise SSEError(f"{exc} (line {line[:40]!r})") from None
                self._state = "data" if self._remaining else "trailer"
        return bytes(out)
