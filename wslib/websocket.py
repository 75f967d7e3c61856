"""The asyncio WebSocket: a sans-I/O :class:`~wslib.connection.Connection` on a real socket.

Everything about the protocol lives in the :class:`Connection`; this module only moves bytes
between it and an asyncio transport, and turns its events into awaitable calls. The same class
serves both roles: :func:`wslib.serve` hands one to your handler, :func:`wslib.connect`
returns one.

::

    async with wslib.connect(server.url) as ws:
        await ws.send("hello")          # str -> text frame, bytes -> binary frame
        print(await ws.recv())          # the next whole message
        print(await ws.ping())          # round-trip time in seconds
        async for message in ws:        # until the peer closes (quietly for 1000 / 1001)
            ...

How it works. The opening handshake is plain HTTP, read and written with asyncio streams
(``StreamReader`` / ``StreamWriter``). Once it succeeds, the WebSocket takes the transport over
(:meth:`WebSocket.from_streams`): from then on asyncio calls :meth:`WebSocket.data_received`
with every chunk of bytes that arrives, and it runs, right there::

    events = connection.receive_data(data) # frames -> events (and pongs / close echoes to send)
    transport.write(connection.data_to_send())
    messages -> a queue                    # recv() takes them from there (each event once)
    Pong     -> wakes the matching ping()
    Closed   -> remember code and reason, then close TCP

No task sits between the socket and the queue, so a message costs no extra trip through the
event loop. (A first version had a reader task, ``await reader.read()`` in a loop: simpler to
read, but each message then woke two tasks instead of one; echo round trips were about 20%
slower, below websockets instead of above it. benchmarks/bench_echo.py measures this.)

Backpressure (流量控制), both ways:

* receiving: when ``max_queue`` messages wait in the queue, we call
  ``transport.pause_reading()``: asyncio stops reading the socket, the kernel's receive buffer
  fills, TCP's window closes, and the *peer's* sends block. :meth:`WebSocket.recv` resumes
  reading once the application has caught up. Memory stays bounded however fast the peer sends.
* sending: when the transport's buffer is over its high-water mark (64 KiB by default), asyncio
  calls :meth:`WebSocket.pause_writing`, and :meth:`WebSocket.send` waits until it calls
  :meth:`WebSocket.resume_writing`. A peer that reads slowly makes ``send()`` wait instead of
  letting the buffer grow without bound.

Closing (RFC 6455 section 7): :meth:`WebSocket.close` sends a close frame and waits up to
``close_timeout`` for the peer's close frame and the end of TCP; after that it aborts. The
server closes TCP first (section 7.1.1), at once; the client waits for the server's EOF for up
to ``close_timeout``, then closes anyway.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import deque
from typing import Any, Awaitable, Callable, Coroutine, Generator, Generic, TypeVar

from .connection import BinaryMessage, Closed, Connection, Pong, State, TextMessage
from .errors import ConcurrencyError, ConnectionClosed, ConnectionClosedOK
from .frames import CloseCode
from .http import Request, Response

__all__ = ["WebSocket", "Opening"]

_END = object()  # put on the message queue after the last message: "closed, nothing follows"


class _MessageQueue:
    """The received messages waiting for :meth:`WebSocket.recv`: a deque, and the future of the
    one ``recv()`` that may be waiting (a WebSocket has one reader at a time; ``recv()`` makes
    the future and waits on it). It does what an ``asyncio.Queue`` would, without what nobody
    uses here (many getters, task accounting, a size limit: the size is bounded by
    ``pause_reading()``), at a fraction of its cost per message."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: deque = deque()
        self._waiter: asyncio.Future | None = None

    def put_nowait(self, item: object) -> None:
        self._items.append(item)
        self.wake()

    def wake(self) -> None:
        """Wake the waiting ``recv()``, if any (after items were appended to ``_items``)."""
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def get_nowait(self) -> object:
        return self._items.popleft()

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)


