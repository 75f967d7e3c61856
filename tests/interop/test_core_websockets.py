"""wslib's core against the reference implementation, websockets: same keys, same bytes, and each
side accepts what the other produces (frames and both halves of the opening handshake)."""

from __future__ import annotations

import base64
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets import frames as ws_frames
from websockets.client import ClientProtocol
from websockets.exceptions import ProtocolError as WsProtocolError
from websockets.http11 import Request as WsRequest
from websockets.http11 import Response as WsResponse
from websockets.protocol import OPEN
from websockets.server import ServerProtocol
from websockets.streams import StreamReader
from websockets.uri import parse_uri
from websockets.utils import accept_key as ws_accept_key

import wslib
from wslib import handshake
from wslib.frames import Frame, Opcode, decode_frame, encode_frame
from wslib.http import parse_request, parse_response
from wslib.reader import FrameReader

pytestmark = pytest.mark.interop

KEY = bytes.fromhex("37fa213d")


# --- Helpers that drive websockets' sans-I/O pieces --------------------------------------------


def ws_parse(data: bytes, *, mask: bool) -> tuple[ws_frames.Frame, int]:
    """Run websockets' generator parser ``Frame.parse`` over ``data``: return the frame and the
    number of bytes it consumed. Fails if ``data`` does not hold a whole frame."""
    reader = StreamReader()
    reader.feed_data(data)
    parser = ws_frames.Frame.parse(reader.read_exact, mask=mask, max_size=None, extensions=[])
    try:
        next(parser)
    except StopIteration as done:
        return done.value, len(data) - len(reader.buffer)
    raise AssertionError("websockets wants more bytes: the frame is incomplete")


def ws_serialize(frame: ws_frames.Frame, mask: bytes | None, monkeypatch) -> bytes:
    """websockets' bytes for ``frame``, masked with exactly ``mask`` (its random source patched)."""
    if mask is None:
        return frame.serialize(mask=False, extensions=[])
    with monkeypatch.context() as m:
        m.setattr(ws_frames.secrets, "token_bytes", lambda n: mask)
        return frame.serialize(mask=True, extensions=[])


def to_ws(frame: Frame) -> ws_frames.Frame:
    return ws_frames.Frame(ws_frames.Opcode(frame.opcode), frame.payload, frame.fin,
                           frame.rsv1, frame.rsv2, frame.rsv3)


# --- Keys --------------------------------------------------------------------------------------


def test_rfc_accept_key_both():
    assert wslib.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==")


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(min_size=16, max_size=16))
def test_accept_key_matches_websockets(raw):
    key = base64.b64encode(raw).decode()
    assert wslib.accept_key(key) == ws_accept_key(key)


# --- Frames ------------------------------------------------------------------------------------


@st.composite
def valid_frames(draw) -> Frame:
    """Frames both libraries accept: no RSV bits (websockets refuses them without an extension)."""
    opcode = draw(st.sampled_from(list(Opcode)))
    if opcode.is_control:
        size, fin = draw(st.integers(0, 125)), True
    else:
        size = draw(st.one_of(st.integers(0, 200), st.sampled_from([65535, 65536, 70000])))
        fin = draw(st.booleans())
    payload = random.Random(draw(st.integers(0, 99))).randbytes(size)
    mask = draw(st.one_of(st.none(), st.binary(min_size=4, max_size=4)))
    return Frame(opcode, payload, fin, mask=mask)


RFC_FRAMES = [
    Frame(Opcode.TEXT, b"Hello"),
    Frame(Opcode.TEXT, b"Hello", mask=KEY),
    Frame(Opcode.TEXT, b"Hel", fin=False),
    Frame(Opcode.CONT, b"lo"),
    Frame(Opcode.PING, b"Hello"),
    Frame(Opcode.PONG, b"Hello", mask=KEY),
    Frame(Opcode.BINARY, bytes(range(256))),
    Frame(Opcode.BINARY, bytes(range(256)) * 256),
    Frame(Opcode.CLOSE, b"\x03\xe8bye", mask=KEY),
]


@pytest.mark.parametrize("frame", RFC_FRAMES, ids=repr)
def test_rfc_frames_byte_identical(frame, monkeypatch):
    ours = encode_frame(frame)
    theirs = ws_serialize(to_ws(frame), frame.mask, monkeypatch)
    assert ours == theirs


@settings(max_examples=60, deadline=None)
@given(frame=valid_frames())
def test_encoding_byte_identical(frame):
    # Hypothesis and function-scoped fixtures do not mix, so patch by hand here.
    with pytest.MonkeyPatch.context() as monkeypatch:
        theirs = ws_serialize(to_ws(frame), frame.mask, monkeypatch)
    assert encode_frame(frame) == theirs


@settings(max_examples=60, deadline=None)
@given(frame=valid_frames())
def test_each_parses_the_others_bytes(frame):
    masked = frame.mask is not None
    # websockets reads wslib's bytes.
    ours = encode_frame(frame)
    parsed, used = ws_parse(ours, mask=masked)
    assert used == len(ours)
    assert parsed == to_ws(frame)
    assert parsed.opcode == frame.opcode
    # wslib reads websockets' bytes (the mask it chose is in our Frame).
    theirs = to_ws(frame).serialize(mask=masked, extensions=[])
    decoded, used = decode_frame(theirs)
    assert used == len(theirs)
    assert decoded._replace(mask=None) == frame._replace(mask=None)
    assert (decoded.mask is not None) == masked
    if masked:
        assert decoded.mask == theirs[len(theirs) - len(frame.payload) - 4:][:4]


