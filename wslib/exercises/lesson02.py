"""Self-checks for lesson 02, the opening handshake (握手).

* 2.1 :func:`check_accept_key`: ``accept_key(key) -> str``
* 2.2 :func:`check_handshake_status`: ``handshake_status(headers, origins) -> int``
* 2.3 :func:`check_parse_response` (optional): ``parse_response(data) -> (status, headers)``

Each check turns its table of cases into :class:`~wslib.exercises.Case` objects and runs them
with :func:`wslib.exercises.check_function` (how to write one: the docstring of that package).
"""

from __future__ import annotations

import base64
import hashlib
import random
from functools import partial
from typing import Any, Callable

from ..handshake import GUID, accept_key, generate_key
from . import FINISH, Case, Report, _short, check_function, what_differs

__all__ = ["check_accept_key", "check_handshake_status", "check_parse_response",
           "ALLOWED_ORIGINS"]

RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 section 1.3
RFC_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


# ------------------------------------------------------------------ 2.1 accept_key

def _accept_diagnosis(key: str, got: Any) -> str:
    """A hint naming the classic mistake that gives ``got`` for ``key``."""
    digest = hashlib.sha1((key + GUID).encode("ascii")).digest()
    if isinstance(got, bytes):
        if got == base64.b64encode(digest):
            return ("the right value as bytes: return a str, e.g. "
                    "base64.b64encode(digest).decode('ascii')")
        return "return a str (the header value), not bytes"
    if not isinstance(got, str):
        return ""  # the framework names the type
    hexdigest = hashlib.sha1((key + GUID).encode("ascii")).hexdigest()
    if got == base64.b64encode(hexdigest.encode("ascii")).decode("ascii"):
        return ("you base64-encoded the hex text of the digest (40 characters): use "
                ".digest() (20 raw bytes), not .hexdigest() (RFC 6455 section 4.2.2, item 5.4)")
    if got == hexdigest:
        return "that is the SHA-1 in hex; the header carries base64 of the 20 raw digest bytes"
    try:
        decoded_key = base64.b64decode(key)
        if got == base64.b64encode(hashlib.sha1(decoded_key + GUID.encode()).digest()).decode():
            return ("you hashed the key's decoded 16 bytes; hash the key string itself, exactly as "
                    "it appears in the header, followed by the GUID")
    except Exception:  # pragma: no cover - the keys used here are valid base64
        pass
    if got == base64.b64encode(hashlib.sha1((GUID + key).encode()).digest()).decode():
        return "key and GUID are in the wrong order: the key comes first, then the GUID"
    if got == base64.b64encode(hashlib.sha1(key.encode()).digest()).decode():
        return "you hashed the key alone: append the GUID 258EAFA5-E914-47DA-95CA-C5AB0DC85B11 first"
    try:
        raw = base64.b64decode(got, validate=True)
    except Exception:
        raw = None
    if raw is not None and len(raw) == 20:
        return ("the result is base64 of a 20-byte SHA-1, but not of key + GUID: compare your "
                "GUID with 258EAFA5-E914-47DA-95CA-C5AB0DC85B11 character by character "
                "(RFC 6455 section 1.3)")
    return "the steps are: key + GUID, SHA-1 (raw 20 bytes), base64 (RFC 6455 section 4.2.2, item 5.4)"


def _compare_accept(key: str, got: Any, expected: str) -> tuple[bool, str]:
    return got == expected, f"accept_key({key!r}) returned {_short(got)}"


def check_accept_key(func: Callable[[str], str] | None) -> Report:
    """Exercise 2.1: ``func(key)`` must return ``Sec-WebSocket-Accept`` for ``key``."""
    keys = [
        ("the RFC's example key (section 1.3)", RFC_KEY, RFC_ACCEPT),
        ("a key from generate_key(random.Random(1))", generate_key(random.Random(1)), None),
        ("a key from generate_key(random.Random(2))", generate_key(random.Random(2)), None),
        ("a key with + and / in it", "+/+/+/+/+/+/+/+/+/+/+w==", None),
    ]
    cases = [Case(name, (key,), expected or accept_key(key), hint=partial(_accept_diagnosis, key),
                  compare=partial(_compare_accept, key))
             for name, key, expected in keys]
    return check_function("Exercise 2.1 - accept_key", func, cases, stub_hint=FINISH,
                          crash_hint="the steps are: key + GUID, SHA-1 (raw 20 bytes), base64")


