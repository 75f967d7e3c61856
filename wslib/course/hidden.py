"""Hidden cases: extra calls of the learner's function that only the grader makes.

``python -m wslib.course grade`` (and ``check``) runs them after an exercise's own check, so an
answer that hard-codes the cases it was shown, or handles only those, does not earn the points.
``release`` never copies this module into a student folder, and the feedback names a failed
hidden case only by its number and hint, never by its input or expected answer.

This is not a secret: a student who has the repository can read wslib's source. For cases that
are really unseen, a teacher writes a file of their own with the same shape and passes it with
``--hidden FILE``: a Python file that defines ``HIDDEN = {"3.2": [Case(...), ...], ...}``
(``from wslib.exercises import Case``); its cases are added to the ones below.

Each case is compared with :func:`same_answer`: a tuple equals a list, a bytearray equals
bytes, floats are equal when close, as the lessons' own checks accept them.
"""

from __future__ import annotations

import math
import runpy
from typing import Any

from ..exercises import Case
from ..frames import Frame, Opcode, encode_frame
from ..handshake import accept_key
from ..masking import mask
from ..sse import Event

__all__ = ["HIDDEN", "same_answer", "cases_for", "load_hidden_file"]


def _plain(value: Any) -> Any:
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def same_answer(got: Any, expected: Any) -> bool:
    """The comparison of hidden cases: equal up to list/tuple, bytes/bytearray, close floats."""
    got, expected = _plain(got), _plain(expected)
    if isinstance(expected, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return math.isclose(got, expected, rel_tol=1e-9)
    return got == expected


def _cases(rows: list[tuple], hint: str) -> list[Case]:
    """Cases from (args, expected) rows that share one hint."""
    return [Case(f"hidden case {i}", args, expected, hint, compare=same_answer)
            for i, (args, expected) in enumerate(rows, 1)]


_KEY = bytes.fromhex("a1b2c3d4")
_HEADERS = {"Host": "chat.example", "Upgrade": "websocket", "Connection": "Upgrade",
            "Sec-WebSocket-Key": "x3JJHMbDL1EzLkh9GBhXDw==", "Sec-WebSocket-Version": "13"}


def _with(**changes: str | None) -> dict[str, str]:
    """_HEADERS with some header values changed (None removes the header)."""
    headers = dict(_HEADERS)
    for name, value in changes.items():
        name = name.replace("_", "-")
        if value is None:
            headers.pop(name)
        else:
            headers[name] = value
    return headers


_HISTORY = [Event("first", id="a1"), Event("second", id="b7"), Event("third", event="x", id="c9")]


def _masked_frame_hex(payload: bytes, opcode: Opcode = Opcode.TEXT) -> str:
    return encode_frame(Frame(opcode, payload, mask=_KEY)).hex(" ")


HIDDEN: dict[str, list[Case]] = {
    "1.1": _cases([((0, True), 6), ((200, False), 4), ((200, True), 8), ((65536, True), 14),
                   ((70000, False), 10)],
                  "the header is 2 bytes, 2 or 8 more for lengths above 125 or 65535, and 4 more "
                  "(the masking key) for a client's frame"),
    "1.2": _cases([((300, 200, 20, 4), 2500.0), ((120, 80, 7, 7), 200.0), ((1, 1, 3, 2), 3.0)],
                  "every poll costs one request head and one response head, events or not"),
    "2.1": _cases([(("x3JJHMbDL1EzLkh9GBhXDw==",), accept_key("x3JJHMbDL1EzLkh9GBhXDw==")),
                   (("AAAAAAAAAAAAAAAAAAAAAA==",), accept_key("AAAAAAAAAAAAAAAAAAAAAA=="))],
                  "any key works the same way: base64 of the raw SHA-1 digest of key + GUID"),
    "2.2": _cases([((_with(Upgrade="WebSocket", Connection="keep-alive, Upgrade"), None), 101),
                   (({k.lower(): v for k, v in _HEADERS.items()}, None), 101),
                   ((_with(Sec_WebSocket_Version="8"), None), 426),
                   ((_with(Sec_WebSocket_Key="AAAAAAAAAAAAAAAAAAAA"), None), 400),
                   ((_with(Origin="https://evil.example"), ["https://chat.example"]), 403),
                   ((_with(Origin="https://chat.example"), ["https://chat.example"]), 101)],
                  "header names and tokens are case-insensitive, Connection may list several "
                  "tokens, and each rule of the docstring has its own status"),
    "2.3": _cases([((b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nX-Time: 12:30:01\r\n\r\n",),
                    (101, {"upgrade": "websocket", "connection": "Upgrade", "x-time": "12:30:01"})),
                   ((b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!",),
                    (404, {"content-length": "3"}))],
                  "split each header line at its FIRST colon; the head ends at the empty line"),
    "3.1": _cases([((b"\x82\x7e",), {"fin": True, "rsv1": False, "rsv2": False, "rsv3": False,
                                     "opcode": 2, "masked": False, "length7": 126}),
                   ((b"\x88\x82",), {"fin": True, "rsv1": False, "rsv2": False, "rsv3": False,
                                     "opcode": 8, "masked": True, "length7": 2}),
                   ((b"\x49\x00",), {"fin": False, "rsv1": True, "rsv2": False, "rsv3": False,
                                     "opcode": 9, "masked": False, "length7": 0})],
                  "each field is its own bits of byte 0 or byte 1, whatever the other bits are"),
    "3.2": _cases([((1,), b"\x81\x01"), ((200,), b"\x81\x7e\x00\xc8"),
                   ((70000,), b"\x81\x7f" + (70000).to_bytes(8, "big"))],
                  "the length decides the form (7, 16 or 64 bits), for every length"),
    "3.3": _cases([((b"\x81\x7e\x00\xc8",), 200), ((b"\x82\xfe\x12\x34" + _KEY,), 0x1234),
                   ((b"\x82\x7f" + (2**40).to_bytes(8, "big"),), 2**40), ((b"\x89\x80" + _KEY,), 0)],
                  "drop the MASK bit first; then 126 and 127 say how many length bytes follow"),
    "4.1": _cases([((b"WebSocket!", _KEY), mask(b"WebSocket!", _KEY)), ((b"", _KEY), b""),
                   ((bytes(range(7)), b"\xff\x00\xff\x00"), mask(bytes(range(7)), b"\xff\x00\xff\x00"))],
                  "byte i is XORed with key[i % 4], for any length, empty included"),
    "4.2": _cases([((_masked_frame_hex(b"hidden"),), b"hidden"),
                   ((_masked_frame_hex(bytes(200), Opcode.BINARY),), bytes(200))],
                  "the key comes after the length field, which is longer for 126 bytes and more"),
    "4.3": _cases([(([mask(b"abcdefghi", _KEY)[:3], mask(b"abcdefghi", _KEY)[3:8],
                      mask(b"abcdefghi", _KEY)[8:]], _KEY), [b"abc", b"defgh", b"i"]),
                   (([mask(b"xyz", _KEY)[i:i + 1] for i in range(3)], _KEY), [b"x", b"y", b"z"])],
                  "count the bytes of all pieces so far: the key position carries on"),
    "5.1": _cases([((b"abcdefg", 3, 2), [(False, 2, b"abc"), (False, 0, b"def"), (True, 0, b"g")]),
                   ((b"abc", 10, 1), [(True, 1, b"abc")]),
                   ((b"abcdef", 3, 1), [(False, 1, b"abc"), (True, 0, b"def")])],
                  "the first frame carries the opcode, the others 0; only the last has FIN"),
    "5.2": _cases([(([(True, 2, b"\x00\xff")],), [b"\x00\xff"]),
                   (([(False, 1, b"a"), (True, 9, b""), (True, 0, b"b"), (True, 1, b"c")],),
                    ["ab", "c"]),
                   (([(False, 1, b"\xe2\x82"), (True, 0, b"\xac")],), ["\u20ac"]),
                   (([(False, 1, b"a"), (True, 2, b"b")],), 1002),
                   (([(True, 1, b"\xff")],), 1007)],
                  "binary messages stay bytes, control frames may come between fragments, and "
                  "the first broken rule decides the close code"),
    "7.1": _cases([((1000, ""), b"\x03\xe8"), ((4999, "ok"), b"\x13\x87ok"),
                   ((3000, "é" * 61), b"\x0b\xb8" + "é".encode() * 61),
                   ((1011, "x" * 123), b"\x03\xf3" + b"x" * 123)],
                  "two bytes of code in network byte order, then the reason in UTF-8: the limit "
                  "of 123 counts bytes, not characters"),
    "7.2": _cases([((b"",), (1005, "")), ((b"\x0f\xa0",), (4000, "")),
                   ((b"\x03\xe9" + "再见".encode(),), (1001, "再见")), ((b"\x03",), 1002),
                   ((b"\x03\xed",), 1002), ((b"\x0b\xb7",), 1002), ((b"\x03\xe8\xc3",), 1007)],
                  "an empty payload means 1005 with no reason; then the length, the code's range "
                  "and the reason's UTF-8, each with its own close code"),
    "9.2": _cases([((_HISTORY, None), []), ((_HISTORY, "b7"), _HISTORY[2:]),
                   ((_HISTORY, "c9"), []), ((_HISTORY, "zz"), _HISTORY), ((_HISTORY, "7"), _HISTORY)],
                  "ids are strings compared whole: the events after the one with that id, none "
                  "after the last, and the whole history for an id the server no longer knows"),
}


def load_hidden_file(path: str) -> dict[str, list[Case]]:
    """The ``HIDDEN`` dict of a teacher's file (see the module docstring)."""
    namespace = runpy.run_path(path)
    table = namespace.get("HIDDEN")
    if not isinstance(table, dict):
        raise ValueError(f"{path} must define HIDDEN = {{'3.2': [Case(...), ...], ...}}")
    return table


def cases_for(exercise_id: str, files: tuple[str, ...] | list[str] = ()) -> list[Case]:
    """The hidden cases of one exercise: this module's, then those of each teacher's file."""
    cases = list(HIDDEN.get(exercise_id, []))
    for path in files:
        cases.extend(load_hidden_file(path).get(exercise_id, []))
    return cases
