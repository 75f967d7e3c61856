"""Server-Sent Events without sockets: encode events, and parse an event stream incrementally.

An event stream (MIME type ``text/event-stream``) is UTF-8 text made of *blocks*. Each block is
a few ``field: value`` lines followed by one blank line::

    event: add            <- the event type (optional; "message" when absent)
    id: 42                <- remembered, and sent back as Last-Event-ID on reconnection
    retry: 3000           <- how long the client waits before reconnecting, in milliseconds
    data: first line      <- the payload; several data lines are joined with "\\n"
    data: second line
                          <- a blank line ends the block and dispatches the event
    : keepalive           <- a comment: ignored by the client, handy as a heartbeat

The parser below follows the WHATWG HTML standard, section 9.2.6 "Interpreting an event stream"
(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
The comments that cite 9.2.6 point at the step of that section the code next to them follows.

Like :mod:`wslib.reader`, the parser is sans-I/O: ``feed()`` takes whatever bytes arrived, in any
chunking, and returns the events they completed. Nothing here touches a socket.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from .errors import SSEError, UsageError
from .http import digits_or_none

__all__ = ["Event", "encode_event", "encode_comment", "EventStreamParser", "parse_events"]

# A line ends with CRLF, LF, or CR on its own (9.2.6). The order matters: "\r\n" is tried first,
# so that a CRLF pair counts as one line end, not as a CR line end followed by an empty line.
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Event:
    """One server-sent event, as a server sends it or as a client receives it.

    ``data``: the payload (lines joined with ``"\\n"``).
    ``event``: the event type; ``"message"`` is the default, what ``onmessage`` receives.
    ``id``: the value of this event's ``id`` field, or ``None`` if it had none.
    ``retry``: a valid ``retry`` field of this event (milliseconds), or ``None``.
    ``last_event_id``: set by the parser only: the stream's last event ID when the event was
    dispatched, which is what a browser puts in ``MessageEvent.lastEventId``. The encoder
    ignores it.
    """

    data: str = ""
    event: str = "message"
    id: str | None = None
    retry: int | None = None
    last_event_id: str = ""

    def encode(self) -> bytes:
        """The event as bytes for the wire: the same as ``encode_event(self)``."""
        return encode_event(self)


# --------------------------------------------------------------------------------------------
# Encoding: what a server writes
# --------------------------------------------------------------------------------------------


def _refuse(value: str, what: str, forbidden: str, why: str) -> None:
    """Raise SSEError if ``value`` contains one of the ``forbidden`` characters."""
    names = {"\r": "CR (U+000D)", "\n": "LF (U+000A)", "\0": "NUL (U+0000)"}
    for char in forbidden:
        if char in value:
            raise SSEError(f"{what} {value!r} contains {names[char]}; {why}")


def _field(name: str, value: str) -> str:
    """One ``name: value`` line, without its line end.

    The parser removes exactly one space after the colon (9.2.6), so we always write one: a
    value that itself starts with a space (" x") becomes "data:  x" and comes back intact.
    """
    return f"{name}: {value}" if value else f"{name}:"


def encode_event(
    event: Event | None = None,
    *,
    data: str | None = None,
    event_type: str | None = None,
    id: str | None = None,
    retry: int | None = None,
) -> bytes:
    """Encode one event as UTF-8 bytes ending with a blank line.

    Pass an :class:`Event`, or the fields as keywords; a keyword given with an Event replaces
    that field of the Event. The lines come in the order event, id, retry, data.

    Choices this encoder makes (each one round-trips through :class:`EventStreamParser`):

    * ``data`` is split on CRLF, CR and LF into one ``data:`` line per line, so the receiver
      gets it back with every line end turned into ``"\\n"``.
    * There is always at least one ``data:`` line, even for ``data=""``. That matters: a block
      without any data field leaves the data buffer empty, and a browser dispatches *nothing*
      for it (9.2.6). ``data:`` alone makes the buffer ``"\\n"``, so an event with empty data
      is dispatched.
    * The ``event:`` line is written only when the type is not ``"message"`` (nor ``""``):
      the default type needs no line, and the receiver sees the same event either way.
    * ``id=None`` writes no ``id`` line (the client keeps its last event ID); ``id=""`` writes
      ``id:``, which resets the client's last event ID to the empty string.

    Raises :class:`SSEError` for a value that cannot be written: an id containing CR, LF or
    NUL (CR and LF would end the line early, and a browser ignores an id containing NUL), an
    event type containing CR or LF, a ``retry`` that is not a non-negative int, or text that
    cannot be encoded as UTF-8 (a lone surrogate).
    """
    if event is None:
        event = Event()
    data = event.data if data is None else data
    event_type = event.event if event_type is None else event_type
    id = event.id if id is None else id
    retry = event.retry if retry is None else retry

    lines = []
    if event_type not in ("", "message"):
        _refuse(event_type, "event type", "\r\n",
                "CR and LF end a line, so a field value cannot hold them (WHATWG HTML 9.2.6)")
        lines.append(_field("event", event_type))
    if id is not None:
        _refuse(id, "event id", "\r\n\0", "an id cannot contain CR, LF (they end the line) or NUL "
                "(a browser ignores such an id field, WHATWG HTML 9.2.6)")
        lines.append(_field("id", id))
    if retry is not None:
        # bool is a subclass of int, but retry=True is surely a mistake.
        if not isinstance(retry, int) or isinstance(retry, bool) or retry < 0:
            raise SSEError(f"retry must be a non-negative int (milliseconds), got {retry!r}; "
                           "a client only accepts ASCII digits (WHATWG HTML 9.2.6)")
        lines.append(_field("retry", str(retry)))
    for line in _LINE_END.split(data):
        lines.append(_field("data", line))

    text = "\n".join(lines) + "\n\n"
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SSEError(f"event cannot be encoded as UTF-8: {exc.reason} at {exc.start} "
                       "(an event stream is always UTF-8)") from exc


def encode_comment(text: str = "") -> bytes:
    """Encode a comment, e.g. ``encode_comment("keepalive") == b": keepalive\\n\\n"``.

    A client ignores lines that start with a colon (9.2.6), so servers send comments as
    heartbeats: they keep proxies from closing an idle connection. Text with line ends becomes
    several comment lines. The blank line after them makes the comment a whole block that can
    go anywhere between events; it dispatches nothing, since the data buffer is empty.
    """
    lines = [f": {line}" if line else ":" for line in _LINE_END.split(text)]
    try:
        return ("\n".join(lines) + "\n\n").encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SSEError(f"comment cannot be encoded as UTF-8: {exc.reason}") from exc


# --------------------------------------------------------------------------------------------
# Parsing: what a client does
# --------------------------------------------------------------------------------------------


class EventStreamParser:
    """Feed the bytes of an event stream in any chunking; get back complete events.

    ``feed(data)`` returns the events that ``data`` completed (often none). Splitting the same
    stream differently gives the same events, including a split inside a multi-byte UTF-8
    character, inside the BOM, or between the CR and LF of a CRLF.

    ``close()`` marks the end of the stream: an event not yet ended by a blank line is dropped,
    as the standard says. The parser can then be fed a new stream (a reconnection);
    ``last_event_id`` and ``retry`` carry over, as they do in a browser's EventSource.

    ``max_buffer`` (characters, default ``2**20``; ``None`` for no limit) caps what the
    parser holds while waiting for a blank line: a line longer than that, or an event whose
    data grows beyond it, raises :class:`SSEError`. Without it, a server that never sends a
    line end would make the client buffer forever. After that error the stream cannot be
    trusted: close the connection, and call ``close()`` before feeding another stream.

    Cost is linear in the input however it is chunked: each piece of text is scanned once, an
    unfinished line is kept as a list of pieces joined once when its line end arrives, and
    data lines are collected in a list joined once when the event is dispatched.
    """

    def __init__(self, max_buffer: int | None = 1 << 20) -> None:
        if max_buffer is not None and max_buffer < 1:
            raise UsageError(f"max_buffer must be >= 1 or None, got {max_buffer}")
        self.max_buffer = max_buffer
        self._last_event_id = ""  # the event source's "last event ID string"
        self._retry: int | None = None  # the "reconnection time", once the server set it
        self._new_stream()

    def _new_stream(self) -> None:
        """Reset everything that belongs to one stream (one HTTP response)."""
        # Bytes to text. "replace" turns invalid UTF-8 into U+FFFD (9.2.6: "UTF-8 decode"); an
        # incremental decoder keeps the first bytes of a character split across two feeds.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._at_start = True  # no text decoded yet: a BOM may still come
        self._after_cr = False  # the last text ended with CR: a leading LF completes a CRLF
        self._line: list[str] = []  # the unfinished line, in pieces
        self._line_len = 0
        # The three buffers of 9.2.6. The data buffer is a list of data values; the standard's
        # "append value and LF, then drop the final LF" is "\n".join() of that list.
        self._data: list[str] = []
        self._data_len = 0
        self._event_type = ""
        self._id_buffer = self._last_event_id  # the "last event ID buffer" (see close())
        # What this block's own lines said, for Event.id and Event.retry.
        self._id: str | None = None
        self._block_retry: int | None = None

    @property
    def last_event_id(self) -> str:
        """The last event ID: what a client sends as ``Last-Event-ID`` when it reconnects.

        It survives events without an id field and ``close()``. As in the standard, an ``id``
        field takes effect at the blank line that ends its block (9.2.6, "dispatch the event",
        step 1), so the id of a block cut off by the end of the stream is not remembered.
        """
        return self._last_event_id

    @property
    def retry(self) -> int | None:
        """The reconnection time in milliseconds from the last valid ``retry`` field, or None."""
        return self._retry

    def feed(self, data: bytes) -> list[Event]:
        """Add bytes from the stream; return the events they complete, in order."""
        text = self._decoder.decode(data)
        if not text:  # nothing, or only the first bytes of a multi-byte character
            return []
        if self._at_start:
            self._at_start = False
            if text[0] == "\ufeff":  # 9.2.6: one leading BOM is ignored; a second one is text
                text = text[1:]
        if self._after_cr and text[:1] == "\n":
            text = text[1:]  # the LF of a CRLF whose CR ended the previous feed: already counted
        self._after_cr = text[-1:] == "\r"

        events: list[Event] = []
        start = 0
        for match in _LINE_END.finditer(text):
            line = text[start : match.start()]
            if self._line:  # the line began in an earlier feed: join its pieces, once
                self._line.append(line)
                line = "".join(self._line)
                self._line.clear()
                self._line_len = 0
            self._process_line(line, events)
            start = match.end()
        if start < len(text):  # an unfinished line: keep the piece for later
            self._line.append(text[start:])
            self._line_len += len(text) - start
            self._check_size(self._line_len, "a line of the event stream")
        return events

    def close(self) -> list[Event]:
        """End of the stream. Returns ``[]``: an unfinished event is discarded (9.2.6).

        The returned list keeps ``close()`` symmetrical with ``feed()``. Afterwards the parser
        is ready for a new stream; ``last_event_id`` and ``retry`` are kept, and the new stream
        starts from that last event ID, as a browser does when it reconnects.
        """
        self._new_stream()
        return []

    def _check_size(self, size: int, what: str) -> None:
        if self.max_buffer is not None and size > self.max_buffer:
            raise SSEError(f"{what} is longer than max_buffer={self.max_buffer} characters; "
                           "if the server means it, pass a larger EventStreamParser(max_buffer=)")

    def _process_line(self, line: str, events: list[Event]) -> None:
        """The line-by-line steps of 9.2.6."""
        self._check_size(len(line), "a line of the event stream")
        if not line:  # a blank line: dispatch the event
            self._dispatch(events)
            return
        if line[0] == ":":  # a comment
            return
        # "field: value" (split at the first colon), or a whole line that is a field name with
        # an empty value. One space after the colon is removed, and only one.
        field, _, value = line.partition(":")
        if value[:1] == " ":
            value = value[1:]

        # Field names are case-sensitive: "Data" is not "data".
        if field == "event":
            self._event_type = value
        elif field == "data":
            self._data.append(value)
            self._data_len += len(value) + 1
            self._check_size(self._data_len, "the data of one event")
        elif field == "id":
            if "\0" not in value:  # an id containing NUL is ignored
                self._id_buffer = self._id = value
        elif field == "retry":
            # Only ASCII digits count (str.isdigit() alone would accept "²" or "٣"): the one
            # number parser of wslib.http. Over 18 digits (a delay of 30 million years) the
            # field is ignored, as Chrome ignores a retry that overflows.
            retry = digits_or_none(value)
            if retry is not None:  # "Otherwise, ignore the field."
                self._retry = self._block_retry = retry
        # Any other field is ignored.

    def _dispatch(self, events: list[Event]) -> None:
        """9.2.6 "dispatch the event", at every blank line."""
        # Step 1: the last event ID buffer becomes the stream's last event ID, even when no
        # event follows. The buffer is not reset: the ID stays until a new id field.
        self._last_event_id = self._id_buffer
        # Step 2: an empty data buffer dispatches nothing. Steps 3-6: drop the final LF (our
        # join has none), type "message" unless an event field said otherwise.
        if self._data:
            events.append(Event(
                data="\n".join(self._data),
                event=self._event_type or "message",
                id=self._id,
                retry=self._block_retry,
                last_event_id=self._last_event_id,
            ))
        # Step 7: reset the data and event type buffers (and what this block's lines said).
        self._data.clear()
        self._data_len = 0
        self._event_type = ""
        self._id = None
        self._block_retry = None


def parse_events(data: bytes | str) -> list[Event]:
    """Parse a whole event stream at once (text is encoded as UTF-8 first)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    parser = EventStreamParser(max_buffer=None)
    return parser.feed(data) + parser.close()
