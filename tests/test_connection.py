"""Tests for wslib.connection: the sans-I/O state machine, organized by RFC 6455 section.

Every test feeds hand-built bytes into a :class:`Connection` and asserts two things exactly:
the events that come out, and the bytes queued for the network (decoded back into frames with
:func:`wslib.frames.decode_frame` / :class:`wslib.reader.FrameReader`, or compared byte for byte).

Conventions: frames *to* a server are masked with ``KEY`` (as a client must); frames *to* a client
are unmasked. A client under test gets ``mask_key=lambda: CKEY`` so its output is reproducible.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wslib.connection import (
    BinaryMessage,
    Closed,
    Connection,
    Ping,
    Pong,
    State,
    TextMessage,
)
from wslib.errors import (
    ConnectionClosed,
    ConnectionClosedOK,
    InvalidPayload,
    MessageTooBig,
    ProtocolError,
    UsageError,
    close_code_for,
)
from wslib.frames import Frame, Opcode, decode_close, decode_frame, encode_frame
from wslib.masking import mask as apply_mask
from wslib.reader import LONG_FRAME, FrameReader

KEY = b"\x01\x02\x03\x04"  # the mask our hand-built "client" frames carry
CKEY = bytes.fromhex("37fa213d")  # the mask injected into a Connection("client") under test


# --- helpers ------------------------------------------------------------------------------------


def to_server(opcode: int, payload: bytes = b"", fin: bool = True, **bits) -> bytes:
    """A frame as a client sends it (masked with KEY); no rule checks, so it can be broken."""
    return encode_frame(Frame(opcode, payload, fin, mask=KEY, **bits), check=False)


def to_client(opcode: int, payload: bytes = b"", fin: bool = True, **bits) -> bytes:
    """A frame as a server sends it (unmasked); no rule checks."""
    return encode_frame(Frame(opcode, payload, fin, **bits), check=False)


def server() -> Connection:
    return Connection("server")


def client() -> Connection:
    return Connection("client", mask_key=lambda: CKEY)


def sent_frames(conn: Connection) -> list[Frame]:
    """Decode every byte the connection queued; the bytes must be whole frames, nothing else."""
    data = conn.data_to_send()
    reader = FrameReader(expect_mask=conn.is_client)  # a client's frames are masked, a server's not
    frames = reader.feed(data)
    assert reader.buffered == 0, f"trailing bytes after the frames: {data!r}"
    # decode_frame agrees with the reader, frame by frame
    pos = 0
    for frame in frames:
        decoded, used = decode_frame(data[pos:])
        assert decoded == frame
        pos += used
    assert pos == len(data)
    return frames


def assert_failed(conn: Connection, events: list, code: int, error_type=ProtocolError) -> None:
    """The connection failed with ``code``: the last event is Closed(code, error), the only bytes
    queued are one close frame carrying ``code`` (and a UTF-8 reason), and the state is CLOSED."""
    assert events, "expected at least a Closed event"
    last = events[-1]
    assert isinstance(last, Closed)
    assert last.code == code
    assert isinstance(last.error, error_type)
    assert last.error.close_code == code
    data = conn.data_to_send()
    head = bytes([0x88])
    assert data[:1] == head
    if conn.is_client:
        assert data[1] & 0x80 and data[2:6] == CKEY
    else:
        assert data[1] & 0x80 == 0
        # exact bytes: 0x88, length, the 2-byte code, then the reason
        assert data[1] == len(data) - 2
        assert data[2:4] == struct.pack("!H", code)
    frame, used = decode_frame(data)
    assert used == len(data), "nothing may follow the close frame"
    assert frame.opcode == Opcode.CLOSE and frame.fin
    got_code, reason = decode_close(frame.payload)
    assert got_code == code
    assert len(frame.payload) <= 125
    assert conn.state is State.CLOSED
    assert conn.error is last.error
    assert conn.close_sent is not None and conn.close_sent[0] == code


def assert_answered_then_failed(conn: Connection, events: list, messages: list, code: int,
                                error_type=ProtocolError) -> None:
    """Messages came before a bad frame in the same bytes: they are handed out, the failure
    waits (the connection is still open, nothing is sent) until the application has answered
    them and calls events(); then the connection fails with ``code``."""
    assert events == messages
    assert conn.state is State.OPEN
    assert isinstance(conn.pending_error, error_type)
    assert conn.data_to_send() == b""
    conn.send_text("answer")  # the application may still answer what it received
    answer = conn.data_to_send()
    assert FrameReader().feed(answer)[0].payload == b"answer"
    assert_failed(conn, conn.events(), code, error_type)
    assert conn.pending_error is None
    assert conn.events() == []  # handed out once


# --- RFC 6455 section 5.1 and 5.3: masking direction -------------------------------------------


class TestMasking:
    """5.1: a client MUST mask every frame, a server MUST NOT; a violation is 1002."""

    def test_server_accepts_masked_text(self):
        conn = server()
        assert conn.receive_data(to_server(Opcode.TEXT, b"Hello")) == [TextMessage("Hello")]
        assert conn.data_to_send() == b""
        assert conn.state is State.OPEN

    def test_server_receiving_unmasked_frame_fails_1002(self):
        conn = server()
        events = conn.receive_data(to_client(Opcode.TEXT, b"Hello"))
        assert len(events) == 1
        assert_failed(conn, events, 1002)
        assert "mask" in events[0].reason

    def test_client_receiving_masked_frame_fails_1002(self):
        conn = client()
        events = conn.receive_data(to_server(Opcode.TEXT, b"Hello"))
        assert len(events) == 1
        assert_failed(conn, events, 1002)

    def test_client_accepts_unmasked_text(self):
        conn = client()
        assert conn.receive_data(to_client(Opcode.TEXT, b"Hello")) == [TextMessage("Hello")]
        assert conn.data_to_send() == b""

    def test_client_output_masked_with_injected_key_byte_exact(self):
        conn = client()
        conn.send_text("Hello")
        # RFC 6455 section 5.7: "A single-frame masked text message"
        assert conn.data_to_send() == bytes(
            [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])

    def test_client_every_frame_gets_a_fresh_key_from_the_callable(self):
        keys = iter([b"\x00\x00\x00\x00", b"\xff\xff\xff\xff", b"\x0f\x0f\x0f\x0f"])
        conn = Connection("client", mask_key=lambda: next(keys))
        conn.send_binary(b"\x00\x01\x02\x03\x04", fragment_size=2)
        assert conn.data_to_send() == (
            b"\x02\x82\x00\x00\x00\x00" + b"\x00\x01"
            + b"\x00\x82\xff\xff\xff\xff" + b"\xfd\xfc"
            + b"\x80\x81\x0f\x0f\x0f\x0f" + b"\x0b")

    def test_client_control_frames_masked(self):
        conn = client()
        conn.send_ping(b"Hello")
        conn.send_pong(b"")
        conn.close(1000, "")
        assert conn.data_to_send() == (
            b"\x89\x85" + CKEY + apply_mask(b"Hello", CKEY)
            + b"\x8a\x80" + CKEY
            + b"\x88\x82" + CKEY + apply_mask(b"\x03\xe8", CKEY))

    def test_server_output_unmasked_byte_exact(self):
        conn = server()
        conn.send_text("Hello")
        conn.send_binary(bytes(range(256)))
        conn.send_ping(b"Hello")
        assert conn.data_to_send() == (
            b"\x81\x05Hello" + b"\x82\x7e\x01\x00" + bytes(range(256)) + b"\x89\x05Hello")

    def test_server_64k_binary_uses_64_bit_length(self):
        conn = server()
        conn.send_binary(b"\xaa" * 65536)
        data = conn.data_to_send()
        assert data[:10] == b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"
        assert data[10:] == b"\xaa" * 65536

    def test_client_auto_pong_is_masked(self):
        conn = client()
        assert conn.receive_data(to_client(Opcode.PING, b"abc")) == [Ping(b"abc")]
        assert conn.data_to_send() == b"\x8a\x83" + CKEY + apply_mask(b"abc", CKEY)

    def test_server_send_frame_is_verbatim_and_client_send_frame_gets_a_mask(self):
        conn = server()
        conn.send_frame(Frame(Opcode.TEXT, b"Hel", fin=False))
        conn.send_frame(Frame(Opcode.CONT, b"lo"))
        assert conn.data_to_send() == b"\x01\x03Hel\x80\x02lo"  # section 5.7 example
        conn = client()
        conn.send_frame(Frame(Opcode.TEXT, b"Hello"))
        assert conn.data_to_send() == b"\x81\x85" + CKEY + apply_mask(b"Hello", CKEY)


# --- RFC 6455 section 5.2: base framing: RSV bits, opcodes, lengths -----------------------------


class TestBaseFraming:
    @pytest.mark.parametrize("bits", [{"rsv1": True}, {"rsv2": True}, {"rsv3": True},
                                      {"rsv1": True, "rsv2": True, "rsv3": True}])
    @pytest.mark.parametrize("opcode", [Opcode.TEXT, Opcode.BINARY, Opcode.PING, Opcode.CLOSE])
    def test_rsv_bit_without_extension_fails_1002(self, bits, opcode):
        conn = server()
        payload = b"\x03\xe8" if opcode == Opcode.CLOSE else b"x"
        events = conn.receive_data(to_server(opcode, payload, **bits))
        assert len(events) == 1
        assert_failed(conn, events, 1002)
        assert "RSV" in events[0].reason

    def test_rsv_bit_on_client_side_fails_1002(self):
        conn = client()
        events = conn.receive_data(to_client(Opcode.TEXT, b"x", rsv1=True))
        assert_failed(conn, events, 1002)

    @pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF])
    def test_reserved_opcode_fails_1002(self, opcode):
        conn = server()
        events = conn.receive_data(to_server(opcode, b"x"))
        assert len(events) == 1
        assert_failed(conn, events, 1002)
        assert "reserved" in events[0].reason

    def test_reserved_opcode_after_valid_message_in_an_earlier_chunk(self):
        conn = server()
        assert conn.receive_data(to_server(Opcode.TEXT, b"ok")) == [TextMessage("ok")]
        events = conn.receive_data(to_server(5, b""))
        assert len(events) == 1
        assert_failed(conn, events, 1002)

    @pytest.mark.parametrize("bad", [
        to_server(5, b""),  # reserved opcode
        to_client(Opcode.TEXT, b"x"),  # unmasked
        to_server(Opcode.PING, b"x" * 126),  # oversized control frame
    ], ids=["reserved-opcode", "unmasked", "control-126"])
    def test_bad_header_in_the_same_chunk_as_a_valid_message(self, bad):
        conn = server()
        events = conn.receive_data(to_server(Opcode.TEXT, b"ok") + bad)
        assert_answered_then_failed(conn, events, [TextMessage("ok")], 1002)

    def test_non_minimal_length_fails_1002(self):
        # length 5 sent in the 16-bit form
        conn = server()
        events = conn.receive_data(b"\x81\xfe\x00\x05" + KEY + apply_mask(b"Hello", KEY))
        assert_failed(conn, events, 1002)

    def test_64_bit_length_with_top_bit_fails_1002(self):
        conn = server()
        events = conn.receive_data(b"\x82\xff\x80" + b"\x00" * 7 + KEY)
        assert_failed(conn, events, 1002)

    def test_control_frame_payload_over_125_fails_1002(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.PING, b"x" * 126))
        assert_failed(conn, events, 1002)

    def test_control_frame_payload_of_125_is_fine(self):
        conn = server()
        assert conn.receive_data(to_server(Opcode.PING, b"x" * 125)) == [Ping(b"x" * 125)]
        assert conn.data_to_send() == b"\x8a\x7d" + b"x" * 125

    def test_any_chunking_gives_the_same_events(self):
        wire = (to_server(Opcode.TEXT, b"Hel", fin=False) + to_server(Opcode.PING, b"p")
                + to_server(Opcode.CONT, b"lo") + to_server(Opcode.BINARY, b"\x00" * 300))
        expected = [Ping(b"p"), TextMessage("Hello"), BinaryMessage(b"\x00" * 300)]
        for split in range(1, len(wire)):  # (b"" would mean end of stream)
            conn = server()
            events = conn.receive_data(wire[:split]) + conn.receive_data(wire[split:])
            assert events == expected, split
            assert conn.data_to_send() == b"\x8a\x01p"
        conn = server()
        events = [e for b in wire for e in conn.receive_data(bytes([b]))]
        assert events == expected

    def test_zero_length_text_and_binary(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.TEXT) + to_server(Opcode.BINARY))
        assert events == [TextMessage(""), BinaryMessage(b"")]

    def test_each_event_is_handed_out_once(self):
        conn = server()
        assert conn.receive_data(to_server(Opcode.TEXT, b"a")) == [TextMessage("a")]
        assert conn.receive_data(to_server(Opcode.BINARY, b"b")) == [BinaryMessage(b"b")]
        assert conn.events() == []  # receive_data() handed them out already: nothing is kept
        conn.fail(1011, "internal")  # a local failure: its Closed event waits for events()
        assert [(e.code, e.reason) for e in conn.events()] == [(1011, "internal")]
        assert conn.events() == []

    def test_memory_stays_flat_over_100000_messages(self):
        # Regression: every event was also kept for events(); 20,000 messages of 1 kB held
        # 22 MB. After 100,000 messages (handed out and dropped), the memory still allocated
        # must be that of no message at all: kept, they would hold over 10 MB.
        import tracemalloc

        conn = Connection("server", max_message_size=None)
        chunk = to_server(Opcode.BINARY, b"x" * 64) * 1000
        conn.receive_data(chunk)  # warm up (caches, the reader's buffer)
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(100):  # 100 reads of 1,000 messages
                assert len(conn.receive_data(chunk)) == 1000
            kept = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert kept < 500_000, f"{kept} bytes still allocated"


# --- RFC 6455 section 5.4: fragmentation --------------------------------------------------------


class TestFragmentation:
    def test_text_message_assembled_from_fragments(self):
        conn = server()
        events = []
        events += conn.receive_data(to_server(Opcode.TEXT, b"He", fin=False))
        assert events == []
        events += conn.receive_data(to_server(Opcode.CONT, b"ll", fin=False))
        assert events == []
        events += conn.receive_data(to_server(Opcode.CONT, b"o"))
        assert events == [TextMessage("Hello")]
        assert conn.data_to_send() == b""

    def test_binary_message_assembled_with_empty_fragments(self):
        conn = server()
        events = conn.receive_data(
            to_server(Opcode.BINARY, b"", fin=False) + to_server(Opcode.CONT, b"\x00\x01", fin=False)
            + to_server(Opcode.CONT, b"", fin=False) + to_server(Opcode.CONT, b"\x02"))
        assert events == [BinaryMessage(b"\x00\x01\x02")]

    def test_ping_between_fragments_answered_in_the_middle(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.TEXT, b"Hel", fin=False)
                                   + to_server(Opcode.PING, b"mid"))
        assert events == [Ping(b"mid")]
        # the pong goes out at once, before the message is complete
        assert conn.data_to_send() == b"\x8a\x03mid"
        events = conn.receive_data(to_server(Opcode.CONT, b"lo"))
        assert events == [TextMessage("Hello")]
        assert conn.data_to_send() == b""

    def test_pong_between_fragments(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.BINARY, b"a", fin=False)
                                   + to_server(Opcode.PONG, b"hb") + to_server(Opcode.CONT, b"b"))
        assert events == [Pong(b"hb"), BinaryMessage(b"ab")]
        assert conn.data_to_send() == b""

    def test_close_between_fragments_ends_the_connection(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.TEXT, b"Hel", fin=False)
                                   + to_server(Opcode.CLOSE, b"\x03\xe8")
                                   + to_server(Opcode.CONT, b"lo"))
        assert events == [Closed(1000, "")]
        assert conn.data_to_send() == b"\x88\x02\x03\xe8"
        assert conn.state is State.CLOSED

    def test_continuation_without_message_fails_1002(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.CONT, b"x"))
        assert len(events) == 1
        assert_failed(conn, events, 1002)
        assert "continuation" in events[0].reason

    def test_continuation_after_a_complete_message_fails_1002(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.TEXT, b"done") + to_server(Opcode.CONT, b"x"))
        assert_answered_then_failed(conn, events, [TextMessage("done")], 1002)

    @pytest.mark.parametrize("second", [Opcode.TEXT, Opcode.BINARY])
    def test_new_data_frame_inside_fragmented_message_fails_1002(self, second):
        conn = server()
        events = conn.receive_data(to_server(Opcode.TEXT, b"He", fin=False)
                                   + to_server(second, b"llo"))
        assert len(events) == 1
        assert_failed(conn, events, 1002)

    @pytest.mark.parametrize("opcode", [Opcode.PING, Opcode.PONG, Opcode.CLOSE])
    def test_fragmented_control_frame_fails_1002(self, opcode):
        conn = server()
        payload = b"\x03\xe8" if opcode == Opcode.CLOSE else b"x"
        events = conn.receive_data(to_server(opcode, payload, fin=False))
        assert len(events) == 1
        assert_failed(conn, events, 1002)

    def test_fragmented_control_frame_inside_a_message_fails_1002(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.TEXT, b"He", fin=False)
                                   + to_server(Opcode.PING, b"x", fin=False))
        assert len(events) == 1
        assert_failed(conn, events, 1002)

    def test_server_send_text_fragmented_exact_bytes(self):
        conn = server()
        conn.send_text("Hello", fragment_size=2)
        assert conn.data_to_send() == b"\x01\x02He\x00\x02ll\x80\x01o"

    def test_fragment_size_at_least_message_sends_one_frame(self):
        conn = server()
        conn.send_binary(b"abc", fragment_size=3)
        assert conn.data_to_send() == b"\x82\x03abc"

    def test_two_messages_back_to_back_after_fragments(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.TEXT, b"a", fin=False) + to_server(Opcode.CONT, b"b")
                                   + to_server(Opcode.BINARY, b"c", fin=False)
                                   + to_server(Opcode.CONT, b"d"))
        assert events == [TextMessage("ab"), BinaryMessage(b"cd")]


# --- RFC 6455 sections 5.5.2 and 5.5.3: ping and pong -------------------------------------------


class TestPingPong:
    @pytest.mark.parametrize("payload", [b"", b"Hello", bytes(range(125)), b"\xff\xfe"])
    def test_ping_answered_with_pong_same_payload(self, payload):
        conn = server()
        assert conn.receive_data(to_server(Opcode.PING, payload)) == [Ping(payload)]
        assert conn.data_to_send() == bytes([0x8A, len(payload)]) + payload
        assert conn.state is State.OPEN

    def test_each_ping_answered_in_order(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.PING, b"1") + to_server(Opcode.PING, b"2"))
        assert events == [Ping(b"1"), Ping(b"2")]
        assert conn.data_to_send() == b"\x8a\x011\x8a\x012"

    def test_unsolicited_pong_yields_event_and_sends_nothing(self):
        conn = server()
        assert conn.receive_data(to_server(Opcode.PONG, b"heartbeat")) == [Pong(b"heartbeat")]
        assert conn.data_to_send() == b""
        assert conn.state is State.OPEN

    def test_client_unsolicited_pong(self):
        conn = client()
        assert conn.receive_data(to_client(Opcode.PONG, b"")) == [Pong(b"")]
        assert conn.data_to_send() == b""

    def test_send_ping_and_receive_its_pong(self):
        conn = server()
        conn.send_ping(b"id-1")
        assert conn.data_to_send() == b"\x89\x04id-1"
        assert conn.receive_data(to_server(Opcode.PONG, b"id-1")) == [Pong(b"id-1")]

    def test_ping_after_our_close_is_reported_but_not_answered(self):
        conn = server()
        conn.close(1000)
        assert conn.data_to_send() == b"\x88\x02\x03\xe8"
        assert conn.receive_data(to_server(Opcode.PING, b"late")) == [Ping(b"late")]
        assert conn.data_to_send() == b""  # section 5.5.1: nothing after our close frame


# --- RFC 6455 section 8.1 (and 5.6): UTF-8 ------------------------------------------------------


FOUR_BYTE = "𝄞".encode()  # U+1D11E, f0 9d 84 9e


class TestUTF8:
    def test_multibyte_text_in_one_frame(self):
        text = "κόσμε 🎵 Grüße"
        conn = server()
        assert conn.receive_data(to_server(Opcode.TEXT, text.encode())) == [TextMessage(text)]

    @pytest.mark.parametrize("split", [1, 2, 3])
    def test_code_point_split_between_two_fragments(self, split):
        data = b"a" + FOUR_BYTE + b"z"
        cut = 1 + split
        conn = server()
        events = conn.receive_data(to_server(Opcode.TEXT, data[:cut], fin=False))
        assert events == []
        assert conn.state is State.OPEN
        events = conn.receive_data(to_server(Opcode.CONT, data[cut:]))
        assert events == [TextMessage("a𝄞z")]
        assert conn.data_to_send() == b""

    def test_code_point_split_one_byte_per_fragment(self):
        conn = server()
        wire = b"".join(to_server(Opcode.TEXT if i == 0 else Opcode.CONT, FOUR_BYTE[i:i + 1],
                                  fin=i == 3) for i in range(4))
        assert conn.receive_data(wire) == [TextMessage("𝄞")]

    def test_every_split_of_a_multibyte_text_in_fragments(self):
        data = "aé€𝄞z".encode()
        for cut in range(len(data) + 1):
            conn = server()
            events = conn.receive_data(to_server(Opcode.TEXT, data[:cut], fin=False)
                                       + to_server(Opcode.CONT, data[cut:]))
            assert events == [TextMessage("aé€𝄞z")], cut

    @pytest.mark.parametrize("cut", [1, 2, 3])
    def test_message_ending_in_the_middle_of_a_code_point_fails_1007(self, cut):
        conn = server()
        events = conn.receive_data(to_server(Opcode.TEXT, b"ok" + FOUR_BYTE[:cut]))
        assert len(events) == 1
        assert_failed(conn, events, 1007, InvalidPayload)

    def test_fragmented_message_ending_mid_code_point_fails_1007_at_fin(self):
        conn = server()
        assert conn.receive_data(to_server(Opcode.TEXT, b"ok", fin=False)) == []
        assert conn.receive_data(to_server(Opcode.CONT, FOUR_BYTE[:2], fin=False)) == []
        assert conn.data_to_send() == b""
        events = conn.receive_data(to_server(Opcode.CONT, b""))
        assert_failed(conn, events, 1007, InvalidPayload)

    @pytest.mark.parametrize("bad", [
        b"\xff",  # never valid
        b"\xc0\xaf",  # overlong "/"
        b"\xf4\x90\x80\x80",  # above U+10FFFF
        b"\xed\xa0\x80",  # a UTF-16 surrogate
        b"\xce\xba\x80",  # stray continuation byte
    ])
    def test_invalid_bytes_fail_1007_as_soon_as_the_fragment_arrives(self, bad):
        # Autobahn 6.4.x: fail fast, before the FIN frame of the message
        conn = server()
        assert conn.receive_data(to_server(Opcode.TEXT, "κόσμε".encode(), fin=False)) == []
        events = conn.receive_data(to_server(Opcode.CONT, bad + b"more", fin=False))
        assert len(events) == 1
        assert_failed(conn, events, 1007, InvalidPayload)
        assert "UTF-8" in events[0].reason
        # what comes later is ignored
        assert conn.receive_data(to_server(Opcode.CONT, b"edited")) == []
        assert conn.data_to_send() == b""

    def test_invalid_byte_in_first_fragment_fails_at_once(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.TEXT, b"\xf4\x90", fin=False))
        assert_failed(conn, events, 1007, InvalidPayload)

    def test_valid_messages_before_the_error_are_delivered(self):
        conn = server()
        wire = (to_server(Opcode.TEXT, "première".encode()) + to_server(Opcode.BINARY, b"\xff")
                + to_server(Opcode.TEXT, b"bad \xff") + to_server(Opcode.TEXT, b"never"))
        events = conn.receive_data(wire)
        assert_answered_then_failed(conn, events, [TextMessage("première"), BinaryMessage(b"\xff")],
                                    1007, InvalidPayload)

    def test_binary_messages_are_not_checked(self):
        conn = server()
        assert conn.receive_data(to_server(Opcode.BINARY, b"\xff\xc0")) == [BinaryMessage(b"\xff\xc0")]

    def test_client_side_invalid_utf8_fails_1007(self):
        conn = client()
        events = conn.receive_data(to_client(Opcode.TEXT, b"\xff"))
        assert_failed(conn, events, 1007, InvalidPayload)


# --- RFC 6455 sections 5.5.1 and 7: the closing handshake --------------------------------------


class TestClosing:
    def test_peer_close_answered_with_the_same_code_and_reason(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.CLOSE, b"\x03\xe8bye"))
        assert events == [Closed(1000, "bye")]
        assert conn.data_to_send() == b"\x88\x05\x03\xe8bye"
        assert conn.close_sent == (1000, "bye")
        assert conn.state is State.CLOSED
        assert conn.close_received == (1000, "bye")

    @pytest.mark.parametrize("code", [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011,
                                      1012, 1013, 1014, 3000, 4000, 4999])
    def test_allowed_codes_echoed(self, code):
        conn = server()
        payload = struct.pack("!H", code) + "é".encode()
        assert conn.receive_data(to_server(Opcode.CLOSE, payload)) == [Closed(code, "é")]
        assert conn.data_to_send() == b"\x88\x04" + payload

    def test_empty_close_answered_with_empty_close_reported_as_1005(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.CLOSE, b""))
        assert events == [Closed(1005, "")]
        assert events[0].error is None
        assert conn.data_to_send() == b"\x88\x00"
        assert conn.state is State.CLOSED

    def test_client_answers_empty_close_with_masked_empty_close(self):
        conn = client()
        assert conn.receive_data(to_client(Opcode.CLOSE, b"")) == [Closed(1005, "")]
        assert conn.data_to_send() == b"\x88\x80" + CKEY

    def test_close_with_one_byte_payload_fails_1002(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.CLOSE, b"\x03"))
        assert len(events) == 1
        assert_failed(conn, events, 1002)

    @pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])
    def test_forbidden_close_code_fails_1002(self, code):
        conn = server()
        events = conn.receive_data(to_server(Opcode.CLOSE, struct.pack("!H", code)))
        assert len(events) == 1
        assert_failed(conn, events, 1002)

    def test_close_reason_not_utf8_fails_1007(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.CLOSE, b"\x03\xe8\xff\xfe"))
        assert len(events) == 1
        assert_failed(conn, events, 1007, InvalidPayload)

    def test_our_close_then_peer_close(self):
        conn = server()
        conn.close(4000, "bye from server")
        assert conn.state is State.CLOSING
        assert conn.data_to_send() == b"\x88\x11\x0f\xa0bye from server"
        assert not conn.should_close_transport
        # messages may still arrive until the peer's close frame
        assert conn.receive_data(to_server(Opcode.TEXT, b"late")) == [TextMessage("late")]
        events = conn.receive_data(to_server(Opcode.CLOSE, b"\x0f\xa0"))
        assert events == [Closed(4000, "")]
        assert conn.data_to_send() == b""  # no second close frame
        assert conn.state is State.CLOSED
        assert conn.should_close_transport  # server: close TCP at once

    def test_nothing_sent_after_our_close(self):
        conn = server()
        conn.close(1001, "going away")
        assert conn.data_to_send() == b"\x88\x0c\x03\xe9going away"
        with pytest.raises(ConnectionClosed) as info:
            conn.send_text("x")
        assert isinstance(info.value, ConnectionClosedOK)
        assert info.value.sent_code == 1001
        for send in (lambda: conn.send_binary(b"x"), lambda: conn.send_ping(b""),
                     lambda: conn.send_pong(b""), lambda: conn.send_frame(Frame(Opcode.TEXT, b""))):
            with pytest.raises(ConnectionClosed):
                send()
        conn.close(1000)  # a second close is a no-op
        assert conn.data_to_send() == b""

    def test_send_after_peer_close_raises_with_peer_code(self):
        conn = server()
        conn.receive_data(to_server(Opcode.CLOSE, b"\x0f\xa1nope"))
        conn.data_to_send()
        with pytest.raises(ConnectionClosed) as info:
            conn.send_text("x")
        assert (info.value.code, info.value.reason, info.value.sent_code) == (4001, "nope", 4001)
        assert conn.data_to_send() == b""

    def test_data_after_peer_close_ignored(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.CLOSE, b"\x03\xe8") + to_server(Opcode.TEXT, b"x")
                                   + to_server(Opcode.PING, b"p"))
        assert events == [Closed(1000, "")]
        assert conn.data_to_send() == b"\x88\x02\x03\xe8"
        # later bytes, even garbage, are not looked at
        assert conn.receive_data(to_server(Opcode.TEXT, b"y")) == []
        assert conn.receive_data(b"\xff\xff\xff") == []
        assert conn.data_to_send() == b""

    def test_server_should_close_transport_right_after_handshake(self):
        conn = server()
        assert not conn.should_close_transport
        conn.receive_data(to_server(Opcode.CLOSE, b"\x03\xe8"))
        assert conn.should_close_transport

    def test_client_should_close_transport_only_after_eof(self):
        conn = client()
        conn.close(1000, "done")
        assert conn.data_to_send() == b"\x88\x86" + CKEY + apply_mask(b"\x03\xe8done", CKEY)
        assert conn.receive_data(to_client(Opcode.CLOSE, b"\x03\xe8")) == [Closed(1000, "")]
        assert conn.state is State.CLOSED
        assert not conn.should_close_transport  # section 7.1.1: the server closes TCP first
        assert conn.receive_data(b"") == []  # EOF after a clean close: no second Closed
        assert conn.should_close_transport

    def test_client_should_close_transport_after_failure(self):
        conn = client()
        conn.receive_data(to_client(Opcode.CONT, b""))
        assert conn.state is State.CLOSED
        assert conn.should_close_transport

    def test_eof_without_close_is_1006(self):
        conn = server()
        assert conn.receive_data(to_server(Opcode.TEXT, b"a")) == [TextMessage("a")]
        events = conn.receive_data(b"")
        assert len(events) == 1
        assert isinstance(events[0], Closed) and events[0].code == 1006
        assert events[0].error is None
        assert conn.data_to_send() == b""  # nothing can be sent on a dead connection
        assert conn.state is State.CLOSED
        with pytest.raises(ConnectionClosed) as info:
            conn.send_text("x")
        assert info.value.code == 1006

    def test_data_after_eof_ignored(self):
        conn = server()
        assert [e.code for e in conn.receive_data(b"")] == [1006]
        # a ping after EOF must not try to answer (nor raise): the stream has ended
        assert conn.receive_data(to_server(Opcode.PING, b"p") + to_server(Opcode.TEXT, b"x")) == []
        assert conn.data_to_send() == b""
        assert conn.receive_data(b"") == []  # a second EOF reports nothing new

    def test_eof_during_closing_is_1006(self):
        conn = client()
        conn.close()
        conn.data_to_send()
        events = conn.receive_data(b"")
        assert [type(e) for e in events] == [Closed] and events[0].code == 1006
        assert conn.should_close_transport

    def test_fail_sends_close_with_code(self):
        conn = server()
        conn.fail(1011, "internal")
        assert conn.data_to_send() == b"\x88\x0a\x03\xf3internal"
        assert conn.state is State.CLOSED
        assert conn.should_close_transport

    def test_states_follow_ready_state(self):
        assert [int(s) for s in State] == [0, 1, 2, 3]
        conn = server()
        assert conn.state == 1
        conn.close()
        assert conn.state == 2
        conn.receive_data(to_server(Opcode.CLOSE, b"\x03\xe8"))
        assert conn.state == 3

    def test_failure_while_closing_sends_no_second_close(self):
        conn = server()
        conn.close(1000)
        assert conn.data_to_send() == b"\x88\x02\x03\xe8"
        events = conn.receive_data(to_server(5, b""))
        assert len(events) == 1 and events[0].code == 1002
        assert conn.data_to_send() == b""
        assert conn.state is State.CLOSED


# --- RFC 6455 section 10.4: limits on frame and message size ------------------------------------


class TestLimits:
    def test_single_huge_frame_header_fails_1009_without_the_payload(self):
        conn = Connection("server", max_message_size=65536)
        size = 100 * 1024 * 1024
        header = b"\x82\xff" + struct.pack("!Q", size) + KEY  # just the header, no payload
        events = conn.receive_data(header)
        assert len(events) == 1
        assert_failed(conn, events, 1009, MessageTooBig)
        assert str(size) in events[0].reason
        assert conn._reader.buffered <= len(header)  # nothing big buffered
        # and later payload bytes are dropped, not buffered
        assert conn.receive_data(b"\x00" * 65536) == []
        assert conn._reader.buffered <= len(header)

    def test_header_split_byte_by_byte_still_fails_at_once(self):
        conn = Connection("server", max_message_size=1000)
        header = b"\x81\xfe" + struct.pack("!H", 1001) + KEY
        events = []
        for i in range(len(header)):
            events += conn.receive_data(header[i:i + 1])
        assert len(events) == 1
        assert_failed(conn, events, 1009, MessageTooBig)

    def test_frame_exactly_at_the_limit_is_accepted(self):
        conn = Connection("server", max_message_size=1000)
        assert conn.receive_data(to_server(Opcode.BINARY, b"x" * 1000)) == [BinaryMessage(b"x" * 1000)]
        events = conn.receive_data(to_server(Opcode.BINARY, b"x" * 1001))
        assert_failed(conn, events, 1009, MessageTooBig)

    def test_fragments_summing_over_the_limit_fail_1009(self):
        conn = Connection("server", max_message_size=1000)
        assert conn.receive_data(to_server(Opcode.TEXT, b"a" * 600, fin=False)) == []
        assert conn.receive_data(to_server(Opcode.CONT, b"b" * 400, fin=False)) == []  # 1000: ok
        events = conn.receive_data(to_server(Opcode.CONT, b"c", fin=False))
        assert len(events) == 1
        assert_failed(conn, events, 1009, MessageTooBig)

    def test_fragments_over_the_limit_detected_from_the_header(self):
        conn = Connection("server", max_message_size=1000)
        assert conn.receive_data(to_server(Opcode.BINARY, b"a" * 900, fin=False)) == []
        # the next fragment announces 200 bytes: only its header is sent
        events = conn.receive_data(b"\x00\xfe\x00\xc8" + KEY)
        assert len(events) == 1
        assert_failed(conn, events, 1009, MessageTooBig)

    def test_fragments_in_one_chunk_over_the_limit_fail_1009(self):
        conn = Connection("server", max_message_size=1000)
        events = conn.receive_data(to_server(Opcode.BINARY, b"a" * 900, fin=False)
                                   + to_server(Opcode.CONT, b"b" * 101))
        assert len(events) == 1
        assert_failed(conn, events, 1009, MessageTooBig)

    def test_over_limit_fragment_header_in_the_same_chunk_as_the_previous_fragment(self):
        # The reader sees both frames in one feed(); the header of the second alone must fail
        # the connection (the payload never comes).
        conn = Connection("server", max_message_size=65536)
        events = conn.receive_data(to_server(Opcode.BINARY, b"a" * 60000, fin=False)
                                   + b"\x00\xfe" + struct.pack("!H", 6000) + KEY)
        assert len(events) == 1
        assert_failed(conn, events, 1009, MessageTooBig)

    def test_new_message_after_a_nearly_full_one_in_the_same_chunk(self):
        # Regression: the budget left in the middle of a message (5536 bytes here) was applied
        # to every header in the same chunk, so a valid 10000-byte message after the last
        # fragment failed with 1009 (and the completed message was lost).
        conn = Connection("server", max_message_size=65536)
        assert conn.receive_data(to_server(Opcode.BINARY, b"a" * 60000, fin=False)) == []
        events = conn.receive_data(to_server(Opcode.CONT, b"b" * 5000)
                                   + to_server(Opcode.BINARY, b"c" * 10000))
        assert events == [BinaryMessage(b"a" * 60000 + b"b" * 5000), BinaryMessage(b"c" * 10000)]
        assert conn.data_to_send() == b""
        assert conn.state is State.OPEN

    def test_new_message_header_after_a_nearly_full_one_waits_for_its_payload(self):
        conn = Connection("server", max_message_size=65536)
        assert conn.receive_data(to_server(Opcode.BINARY, b"a" * 60000, fin=False)) == []
        big = to_server(Opcode.BINARY, b"c" * 65536)
        assert conn.receive_data(to_server(Opcode.CONT, b"b") + big[:14]) == [
            BinaryMessage(b"a" * 60000 + b"b")]
        assert conn.state is State.OPEN
        assert conn.receive_data(big[14:]) == [BinaryMessage(b"c" * 65536)]

    def test_budget_resets_after_each_message(self):
        conn = Connection("server", max_message_size=1000)
        for _ in range(3):
            events = conn.receive_data(to_server(Opcode.BINARY, b"a" * 500, fin=False)
                                       + to_server(Opcode.CONT, b"b" * 500))
            assert events == [BinaryMessage(b"a" * 500 + b"b" * 500)]

    def test_control_frames_accepted_when_the_remaining_budget_is_small(self):
        conn = Connection("server", max_message_size=1000)
        assert conn.receive_data(to_server(Opcode.TEXT, b"a" * 990, fin=False)) == []
        # 10 bytes of budget left, but a 125-byte ping / pong / close is still allowed
        events = conn.receive_data(to_server(Opcode.PING, b"p" * 125) + to_server(Opcode.PONG, b"q" * 100))
        assert events == [Ping(b"p" * 125), Pong(b"q" * 100)]
        assert conn.data_to_send() == b"\x8a\x7d" + b"p" * 125
        assert conn.receive_data(to_server(Opcode.CONT, b"z" * 10)) == [TextMessage("a" * 990 + "z" * 10)]
        # and a close with a long reason when the budget is exhausted
        assert conn.receive_data(to_server(Opcode.TEXT, b"a" * 1000, fin=False)) == []
        reason = "r" * 123
        events = conn.receive_data(to_server(Opcode.CLOSE, b"\x03\xe8" + reason.encode()))
        assert events == [Closed(1000, reason)]

    def test_data_fragment_over_small_budget_still_fails(self):
        conn = Connection("server", max_message_size=1000)
        assert conn.receive_data(to_server(Opcode.TEXT, b"a" * 990, fin=False)) == []
        events = conn.receive_data(to_server(Opcode.CONT, b"z" * 11))  # < 125 but over budget
        assert_failed(conn, events, 1009, MessageTooBig)

    def test_no_limit(self):
        conn = Connection("server", max_message_size=None)
        big = b"x" * (3 << 20)
        assert conn.receive_data(to_server(Opcode.BINARY, big)) == [BinaryMessage(big)]

    def test_client_limit(self):
        conn = Connection("client", max_message_size=10, mask_key=lambda: CKEY)
        events = conn.receive_data(to_client(Opcode.TEXT, b"x" * 11))
        assert_failed(conn, events, 1009, MessageTooBig)


# --- client <-> server: what one side sends, the other receives ---------------------------------


messages = st.lists(
    st.one_of(
        st.text(max_size=300).map(lambda s: ("text", s)),
        st.binary(max_size=300).map(lambda b: ("binary", b)),
        st.binary(max_size=125).map(lambda b: ("ping", b)),
    ),
    max_size=12,
)


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:])]


def _send_all(conn: Connection, msgs, fragment_size) -> list:
    expected = []
    for kind, value in msgs:
        if kind == "text":
            conn.send_text(value, fragment_size=fragment_size)
            expected.append(TextMessage(value))
        elif kind == "binary":
            conn.send_binary(value, fragment_size=fragment_size)
            expected.append(BinaryMessage(value))
        else:
            conn.send_ping(value)
            expected.append(Ping(value))
    return expected


class TestRoundTrip:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(msgs=messages, fragment_size=st.one_of(st.none(), st.integers(1, 64)),
           cuts=st.lists(st.integers(0, 10_000), max_size=20),
           key=st.binary(min_size=4, max_size=4), client_sends=st.booleans())
    def test_messages_arrive_identical_under_any_chunking(self, msgs, fragment_size, cuts, key,
                                                          client_sends):
        cli = Connection("client", mask_key=lambda: key, max_message_size=None)
        srv = Connection("server", max_message_size=None)
        sender, receiver = (cli, srv) if client_sends else (srv, cli)
        expected = _send_all(sender, msgs, fragment_size)
        sender.close(1000, "done")
        wire = sender.data_to_send()
        events = []
        for chunk in _chunks(wire, cuts):
            events += receiver.receive_data(chunk)
        assert events == expected + [Closed(1000, "done")]
        # the receiver answered every ping with its pong, then echoed the close
        answer = FrameReader(expect_mask=receiver.is_client).feed(receiver.data_to_send())
        pings = [v for k, v in msgs if k == "ping"]
        assert [f.payload for f in answer[:-1]] == pings
        assert all(f.opcode == Opcode.PONG for f in answer[:-1])
        assert answer[-1].opcode == Opcode.CLOSE and answer[-1].payload == b"\x03\xe8done"
        assert all((f.mask == key) if receiver.is_client else f.mask is None for f in answer)
        # and the sender finishes the closing handshake on that answer
        back = sender.receive_data(b"".join(encode_frame(f) for f in answer))
        assert back == [Pong(p) for p in pings] + [Closed(1000, "done")]
        assert sender.state is State.CLOSED and receiver.state is State.CLOSED


# --- issue 11: regressions ------------------------------------------------------------------


class TestBoundedMessages:
    """Memory per message is the message's size, whatever the fragments (bug 5)."""

    def _feed_in_reads(self, conn, wire, read=65536):
        events = []
        for i in range(0, len(wire), read):
            events += conn.receive_data(wire[i:i + read])
        return events

    def _kept_while_assembling(self, first, middle, count):
        """Feed a message's first fragment and ``count`` middle ones (in 64 KiB reads); return
        the memory still allocated at the end, before the last fragment: what the connection
        holds for the message so far."""
        import tracemalloc

        conn = Connection("server", max_message_size=None)
        wire = first + middle * count
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for i in range(0, len(wire), 65536):
                assert conn.receive_data(wire[i:i + 65536]) == []
            kept = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        return conn, kept

    def test_many_empty_continuations_are_not_stored(self):
        # Two million empty continuation frames were each stored (17 MB, 8 bytes apiece).
        # 100,000 show the same per-fragment cost: they would keep 800 kB.
        conn, kept = self._kept_while_assembling(to_server(Opcode.BINARY, b"a", fin=False),
                                                 to_server(Opcode.CONT, b"", fin=False), 100_000)
        assert kept < 200_000, f"{kept} bytes kept for a 1-byte message"
        assert conn.receive_data(to_server(Opcode.CONT, b"z")) == [BinaryMessage(b"az")]

    @pytest.mark.parametrize("opcode", [Opcode.BINARY, Opcode.TEXT])
    def test_many_tiny_fragments_cost_the_message_size(self, opcode):
        # 30,000 fragments of 2 bytes: a 60 kB message. One object per fragment took ~45 bytes
        # each (1.3 MB); joined as they come, the message takes its own size.
        conn, kept = self._kept_while_assembling(to_server(opcode, b"ab", fin=False),
                                                 to_server(Opcode.CONT, b"ab", fin=False), 30_000)
        assert kept < 400_000, f"{kept} bytes kept for a 60 kB message"
        (event,) = conn.receive_data(to_server(Opcode.CONT, b"ab"))
        assert len(event.data) == 60_004


