"""HTTP/1.1 request heads: wslib's verdict beside h11's (python-hyper/h11, the reference).

Each case is one request head as a server receives it. wslib's verdict is that of its
server's request path (``HeadReader(kind="request")``, ``request_from_head``, ``check_host``,
``request_body_length``); h11's is that of ``h11.Connection(h11.SERVER)``. Where the two
differ, ``DIFFERENCES`` says why and which RFC sentence wslib follows; each difference was
observed by running this file (h11 0.16), and the test checks h11's verdict too, so that a
change in h11 shows up here.
"""

from __future__ import annotations

import pytest

from wslib.errors import WSError
from wslib.http import HeadReader, check_host, request_body_length, request_from_head

h11 = pytest.importorskip("h11")

TLS_CLIENT_HELLO = bytes.fromhex("16030100f8010000f40303") + bytes(32) + b"\r\n\r\n"

# name: (request bytes, wslib's status (None: accepted), h11's)
CASES = {
    "valid": (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", None, None),
    "http-1.0-without-host": (b"GET / HTTP/1.0\r\n\r\n", None, None),
    "absolute-form": (b"GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n", None, None),
    "empty-host": (b"GET / HTTP/1.1\r\nHost:\r\n\r\n", None, None),
    "content-length-list-of-one-value": (b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
                                         None, None),
    "chunked": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", None, None),
    "no-host": (b"GET / HTTP/1.1\r\n\r\n", 400, 400),
    "two-hosts": (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, 400),
    "two-equal-hosts": (b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400, 400),
    "content-length-superscript": ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: \u00b2\r\n\r\n"
                                   .encode(), 400, 400),
    "content-length-plus": (b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400, 400),
    "content-length-5000-digits": (b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: " + b"1" * 5000
                                   + b"\r\n\r\n", 400, 400),
    "content-lengths-differ": (b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", 400, 400),
    "content-length-twice": (b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                             b"Content-Length: 6\r\n\r\n", 400, 400),
    "tls-client-hello": (TLS_CLIENT_HELLO, 400, 400),
    "target-control-byte": (b"GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400, 400),
    "target-8-bit": (b"GET /caf\xe9 HTTP/1.1\r\nHost: a\r\n\r\n", 400, 400),
    "space-before-colon": (b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, 400),
    "nul-in-a-value": (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400, 400),
    "version-in-other-digits": ("GET / HTTP/\u0661.\u0661\r\nHost: a\r\n\r\n".encode(), 400, 400),
    "method-not-a-token": (b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, 400),
    "two-spaces": (b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, 400),
    "whitespace-before-first-header": (b"GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400, 400),
    # The differences:
    "host-with-a-space": (b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, None),
    "host-port-over-65535": (b"GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n", 400, None),
    "target-not-a-path": (b"GET chat HTTP/1.1\r\nHost: a\r\n\r\n", 400, None),
    "asterisk-with-get": (b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, None),
    "empty-line-first": (b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", None, 400),
    "obs-fold": (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400, None),
    "bare-lf": (b"GET / HTTP/1.1\nHost: a\n\n", 400, None),
    "chunked-not-last": (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                         400, 501),
}

DIFFERENCES = {
    "host-with-a-space": "RFC 9112 section 3.2: a server MUST answer 400 to a Host header field "
                         "with an invalid field value; h11 does not check the value",
    "host-port-over-65535": "wslib is stricter than RFC 3986 (port = *DIGIT): a port is at most "
                            "65535; h11 does not check the value",
    "target-not-a-path": "RFC 9112 section 3.2: a target is origin-form (/path), absolute-form, "
                         "authority-form (CONNECT) or asterisk-form (OPTIONS); h11 accepts any "
                         "visible characters",
    "asterisk-with-get": "RFC 9112 section 3.2.4: the asterisk-form is only for OPTIONS",
    "empty-line-first": "RFC 9112 section 2.2: a server SHOULD ignore at least one empty line "
                        "before the request line; h11 refuses it",
    "obs-fold": "RFC 9112 section 5.2 lets a server either refuse obs-fold in a request with 400 "
                "or replace it with spaces: wslib refuses, h11 replaces",
    "bare-lf": "RFC 9112 section 2.2: a recipient MAY recognize a bare LF as a line end; h11 "
               "does, wslib refuses it at once (400)",
    "chunked-not-last": "RFC 9112 section 6.3, rule 4: when chunked is not the final coding of "
                        "a request, the server MUST answer 400 and close; h11 answers 501",
}


def wslib_status(data: bytes) -> int | None:
    try:
        result = HeadReader(kind="request").feed(data)
        assert result is not None, "a complete head must give a verdict"
        request = request_from_head(*result)
        check_host(request)
        request_body_length(request)
    except WSError as exc:
        return exc.status
    return None


def h11_status(data: bytes) -> int | None:
    connection = h11.Connection(h11.SERVER)
    try:
        connection.receive_data(data)
        event = connection.next_event()
    except h11.RemoteProtocolError as exc:
        return exc.error_status_hint
    assert isinstance(event, h11.Request), event
    return None


@pytest.mark.parametrize("name", CASES)
def test_request_head_verdicts(name):
    data, wslib_expected, h11_expected = CASES[name]
    assert wslib_status(data) == wslib_expected
    assert h11_status(data) == h11_expected
    assert (wslib_expected != h11_expected) == (name in DIFFERENCES)


def test_every_difference_is_a_case():
    assert set(DIFFERENCES) <= set(CASES)
