"""The asyncio server: one port for pages, HTTP handlers, streams (SSE) and WebSockets.

::

    router = Router()
    router.page("/", "<h1>hello</h1>")       # static content
    router.get("/time", time_handler)        # async def time_handler(request) -> str
    router.stream("/events", sse_handler)    # async def sse_handler(request) -> StreamResponse
    router.websocket("/ws", chat)            # async def chat(ws: WebSocket)
    server = await serve(router)             # 127.0.0.1, a free port
    print(server.url, server.http_url)
    ...
    await server.close()

``serve(handler)`` with a plain ``async def handler(ws)`` serves a WebSocket on every path.

Each TCP connection gets one task, :meth:`Server._connection`, which reads HTTP requests one
after the other (HTTP/1.1 keep-alive) until one of them is

* a WebSocket upgrade: the handshake is checked (:func:`wslib.handshake.check_request`),
  answered with 101, and the connection becomes a :class:`~wslib.websocket.WebSocket` for the
  rest of its life;
* a stream: the head is sent, then each chunk as the handler produces it, until either side
  stops; then TCP is closed;
* a request that says ``Connection: close``, or an error.

Every response carries ``Content-Length`` (except streams, which end when TCP does), so that
the client knows where one response ends and can send the next request on the same connection.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, Union

from .connection import Connection
from .errors import ConnectionClosed, HandshakeError, HTTPHeadError, UsageError, close_code_for
from .handshake import build_response, check_request, parse_header_list, reject, select_subprotocol
from .http import (STATUS_REASONS, HeadReader, Headers, Request, Response, check_host,
                   request_body_length, request_from_head)
from .websocket import Opening, WebSocket

if TYPE_CHECKING:  # eventstream imports this module; only the type checker needs the name here
    from .eventstream import EventChannel

__all__ = ["Router", "StreamResponse", "serve", "Server", "text_response"]

logger = logging.getLogger("wslib.server")

MAX_BODY = 1 << 20  # largest request body a route accepts (Content-Length), else 413

WebSocketHandler = Callable[[WebSocket], Awaitable[None]]
HTTPHandler = Callable[[Request], Awaitable[Union[Response, str, bytes]]]


@dataclass
class StreamResponse:
    """A response whose body is produced over time: Server-Sent Events, a log tail, ...

    The server writes the head (no Content-Length; ``Connection: close``), then each chunk of
    ``chunks`` as soon as it is produced, waiting for ``drain()`` after each one (a slow reader
    slows the producer down). When the client goes away, the producer is cancelled and closed
    (``aclose()``), so its ``finally`` blocks run. Then the TCP connection is closed.

    ``drain_timeout``: a client that takes longer than this many seconds to accept one chunk has
    stopped reading; it is dropped, so that it cannot hold the producer (and its memory) forever.
    """

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    chunks: AsyncIterator[bytes] | None = None
    drain_timeout: float | None = None

    def __post_init__(self) -> None:
        if self.chunks is None:
            raise UsageError("StreamResponse needs chunks: an async iterator of bytes")


def text_response(status: int, text: str, headers: list[tuple[str, str]] = ()) -> Response:
    """A ``text/plain`` response with ``text`` (and a final newline) as its body."""
    body = (text + "\n").encode("utf-8")
    h = Headers([("Content-Type", "text/plain; charset=utf-8")] + list(headers))
    return Response(status, h, reason=_reason(status), body=body)


def _reason(status: int) -> str:
    return STATUS_REASONS.get(status, "")


@dataclass
class _Route:
    kind: str  # "websocket", "http" or "stream"
    handler: Callable[..., Awaitable[Any]]
    methods: tuple[str, ...] = ("GET",)


class Router:
    """Maps paths to handlers. A path matches exactly (the query string is ignored)."""

    def __init__(self) -> None:
        self.routes: dict[str, _Route] = {}
        self.default: _Route | None = None  # used for every path without a route of its own

    def websocket(self, path: str, handler: WebSocketHandler) -> None:
        """``async def handler(ws: WebSocket)``; when it returns, the connection is closed
        with 1000."""
        self.routes[path] = _Route("websocket", handler)

    def page(self, path: str, body: str | bytes,
             content_type: str = "text/html; charset=utf-8") -> None:
        """Static content: the same body for every GET."""
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)

        async def static(request: Request) -> Response:
            return Response(200, Headers([("Content-Type", content_type)]), body=data)

        self.routes[path] = _Route("http", static)

    def get(self, path: str, handler: HTTPHandler) -> None:
        """``async def handler(request) -> Response | str | bytes``. A ``str`` is sent as
        ``text/plain; charset=utf-8``, ``bytes`` as ``application/octet-stream``."""
        self.route(path, handler, methods=("GET",))

    def route(self, path: str, handler: HTTPHandler, methods: tuple[str, ...] = ("GET",)) -> None:
        """Like :meth:`get` for any methods. A body (``Content-Length``, at most 1 MiB, else 413)
        is in ``request.body``."""
        self.routes[path] = _Route("http", handler, tuple(m.upper() for m in methods))

    def stream(self, path: str, handler: Callable[[Request], Awaitable[StreamResponse]]) -> None:
        """``async def handler(request) -> StreamResponse`` (or a plain Response / str to refuse,
        e.g. 204 to tell an EventSource to stop reconnecting)."""
        self.routes[path] = _Route("stream", handler)

    def sse(self, path: str, channel: "EventChannel") -> None:
        """Serve a :class:`wslib.eventstream.EventChannel` at ``path``: what
        ``new EventSource(path)`` opens in a browser. Same as ``stream(path, channel.handler)``."""
        self.stream(path, channel.handler)

    def find(self, path: str) -> _Route | None:
        return self.routes.get(path, self.default)


def serve(
    handler_or_router: WebSocketHandler | Router,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    origins: list[str] | tuple[str, ...] | None = None,
    subprotocols: list[str] | tuple[str, ...] = (),
    max_size: int | None = 1 << 20,
    ping_interval: float | None = None,
    ping_timeout: float | None = 20.0,
    handshake_timeout: float = 10.0,
    close_timeout: float = 5.0,
) -> Opening["Server"]:
    """Start a server; ``await`` the result, or use it with ``async with``.

    ``handler_or_router``: an ``async def handler(ws)`` (a WebSocket on every path) or a
    :class:`Router`. ``port=0`` picks a free port: read it from ``server.port``.
    ``origins``: when given, the only ``Origin`` values accepted (others get 403); ``None``
    accepts any. ``subprotocols``: the server's choices, in order of preference.
    ``max_size``: largest incoming message, in bytes (larger closes with 1009).
    ``ping_interval`` / ``ping_timeout``: keepalive pings (off by default).
    ``handshake_timeout``: seconds to receive each request head. ``close_timeout``: seconds to
    wait for the closing handshake before dropping TCP.
    """
    if isinstance(handler_or_router, Router):
        router = handler_or_router
    elif callable(handler_or_router):
        router = Router()
        router.default = _Route("websocket", handler_or_router)
    else:
        raise UsageError("serve() takes an async handler(ws) or a Router, "
                         f"not {type(handler_or_router).__name__}")
    server = Server(router, origins=origins, subprotocols=subprotocols, max_size=max_size,
                    ping_interval=ping_interval, ping_timeout=ping_timeout,
                    handshake_timeout=handshake_timeout, close_timeout=close_timeout)

    async def start() -> Server:
        await server._start(host, port)
        return server

    return Opening(start)


class Server:
    """A running server. ``url`` is ``ws://host:port/``, ``http_url`` ``http://host:port/``;
    ``connections`` the WebSockets open right now."""

    def __init__(self, router: Router, *, origins, subprotocols, max_size, ping_interval,
                 ping_timeout, handshake_timeout, close_timeout) -> None:
        self.router = router
        self.origins = None if origins is None else list(origins)
        self.subprotocols = list(subprotocols)
        self.max_size = max_size
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.handshake_timeout = handshake_timeout
        self.close_timeout = close_timeout
        self.host = ""
        self.port = 0
        self.connections: set[WebSocket] = set()
        self._server: asyncio.base_events.Server | None = None
        self._tasks: dict[asyncio.Task, str] = {}  # one per TCP connection: "http" or "websocket"
        self._writers: set[asyncio.StreamWriter] = set()
        self._closing = False
        self._closed = asyncio.Event()

    async def _start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._connection, host, port)
        sockname = self._server.sockets[0].getsockname()
        self.host, self.port = sockname[0], sockname[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}/"

    @property
    def http_url(self) -> str:
        return "http" + self.url[2:]

    def __repr__(self) -> str:
        return f"<Server {self.url} connections={len(self.connections)}>"

    # ------------------------------------------------------------------ lifetime

    async def serve_forever(self) -> None:
        """Wait until the server is closed; if this task is cancelled, close the server first."""
        try:
            await self._closed.wait()
        except asyncio.CancelledError:
            await self.close()
            raise

    async def close(self, code: int = 1001, reason: str = "server shutting down") -> None:
        """Stop listening, close every WebSocket with ``code`` (1001 "going away"), stop HTTP and
        stream connections, wait up to ``close_timeout``, then drop whatever is left."""
        if self._closing:
            await self._closed.wait()
            return
        self._closing = True
        if self._server is not None:
            self._server.close()  # no new connections
        for task, kind in list(self._tasks.items()):
            if kind == "http":  # idle keep-alive connections, streams, slow HTTP handlers
                task.cancel()
        await asyncio.gather(*(ws.close(code, reason) for ws in list(self.connections)),
                             return_exceptions=True)
        # WebSocket handlers normally return once recv() raised ConnectionClosed; give them
        # close_timeout seconds, then cancel the ones that do not.
        tasks = list(self._tasks)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=self.close_timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=self.close_timeout)
        for writer in list(self._writers):
            writer.transport.abort()
        if self._server is not None:
            await self._server.wait_closed()
        self._closed.set()

    async def __aenter__(self) -> "Server":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ one TCP connection

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """The task for one TCP connection (asyncio starts one per client)."""
        task = asyncio.current_task()
        assert task is not None
        self._tasks[task] = "http"
        self._writers.add(writer)
        try:
            await self._requests(task, reader, writer)
        except _Refused as refused:  # answer, then hang up
            try:
                await self._send_response(writer, refused.response, keep_alive=False)
            except ConnectionError:
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away
        except asyncio.CancelledError:
            pass  # server.close(): this connection ends here, quietly
        except Exception:
            logger.exception("error while serving %s", writer.get_extra_info("peername"))
        finally:
            del self._tasks[task]
            self._writers.discard(writer)
            if self._closing:
                writer.transport.abort()
            else:
                writer.close()  # after the last response is sent

    async def _requests(self, task: asyncio.Task, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:
        """HTTP requests, one after the other, until an upgrade, a stream, or the end.

        Where one request ends and the next begins (RFC 9112 section 6.3): every request's
        body is read here, before any route sees the request, whatever the route does with
        it; a body whose length cannot be known is refused and the connection closed. An
        upgrade request may not carry a body at all (check_request refuses it, and the
        connection is closed). So no route can leave a body behind to be parsed as the next
        request (request smuggling, 请求走私)."""
        buffered = b""  # bytes read after the previous head (a body, a pipelined request)
        while not self._closing:
            request, buffered = await self._read_request(reader, writer, buffered)
            if request is None:
                return
            route = self.router.find(request.path)
            if route is not None and route.kind == "websocket" and _wants_upgrade(request):
                self._tasks[task] = "websocket"
                await self._websocket(route.handler, request, reader, writer, buffered)
                return
            request.body, buffered = await self._read_body(request, reader, buffered)
            if route is not None and route.kind == "stream" and request.method == "GET":
                if await self._stream(route.handler, request, reader, writer):
                    return
                continue
            response = await self._answer(route, request)
            keep_alive = _keep_alive(request)
            await self._send_response(writer, response, keep_alive)
            if not keep_alive:
                return

    async def _read_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                            buffered: bytes) -> tuple[Request | None, bytes]:
        """Read one request head within handshake_timeout; ``(None, b"")`` at the end of the
        stream. A head that is malformed, or has no valid Host, is refused (400), and so are
        first bytes that cannot start a request (a TLS ClientHello), at once; a head over a
        limit gets 431 or 414."""
        head = HeadReader(kind="request")
        received = bool(buffered)
        try:
            async with asyncio.timeout(self.handshake_timeout):
                result = head.feed(buffered) if buffered else None
                while result is None:
                    data = await reader.read(1 << 16)
                    if not data:
                        return None, b""  # the client closed the connection
                    received = True
                    result = head.feed(data)
            request = request_from_head(*result)
            check_host(request)
            return request, head.rest
        except TimeoutError:
            # Nothing received: an idle keep-alive connection; close it without a word.
            # Half a head: tell the client why we hang up.
            if received:
                raise _Refused(text_response(408, "the request head did not arrive within "
                                                  f"{self.handshake_timeout} s")) from None
            return None, b""
        except HTTPHeadError as exc:
            raise _Refused(reject(exc)) from None

    async def _read_body(self, request: Request, reader: asyncio.StreamReader,
                         buffered: bytes) -> tuple[bytes, bytes]:
        """Read the request's body (RFC 9112 section 6.3); return it and the bytes after it.
        Every refusal here closes the connection: the body is not read, so where the next
        request would start is unknown."""
        try:
            length = request_body_length(request)
        except HTTPHeadError as exc:
            raise _Refused(reject(exc)) from None
        if length is None:
            raise _Refused(text_response(501, "Transfer-Encoding: chunked request bodies are not "
                                              "supported by this server; send the body with "
                                              "Content-Length (RFC 9112 section 6.1)"))
        if length > MAX_BODY:
            raise _Refused(text_response(413, f"request body of {length} bytes (Content-Length); "
                                              f"the limit is {MAX_BODY}"))
        if len(buffered) < length:
            try:
                async with asyncio.timeout(self.handshake_timeout):
                    buffered += await reader.readexactly(length - len(buffered))
            except TimeoutError:
                raise _Refused(text_response(
                    408, f"the request body ({length} bytes, Content-Length) did not arrive "
                         f"within {self.handshake_timeout} s")) from None
        return buffered[:length], buffered[length:]

    async def _answer(self, route: _Route | None, request: Request) -> Response:
        """The response to a plain HTTP request."""
        if route is None:
            return text_response(404, f"Not Found: nothing is served at {request.path} here")
        if route.kind == "websocket":  # a plain GET, without "Upgrade: websocket"
            return text_response(
                426, f"{request.path} is a WebSocket endpoint: connect with a WebSocket client "
                     f"(in a browser: new WebSocket(\"ws://{request.authority or 'HOST'}"
                     f"{request.path}\")), not a plain HTTP GET",
                # RFC 9110 section 15.5.22: a 426 MUST carry Upgrade; section 7.8: whoever
                # sends Upgrade MUST also send Connection: upgrade.
                [("Upgrade", "websocket"), ("Connection", "Upgrade"),
                 ("Sec-WebSocket-Version", "13")])
        if request.method not in route.methods:
            allowed = ", ".join(route.methods)
            return text_response(405, f"{request.method} is not allowed on {request.path}; "
                                      f"use {allowed}", [("Allow", allowed)])
        try:
            return _as_response(await route.handler(request))
        except Exception:
            logger.exception("HTTP handler for %s failed", request.path)
            return text_response(500, "Internal Server Error: the handler raised an exception "
                                      "(see the server's log)")

    async def _send_response(self, writer: asyncio.StreamWriter, response: Response,
                             keep_alive: bool) -> None:
        # Content-Length always, from the actual body; Connection: close when we hang up,
        # next to the response's own connection options (Upgrade, with a 426).
        drop = ("content-length", "connection")
        headers = Headers([(n, v) for n, v in response.headers if n.lower() not in drop])
        # RFC 9110 section 8.6: no Content-Length on a 1xx or 204 response (they have no body).
        if not (100 <= response.status < 200 or response.status == 204):
            headers.add("Content-Length", str(len(response.body)))
        options = [o for o in parse_header_list(response.headers.get("Connection"))
                   if o.lower() not in ("close", "keep-alive")]
        if not keep_alive:
            options.append("close")
        if options:
            headers.add("Connection", ", ".join(options))
        writer.write(Response(response.status, headers, response.reason, body=response.body)
                     .to_bytes())
        await writer.drain()

    # ------------------------------------------------------------------ WebSocket

    async def _websocket(self, handler: WebSocketHandler, request: Request,
                         reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                         buffered: bytes) -> None:
        """Finish the opening handshake, then run the handler; close with 1000 when it returns,
        1011 when it raises."""
        try:
            handshake = check_request(request, origins=self.origins)
        except HandshakeError as exc:
            raise _Refused(reject(exc)) from None
        subprotocol = select_subprotocol(handshake.subprotocols, self.subprotocols)
        # No Sec-WebSocket-Extensions in the answer: wslib declines permessage-deflate, which
        # browsers offer (RFC 6455 section 9.1: the server picks among the offers, or none).
        response = build_response(handshake.key, subprotocol=subprotocol)
        writer.write(response.to_bytes())
        ws = await WebSocket.from_streams(
            Connection("server", max_message_size=self.max_size), reader, writer,
            initial_data=buffered, request=request, response=response, subprotocol=subprotocol,
            close_timeout=self.close_timeout, ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout)
        self.connections.add(ws)
        try:
            await handler(ws)
        except ConnectionClosed:
            pass  # the handler sent or received on a closed connection: nothing to report
        except Exception as exc:
            # The application's bug, not the peer's: 1011, and the details stay in our log.
            logger.exception("WebSocket handler for %s failed", request.path)
            await ws.close(close_code_for(exc), "internal error")
        finally:
            try:
                await ws.close()  # 1000 if still open; otherwise waits for the end of TCP
            finally:
                self.connections.discard(ws)

    # ------------------------------------------------------------------ streams

    async def _stream(self, handler: Callable[[Request], Awaitable[Any]], request: Request,
                      reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Run a stream handler. Returns False when it answered with a plain response (the
        connection may then serve more requests), True when it streamed (TCP is then done)."""
        try:
            result = await handler(request)
            if not isinstance(result, StreamResponse):
                result = _as_response(result)
        except Exception:
            logger.exception("stream handler for %s failed", request.path)
            result = text_response(500, "Internal Server Error: the stream handler raised an "
                                        "exception (see the server's log)")
        if isinstance(result, Response):
            response = result
            keep_alive = _keep_alive(request)
            await self._send_response(writer, response, keep_alive)
            return not keep_alive
        headers = Headers(list(result.headers))
        if "Connection" not in headers:
            headers.add("Connection", "close")  # the body ends when TCP does
        writer.write(Response(result.status, headers, _reason(result.status)).to_bytes())
        # Two tasks: one writes the chunks, one watches for the client going away (EOF).
        # Whichever finishes first ends the other.
        pump = asyncio.ensure_future(_pump(result.chunks, writer, result.drain_timeout))
        gone = asyncio.ensure_future(_wait_for_eof(reader))
        try:
            await asyncio.wait([pump, gone], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (pump, gone):
                task.cancel()
            outcomes = await asyncio.gather(pump, gone, return_exceptions=True)
        if isinstance(outcomes[0], Exception):
            logger.error("stream producer for %s failed", request.path, exc_info=outcomes[0])
        return True


async def _pump(chunks: AsyncIterator[bytes], writer: asyncio.StreamWriter,
                drain_timeout: float | None = None) -> None:
    """Write every chunk, waiting for drain() after each: a slow client slows the producer.
    A client that accepts nothing for ``drain_timeout`` seconds is dropped."""
    try:
        async for chunk in chunks:
            writer.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
            try:
                async with asyncio.timeout(drain_timeout):  # None: wait as long as it takes
                    await writer.drain()
            except TimeoutError:
                logger.info("stream client stopped reading for %s s: dropped", drain_timeout)
                writer.transport.abort()
                return
    except ConnectionError:
        pass  # the client went away while we wrote
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()  # runs the producer's finally blocks if it is suspended at a yield


async def _wait_for_eof(reader: asyncio.StreamReader) -> None:
    try:
        while await reader.read(1 << 16):
            pass  # a streaming client has nothing more to say; ignore what it sends
    except ConnectionError:
        pass


class _Refused(Exception):
    """Answer with this response, then close the connection."""

    def __init__(self, response: Response) -> None:
        self.response = response


def _wants_upgrade(request: Request) -> bool:
    """Does the request ask for a WebSocket (or try to, badly)? A plain GET does not."""
    return request.method != "GET" or any(
        token.lower() == "websocket" for token in parse_header_list(request.headers.get("Upgrade")))


def _keep_alive(request: Request) -> bool:
    """HTTP/1.1 keeps the connection open unless the client says ``Connection: close``."""
    if request.version != "HTTP/1.1":
        return False
    tokens = parse_header_list(request.headers.get("Connection"))
    return not any(token.lower() == "close" for token in tokens)


def _as_response(result: Response | str | bytes) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, str):
        return Response(200, Headers([("Content-Type", "text/plain; charset=utf-8")]),
                        body=result.encode("utf-8"))
    if isinstance(result, (bytes, bytearray, memoryview)):
        return Response(200, Headers([("Content-Type", "application/octet-stream")]),
                        body=bytes(result))
    raise TypeError(f"an HTTP handler must return a Response, str or bytes, "
                    f"not {type(result).__name__}")
