"""Self-checks for lesson 08, a server from scratch.

* 8.1 :func:`check_upgrade`: ``upgrade(request) -> Response``, the server's answer to one
  upgrade request: 101 with the accept key and the chosen subprotocol, or the refusal.
* 8.2 :func:`check_broadcast` (async): ``async broadcast(clients, message, timeout) -> set``,
  a broadcast that a stuck or closed client cannot hold up; returns the clients to drop.

Neither check shows the answer a case expects: a failed line says what is wrong with the
learner's answer (which header, which client) and the hint names the likely mistake.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import inspect
from typing import Any, Awaitable, Callable

from . import Case, NotAttempted, Report, _short, check_function, judge_answer
from ..errors import ConnectionClosed, HTTPHeadError
from ..handshake import GUID, accept_key, build_request
from ..http import Headers, Request, Response, parse_response

__all__ = ["check_upgrade", "check_broadcast", "upgrade_cases", "ORIGINS", "SUBPROTOCOLS"]

ORIGINS = ["http://localhost:8888"]
SUBPROTOCOLS = ["echo-protocol"]
KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 section 1.3

# ------------------------------------------------------------------ 8.1 upgrade

# (name, changes to the request, expected status, expected subprotocol)
_UPGRADE_CASES = [
    ("a valid request offering echo-protocol: 101, and echo-protocol is chosen",
     dict(subprotocols=["echo-protocol"]), 101, "echo-protocol"),
    ("a valid request with no subprotocol: 101 without Sec-WebSocket-Protocol",
     dict(), 101, None),
    ("offered 'chat, echo-protocol': the 101 names echo-protocol alone",
     dict(subprotocols=["chat", "echo-protocol"]), 101, "echo-protocol"),
    ("offered only 'chat' (no match): 101 without Sec-WebSocket-Protocol",
     dict(subprotocols=["chat"]), 101, None),
    ("permessage-deflate offered, as browsers do: 101 that declines it",
     dict(extensions=["permessage-deflate; client_max_window_bits"]), 101, None),
    ("Origin http://evil.example: refused", dict(origin="http://evil.example"), 403, None),
    ("no Origin header at all: refused", dict(origin=None), 403, None),
    ("Sec-WebSocket-Version: 8: refused, saying which version the server speaks",
     dict(version="8"), 426, None),
    ("no Sec-WebSocket-Key: refused", dict(key=None), 400, None),
    ("Connection: keep-alive (no Upgrade token): refused", dict(connection="keep-alive"), 400, None),
    ("POST instead of GET: refused", dict(method="POST"), 405, None),
]


def _request(changes: dict) -> Request:
    """An upgrade request from a page at http://localhost:8888, with ``changes`` applied: a
    header's new value, or ``None`` to leave it out; ``method`` for the request method."""
    changes = dict(changes)
    origin = changes.pop("origin", ORIGINS[0])
    request = build_request("127.0.0.1:8765", "/chat", key=KEY, origin=origin,
                            subprotocols=changes.pop("subprotocols", ()),
                            extensions=changes.pop("extensions", ()))
    request.method = changes.pop("method", "GET")
    replace = {"Sec-WebSocket-Key": changes.pop("key", KEY),
               "Sec-WebSocket-Version": changes.pop("version", "13"),
               "Connection": changes.pop("connection", "Upgrade")}
    request.headers = Headers([(n, replace.get(n, v)) for n, v in request.headers
                               if replace.get(n, v) is not None])
    return request


def upgrade_cases() -> list[tuple[str, Request, int, str | None]]:
    """The requests of exercise 8.1 with the status and subprotocol each one should get
    (for teachers and tests)."""
    return [(name, _request(changes), status, proto)
            for name, changes, status, proto in _UPGRADE_CASES]


