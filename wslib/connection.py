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
frames between fragments, masking direction, reserved bits and opcodes, UTF-8 (checked
incrementally, frame by frame), close codes and reasons, and size limits. A violation *fails
the connection* (section 7.1.7): a close frame with the matching code is queued, the state
becomes CLOSED, and a :class:`Closed` event carries the error. Nothing is sent after a close
frame, and nothing received after the peer's close frame is looked at.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from enum import IntEnum
from typing import Callable, Literal, Union

from .errors import ConnectionClosed, InvalidPayload, MessageTooBig, ProtocolError, UsageError
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


@dataclass(frozen=True)
class TextMessage:
    """A whole text message (all its fragments joined), decoded from UTF-8."""

    data: str


@dataclass(frozen=True)
class BinaryMessage:
    """A whole binary message (all its fragments joined)."""

    data: bytes


@dataclass(frozen=True)
class Ping:
    """The peer sent a ping. The connection has already queued the pong (section 5.5.2)."""

    payload: bytes


@dataclass(frozen=True)
class Pong:
    """The peer sent a pong: the answer to one of our pings, or an unsolicited heartbeat."""

    payload: bytes


@dataclass(frozen=True)
class Closed:
    """The connection is closed: the last event there will be.

    ``code`` and ``reason`` are the peer's close frame (1005 when it carried no code, 1006 when
    TCP ended without a close frame), or, when *we* failed the connection because of ``error``,
    the code and reason we sent.
    """

    code: int
    reason: str = ""
    error: ProtocolError | None = None


