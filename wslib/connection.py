"""The WebSocket connection as a state machine with no I/O (sans-I/O).

Bytes in, events out; calls in, bytes out::

    conn = Connection("server")
    for event in conn.receive_data(data_from_socket):   # TextMessage, BinaryMessage, Ping, ...
        ...
    conn.send_text("hello")
    socket.sendall(conn.data_to_send())

The same class serves both roles; the only differences are masking (clients mask, servers must
not, section 5.1) and who closes TCP first (the server, section 7.1.1). The state follows the
browser's ``readyState``::

    CONNECTING (0) -> OPEN (1) -> CLOSING (2) -> CLOSED (3)

A :class:`Connection` starts OPEN, right after the opening handshake (see
:mod:`wslib.handshake`). It enforces every receiving rule of RFC 6455: fragmentation, control
frames between fragments, masking direction, reserved bits and opcodes, UTF-8 (checked as the
bytes arrive, even inside a frame that is not complete yet), close codes and reasons, and size
limits. A violation *fails the connection* (section 7.1.7): a close frame with the matching
code is queued, the state becomes CLOSED, and a :class:`Closed` event carries the error.
Nothing is sent after a close frame, and nothing received after the peer's close frame is
looked at.

One event contract: every event is handed out once, by the call that produced it
(:meth:`~Connection.receive_data`, :meth:`~Connection.receive_eof`), or, for the few that no
received bytes produce (the ``Closed`` of a local :meth:`~Connection.fail`, a failure waiting
behind messages), by :meth:`~Connection.events`. The Connection keeps none of them, so a long
connection does not accumulate memory. Where wslib is stricter than RFC 6455 requires (it
answers the messages that came before a bad frame, and fails on invalid UTF-8 before the end
of the frame), the RFC allows both; these are Autobahn|Testsuite's "strict" behaviours.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from enum import IntEnum
from typing import Callable, Literal, Union

from .errors import (
    ConnectionClosed,
    InvalidPayload,
    MessageTooBig,
    ProtocolError,
    UsageError,
    close_code_for,
)
from .frames import (
    MAX_CONTROL_PAYLOAD,
    CloseCode,
    Frame,
    Opcode,
    close_code_allowed,
    decode_close,
    encode_close,
    encode_frame,
)
from .reader import FrameReader

__all__ = [
    "State",
    "Connection",
    "TextMessage",
    "BinaryMessage",
    "Ping",
    "Pong",
    "Closed",
    "Event",
]


class State(IntEnum):
    """The connection's state; the values are the browser's ``WebSocket.readyState``."""

    CONNECTING = 0
    OPEN = 1
    CLOSING = 2
    CLOSED = 3


@dataclass(frozen=True, slots=True)
class TextMessage:
    """A whole text message (all its fragments joined), decoded from UTF-8."""

    data: str


@dataclass(frozen=True, slots=True)
class BinaryMessage:
    """A whole binary message (all its fragments joined)."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Ping:
    """The peer sent a ping. The connection has already queued the pong (section 5.5.2)."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class Pong:
    """The peer sent a pong: the answer to one of our pings, or an unsolicited heartbeat."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class Closed:
    """The connection is closed: the last event there will be.

    ``code`` and ``reason`` are the peer's close frame (1005 when it carried no code, 1006 when
    TCP ended without a close frame), or, when *we* failed the connection because of ``error``,
    the code and reason we sent.
    """

    code: int
    reason: str = ""
    error: Exception | None = None


Event = Union[TextMessage, BinaryMessage, Ping, Pong, Closed]
# Enum members looked up once: reading State.OPEN or Opcode.TEXT off the class costs about
# 0.2 µs each time in Python 3.11, which the per-message path cannot afford.
_OPEN, _CLOSED = State.OPEN, State.CLOSED
_CONT, _TEXT, _PING, _PONG = (int(op) for op in (Opcode.CONT, Opcode.TEXT, Opcode.PING,
                                                 Opcode.PONG))
