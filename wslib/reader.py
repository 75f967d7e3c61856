"""An incremental frame reader: TCP gives a byte stream, not messages.

One ``recv()`` can return half a frame (splitting, 分包), or three frames and the start of a
fourth (sticky packets, 粘包). :class:`FrameReader` keeps the bytes it has not used yet, and
``feed()`` returns every frame that is complete so far. Whatever the split of the stream, the
frames that come out are the same: the tests check it at every split point.

The reader is an offset-based parser over one buffer: it reads a header in place, waits until
the whole payload is there, then slices it out. It never looks at a byte twice, and it rejects a
frame larger than ``max_frame_size`` as soon as its header arrives, before buffering the payload.
"""

from __future__ import annotations

from .errors import MessageTooBig, ProtocolError, UsageError
from .frames import _OPCODES, Frame, Header, parse_header
from .masking import mask as apply_mask

__all__ = ["FrameReader"]


class FrameReader:
    """Feed bytes in any chunking, get complete :class:`~wslib.frames.Frame` objects.

    ``max_frame_size``: largest payload accepted, in bytes (``None`` for no limit); a larger
    frame raises :class:`MessageTooBig` (close code 1009) from its header alone.
    ``expect_mask``: ``True`` on a server (client frames must be masked), ``False`` on a client
    (server frames must not be), ``None`` to accept both (section 5.1; a violation is 1002).

    After an error the reader is unusable: every later ``feed()`` raises the same error, since a
    byte stream cannot be resynchronized after a bad frame.
    """

    def __init__(self, max_frame_size: int | None = None, expect_mask: bool | None = None) -> None:
        if max_frame_size is not None and max_frame_size < 0:
            raise UsageError(f"max_frame_size must be >= 0 or None, got {max_frame_size}")
        self.max_frame_size = max_frame_size
        self.expect_mask = expect_mask
        self._buf = bytearray()
        self._header: Header | None = None  # parsed header of the frame we are waiting for
        self._error: ProtocolError | None = None

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned as frames."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Frame]:
        """Add ``data`` to the stream and return every frame completed by it (maybe none)."""
        if self._error is not None:
            raise self._error
        buf = self._buf
        buf += data
        frames: list[Frame] = []
        pos = 0
        try:
            while True:
                header = self._header
                if header is None:
                    header = parse_header(buf, pos)
                    if header is None:
                        break
                    self._check(header)
                    self._header = header
                start = pos + header.size
                end = start + header.length
                if len(buf) < end:
                    break
                payload = bytes(buf[start:end])
                if header.mask is not None:
                    payload = apply_mask(payload, header.mask)
                frames.append(Frame(_OPCODES[header.opcode], payload, header.fin, header.rsv1,
                                    header.rsv2, header.rsv3, header.mask))
                self._header = None
                pos = end
        except ProtocolError as exc:
            self._error = exc
            raise
        finally:
            if pos:
                del buf[:pos]
        return frames

    def _check(self, header: Header) -> None:
        if self.expect_mask is True and header.mask is None:
            raise ProtocolError("unmasked frame from a client; clients must mask every frame "
                                "(RFC 6455 section 5.1)")
        if self.expect_mask is False and header.mask is not None:
            raise ProtocolError("masked frame from a server; servers must not mask "
                                "(RFC 6455 section 5.1)")
        if self.max_frame_size is not None and header.length > self.max_frame_size:
            raise MessageTooBig(f"frame payload of {header.length} bytes is over the limit of "
                                f"{self.max_frame_size} (close code 1009, RFC 6455 section 7.4.1)")
