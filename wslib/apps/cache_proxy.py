"""A SIMULATION for lesson 04: a naive caching proxy that WebSocket masking protects.

RFC 6455 section 10.3 explains why a client masks every frame: Huang, Chen, Barth, Rescorla and
Jackson ("Talking to Yourself for Fun and Profit", W2SP 2011) showed that some intercepting
proxies in the wild did not understand ``Upgrade``. After the handshake they kept reading the
client's bytes as HTTP, so a page could make its browser send bytes that *looked* like a request
for someone else's script, have its own server answer with a fake response, and the proxy cached
that answer under the other site's URL (cache poisoning).

This module is a toy that misbehaves in exactly that way, so the lesson can run the attack on
127.0.0.1 and watch masking stop it. It is not a model of any real product. What it does:

* It is *transparent*: each listening port stands for "connections to that one server", and it
  forwards there whatever the ``Host`` header says (routing by address, caching by ``Host``: the
  mix-up the attack relies on).
* It does not understand ``Upgrade``: after a ``101`` it keeps scanning both directions as HTTP.
* It skips bytes it cannot parse until something looks like a request line (or a status line).
  Section 10.3 names this behaviour: prefixing data with non-HTTP framing is not enough, since
  an intermediary may skip that framing and act on what follows.
* It pairs responses with requests in order and caches every ``200`` answer to a ``GET`` by
  ``(Host, path)``; a connection whose first request is in the cache is answered from it.

Everything is bounded: buffers (``max_buffer``), the number of cache entries, and the life of a
connection (``timeout`` seconds). :func:`scan_requests` is the same scanner with no sockets.
"""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from dataclasses import dataclass

from ..handshake import build_response, check_request
from ..http import digits_or_none, parse_request

__all__ = [
    "SeenRequest",
    "SeenResponse",
    "RequestScanner",
    "ResponseScanner",
    "scan_requests",
    "NaiveCachingProxy",
    "serve_origin",
    "serve_attacker",
    "http_get",
    "POISON",
]

# What the naive scanner takes for the start of a request or of a response.
_REQUEST_LINE = re.compile(rb"(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH) (/[!-~]*) HTTP/1\.[01]\r\n")
_STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3})[^\r\n]*\r\n")
_TAIL = 1024  # unparsed bytes kept in case a start line is split between two reads

POISON = b"alert('attacker code running with bank.example rights');\n"


@dataclass(frozen=True)
class SeenRequest:
    """A request the proxy believes it saw. ``skipped``: bytes it jumped over to find it."""

    method: str
    path: str
    host: str
    skipped: int = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.path}"