class TestRSVFromTheHeader:
    """Reserved bits are refused from the header, before the payload is buffered (bug 6)."""

    @pytest.mark.parametrize("bit", ["rsv1", "rsv2", "rsv3"])
    def test_rsv_bit_fails_before_the_payload_arrives(self, bit):
        wire = to_server(Opcode.BINARY, b"\x00" * 900_000, **{bit: True})
        conn = server()
        events = conn.receive_data(wire[:20])  # the header and a few payload bytes
        assert_failed(conn, events, 1002)
        assert bit.upper() in events[0].reason
        assert conn._reader.buffered <= 20  # nothing waited for the other 900 kB

    def test_rsv_bit_on_a_control_frame(self):
        conn = client()
        events = conn.receive_data(to_client(Opcode.PING, b"p", rsv2=True))
        assert_failed(conn, events, 1002)
        assert "RSV2" in events[0].reason

    def test_a_plain_frame_reader_still_shows_rsv_bits(self):
        # FrameReader on its own (lessons, tools) returns the bits; the Connection refuses them.
        frame = FrameReader().feed(to_client(Opcode.TEXT, b"x", rsv1=True))[0]
        assert frame.rsv1 and frame.payload == b"x"


class TestLocalMisuse:
    """The caller's mistakes are UsageError and change nothing; the peer's are ProtocolError
    (bug 14)."""

    @pytest.mark.parametrize("send", ["send_ping", "send_pong"])
    def test_control_payload_over_125_is_a_usage_error(self, send):
        conn = server()
        with pytest.raises(UsageError, match="at most 125") as info:
            getattr(conn, send)(b"x" * 126)
        assert not isinstance(info.value, ProtocolError)
        assert conn.data_to_send() == b"" and conn.state is State.OPEN
        conn.send_ping(b"x" * 125)  # and the connection is still usable
        assert conn.data_to_send() == b"\x89\x7d" + b"x" * 125

    @pytest.mark.parametrize("code", [1005, 1006, 1015, 999, 1004, 2999, 5000])
    def test_fail_with_a_code_that_may_not_be_sent(self, code):
        conn = server()
        with pytest.raises(UsageError, match=str(code)):
            conn.fail(code)
        assert conn.data_to_send() == b""
        assert conn.state is State.OPEN and conn.close_sent is None

    def test_an_application_exception_fails_with_1011(self):
        conn = server()
        conn.fail(KeyError("user 42"))
        assert conn.data_to_send() == b"\x88\x10\x03\xf3internal error"  # the text stays here
        (closed,) = conn.events()
        assert closed.code == 1011 and isinstance(closed.error, KeyError)
        assert conn.close_sent == (1011, "internal error")

    def test_close_code_for_maps_every_exception(self):
        assert close_code_for(InvalidPayload("x")) == 1007
        assert close_code_for(MessageTooBig("x")) == 1009
        assert close_code_for(ProtocolError("x")) == 1002
        assert close_code_for(ZeroDivisionError()) == 1011

    def test_send_frame_breaking_a_rule_is_a_usage_error(self):
        conn = client()
        with pytest.raises(UsageError, match="must not be fragmented"):
            conn.send_frame(Frame(Opcode.PING, b"", fin=False))
        assert conn.data_to_send() == b""

    def test_sending_after_close_is_connection_closed(self):
        # Not a UsageError: in an asyncio program another task (server.close()) or the peer may
        # have closed the connection a moment ago; ConnectionClosed says how it closed.
        conn = server()
        conn.close(4001, "done")
        conn.data_to_send()
        with pytest.raises(ConnectionClosed) as info:
            conn.send_text("late")
        assert info.value.code == 4001
        assert conn.data_to_send() == b""


