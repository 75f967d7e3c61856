"""Tests for wslib.http: the incremental HTTP head reader, its limits, and request/response heads."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wslib.errors import HandshakeError, HTTPHeadError, UsageError
from wslib.http import (
    HeadReader,
    Headers,
    Request,
    Response,
    check_field,
    check_host,
    check_target,
    parse_digits,
    parse_request,
    parse_response,
    request_body_length,
    request_from_head,
    split_url,
)

REQUEST = (
    b"GET /chat?room=1 HTTP/1.1\r\n"
    b"Host: server.example.com\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Origin: http://example.com\r\n"
    b"Sec-WebSocket-Protocol: chat, superchat\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)
FIRST_FRAME = bytes([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
EXPECTED_HEADERS = [
    ("Host", "server.example.com"),
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ("Origin", "http://example.com"),
    ("Sec-WebSocket-Protocol", "chat, superchat"),
    ("Sec-WebSocket-Version", "13"),
]


def feed_chunks(reader: HeadReader, chunks):
    """Feed chunks until the head completes; return (result, index of the completing chunk)."""
    for i, chunk in enumerate(chunks):
        result = reader.feed(chunk)
        if result is not None:
            return result, i
    return None, None


def head_error(data: bytes, **limits) -> HTTPHeadError:
    with pytest.raises(HTTPHeadError) as info:
        HeadReader(**limits).feed(data)
    assert isinstance(info.value, HandshakeError)
    return info.value


# --- Chunking ----------------------------------------------------------------------------------


def test_whole_head_in_one_chunk():
    reader = HeadReader()
    start, headers = reader.feed(REQUEST + FIRST_FRAME)
    assert start == b"GET /chat?room=1 HTTP/1.1"
    assert headers == EXPECTED_HEADERS
    assert reader.rest == FIRST_FRAME


def test_split_at_every_position():
    data = REQUEST + FIRST_FRAME
    for i in range(len(data) + 1):
        reader = HeadReader()
        result, which = feed_chunks(reader, [data[:i], data[i:]])
        assert result == (b"GET /chat?room=1 HTTP/1.1", EXPECTED_HEADERS), i
        # The head completes in the first chunk exactly when the whole blank line is in it.
        assert which == (0 if i >= len(REQUEST) else 1), i
        if which == 0:
            assert reader.rest == data[len(REQUEST):i]
        else:
            assert reader.rest == FIRST_FRAME


def test_blank_line_split_in_every_way():
    head = REQUEST[:-4]  # without the final CRLF CRLF
    for cuts in [(1,), (2,), (3,), (1, 2), (1, 3), (2, 3), (1, 2, 3)]:
        pieces, prev = [head], 0
        for c in cuts:
            pieces.append(b"\r\n\r\n"[prev:c])
            prev = c
        pieces.append(b"\r\n\r\n"[prev:] + b"rest")
        reader = HeadReader()
        result, which = feed_chunks(reader, pieces)
        assert result is not None and which == len(pieces) - 1, cuts
        assert reader.rest == b"rest"


def test_byte_by_byte():
    reader = HeadReader()
    results = [reader.feed(REQUEST[i:i + 1]) for i in range(len(REQUEST))]
    assert results[:-1] == [None] * (len(REQUEST) - 1)
    assert results[-1][1] == EXPECTED_HEADERS
    assert reader.rest == b""


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_any_chunking_property(data):
    stream = REQUEST + FIRST_FRAME
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    bounds = [0, *cuts, len(stream)]
    chunks = [stream[a:b] for a, b in zip(bounds, bounds[1:])]
    reader = HeadReader()
    result, which = feed_chunks(reader, chunks)
    assert result == (b"GET /chat?room=1 HTTP/1.1", EXPECTED_HEADERS)
    assert reader.rest + b"".join(chunks[which + 1:]) == FIRST_FRAME


def test_feed_after_the_head_is_a_usage_error():
    reader = HeadReader()
    reader.feed(REQUEST)
    with pytest.raises(UsageError, match=r"\.rest"):
        reader.feed(b"more")


# --- Limits ------------------------------------------------------------------------------------


def test_head_size_limit():
    big = b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"a" * 100) for i in range(40))
    # Complete but too big.
    exc = head_error(big + b"\r\n", max_size=1000)
    assert exc.status == 431
    assert "the limit is 1000" in str(exc)
    # Not finished and already too big: refused without waiting for the blank line.
    exc = head_error(big, max_size=1000)
    assert exc.status == 431
    assert "over 1000 bytes and still not finished" in str(exc)


def test_head_size_limit_is_exact():
    head = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    assert HeadReader(max_size=len(head)).feed(head) is not None
    assert head_error(head, max_size=len(head) - 1).status == 431
    # Byte by byte, the same answer.
    reader = HeadReader(max_size=len(head))
    assert [reader.feed(head[i:i + 1]) for i in range(len(head))][-1] is not None


def test_unfinished_head_is_not_buffered_forever():
    reader = HeadReader(max_size=4096)
    reader.feed(b"GET / HTTP/1.1\r\n")
    with pytest.raises(HTTPHeadError, match="still not finished") as info:
        for _ in range(1000):
            reader.feed(b"X: " + b"a" * 60 + b"\r\n")
    assert info.value.status == 431


def test_number_of_headers_limit():
    head = b"GET / HTTP/1.1\r\n" + b"X: a\r\n" * 4
    assert len(HeadReader(max_headers=4).feed(head + b"\r\n")[1]) == 4
    exc = head_error(head + b"X: a\r\n\r\n", max_headers=4)
    assert exc.status == 431
    assert "5 header lines; the limit is 4" in str(exc)
    # Still coming, already over: refused early.
    exc = head_error(head + b"X: a\r\nX: a\r\n", max_headers=4)
    assert exc.status == 431
    assert "more than 4 header lines" in str(exc)


def test_header_line_length_limit():
    line = b"X: " + b"a" * 97  # 100 bytes
    head = b"GET / HTTP/1.1\r\n" + line + b"\r\n\r\n"
    assert HeadReader(max_line=100).feed(head) is not None
    exc = head_error(head, max_line=99)
    assert exc.status == 431
    assert "header line 1 is 100 bytes; the limit is 99" in str(exc)
    exc = head_error(b"GET / HTTP/1.1\r\n" + line, max_line=99)  # unfinished
    assert exc.status == 431
    assert "header line is over 99 bytes" in str(exc)


def test_start_line_length_limit():
    start = b"GET /" + b"a" * 95 + b" HTTP/1.1"
    exc = head_error(start + b"\r\n\r\n", max_line=99)
    assert exc.status == 400
    assert "the start line is 109 bytes; the limit is 99" in str(exc)
    exc = head_error(start, max_line=99)  # unfinished: same status
    assert exc.status == 400
    assert "start line is over 99 bytes" in str(exc)


def test_line_of_exactly_the_limit_at_every_split():
    # A line of max_line bytes whose CRLF is split from it is still within the limit.
    line = b"X: " + b"a" * 97
    head = b"GET / HTTP/1.1\r\n" + line + b"\r\n\r\n"
    for i in range(len(head) + 1):
        reader = HeadReader(max_line=100)
        result, _ = feed_chunks(reader, [head[:i], head[i:]])
        assert result == (b"GET / HTTP/1.1", [("X", "a" * 97)]), i


@pytest.mark.parametrize("limits", [{"max_size": 0}, {"max_headers": 0}, {"max_line": -1}])
def test_limits_must_be_positive(limits):
    with pytest.raises(UsageError, match="positive"):
        HeadReader(**limits)


# --- Malformed lines ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, phrase",
    [
        (b"Host server", "no colon"),
        (b"Host : server", "no spaces before the colon"),
        (b"Ho st: server", "no spaces before the colon"),
        (b": server", "invalid header name"),
        (b" folded", "obsolete line folding"),
        (b"\tfolded", "obsolete line folding"),
        (b"Host: a\nX: b", "line 3 of the HTTP head contains a bare LF"),
        (b"Host: a\rX: b", "line 3 of the HTTP head contains a bare CR"),
        (b"Host: a\x00b", "control byte 0x00"),
        (b"Host: a\x7fb", "control byte 0x7F"),
    ],
)
def test_malformed_header_lines(line, phrase):
    exc = head_error(b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n" + line + b"\r\n\r\n")
    assert exc.status == 400
    assert phrase in str(exc)


def test_obs_fold_after_a_header():
    exc = head_error(b"GET / HTTP/1.1\r\nX-Long: first\r\n  second\r\n\r\n")
    assert exc.status == 400
    assert "RFC 9112 section 5.2" in str(exc)


def test_bare_lf_in_the_start_line():
    exc = head_error(b"GET / HTTP/1.1\nHost: x\r\n\r\n")
    assert exc.status == 400
    assert "line 1" in str(exc) and "CRLF" in str(exc)


def test_a_head_with_bare_lf_is_refused_at_once():
    # A head that uses LF alone never has a CRLF CRLF: it is refused as soon as the first bare
    # LF arrives (RFC 9112 section 2.2 lets a recipient accept it; wslib does not), rather
    # than after the timeout. At every split, and for a bare CR as well.
    for data in (b"GET / HTTP/1.1\nHost: x\n", b"GET / HTTP/1.1\r\nHost: x\rY: z"):
        for i in range(1, len(data)):
            reader = HeadReader()
            with pytest.raises(HTTPHeadError, match="bare (LF|CR); HTTP/1.1 lines end with CRLF"):
                reader.feed(data[:i])
                reader.feed(data[i:])
    assert HeadReader().feed(b"GET / HTTP/1.1\r") is None  # a CR whose LF is still coming


def test_bytes_after_the_head_are_not_checked_for_line_ends():
    reader = HeadReader()
    assert reader.feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\n\r\x81") is not None
    assert reader.rest == b"\n\r\x81"


def test_header_values_are_trimmed_and_tabs_allowed():
    _, headers = HeadReader().feed(b"GET / HTTP/1.1\r\nX:  a\tb \t\r\nY:\r\n\r\n")
    assert headers == [("X", "a\tb"), ("Y", "")]


# --- Request / Response ------------------------------------------------------------------------


def test_parse_request():
    request = parse_request(REQUEST + FIRST_FRAME)
    assert (request.method, request.target, request.version) == ("GET", "/chat?room=1", "HTTP/1.1")
    assert (request.path, request.query) == ("/chat", "room=1")
    assert request.headers["sec-websocket-key"] == "dGhlIHNhbXBsZSBub25jZQ=="
    assert request.body == FIRST_FRAME
    assert request.to_bytes() == REQUEST + FIRST_FRAME


@pytest.mark.parametrize("start", [b"GET /", b"GET  / HTTP/1.1", b"GET / HTTP/1.1 x", b"GET / HTTP/11",
                                   b"GET / http/1.1"])
def test_malformed_request_line(start):
    with pytest.raises(HTTPHeadError, match="malformed") as info:
        parse_request(start + b"\r\nHost: x\r\n\r\n")
    assert info.value.status == 400


def test_parse_response():
    data = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x02hi")
    response = parse_response(data)
    assert (response.status, response.reason, response.version) == (101, "Switching Protocols",
                                                                     "HTTP/1.1")
    assert response.headers.get("upgrade") == "websocket"
    assert response.body == b"\x81\x02hi"
    assert response.to_bytes() == data


@pytest.mark.parametrize("start", [b"HTTP/1.1", b"HTTP/1.1 1O1 Switching", b"HTTP/2 101 x",
                                   b"ICY 200 OK"])
def test_malformed_status_line(start):
    with pytest.raises(HTTPHeadError, match="malformed status line|cannot start an HTTP response"):
        parse_response(start + b"\r\n\r\n")


def test_status_line_without_reason():
    response = parse_response(b"HTTP/1.1 204\r\n\r\n")
    assert response.status == 204
    assert response.reason == "No Content"  # filled in from the status


def test_response_default_reason():
    assert Response(426).reason == "Upgrade Required"
    assert Response(101).to_bytes() == b"HTTP/1.1 101 Switching Protocols\r\n\r\n"
    assert Response(599).to_bytes() == b"HTTP/1.1 599 \r\n\r\n"


def test_headers_case_insensitive_and_repeated():
    h = Headers([("Connection", "keep-alive"), ("X", "1"), ("connection", "Upgrade")])
    assert h.get("CONNECTION") == "keep-alive, Upgrade"
    assert h.get_all("connection") == ["keep-alive", "Upgrade"]
    assert "x" in h and "y" not in h and 3 not in h
    assert h.get("y") is None and h.get("y", "d") == "d"
    with pytest.raises(KeyError):
        h["y"]
    assert len(h) == 3 and list(h)[1] == ("X", "1")
    assert h == Headers(list(h)) and h != Headers()
    assert h.encode() == b"Connection: keep-alive\r\nX: 1\r\nconnection: Upgrade\r\n"
    h.add("Y", "2")
    assert h["y"] == "2"


def test_request_to_bytes_round_trip():
    request = Request("GET", "/", Headers([("Host", "h")]))
    assert parse_request(request.to_bytes()) == request


@pytest.mark.parametrize("url, scheme, expected", [
    ("ws://127.0.0.1:8765/chat?room=1", "ws", ("127.0.0.1", 8765, "/chat?room=1", "127.0.0.1:8765")),
    ("ws://localhost", "ws", ("localhost", 80, "/", "localhost")),
    ("http://user:pw@example.com:8080/events", "http", ("example.com", 8080, "/events", "example.com:8080")),
])
def test_split_url(url, scheme, expected):
    assert split_url(url, scheme) == expected


@pytest.mark.parametrize("url, scheme, words", [
    ("wss://example.com/", "ws", "no TLS"),
    ("https://example.com/", "http", "no TLS"),
    ("http://example.com/", "ws", "is not a ws:// URL"),
    ("example.com:80", "http", "is not a http:// URL"),
])
def test_split_url_refuses(url, scheme, words):
    with pytest.raises(UsageError, match=words):
        split_url(url, scheme)


# --- Numbers: one parser for 1*DIGIT -----------------------------------------------------------


@pytest.mark.parametrize("text, value", [("0", 0), ("42", 42), ("007", 7), (b"12", 12),
                                         ("9" * 18, 10 ** 18 - 1)])
def test_parse_digits_accepts_ascii_digits(text, value):
    assert parse_digits(text, "Content-Length") == value


@pytest.mark.parametrize("text", ["", " 5", "5 ", "+5", "-5", "5_000", "0x10", "1.5", "\u00b2",
                                  "\u0663", "\uff15", "5\x00"])
def test_parse_digits_refuses_what_int_would_take_or_crash_on(text):
    with pytest.raises(HTTPHeadError, match="Content-Length .* is not a number") as info:
        parse_digits(text, "Content-Length", header="Content-Length")
    assert (info.value.status, info.value.header) == (400, "Content-Length")


def test_parse_digits_caps_the_number_of_digits():
    # int() raises a bare ValueError past 4300 digits; the cap answers long before.
    with pytest.raises(HTTPHeadError, match=r"has 5000 digits; wslib reads at most 18") as info:
        parse_digits("1" * 5000, "Content-Length")
    assert "(5000 characters)" in str(info.value) and len(str(info.value)) < 300


def test_parse_digits_hexadecimal_for_chunk_sizes():
    assert parse_digits("1aF", "chunk size", base=16) == 0x1AF
    with pytest.raises(HTTPHeadError, match="hexadecimal"):
        parse_digits("1g", "chunk size", base=16)


@pytest.mark.parametrize("start", [b"HTTP/1.1 \xc2\xb2\xc2\xb2 x", b"HTTP/1.1 +12 x",
                                   b"HTTP/\xd9\xa1.1 200 OK"])
def test_status_code_and_version_are_ascii_digits(start):
    with pytest.raises(HTTPHeadError, match="malformed status line"):
        parse_response(start + b"\r\n\r\n")


def test_request_version_is_ascii_digits():
    with pytest.raises(HTTPHeadError, match="malformed HTTP version"):
        parse_request("GET / HTTP/\u0661.\u0661\r\nHost: x\r\n\r\n".encode())


# --- What the first bytes can be (kind="request" / "response") ----------------------------------

TLS_CLIENT_HELLO = bytes.fromhex("16030100f8010000f40303") + b"\x00" * 32


@pytest.mark.parametrize("first", [TLS_CLIENT_HELLO, TLS_CLIENT_HELLO[:2], b"\x00", b"{", b" GET",
                                   b"G(T / HTTP/1.1", b"\xff\xfe", b"SSH-2.0-OpenSSH_9.6\r\n"])
def test_bytes_that_cannot_start_a_request_are_refused_at_once(first):
    with pytest.raises(HTTPHeadError, match="cannot start an HTTP request") as info:
        HeadReader(kind="request").feed(first)
    assert info.value.status == 400
    assert "method" in str(info.value) and "RFC 9112 section 3" in str(info.value)


def test_a_tls_client_hello_is_named_as_such():
    with pytest.raises(HTTPHeadError, match="TLS ClientHello.*no TLS"):
        HeadReader(kind="request").feed(TLS_CLIENT_HELLO)


def test_a_method_prefix_waits_for_more():
    reader = HeadReader(kind="request")
    for piece in (b"G", b"E", b"T", b" /", b" HTTP/1.1\r\nHost: x\r\n"):
        assert reader.feed(piece) is None
    assert reader.feed(b"\r\n") == (b"GET / HTTP/1.1", [("Host", "x")])


def test_a_method_longer_than_any_is_501():
    with pytest.raises(HTTPHeadError, match="method is longer than 64 bytes") as info:
        HeadReader(kind="request").feed(b"A" * 65)
    assert info.value.status == 501


def test_a_response_must_start_with_http():
    with pytest.raises(HTTPHeadError, match="cannot start an HTTP response.*HTTP/"):
        HeadReader(kind="response").feed(b"SSH-2.0-OpenSSH_9.6\r\n")
    assert HeadReader(kind="response").feed(b"HTT") is None


@pytest.mark.parametrize("kind", [None, "request", "response"])
def test_kind_none_takes_either_start_line(kind):
    reader = HeadReader(kind=kind)
    if kind == "response":
        with pytest.raises(HTTPHeadError):
            reader.feed(b"GET / HTTP/1.1\r\n\r\n")
    else:
        assert reader.feed(b"GET / HTTP/1.1\r\n\r\n") is not None
    if kind != "request":
        assert HeadReader(kind=kind).feed(b"HTTP/1.1 200 OK\r\n\r\n") is not None


def test_kind_is_checked():
    with pytest.raises(UsageError, match="kind"):
        HeadReader(kind="reply")


@pytest.mark.parametrize("prefix", [b"\r\n", b"\r\n\r\n", b"\r\n" * 50])
def test_empty_lines_before_the_request_line_are_ignored(prefix):
    data = prefix + b"GET / HTTP/1.1\r\nHost: x\r\n\r\nrest"
    for i in range(len(data) + 1):  # at every split, too
        reader = HeadReader(kind="request")
        result, which = feed_chunks(reader, [data[:i], data[i:]])
        assert result == (b"GET / HTTP/1.1", [("Host", "x")]), i
        assert reader.rest + (data[i:] if which == 0 else b"") == b"rest", i
    assert parse_request(data).target == "/"


def test_endless_empty_lines_are_bounded():
    reader = HeadReader(kind="request", max_size=100)
    with pytest.raises(HTTPHeadError, match="empty lines") as info:
        for _ in range(100):
            reader.feed(b"\r\n")
    assert info.value.status == 400


def test_over_long_request_target_is_414():
    start = b"GET /" + b"a" * 95 + b" HTTP/1.1"
    for data in (start + b"\r\nHost: x\r\n\r\n", start):  # complete, and still coming
        with pytest.raises(HTTPHeadError, match="414 URI Too Long") as info:
            HeadReader(kind="request", max_line=99).feed(data)
        assert info.value.status == 414


def test_obs_fold_in_a_response_becomes_a_space():
    data = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"X-Long: first \r\n   second\r\n\tthird\r\nConnection: Upgrade\r\n\r\n")
    response = parse_response(data)
    assert response.headers.get("X-Long") == "first second third"
    assert [n for n, _ in response.headers] == ["Upgrade", "X-Long", "Connection"]


def test_obs_fold_is_still_refused_in_a_request_and_before_any_header():
    with pytest.raises(HTTPHeadError, match="obsolete line folding"):
        parse_request(b"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n")
    with pytest.raises(HTTPHeadError, match="obsolete line folding"):
        parse_response(b"HTTP/1.1 200 OK\r\n folded\r\n\r\n")
    with pytest.raises(HTTPHeadError, match="control byte 0x01"):
        parse_response(b"HTTP/1.1 200 OK\r\nX: a\r\n b\x01\r\n\r\n")


# --- Request targets ----------------------------------------------------------------------------


@pytest.mark.parametrize("target, path, query, authority", [
    ("/chat?room=1", "/chat", "room=1", "h"),
    ("http://127.0.0.1/", "/", "", "127.0.0.1"),
    ("http://127.0.0.1:8765/chat?room=1", "/chat", "room=1", "127.0.0.1:8765"),
    ("ws://example.com", "/", "", "example.com"),
    ("HTTP://example.com?x=1", "/", "x=1", "example.com"),
])
def test_absolute_form_is_routed_by_its_path(target, path, query, authority):
    request = parse_request(f"GET {target} HTTP/1.1\r\nHost: h\r\n\r\n".encode())
    assert (request.path, request.query, request.authority) == (path, query, authority)
    assert request.target == target  # kept as sent


@pytest.mark.parametrize("method, target", [("OPTIONS", "*"), ("CONNECT", "example.com:443")])
def test_asterisk_and_authority_forms(method, target):
    assert parse_request(f"{method} {target} HTTP/1.1\r\nHost: h\r\n\r\n".encode()).target == target


@pytest.mark.parametrize("target, words", [(b"chat", "neither a path"), (b"*", "neither a path"),
                                           (b"/a\tb", "contains '\\t'"),
                                           (b"/caf\xe9", "contains '\xe9'"),
                                           (b"/a\x7fb", "contains '\\x7f'")])
def test_bad_request_targets_are_400(target, words):
    with pytest.raises(HTTPHeadError, match="request target") as info:
        request_from_head(b"GET " + target + b" HTTP/1.1", [("Host", "h")])
    assert info.value.status == 400 and words in str(info.value)


# --- Host ---------------------------------------------------------------------------------------


def request_with(*headers, version="HTTP/1.1"):
    return Request("GET", "/", Headers(list(headers)), version)


@pytest.mark.parametrize("value", ["example.com", "example.com:8080", "127.0.0.1:1", "[::1]:80",
                                   "xn--bcher-kva.example", "a%20b", "host:", ""])
def test_valid_host(value):
    assert check_host(request_with(("Host", value))) == value


@pytest.mark.parametrize("headers, words", [
    ([], "missing Host header"),
    ([("Host", "a"), ("Host", "b")], "2 Host headers ('a', 'b'); a request carries exactly one"),
    ([("Host", "a"), ("host", "a")], "2 Host headers"),
    ([("Host", "a b")], "is not host[:port]"),
    ([("Host", "a/b")], "is not host[:port]"),
    ([("Host", "user@a")], "is not host[:port]"),
    ([("Host", "a:b")], "bad port"),
    ([("Host", "a:99999")], "at most 65535"),
    ([("Host", "a:\u0663")], "bad port"),
    ([("Host", "a:1:2")], "is not host[:port]"),
    ([("Host", "[::1")], "is not host[:port]"),
])
def test_invalid_or_duplicate_host_is_400(headers, words):
    with pytest.raises(HTTPHeadError) as info:
        check_host(request_with(*headers))
    assert (info.value.status, info.value.header) == (400, "Host")
    assert words in str(info.value) and "RFC 9112 section 3.2" in str(info.value)


def test_http_1_0_may_omit_host():
    assert check_host(request_with(version="HTTP/1.0")) is None


# --- Request bodies (RFC 9112 section 6.3) ------------------------------------------------------


@pytest.mark.parametrize("headers, length", [
    ([], 0), ([("Content-Length", "5")], 5), ([("Content-Length", "5, 5")], 5),
    ([("Content-Length", "5"), ("Content-Length", "5")], 5),
    ([("Transfer-Encoding", "chunked")], None),
    ([("Transfer-Encoding", "gzip, chunked"), ("Content-Length", "3")], None),
])
def test_request_body_length(headers, length):
    assert request_body_length(request_with(*headers)) == length


@pytest.mark.parametrize("headers, words", [
    ([("Content-Length", "\u00b2")], "Content-Length '\\xb2' is not a number"),
    ([("Content-Length", "1" * 5000)], "has 5000 digits"),
    ([("Content-Length", "-1")], "is not a number"),
    ([("Content-Length", "")], "is not a number"),
    ([("Content-Length", "5, 6")], "Content-Length values [5, 6] differ"),
    ([("Content-Length", "5"), ("Content-Length", "6")], "differ"),
    ([("Transfer-Encoding", "chunked, gzip")], "does not end with chunked"),
])
def test_request_body_length_that_cannot_be_known_is_400(headers, words):
    with pytest.raises(HTTPHeadError) as info:
        request_body_length(request_with(*headers))
    assert info.value.status == 400 and words in str(info.value)


# --- What a client refuses to send --------------------------------------------------------------


@pytest.mark.parametrize("target", ["/a b", "/a\r\nX: y", "chat", "/\x00", "/caf\u00e9", ""])
def test_check_target_refuses(target):
    with pytest.raises(UsageError, match="request target"):
        check_target(target)


@pytest.mark.parametrize("name, value, words", [
    ("X", "a\r\nInjected: yes", "header injection"),
    ("X", "a\nb", "0x0A"),
    ("X", "a\x00", "0x00"),
    ("X-\u00e9", "a", "not a token"),
    ("X Y", "a", "not a token"),
    ("X:", "a", "not a token"),
    ("", "a", "not a token"),
    ("X", "\u2603", "cannot be sent in latin-1"),
    ("X", 5, "(str, int)"),
])
def test_check_field_refuses(name, value, words):
    with pytest.raises(UsageError) as info:
        check_field(name, value)
    assert words in str(info.value)


def test_check_field_accepts_tabs_and_utf_8_when_asked():
    check_field("X", "a\tb")
    check_field("Last-Event-ID", "\u2603", charset="utf-8")


@pytest.mark.parametrize("url, words", [
    ("ws://h:abc/", "bad port"), ("ws://h:99999/", "at most 65535"), ("ws://h:0/", "port 0"),
    ("ws://h:-1/", "bad port"), ("ws://h/a b", "contains ' '"), ("ws://h/a\r\nX: y", "request target"),
    ("ws://ex ample.com/", "is not host[:port]"),
])
def test_split_url_refuses_bad_ports_hosts_and_paths(url, words):
    with pytest.raises(UsageError) as info:
        split_url(url, "ws")
    assert words in str(info.value)


def test_split_url_empty_port_is_the_default():
    assert split_url("ws://h:/x", "ws") == ("h", 80, "/x", "h:")
