"""An incremental frame reader: TCP gives a byte stream, not messages.

One ``recv()`` can return half a frame (splitting, 分包), or three frames and the start of a
fourth (sticky packets, 粘包). :class:`FrameReader` keeps the bytes it has not used yet, and
``feed()`` returns every frame that is complete so far. Whatever the split of the stream, the
frames that come out are the same: the tests check it at every split point.

The reader is an offset-based parser over one buffer: it reads a header in place and slices
out every frame that is whole. A frame that is not whole yet leaves the buffer: its header is
kept, and its payload is unmasked piece by piece as it arrives, then joined once at the end. Everything that can be judged from a header is
judged as soon as the header arrives, before any of the payload is buffered: a frame larger than
``max_frame_size``, the wrong masking direction, RSV bits when ``allow_rsv`` is false, reserved
opcodes and control-frame rules. While a frame's payload is still arriving,
:meth:`FrameReader.pending_payload` shows the part that is here (the connection checks the
UTF-8 of a long text frame that way, as it arrives).

Most frames are plain (a 7- or 16-bit length, no RSV bits, a defined opcode): ``feed()`` reads
those on a fast path, a few integer operations with no checks to make, because such a header
cannot break a rule. Every other frame, and every error, goes through
:func:`wslib.frames.parse_header`, where the rules and their messages live. Where the optional
C extension was built, the fast path runs in C first (``wslib._speedups.scan_frames``): it takes
the same frames, every whole one in a row in one call, and leaves anything else to the Python
code, so the rules still live in one place. The benchmarks (``python -m benchmarks``) show what
each is worth.
"""

from __future__ import annotations

from .errors import MessageTooBig, ProtocolError, UsageError
from .frames import _OPCODES, Frame, Header, Opcode, parse_header
from .masking import mask as apply_mask

try:  # the fast path in C (wslib/_speedups.c), when the optional extension was built
    from ._speedups import configure_frames as _configure_frames
    from ._speedups import scan_frames as _scan_frames
except ImportError:  # pragma: no cover - exercised only where the extension was not built
    _scan_frames = None
else:
    _configure_frames(Frame, _OPCODES)

__all__ = ["FrameReader"]

# The fast path (see FrameReader.feed) takes a frame whose first byte is one of these: RSV bits
# clear, a defined opcode, FIN set or (data frames only) clear. Value: (opcode, fin).
_FAST_FIRST_BYTE = {
    (0x80 if fin else 0) | op: (op, fin)
    for op in Opcode
    for fin in (True, False)
    if fin or not op.is_control
}
# A frame longer than this that is not whole yet leaves the buffer and is kept in pieces.
LONG_FRAME = 16384

_new_frame = _new_header = tuple.__new__  # Frame(...), Header(...) without their generated
# __new__: the same tuples, ~30% faster