# ------------------------------------------------------------------ 2.2 handshake_status

ALLOWED_ORIGINS = ["http://localhost:8888"]


def _base_headers() -> dict[str, str]:
    return {
        "Host": "127.0.0.1:8765",
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": RFC_KEY,
        "Sec-WebSocket-Version": "13",
        "Origin": "http://localhost:8888",
    }


def _variant(**changes: str | None) -> dict[str, str]:
    headers = _base_headers()
    for name, value in changes.items():
        name = name.replace("_", "-")
        real = next(k for k in headers if k.lower() == name.lower())
        if value is None:
            del headers[real]
        else:
            headers[real] = value
    return headers


# What each status means, to tell a learner what their answer says about the request.
_MEANS = {101: "101 accepts the request", 400: "400 says the request is malformed",
          403: "403 refuses the Origin", 426: "426 says the version is not one the server speaks"}

_ORDER = ("when a request has several problems, the first check in the docstring's order "
          "answers: Host, Upgrade, Connection, the key; then the version; the Origin last")


def _status_cases() -> list[tuple[str, dict[str, str], list[str] | None, int, str]]:
    """(name, headers, origins, expected status, what a wrong answer overlooks). The last text
    says what is right or wrong with the request and the rule, never the status itself."""
    sixteen_as_15 = base64.b64encode(bytes(15)).decode()
    return [
        ("a valid request", _base_headers(), ALLOWED_ORIGINS, 101,
         "every header here is right: there is nothing to refuse"),
        ("'Upgrade: WebSocket' (capitals)", _variant(Upgrade="WebSocket"), ALLOWED_ORIGINS, 101,
         "the Upgrade value is a token compared case-insensitively: use .lower() "
         "(RFC 6455 section 4.2.1 item 3; RFC 9110 section 7.8)"),
        ("'Connection: keep-alive, Upgrade' (what Firefox sends)",
         _variant(Connection="keep-alive, Upgrade"), ALLOWED_ORIGINS, 101,
         "Connection is a comma-separated list: split on ',', strip each item, and look for "
         "the token 'upgrade' in lower case (RFC 6455 section 4.2.1 item 4)"),
        ("header names in lower case",
         {k.lower(): v for k, v in _base_headers().items()}, ALLOWED_ORIGINS, 101,
         "header names are case-insensitive (RFC 9110 section 5.1): look them up in lower case"),
        ("no Origin and no origin policy (origins=None)", _variant(Origin=None), None, 101,
         "origins=None means any Origin, or none, is accepted"),
        ("Host missing", _variant(Host=None), ALLOWED_ORIGINS, 400,
         "a request without Host is malformed (RFC 6455 section 4.2.1 item 2)"),
        ("Upgrade missing", _variant(Upgrade=None), ALLOWED_ORIGINS, 400,
         "without 'Upgrade: websocket' it is not an upgrade request: malformed "
         "(RFC 6455 section 4.2.1 item 3)"),
        ("'Upgrade: websockets' (another token)", _variant(Upgrade="websockets"), ALLOWED_ORIGINS,
         400, "'websockets' contains 'websocket' but is another token: compare whole tokens, "
              "not substrings (\"websocket\" in value is a substring test); a request without "
              "the token is malformed (section 4.2.1 item 3)"),
        ("'Connection: keep-alive' (no upgrade token)", _variant(Connection="keep-alive"),
         ALLOWED_ORIGINS, 400,
         "Connection must contain the token 'Upgrade', else the request is malformed "
         "(RFC 6455 section 4.2.1 item 4)"),
        ("'Connection: keep-alive, upgraded' (a longer word, not the token)",
         _variant(Connection="keep-alive, upgraded"), ALLOWED_ORIGINS, 400,
         "'upgraded' contains 'upgrade' but is another token: split the list on ',', strip "
         "each item and compare whole tokens, not substrings (\"upgrade\" in value is a "
         "substring test); without the token the request is malformed (section 4.2.1 item 4)"),
        ("Sec-WebSocket-Key missing", _variant(Sec_WebSocket_Key=None), ALLOWED_ORIGINS, 400,
         "a request without a key is malformed (RFC 6455 section 4.2.1 item 5)"),
        ("Sec-WebSocket-Key 'abc' (not base64 of 16 bytes)", _variant(Sec_WebSocket_Key="abc"),
         ALLOWED_ORIGINS, 400,
         "decode the key with base64.b64decode(key, validate=True) and require exactly 16 bytes, "
         "else the request is malformed (RFC 6455 section 4.2.1 item 5)"),
        ("Sec-WebSocket-Key of 15 bytes", _variant(Sec_WebSocket_Key=sixteen_as_15), ALLOWED_ORIGINS,
         400, "valid base64 is not enough: the key must decode to exactly 16 bytes "
              "(RFC 6455 section 4.2.1 item 5)"),
        ("Sec-WebSocket-Version: 8", _variant(Sec_WebSocket_Version="8"), ALLOWED_ORIGINS, 426,
         "the request is well formed, but asks for a version this server does not speak; the "
         "server answers with the status that lists the versions it does speak "
         "(Sec-WebSocket-Version: 13; RFC 6455 section 4.2.2, the /version/ item, and 4.4)"),
        ("Sec-WebSocket-Version missing", _variant(Sec_WebSocket_Version=None), ALLOWED_ORIGINS,
         426, "in this exercise (as in wslib) a missing version is answered like a wrong one"),
        ("Origin not in the allowed list", _variant(Origin="http://evil.example"), ALLOWED_ORIGINS,
         403, "the request is well formed, but comes from an Origin the server does not accept "
              "(RFC 6455 section 4.2.2 item 4, section 10.2)"),
        ("Origin missing while origins are restricted", _variant(Origin=None), ALLOWED_ORIGINS, 403,
         "when origins is a list, a request without Origin is not from an allowed origin"),
        ("two problems: a bad key and version 8",
         _variant(Sec_WebSocket_Key="abc", Sec_WebSocket_Version="8"), ALLOWED_ORIGINS, 400,
         "the key is not base64 of 16 bytes AND the version is 8: " + _ORDER),
        ("two problems: version 8 and an Origin not allowed",
         _variant(Sec_WebSocket_Version="8", Origin="http://evil.example"), ALLOWED_ORIGINS, 426,
         "the version is 8 AND the Origin is not allowed: " + _ORDER),
        ("two problems: Host missing and an Origin not allowed",
         _variant(Host=None, Origin="http://evil.example"), ALLOWED_ORIGINS, 400,
         "Host is missing AND the Origin is not allowed: " + _ORDER),
    ]


