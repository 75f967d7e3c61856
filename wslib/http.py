"""Just enough HTTP/1.1 for the opening handshake (RFC 9112), with no I/O.

:class:`HeadReader` collects an HTTP head (start line + headers + blank line) from a byte
stream fed in any number of pieces, and enforces limits so that a peer cannot make us buffer
forever: total head size, number of headers, length of one line. Bytes after the blank line are
kept in ``rest``: a client may send its first WebSocket frame in the same packet as the upgrade
request, and a server its first frame right behind the 101 response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import urlsplit

from .errors import HTTPHeadError, UsageError

__all__ = ["Headers", "Request", "Response", "HeadReader", "parse_request", "parse_response",
           "split_url", "STATUS_REASONS"]

STATUS_REASONS = {
    101: "Switching Protocols",
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    426: "Upgrade Required",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

# RFC 9110 section 5.6.2: a token is 1+ of these characters. Header names are tokens.
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # controls other than HTAB


class Headers:
    """An ordered list of (name, value) pairs, looked up case-insensitively.

    A name may appear more than once; :meth:`get` joins repeated values with ", " as RFC 9110
    section 5.3 allows for list-valued headers, and :meth:`get_all` returns them separately.
    """

    def __init__(self, items: list[tuple[str, str]] | None = None) -> None:
        self._items: list[tuple[str, str]] = list(items or [])

    def add(self, name: str, value: str) -> None:
        self._items.append((name, value))

    def get_all(self, name: str) -> list[str]:
        key = name.lower()
        return [v for n, v in self._items if n.lower() == key]

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self.get_all(name)
        return ", ".join(values) if values else default

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and bool(self.get_all(name))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and self._items == other._items

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"

    def encode(self) -> bytes:
        return b"".join(f"{n}: {v}\r\n".encode("latin-1") for n, v in self._items)


@dataclass
class Request:
    """An HTTP request head (and optional body, for plain HTTP routes)."""

    method: str
    target: str
    headers: Headers = field(default_factory=Headers)
    version: str = "HTTP/1.1"
    body: bytes = b""

    @property
    def path(self) -> str:
        """The target without its query string."""
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def to_bytes(self) -> bytes:
        head = f"{self.method} {self.target} {self.version}\r\n".encode("latin-1")
        return head + self.headers.encode() + b"\r\n" + self.body


@dataclass
class Response:
    """An HTTP response head, and its body when it has one."""

    status: int
    headers: Headers = field(default_factory=Headers)
    reason: str = ""
    version: str = "HTTP/1.1"
    body: bytes = b""

    def __post_init__(self) -> None:
        if not self.reason:
            self.reason = STATUS_REASONS.get(self.status, "")

    def to_bytes(self) -> bytes:
        head = f"{self.version} {self.status} {self.reason}\r\n".encode("latin-1")
        return head + self.headers.encode() + b"\r\n" + self.body


class HeadReader:
    """Incremental reader for one HTTP head. ``feed()`` returns the lines once complete.

    Limits (each violation raises :class:`HTTPHeadError` naming the limit):
    ``max_size`` bytes for the whole head (431), ``max_headers`` header lines (431),
    ``max_line`` bytes for one line (431 for a header line, 400 for the start line).
    """

    def __init__(self, max_size: int = 16384, max_headers: int = 128, max_line: int = 8192) -> None:
        if min(max_size, max_headers, max_line) <= 0:
            raise UsageError("HeadReader limits must be positive")
        self.max_size = max_size
        self.max_headers = max_headers
        self.max_line = max_line
        self._buf = bytearray()
        self._scanned = 0  # bytes of _buf already searched for the blank line
        self._line_ends = 0  # CRLFs seen in the searched part
        self._line_start = 0  # offset where the current (unfinished) line starts
        self._done = False
        self.rest = b""  # bytes received after the head

    def feed(self, data: bytes) -> tuple[bytes, list[tuple[str, str]]] | None:
        """Add bytes; return ``(start_line, headers)`` when the head is complete, else ``None``."""
        if self._done:
            raise UsageError("this HeadReader already returned a head; bytes after it are in .rest")
        self._buf += data
        # Search only the new bytes (and 3 before them, in case "\r\n\r\n" was split).
        start = max(0, self._scanned - 3)
        end = self._buf.find(b"\r\n\r\n", start)
        if end < 0:
            self._check_partial(max(0, self._scanned - 1))
            self._scanned = len(self._buf)
            return None
        if end + 4 > self.max_size:
            raise HTTPHeadError(f"HTTP head is {end + 4} bytes; the limit is {self.max_size}",
                                status=431)
        self._done = True
        head = bytes(self._buf[:end])
        self.rest = bytes(self._buf[end + 4:])
        self._buf = bytearray()
        return self._parse(head)

    def _check_partial(self, start: int) -> None:
        """Check the limits on an unfinished head, looking only at bytes from ``start`` on."""
        buf = self._buf
        if len(buf) > self.max_size:
            raise HTTPHeadError(f"HTTP head is over {self.max_size} bytes and still not finished "
                                "(no blank line yet)", status=431)
        self._line_ends += buf.count(b"\r\n", start)
        last = buf.rfind(b"\r\n", start)
        if last >= 0:
            self._line_start = last + 2
        # The unfinished line, not counting a last CR that may be the first half of its CRLF.
        pending = len(buf) - self._line_start - buf.endswith(b"\r")
        if pending > self.max_line:
            if self._line_ends == 0:
                raise HTTPHeadError(f"the start line is over {self.max_line} bytes", status=400)
            raise HTTPHeadError(f"a header line is over {self.max_line} bytes", status=431)
        if self._line_ends > self.max_headers + 1:
            raise HTTPHeadError(f"more than {self.max_headers} header lines", status=431)

    def _parse(self, head: bytes) -> tuple[bytes, list[tuple[str, str]]]:
        lines = head.split(b"\r\n")
        start, header_lines = lines[0], lines[1:]
        if len(header_lines) > self.max_headers:
            raise HTTPHeadError(f"{len(header_lines)} header lines; the limit is {self.max_headers}",
                                status=431)
        for i, line in enumerate(lines):
            if len(line) > self.max_line:
                what = "the start line" if i == 0 else f"header line {i}"
                raise HTTPHeadError(f"{what} is {len(line)} bytes; the limit is {self.max_line}",
                                    status=400 if i == 0 else 431)
            if b"\n" in line or b"\r" in line:
                raise HTTPHeadError(f"line {i + 1} of the HTTP head contains a bare CR or LF; "
                                    "HTTP/1.1 lines end with CRLF (RFC 9112 section 2.2)")
        headers = []
        for line in header_lines:
            headers.append(_parse_header_line(line))
        return start, headers


def _parse_header_line(line: bytes) -> tuple[str, str]:
    if line[:1] in (b" ", b"\t"):
        raise HTTPHeadError("header line starts with whitespace (obsolete line folding is not "
                            f"accepted, RFC 9112 section 5.2): {line[:40]!r}")
    name, sep, value = line.partition(b":")
    if not sep:
        raise HTTPHeadError(f"header line has no colon: {line[:40]!r} (RFC 9112 section 5)")
    if not _TOKEN.fullmatch(name):
        raise HTTPHeadError(f"invalid header name {name[:40]!r}: a name is a token, with no "
                            "spaces before the colon (RFC 9112 section 5.1)")
    value = value.strip(b" \t")
    bad = _BAD_VALUE.search(value)
    if bad:
        raise HTTPHeadError(f"header {name.decode()} contains control byte 0x{bad.group()[0]:02X} "
                            "(RFC 9110 section 5.5)", header=name.decode())
    return name.decode("ascii"), value.decode("latin-1")


def _read_head(data: bytes, reader: HeadReader | None = None) -> tuple[bytes, list[tuple[str, str]]]:
    reader = reader or HeadReader()
    result = reader.feed(data)
    if result is None:
        raise HTTPHeadError("incomplete HTTP head: no blank line (CRLF CRLF) ends it")
    return result


def request_from_head(start: bytes, headers: list[tuple[str, str]]) -> Request:
    parts = start.split(b" ")
    if len(parts) != 3 or not all(parts):
        raise HTTPHeadError(f"malformed request line {start[:80]!r}: expected "
                            "'METHOD target HTTP/1.1' (RFC 9112 section 3)")
    method, target, version = (p.decode("latin-1") for p in parts)
    if not re.fullmatch(r"HTTP/\d\.\d", version):
        raise HTTPHeadError(f"malformed HTTP version {version!r} in the request line")
    return Request(method, target, Headers(headers), version)


def response_from_head(start: bytes, headers: list[tuple[str, str]]) -> Response:
    parts = start.split(b" ", 2)
    if len(parts) < 2 or not re.fullmatch(rb"HTTP/\d\.\d", parts[0]) or not re.fullmatch(rb"\d{3}", parts[1]):
        raise HTTPHeadError(f"malformed status line {start[:80]!r}: expected "
                            "'HTTP/1.1 101 Switching Protocols' (RFC 9112 section 4)")
    reason = parts[2].decode("latin-1") if len(parts) == 3 else ""
    return Response(int(parts[1]), Headers(headers), reason, parts[0].decode("latin-1"))


def parse_request(data: bytes) -> Request:
    """Parse a complete request head (bytes after the blank line become the body)."""
    reader = HeadReader()
    start, headers = _read_head(data, reader)
    request = request_from_head(start, headers)
    request.body = reader.rest
    return request


def parse_response(data: bytes) -> Response:
    """Parse a complete response head (bytes after the blank line become the body)."""
    reader = HeadReader()
    start, headers = _read_head(data, reader)
    response = response_from_head(start, headers)
    response.body = reader.rest
    return response


_TLS_SCHEMES = {"ws": "wss", "http": "https"}


def split_url(url: str, scheme: str) -> tuple[str, int, str, str]:
    """Split a ``ws://`` or ``http://`` URL (``scheme`` says which is expected) into host, port,
    request target (path and query) and the ``Host`` header value (host[:port] as written in
    the URL, without any user:password@). wslib has no TLS, so ``wss://`` / ``https://`` are
    refused with a :class:`UsageError` that says so."""
    tls = _TLS_SCHEMES[scheme]
    parts = urlsplit(url)
    if parts.scheme == tls:
        raise UsageError(f"{url}: {tls}:// (over TLS) is not covered by wslib, which has no TLS; "
                         f"use {scheme}://, or a library with TLS such as websockets")
    if parts.scheme != scheme or not parts.hostname:
        raise UsageError(f"{url!r} is not a {scheme}:// URL (expected {scheme}://host:port/path)")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = parts.netloc.rpartition("@")[2]
    return parts.hostname, parts.port or 80, target, host_header