def _as_response(got: Any) -> tuple[Response | None, str, str]:
    """The learner's answer as a Response, or (None, detail, hint) naming the type mistake."""
    if isinstance(got, Response):
        return got, "", ""
    if got is None:
        return None, "returned None", "did you forget `return`? Return the Response"
    if isinstance(got, (bytes, bytearray)):
        try:
            return parse_response(bytes(got)), "", ""
        except HTTPHeadError as exc:
            return None, f"returned bytes that are not an HTTP response head: {exc}", \
                "return the Response object (handshake.build_response(...) or reject(...))"
    if isinstance(got, str):
        return None, f"returned a str ({_short(got, 40)}), not a Response", \
            "return the Response object itself; response.to_bytes() is for the wire"
    if isinstance(got, int) and not isinstance(got, bool):
        return None, f"returned only a status ({got}), not a Response", \
            "return the whole answer: handshake.build_response(key, ...) or handshake.reject(error)"
    return None, f"returned a {type(got).__name__}, not a wslib.http.Response", \
        "return handshake.build_response(...) for a 101 or handshake.reject(error) for a refusal"


def _accept_mistake(request: Request, got: str | None) -> str:
    key = request.headers.get("Sec-WebSocket-Key") or ""
    if got is None:
        return "a 101 must carry Sec-WebSocket-Accept: build_response(key) adds it"
    digest = hashlib.sha1((key + GUID).encode()).digest()
    if got == digest.hex():
        return "that is the SHA-1 digest in hex; the accept is base64 of the 20 raw bytes"
    if got == base64.b64encode(hashlib.sha1(key.encode()).digest()).decode():
        return "the GUID is missing: hash key + GUID, not the key alone"
    return "compute it from the request's Sec-WebSocket-Key: handshake.accept_key(key)"


def _diagnose(got: Any, request: Request, status: int, proto: str | None) -> tuple[bool, str, str]:
    """(ok, detail, hint) for one answer; the detail never states the expected answer."""
    response, detail, hint = _as_response(got)
    if response is None:
        return False, detail, hint
    h = response.headers
    if response.status != status:
        if status == 101:
            return False, f"status {response.status} for a request that is acceptable", \
                ("check_request(request, origins=ORIGINS) accepts it; answer with "
                 "handshake.build_response(hello.key, ...)")
        if response.status == 101:
            specific = {403: "pass origins=ORIGINS to check_request: it then refuses foreign "
                             "and missing origins",
                        405: "check_request refuses anything but GET; did you skip it?"}
            return False, "status 101 for a request that must be refused", specific.get(
                status, "call handshake.check_request(request, origins=ORIGINS): it raises "
                        "HandshakeError for this request; answer with handshake.reject(error)")
        return False, f"status {response.status} is not the right refusal for this request", \
            ("answer with handshake.reject(error): the HandshakeError from check_request "
             "carries the status (error.status)")
    if status == 426 and (h.get("Sec-WebSocket-Version") or "").strip() != "13":
        return False, "the 426 does not carry Sec-WebSocket-Version: 13", \
            ("RFC 6455 section 4.4: tell the client which version the server speaks; "
             "reject(error) adds error.headers for you")
    if status != 101:
        return True, "", ""
    accept = h.get("Sec-WebSocket-Accept")
    if accept is None or accept.strip() != accept_key(request.headers["Sec-WebSocket-Key"]):
        return False, f"Sec-WebSocket-Accept is {accept!r}, which is not the accept of this key", \
            _accept_mistake(request, accept)
    for name, token in (("Upgrade", "websocket"), ("Connection", "upgrade")):
        if token not in (h.get(name) or "").lower():
            return False, f"the 101 has {name}: {h.get(name)!r}", \
                f"a 101 says {name}: {'websocket' if name == 'Upgrade' else 'Upgrade'} (RFC 6455 section 4.2.2)"
    if h.get("Sec-WebSocket-Extensions"):
        return False, f"the 101 accepts the extension {h.get('Sec-WebSocket-Extensions')!r}", \
            ("this server implements no extension: leave Sec-WebSocket-Extensions out of the 101 "
             "(copying the offer would switch on compression nobody does)")
    chosen = h.get("Sec-WebSocket-Protocol")
    if chosen is not None:
        chosen = chosen.strip()
    offered = request.headers.get("Sec-WebSocket-Protocol")
    if chosen != proto:
        if chosen is None:
            return False, "the 101 names no subprotocol, but the client offered one this server speaks", \
                "pick it: handshake.select_subprotocol(hello.subprotocols, SUBPROTOCOLS), then " \
                "build_response(key, subprotocol=...)"
        if offered is not None and chosen == offered.strip() and "," in offered:
            return False, f"the 101 names {chosen!r}: the whole list the client offered", \
                "the server chooses ONE subprotocol, one it speaks (select_subprotocol)"
        if proto is None:
            return False, f"the 101 names subprotocol {chosen!r}", \
                ("when nothing offered matches (or nothing is offered), leave "
                 "Sec-WebSocket-Protocol out: a client fails the connection if the server names "
                 "one it did not offer (RFC 6455 section 4.1)")
        return False, f"the 101 names subprotocol {chosen!r}", \
            "the server picks, among those offered, one that it speaks itself (SUBPROTOCOLS)"
    return True, "", ""