# The 2-byte header of a server's unfragmented text (0x81) or binary (0x82) frame of 0-125
# bytes, by first byte and length.
_SHORT_HEADS = {first: tuple(bytes((first, n)) for n in range(126)) for first in (0x81, 0x82)}
_NO_FRAME = object()  # Connection._streaming when no long frame is arriving: never a header


# TextMessage(data) and BinaryMessage(data) without the dataclass __init__ (which sets the field
# through object.__setattr__, since they are frozen): a new instance, and its slot filled
# directly. The same objects, about four times faster, on the path every message takes.
_new_event = object.__new__
_set_text = TextMessage.__dict__["data"].__set__
_set_binary = BinaryMessage.__dict__["data"].__set__


def _text_message(data: str) -> TextMessage:
    event = _new_event(TextMessage)
    _set_text(event, data)
    return event


def _binary_message(data: bytes) -> BinaryMessage:
    event = _new_event(BinaryMessage)
    _set_binary(event, data)
    return event


class Connection:
    """One end of a WebSocket connection, either ``"server"`` or ``"client"``.

    ``max_message_size``: largest message accepted, in bytes (default 1 MiB; ``None`` for no
    limit); larger fails the connection with 1009 as soon as the frame header shows it.
    ``mask_key``: where a client gets each frame's 4-byte masking key (default
    ``os.urandom(4)``, as section 5.3 requires); inject a fixed one to get reproducible bytes.
    """

    def __init__(
        self,
        role: Literal["server", "client"],
        *,
        max_message_size: int | None = 1 << 20,
        mask_key: Callable[[], bytes] | None = None,
    ) -> None:
        if role not in ("server", "client"):
            raise UsageError(f"role must be 'server' or 'client', not {role!r}")
        if max_message_size is not None and max_message_size < 0:
            raise UsageError(f"max_message_size must be >= 0 or None, got {max_message_size}")
        self.role = role
        self.is_client = role == "client"
        self.max_message_size = max_message_size
        self._mask_key = mask_key or (lambda: os.urandom(4))
        # A server expects masked frames, a client unmasked ones (section 5.1); no extension is
        # ever negotiated, so RSV bits are refused from the header. The reader checks every
        # frame against the whole message limit; what is left of it in the middle of a
        # fragmented message is checked here (_receive_fragment, _check_pending_frame).
        self._reader = FrameReader(max_frame_size=self._frame_limit(0),
                                   expect_mask=not self.is_client, allow_rsv=False)
        # Does the reader's frame limit hold a whole message to max_message_size? Yes, unless
        # the limit is below what a control frame may carry (then the reader allows 125).
        self._reader_limits_messages = (max_message_size is None
                                        or max_message_size >= MAX_CONTROL_PAYLOAD)
        self.state = State.OPEN
        self._out: list[bytes] = []
        self._events: list[Event] = []  # not handed out yet; emptied by every receive_data()
        # The message being assembled from fragments: its opcode, its bytes so far (one
        # bytearray, however many fragments: memory is the message's size), and for text the
        # UTF-8 check that runs as the bytes arrive.
        self._msg_opcode: int | None = None
        self._msg_buf = bytearray()
        self._msg_size = 0
        self._utf8 = None  # incremental decoder checking the text message being received
        self._utf8_open = False  # may it hold the start of a character? (see _check_utf8)
        self._utf8_checked = 0  # bytes of the pending (incomplete) frame already checked
        self._pending_header = None  # the pending frame's header, once judged
        self._pending_text = False  # is it text (to check as it arrives)?
        # A long pending frame whose next reads need no more than a look at the new text (see
        # receive_data), and whether it is text; _NO_FRAME when there is none.
        self._streaming = _NO_FRAME
        self._streaming_text = False
        self.close_sent: tuple[int, str] | None = None  # (code, reason) of our close frame
        self.close_received: tuple[int, str] | None = None  # the peer's
        self.error: Exception | None = None
        self.pending_error: ProtocolError | None = None  # see receive_data()
        self._eof = False

    # ------------------------------------------------------------------ receiving

    def receive_data(self, data: bytes) -> list[Event]:
        """Process bytes from the network; return the events they complete.

        Each event is handed out once: the returned list is all there is (with, in front, a
        ``Closed`` event that a local :meth:`fail` queued and nobody collected with
        :meth:`events`). Nothing is kept, so memory does not grow with the messages received.
        ``b""`` means the peer closed TCP: the same as :meth:`receive_eof`.

        When the same bytes hold messages and then a frame that breaks a rule, the messages are
        returned and the failure waits (:attr:`pending_error`; the connection stays open), so
        that the application can answer them first (an echo server's echo goes out before its
        close frame). Call :meth:`events` when you have: it fails the connection then. The next
        ``receive_data()`` or :meth:`receive_eof` does it too.
        """
        if not data:
            return self.receive_eof()
        reader = self._reader
        if reader._header is self._streaming and not self._events:
            # The usual read while a long frame arrives: its header was judged, and so far it
            # is binary or ASCII text. If these bytes only continue it, the one thing to do is
            # to look at the new text (feed() cannot fail while a frame is pending).
            frames = reader.feed(data)
            if not frames:
                if not self._streaming_text:
                    return frames
                last = reader._pieces[-1]
                if type(last) is bytes and not self._utf8_open and last.isascii():
                    self._utf8_checked = reader._have
                    return frames
            return self._receive_frames(data, frames)
        if self.pending_error is not None:
            self._fail_pending()  # the stream is broken there: the new bytes are not looked at
            return self._take_events()
        if self.state is _CLOSED:  # nothing is looked at after the peer's close, a failure, EOF
            return self._take_events()
        return self._receive_frames(data, None)

    def _receive_frames(self, data: bytes, frames: list[Frame] | None) -> list[Event]:
        """The frames in ``data`` (``frames``, if the reader was fed already) into events."""
        events = self._events
        start = len(events)
        # An unfragmented data frame with nothing in progress (no fragmented message, no
        # frame checked as it arrived) is a whole message, and the reader has already held
        # it to the size limit when it can (see _frame_limit): it takes the fast path below,
        # inline. Anything else goes through _receive_frame; both give the same events.
        fast = self._reader_limits_messages
        reader = self._reader
        try:
            if frames is None:
                frames = reader.feed(data)
            # Only _receive_frame() can start a fragmented message or a UTF-8 decoder: `simple`
            # is worked out again after each frame it takes.
            simple = fast and self._msg_opcode is None and self._utf8 is None
            if simple and frames:
                self._utf8_checked = 0  # the first frame's start may have been checked as it came
            for frame in frames:
                opcode = frame[0]
                if simple and frame[2]:
                    if opcode == 1:
                        event = _new_event(TextMessage)
                        try:
                            _set_text(event, frame[1].decode("utf-8"))
                        except UnicodeDecodeError as exc:
                            raise _utf8_error(exc, 0) from None
                        events.append(event)
                        continue
                    if opcode == 2:
                        event = _new_event(BinaryMessage)
                        _set_binary(event, frame[1])
                        events.append(event)
                        continue
                self._receive_frame(frame)
                if self.close_received is not None:
                    break  # section 1.4: nothing after the peer's close frame is data
                simple = fast and self._msg_opcode is None and self._utf8 is None
            else:
                if reader._error is not None:
                    # Frames before the bad one were delivered above; now fail.
                    raise reader._error
                header = reader._header
                if header is not None and (header is not self._pending_header
                                           or self._pending_text):
                    # A frame is still arriving, and there is something to judge: a new
                    # header, or more text.
                    self._check_pending_frame()
                    if reader._pieces is not None and self.state is not _CLOSED:
                        self._streaming = header  # a long frame: the next reads are simple
                        self._streaming_text = self._pending_text
        except ProtocolError as exc:
            self._streaming = _NO_FRAME
            if len(events) > start:
                self.pending_error = exc  # answer what arrived first, then fail
            else:
                self.fail(exc)
        self._events = []
        return events

    def receive_eof(self) -> list[Event]:
        """The peer closed TCP (end of stream). Returns the events not yet handed out: a
        ``Closed`` event with 1006 unless the connection was already closed (or the failure
        that was waiting in :attr:`pending_error`)."""
        self._fail_pending()
        self._eof = True
        if self.state is not _CLOSED:
            self._finish(Closed(CloseCode.ABNORMAL, "connection lost without a close frame"))
        return self._take_events()

    def events(self) -> list[Event]:
        """Return the events not handed out yet, and forget them.

        :meth:`receive_data` already returns the events it produces, so this is only needed
        for the ones that come from elsewhere: the ``Closed`` event of a local :meth:`fail`,
        and the failure waiting in :attr:`pending_error` (this call fails the connection now,
        and returns its ``Closed`` event).
        """
        self._fail_pending()
        return self._take_events()

    def _take_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events

    def _fail_pending(self) -> None:
        if self.pending_error is not None:
            error, self.pending_error = self.pending_error, None
            self.fail(error)

    def _check_pending_frame(self) -> None:
        """Judge the frame whose payload is still arriving by what is already here: its header
        (is a continuation expected? would it take the message over the limit?) and, for text,
        the bytes so far (fail with 1007 as soon as they cannot start valid UTF-8, without
        waiting for the rest of the frame).

        The reader alone cannot do it: one ``feed()`` may hold the end of a fragment and the
        next header, and what is allowed depends on the frames before it in the same chunk.
        """
        header = self._reader._header  # parsed, waiting for its payload
        if header is None:
            return
        if header is not self._pending_header:  # judge a header once, however many reads
            self._pending_header = header
            self._pending_text = False
            opcode = header.opcode
            if opcode >= 0x8:
                return  # control frames are at most 125 bytes: judged when whole
            self._check_data_frame(opcode)
            limit = self.max_message_size
            if opcode == 0 and limit is not None and self._msg_size + header.length > limit:
                raise MessageTooBig(f"message of at least {self._msg_size + header.length} bytes "
                                    f"is over the limit of {limit} (close code 1009, RFC 6455 "
                                    "section 7.4.1)")
            self._pending_text = opcode == 1 or (opcode == 0 and self._msg_opcode == 1)
            if opcode == 1:
                self._utf8_open = False  # a new message: no character started yet
        if self._pending_text:
            reader = self._reader
            checked = self._utf8_checked
            # What the last feed() added is usually the reader's newest piece: take it as it is.
            last = reader._pieces[-1] if reader._pieces else None
            if type(last) is bytes and reader._have - len(last) == checked:
                new = last
            else:
                new = reader.pending_payload(checked)
            if new:
                if self._utf8_open or not new.isascii():  # (ASCII after whole characters: valid)
                    offset = (self._msg_size if header.opcode == 0 else 0) + checked
                    self._check_utf8(new, False, offset)
                self._utf8_checked = checked + len(new)

    def _frame_limit(self, used: int) -> int | None:
        """Largest frame payload the reader accepts: the message budget (``used`` = 0: the whole
        limit), but never less than a control frame may carry (they can come between fragments).
        """
        if self.max_message_size is None:
            return None
        return max(self.max_message_size - used, MAX_CONTROL_PAYLOAD)

    def _check_data_frame(self, opcode: int) -> None:
        """A data frame must start a message when none is in progress, and continue it when one
        is (section 5.4)."""
        if opcode == _CONT:
            if self._msg_opcode is None:
                raise ProtocolError("continuation frame with no message started "
                                    "(RFC 6455 section 5.4)")
        elif self._msg_opcode is not None:
            raise ProtocolError(f"new {Opcode(opcode).name} frame inside a fragmented message; "
                                "expected a continuation frame (RFC 6455 section 5.4)")

    def _receive_frame(self, frame: Frame) -> None:
        # RSV bits, reserved opcodes and control-frame rules were refused by the reader.
        opcode = frame.opcode
        if opcode >= 0x8:
            self._receive_control(frame)
            return
        self._check_data_frame(opcode)
        if opcode != _CONT:
            if frame.fin:  # the common case: a whole message in one frame
                self._receive_whole_message(opcode, frame.payload)
                return
            self._msg_opcode = opcode
            self._msg_size = 0
        self._receive_fragment(frame)

    def _receive_whole_message(self, opcode: int, payload: bytes) -> None:
        """An unfragmented message: nothing to collect, and the UTF-8 check is one
        ``bytes.decode`` (the same result and the same errors as the incremental decoder's)."""
        limit = self.max_message_size
        if limit is not None and len(payload) > limit:
            raise MessageTooBig(f"message of at least {len(payload)} bytes is over the limit of "
                                f"{limit} (close code 1009, RFC 6455 section 7.4.1)")
        if opcode == _TEXT:
            if self._utf8 is not None:  # its start was checked as it arrived: check it all again
                self._utf8 = None
                self._utf8_checked = 0
            try:
                self._events.append(_text_message(payload.decode("utf-8")))
            except UnicodeDecodeError as exc:
                raise _utf8_error(exc, 0) from None
        else:
            self._events.append(_binary_message(payload))

    def _receive_fragment(self, frame: Frame) -> None:
        payload = frame.payload
        before = self._msg_size
        self._msg_size = before + len(payload)
        limit = self.max_message_size
        if limit is not None and self._msg_size > limit:
            raise MessageTooBig(f"message of at least {self._msg_size} bytes is over the limit of "
                                f"{limit} (close code 1009, RFC 6455 section 7.4.1)")
        text = self._msg_opcode == _TEXT
        if text:
            if before == 0 and not self._utf8_checked:
                self._utf8_open = False  # a new message: no character started yet
            checked = self._utf8_checked  # the part of this frame checked while it arrived
            self._utf8_checked = 0
            self._check_utf8(payload[checked:] if checked else payload, frame.fin, before + checked)
        self._msg_buf += payload
        if frame.fin:
            data = bytes(self._msg_buf)
            self._msg_buf = bytearray()
            self._msg_opcode = None
            self._utf8 = None
            # The text was checked fragment by fragment; decoding it cannot fail now.
            self._events.append(TextMessage(data.decode("utf-8")) if text else BinaryMessage(data))

    def _check_utf8(self, data: bytes, final: bool, offset: int) -> None:
        """Feed the next bytes of a text message to its UTF-8 check; ``offset``: where ``data``
        starts in the message (for the error message)."""
        if not self._utf8_open and data.isascii():
            return  # ASCII after a complete character is valid: no need to decode it here
        checker = self._utf8
        if checker is None:  # made at the first byte outside ASCII: most text never needs it
            checker = self._utf8 = _utf8_checker()
        if data:  # the decoder may hold a character's start only if the data ends outside ASCII
            self._utf8_open = data[-1] >= 0x80
        try:
            checker.decode(data, final)
        except UnicodeDecodeError as exc:
            raise _utf8_error(exc, offset) from None
        if not final and self._utf8_open:
            # CPython's decoder waits for a third byte after ED A0-BF, though no character
            # starts that way (they would be surrogates, U+D800-DFFF; RFC 3629 section 4).
            held = checker.getstate()[0]
            if len(held) >= 2 and held[0] == 0xED and held[1] >= 0xA0:
                at = offset + len(data) - len(held) + 1
                raise InvalidPayload(f"text message is not valid UTF-8: invalid continuation "
                                     f"byte at byte {at} (close code 1007, RFC 6455 section 8.1)")

    def _receive_control(self, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode == _PING:
            self._events.append(Ping(frame.payload))
            if self.close_sent is None:
                self._send(Opcode.PONG, frame.payload)
        elif opcode == _PONG:
            self._events.append(Pong(frame.payload))
        else:  # CLOSE
            code, reason = decode_close(frame.payload)  # raises 1002 / 1007 for a bad payload
            self.close_received = (code, reason)
            if self.close_sent is None:
                # Echo the peer's code and reason (section 5.5.1: "typically echos the status
                # code it received"; a browser shows the reason in CloseEvent.reason). An empty
                # close is answered with an empty one.
                if code == CloseCode.NO_STATUS:
                    self._send(Opcode.CLOSE, b"")
                    self.close_sent = (code, "")
                else:
                    self._send(Opcode.CLOSE, encode_close(code, reason))
                    self.close_sent = (code, reason)
            self._finish(Closed(code, reason))

    def _finish(self, event: Closed) -> None:
        self.state = State.CLOSED
        self._streaming = _NO_FRAME
        self._msg_buf = bytearray()  # a message cut short by the end is dropped
        self._events.append(event)

    # ------------------------------------------------------------------ sending

    def send_text(self, text: str, *, fragment_size: int | None = None) -> None:
        """Queue a text message; ``fragment_size`` splits it into frames of that many bytes."""
        payload = text.encode("utf-8")
        if fragment_size is None and self._queue_server_frame(0x81, payload):
            return
        self._send_message(Opcode.TEXT, payload, fragment_size)

    def send_binary(self, data: bytes, *, fragment_size: int | None = None) -> None:
        """Queue a binary message; ``fragment_size`` splits it into frames of that many bytes."""
        payload = bytes(data)
        if fragment_size is None and self._queue_server_frame(0x82, payload):
            return
        self._send_message(Opcode.BINARY, payload, fragment_size)

    def _queue_server_frame(self, first: int, payload: bytes) -> bool:
        """The usual server message, one unmasked frame of under 64 KiB: queue it with its 2- or
        4-byte header written directly (the same bytes encode_frame gives; ``first`` is FIN and
        the opcode) and return True; anything else returns False (OPEN also means no close frame
        was sent)."""
        n = len(payload)
        if self.is_client or n >= 65536 or self.state is not _OPEN:
            return False
        head = _SHORT_HEADS[first][n] if n < 126 else bytes((first, 126, n >> 8, n & 0xFF))
        self._out.append(head + payload)
        return True

    def send_ping(self, payload: bytes = b"") -> None:
        self._send(Opcode.PING, bytes(payload))

    def send_pong(self, payload: bytes = b"") -> None:
        """An unsolicited pong: a one-way heartbeat (section 5.5.3)."""
        self._send(Opcode.PONG, bytes(payload))

    def send_frame(self, frame: Frame) -> None:
        """Queue one frame exactly as given (a client's frames get a mask if they have none).

        For lessons and tests that build fragments by hand. The frame is still checked against
        RFC 6455's rules for control frames; the state is not changed by it.
        """
        self._require_open()
        if self.is_client and frame.mask is None:
            frame = frame._replace(mask=self._mask_key())
        self._out.append(encode_frame(frame))

    def close(self, code: int = CloseCode.NORMAL, reason: str = "") -> None:
        """Start the closing handshake (section 7.1.2): send a close frame, go to CLOSING.

        Messages may still arrive until the peer's close frame does. Does nothing once a close
        frame was sent or the connection is closed.
        """
        if self.close_sent is not None or self.state == State.CLOSED:
            return
        payload = encode_close(code, reason)  # UsageError for a code or reason not allowed
        self._send(Opcode.CLOSE, payload)
        self.close_sent = (code, reason)
        if self.state == State.OPEN:
            self.state = State.CLOSING

    def fail(self, error: Exception | int, reason: str = "") -> None:
        """Fail the connection (section 7.1.7): send a close frame with the error's code, stop.

        ``error`` is a :class:`ProtocolError` (its ``close_code`` is sent, its message is the
        reason), a close code, or any other exception: that is our own failure, reported as 1011
        "internal error" (:func:`wslib.errors.close_code_for`; its text stays here, in the
        ``Closed`` event, and is not sent to the peer). A code that may not be sent (1005, 1006,
        1015, ...) raises :class:`UsageError`. The ``Closed`` event is handed out by the next
        :meth:`events` or :meth:`receive_data`.
        """
        if isinstance(error, int):
            if not close_code_allowed(error):
                raise UsageError(f"close code {error} may not be sent on the wire "
                                 "(RFC 6455 section 7.4)")
            error = ProtocolError(reason or f"failed with code {error}", close_code=error)
        elif not isinstance(error, Exception):
            raise UsageError(f"fail() takes an exception or a close code, not "
                             f"{type(error).__name__}")
        if self.state == State.CLOSED:
            return
        self.pending_error = None
        self.error = error
        code = close_code_for(error)
        if not isinstance(error, ProtocolError):
            reason = reason or "internal error"
        if self.close_sent is None:
            wire_reason = reason or str(error)
            raw = wire_reason.encode("utf-8")[:123].decode("utf-8", "ignore")
            self._send(Opcode.CLOSE, encode_close(code, raw))
            self.close_sent = (code, raw)
        self._finish(Closed(code, reason or str(error), error))

    def data_to_send(self) -> bytes:
        """Return and forget every byte queued for the network."""
        out = self._out
        if not out:
            return b""
        self._out = []
        return out[0] if len(out) == 1 else b"".join(out)

    @property
    def should_close_transport(self) -> bool:
        """True once TCP should be closed by us: at once for a server after the closing
        handshake or a failure; for a client only after a failure or the server's EOF (the
        server closes TCP first, section 7.1.1; a client waits a little, then closes anyway).
        """
        if self.state is not _CLOSED:
            return False
        return not self.is_client or self.error is not None or self._eof

    def _require_open(self) -> None:
        if self.state is not _OPEN:
            if self.close_received is not None:
                raise ConnectionClosed.make(*self.close_received, sent_code=self._sent_code())
            code = self.close_sent[0] if self.close_sent else CloseCode.ABNORMAL
            raise ConnectionClosed.make(code, "", sent_code=self._sent_code())

    def _sent_code(self) -> int | None:
        return self.close_sent[0] if self.close_sent else None

    def _send_message(self, opcode: Opcode, payload: bytes, fragment_size: int | None) -> None:
        self._require_open()
        if fragment_size is None or len(payload) <= fragment_size:
            self._send(opcode, payload)
            return
        if fragment_size <= 0:
            raise UsageError(f"fragment_size must be positive, got {fragment_size}")
        chunks = [payload[i:i + fragment_size] for i in range(0, len(payload), fragment_size)]
        for i, chunk in enumerate(chunks):
            self._send(opcode if i == 0 else Opcode.CONT, chunk, fin=i == len(chunks) - 1)

    def _send(self, opcode: int, payload: bytes, fin: bool = True) -> None:
        if self.close_sent is not None:
            # Section 5.5.1: after sending a close frame, an endpoint sends no more data.
            raise ConnectionClosed.make(self.close_sent[0], self.close_sent[1],
                                        sent_code=self.close_sent[0])
        if self.state is _CLOSED:
            raise ConnectionClosed.make(CloseCode.ABNORMAL)
        mask = self._mask_key() if self.is_client else None
        self._out.append(encode_frame(Frame(opcode, payload, fin, mask=mask)))


def _utf8_checker():
    """An incremental UTF-8 decoder used as a checker: its output is not kept (the text is
    decoded once, whole, at the end of the message)."""
    return codecs.getincrementaldecoder("utf-8")("strict")


def _utf8_error(exc: UnicodeDecodeError, offset: int) -> InvalidPayload:
    what = "ends in the middle of a character" if exc.reason == "unexpected end of data" \
        else exc.reason
    return InvalidPayload(f"text message is not valid UTF-8: {what} at byte {offset + exc.start} "
                          "(close code 1007, RFC 6455 section 8.1)")
