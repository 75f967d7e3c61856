"""Frames (帧), RFC 6455 section 5: the unit a WebSocket sends on the wire.

::

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-------+-+-------------+-------------------------------+
    |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
    |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
    |N|V|V|V|       |S|             |   (if payload len==126/127)   |
    | |1|2|3|       |K|             |                               |
    +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
    |     Extended payload length continued, if payload len == 127  |
    + - - - - - - - - - - - - - - - +-------------------------------+
    |                               |Masking-key, if MASK set to 1  |
    +-------------------------------+-------------------------------+
    | Masking-key (continued)       |          Payload Data         |
    +-------------------------------- - - - - - - - - - - - - - - - +

A :class:`Frame` holds the fields; :func:`encode_frame` turns it into bytes and
:func:`decode_frame` reads one back. The incremental reader for a byte stream is in
:mod:`wslib.reader`; both share :func:`parse_header`, so the rules live in one place.
"""

from __future__ import annotations

import struct
from enum import IntEnum
from typing import NamedTuple

from .errors import InvalidPayload, ProtocolError, UsageError
from .masking import mask as apply_mask

__all__ = [
    "Opcode",
    "CloseCode",
    "Frame",
    "Header",
    "encode_frame",
    "decode_frame",
    "parse_header",
    "encode_close",
    "decode_close",
    "close_code_allowed",
    "MAX_CONTROL_PAYLOAD",
    "MAX_CLOSE_REASON",
]

MAX_CONTROL_PAYLOAD = 125  # section 5.5: control frames carry at most 125 bytes
MAX_CLOSE_REASON = 123  # 125 minus the 2-byte status code


class Opcode(IntEnum):
    """The 4-bit opcode (section 5.2). 3-7 and 11-15 are reserved and rejected."""

    CONT = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA

    @property
    def is_control(self) -> bool:
        """Close, ping and pong are control frames: the opcode's high bit is set (section 5.5)."""
        return self >= 0x8


_OPCODES = {int(op): op for op in Opcode}


class CloseCode(IntEnum):
    """Close status codes (section 7.4.1, and the IANA registry for 1012-1014)."""

    NORMAL = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    NO_STATUS = 1005  # never on the wire: "the close frame had no code"
    ABNORMAL = 1006  # never on the wire: "the connection dropped without a close frame"
    INVALID_PAYLOAD = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXTENSION = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014
    TLS_HANDSHAKE = 1015  # never on the wire


# Codes an endpoint may put in a close frame (section 7.4): the registered ones below 3000 except
# 1004 (reserved) and 1005 / 1006 / 1015 (reserved for reporting, never sent), and 3000-4999 for
# libraries, frameworks and applications.
_WIRE_CODES = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014})


def close_code_allowed(code: int) -> bool:
    """True if ``code`` may appear in a close frame on the wire (RFC 6455 section 7.4)."""
    return code in _WIRE_CODES or 3000 <= code <= 4999


class Frame(NamedTuple):
    """One frame: its header bits, its (unmasked) payload, and the masking key if it has one."""

    opcode: int
    payload: bytes = b""
    fin: bool = True
    rsv1: bool = False
    rsv2: bool = False
    rsv3: bool = False
    mask: bytes | None = None  # the 4-byte masking key on the wire, or None for an unmasked frame

    def __repr__(self) -> str:
        op = _OPCODES.get(self.opcode)
        name = op.name if op is not None else f"reserved 0x{self.opcode:X}"
        bits = "".join(
            flag for flag, on in (("FIN", self.fin), (" RSV1", self.rsv1), (" RSV2", self.rsv2),
                                  (" RSV3", self.rsv3)) if on
        ).strip()
        payload = self.payload if len(self.payload) <= 32 else self.payload[:32] + b"..."
        mask = f", mask={self.mask.hex()}" if self.mask is not None else ""
        return f"Frame({name}, {bits or 'no FIN'}, {len(self.payload)} bytes {payload!r}{mask})"


