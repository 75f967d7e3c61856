"""Self-checks for lesson 07 (the closing handshake).

* 7.1 :func:`check_close_payload`: ``close_payload(code, reason="")`` -> the payload of a close
  frame (RFC 6455 section 5.5.1), or ``ValueError`` for a code that may not be sent (section
  7.4) or a reason over 123 bytes in UTF-8.
* 7.2 :func:`check_parse_close`: ``parse_close(payload)`` -> ``(code, reason)``; ``(1005, "")``
  for an empty payload; for a payload that breaks a rule, the close code to fail the connection
  with, as an ``int``: 1002 (protocol error) or 1007 (a reason that is not UTF-8).
* 7.3 :func:`check_scenarios`: a dict from situation to ``(close code, who closes TCP first)``.

Two decisions, stated in the lesson too. The codes accepted are those of section 7.4.1 that may
go on the wire (1000-1003, 1007-1011) and the ranges 3000-4999 of section 7.4.2; the IANA
registry's later 1012-1014 are not asked about either way. ``None`` returned by the learner's
function is reported as "did you forget return?" (the stubs raise NotImplementedError, which is
what "not attempted" means here).

7.1 and 7.2 run with :func:`wslib.exercises.check_function`, through a wrapper that turns a
``ValueError`` into an answer and ``None`` into a named mistake. 7.3 is a dict: it fills its
Report by hand, and a wrong answer gets a question that points the way, never the answer.
"""

from __future__ import annotations

import functools
import struct
from typing import Any, Callable

from . import Case, Report, check_function

__all__ = ["check_close_payload", "check_parse_close", "check_scenarios", "SCENARIOS"]

FINISH = "finish the function"


class _Mark:
    """A stand-in answer: the learner's function raised ValueError, or returned None."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


REFUSED = _Mark("ValueError")
RETURNED_NONE = _Mark("None")


def _answering(func: Callable | None) -> Callable | None:
    """The learner's function, with ValueError and None turned into answers."""
    if func is None:
        return None

    @functools.wraps(func)  # __wrapped__: a stub is still recognised as the learner's stub
    def call(*args: Any) -> Any:
        try:
            got = func(*args)
        except ValueError:
            return REFUSED
        return RETURNED_NONE if got is None else got
    return call


def _type_name(value: Any) -> str:
    return type(value).__name__


# ---------------------------------------------------------------- 7.1 close_payload

_WIRE = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011})


def _ref_payload(code: int, reason: str = "") -> bytes | _Mark:
    raw = reason.encode("utf-8")
    if not (code in _WIRE or 3000 <= code <= 4999) or len(raw) > 123:
        return REFUSED
    return struct.pack("!H", code) + raw


def _compare_payload(got: Any, expected: Any) -> tuple[bool, str]:
    if got is RETURNED_NONE:
        return False, "returned None: did you forget `return`?"
    if expected is REFUSED:
        if got is REFUSED:
            return True, ""
        return False, f"no ValueError: you returned {got!r}"
    if got is REFUSED:
        return False, "raised ValueError for a close frame that may be sent"
    if not isinstance(got, bytes):
        extra = ": wrap it in bytes(...)" if isinstance(got, (bytearray, memoryview)) else ""
        return False, f"returned a {_type_name(got)} where bytes is expected{extra}"
    if got == expected:
        return True, ""
    if got[:2] != expected[:2]:
        if got[:2] == expected[1::-1]:
            return False, f"the 2 code bytes are {got[:2].hex(' ')}: in the wrong order"
        return False, f"the first 2 bytes (the code) are {got[:2].hex(' ') or 'missing'}"
    return False, f"the code is right; the reason bytes differ: you returned {got[2:]!r}"


def _payload_hint(got: Any, general: str) -> str:
    """The little-endian mistake gets its own hint: the code read back the other way round is
    a plausible close code, read the right way it is not."""
    if (isinstance(got, bytes) and len(got) >= 2 and int.from_bytes(got[:2], "big") > 4999
            and 1000 <= int.from_bytes(got[:2], "little") <= 4999):
        return ("the code is 2 bytes in network byte order, most significant first: "
                "code.to_bytes(2, 'big') or struct.pack('!H', code)")
    return general