def check_upgrade(func: Callable[[Request], Response] | None) -> Report:
    """Exercise 8.1: ``func(request)`` returns the server's Response for each request."""
    cases = []
    for name, request, status, proto in upgrade_cases():
        diagnose = functools.partial(_diagnose, request=request, status=status, proto=proto)
        cases.append(Case(name, (request,), (status, proto),
                          compare=lambda got, _, d=diagnose: d(got)[:2],
                          hint=lambda got, d=diagnose: d(got)[2]))
    return check_function("Exercise 8.1 - upgrade", func, cases, stub_hint="finish the function",
                          crash_hint="check_request raises HandshakeError for a bad request: "
                                     "catch it (except wslib.HandshakeError as error) and return "
                                     "handshake.reject(error)")


# ------------------------------------------------------------------ 8.2 broadcast (async)


class FakeClient:
    """A stand-in for a WebSocket with an ``async send()``. ``mode``: "fast" (records the
    message at once), "slow" (takes ``delay`` seconds), "stuck" (never finishes), "closed"
    (raises ConnectionClosedError, as a closed WebSocket does)."""

    def __init__(self, name: str, mode: str = "fast", delay: float = 0.0,
                 watch: list["FakeClient"] | None = None) -> None:
        self.name, self.mode, self.delay = name, mode, delay
        self.received: list[str] = []
        self.sends = 0
        self.watch = watch or []  # for "stuck": what these clients had when our send ended
        self.others_when_released: int | None = None

    async def send(self, message: str) -> None:
        self.sends += 1
        if self.mode == "closed":
            raise ConnectionClosed.make(1006, "connection lost")
        if self.mode == "stuck":
            try:
                await asyncio.Event().wait()  # forever, until cancelled
            finally:
                self.others_when_released = sum(len(c.received) for c in self.watch)
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        self.received.append(message)

    def __repr__(self) -> str:
        return f"<{self.mode} client {self.name}>"


def _broadcast_cases() -> list[tuple[str, list[FakeClient], float, Callable]]:
    """(name, clients, timeout, judge) where judge(clients, returned) -> (ok, detail, hint)."""
    def all_fast():
        return [FakeClient(n) for n in "abc"]

    def judge_all(clients, returned):
        missing = [c.name for c in clients if c.received != ["hello"]]
        if missing:
            return False, f"client(s) {', '.join(missing)} did not receive 'hello' exactly once", \
                "await client.send(message) for every client (in tasks or asyncio.gather)"
        if returned:
            return False, f"returned {_short(returned)} although every send succeeded", \
                "return only the clients whose send() timed out or raised (here: none, set())"
        return True, "", ""

    def with_stuck():
        a, c = FakeClient("a"), FakeClient("c")
        stuck = FakeClient("stuck", "stuck", watch=[a, c])
        return [a, stuck, c]

    def judge_stuck(clients, returned):
        a, stuck, c = clients
        if not a.received or not c.received:
            return False, "a fast client did not receive the message", \
                "send to all clients at once (asyncio.gather or tasks), each with its own time limit"
        if stuck.others_when_released is not None and stuck.others_when_released < 2:
            return False, "client c got the message only after the stuck client's send ended", \
                ("the sends ran one after the other, so the fast clients waited for the stuck "
                 "one: start them all together (asyncio.gather(*(...)))")
        if set(returned) != {stuck}:
            return False, f"returned {_short(returned)}; the stuck client is not in it alone", \
                "return the clients whose send() timed out: those are the ones to disconnect"
        return True, "", ""

    def with_closed():
        return [FakeClient("a"), FakeClient("closed", "closed"), FakeClient("c")]

    def judge_closed(clients, returned):
        a, closed, c = clients
        if not a.received or not c.received:
            return False, "a fast client did not receive the message", \
                "one client's exception must not stop the sends to the others"
        if set(returned) != {closed}:
            return False, f"returned {_short(returned)}; the closed client is not in it alone", \
                "a client whose send() raised must be returned too, so that it gets removed"
        return True, "", ""

    def with_slow():
        return [FakeClient("slow", "slow", delay=0.05), FakeClient("b")]

    def judge_slow(clients, returned):
        slow, b = clients
        if slow.received != ["hello"] or b.received != ["hello"]:
            return False, "a client that answers within the timeout did not get the message", \
                "give each send the timeout you were passed (not a fixed, shorter one)"
        if returned:
            return False, f"returned {_short(returned)}, but both clients answered in time", \
                "a client is dropped only when its send takes longer than `timeout`"
        return True, "", ""

    return [
        ("every client receives the message; nobody is dropped", all_fast(), 0.5, judge_all),
        ("a stuck client does not hold up the others, and is returned", with_stuck(), 0.2,
         judge_stuck),
        ("a closed client (send raises) does not stop the others, and is returned",
         with_closed(), 0.5, judge_closed),
        ("a client that takes 0.05 s, with timeout 0.5 s, is not dropped", with_slow(), 0.5,
         judge_slow),
    ]