def _status_hint(expected: int, about: str, got: Any) -> str:
    """Say what the learner's status claims, and what the request really is, without naming
    the right status."""
    if not isinstance(got, int) or isinstance(got, bool):
        return ""  # the framework names the type
    if got not in _MEANS:
        return f"answer with one of 101, 400, 403 or 426 (the docstring); {got} is none of them"
    if expected == 101:
        return f"this request is acceptable, but {_MEANS[got]}: {about}"
    if got == 101:
        return f"your code accepted this request: {about}"
    return f"{_MEANS[got]}; but here {about}"


def _is_status(got: Any, expected: int) -> tuple[bool, str]:
    ok = isinstance(got, int) and not isinstance(got, bool) and got == expected
    return ok, f"you answered {_short(got)}"


def check_handshake_status(func: Callable[[dict, list | None], int] | None) -> Report:
    """Exercise 2.2: ``func(headers, origins)`` must return the status a server answers with."""
    cases = [Case(name, (dict(headers), None if origins is None else list(origins)), expected,
                  partial(_status_hint, expected, about), compare=_is_status)
             for name, headers, origins, expected, about in _status_cases()]
    return check_function("Exercise 2.2 - handshake_status", func, cases, stub_hint=FINISH,
                          crash_hint="return a status (101, 400, 403 or 426) for every request, "
                                     "never raise; a missing header is headers.get(name) is None")


# ------------------------------------------------------------------ 2.3 parse_response

_RESPONSE_101 = (
    b"HTTP/1.1 101 Switching Protocols\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    b"\r\n"
)
_RESPONSE_DATE = (
    b"HTTP/1.1 101 Switching Protocols\r\n"
    b"Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    b"\r\n"
)
_RESPONSE_426 = (
    b"HTTP/1.1 426 Upgrade Required\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 30\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
    b"Note: this server speaks 13.\r\n"
)
_RESPONSE_SPACES = (
    b"HTTP/1.1 101 Switching Protocols\r\n"
    b"UPGRADE:   websocket  \r\n"
    b"connection:Upgrade\r\n"
    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    b"\r\n"
    b"\x81\x02hi"
)