Event = Union[TextMessage, BinaryMessage, Ping, Pong, Closed]


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
        # A server expects masked frames, a client unmasked ones (section 5.1). The reader checks
        # every frame against the whole message limit; what is left of it in the middle of a
        # fragmented message is checked here (_receive_fragment, _check_waiting_frame).
        self._reader = FrameReader(max_frame_size=self._frame_limit(0),
                                   expect_mask=not self.is_client)
        self.state = State.OPEN
        self._out: list[bytes] = []
        self._events: list[Event] = []
        # The message being assembled from fragments: its opcode, parts, size, UTF-8 decoder.
        self._msg_opcode: int | None = None
        self._msg_parts: list = []
        self._msg_size = 0
        self._decoder = None
        self.close_sent: tuple[int, str] | None = None  # (code, reason) of our close frame
        self.close_received: tuple[int, str] | None = None  # the peer's
        self.error: ProtocolError | None = None
        self._eof = False

    # ------------------------------------------------------------------ receiving

    def receive_data(self, data: bytes) -> list[Event]:
        """Process bytes from the network; ``b""`` means the peer closed TCP (end of stream).

        Returns the events they complete (also kept for :meth:`events`).
        """
        start = len(self._events)
        if data == b"":
            self._receive_eof()
        elif self.state != State.CLOSED:  # not after the peer's close, a failure, or EOF
            try:
                for frame in self._reader.feed(data):
                    self._receive_frame(frame)
                    if self.close_received is not None:
                        break  # section 1.4: nothing after the peer's close frame is data
                else:
                    if self._reader.error is not None:
                        # Frames before the bad one were delivered above; now fail.
                        raise self._reader.error
                    self._check_waiting_frame()
            except ProtocolError as exc:
                self.fail(exc)
        return self._events[start:]

    def events(self) -> list[Event]:
        """Return and forget every event received so far."""
        events, self._events = self._events, []
        return events

    def _check_waiting_frame(self) -> None:
        """Fail at once when the reader holds the header of a fragment that would take the
        message over the limit, instead of waiting for its payload.

        The reader alone cannot do it: one ``feed()`` may hold the end of a fragment and the
        next header, and the budget left depends on the frames before it in the same chunk.
        """
        header = self._reader.pending_header  # parsed, waiting for its payload
        limit = self.max_message_size
        if (header is not None and limit is not None and header.opcode == Opcode.CONT
                and self._msg_opcode is not None and self._msg_size + header.length > limit):
            raise MessageTooBig(f"message of at least {self._msg_size + header.length} bytes is "
                                f"over the limit of {limit} (close code 1009, RFC 6455 section 7.4.1)")

    def _frame_limit(self, used: int) -> int | None:
        """Largest frame payload the reader accepts: the message budget (``used`` = 0: the whole
        limit), but never less than a control frame may carry (they can come between fragments).
        """
        if self.max_message_size is None:
            return None
        return max(self.max_message_size - used, MAX_CONTROL_PAYLOAD)

    def _receive_frame(self, frame: Frame) -> None:
        if frame.rsv1 or frame.rsv2 or frame.rsv3:
            bits = ", ".join(f"RSV{i}" for i, on in enumerate((frame.rsv1, frame.rsv2, frame.rsv3), 1) if on)
            raise ProtocolError(f"{bits} set but no extension was negotiated (RFC 6455 section 5.2)")
        opcode = frame.opcode
        if opcode >= 0x8:
            self._receive_control(frame)
        elif opcode == Opcode.CONT:
            if self._msg_opcode is None:
                raise ProtocolError("continuation frame with no message started "
                                    "(RFC 6455 section 5.4)")
            self._receive_fragment(frame)
        else:
            if self._msg_opcode is not None:
                raise ProtocolError(f"new {Opcode(opcode).name} frame inside a fragmented message; "
                                    "expected a continuation frame (RFC 6455 section 5.4)")
            if frame.fin:  # the common case: a whole message in one frame
                self._receive_whole_message(opcode, frame.payload)
                return
            self._msg_opcode = opcode
            self._msg_size = 0
            self._msg_parts = []
            self._decoder = (codecs.getincrementaldecoder("utf-8")("strict")
                             if opcode == Opcode.TEXT else None)
            self._receive_fragment(frame)

    def _receive_whole_message(self, opcode: int, payload: bytes) -> None:
        """An unfragmented message: nothing to collect, and the UTF-8 check is one
        ``bytes.decode`` (the same result and the same errors as the incremental decoder's)."""
        limit = self.max_message_size
        if limit is not None and len(payload) > limit:
            raise MessageTooBig(f"message of at least {len(payload)} bytes is over the limit of "
                                f"{limit} (close code 1009, RFC 6455 section 7.4.1)")
        if opcode == Opcode.TEXT:
            try:
                self._events.append(TextMessage(payload.decode("utf-8")))
            except UnicodeDecodeError as exc:
                what = "ends in the middle of a character" if exc.reason == "unexpected end of data" \
                    else exc.reason
                raise InvalidPayload(f"text message is not valid UTF-8: {what} at byte {exc.start} "
                                     "(close code 1007, RFC 6455 section 8.1)") from None
        else:
            self._events.append(BinaryMessage(payload))

    def _receive_fragment(self, frame: Frame) -> None:
        payload = frame.payload
        self._msg_size += len(payload)
        limit = self.max_message_size
        if limit is not None and self._msg_size > limit:
            raise MessageTooBig(f"message of at least {self._msg_size} bytes is over the limit of "
                                f"{limit} (close code 1009, RFC 6455 section 7.4.1)")
        if self._decoder is not None:
            try:
                self._msg_parts.append(self._decoder.decode(payload, frame.fin))
            except UnicodeDecodeError as exc:
                at = self._msg_size - len(payload) + exc.start
                what = "ends in the middle of a character" if exc.reason == "unexpected end of data" \
                    else exc.reason
                raise InvalidPayload(f"text message is not valid UTF-8: {what} at byte {at} "
                                     "(close code 1007, RFC 6455 section 8.1)") from None
        else:
            self._msg_parts.append(payload)
        if frame.fin:
            if self._decoder is not None:
                self._events.append(TextMessage("".join(self._msg_parts)))
            else:
                self._events.append(BinaryMessage(b"".join(self._msg_parts)))
            self._msg_opcode = None
            self._msg_parts = []
            self._decoder = None

    def _receive_control(self, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode == Opcode.PING:
            self._events.append(Ping(frame.payload))
            if self.close_sent is None:
                self._send(Opcode.PONG, frame.payload)
        elif opcode == Opcode.PONG:
            self._events.append(Pong(frame.payload))
        else:  # CLOSE
            code, reason = decode_close(frame.payload)  # raises 1002 / 1007 for a bad payload
            self.close_received = (code, reason)
            if self.close_sent is None:
                # Echo the peer's code (section 5.5.1); an empty close is answered with an empty one.
                echo = None if code == CloseCode.NO_STATUS else code
                self._send(Opcode.CLOSE, encode_close(echo))
                self.close_sent = (code, "")
            self._finish(Closed(code, reason))

    def _receive_eof(self) -> None:
        self._eof = True
        if self.state != State.CLOSED:
            self._finish(Closed(CloseCode.ABNORMAL, "connection lost without a close frame"))

    def _finish(self, event: Closed) -> None:
        self.state = State.CLOSED
        self._events.append(event)

    # ------------------------------------------------------------------ sending

    def send_text(self, text: str, *, fragment_size: int | None = None) -> None:
        """Queue a text message; ``fragment_size`` splits it into frames of that many bytes."""
        self._send_message(Opcode.TEXT, text.encode("utf-8"), fragment_size)

    def send_binary(self, data: bytes, *, fragment_size: int | None = None) -> None:
        """Queue a binary message; ``fragment_size`` splits it into frames of that many bytes."""
        self._send_message(Opcode.BINARY, bytes(data), fragment_size)

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

        Messages may still arrive until the peer's close frame does.
        """
        if self.close_sent is not None:
            return
        payload = encode_close(code, reason)  # UsageError for a code or reason not allowed
        self._send(Opcode.CLOSE, payload)
        self.close_sent = (code, reason)
        if self.state == State.OPEN:
            self.state = State.CLOSING

    def fail(self, error: ProtocolError | int, reason: str = "") -> None:
        """Fail the connection (section 7.1.7): send a close frame with the error's code, stop.

        ``error`` is a :class:`ProtocolError` (its ``close_code`` is sent, its message is in the
        :class:`Closed` event) or a close code.
        """
        if isinstance(error, int):
            error = ProtocolError(reason or f"failed with code {error}", close_code=error)
        if self.state == State.CLOSED:
            return
        self.error = error
        code = error.close_code
        if self.close_sent is None:
            wire_reason = reason or str(error)
            raw = wire_reason.encode("utf-8")[:123].decode("utf-8", "ignore")
            self._send(Opcode.CLOSE, encode_close(code if close_code_allowed(code) else 1011, raw))
            self.close_sent = (code, raw)
        self._finish(Closed(code, str(error), error))

    def data_to_send(self) -> bytes:
        """Return and forget every byte queued for the network."""
        out = b"".join(self._out)
        self._out = []
        return out

    @property
    def should_close_transport(self) -> bool:
        """True once TCP should be closed by us: at once for a server after the closing
        handshake or a failure; for a client only after a failure or the server's EOF (the
        server closes TCP first, section 7.1.1; a client waits a little, then closes anyway).
        """
        if self.state != State.CLOSED:
            return False
        return not self.is_client or self.error is not None or self._eof

    def _require_open(self) -> None:
        if self.state != State.OPEN:
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
        if self.state == State.CLOSED:
            raise ConnectionClosed.make(CloseCode.ABNORMAL)
        mask = self._mask_key() if self.is_client else None
        self._out.append(encode_frame(Frame(opcode, payload, fin, mask=mask)))