class Header(NamedTuple):
    """A parsed frame header: everything before the payload."""

    fin: bool
    rsv1: bool
    rsv2: bool
    rsv3: bool
    opcode: int
    mask: bytes | None
    length: int  # payload length in bytes
    size: int  # header length in bytes: 2 to 14


def _frame_rule_broken(opcode: int, payload_len: int, fin: bool) -> str | None:
    """The rules every frame must follow, whichever side of the wire we are on: what is wrong,
    or ``None``. A frame read from the peer that breaks one is the peer's :class:`ProtocolError`;
    one we are asked to send is the caller's mistake, a :class:`UsageError`."""
    if opcode not in _OPCODES:
        return f"opcode 0x{opcode:X} is reserved (RFC 6455 section 5.2)"
    if opcode >= 0x8:
        name = _OPCODES[opcode].name
        if not fin:
            return (f"{name} frame is fragmented (FIN=0); control frames must not be "
                    "fragmented (RFC 6455 section 5.5)")
        if payload_len > MAX_CONTROL_PAYLOAD:
            return (f"{name} frame payload is {payload_len} bytes; control frames "
                    f"carry at most {MAX_CONTROL_PAYLOAD} (RFC 6455 section 5.5)")
    return None


def encode_frame(frame: Frame, *, check: bool = True) -> bytes:
    """Serialize ``frame``; masked with ``frame.mask`` when it has one.

    A frame that breaks a rule (reserved opcode, control frame over 125 bytes or fragmented)
    raises :class:`UsageError`: it is the caller's mistake, not a peer's, so no close code goes
    with it. ``check=False`` skips those rules so that tests and lessons can build deliberately
    broken frames to see how a peer reacts.
    """
    opcode, payload, fin = frame.opcode, frame.payload, frame.fin
    if check:
        broken = _frame_rule_broken(opcode, len(payload), fin)
        if broken is not None:
            raise UsageError(broken)
    if not 0 <= opcode <= 0xF:
        raise UsageError(f"an opcode is 4 bits (0-15), got {opcode}")
    first = (0x80 if fin else 0) | (0x40 if frame.rsv1 else 0) | (0x20 if frame.rsv2 else 0)
    first |= (0x10 if frame.rsv3 else 0) | opcode
    mask_bit = 0x80 if frame.mask is not None else 0
    n = len(payload)
    if n < 126:  # section 5.2: 7-bit length
        head = bytes((first, mask_bit | n))
    elif n < 65536:  # 126, then a 16-bit length
        head = struct.pack("!BBH", first, mask_bit | 126, n)
    else:  # 127, then a 64-bit length whose most significant bit is 0
        head = struct.pack("!BBQ", first, mask_bit | 127, n)
    if frame.mask is None:
        return head + bytes(payload)
    if len(frame.mask) != 4:
        raise UsageError(f"a masking key is exactly 4 bytes (RFC 6455 section 5.3), got {len(frame.mask)}")
    return head + frame.mask + apply_mask(payload, frame.mask)