def check_close_payload(func: Callable[[int, str], bytes] | None) -> Report:
    """Exercise 7.1: ``close_payload(code, reason="")``."""
    reserved = ("1005, 1006 and 1015 are reserved for *reporting* a close (no code, no close "
                "frame, a TLS failure); section 7.4.1 says they MUST NOT be sent in a close frame")
    specs = [
        ("1000 with no reason: 2 bytes", (1000, ""),
         "the payload starts with the code as 2 bytes, big-endian (section 5.5.1)"),
        ("1000 with the reason 'bye'", (1000, "bye"),
         "after the 2 code bytes comes the reason, encoded as UTF-8"),
        ("an application code, 4001 'done'", (4001, "done"),
         "4000-4999 are for private use (section 7.4.2): allowed"),
        ("a Chinese reason is UTF-8", (1001, "维护中"), "encode the reason with .encode('utf-8')"),
        ("3000, the first library / framework code", (3000, ""),
         "3000-3999 are registered for libraries and frameworks (section 7.4.2): allowed"),
        ("4999, the last private code", (4999, ""), "4999 is still in 4000-4999: allowed"),
        ("a reason of exactly 123 ASCII bytes", (1000, "x" * 123),
         "123 bytes is the longest reason: 125 bytes of control payload minus the 2-byte code"),
        ("a reason of 124 bytes is refused", (1000, "x" * 124),
         "a control frame carries at most 125 bytes (section 5.5): 2 for the code, 123 for the "
         "reason; raise ValueError"),
        ("41 Chinese characters (123 bytes) are allowed", (1000, "分" * 41),
         "the limit is in BYTES of UTF-8, not characters: 分 is 3 bytes"),
        ("42 Chinese characters (126 bytes) are refused", (1000, "分" * 42),
         "the limit is in BYTES of UTF-8, not characters: len(reason.encode('utf-8'))"),
        ("1005 may not be sent", (1005, ""), reserved),
        ("1006 may not be sent", (1006, ""), reserved),
        ("1015 may not be sent", (1015, ""), reserved),
        ("1004 may not be sent", (1004, ""), "1004 is reserved: no meaning yet (section 7.4.1)"),
        ("999 may not be sent", (999, ""), "0-999 are not used for anything (section 7.4.2)"),
        ("2999 may not be sent", (2999, ""),
         "1000-2999 belong to the protocol itself, and only the codes section 7.4.1 defines "
         "may be sent"),
        ("5000 may not be sent", (5000, ""), "there are no codes above 4999 (section 7.4.2)"),
    ]
    cases = [Case(name, args, _ref_payload(*args),
                  (lambda h: lambda got: _payload_hint(got, h))(hint), _compare_payload)
             for name, args, hint in specs]
    return check_function("Exercise 7.1 - close_payload(code, reason)", _answering(func), cases,
                          stub_hint=FINISH)


# ---------------------------------------------------------------- 7.2 parse_close

def _ref_parse_close(payload: bytes) -> tuple[int, str] | int:
    if not payload:
        return (1005, "")
    if len(payload) == 1 or len(payload) > 125:
        return 1002
    code = int.from_bytes(payload[:2], "big")
    if not (code in _WIRE or 1012 <= code <= 1014 or 3000 <= code <= 4999):
        return 1002
    try:
        return (code, payload[2:].decode("utf-8"))
    except UnicodeDecodeError:
        return 1007


