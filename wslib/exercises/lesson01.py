"""Self-checks for lesson 01, HTTP vs WebSocket.

* 1.1 :func:`check_ws_frame_overhead`: ``ws_frame_overhead(n, from_client) -> int``, the bytes a
  WebSocket frame adds to an ``n``-byte payload.
* 1.2 :func:`check_polling_overhead`: ``polling_overhead_per_event(request_head, response_head,
  polls, events) -> float``, the HTTP head bytes that polling spends per delivered event.
* 1.3 :func:`check_choose_transport`: ``choose_transport(scenario) -> str`` for the scenarios
  in :data:`SCENARIOS`.

Each check turns its table of cases into :class:`~wslib.exercises.Case` objects, with a hint
function that names the mistake a wrong answer matches, and runs them with
:func:`wslib.exercises.check_function` (how to write one: the docstring of that package).
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any, Callable

from . import FINISH, Case, Report, _short, check_function

__all__ = ["check_ws_frame_overhead", "check_polling_overhead", "check_choose_transport",
           "SCENARIOS", "TRANSPORTS"]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _equal_number(got: Any, right: int) -> bool:
    return _is_number(got) and got == right


def _close_number(got: Any, right: float) -> bool:
    return _is_number(got) and math.isclose(got, right, rel_tol=1e-9)


# ------------------------------------------------------------------ 1.1 ws_frame_overhead


def _overhead(n: int, from_client: bool) -> int:
    size = 2 if n <= 125 else 4 if n <= 0xFFFF else 10
    return size + (4 if from_client else 0)


_OVERHEAD_CASES = [
    ("'Hello' (5 bytes) from the server", (5, False)),
    ("'Hello' (5 bytes) from a client", (5, True)),
    ("an empty message from a client", (0, True)),
    ("this lesson's 30-byte event from the server", (30, False)),
    ("125 bytes from the server (the largest 7-bit length)", (125, False)),
    ("126 bytes from the server (the first 16-bit length)", (126, False)),
    ("126 bytes from a client", (126, True)),
    ("65535 bytes from the server (the largest 16-bit length)", (65535, False)),
    ("65536 bytes from the server (the first 64-bit length)", (65536, False)),
    ("1 MiB from a client", (1 << 20, True)),
]


def _overhead_hint(n: int, from_client: bool, got: Any) -> str:
    right = _overhead(n, from_client)
    if not _is_number(got):
        return ""  # a type mistake: the framework names it
    if got == right + n:
        return "return only what the frame adds (the header), not payload + header"
    if from_client and got == right - 4:
        return ("a client masks every frame: add the 4-byte masking key "
                "(RFC 6455 sections 5.1 and 5.3)")
    if not from_client and got == right + 4:
        return "a server never masks its frames: no masking key (RFC 6455 section 5.1)"
    if n > 0xFFFF and got - (4 if from_client else 0) == 6:
        return "the 64-bit extended length is 8 bytes, not 4 (RFC 6455 section 5.2)"
    if n == 125 or n == 0xFFFF:
        return (f"{n} still fits the shorter length form: the 7-bit field holds 0-125, the "
                "16-bit form 126-65535 (RFC 6455 section 5.2)")
    if n == 126 or n == 0x10000:
        return (f"{n} does not fit the shorter form: 126 and 127 in the 7-bit field are markers "
                "for the 16-bit and 64-bit forms (RFC 6455 section 5.2)")
    return ("header = 2 bytes, + 2 (16-bit length, n = 126..65535) or + 8 (64-bit length, "
            "n > 65535), + 4 if a client sends it (masking key), RFC 6455 section 5.2")


def check_ws_frame_overhead(func: Callable[[int, bool], int] | None) -> Report:
    """Exercise 1.1: ``func(n, from_client)`` = the bytes a frame adds to an n-byte payload."""
    cases = [Case(name, (n, from_client), _overhead(n, from_client),
                  hint=partial(_overhead_hint, n, from_client), compare=_equal_number)
             for name, (n, from_client) in _OVERHEAD_CASES]
    return check_function("Exercise 1.1 - ws_frame_overhead", func, cases, stub_hint=FINISH)


# ------------------------------------------------------------------ 1.2 polling overhead

_POLLING_CASES = [
    # name, (request_head, response_head, polls, events)
    ("long polling: one request per event", (45, 80, 20, 20)),
    ("short polling: 10 polls brought 20 events", (45, 80, 10, 20)),
    ("short polling: a poll every second, 5 events in 100 s", (45, 79, 100, 5)),
    ("long polling from a browser (500-byte request heads)", (500, 80, 20, 20)),
]


def _polling_hint(args: tuple, got: Any) -> str:
    req, resp, polls, events = args
    if not _is_number(got):
        return ""  # a type mistake: the framework names it
    if math.isclose(got, req + resp):
        return ("divide by the events delivered, not by the polls: an empty poll costs as much "
                "as a full one, and its cost lands on the events that do come")
    if math.isclose(got, polls * req / events):
        return "count both directions: the response head is overhead too"
    if math.isclose(got, polls * resp / events):
        return "count both directions: the request head is overhead too"
    if math.isclose(got, polls * (req + resp)):
        return "that is the total for the whole run; divide it by the number of events"
    return "every poll costs request_head + response_head; spread the total over the events"


def check_polling_overhead(func: Callable[[int, int, int, int], float] | None) -> Report:
    """Exercise 1.2: head bytes spent per delivered event, ``polls * (req + resp) / events``."""
    cases = [Case(name, (req, resp, polls, events), polls * (req + resp) / events,
                  hint=partial(_polling_hint, (req, resp, polls, events)), compare=_close_number)
             for name, (req, resp, polls, events) in _POLLING_CASES]
    return check_function("Exercise 1.2 - polling_overhead_per_event", func, cases,
                          stub_hint=FINISH)


# ------------------------------------------------------------------ 1.3 choose_transport

TRANSPORTS = ("polling", "long-polling", "sse", "websocket")

# scenario letter -> (description, answer, why the answer fits). The "why" is for the lesson's
# discussion after the exercise; a check never shows it: its hints come from _WHY_NOT.
SCENARIOS = {
    "A": ("A weather widget on a news site. The forecast changes about once an hour, a few "
          "minutes of delay do not matter, and every reader gets the same answer, so an HTTP "
          "cache (a CDN) can serve it.",
          "polling",
          "rare updates, the same for everyone, delay is fine: a plain GET every few minutes is "
          "the simplest and any HTTP cache can answer it; a held-open connection per reader buys "
          "nothing"),
    "B": ("A live score board in a web page. The server pushes a few small text updates per "
          "second; the page never sends anything back. After a dropped connection the page "
          "must reconnect by itself and receive the updates it missed, using only what the "
          "browser provides.",
          "sse",
          "server-to-client only, text, and automatic reconnection that resumes with "
          "Last-Event-ID: all built into the browser's EventSource"),
    "C": ("A multiplayer game in the browser. Every player sends its position 30 times a "
          "second as a 12-byte binary record, and receives everyone else's just as often.",
          "websocket",
          "the client sends as often as it receives, and the data is binary: only WebSocket is "
          "two-way on one connection, with binary messages and 2 to 6 bytes of framing"),
    "D": ("Notifications for 10,000 clients behind a proxy that removes the Upgrade header and "
          "holds back every response until it is complete. A notification must arrive within "
          "100 ms, but most minutes bring none.",
          "long-polling",
          "no Upgrade rules out WebSocket and a buffering proxy rules out an SSE stream; polling "
          "every 100 ms would make 100,000 mostly empty requests per second; a request held "
          "until there is news answers within milliseconds and costs one request per event"),
}

# (scenario, the learner's wrong choice) -> what speaks against that choice here. A quiz hint
# guides from the answer given; it never names the right one.
_WHY_NOT = {
    ("A", "long-polling"): "a request held open per reader, to wait an hour for a change that may "
                           "arrive minutes late anyway: and can a CDN answer a held request?",
    ("A", "sse"): "a stream held open per reader for one change an hour; a CDN cannot answer an "
                  "open stream from its cache. What is the simplest request a cache can answer?",
    ("A", "websocket"): "a two-way connection per reader, for data that changes hourly, is the "
                        "same for everyone and may be minutes late: what could a cache serve?",
    ("B", "polling"): "several updates a second by polling means a request for each, and after a "
                      "drop the missed updates must come too: which browser API reconnects by "
                      "itself and tells the server what it last received?",
    ("B", "long-polling"): "one HTTP request per update, several a second, and resuming after a "
                           "drop is left to your own code: which browser API does both for you?",
    ("B", "websocket"): "the page never sends anything, and after a drop the browser must "
                        "reconnect and resume by itself: does the WebSocket API reconnect, or "
                        "know which updates were missed?",
    ("C", "polling"): "each player also SENDS 30 records a second: every HTTP request carries a "
                      "head of hundreds of bytes for a 12-byte record",
    ("C", "long-polling"): "each player also SENDS 30 records a second, and each would be an HTTP "
                           "request with a head of hundreds of bytes for 12 bytes of data",
    ("C", "sse"): "an event stream goes from the server to the client only, and carries text; "
                  "here every player also sends 30 binary records a second",
    ("D", "websocket"): "the proxy removes the Upgrade header: can the opening handshake (握手) "
                        "get through it?",
    ("D", "sse"): "the proxy holds back every response until it is complete: when would an "
                  "event of a stream that never ends reach the client?",
    ("D", "polling"): "to be within 100 ms, 10,000 clients would each poll 10 times a second, "
                      "100,000 mostly empty requests a second: is there a way to get the "
                      "answer the moment there is news, without Upgrade or a stream?",
}

_ALIASES = {"short-polling": "polling", "long-poll": "long-polling", "longpolling": "long-polling",
            "server-sent-events": "sse", "eventsource": "sse", "web-socket": "websocket",
            "websockets": "websocket"}


def _normal_transport(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    word = "-".join(value.strip().lower().replace("_", " ").replace("-", " ").split())
    return _ALIASES.get(word, word)


_ONE_OF = f"answer with one of {', '.join(map(repr, TRANSPORTS))}"


def _transport_hint(letter: str, got: Any) -> str:
    choice = _normal_transport(got)
    if choice not in TRANSPORTS:
        return _ONE_OF
    return _WHY_NOT.get((letter, choice), "")


def _compare_transport(got: Any, right: str) -> tuple[bool, str]:
    if _normal_transport(got) not in TRANSPORTS:
        return False, f"{_short(got)} is not one of the four"
    return _normal_transport(got) == right, f"you chose {_normal_transport(got)!r}"


def check_choose_transport(func: Callable[[str], str] | None) -> Report:
    """Exercise 1.3: ``func(letter)`` is one of :data:`TRANSPORTS` for each scenario. A wrong
    choice is told what speaks against it in that scenario, never which choice is right."""
    cases = [Case(f"scenario {letter}", (letter,), right,
                  hint=partial(_transport_hint, letter), compare=_compare_transport)
             for letter, (_, right, _why) in SCENARIOS.items()]
    return check_function("Exercise 1.3 - choose_transport", func, cases, stub_hint=FINISH)
