"""Lesson 08's checks: reference solutions pass, stubs are "not attempted", and each known wrong
answer gets its own diagnosis (never the expected answer)."""

from __future__ import annotations

import asyncio

import pytest

import wslib
from wslib import handshake
from wslib.exercises import lesson08
from wslib.http import Headers, Response

import solutions.lesson08 as S  # the repository root is on sys.path (pyproject.toml)


def failed(report):
    return {r.name: r for r in report.results if not r.passed}


# ------------------------------------------------------------------ 8.1 upgrade


def test_upgrade_reference_passes():
    report = lesson08.check_upgrade(S.upgrade)
    assert report.passed, repr(report)


def test_upgrade_stub_is_not_attempted():
    def upgrade(request):
        raise NotImplementedError  # your code here

    for answer in (upgrade, None):
        report = lesson08.check_upgrade(answer)
        assert not report.attempted
        assert "not attempted" in repr(report)


def test_upgrade_that_returns_none_forgot_return():
    report = lesson08.check_upgrade(lambda request: None)
    assert report.attempted and report.status == "failed"
    assert "did you forget `return`" in repr(report)


def test_upgrade_cases_match_the_reference():
    for name, request, status, proto in lesson08.upgrade_cases():
        response = S.upgrade(request)
        assert response.status == status, name
        assert response.headers.get("Sec-WebSocket-Protocol") == proto, name


def _without_origin_check(request):
    try:
        hello = handshake.check_request(request)
    except wslib.HandshakeError as error:
        return handshake.reject(error)
    return handshake.build_response(
        hello.key, subprotocol=handshake.select_subprotocol(hello.subprotocols, S.SUBPROTOCOLS))


def _echo_all_protocols(request):
    try:
        hello = handshake.check_request(request, origins=S.ORIGINS)
    except wslib.HandshakeError as error:
        return handshake.reject(error)
    offered = request.headers.get("Sec-WebSocket-Protocol")
    return handshake.build_response(hello.key, subprotocol=offered)


def _copy_extensions(request):
    response = S.upgrade(request)
    offer = request.headers.get("Sec-WebSocket-Extensions")
    if offer and response.status == 101:
        response.headers.add("Sec-WebSocket-Extensions", offer)
    return response


def _no_subprotocol(request):
    try:
        hello = handshake.check_request(request, origins=S.ORIGINS)
    except wslib.HandshakeError as error:
        return handshake.reject(error)
    return handshake.build_response(hello.key)


def _bare_426(request):
    response = S.upgrade(request)
    if response.status == 426:
        return Response(426, Headers([("Content-Length", "0")]))
    return response


def _hex_accept(request):
    import hashlib
    response = S.upgrade(request)
    if response.status == 101:
        key = request.headers["Sec-WebSocket-Key"]
        digest = hashlib.sha1((key + handshake.GUID).encode()).hexdigest()
        response.headers = Headers([(n, digest if n == "Sec-WebSocket-Accept" else v)
                                    for n, v in response.headers])
    return response


def _uncaught(request):
    hello = handshake.check_request(request, origins=S.ORIGINS)
    return handshake.build_response(hello.key)


def _bytes_answer(request):
    return S.upgrade(request).to_bytes()