def assert_same_verdict_as_bytes_decode(payload: bytes, wire: bytes, reads: list[int]) -> None:
    """Feed ``wire`` to a server in reads of the given sizes (then the rest): it delivers the
    text if ``payload`` is valid UTF-8, and fails with 1007 if it is not."""
    conn = server()
    events, pos = [], 0
    for size in reads + [len(wire)]:
        if wire[pos:pos + size]:  # (b"" would be the end of the stream)
            events += conn.receive_data(wire[pos:pos + size])
        pos += size
    try:
        expected = [TextMessage(payload.decode("utf-8"))]
    except UnicodeDecodeError:
        assert [(type(e), e.code) for e in events] == [(Closed, 1007)]
    else:
        assert events == expected


class TestUTF8FailFast:
    """A text frame's bytes are checked as they arrive, before the frame is complete."""

    def test_invalid_bytes_inside_an_incomplete_frame_fail_at_once(self):
        wire = to_server(Opcode.TEXT, "κόσμε".encode() + b"\xf4\x90\x80\x80" + b"x" * 1000)
        conn = server()
        assert conn.receive_data(wire[:10]) == []  # header + "κό": valid so far
        events = conn.receive_data(wire[10:20])  # the code point 0x110000 starts here
        assert_failed(conn, events, 1007, InvalidPayload)
        assert "at byte 10" in events[0].reason

    @pytest.mark.parametrize("bad", [b"\xed\xa0", b"\xed\xbf", b"\xc0", b"\xe0\x80", b"\xf5"])
    def test_a_prefix_that_cannot_start_a_character(self, bad):
        # ED A0..BF would be a surrogate; CPython's decoder alone waits for a third byte.
        wire = to_client(Opcode.TEXT, b"ok" + bad + b"\x80" * 50)
        conn = client()
        events = conn.receive_data(wire[:2 + 2 + len(bad)])
        assert_failed(conn, events, 1007, InvalidPayload)

    def test_split_valid_frame_is_delivered_whole(self):
        text = "Ünïcödé ✓ 😀 " * 40
        wire = to_server(Opcode.TEXT, text.encode())
        for step in (1, 3, 7, 100):
            conn = server()
            events = []
            for i in range(0, len(wire), step):
                events += conn.receive_data(wire[i:i + step])
            assert events == [TextMessage(text)], step
            assert conn.data_to_send() == b""

    def test_inside_a_fragment_of_a_fragmented_message(self):
        conn = server()
        assert conn.receive_data(to_server(Opcode.TEXT, "é".encode(), fin=False)) == []
        cont = to_server(Opcode.CONT, b"ok\xff" + b"x" * 500)
        events = conn.receive_data(cont[:12])  # header (8) + "ok\xff" + 1
        assert_failed(conn, events, 1007, InvalidPayload)
        assert "at byte 4" in events[0].reason  # "é" is bytes 0-1, "ok" 2-3

    def test_binary_frames_are_not_checked_while_they_arrive(self):
        wire = to_server(Opcode.BINARY, b"\xff" * 300)
        conn = server()
        assert conn.receive_data(wire[:50]) == []
        assert conn.receive_data(wire[50:]) == [BinaryMessage(b"\xff" * 300)]


    PIECES = [b"a", b" ", "é".encode(), "€".encode(), "😀".encode(), b"\xed\xa0\x80", b"\xff",
              b"\xc3", b"\x80", b"\xf4\x90"]

    @settings(max_examples=300, deadline=None)
    @given(pieces=st.lists(st.sampled_from(PIECES), max_size=12),
           fragment=st.one_of(st.none(), st.integers(1, 4)), reads=st.lists(st.integers(1, 6)))
    def test_same_verdict_as_bytes_decode_whatever_the_splits(self, pieces, fragment, reads):
        payload = b"".join(pieces)
        if fragment is None:
            wire = to_server(Opcode.TEXT, payload)
        else:
            parts = [payload[i:i + fragment] for i in range(0, len(payload), fragment)] or [b""]
            wire = b"".join(to_server(Opcode.TEXT if i == 0 else Opcode.CONT, p,
                                      fin=i == len(parts) - 1) for i, p in enumerate(parts))
        assert_same_verdict_as_bytes_decode(payload, wire, reads)

    # Long frames (over the reader's LONG_FRAME) leave the reader's buffer and arrive in pieces;
    # the check must be the same there, across piece boundaries.

    @pytest.mark.parametrize("step", [1000, 4096, 4097])
    def test_long_valid_frame_split_inside_characters(self, step):
        text = ("x" * 999 + "é€😀") * 20  # characters straddle the reads' boundaries
        wire = to_server(Opcode.TEXT, text.encode())
        assert len(text.encode()) > LONG_FRAME
        conn = server()
        events = []
        for i in range(0, len(wire), step):
            events += conn.receive_data(wire[i:i + step])
        assert events == [TextMessage(text)]

    @pytest.mark.parametrize("bad_at", [5000, 8192, 16385])
    def test_long_frame_fails_in_the_read_that_brings_the_bad_byte(self, bad_at):
        payload = bytearray(b"a" * (LONG_FRAME * 2))
        payload[bad_at] = 0xFF
        wire = to_server(Opcode.TEXT, bytes(payload))
        head = len(wire) - len(payload)
        conn = server()
        for i in range(0, head + bad_at, 4096):  # every read before the bad byte: no verdict
            assert conn.receive_data(wire[i:min(i + 4096, head + bad_at)]) == []
        events = conn.receive_data(wire[head + bad_at:head + bad_at + 10])
        assert_failed(conn, events, 1007, InvalidPayload)
        assert f"at byte {bad_at}" in events[0].reason

    def test_long_binary_frame_in_reads_is_delivered_whole(self):
        payload = bytes(range(256)) * 200  # not UTF-8, and not checked: binary
        wire = to_server(Opcode.BINARY, payload) + to_server(Opcode.TEXT, b"after")
        conn = server()
        events = []
        for i in range(0, len(wire), 4096):
            events += conn.receive_data(wire[i:i + 4096])
        assert events == [BinaryMessage(payload), TextMessage("after")]

    def test_nothing_is_looked_at_after_a_local_fail_in_the_middle_of_a_long_frame(self):
        wire = to_server(Opcode.TEXT, b"a" * (LONG_FRAME * 2))
        conn = server()
        assert conn.receive_data(wire[:5000]) == []
        assert conn.receive_data(wire[5000:9000]) == []
        conn.fail(1008, "enough")
        assert [(type(e), e.code) for e in conn.events()] == [(Closed, 1008)]
        # The rest of the frame, and a whole message: not looked at, nothing delivered.
        assert conn.receive_data(wire[9000:] + to_server(Opcode.TEXT, b"late")) == []

    @settings(max_examples=100, deadline=None)
    @given(pieces=st.lists(st.sampled_from(PIECES), max_size=12),
           reads=st.lists(st.integers(1, 5000), max_size=8))
    def test_long_frame_same_verdict_as_bytes_decode(self, pieces, reads):
        payload = b"y" * LONG_FRAME + b"".join(pieces) + b"z" * 3000
        assert_same_verdict_as_bytes_decode(payload, to_server(Opcode.TEXT, payload), reads)