class WebSocket(asyncio.Protocol):
    """An open WebSocket connection, on either side.

    You do not create one yourself: :func:`wslib.serve` passes one to your handler and
    :func:`wslib.connect` returns one. Attributes:

    ``connection``  the sans-I/O :class:`~wslib.connection.Connection` underneath;
    ``role``        ``"server"`` or ``"client"``;
    ``request``     the HTTP upgrade request (the client's GET); ``response`` the server's 101;
    ``path``        the request path (no query string); ``subprotocol`` what was negotiated;
    ``remote_address``  the peer's ``(host, port)``;
    ``close_code``, ``close_reason``  once closed: the peer's close frame (1005 when it had no
    code, 1006 when TCP ended without one), or the code and reason *we* sent when we failed the
    connection (a protocol error, or 1011 "keepalive ping timeout").
    """

    def __init__(
        self,
        connection: Connection,
        transport: asyncio.Transport,
        *,
        request: Request | None = None,
        response: Response | None = None,
        subprotocol: str | None = None,
        close_timeout: float = 5.0,
        ping_interval: float | None = None,
        ping_timeout: float | None = 20.0,
        max_queue: int = 32,
    ) -> None:
        self.connection = connection
        self.role = connection.role
        self.request = request
        self.response = response
        self.path = request.path if request is not None else "/"
        self.subprotocol = subprotocol
        self.remote_address = transport.get_extra_info("peername")
        self.close_timeout = close_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.max_queue = max_queue
        self.close_code: int | None = None
        self.close_reason: str | None = None

        self._loop = loop = asyncio.get_running_loop()
        self._transport = transport
        self._messages = _MessageQueue()  # bounded by pause_reading(), see above
        self._reading_paused = False
        self._accepting = True  # False once we close: messages still arriving are dropped
        self._writing_paused = False  # set by pause_writing(), cleared by resume_writing()
        self._drain_waiters: list[asyncio.Future] = []
        # Outgoing frames held back during one turn of the event loop, sent together (_hold).
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._high_water = transport.get_write_buffer_limits()[1]
        # Pings waiting for their pong, oldest first: (payload, future, time sent).
        self._pings: list[tuple[bytes, asyncio.Future, float]] = []
        self._closed = loop.create_future()  # done when TCP is closed
        self._abort_timer: asyncio.TimerHandle | None = None
        self._pending_timer: asyncio.TimerHandle | None = None  # see data_received()
        self._receiving = False  # a recv() is waiting: a second one at the same time is an error
        self._streams: tuple | None = None
        self._keepalive_task = (loop.create_task(self._keepalive())
                                if ping_interval is not None else None)
        transport.set_protocol(self)  # from now on, asyncio calls our data_received()

    @classmethod
    async def from_streams(cls, connection: Connection, reader: asyncio.StreamReader,
                           writer: asyncio.StreamWriter, *, initial_data: bytes = b"",
                           **options: Any) -> "WebSocket":
        """Take over the TCP connection whose streams carried the opening handshake.

        ``initial_data``: bytes already read past the HTTP head (a first frame that came in the
        same packet). Whatever the ``StreamReader`` still holds is taken too, in order.
        """
        ws = cls(connection, writer.transport, **options)  # new bytes now go to ws
        ws._streams = (reader, writer)  # kept alive with ws: they would warn when collected
        reader.feed_eof()  # the StreamReader gets nothing more, so read() cannot wait:
        try:
            leftover = await reader.read()  # it returns at once with what the reader still held
        except OSError:  # the connection was reset before we took over
            leftover = b""
        if initial_data or leftover:
            ws.data_received(initial_data + leftover)
        if writer.transport.is_closing():  # TCP ended before we took over
            ws.connection_lost(None)
        return ws

    def __repr__(self) -> str:
        state = ("CONNECTING", "OPEN", "CLOSING", "CLOSED")[self.ready_state]
        return f"<WebSocket {self.role} {self.path!r} {state}>"

    @property
    def ready_state(self) -> int:
        """0-3 like the browser's ``WebSocket.readyState``. A WebSocket object exists only once
        the opening handshake succeeded, so it starts at OPEN (1); CLOSING (2) from the first
        close frame until TCP is closed; then CLOSED (3)."""
        if self._closed.done():
            return State.CLOSED
        if self.connection.state is State.OPEN:
            return State.OPEN
        return State.CLOSING

    @property
    def transport(self) -> asyncio.Transport:
        """The asyncio transport underneath (``transport.get_write_buffer_size()``: bytes
        waiting to be sent)."""
        return self._transport

    # ------------------------------------------------------------ receiving: asyncio calls these

    def data_received(self, data: bytes) -> None:
        """Bytes from the socket: through the Connection, then to the queue."""
        conn = self.connection
        events = conn.receive_data(data)
        out = conn.data_to_send()  # pongs, the echo of a close frame, our close on an error
        if out:
            self._write(out)
        self._handle(events)
        queue = self._messages
        if conn.pending_error is not None:
            # A bad frame came after these messages: let the application answer them first
            # (recv() fails the connection once it has taken them); nothing to answer: fail now.
            if queue.empty() or not self._accepting:
                self._fail_pending()
            elif self._pending_timer is None:  # an application that never reads: not forever
                self._pending_timer = self._loop.call_later(self.close_timeout, self._fail_pending)
        if queue.qsize() >= self.max_queue and not self._reading_paused:
            # Backpressure: the application is behind. Stop reading until recv() catches up.
            self._reading_paused = True
            self._transport.pause_reading()

    def _handle(self, events: list) -> None:
        """Act on the Connection's events (each is handed out once: nothing else sees them)."""
        queue = self._messages
        items = queue._items
        for event in events:
            kind = type(event)
            if kind is TextMessage or kind is BinaryMessage:
                if self._accepting:
                    items.append(event.data)
            elif kind is Pong:
                self._pong_received(event.payload)
            elif kind is Closed:
                self._connection_closed(event.code, event.reason)
            # Ping: the Connection has already queued the pong, written by the caller.
        if items:
            queue.wake()  # once, however many messages came

    def _fail_pending(self) -> None:
        """Fail the connection for the protocol error that waited behind the messages the
        application has now taken (Connection.pending_error): the close frame goes out after
        whatever the application answered."""
        if self._pending_timer is not None:
            self._pending_timer.cancel()
            self._pending_timer = None
        conn = self.connection
        if conn.pending_error is None:
            return
        events = conn.events()
        self._write(conn.data_to_send())
        self._handle(events)

    def eof_received(self) -> None:
        """The peer closed its side of TCP."""
        self.data_received(b"")  # Closed(1006) if the WebSocket was still open
        self._close_transport()

    def connection_lost(self, exc: Exception | None) -> None:
        """TCP is closed (by either side, or reset)."""
        if self.connection.state is not State.CLOSED:
            self.data_received(b"")  # the end of the stream: Closed(1006)
        if self._closed.done():
            return
        self._closed.set_result(None)
        if self._abort_timer is not None:
            self._abort_timer.cancel()
        if self._keepalive_task is not None:
            self._keepalive_task.cancel()
        if self._pending_timer is not None:
            self._pending_timer.cancel()
        error = self._closed_error()
        for _, waiter, _ in self._pings:  # no pong will come now
            if not waiter.done():
                waiter.set_exception(error)
                waiter.exception()  # mark it retrieved: nobody may be waiting any more
        self._pings = []
        self.resume_writing()  # wake send()s waiting for the buffer: they will raise

    def pause_writing(self) -> None:
        """The transport's buffer went over the high-water mark: send() must wait."""
        self._writing_paused = True

    def resume_writing(self) -> None:
        """The transport's buffer went under the low-water mark: waiting send()s go on."""
        self._writing_paused = False
        for waiter in self._drain_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._drain_waiters = []

    # ------------------------------------------------------------ receiving: your side

    def recv(self) -> Coroutine[Any, Any, str | bytes]:
        """The next message: ``str`` for a text message, ``bytes`` for a binary one
        (``await ws.recv()``: it returns a coroutine, as an ``async def`` would).

        Messages that arrived before the peer's close frame are still returned; after them,
        raises :class:`~wslib.errors.ConnectionClosedOK` (1000, 1001) or
        :class:`~wslib.errors.ConnectionClosedError` (anything else). Only one task may wait
        in ``recv()`` (or ``async for``) at a time: a second one raises
        :class:`~wslib.errors.ConcurrencyError` (which of them should get the next message?).
        """
        return self._next_message(False)

    def __aiter__(self) -> "WebSocket":
        """``async for message in ws``: ends quietly on a normal close (1000 or 1001), raises
        :class:`~wslib.errors.ConnectionClosedError` on any other."""
        return self

    def __anext__(self) -> Coroutine[Any, Any, str | bytes]:
        return self._next_message(True)

    async def _next_message(self, iterating: bool) -> str | bytes:
        """recv() and ``async for``: the same coroutine, which ``async for`` (``iterating``)
        ends with StopAsyncIteration on a normal close. recv() and __anext__ are plain methods
        that return it, so that no coroutine sits between the caller and this one: each
        message resumes one frame less."""
        if self._receiving:
            raise ConcurrencyError("recv() is already waiting for a message in another task; "
                                   "one WebSocket has one reader at a time (share the messages "
                                   "through an asyncio.Queue if several tasks need them)")
        queue = self._messages
        items = queue._items
        if not items and self.connection.pending_error is not None:
            self._fail_pending()  # every message before the bad frame has been taken
        if not items:  # wait for data_received() to put a message there (it wakes us)
            self._receiving = True
            try:
                while not items:
                    queue._waiter = waiter = self._loop.create_future()
                    await waiter
            finally:
                queue._waiter = None
                self._receiving = False
        message = items.popleft()
        if self._reading_paused and len(items) <= self.max_queue // 4:
            self._reading_paused = False  # caught up: read the socket again
            self._transport.resume_reading()
        if message is _END:
            queue.put_nowait(_END)  # for the next call
            error = self._closed_error()
            if iterating and isinstance(error, ConnectionClosedOK):
                raise StopAsyncIteration
            raise error
        return message

    def _closed_error(self) -> ConnectionClosed:
        code = self.close_code if self.close_code is not None else CloseCode.ABNORMAL
        sent = self.connection.close_sent
        return ConnectionClosed.make(code, self.close_reason or "",
                                     sent_code=sent[0] if sent else None)

    # ------------------------------------------------------------------ sending

    async def send(self, message: str | bytes | bytearray | memoryview, *,
                   fragment_size: int | None = None) -> None:
        """Send one message: ``str`` as a text frame, anything bytes-like as a binary frame.

        ``fragment_size`` splits the message into frames of at most that many bytes.
        Waits while the transport's buffer is over its high-water mark (the peer reads slowly).
        Raises :class:`~wslib.errors.ConnectionClosed` once the connection is closing or closed.
        """
        conn = self.connection
        if isinstance(message, str):
            conn.send_text(message, fragment_size=fragment_size)
        elif isinstance(message, (bytes, bytearray, memoryview)):
            conn.send_binary(message, fragment_size=fragment_size)
        else:
            raise TypeError("send() takes str or a bytes-like object, "
                            f"not {type(message).__name__}")
        data = conn.data_to_send()
        if not self._messages._items:
            # No received message is waiting for the application: it is about to wait for one,
            # so send now (with anything held back).
            self._write(data)
        else:
            # More received messages are waiting: the application is in a burst (an echo, an
            # answer per request...). Hold the frame back; the whole burst goes out in one system
            # call when it ends, or at the latest when the event loop gets control back.
            self._hold(data)
        if self._writing_paused:  # backpressure: wait until the transport has written enough
            await self._drain()

    def send_nowait(self, message: str | bytes | bytearray | memoryview) -> None:
        """Send one message without ever waiting, however full the transport's buffer is.

        The frame goes out at the end of this turn of the event loop at the latest, together
        with every other frame sent to this peer in the same turn: a burst of broadcasts costs
        one system call per peer, not one per message and peer.

        For fan-out (a chat room, a broadcast), where one slow reader must not hold up the
        others: send to each peer with ``send_nowait``, then look at :attr:`buffered_amount`
        and decide what to do with a peer that does not keep up (``wslib.apps.chat`` closes it
        with 1008). Raises :class:`~wslib.errors.ConnectionClosed` once the connection is
        closing or closed, like :meth:`send`.
        """
        conn = self.connection
        if isinstance(message, str):
            conn.send_text(message)
        elif isinstance(message, (bytes, bytearray, memoryview)):
            conn.send_binary(message)
        else:
            raise TypeError("send_nowait() takes str or a bytes-like object, "
                            f"not {type(message).__name__}")
        self._hold(conn.data_to_send())

    @property
    def buffered_amount(self) -> int:
        """Bytes sent but not yet handed to the kernel: the transport's write buffer, plus
        frames held back for a moment (the browser's ``WebSocket.bufferedAmount``). It grows
        when the peer reads more slowly than we send."""
        return self._transport.get_write_buffer_size() + self._pending_size

    async def flush(self) -> None:
        """Send whatever ``ws.connection`` has queued: for frames built by hand with
        ``ws.connection.send_frame(...)`` (lessons on fragmentation and control frames)."""
        self._write(self.connection.data_to_send())
        if self._writing_paused:
            await self._drain()

    async def _drain(self) -> None:
        while self._writing_paused and not self._closed.done():
            waiter = self._loop.create_future()
            self._drain_waiters.append(waiter)
            await waiter
        if self._closed.done():  # TCP closed while we waited: what we sent may be lost
            raise self._closed_error()

    def _write(self, data: bytes) -> None:
        """Write to the socket now (after anything held back)."""
        if not self._pending:  # the usual case: nothing held back
            if data and not self._transport.is_closing():
                self._transport.write(data)
            return
        if data:
            self._pending.append(data)
        self._flush()

    def _hold(self, data: bytes) -> None:
        """Write to the socket soon: frames held during one turn of the event loop go out
        together, in one system call instead of one each (the idea of TCP_CORK, in user space)."""
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size > self._high_water:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending = []
            self._pending_size = 0
            if not self._transport.is_closing():
                self._transport.write(data)

    # ------------------------------------------------------------------ ping

    async def ping(self, payload: bytes = b"") -> float:
        """Send a ping and wait for the matching pong; return the round trip in seconds.

        A pong answers the ping with the same payload, and every ping sent before it (a peer may
        answer only the most recent ping, RFC 6455 section 5.5.3). Raises ConnectionClosed if
        the connection closes first.
        """
        return await self._send_ping(bytes(payload))

    def _send_ping(self, payload: bytes) -> asyncio.Future:
        conn = self.connection
        conn.send_ping(payload)  # raises ConnectionClosed if we cannot send any more
        self._write(conn.data_to_send())
        waiter = self._loop.create_future()
        self._pings.append((payload, waiter, time.perf_counter()))
        return waiter

    def _pong_received(self, payload: bytes) -> None:
        now = time.perf_counter()
        for i, (sent, _, _) in enumerate(self._pings):
            if sent == payload:
                answered, self._pings = self._pings[:i + 1], self._pings[i + 1:]
                for _, waiter, sent_at in answered:
                    if not waiter.done():
                        waiter.set_result(now - sent_at)
                return
        # No ping of ours has this payload: an unsolicited pong (a heartbeat), ignored.

    async def _keepalive(self) -> None:
        """Every ``ping_interval`` seconds, ping; no pong within ``ping_timeout`` fails the
        connection with 1011 (the peer, or the path to it, is gone without telling us)."""
        assert self.ping_interval is not None
        try:
            while True:
                await asyncio.sleep(self.ping_interval)
                waiter = self._send_ping(os.urandom(4))  # random: never mistaken for a user's
                try:
                    async with asyncio.timeout(self.ping_timeout):
                        await waiter
                except TimeoutError:
                    self._fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
                    return
        except ConnectionClosed:
            return

    # ------------------------------------------------------------------ closing

    async def close(self, code: int = CloseCode.NORMAL, reason: str = "") -> None:
        """Start the closing handshake and wait until TCP is closed; safe to call many times.

        Messages not yet received are dropped: after ``close()``, :meth:`recv` raises. Waits up
        to ``close_timeout`` seconds for the peer's close frame and the end of TCP, then aborts
        the connection (``close_code`` is then 1006).
        """
        conn = self.connection
        if conn.pending_error is not None:
            self._fail_pending()  # the peer broke a rule: that, not a normal close, ends it
        if conn.state is State.OPEN:
            conn.close(code, reason)  # UsageError for a code or reason that may not be sent
            self._write(conn.data_to_send())
        self._discard_messages()
        try:
            async with asyncio.timeout(self.close_timeout):
                await asyncio.shield(self._closed)
        except TimeoutError:
            self._transport.abort()  # the peer did not answer: drop the connection
            await asyncio.shield(self._closed)

    async def wait_closed(self) -> None:
        """Wait until the connection is closed, whoever closes it."""
        await asyncio.shield(self._closed)

    async def __aenter__(self) -> "WebSocket":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _discard_messages(self) -> None:
        """We are closing: drop unread messages and the ones still to come, and read the socket
        again if we had stopped, so that the peer's close frame gets through."""
        self._accepting = False
        queue = self._messages
        while not queue.empty():
            queue.get_nowait()
        if self.close_code is not None:
            queue.put_nowait(_END)
        if self._reading_paused:
            self._reading_paused = False
            self._transport.resume_reading()

    def _connection_closed(self, code: int, reason: str) -> None:
        """The WebSocket connection is closed (TCP may not be yet): remember how, wake recv(),
        and see to TCP."""
        self.close_code = code
        self.close_reason = reason
        self._messages.put_nowait(_END)
        if self.connection.should_close_transport:
            self._close_transport()  # a server closes TCP at once (RFC 6455 section 7.1.1)
        else:
            # A client gives the server close_timeout seconds to close TCP first.
            self._abort_timer = self._loop.call_later(self.close_timeout, self._close_transport)

    def _close_transport(self) -> None:
        """Close TCP once the buffer is sent; abort if that takes more than close_timeout."""
        self._flush()
        self._transport.close()
        if self._abort_timer is not None:
            self._abort_timer.cancel()
        self._abort_timer = self._loop.call_later(self.close_timeout, self._transport.abort)

    def _fail(self, code: int, reason: str) -> None:
        """Fail the connection ourselves (RFC 6455 section 7.1.7): close frame, then close TCP."""
        conn = self.connection
        conn.fail(code, reason)
        self._write(conn.data_to_send())
        self._discard_messages()
        self._handle(conn.events())  # the Closed event fail() queued


T = TypeVar("T")


class Opening(Generic[T]):
    """What :func:`wslib.serve` and :func:`wslib.connect` return: await it, or use it with
    ``async with`` (which closes the server / the WebSocket on the way out)::

        server = await wslib.serve(handler)   # or: async with wslib.serve(handler) as server:
        ws = await wslib.connect(server.url)  # or: async with wslib.connect(url) as ws:
    """

    def __init__(self, open: Callable[[], Awaitable[T]]) -> None:
        self._open = open
        self._value: Any = None

    def __await__(self) -> Generator[Any, None, T]:
        return self._open().__await__()

    async def __aenter__(self) -> T:
        self._value = await self._open()
        return self._value

    async def __aexit__(self, *exc_info: object) -> None:
        await self._value.close()
