"""Self-checks for lesson 09, Server-Sent Events.

* 9.1 :func:`check_encode`: ``encode(data, event=None, id=None) -> bytes``, one event of a
  ``text/event-stream``; judged by what :class:`wslib.sse.EventStreamParser` (the WHATWG
  algorithm) dispatches from it, on tricky data: CR inside data, empty lines, a leading space,
  a colon at the start.
* 9.2 :func:`check_resume`: ``resume(history, last_event_id) -> list[Event]``, what a server
  sends to a client that reconnects with ``Last-Event-ID``.

Neither check shows the answer a case expects: a failed line describes the learner's result
(what the parser dispatched, which ids were returned) and the hint names the likely mistake.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from . import Case, Report, _short, check_function
from ..errors import SSEError
from ..sse import Event, EventStreamParser, encode_event

__all__ = ["check_encode", "check_resume", "HISTORY"]

# ------------------------------------------------------------------ 9.1 encode

# (name, data, event, id)
_ENCODE_CASES = [
    ("one line: 'hello'", "hello", None, None),
    ("two lines: 'first\\nsecond'", "first\nsecond", None, None),
    ("CRLF inside the data: 'a\\r\\nb'", "a\r\nb", None, None),
    ("a lone CR inside the data: 'a\\rb'", "a\rb", None, None),
    ("an empty line inside the data: 'a\\n\\nb'", "a\n\nb", None, None),
    ("data that ends with a line end: 'last\\n'", "last\n", None, None),
    ("empty data: ''", "", None, None),
    ("a leading space: '  indented'", "  indented", None, None),
    ("a colon at the start: ':not a comment'", ":not a comment", None, None),
    ("event type 'score' and id '7'", "goal", "score", "7"),
]


def _normalized(data: str) -> str:
    """What a client receives for ``data``: every line end (CRLF, CR, LF) becomes LF."""
    return data.replace("\r\n", "\n").replace("\r", "\n")


def _parse(stream: bytes) -> list[Event]:
    parser = EventStreamParser(max_buffer=None)
    return parser.feed(stream) + parser.close()


def _encode_mistake(got: bytes, events: list[Event], data: str) -> str:
    """The likely mistake behind a wrong encoding."""
    text = got.decode("utf-8", "replace")
    if not events:
        if data == "" and "data" not in text:
            return ("even empty data needs one 'data:' line; a block without any data field "
                    "dispatches nothing")
        if not (text.endswith("\n\n") or text.endswith("\r\n\r\n") or text.endswith("\r\r")):
            return ("end the event with a blank line: nothing is dispatched until one arrives "
                    "(the stream needs \\n\\n after the last data line)")
        return "every line of the data needs its own 'data:' field"
    if len(events) > 1:
        return ("your bytes contain a blank line inside the event, which dispatches it early: "
                "write an empty line of data as an empty data field, 'data:' (or 'data: ')")
    received = events[0].data
    one_space_less = "\n".join(line[1:] if line.startswith(" ") else line
                                for line in _normalized(data).split("\n"))
    if received == one_space_less:
        return ("the parser removes ONE space after the colon: write 'data: ' followed by the "
                "line, so that a line starting with a space keeps it")
    if "\r" in data and "\n" not in data.replace("\r\n", ""):
        return ("a lone CR ends a line too (so do CRLF and LF): split the data on all three "
                "(re.split(r'\\r\\n|\\r|\\n', data)), one data field per piece")
    if "\r\n" in data:
        return ("split the data on CRLF as one line end; splitting on LF alone leaves a CR at "
                "the end of a line, and CR is a line end of its own")
    if data.endswith("\n") and received == data.rstrip("\n"):
        return ("the data ends with a line end, so its last line is empty: it needs its own "
                "empty 'data:' field (str.splitlines() drops that last empty line)")
    return "one 'data: <line>' field for each line of the data, then a blank line"


def _judge_encode(got: Any, data: str, event: str | None, id: str | None
                  ) -> tuple[bool, str, str]:
    if got is None:
        return False, "returned None", "did you forget `return`? Return the event as bytes"
    if isinstance(got, str):
        return False, "returned a str, not bytes", \
            "an event stream is UTF-8 bytes on the wire: return text.encode('utf-8')"
    if isinstance(got, bytearray):
        got = bytes(got)
    if not isinstance(got, bytes):
        return False, f"returned a {type(got).__name__}, not bytes", \
            "build the text of the event, then return text.encode('utf-8')"
    try:
        events = _parse(got)
    except SSEError as exc:
        return False, f"the parser could not read it: {exc}", "return UTF-8 bytes"
    want_type = event or "message"
    if len(events) == 1 and events[0].data == _normalized(data) and \
            events[0].event == want_type and events[0].id == id:
        return True, "", ""
    if len(events) == 1 and events[0].data == _normalized(data):
        e = events[0]
        if e.event != want_type:
            return False, f"the event dispatched has type {e.event!r}", \
                "the type goes in an 'event: <type>' line of the same block"
        return False, f"the event dispatched has id {e.id!r}", \
            "the id goes in an 'id: <id>' line of the same block (none when id is None)"
    seen = ("no event" if not events else
            "events with data " + ", ".join(_short(e.data, 30) for e in events))
    return False, f"the parser dispatched {seen} from {_short(got, 50)}", \
        _encode_mistake(got, events, data)


def check_encode(func: Callable[..., bytes] | None) -> Report:
    """Exercise 9.1: ``func(data, event, id)`` returns one event, as bytes, that the WHATWG
    parser dispatches with the same data (line ends become LF), type and id."""
    cases = []
    for name, data, event, id in _ENCODE_CASES:
        judge = functools.partial(_judge_encode, data=data, event=event, id=id)
        # The expected value is one right encoding (bytes), so that the framework names a str
        # answer as a type slip; the compare accepts every encoding the parser reads the same.
        cases.append(Case(name, (data, event, id),
                          encode_event(data=data, event_type=event, id=id),
                          compare=lambda got, _, j=judge: j(got)[:2],
                          hint=lambda got, j=judge: j(got)[2]))
    return check_function("Exercise 9.1 - encode", func, cases, stub_hint="finish the function",
                          crash_hint="build the lines as text, join them with '\\n', end with a "
                                     "blank line, encode as UTF-8")


# ------------------------------------------------------------------ 9.2 resume

HISTORY_IDS = ["3", "5", "8", "9", "12"]  # what the server still remembers; ids have gaps


def _history() -> list[Event]:
    return [Event(data=f"event {i}", id=i) for i in HISTORY_IDS]


HISTORY = _history()

# (name, Last-Event-ID, ids that must be sent)
_RESUME_CASES = [
    ("Last-Event-ID 8: the events after 8", "8", ["9", "12"]),
    ("Last-Event-ID 12, the newest: nothing to send", "12", []),
    ("Last-Event-ID 3, the oldest remembered: every later one", "3", ["5", "8", "9", "12"]),
    ("no Last-Event-ID (a new client): nothing from the past", None, []),
    ("an empty Last-Event-ID: nothing from the past", "", []),
    ("Last-Event-ID 4, not in the history: the whole history", "4", HISTORY_IDS),
    ("Last-Event-ID 1, older than the history: the whole history", "1", HISTORY_IDS),
    ("Last-Event-ID 'abc', not a number: the whole history", "abc", HISTORY_IDS),
]


def _resume_mistake(got_ids: list[str], last: str | None, want: list[str]) -> str:
    history = HISTORY_IDS
    if last in history and got_ids == history[history.index(last):]:
        return (f"the client already has event {last}: start after it, or it gets that event "
                "twice")
    if last and last.isdigit() and got_ids == history[int(last):]:
        return ("an id is not a position in the list (ids have gaps): find the event whose id "
                "equals Last-Event-ID, then send the ones after it")
    if not last and got_ids:
        return ("a client without Last-Event-ID is new: it gets only the events published "
                "from now on, not the past")
    if last not in history and last and not got_ids:
        return ("an id the server does not know: send the whole history (the client may see "
                "a repeat, but sending nothing would lose events silently)")
    if last in history and got_ids == history:
        return ("this id is in the history: send only the events after it; compare as strings "
                "(Event.id is a str such as '8')")
    return "find the event whose id equals Last-Event-ID and return the events after it, in order"


def _judge_resume(got: Any, history: list[Event], last: str | None, want: list[str]
                  ) -> tuple[bool, str, str]:
    if history != HISTORY:
        return False, "the history list was changed by resume()", \
            "return a new list (a slice); do not remove events from the history"
    if got is None:
        return False, "returned None", "did you forget `return`? Return a list of Events ([] for none)"
    if not isinstance(got, (list, tuple)):
        return False, f"returned a {type(got).__name__}, not a list of Events", \
            "return a list (a slice of the history, or [])"
    if got and not all(isinstance(e, Event) for e in got):
        first = next(e for e in got if not isinstance(e, Event))
        return False, f"the list holds a {type(first).__name__} ({_short(first, 30)}), not Events", \
            "return the Event objects themselves (the server encodes them), not their ids or data"
    got_ids = [e.id for e in got]
    if got_ids == want:
        return True, "", ""
    return False, f"returned the events with ids {got_ids}", _resume_mistake(got_ids, last, want)


def check_resume(func: Callable[[list, str | None], list] | None) -> Report:
    """Exercise 9.2: ``func(history, last_event_id)`` returns the events to send to a client
    that reconnects with that ``Last-Event-ID`` (``None``: the header was absent)."""
    cases = []
    for name, last, want in _RESUME_CASES:
        history = _history()
        judge = functools.partial(_judge_resume, history=history, last=last, want=want)
        cases.append(Case(name, (history, last), want,
                          compare=lambda got, _, j=judge: j(got)[:2],
                          hint=lambda got, j=judge: j(got)[2]))
    return check_function("Exercise 9.2 - resume", func, cases, stub_hint="finish the function",
                          crash_hint="loop over the history, compare each event.id with "
                                     "last_event_id (both str)")