@dataclass(frozen=True)
class SeenResponse:
    """A response the proxy believes it saw."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    skipped: int = 0

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for n, v in self.headers if n == name), None)


def _parse_fields(block: bytes) -> tuple[tuple[str, str], ...]:
    """Header lines, leniently: lower-cased names, lines without a colon ignored."""
    fields = []
    for line in block.split(b"\r\n"):
        name, sep, value = line.partition(b":")
        if sep:
            fields.append((name.strip().decode("latin-1").lower(), value.strip().decode("latin-1")))
    return tuple(fields)


class _Scanner:
    """Finds HTTP heads in a byte stream, skipping whatever does not look like one."""

    pattern: re.Pattern

    def __init__(self, max_buffer: int = 65536) -> None:
        self.max_buffer = max_buffer
        self._buf = bytearray()
        self._skipped = 0  # bytes dropped since the last head found
        self._body_left = 0  # bytes of a response body still to collect
        self._pending: tuple | None = None  # (status, headers, skipped) while collecting a body
        self._body = bytearray()

    def feed(self, data: bytes) -> list:
        self._buf += data
        found = []
        while True:
            if self._pending is not None:  # collecting a response body
                take = min(self._body_left, len(self._buf))
                self._body += self._buf[:take]
                del self._buf[:take]
                self._body_left -= take
                if self._body_left:
                    break
                status, headers, skipped = self._pending
                found.append(SeenResponse(status, headers, bytes(self._body), skipped))
                self._pending, self._body = None, bytearray()
                continue
            match = self.pattern.search(self._buf)
            if match is None:
                keep = min(len(self._buf), _TAIL)
                self._skipped += len(self._buf) - keep
                del self._buf[:len(self._buf) - keep]
                break
            end = self._buf.find(b"\r\n\r\n", match.end() - 2)
            if end < 0:  # the head is not complete yet
                self._skipped += match.start()
                del self._buf[:match.start()]
                if len(self._buf) > self.max_buffer:  # a head this long is not one: drop it
                    self._skipped += len(self._buf)
                    self._buf.clear()
                break
            skipped = self._skipped + match.start()
            groups = match.groups()  # read them before the buffer they point into changes
            fields = _parse_fields(bytes(self._buf[match.end():end + 2]))
            del self._buf[:end + 4]
            self._skipped = 0
            item = self._found(groups, fields, skipped)
            if item is not None:
                found.append(item)
        return found

    def _found(self, groups: tuple, fields: tuple, skipped: int):
        raise NotImplementedError


class RequestScanner(_Scanner):
    """Feed client-to-server bytes; get every :class:`SeenRequest` in them (bodies ignored)."""

    pattern = _REQUEST_LINE

    def _found(self, groups, fields, skipped):
        host = next((v for n, v in fields if n == "host"), "")
        return SeenRequest(groups[0].decode(), groups[1].decode("latin-1"), host, skipped)


class ResponseScanner(_Scanner):
    """Feed server-to-client bytes; get every :class:`SeenResponse` (body by Content-Length)."""

    pattern = _STATUS_LINE

    def _found(self, groups, fields, skipped):
        status = int(groups[0])
        length = next((v for n, v in fields if n == "content-length"), "0")
        size = digits_or_none(length) or 0 if status >= 200 and status not in (204, 304) else 0
        if size > self.max_buffer:
            size = 0  # too big for this toy: treat as bodiless rather than buffer it
        if size == 0:
            return SeenResponse(status, fields, b"", skipped)
        self._pending, self._body_left = (status, fields, skipped), size
        return None


def scan_requests(stream: bytes) -> list[SeenRequest]:
    """Every request the naive proxy would see in ``stream`` (no sockets involved)."""
    return RequestScanner().feed(stream)


class NaiveCachingProxy:
    """SIMULATION of a transparent caching proxy that does not understand ``Upgrade``.

    ``await proxy.intercept((host, port), "bank.example")`` starts a listener on 127.0.0.1 port 0
    that stands for "every connection to that server" and returns its port. ``proxy.cache`` maps
    ``(Host, path)`` to the cached :class:`SeenResponse`; ``proxy.log`` says what it did, one
    line per decision. ``await proxy.close()`` stops every listener and connection.
    """

    def __init__(self, *, max_entries: int = 32, max_buffer: int = 65536, timeout: float = 5.0) -> None:
        self.max_entries = max_entries
        self.max_buffer = max_buffer
        self.timeout = timeout
        self.cache: OrderedDict[tuple[str, str], SeenResponse] = OrderedDict()
        self.log: list[str] = []
        self._servers: list[asyncio.base_events.Server] = []
        self._tasks: set[asyncio.Task] = set()
        self._count = 0

    async def intercept(self, upstream: tuple[str, int], name: str) -> int:
        """Listen for connections meant for ``upstream`` (called ``name`` in the log)."""

        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            self._tasks.add(task)
            try:
                async with asyncio.timeout(self.timeout):
                    await self._handle(reader, writer, upstream, name)
            except (OSError, TimeoutError, asyncio.IncompleteReadError):
                pass  # a peer hung up or took too long: drop the connection, as a proxy would
            except Exception as exc:  # a bug in this toy: say so in the log instead of hiding it
                self.log.append(f"proxy error: {type(exc).__name__}: {exc}")
            finally:
                writer.close()
                self._tasks.discard(task)

        server = await asyncio.start_server(handler, "127.0.0.1", 0, limit=self.max_buffer)
        self._servers.append(server)
        return server.sockets[0].getsockname()[1]

    def _store(self, request: SeenRequest, response: SeenResponse) -> None:
        self.cache[(request.host, request.path)] = response
        self.cache.move_to_end((request.host, request.path))
        while len(self.cache) > self.max_entries:
            self.cache.popitem(last=False)

    async def _handle(self, reader, writer, upstream, name) -> None:
        self._count += 1
        tag = f"conn {self._count}"
        requests = RequestScanner(self.max_buffer)
        first: list[SeenRequest] = []
        received = bytearray()
        while not first:  # read until the first request head is complete
            chunk = await reader.read(self.max_buffer)
            if not chunk:
                return
            received += chunk
            first = requests.feed(chunk)
            if len(received) > self.max_buffer:
                return
        req = first[0]
        hit = self.cache.get((req.host, req.path)) if req.method == "GET" else None
        if hit is not None and len(first) == 1:
            self.log.append(f"{tag}: {req.method} {req.url} -> answered from the cache")
            writer.write(_response_bytes(hit))
            await writer.drain()
            return
        self.log.append(f"{tag}: {req.method} {req.url} -> forwarded to {name} (not in the cache)")
        pending = list(first)
        for extra in first[1:]:
            self._log_request(tag, extra)
        up_reader, up_writer = await asyncio.open_connection(*upstream, limit=self.max_buffer)
        try:
            up_writer.write(bytes(received))
            await up_writer.drain()
            await asyncio.gather(self._client_to_server(tag, reader, up_writer, requests, pending),
                                 self._server_to_client(tag, up_reader, writer, pending))
        finally:
            up_writer.close()

    def _log_request(self, tag: str, req: SeenRequest) -> None:
        junk = f" (after skipping {req.skipped} bytes that are not HTTP)" if req.skipped else ""
        self.log.append(f"{tag}: sees a request {req.method} {req.url}{junk}")

    async def _client_to_server(self, tag, reader, up_writer, requests, pending) -> None:
        while chunk := await reader.read(self.max_buffer):
            for req in requests.feed(chunk):
                self._log_request(tag, req)
                pending.append(req)
            up_writer.write(chunk)
            await up_writer.drain()
        try:
            if up_writer.can_write_eof():
                up_writer.write_eof()
        except (OSError, RuntimeError):
            pass

    async def _server_to_client(self, tag, up_reader, writer, pending) -> None:
        responses = ResponseScanner(self.max_buffer)
        while chunk := await up_reader.read(self.max_buffer):
            for resp in responses.feed(chunk):
                if not pending:
                    self.log.append(f"{tag}: sees a response {resp.status} that answers no request "
                                    "it saw: not cached")
                    continue
                req = pending.pop(0)
                if req.method == "GET" and resp.status == 200:
                    self._store(req, resp)
                    self.log.append(f"{tag}: sees a response {resp.status} to GET {req.url}: "
                                    "CACHED")
                else:
                    self.log.append(f"{tag}: sees a response {resp.status} to {req.method} "
                                    f"{req.url}: not cacheable")
            writer.write(chunk)
            await writer.drain()
        writer.close()

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        for server in self._servers:
            await server.wait_closed()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._servers.clear()


def _response_bytes(resp: SeenResponse) -> bytes:
    head = f"HTTP/1.1 {resp.status} OK\r\n" if resp.status == 200 else f"HTTP/1.1 {resp.status} \r\n"
    fields = "".join(f"{n}: {v}\r\n" for n, v in resp.headers)
    return (head + fields + "\r\n").encode("latin-1") + resp.body


def _http_200(body: bytes, extra: str = "") -> bytes:
    return (f"HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\nContent-Length: {len(body)}\r\n"
            f"{extra}Connection: close\r\n\r\n").encode("latin-1") + body


async def _read_head(reader: asyncio.StreamReader) -> bytes:
    return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)


async def serve_origin(body: bytes) -> asyncio.base_events.Server:
    """The honest site (bank.example): answers any GET with ``body`` as JavaScript, then closes."""

    async def handler(reader, writer):
        try:
            await _read_head(reader)
            writer.write(_http_200(body))
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handler, "127.0.0.1", 0)


async def serve_attacker(poison: bytes = POISON) -> asyncio.base_events.Server:
    """The attacker's own site (evil.example): it accepts the WebSocket handshake, then answers
    anything that arrives after it with a fake, long-lived ``200`` carrying ``poison``. It does
    not even decode the frames: it only has to look, to the proxy, like the answer to a GET."""

    async def handler(reader, writer):
        try:
            request = parse_request(await _read_head(reader))
            shake = check_request(request)
            writer.write(build_response(shake.key).to_bytes())
            await writer.drain()
            if await reader.read(65536):
                writer.write(_http_200(poison, "Cache-Control: public, max-age=31536000\r\n"))
                await writer.drain()
            await reader.read(65536)  # wait for the client to hang up
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                ValueError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handler, "127.0.0.1", 0)


async def http_get(port: int, host: str, path: str) -> SeenResponse:
    """A victim's plain ``GET http://host/path`` sent to 127.0.0.1:``port`` (the proxy)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()
    found = ResponseScanner().feed(data)
    if not found:
        return SeenResponse(0, (), data)
    return found[0]
