"""wslib: WebSocket (RFC 6455) and Server-Sent Events, from first principles.

The core modules do no I/O (sans-I/O): they turn bytes into frames, events and errors, and back.
The asyncio layer on top connects them to real sockets.

    wslib.errors      every exception, one tree (start here when something fails)
    wslib.http        an incremental HTTP/1.1 head reader with limits
    wslib.handshake   the opening handshake: keys, request, response, checks
    wslib.frames      Frame, Opcode, CloseCode, encode/decode, close payloads
    wslib.masking     the XOR mask, three ways
    wslib.reader      FrameReader: feed bytes in any chunking, get whole frames
"""

from .errors import (
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    HandshakeError,
    HTTPHeadError,
    InvalidPayload,
    MessageTooBig,
    ProtocolError,
    SSEError,
    UsageError,
    WSError,
)
from .frames import (
    CloseCode,
    Frame,
    Opcode,
    close_code_allowed,
    decode_close,
    decode_frame,
    encode_close,
    encode_frame,
)
from .handshake import accept_key, generate_key
from .masking import mask
from .reader import FrameReader

__version__ = "0.1.0"