def parse_header(buf: bytes | bytearray | memoryview, pos: int = 0) -> Header | None:
    """Parse the frame header that starts at ``buf[pos]``.

    Returns ``None`` if the header is not complete yet (more bytes needed). Raises
    :class:`ProtocolError` for a header that breaks section 5.2: reserved opcode, fragmented or
    oversized control frame, non-minimal length encoding, 64-bit length with the top bit set.
    """
    avail = len(buf) - pos
    if avail < 2:
        return None
    b0 = buf[pos]
    b1 = buf[pos + 1]
    fin = b0 & 0x80 != 0
    opcode = b0 & 0x0F
    length = b1 & 0x7F
    size = 2
    if length == 126:
        if avail < 4:
            return None
        length = (buf[pos + 2] << 8) | buf[pos + 3]
        size = 4
        if length < 126:
            raise ProtocolError(f"payload length {length} sent in the 16-bit form; lengths under "
                                "126 must use the 7-bit form (RFC 6455 section 5.2, minimal encoding)")
    elif length == 127:
        if avail < 10:
            return None
        (length,) = struct.unpack_from("!Q", buf, pos + 2)
        size = 10
        if length >> 63:
            raise ProtocolError("the most significant bit of a 64-bit payload length must be 0 "
                                "(RFC 6455 section 5.2)")
        if length < 65536:
            raise ProtocolError(f"payload length {length} sent in the 64-bit form; lengths under "
                                "65536 must use a shorter form (RFC 6455 section 5.2, minimal encoding)")
    broken = _frame_rule_broken(opcode, length, fin)
    if broken is not None:
        raise ProtocolError(broken)
    mask = None
    if b1 & 0x80:
        if avail < size + 4:
            return None
        mask = bytes(buf[pos + size:pos + size + 4])
        size += 4
    return Header(fin, b0 & 0x40 != 0, b0 & 0x20 != 0, b0 & 0x10 != 0, opcode, mask, length, size)


def decode_frame(data: bytes) -> tuple[Frame, int]:
    """Decode the first frame in ``data``; return it and the number of bytes it used.

    The payload comes back unmasked. Raises :class:`ProtocolError` if ``data`` breaks a rule or
    does not hold a whole frame (use :class:`wslib.reader.FrameReader` for a byte stream).
    """
    header = parse_header(data)
    if header is None:
        raise ProtocolError(f"incomplete frame header: {len(data)} bytes is not enough "
                            "(RFC 6455 section 5.2)")
    end = header.size + header.length
    if len(data) < end:
        raise ProtocolError(f"incomplete frame: the header announces {header.length} payload "
                            f"bytes but only {len(data) - header.size} follow")
    payload = bytes(data[header.size:end])
    if header.mask is not None:
        payload = apply_mask(payload, header.mask)
    op = _OPCODES[header.opcode]
    return Frame(op, payload, header.fin, header.rsv1, header.rsv2, header.rsv3, header.mask), end


def encode_close(code: int | None = CloseCode.NORMAL, reason: str = "") -> bytes:
    """Build a close frame's payload: a 2-byte status code then a UTF-8 reason (section 5.5.1).

    ``code=None`` gives the empty payload (allowed; the peer then reports 1005).
    """
    if code is None:
        if reason:
            raise UsageError("a close reason needs a status code before it (RFC 6455 section 5.5.1)")
        return b""
    if not close_code_allowed(code):
        raise UsageError(f"close code {code} may not be sent on the wire (RFC 6455 section 7.4)")
    raw = reason.encode("utf-8")
    if len(raw) > MAX_CLOSE_REASON:
        raise UsageError(f"close reason is {len(raw)} bytes in UTF-8; the limit is "
                         f"{MAX_CLOSE_REASON} (125-byte control payload minus the 2-byte code)")
    return struct.pack("!H", code) + raw


def decode_close(payload: bytes) -> tuple[int, str]:
    """Read a close frame's payload: return ``(code, reason)``.

    An empty payload means "no status" and gives ``(1005, "")``. A 1-byte payload, or a code that
    is not allowed on the wire, raises :class:`ProtocolError` (1002); a reason that is not UTF-8
    raises :class:`InvalidPayload` (1007).
    """
    if len(payload) == 0:
        return CloseCode.NO_STATUS, ""
    if len(payload) == 1:
        raise ProtocolError("close payload of 1 byte: a status code takes 2 (RFC 6455 section 5.5.1)")
    code = (payload[0] << 8) | payload[1]
    if not close_code_allowed(code):
        raise ProtocolError(f"close code {code} is not allowed on the wire (RFC 6455 section 7.4)")
    try:
        reason = bytes(payload[2:]).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidPayload(f"close reason is not valid UTF-8 at byte {exc.start + 2} of the "
                             "payload (RFC 6455 section 5.5.1)") from None
    return code, reason