def test_stream_of_websockets_frames_through_frame_reader():
    # A client's frames from websockets, fed to a server-side FrameReader in odd chunks.
    sent = [f for f in RFC_FRAMES if f.mask is None]
    stream = b"".join(to_ws(f).serialize(mask=True, extensions=[]) for f in sent)
    reader = FrameReader(expect_mask=True)
    got = [f for i in range(0, len(stream), 1000) for f in reader.feed(stream[i:i + 1000])]
    assert [f._replace(mask=None) for f in got] == sent


@pytest.mark.parametrize("wire", [
    bytes([0x83, 0x00]),  # reserved opcode
    bytes([0x09, 0x00]),  # fragmented ping
    bytes([0x89, 126, 0x00, 126]) + b"x" * 126,  # ping too long
])
def test_both_refuse_the_same_bad_frames(wire):
    with pytest.raises(wslib.ProtocolError):
        decode_frame(wire)
    with pytest.raises(WsProtocolError):
        ws_parse(wire, mask=False)


# --- Handshake: wslib's request and response through websockets' checks ------------------------


def test_wslib_request_passes_websockets_server():
    key = handshake.generate_key(random.Random(7))
    request = handshake.build_request("example.com:8765", "/chat?x=1", key=key,
                                      origin="http://example.com", subprotocols=["chat"])
    server = ServerProtocol(subprotocols=["chat"])
    server.receive_data(request.to_bytes())
    events = server.events_received()
    assert len(events) == 1 and isinstance(events[0], WsRequest)
    assert events[0].path == "/chat?x=1"
    response = server.accept(events[0])
    assert server.handshake_exc is None
    assert response.status_code == 101
    assert response.headers["Sec-WebSocket-Accept"] == handshake.accept_key(key)
    assert response.headers["Sec-WebSocket-Protocol"] == "chat"


def test_wslib_response_passes_websockets_client():
    client = ClientProtocol(parse_uri("ws://example.com/chat"), subprotocols=["chat"])
    client.send_request(client.connect())
    response = handshake.build_response(client.key, subprotocol="chat")
    client.receive_data(response.to_bytes() + encode_frame(Frame(Opcode.TEXT, b"hi")))
    assert client.handshake_exc is None
    assert client.state is OPEN
    assert client.subprotocol == "chat"
    events = client.events_received()
    assert isinstance(events[0], WsResponse) and events[0].status_code == 101
    # The frame that followed the 101 in the same packet is read as a frame.
    assert events[1] == ws_frames.Frame(ws_frames.Opcode.TEXT, b"hi")


def test_wslib_wrong_response_fails_websockets_client():
    # The control: websockets' client does refuse a response with the wrong accept value.
    client = ClientProtocol(parse_uri("ws://example.com/"))
    client.receive_data(handshake.build_response("dGhlIHNhbXBsZSBub25jZQ==").to_bytes())
    assert client.handshake_exc is not None
    assert client.state is not OPEN


def test_wslib_rejection_is_a_refusal_for_websockets_client():
    client = ClientProtocol(parse_uri("ws://example.com/"))
    client.receive_data(handshake.reject(403, "no").to_bytes())
    assert client.handshake_exc is not None
    assert getattr(client.handshake_exc, "response").status_code == 403


# --- Handshake: websockets' request and response through wslib's checks ------------------------


def test_websockets_request_passes_wslib_check_request():
    client = ClientProtocol(parse_uri("ws://example.com:8765/chat"), origin="http://example.com",
                            subprotocols=["chat", "superchat"])
    request = parse_request(client.connect().serialize())
    result = handshake.check_request(request, origins=["http://example.com"])
    assert result.key == client.key
    assert result.path == "/chat"
    assert result.subprotocols == ["chat", "superchat"]
    assert request.headers["Host"] == "example.com:8765"


def test_websockets_response_passes_wslib_check_response():
    key = handshake.generate_key(random.Random(3))
    request = handshake.build_request("example.com", key=key, subprotocols=["chat"])
    server = ServerProtocol(subprotocols=["chat"])
    server.receive_data(request.to_bytes())
    (ws_request,) = server.events_received()
    ws_response = server.accept(ws_request)
    server.send_response(ws_response)
    (wire,) = server.data_to_send()
    response = parse_response(wire)
    assert response.status == 101
    assert handshake.check_response(response, key, subprotocols=["chat"]) == "chat"
    with pytest.raises(wslib.HandshakeError, match="Sec-WebSocket-Accept"):
        handshake.check_response(response, handshake.generate_key(random.Random(4)))


def test_websockets_rejection_fails_wslib_check_response():
    # A plain HTTP request (no Upgrade): websockets answers 426, wslib reports that status.
    server = ServerProtocol()
    server.receive_data(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
    (ws_request,) = server.events_received()
    ws_response = server.accept(ws_request)
    response = parse_response(ws_response.serialize())
    with pytest.raises(wslib.HandshakeError) as info:
        handshake.check_response(response, handshake.generate_key())
    assert info.value.status == ws_response.status_code == 426