def _compare_close(got: Any, expected: Any) -> tuple[bool, str]:
    if got is RETURNED_NONE:
        return False, "returned None: did you forget `return`?"
    if got is REFUSED:
        return False, "raised ValueError: for a bad payload, return the close code (an int) instead"
    if isinstance(expected, int):
        if isinstance(got, bool) or not isinstance(got, int):
            if isinstance(got, tuple):
                return False, f"returned {got!r}: this payload breaks a rule, return a close code"
            return False, f"returned a {_type_name(got)} where an int close code is expected"
        return (True, "") if got == expected else (False, f"returned the close code {got}")
    if not isinstance(got, tuple):
        if isinstance(got, int) and not isinstance(got, bool):
            return False, f"returned the close code {got} for a valid payload"
        return False, f"returned a {_type_name(got)} where a tuple (code, reason) is expected"
    if len(got) != 2:
        return False, f"returned a tuple of {len(got)} where (code, reason) is expected"
    code, reason = got
    if isinstance(code, bool) or not isinstance(code, int):
        return False, f"the code is a {_type_name(code)} where an int is expected"
    if not isinstance(reason, str):
        extra = ": decode it with .decode('utf-8')" if isinstance(reason, (bytes, bytearray)) else ""
        return False, f"the reason is a {_type_name(reason)} where a str is expected{extra}"
    if code != expected[0]:
        return False, f"the code you returned is {code}"
    if reason != expected[1]:
        return False, f"the code is right; the reason you returned is {reason!r}"
    return True, ""


def check_parse_close(func: Callable[[bytes], Any] | None) -> Report:
    """Exercise 7.2: ``parse_close(payload)``."""
    bad_code = ("a code that may not be sent (section 7.4) is a protocol error when received: "
                "return 1002")
    specs = [
        ("two bytes: a code and no reason", b"\x03\xe8",
         "the first 2 bytes are the code, big-endian; the rest is the reason"),
        ("a code, then an ASCII reason", b"\x03\xe8bye", "decode the bytes after the code as UTF-8"),
        ("an application's code (4000-4999), then a reason", b"\x0f\xa1done",
         "4000-4999 are allowed (section 7.4.2)"),
        ("a code, then a Chinese reason", b"\x03\xe8" + "分片".encode(),
         "decode the reason as UTF-8, not byte by byte"),
        ("an empty payload: no status code", b"",
         "an empty close payload is allowed (section 5.5.1): which code is reserved for "
         "reporting that no status code was received (section 7.4.1)? The reason is empty"),
        ("a 1-byte payload", b"\x03",
         "one byte cannot hold the 2-byte code (section 5.5.1): a protocol error"),
        ("code 1005 on the wire", b"\x03\xed", bad_code),
        ("code 1006 on the wire", b"\x03\xee", bad_code),
        ("code 1015 on the wire", b"\x03\xf7", bad_code),
        ("code 999", b"\x03\xe7", bad_code),
        ("code 5000", b"\x13\x88", bad_code),
        ("a reason that is not UTF-8", b"\x03\xe8\xff",
         "the reason MUST be UTF-8 (section 5.5.1); which code of section 7.4.1 is for data "
         "that is not consistent with its type?"),
        ("a reason cut in the middle of a character", b"\x03\xe8" + "分".encode()[:2],
         "a character cut off at the end is invalid UTF-8 too: decode strictly"),
        ("125 bytes: the longest close payload", b"\x03\xe8" + b"x" * 123,
         "125 bytes is the limit for a control frame: still valid"),
        ("126 bytes: too long for a control frame", b"\x03\xe8" + b"x" * 124,
         "control frames carry at most 125 bytes (section 5.5): a protocol error"),
    ]
    cases = [Case(name, (payload,), _ref_parse_close(payload), hint, _compare_close)
             for name, payload, hint in specs]
    return check_function("Exercise 7.2 - parse_close(payload)", _answering(func), cases,
                          stub_hint=FINISH)


# ---------------------------------------------------------------- 7.3 scenarios

_SERVER_FIRST = ("section 7.1.1: once the closing handshake is done, which side SHOULD close "
                 "TCP first, whichever side started it?")
_FAILER = ("when a connection is failed (section 7.1.7), the endpoint that found the problem "
           "closes TCP: who found it here?")

