"""Just enough HTTP/1.1 for the opening handshake (RFC 9112), with no I/O.

:class:`HeadReader` collects an HTTP head (start line + headers + blank line) from a byte
stream fed in any number of pieces, and enforces limits so that a peer cannot make us buffer
forever: total head size, number of headers, length of one line. Bytes after the blank line are
kept in ``rest``: a client may send its first WebSocket frame in the same packet as the upgrade
request, and a server its first frame right behind the 101 response.

The other rules of HTTP/1.1 framing that wslib needs live here too, once, for the server and
both clients: :func:`parse_digits` (every numeric field: ``Content-Length``, status codes,
ports, ...), :func:`check_host` (exactly one valid ``Host``), :func:`request_body_length`
(how long a request body is, RFC 9112 section 6.3), and :func:`check_target` /
:func:`check_field` (what a client refuses to send).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import urlsplit

from .errors import HTTPHeadError, UsageError

__all__ = ["Headers", "Request", "Response", "HeadReader", "parse_request", "parse_response",
           "split_url", "parse_digits", "digits_or_none", "check_host", "request_body_length", "check_target",
           "check_field", "STATUS_REASONS"]

STATUS_REASONS = {
    101: "Switching Protocols",
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large",
    414: "URI Too Long",
    426: "Upgrade Required",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}

# RFC 9110 section 5.6.2: a token is 1+ of these characters. Header names are tokens.
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # controls other than HTAB
_TCHAR = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
# absolute-form: scheme "://" authority, then the path and query (RFC 9112 section 3.2.2).
_ABSOLUTE_FORM = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://(?P<authority>[^/?#]*)(?P<rest>.*)", re.S)
_BARE_CR_LF = re.compile(rb"(?<!\r)\n|\r[^\n]")  # an LF without its CR, a CR without its LF
MAX_METHOD = 64  # bytes: far longer than any registered method (the longest has 17)


# ------------------------------------------------------------------ numbers

_DIGITS = {10: frozenset("0123456789"), 16: frozenset("0123456789abcdefABCDEF")}


def parse_digits(value: str | bytes, what: str, *, max_digits: int = 18, base: int = 10,
                 rule: str = "RFC 9110 section 5.5", header: str | None = None,
                 status: int = 400) -> int:
    """The one parser for every number in an HTTP head: ``1*DIGIT`` (``1*HEXDIG`` with
    ``base=16``, for chunk sizes), ASCII only, at most ``max_digits`` digits.

    ``int()`` alone is not enough: it accepts ``" 5"``, ``"+5"``, ``"5_000"`` and ``"²"``-like
    Unicode digits, and refuses (with a bare ``ValueError``) a 5,000-digit value. RFC 9110
    section 8.6 asks a recipient to "anticipate potentially large decimal numerals and prevent
    parsing errors due to integer conversion overflows". Anything else raises
    :class:`HTTPHeadError` with ``status`` (400 by default), naming ``what`` and ``rule``.
    """
    text = value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else value
    # ascii(): a byte like 0xB2 ("²" in latin-1) is shown as \xb2, not as a look-alike digit.
    shown = ascii(text[:40]) + (f"... ({len(text)} characters)" if len(text) > 40 else "")
    kind = "hexadecimal digits 0-9 A-F" if base == 16 else "the ASCII digits 0-9"
    if not text or not _DIGITS[base].issuperset(text):
        raise HTTPHeadError(f"{what} {shown} is not a number: only {kind} are allowed, "
                            f"at least one ({rule})", status=status, header=header)
    if len(text) > max_digits:
        raise HTTPHeadError(f"{what} {shown} has {len(text)} digits; wslib reads at most "
                            f"{max_digits} ({rule})", status=status, header=header)
    return int(text, base)


def digits_or_none(value: str | bytes, max_digits: int = 18) -> int | None:
    """:func:`parse_digits` for a field where something else than a number is not an error
    but simply "no number" (an SSE ``retry``, a ``Last-Event-ID``, a query parameter)."""
    try:
        return parse_digits(value, "value", max_digits=max_digits)
    except HTTPHeadError:
        return None


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
    def origin_form(self) -> str:
        """The target as ``/path?query``. A request to a proxy, or any request, may name the
        whole URL (absolute-form, ``GET http://host/path HTTP/1.1``); a server MUST accept
        it (RFC 9112 section 3.2.2), and routes it by its path."""
        match = _ABSOLUTE_FORM.match(self.target)
        if match is None:
            return self.target
        rest = match.group("rest")
        return rest if rest.startswith("/") else "/" + rest

    @property
    def authority(self) -> str | None:
        """Who the request is for: the host[:port] of an absolute-form target, which then
        wins over ``Host`` (RFC 9112 section 3.2.2), else the ``Host`` header."""
        match = _ABSOLUTE_FORM.match(self.target)
        return match.group("authority") if match else self.headers.get("Host")

    @property
    def path(self) -> str:
        """The target without its query string (``/chat`` for ``/chat?room=1`` and for
        ``http://host/chat?room=1``)."""
        return self.origin_form.split("?", 1)[0]

    @property
    def query(self) -> str:
        target = self.origin_form
        return target.split("?", 1)[1] if "?" in target else ""

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
    ``max_line`` bytes for one line (431 for a header line; for the start line 414 when
    ``kind="request"``, 400 otherwise).

    ``kind`` says what the head is, and with it what the reader expects of the first bytes:

    * ``"request"`` (a server reading a request): empty lines before the request line are
      skipped (RFC 9112 section 2.2: a server SHOULD ignore at least one), and the bytes must
      start with a method, a token followed by a space (RFC 9112 section 3). Anything else, a
      TLS ClientHello (bytes ``16 03 ...``) for one, is refused at once with 400, without
      waiting for a blank line that will never come.
    * ``"response"`` (a client reading the answer): the bytes must start with ``HTTP/``, and a
      header folded over several lines (obsolete line folding) is joined with a space, as RFC
      9112 section 5.2 asks of a user agent.
    * ``None``: either start line; no folding, no skipped lines.
    """

    def __init__(self, max_size: int = 16384, max_headers: int = 128, max_line: int = 8192,
                 *, kind: str | None = None) -> None:
        if min(max_size, max_headers, max_line) <= 0:
            raise UsageError("HeadReader limits must be positive")
        if kind not in ("request", "response", None):
            raise UsageError(f"kind must be 'request', 'response' or None, not {kind!r}")
        self.max_size = max_size
        self.max_headers = max_headers
        self.max_line = max_line
        self.kind = kind
        self._buf = bytearray()
        self._scanned = 0  # bytes of _buf already searched for the blank line
        self._line_ends = 0  # CRLFs seen in the searched part
        self._line_start = 0  # offset where the current (unfinished) line starts
        self._skipped = 0  # empty lines dropped before a request line
        self._started = False  # True once the first bytes were found to start a head
        self._done = False
        self.rest = b""  # bytes received after the head

    def feed(self, data: bytes) -> tuple[bytes, list[tuple[str, str]]] | None:
        """Add bytes; return ``(start_line, headers)`` when the head is complete, else ``None``."""
        if self._done:
            raise UsageError("this HeadReader already returned a head; bytes after it are in .rest")
        self._buf += data
        if not self._started:
            if self.kind == "request":
                self._skip_empty_lines()
            self._check_start()
            if not self._started:
                return None
        # Search only the new bytes (and 3 before them, in case "\r\n\r\n" was split).
        start = max(0, self._scanned - 3)
        end = self._buf.find(b"\r\n\r\n", start)
        self._check_line_ends(max(0, self._scanned - 1), len(self._buf) if end < 0 else end + 4)
        if end < 0:
            self._check_partial(max(0, self._scanned - 1))
            self._scanned = len(self._buf)
            return None
        if end + 4 > self.max_size:
            raise _too_large(f"HTTP head is {end + 4} bytes; the limit is {self.max_size}")
        self._done = True
        head = bytes(self._buf[:end])
        self.rest = bytes(self._buf[end + 4:])
        self._buf = bytearray()
        return self._parse(head)

    def _skip_empty_lines(self) -> None:
        buf = self._buf
        n = 0
        while buf.startswith(b"\r\n", n):
            n += 2
        if n:
            del buf[:n]
            self._skipped += n
            if self._skipped > self.max_size:
                raise HTTPHeadError(f"over {self.max_size} bytes of empty lines and no request "
                                    "line", status=400)

    def _check_start(self) -> None:
        """Decide from the first bytes whether they can start an HTTP head at all."""
        buf = bytes(self._buf[:MAX_METHOD + 1])
        if not buf or (self.kind == "request" and buf == b"\r"):
            return  # nothing to judge yet (a lone CR may be the start of an empty line)
        response_ok = b"HTTP/".startswith(buf[:5])
        space = buf.find(b" ")
        method = buf if space < 0 else buf[:space]
        request_ok = _TCHAR.issuperset(method) and space != 0
        if self.kind != "response" and request_ok:
            if space < 0 and len(buf) > MAX_METHOD:
                raise HTTPHeadError(f"the method is longer than {MAX_METHOD} bytes, longer than "
                                    "any this server implements (RFC 9112 section 3)", status=501)
            self._started = space > 0
            return
        if self.kind != "request" and response_ok:
            self._started = len(buf) >= 5
            return
        raise HTTPHeadError(_not_http(bytes(self._buf[:16]), self.kind), status=400)

    def _check_line_ends(self, start: int, stop: int) -> None:
        """A CR or LF that is not part of a CRLF, at once: without this, a head with bare LFs
        would never end (no CRLF CRLF) and the peer would wait for a timeout."""
        bare = _BARE_CR_LF.search(self._buf, start, stop)
        if bare:
            line = self._buf.count(b"\r\n", 0, bare.start()) + 1
            what = "LF" if bare.group()[:1] == b"\n" else "CR"
            raise HTTPHeadError(f"line {line} of the HTTP head contains a bare {what}; "
                                "HTTP/1.1 lines end with CRLF (RFC 9112 section 2.2)")

    def _check_partial(self, start: int) -> None:
        """Check the limits on an unfinished head, looking only at bytes from ``start`` on."""
        buf = self._buf
        if len(buf) > self.max_size:
            raise _too_large(f"HTTP head is over {self.max_size} bytes and still not finished "
                             "(no blank line yet)")
        self._line_ends += buf.count(b"\r\n", start)
        last = buf.rfind(b"\r\n", start)
        if last >= 0:
            self._line_start = last + 2
        # The unfinished line, not counting a last CR that may be the first half of its CRLF.
        pending = len(buf) - self._line_start - buf.endswith(b"\r")
        if pending > self.max_line:
            if self._line_ends == 0:
                raise self._start_line_too_long(f"the start line is over {self.max_line} bytes")
            raise _too_large(f"a header line is over {self.max_line} bytes")
        if self._line_ends > self.max_headers + 1:
            raise _too_large(f"more than {self.max_headers} header lines")

    def _start_line_too_long(self, what: str) -> HTTPHeadError:
        if self.kind == "request":  # RFC 9112 section 3: a too-long request-target is a 414
            return HTTPHeadError(f"{what}: the request target is longer than this server "
                                 "accepts (414 URI Too Long, RFC 9112 section 3)", status=414)
        return HTTPHeadError(what, status=400)

    def _parse(self, head: bytes) -> tuple[bytes, list[tuple[str, str]]]:
        lines = head.split(b"\r\n")
        start, header_lines = lines[0], lines[1:]
        if len(header_lines) > self.max_headers:
            raise _too_large(f"{len(header_lines)} header lines; the limit is {self.max_headers}")
        for i, line in enumerate(lines):
            if len(line) > self.max_line:
                if i == 0:
                    raise self._start_line_too_long(
                        f"the start line is {len(line)} bytes; the limit is {self.max_line}")
                raise _too_large(f"header line {i} is {len(line)} bytes; the limit is "
                                 f"{self.max_line}")
        headers: list[tuple[str, str]] = []
        for line in header_lines:
            if line[:1] in (b" ", b"\t") and headers and self.kind == "response":
                # obs-fold: "a user agent that receives an obs-fold in a response message ...
                # MUST replace each received obs-fold with one or more SP octets" (RFC 9112
                # section 5.2). The continuation is checked like any value.
                name, value = headers[-1]
                more = _parse_header_line(name.encode("ascii") + b":" + line)[1]
                headers[-1] = (name, f"{value} {more}" if value and more else value or more)
                continue
            headers.append(_parse_header_line(line))
        return start, headers


def _too_large(what: str) -> HTTPHeadError:
    return HTTPHeadError(f"{what} (431 Request Header Fields Too Large, RFC 6585 section 5)",
                         status=431)


def _not_http(first: bytes, kind: str | None) -> str:
    """Why bytes that cannot start an HTTP head are refused, as helpfully as we can tell."""
    what = {"request": "an HTTP request", "response": "an HTTP response"}.get(kind, "HTTP")
    rule = ("a request line starts with a method, a token such as GET, then a space "
            "(RFC 9112 section 3)" if kind != "response" else
            "a status line starts with HTTP/ (RFC 9112 section 4)")
    hint = ""
    if first[:1] == b"\x16" and first[1:2] in (b"\x03", b""):
        hint = ("; these bytes look like a TLS ClientHello (a record starting 16 03): wslib has "
                "no TLS, so use http:// or ws://, not https:// or wss://")
    return f"the bytes {first!r} cannot start {what}: {rule}{hint}"


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
    if not _TCHAR.issuperset(parts[0]):
        raise HTTPHeadError(f"malformed request line {start[:80]!r}: the method {method[:40]!r} "
                            "is not a token (RFC 9112 section 3.1)")
    if not re.fullmatch(rb"HTTP/[0-9]\.[0-9]", parts[2]):
        raise HTTPHeadError(f"malformed HTTP version {version[:40]!r} in the request line: "
                            "expected HTTP/1.1 (RFC 9112 section 2.3)")
    problem = _target_problem(target, method)
    if problem:
        raise HTTPHeadError(f"the request target {target[:80]!r} {problem}")
    return Request(method, target, Headers(headers), version)


def _target_problem(target: str, method: str | None) -> str | None:
    """What is wrong with a request target, or None. ``method`` None: the origin-form only
    (what wslib's clients send); else the forms RFC 9112 section 3.2 allows for that method."""
    for ch in target:
        if not "\x21" <= ch <= "\x7e":
            return (f"contains {ch!r}: a request target is visible ASCII, with no spaces or "
                    "control characters; percent-encode anything else (RFC 9112 section 3.2, "
                    "RFC 3986 section 2.1)")
    if target.startswith("/"):
        return None  # origin-form: /path?query
    if method is None:
        return "is not a path: it must start with / (origin-form, RFC 9112 section 3.2.1)"
    if _ABSOLUTE_FORM.match(target):
        return None  # absolute-form: http://host/path (section 3.2.2)
    if method == "CONNECT" or (method == "OPTIONS" and target == "*"):
        return None  # authority-form and asterisk-form (sections 3.2.3 and 3.2.4)
    return ("is neither a path (/chat) nor a URL (http://host/chat) "
            "(RFC 9112 section 3.2)")


def response_from_head(start: bytes, headers: list[tuple[str, str]]) -> Response:
    parts = start.split(b" ", 2)
    if (len(parts) < 2 or not re.fullmatch(rb"HTTP/[0-9]\.[0-9]", parts[0])
            or len(parts[1]) != 3):
        raise HTTPHeadError(f"malformed status line {start[:80]!r}: expected "
                            "'HTTP/1.1 101 Switching Protocols' (RFC 9112 section 4)")
    status = parse_digits(parts[1], f"malformed status line {start[:80]!r}: the status code",
                          max_digits=3, rule="3DIGIT, RFC 9112 section 4")
    reason = parts[2] if len(parts) == 3 else b""
    bad = _BAD_VALUE.search(reason)
    if bad:
        raise HTTPHeadError(f"the reason phrase in the status line {start[:80]!r} contains "
                            f"control byte 0x{bad.group()[0]:02X} (RFC 9112 section 4)")
    return Response(status, Headers(headers), reason.decode("latin-1"),
                    parts[0].decode("latin-1"))


def parse_request(data: bytes) -> Request:
    """Parse a complete request head (bytes after the blank line become the body)."""
    reader = HeadReader(kind="request")
    start, headers = _read_head(data, reader)
    request = request_from_head(start, headers)
    request.body = reader.rest
    return request


def parse_response(data: bytes) -> Response:
    """Parse a complete response head (bytes after the blank line become the body)."""
    reader = HeadReader(kind="response")
    start, headers = _read_head(data, reader)
    response = response_from_head(start, headers)
    response.body = reader.rest
    return response


# ------------------------------------------------------------------ Host, bodies, what a client sends

# RFC 3986 section 3.2.2: host = IP-literal / IPv4address / reg-name, then [":" port].
_AUTHORITY = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)"
                        r"(?::(?P<port>[^:]*))?")


def _authority_problem(value: str) -> str | None:
    """What is wrong with ``host[:port]``, or None."""
    match = _AUTHORITY.fullmatch(value)
    if match is None:
        return ("is not host[:port]: a host is a name, an IPv4 address or an [IPv6] literal, "
                "with no spaces, slashes or @ (RFC 3986 section 3.2.2)")
    port = match.group("port")
    if port:  # "*DIGIT": an empty port ("host:") is allowed
        try:
            number = parse_digits(port, "the port", max_digits=5, rule="RFC 3986 section 3.2.3")
        except HTTPHeadError as exc:
            return f"has a bad port: {exc}"
        if number > 65535:
            return f"has port {number}; a TCP port is at most 65535"
    return None


def check_host(request: Request) -> str | None:
    """Exactly one valid ``Host`` (RFC 9112 section 3.2): a server "MUST respond with a 400
    (Bad Request) status code to any HTTP/1.1 request message that lacks a Host header field
    and to any request message that contains more than one Host header field line or a Host
    header field with an invalid field value". Returns its value (``None`` for an HTTP/1.0
    request without one); raises :class:`HTTPHeadError` (400) naming the problem."""
    values = request.headers.get_all("Host")
    if len(values) > 1:
        raise HTTPHeadError(f"{len(values)} Host headers ({', '.join(repr(v[:40]) for v in values)}); "
                            "a request carries exactly one (RFC 9112 section 3.2)",
                            status=400, header="Host")
    if not values:
        if request.version == "HTTP/1.0":
            return None
        raise HTTPHeadError("missing Host header: every HTTP/1.1 request carries one "
                            "(RFC 9112 section 3.2)", status=400, header="Host")
    problem = _authority_problem(values[0])
    if problem:
        raise HTTPHeadError(f"Host header {values[0][:60]!r} {problem}; a server refuses an "
                            "invalid Host with 400 (RFC 9112 section 3.2)",
                            status=400, header="Host")
    return values[0]


def request_body_length(request: Request) -> int | None:
    """How many body bytes follow a request head (RFC 9112 section 6.3): ``Content-Length``,
    or 0 without it; ``None`` for ``Transfer-Encoding: chunked`` (the chunks say where the
    body ends). Raises :class:`HTTPHeadError` (400) when the length cannot be known: a
    ``Content-Length`` that is not a number, several that differ, or a transfer coding
    whose last coding is not ``chunked``. The server MUST then close the connection: it
    cannot tell where the next request starts."""
    coding = request.headers.get("Transfer-Encoding")
    if coding is not None:
        codings = [c.strip(" \t").lower() for c in coding.split(",")]
        if codings[-1] != "chunked":
            raise HTTPHeadError(f"Transfer-Encoding {coding[:60]!r} does not end with chunked, "
                                "so the length of the body cannot be known "
                                "(RFC 9112 section 6.3, rule 4)",
                                status=400, header="Transfer-Encoding")
        return None  # Content-Length, if any, is ignored (rule 3)
    lengths = set()
    for value in request.headers.get_all("Content-Length"):
        for item in value.split(","):  # "5, 5" is one length sent twice (RFC 9110 section 8.6)
            lengths.add(parse_digits(item.strip(" \t"), "Content-Length",
                                     rule="1*DIGIT, RFC 9110 section 8.6", header="Content-Length"))
    if len(lengths) > 1:
        raise HTTPHeadError(f"Content-Length values {sorted(lengths)} differ, so the length of "
                            "the body cannot be known (RFC 9112 section 6.3, rule 5)",
                            status=400, header="Content-Length")
    return lengths.pop() if lengths else 0


def check_target(target: str) -> None:
    """Refuse (:class:`UsageError`) a request target a client must not send: not a path, or
    with spaces or control characters (which would change the request line)."""
    problem = _target_problem(target, None)
    if problem:
        raise UsageError(f"request target {target[:80]!r} {problem}")


def check_field(name: str, value: str, *, charset: str = "latin-1") -> None:
    """Refuse (:class:`UsageError`) a header a client must not send: a name that is not a
    token, or a value with CR, LF or another control character (which would end the header
    early and inject another: header injection), or a value not encodable in ``charset``."""
    if not isinstance(name, str) or not isinstance(value, str):
        raise UsageError(f"a header is a (str, str) pair, not ({type(name).__name__}, "
                         f"{type(value).__name__})")
    if not name.isascii() or not _TOKEN.fullmatch(name.encode("ascii")):
        raise UsageError(f"header name {name[:40]!r} is not a token: letters, digits and "
                         "!#$%&'*+-.^_`|~ only, no spaces or colon (RFC 9110 section 5.1)")
    try:
        raw = value.encode(charset)
    except UnicodeEncodeError:
        raise UsageError(f"header {name}: value {value[:40]!r} cannot be sent in {charset}")
    bad = _BAD_VALUE.search(raw)
    if bad:
        raise UsageError(f"header {name}: value {value[:40]!r} contains control character "
                         f"0x{bad.group()[0]:02X}; CR or LF would end the header and start "
                         "another one (header injection, RFC 9110 section 5.5)")


_TLS_SCHEMES = {"ws": "wss", "http": "https"}


def split_url(url: str, scheme: str) -> tuple[str, int, str, str]:
    """Split a ``ws://`` or ``http://`` URL (``scheme`` says which is expected) into host, port,
    request target (path and query) and the ``Host`` header value (host[:port] as written in
    the URL, without any user:password@). wslib has no TLS, so ``wss://`` / ``https://`` are
    refused with a :class:`UsageError` that says so; so is a URL whose host or port is not
    valid, or whose path has spaces or control characters (they would change the request)."""
    tls = _TLS_SCHEMES[scheme]
    parts = urlsplit(url)
    if parts.scheme == tls:
        raise UsageError(f"{url}: {tls}:// (over TLS) is not covered by wslib, which has no TLS; "
                         f"use {scheme}://, or a library with TLS such as websockets")
    host_header = parts.netloc.rpartition("@")[2]
    if parts.scheme != scheme or not host_header:
        raise UsageError(f"{url!r} is not a {scheme}:// URL (expected {scheme}://host:port/path)")
    problem = _authority_problem(host_header)
    if problem:
        raise UsageError(f"{url!r}: host {host_header[:60]!r} {problem}")
    port = _AUTHORITY.fullmatch(host_header).group("port")
    number = int(port) if port else 80  # checked above; "host:" is the default port too
    if number == 0:
        raise UsageError(f"{url!r}: port 0; a port to connect to is 1 to 65535")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    check_target(target)
    return parts.hostname or "", number, target, host_header