_ACCEPT_HEADERS = {"upgrade": "websocket", "connection": "Upgrade",
                   "sec-websocket-accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}


def _response_cases() -> list[tuple[str, bytes, tuple[int, dict[str, str]], str]]:
    return [
        ("a plain 101 response", _RESPONSE_101, (101, dict(_ACCEPT_HEADERS)),
         "status = int of the second word of the first line; headers split on the first ':', "
         "names in lower case, values stripped"),
        ("a value that contains ':' (Date)", _RESPONSE_DATE,
         (101, {"date": "Thu, 01 Jan 2026 00:00:00 GMT", **_ACCEPT_HEADERS}),
         "split each header line on the first colon only: line.split(':', 1) (RFC 9112 section 5)"),
        ("a 426 with a body after the blank line", _RESPONSE_426,
         (426, {"content-type": "text/plain; charset=utf-8", "content-length": "30",
                "sec-websocket-version": "13"}),
         "the head ends at the first empty line (CRLF CRLF); what follows is the body, not headers"),
        ("odd spacing and case, and a frame right behind the head", _RESPONSE_SPACES,
         (101, dict(_ACCEPT_HEADERS)),
         "names are case-insensitive (store them lower-cased); strip spaces around values; stop at "
         "the blank line: bytes after it are already WebSocket frames"),
    ]


def _as_pair(got: Any) -> tuple[Any, dict] | None:
    """(status, headers as a dict) when ``got`` has that shape, else None."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return None
    try:
        return got[0], dict(got[1])
    except (TypeError, ValueError):
        return None


def _response_hint(data: bytes, expected: tuple[int, dict[str, str]], fallback: str,
                   got: Any) -> str:
    """Name the mistakes this answer shows, status first, then the headers."""
    if got is None:
        return fallback  # the learner's code raised
    pair = _as_pair(got)
    if pair is None:
        return "return a tuple of two: (status, headers), e.g. return 101, {'upgrade': ...}"
    status, headers = pair
    want_status, want = expected
    mistakes = []
    if isinstance(status, str):
        mistakes.append("the status must be an int: int(...) of the second word of the status "
                        "line, not the text")
    elif isinstance(status, bool) or not isinstance(status, int):
        mistakes.append("the status must be an int: the second word of the status line")
    elif status != want_status:
        mistakes.append("the status is the second word of the first line (HTTP/1.1 <status> "
                        "<reason>)")
    names = [k for k in headers if isinstance(k, str)]
    if any(k != k.lower() and k.lower() in want for k in names):
        mistakes.append("store header names in lower case (name.lower()): names are "
                        "case-insensitive (RFC 9110 section 5.1)")
    elif any(k != k.strip() and k.strip().lower() in want for k in names):
        mistakes.append("strip the spaces around header names")
    values = {k.strip().lower(): v for k, v in headers.items() if isinstance(k, str)}
    if any(isinstance(values.get(k), str) and values[k] != v and values[k].strip() == v
           for k, v in want.items()):
        mistakes.append("strip the spaces around header values: value.strip()")
    if any(isinstance(values.get(k), str) and ":" in v and v.startswith(values[k].strip())
           and values[k].strip() != v for k, v in want.items()):
        mistakes.append("split each header line on the first colon only: line.split(':', 1) "
                        "(RFC 9112 section 5): a value such as a date contains colons too")
    body = data.split(b"\r\n\r\n", 1)[1]
    if body and any(k.strip().lower() not in want for k in names):
        mistakes.append("the head ends at the first empty line (CRLF CRLF); what follows is the "
                        "body (or frames), not headers")
    return "; ".join(mistakes) or fallback


def _compare_response(got: Any, expected: tuple[int, dict[str, str]]) -> tuple[bool, str]:
    pair = _as_pair(got)
    if pair is None:
        return False, f"returned {_short(got, 60)}: not a pair (status, headers)"
    status, headers = pair
    ok = (isinstance(status, int) and not isinstance(status, bool) and status == expected[0]
          and headers == expected[1])
    return ok, "" if ok else what_differs((status, headers), expected).replace(
        "item 0", "the status").replace("item 1", "the headers")


def check_parse_response(func: Callable[[bytes], tuple[int, dict[str, str]]] | None) -> Report:
    """Exercise 2.3: ``func(data)`` must return ``(status, headers)`` for a response head."""
    cases = [Case(name, (data,), expected, partial(_response_hint, data, expected, hint),
                  compare=_compare_response)
             for name, data, expected, hint in _response_cases()]
    return check_function("Exercise 2.3 - parse_response", func, cases, stub_hint=FINISH)