# situation -> (code, who closes TCP first, hint for the code, hint for the closer)
SCENARIOS: dict[str, tuple[int, str | None, str, str]] = {
    "A user leaves the chat: the page closes its WebSocket politely and the server answers.":
        (1000, "server", "nothing went wrong: which code means a normal closure?", _SERVER_FIRST),
    "The server is shutting down for a deploy and closes every connection.":
        (1001, "server", "section 7.4.1 has a code for an endpoint that is going away",
         _SERVER_FIRST),
    "A client sends a text message that is not valid UTF-8.":
        (1007, "server", "which code is for data inconsistent with the message type "
                         "(section 7.4.1, and 8.1)?", _FAILER),
    "A client sends a 5 MB message to a server whose limit is 1 MB.":
        (1009, "server", "there is a code for a message too big to process", _FAILER),
    "The server's handler raises an exception it does not catch.":
        (1011, "server", "which code says the server met an unexpected condition?", _FAILER),
    "A server receives an unmasked frame from a client.":
        (1002, "server", "breaking a framing rule of RFC 6455 (section 5.1) is which kind of "
                         "error?", _FAILER),
    "A client receives a masked frame from the server.":
        (1002, "client", "the same rule as a server receiving an unmasked frame (section 5.1)",
         _FAILER),
    "A chat server closes the connection of a user who keeps posting forbidden content.":
        (1008, "server", "the message is valid WebSocket, but breaks the application's rules: "
                         "which generic code is that?",
         "who decided to close? After its close frame is answered, section 7.1.1 still says "
         "which side closes TCP first"),
    "The browser tab crashes: its kernel closes the socket, and no close frame is ever sent. "
    "Which code does the server's application see?":
        (1006, "client", "no close frame arrived at all: which code is reserved for reporting "
                         "exactly that (it never goes on the wire)?",
         "the kernel of the crashed side closed its socket: whose FIN went out first?"),
    "The server answers the client's close frame but never closes TCP; the client's close "
    "timeout runs out.":
        (1000, "client", "both close frames said the closure was normal",
         "section 7.1.1 lets a client close TCP itself when the server does not, after a "
         "reasonable wait: who closed first here?"),
}

def _closer(value: Any) -> tuple[bool, Any]:
    if value is None:
        return True, None
    if isinstance(value, str) and value.strip().lower() in ("server", "client"):
        return True, value.strip().lower()
    return False, value


def check_scenarios(answers: dict | None) -> Report:
    """Exercise 7.3: ``answers`` maps each situation in :data:`SCENARIOS` to
    ``(close code, "server" or "client")``: the code the application sees, and the side whose
    FIN goes out first."""
    report = Report("Exercise 7.3 - which code, and who closes TCP first?")
    if not isinstance(answers, dict) or all(v is Ellipsis for v in answers.values()):
        report.attempted = False
        return report
    for situation, (code, closer, code_hint, closer_hint) in SCENARIOS.items():
        if situation not in answers:
            report.add(situation, False, "missing from your dict",
                       "keep every key of the dict in the exercise cell")
            continue
        got = answers[situation]
        if got is Ellipsis:
            report.add(situation, False, "not answered yet (still ...)", code_hint)
            continue
        if not isinstance(got, tuple) or len(got) != 2:
            report.add(situation, False, f"got {got!r}",
                       "answer with a tuple of 2: (close code, 'server' or 'client')")
            continue
        got_code, got_closer = got
        if isinstance(got_code, bool) or not isinstance(got_code, int):
            report.add(situation, False, f"the code is a {_type_name(got_code)} where an int "
                       "is expected", "write the code as a number, e.g. 1000, not '1000'")
            continue
        valid, got_closer = _closer(got_closer)
        if not valid:
            report.add(situation, False, f"who closes TCP first is {got_closer!r}",
                       "answer 'server' or 'client'")
            continue
        code_ok, closer_ok = got_code == code, got_closer == closer
        if code_ok and closer_ok:
            report.add(situation, True)
        elif code_ok:
            report.add(situation, False, "the code is right; who closes TCP first is not",
                       closer_hint)
        elif closer_ok:
            report.add(situation, False, "who closes TCP first is right; the code is not",
                       code_hint)
        else:
            report.add(situation, False, "neither the code nor who closes TCP first is right",
                       f"{code_hint}; and {closer_hint[0].lower()}{closer_hint[1:]}")
    return report