class FrameReader:
    """Feed bytes in any chunking, get complete :class:`~wslib.frames.Frame` objects.

    ``max_frame_size``: largest payload accepted, in bytes (``None`` for no limit); a larger
    frame raises :class:`MessageTooBig` (close code 1009) from its header alone.
    ``expect_mask``: ``True`` on a server (client frames must be masked), ``False`` on a client
    (server frames must not be), ``None`` to accept both (section 5.1; a violation is 1002).
    ``allow_rsv``: ``False`` rejects a frame with RSV1, RSV2 or RSV3 set from its header (1002:
    no extension was negotiated, section 5.2); the default ``True`` returns the bits in the
    frame, for lessons and tools that look at any frame.

    A bad frame raises :class:`ProtocolError` from ``feed()``. If the same ``feed()`` completed
    good frames before the bad one, those are returned first and the error waits in
    :attr:`error` (a message that arrived whole is not lost because garbage followed it in the
    same TCP read). After an error the reader is unusable: every later ``feed()`` raises it,
    since a byte stream cannot be resynchronized after a bad frame.
    """

    def __init__(self, max_frame_size: int | None = None, expect_mask: bool | None = None,
                 allow_rsv: bool = True) -> None:
        if max_frame_size is not None and max_frame_size < 0:
            raise UsageError(f"max_frame_size must be >= 0 or None, got {max_frame_size}")
        self._max_frame_size = max_frame_size
        self._expect_mask = expect_mask
        self._set_fast_path()
        self.allow_rsv = allow_rsv
        self._buf = bytearray()  # bytes not looked at yet (empty while a frame is pending)
        self._error: ProtocolError | None = None
        # The frame whose payload is still arriving: its header, and for a long one the payload
        # so far, already unmasked, as the pieces it arrived in (see _add_payload). A short one
        # waits in _buf instead (_pieces is None).
        self._header: Header | None = None
        self._pieces: list | None = None
        self._have = 0  # payload bytes in _pieces
        self._keys: tuple[bytes, ...] = ()  # the masking key turned by 0, 1, 2, 3 bytes

    @property
    def max_frame_size(self) -> int | None:
        return self._max_frame_size

    @max_frame_size.setter
    def max_frame_size(self, value: int | None) -> None:
        self._max_frame_size = value
        self._set_fast_path()

    @property
    def expect_mask(self) -> bool | None:
        return self._expect_mask

    @expect_mask.setter
    def expect_mask(self, value: bool | None) -> None:
        self._expect_mask = value
        self._set_fast_path()

    def _set_fast_path(self) -> None:
        """What feed()'s fast path accepts, worked out once: the MASK bit values expected, and
        the largest length (at most 65535, the 16-bit form's; longer frames take the general
        path)."""
        expect = self._expect_mask
        self._mask_ok = (0x80,) if expect else (0,) if expect is False else (0, 0x80)
        self._mask_mode = 1 if expect else 0 if expect is False else 2  # the same, for C
        limit = self._max_frame_size
        self._fast_limit = 65535 if limit is None else min(limit, 65535)

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned as frames."""
        header = self._header
        if header is None or self._pieces is None:
            return len(self._buf)
        return len(self._buf) + header.size + self._have

    @property
    def error(self) -> ProtocolError | None:
        """The error that stopped this reader, or ``None`` while the stream is fine."""
        return self._error

    @property
    def pending_header(self) -> Header | None:
        """The header of the frame whose payload is still arriving, or ``None``."""
        return self._header

    def pending_payload(self, start: int = 0) -> bytes:
        """The payload bytes of the pending frame (see :attr:`pending_header`) that have arrived,
        unmasked, from offset ``start`` on; ``b""`` when no frame is pending."""
        header = self._header
        if header is None:
            return b""
        if self._pieces is None:  # a short frame, waiting in the buffer (its header starts it)
            data = self._buf[header.size + start:header.size + header.length]
            if header.mask is None:
                return bytes(data)
            turn = start % 4  # the key goes on from where the byte at `start` is in its cycle
            key = header.mask
            return apply_mask(data, key[turn:] + key[:turn] if turn else key)
        if start >= self._have:
            return b""
        # A long frame, in pieces. Walk back from the newest: a caller that asks for what the
        # last feed() added (the connection's UTF-8 check does) touches only those bytes.
        parts = []
        pos = self._have
        for piece in reversed(self._pieces):
            pos -= len(piece)
            if pos <= start:
                parts.append(piece[start - pos:] if start > pos else piece)
                break
            parts.append(piece)
        if len(parts) == 1 and type(parts[0]) is bytes:
            return parts[0]
        parts.reverse()
        return b"".join(parts)

    def _pending(self, header: Header, src, pos: int, size: int) -> int:
        """The frame at ``src[pos]`` is not all here: keep its header. A short one stays in the
        buffer until it is whole (copying it again as it grows costs little); a long one leaves
        it, and its payload is kept in pieces (_add_payload). Returns where the bytes still to
        be looked at start."""
        self._header = header
        if header.length <= LONG_FRAME:
            return pos
        self._pieces = []
        self._have = 0
        key = header.mask
        # The key turned by 0-3 bytes, to go on with the cycle where a piece starts; empty for
        # an unmasked frame.
        self._keys = () if key is None else (key, key[1:] + key[:1], key[2:] + key[:2],
                                             key[3:] + key[:3])
        if size > pos + header.size:
            self._add_payload(src[pos + header.size:size])
        return size

    def _add_payload(self, data) -> None:
        """Unmask the next part of the pending payload (the key goes on where the last part
        stopped) and keep it. Each byte is unmasked once, as it arrives, and the frame's payload
        is one join of the pieces at the end: no buffer that grows and is copied as it grows.
        Small pieces are collected in one bytearray, so that a peer sending a frame a byte at a
        time costs memory in proportion to the bytes, not to the number of pieces."""
        if self._keys:
            piece = apply_mask(data, self._keys[self._have & 3])
        else:
            piece = bytes(data)
        self._have += len(piece)
        pieces = self._pieces
        if len(piece) >= 1024:
            pieces.append(piece)
        elif pieces and type(pieces[-1]) is bytearray:
            pieces[-1] += piece
        else:
            pieces.append(bytearray(piece))

    def _finish_pending(self) -> Frame:
        header = self._header
        pieces = self._pieces
        if len(pieces) == 1 and type(pieces[0]) is bytes:
            payload = pieces[0]
        else:
            payload = b"".join(pieces)
        self._header = None
        self._pieces = None
        self._have = 0
        return Frame(_OPCODES[header.opcode], payload, header.fin, header.rsv1, header.rsv2,
                     header.rsv3, header.mask)

    def feed(self, data: bytes) -> list[Frame]:
        """Add ``data`` to the stream and return every frame completed by it (maybe none)."""
        if self._error is not None:
            raise self._error
        frames: list[Frame] = []
        pos = 0  # where the bytes still to be looked at start in src (below)
        scan = _scan_frames
        header = self._header
        if header is None:
            if scan is not None and not self._buf and type(data) is bytes:
                # The usual read, with the C extension: nothing waiting, so the new bytes start
                # with a frame. Every whole plain frame in one call; most reads end there.
                pos = scan(data, 0, frames, self._mask_mode, self._fast_limit)
                if pos == len(data):
                    return frames
        elif self._pieces is not None:
            # A long frame is arriving: the new bytes are its payload first.
            have = self._have
            n = len(data)
            need = header.length - have
            if n < need:
                keys = self._keys
                if n >= 1024 and keys:  # the usual case, inline: unmask, keep
                    self._pieces.append(apply_mask(data, keys[have & 3]))
                    self._have = have + n
                else:
                    self._add_payload(data)
                return []
            if n == need:
                self._add_payload(data)
                return [self._finish_pending()]
            view = memoryview(data)
            self._add_payload(view[:need])
            frames.append(self._finish_pending())
            data = view[need:]
            header = None
        buf = self._buf
        if buf or type(data) is not bytes:
            buf += data
            src = buf
        else:
            src = data  # nothing waiting: parse the new bytes where they are, without a copy
        size = len(src)
        if header is not None:  # a short frame waits in the buffer; its header starts it
            end = header.size + header.length
            if size < end:
                return frames
            key = header.mask
            payload = buf[header.size:end]
            payload = bytes(payload) if key is None else apply_mask(payload, key)
            frames.append(_new_frame(Frame, (_OPCODES[header.opcode], payload, header.fin,
                                             header.rsv1, header.rsv2, header.rsv3, key)))
            self._header = None
            pos = end
        # The fast path below takes a frame with a 7- or 16-bit length, a first byte from
        # _FAST_FIRST_BYTE, the MASK bit we expect, and a length within max_frame_size. Anything
        # else (64-bit length, RSV bits, a reserved opcode, an error of any kind) takes the
        # general path: parse_header. Both paths give the same frames; the tests feed both.
        #
        # With the C extension, scan_frames() takes every whole frame of the fast path first, in
        # one call, and stops where Python's attention is needed: a frame that is not all here
        # (the fast path below keeps its header) or that the general path must judge. It takes
        # exactly what the fast path below takes; the tests run the reader with and without it.
        fast_first = _FAST_FIRST_BYTE
        mask_ok = self._mask_ok
        limit = self._fast_limit
        try:
            while True:
                if scan is not None:
                    pos = scan(src, pos, frames, self._mask_mode, limit)
                if size - pos < 2:
                    break
                fast = fast_first.get(src[pos])
                second = src[pos + 1]
                length = second & 0x7F
                masked = second & 0x80
                if fast is not None and masked in mask_ok and length != 127:
                    start = pos + (6 if masked else 2)
                    if length == 126:  # 16-bit length: minimal (>= 126), data frames only
                        if size - pos < 4:
                            break
                        length = (src[pos + 2] << 8) | src[pos + 3]
                        start += 2
                        fast = fast if length >= 126 and fast[0] < 8 else None
                    if fast is not None and length <= limit:
                        if start > size:
                            break  # the masking key is incomplete
                        end = start + length
                        opcode, fin = fast
                        key = bytes(src[start - 4:start]) if masked else None
                        if end > size:  # not all here yet: keep the header (see _pending)
                            pos = self._pending(_new_header(Header, (
                                fin, False, False, False, opcode, key, length, start - pos)),
                                src, pos, size)
                            break
                        payload = apply_mask(src[start:end], key) if masked \
                            else bytes(src[start:end])
                        frames.append(_new_frame(Frame, (opcode, payload, fin, False, False,
                                                         False, key)))
                        pos = end
                        continue
                # The general path: any frame, and every error.
                header = parse_header(src, pos)
                if header is None:
                    break
                self._check(header)
                start = pos + header.size
                end = start + header.length
                if size < end:
                    pos = self._pending(header, src, pos, size)
                    break
                key = header.mask
                payload = bytes(src[start:end]) if key is None else apply_mask(src[start:end], key)
                frames.append(Frame(_OPCODES[header.opcode], payload, header.fin, header.rsv1,
                                    header.rsv2, header.rsv3, key))
                pos = end
        except ProtocolError as exc:
            self._error = exc
            if not frames:
                raise
            # Good frames came before the bad one: hand them over; the error waits in .error.
        finally:
            if src is buf:
                if pos:
                    del buf[:pos]
            elif pos < size:
                buf += memoryview(src)[pos:]  # the start of a frame: wait for the rest
        return frames

    def _check(self, header: Header) -> None:
        if self.expect_mask is True and header.mask is None:
            raise ProtocolError("unmasked frame from a client; clients must mask every frame "
                                "(RFC 6455 section 5.1)")
        if self.expect_mask is False and header.mask is not None:
            raise ProtocolError("masked frame from a server; servers must not mask "
                                "(RFC 6455 section 5.1)")
        if not self.allow_rsv and (header.rsv1 or header.rsv2 or header.rsv3):
            bits = ", ".join(f"RSV{i}" for i, on in enumerate(header[1:4], 1) if on)
            raise ProtocolError(f"{bits} set but no extension was negotiated "
                                "(RFC 6455 section 5.2)")
        if self.max_frame_size is not None and header.length > self.max_frame_size:
            raise MessageTooBig(f"frame payload of {header.length} bytes is over the limit of "
                                f"{self.max_frame_size} (close code 1009, RFC 6455 section 7.4.1)")