@pytest.mark.parametrize("answer, failing, words", [
    (_without_origin_check, "Origin http://evil.example: refused", "origins=ORIGINS"),
    (_echo_all_protocols, "offered 'chat, echo-protocol': the 101 names echo-protocol alone",
     "ONE subprotocol"),
    (_echo_all_protocols, "offered only 'chat' (no match): 101 without Sec-WebSocket-Protocol",
     "leave Sec-WebSocket-Protocol out"),
    (_copy_extensions, "permessage-deflate offered, as browsers do: 101 that declines it",
     "implements no extension"),
    (_no_subprotocol, "a valid request offering echo-protocol: 101, and echo-protocol is chosen",
     "select_subprotocol"),
    (_bare_426, "Sec-WebSocket-Version: 8: refused, saying which version the server speaks",
     "section 4.4"),
    (_hex_accept, "a valid request with no subprotocol: 101 without Sec-WebSocket-Protocol",
     "hex"),
    (_uncaught, "Origin http://evil.example: refused", "catch it"),
    (lambda request: "HTTP/1.1 101 Switching Protocols", "a valid request offering echo-protocol: "
     "101, and echo-protocol is chosen", "Response object"),
    (lambda request: 101, "a valid request offering echo-protocol: 101, and echo-protocol is "
     "chosen", "whole answer"),
])
def test_upgrade_mistakes_get_their_diagnosis(answer, failing, words):
    report = lesson08.check_upgrade(answer)
    assert report.attempted and not report.passed
    bad = failed(report)
    assert failing in bad, repr(report)
    assert words in bad[failing].hint, repr(report)


def test_upgrade_bytes_are_accepted():
    assert lesson08.check_upgrade(_bytes_answer).passed


def test_upgrade_never_shows_the_expected_accept():
    report = lesson08.check_upgrade(_hex_accept)
    expected = handshake.accept_key(lesson08.KEY)
    assert expected not in repr(report)
    assert "not the accept of this key" in repr(report)


# ------------------------------------------------------------------ 8.2 broadcast


def check(answer):
    return asyncio.run(lesson08.check_broadcast(answer))


def test_broadcast_reference_passes():
    report = check(S.broadcast)
    assert report.passed, repr(report)


def test_broadcast_stub_is_not_attempted():
    async def broadcast(clients, message, timeout):
        raise NotImplementedError  # your code here

    for answer in (broadcast, None):
        report = check(answer)
        assert not report.attempted, repr(report)


async def _sequential(clients, message, timeout):
    dropped = set()
    for client in clients:
        try:
            await asyncio.wait_for(client.send(message), timeout)
        except Exception:
            dropped.add(client)
    return dropped


async def _no_timeout(clients, message, timeout):
    results = await asyncio.gather(*(c.send(message) for c in clients), return_exceptions=True)
    return {c for c, r in zip(clients, results) if isinstance(r, BaseException)}


async def _exceptions_escape(clients, message, timeout):
    await asyncio.gather(*(asyncio.wait_for(c.send(message), timeout) for c in clients))
    return set()


async def _forgot_return(clients, message, timeout):
    await asyncio.gather(*(asyncio.wait_for(c.send(message), timeout) for c in clients),
                         return_exceptions=True)


async def _short_fixed_timeout(clients, message, timeout):
    results = await asyncio.gather(*(asyncio.wait_for(c.send(message), 0.01) for c in clients),
                                   return_exceptions=True)
    return {c for c, r in zip(clients, results) if isinstance(r, BaseException)}


async def _drops_nobody(clients, message, timeout):
    await asyncio.gather(*(asyncio.wait_for(c.send(message), timeout) for c in clients),
                         return_exceptions=True)
    return set()


def _not_async(clients, message, timeout):
    return set()


@pytest.mark.parametrize("answer, failing, words", [
    (_sequential, "a stuck client does not hold up the others, and is returned", "one after the other"),
    (_no_timeout, "a stuck client does not hold up the others, and is returned", "at most `timeout`"),
    (_exceptions_escape, "a closed client (send raises) does not stop the others, and is returned",
     "return_exceptions=True"),
    (_forgot_return, "every client receives the message; nobody is dropped", "forget `return`"),
    (_short_fixed_timeout, "a client that takes 0.05 s, with timeout 0.5 s, is not dropped",
     "the timeout you were passed"),
    (_drops_nobody, "a stuck client does not hold up the others, and is returned",
     "the ones to disconnect"),
    (_not_async, "every client receives the message; nobody is dropped", "async def"),
])
def test_broadcast_mistakes_get_their_diagnosis(answer, failing, words):
    report = check(answer)
    assert report.attempted and not report.passed, repr(report)
    bad = failed(report)
    assert failing in bad, repr(report)
    assert words in bad[failing].hint, repr(report)