async def check_broadcast(func: Callable[[list, str, float], Awaitable[set]] | None,
                          limit: float = 3.0) -> Report:
    """Exercise 8.2: ``await func(clients, "hello", timeout)`` sends to every fake client
    concurrently, and returns the set of clients that timed out or raised. Never raises.

    Use it with ``await`` in a cell: ``await lesson08.check_broadcast(broadcast)``.
    """
    report = Report("Exercise 8.2 - broadcast")
    if func is None:
        report.attempted = False
        return report
    try:
        for i, (name, clients, timeout, judge) in enumerate(_broadcast_cases()):
            case = Case(name, (clients, "hello", timeout), None)
            try:
                result = func(clients, "hello", timeout)
            except Exception as exc:
                judge_answer(report, case, None, exc, first=i == 0, stub_hint="finish the function")
                continue
            if not inspect.isawaitable(result):
                if i == 0 and result is None:
                    raise NotAttempted
                report.add(name, False, f"returned {_short(result)} without awaiting anything",
                           "define it with `async def` and await the sends")
                continue
            try:
                returned = await asyncio.wait_for(result, limit)
            except TimeoutError:
                report.add(name, False, f"broadcast did not return within {limit} s",
                           "a send may never finish: give each one at most `timeout` seconds "
                           "(asyncio.wait_for(client.send(message), timeout))")
                continue
            except NotImplementedError:
                if i == 0:
                    raise NotAttempted from None
                report.add(name, False, "raised NotImplementedError", "finish the function")
                continue
            except ConnectionClosed as exc:
                report.add(name, False, f"broadcast raised {type(exc).__name__}: {exc}",
                           "catch each client's error (asyncio.gather(..., return_exceptions=True),"
                           " or try/except around each send)")
                continue
            except Exception as exc:
                judge_answer(report, case, None, exc, stub_hint="finish the function")
                continue
            if inspect.isawaitable(returned):
                if inspect.iscoroutine(returned):
                    returned.close()
                report.add(name, False, "returned an awaitable, not the set of clients",
                           "await asyncio.gather(...) (or the tasks) before returning")
                continue
            if returned is None:
                if i == 0 and not any(c.sends for c in clients):
                    raise NotAttempted
                report.add(name, False, "returned None",
                           "did you forget `return`? Return the set of clients to drop "
                           "(an empty set when every send succeeded)")
                continue
            if not isinstance(returned, (set, frozenset, list, tuple)):
                report.add(name, False, f"returned a {type(returned).__name__}, not a set",
                           "return a set of clients, e.g. {client} or set()")
                continue
            ok, detail, hint = judge(clients, returned)
            report.add(name, ok, detail, hint)
    except NotAttempted:
        report.attempted = False
        report.results.clear()
    return report
