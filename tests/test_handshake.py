"""Tests for wslib.handshake: keys, the upgrade request and response, and every check (RFC 6455 section 4)."""

from __future__ import annotations

import base64
import random

import pytest

from wslib.errors import HandshakeError
from wslib.handshake import (
    GUID,
    ClientHandshake,
    accept_key,
    build_request,
    build_response,
    check_request,
    check_response,
    generate_key,
    parse_extensions,
    parse_header_list,
    reject,
    select_subprotocol,
)
from wslib.http import Headers, Request, Response, parse_request, parse_response

RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # section 1.3
RFC_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


# --- Keys --------------------------------------------------------------------------------------


def test_rfc_accept_example():
    assert GUID == "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    assert accept_key(RFC_KEY) == RFC_ACCEPT


def test_generate_key_is_reproducible_with_a_seed():
    a = generate_key(random.Random(42))
    b = generate_key(random.Random(42))
    assert a == b
    assert a != generate_key(random.Random(43))
    assert len(base64.b64decode(a, validate=True)) == 16
    assert len(a) == 24 and a.endswith("==")


def test_generate_key_default_is_random():
    keys = {generate_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(len(base64.b64decode(k, validate=True)) == 16 for k in keys)


# --- Header parsing ----------------------------------------------------------------------------


def test_parse_header_list():
    assert parse_header_list("keep-alive, Upgrade") == ["keep-alive", "Upgrade"]
    assert parse_header_list(" a ,, b\t,") == ["a", "b"]
    assert parse_header_list("") == [] and parse_header_list(None) == []


def test_parse_extensions():
    value = ('permessage-deflate; client_max_window_bits, '
             'permessage-deflate; server_max_window_bits=10; client_max_window_bits="15", x-foo')
    assert parse_extensions(value) == [
        ("permessage-deflate", {"client_max_window_bits": None}),
        ("permessage-deflate", {"server_max_window_bits": "10", "client_max_window_bits": "15"}),
        ("x-foo", {}),
    ]
    assert parse_extensions(None) == []


# --- The request: build, then check ------------------------------------------------------------


def build(**kwargs) -> Request:
    kwargs.setdefault("key", RFC_KEY)
    return build_request("server.example.com", "/chat", **kwargs)


def test_build_request_bytes():
    request = build(origin="http://example.com", subprotocols=["chat", "superchat"])
    assert request.to_bytes() == (
        b"GET /chat HTTP/1.1\r\n"
        b"Host: server.example.com\r\n"
        b"Upgrade: websocket\r\n"
        b"Connection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n"
        b"Origin: http://example.com\r\n"
        b"Sec-WebSocket-Protocol: chat, superchat\r\n"
        b"\r\n"
    )


def test_build_request_fresh_key_and_extra_headers():
    a, b = build_request("h"), build_request("h", headers=[("Cookie", "a=1")])
    assert a.headers["Sec-WebSocket-Key"] != b.headers["Sec-WebSocket-Key"]
    assert b.headers["Cookie"] == "a=1"
    assert a.target == "/"


def test_check_request_accepts_and_reports():
    request = build(origin="http://example.com", subprotocols=["chat", "superchat"],
                    extensions=["permessage-deflate; client_max_window_bits"])
    result = check_request(parse_request(request.to_bytes()), origins=["http://example.com"])
    assert result == ClientHandshake(
        key=RFC_KEY,
        path="/chat",
        origin="http://example.com",
        subprotocols=["chat", "superchat"],
        extensions=[("permessage-deflate", {"client_max_window_bits": None})],
    )


def with_headers(changes: dict[str, str | None], **request_fields) -> Request:
    """The RFC example request with some headers replaced (None removes one)."""
    request = build()
    items = [(n, v) for n, v in request.headers if n not in changes]
    items += [(n, v) for n, v in changes.items() if v is not None]
    fields = {"method": "GET", "target": "/chat", "version": "HTTP/1.1"} | request_fields
    return Request(fields["method"], fields["target"], Headers(items), fields["version"])


def refused(request: Request, status: int, header: str | None, phrase: str, **kw) -> HandshakeError:
    with pytest.raises(HandshakeError) as info:
        check_request(request, **kw)
    exc = info.value
    assert exc.status == status
    assert exc.header == header
    assert phrase in str(exc)
    # reject() turns the error into the answer a server sends.
    response = reject(exc)
    assert response.status == status
    for name, value in exc.headers:
        assert response.headers[name] == value
    assert str(exc).encode() in response.body
    return exc


@pytest.mark.parametrize("method", ["POST", "PUT", "get", "HEAD"])
def test_method_must_be_get(method):
    exc = refused(with_headers({}, method=method), 405, None, f"method is {method}")
    assert ("Allow", "GET") in exc.headers


def test_http_1_0_refused():
    refused(with_headers({}, version="HTTP/1.0"), 400, None, "HTTP version is HTTP/1.0")


@pytest.mark.parametrize("host", [None, ""])
def test_missing_host(host):
    refused(with_headers({"Host": host}), 400, "Host", "missing Host header")


@pytest.mark.parametrize("upgrade", [None, "", "h2c", "websocket2", "web socket"])
def test_upgrade_missing_or_wrong(upgrade):
    refused(with_headers({"Upgrade": upgrade}), 400, "Upgrade", "'websocket'")


@pytest.mark.parametrize("connection", [None, "", "keep-alive", "close", "upgraded"])
def test_connection_missing_or_wrong(connection):
    refused(with_headers({"Connection": connection}), 400, "Connection", "'Upgrade'")


@pytest.mark.parametrize("upgrade", ["websocket", "WebSocket", "WEBSOCKET", "h2c, websocket"])
@pytest.mark.parametrize("connection", ["Upgrade", "upgrade", "keep-alive, Upgrade",
                                        "Upgrade , keep-alive", "keep-alive,upgrade"])
def test_upgrade_and_connection_tokens_case_insensitive_lists(upgrade, connection):
    result = check_request(with_headers({"Upgrade": upgrade, "Connection": connection}))
    assert result.key == RFC_KEY


def test_connection_as_repeated_header_lines():
    request = with_headers({"Connection": "keep-alive"})
    request.headers.add("Connection", "Upgrade")
    assert check_request(request).path == "/chat"


@pytest.mark.parametrize(
    "key, phrase",
    [
        ("not base64!!", "not valid base64"),
        ("dGhlIHNhbXBsZSBub25jZQ", "not valid base64"),  # padding missing
        (base64.b64encode(b"x" * 15).decode(), "base64 of 15 bytes"),
        (base64.b64encode(b"x" * 17).decode(), "base64 of 17 bytes"),
        ("", "base64 of 0 bytes"),
        ("dGhlIHNhbXBsZSBub25jZQ==é", "not valid base64"),
    ],
)
def test_malformed_key(key, phrase):
    refused(with_headers({"Sec-WebSocket-Key": key}), 400, "Sec-WebSocket-Key", phrase)


def test_missing_key():
    refused(with_headers({"Sec-WebSocket-Key": None}), 400, "Sec-WebSocket-Key",
            "missing Sec-WebSocket-Key")


@pytest.mark.parametrize("version, said", [("8", "'8'"), ("12", "'12'"), ("13, 8", "'13, 8'"),
                                           (None, "missing")])
def test_wrong_or_missing_version_is_426(version, said):
    exc = refused(with_headers({"Sec-WebSocket-Version": version}), 426, "Sec-WebSocket-Version",
                  f"Sec-WebSocket-Version is {said}")
    assert exc.headers == [("Sec-WebSocket-Version", "13"), ("Upgrade", "websocket")]
    assert reject(exc).headers["Sec-WebSocket-Version"] == "13"
    assert reject(exc).reason == "Upgrade Required"


def test_origin_allowlist():
    allowed = ["https://good.example"]
    ok = check_request(with_headers({"Origin": "https://good.example"}), origins=allowed)
    assert ok.origin == "https://good.example"
    refused(with_headers({"Origin": "https://evil.example"}), 403, "Origin",
            "'https://evil.example' is not allowed", origins=allowed)
    refused(with_headers({}), 403, "Origin", "missing Origin header; this endpoint accepts 'https://good.example'", origins=allowed)
    # Without an allowlist, any Origin (or none) passes.
    assert check_request(with_headers({"Origin": "https://evil.example"})).origin == "https://evil.example"


def test_subprotocols_and_extensions_parsed_into_lists():
    request = with_headers({"Sec-WebSocket-Protocol": "chat, superchat",
                            "Sec-WebSocket-Extensions": "permessage-deflate; server_no_context_takeover"})
    request.headers.add("Sec-WebSocket-Protocol", "v2.chat")
    result = check_request(request)
    assert result.subprotocols == ["chat", "superchat", "v2.chat"]
    assert result.extensions == [("permessage-deflate", {"server_no_context_takeover": None})]
    assert check_request(build()).subprotocols == []
    assert check_request(build()).extensions == []


def test_select_subprotocol():
    assert select_subprotocol(["chat", "superchat"], ["superchat", "chat"]) == "superchat"
    assert select_subprotocol(["chat"], ["mqtt"]) is None
    assert select_subprotocol([], ["chat"]) is None


# --- The response: build, reject, check --------------------------------------------------------


def test_build_response_rfc_example():
    response = build_response(RFC_KEY, subprotocol="chat")
    assert response.to_bytes() == (
        b"HTTP/1.1 101 Switching Protocols\r\n"
        b"Upgrade: websocket\r\n"
        b"Connection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
        b"Sec-WebSocket-Protocol: chat\r\n"
        b"\r\n"
    )
    assert check_response(parse_response(response.to_bytes()), RFC_KEY, subprotocols=["chat"]) == "chat"


def test_build_response_extra_headers():
    response = build_response(RFC_KEY, headers=[("Set-Cookie", "a=1")])
    assert response.headers["Set-Cookie"] == "a=1"
    assert check_response(response, RFC_KEY) is None


def test_reject_builds_a_response():
    response = reject(HandshakeError("nope", status=403, headers=[("X-Why", "origin")]))
    assert (response.status, response.reason) == (403, "Forbidden")
    assert response.headers["X-Why"] == "origin"
    assert response.headers["Connection"] == "close"
    assert response.body == b"nope\n"
    assert response.headers["Content-Length"] == "5"
    assert response.headers["Content-Type"].startswith("text/plain")
    parsed = parse_response(response.to_bytes())
    assert parsed.status == 403 and parsed.body == b"nope\n"


def test_reject_with_a_status_and_message():
    response = reject(503, "busy, try later ✓")
    assert response.status == 503 and response.reason == "Service Unavailable"
    assert response.body == "busy, try later ✓\n".encode()
    assert response.headers["Content-Length"] == str(len(response.body))


def ok_response(**changes: str | None) -> Response:
    response = build_response(RFC_KEY)
    items = [(n, v) for n, v in response.headers if n not in changes]
    items += [(n, v) for n, v in changes.items() if v is not None]
    return Response(101, Headers(items))


def response_refused(response: Response, header: str | None, phrase: str, **kw) -> HandshakeError:
    with pytest.raises(HandshakeError) as info:
        check_response(response, RFC_KEY, **kw)
    assert info.value.header == header
    assert phrase in str(info.value)
    return info.value


@pytest.mark.parametrize("status", [200, 400, 403, 426, 500])
def test_non_101_status(status):
    response = reject(status, "go away")
    exc = response_refused(response, None, f"server answered {status}")
    assert exc.status == status
    assert "go away" in str(exc)  # the server's explanation is passed on


def test_wrong_accept():
    exc = response_refused(ok_response(**{"Sec-WebSocket-Accept": accept_key("x" * 24)}),
                           "Sec-WebSocket-Accept", f"expected {RFC_ACCEPT!r}")
    assert exc.status == 101
    response_refused(ok_response(**{"Sec-WebSocket-Accept": None}), "Sec-WebSocket-Accept",
                     "Sec-WebSocket-Accept is None")
    # The accept value for another key is refused even though it is well formed.
    with pytest.raises(HandshakeError, match="Sec-WebSocket-Accept"):
        check_response(build_response(RFC_KEY), generate_key(random.Random(1)))


@pytest.mark.parametrize("upgrade", [None, "h2c"])
def test_missing_or_wrong_upgrade_in_response(upgrade):
    response_refused(ok_response(Upgrade=upgrade), "Upgrade", "Upgrade header in the response")


def test_missing_connection_in_response():
    response_refused(ok_response(Connection=None), "Connection", "Connection header in the response")


def test_response_tokens_case_insensitive():
    assert check_response(ok_response(Upgrade="WebSocket", Connection="upgrade"), RFC_KEY) is None


def test_unoffered_subprotocol():
    response_refused(ok_response(**{"Sec-WebSocket-Protocol": "mqtt"}), "Sec-WebSocket-Protocol",
                     "'mqtt', which the client did not offer", subprotocols=["chat"])
    response_refused(ok_response(**{"Sec-WebSocket-Protocol": "chat"}), "Sec-WebSocket-Protocol",
                     "did not offer")
    assert check_response(ok_response(**{"Sec-WebSocket-Protocol": "chat"}), RFC_KEY,
                          subprotocols=["mqtt", "chat"]) == "chat"


def test_unexpected_extensions():
    response_refused(ok_response(**{"Sec-WebSocket-Extensions": "permessage-deflate"}),
                     "Sec-WebSocket-Extensions", "did not offer")


def test_origin_allowlist_with_none_accepts_requests_without_origin():
    # None in the list: a request without Origin (not from a browser) is accepted, and the
    # refusal of a foreign Origin says so in words, not as "None".
    allowed = ["https://good.example", None]
    assert check_request(with_headers({}), origins=allowed).origin is None
    refused(with_headers({"Origin": "https://evil.example"}), 403, "Origin",
            "accepts 'https://good.example', no Origin header", origins=allowed)
