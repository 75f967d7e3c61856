"""wslib: WebSocket (RFC 6455) and Server-Sent Events, from first principles.

The core modules do no I/O (sans-I/O): they turn bytes into frames, events and errors, and back.
The asyncio layer on top connects them to real sockets.

    wslib.errors      every exception, one tree (start here when something fails)
    wslib.http        an incremental HTTP/1.1 head reader with limits
    wslib.handshake   the opening handshake: keys, request, response, checks
    wslib.frames      Frame, Opcode, CloseCode, encode/decode, close payloads
    wslib.masking     the XOR mask, three ways
    wslib.reader      FrameReader: feed bytes in any chunking, get whole frames
    wslib.connection  Connection: the WebSocket state machine for either role (sans-I/O)
    wslib.sse         Server-Sent Events: Event, encoder, incremental parser (sans-I/O)

    wslib.server      serve() and Router: pages, HTTP handlers, SSE streams and WebSockets
    wslib.client      connect(): a WebSocket client
    wslib.websocket   WebSocket: send / recv / ping / close on a live connection
    wslib.eventstream EventChannel (server side of SSE) and events() (a reconnecting client)
    wslib.aio_http    reading an HTTP response head off an asyncio stream (both clients)

    wslib.tcpstate    the kernel's TCP state of our own loopback sockets (lesson 07)
    wslib.timing      median_times(): timing small functions fairly (benchmarks/, lesson 04)

    wslib.apps        runnable demos (python -m wslib echo | sse | chat | client)
    wslib.widgets     ipywidgets for the lessons;  wslib.exercises  the lessons' self-checks
"""

from .errors import (
    ConcurrencyError,
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
from .connection import (
    BinaryMessage,
    Closed,
    Connection,
    Ping,
    Pong,
    State,
    TextMessage,
)
from .sse import Event, EventStreamParser, encode_event
from .websocket import WebSocket
from .server import Router, Server, StreamResponse, serve
from .client import connect
from .eventstream import EventChannel, events

__version__ = "0.1.0"