class TestAnswerBeforeTheError:
    def test_pending_error_is_applied_by_the_next_read_or_eof(self):
        for follow in (to_server(Opcode.TEXT, b"ignored"), b""):
            conn = server()
            events = conn.receive_data(to_server(Opcode.TEXT, b"hi") + to_server(Opcode.CONT, b"x"))
            assert events == [TextMessage("hi")] and conn.pending_error is not None
            events = conn.receive_data(follow)
            assert [e.code for e in events] == [1002]  # the error, not 1006, and not "ignored"
            assert conn.state is State.CLOSED

    def test_a_ping_before_the_error_is_answered_first(self):
        conn = server()
        events = conn.receive_data(to_server(Opcode.PING, b"p") + to_server(7))
        assert events == [Ping(b"p")]
        assert conn.data_to_send() == b"\x8a\x01p"
        assert [e.code for e in conn.events()] == [1002]
        assert decode_frame(conn.data_to_send())[0].opcode == Opcode.CLOSE


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_send_binary_gives_encode_frames_bytes_at_every_length_form(size):
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    conn = server()
    conn.send_binary(bytearray(data))
    assert conn.data_to_send() == encode_frame(Frame(Opcode.BINARY, data))
    conn.close()
    with pytest.raises(ConnectionClosed):
        conn.send_binary(data)


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_send_text_gives_encode_frames_bytes_at_every_length_form(size):
    text = "é" * (size // 2) + "x" * (size % 2)  # `size` bytes of UTF-8
    conn = server()
    conn.send_text(text)
    assert conn.data_to_send() == encode_frame(Frame(Opcode.TEXT, text.encode()))
    conn.close()
    with pytest.raises(ConnectionClosed):  # after our close frame: nothing more (section 5.5.1)
        conn.send_text(text)
    assert decode_frame(conn.data_to_send())[0].opcode == Opcode.CLOSE
