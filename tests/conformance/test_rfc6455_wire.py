"""RFC 6455 conformance over raw TCP, against a real running server.

Each test opens a plain TCP socket, does the opening handshake by hand (fixed key), writes
hand-built frames (some deliberately broken) and asserts the exact bytes the server answers
with: the echoed frames, the pong, or the close frame and its code, then that the server closes
TCP (section 7.1.1: the server closes the TCP connection first).

Two servers run the same tests (the ``server`` fixture):

* ``wslib``: ``wslib.server.serve(echo)``, the library under test;
* ``websockets``: ``websockets.asyncio.server.serve(echo)``, the reference.

Both get ``max_size = 64 KiB`` and no compression. Where websockets behaves differently (and
the RFC allows it, or it is laxer than wslib), the test says so and is skipped for that server
only; each of those differences was observed by running it, see ``DIFFERENCES``.

Every failure test first sends a valid message and waits for its echo: valid data sent before
the error is processed, then the bad frame fails the connection with the right code.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections import deque

import pytest

from wslib.frames import Frame, Opcode, decode_close, encode_frame
from wslib.handshake import accept_key, build_request, check_response
from wslib.http import HeadReader, response_from_head
from wslib.reader import FrameReader

pytestmark = pytest.mark.timeout(60)

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 section 1.3's example key
MASK = b"\x01\x02\x03\x04"
LIMIT = 64 * 1024  # max_size of both servers
TIMEOUT = 5.0  # seconds for any one read
FAST = 2.0  # seconds for "at once" (fail fast, close promptly)

# Observed differences of websockets 17 (the reference), each verified by running these tests:
DIFFERENCES = {
    "non-minimal": "websockets accepts a payload length in a longer form than needed (e.g. 5 in "
                   "the 16-bit form) and echoes the message; RFC 6455 section 5.2 says the "
                   "minimal number of bytes MUST be used, wslib fails with 1002",
    "msb": "for a 64-bit length with the top bit set, websockets answers 1009 (too big) and "
           "wslib 1002 (section 5.2: the most significant bit MUST be 0)",
    "utf8-fast": "websockets checks UTF-8 only when the whole message has arrived; wslib fails "
                 "with 1007 as soon as an invalid fragment arrives (section 8.1, Autobahn 6.4.x)",
    "close-in-message": "a close frame in the middle of a fragmented message (allowed by section "
                        "5.4, like any control frame) is answered normally by wslib, while "
                        "websockets fails with 1002 'incomplete fragmented message'",
    "budget": "websockets counts control frames against what is left of max_size in the "
              "middle of a fragmented message (a 125-byte ping after 65530 bytes gets 1009); "
              "wslib always accepts a control frame between fragments (section 5.4)",
}


def frame(opcode: int, payload: bytes = b"", fin: bool = True, **bits) -> bytes:
    """A client frame (masked with MASK), built without any rule check so it can be broken."""
    return encode_frame(Frame(opcode, payload, fin, mask=MASK, **bits), check=False)


def close_payload(code: int, reason: bytes = b"") -> bytes:
    return struct.pack("!H", code) + reason


# --- the servers under test ---------------------------------------------------------------------


async def _echo_wslib(ws) -> None:
    async for message in ws:
        await ws.send(message)


async def _echo_websockets(ws) -> None:
    from websockets.exceptions import ConnectionClosed

    try:
        async for message in ws:
            await ws.send(message)
    except ConnectionClosed:
        pass  # a failed connection: nothing to echo any more


class ServerUnderTest:
    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return self.kind

    def differs(self, what: str) -> None:
        """Skip for websockets where it is known (and verified) to behave differently."""
        if self.kind == "websockets":
            pytest.skip(f"websockets differs: {DIFFERENCES[what]}")

    @contextlib.asynccontextmanager
    async def running(self, max_size: int = LIMIT):
        """Start the echo server on 127.0.0.1, a free port; yield the port; stop it."""
        if self.kind == "wslib":
            from wslib.server import serve

            async with serve(_echo_wslib, "127.0.0.1", 0, max_size=max_size,
                             close_timeout=2.0) as server:
                yield server.port
        else:
            from websockets.asyncio.server import serve

            async with serve(_echo_websockets, "127.0.0.1", 0, max_size=max_size,
                             compression=None, close_timeout=2.0) as server:
                yield server.sockets[0].getsockname()[1]


@pytest.fixture(params=["wslib", "websockets"])
def server(request) -> ServerUnderTest:
    return ServerUnderTest(request.param)


# --- the raw client -----------------------------------------------------------------------------


class RawClient:
    """A TCP socket that speaks WebSocket by hand: it writes the bytes it is given and decodes
    the server's frames with ``FrameReader(expect_mask=False)`` (a masked server frame fails
    the test: section 5.1)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *,
                 expect_mask: bool = False) -> None:
        self.reader = reader
        self.writer = writer
        self.frames = FrameReader(expect_mask=expect_mask)
        self.pending: deque[Frame] = deque()
        self.eof = False
        self.response = None

    @classmethod
    async def connect(cls, port: int, *, first_frames: bytes = b"",
                      extensions: tuple[str, ...] = ("permessage-deflate; client_max_window_bits",)
                      ) -> "RawClient":
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), TIMEOUT)
        self = cls(reader, writer)
        request = build_request(f"127.0.0.1:{port}", "/", key=KEY, extensions=extensions)
        writer.write(request.to_bytes() + first_frames)
        head = HeadReader()
        result = None
        while result is None:
            data = await asyncio.wait_for(reader.read(4096), TIMEOUT)
            assert data, "the server closed TCP during the opening handshake"
            result = head.feed(data)
        self.response = response_from_head(*result)
        # status 101, Upgrade, Connection, the right Sec-WebSocket-Accept, and no extension
        # (neither server enables permessage-deflate here) -- section 4.1's client checks
        check_response(self.response, KEY)
        self.pending.extend(self.frames.feed(head.rest))
        return self

    async def send(self, *chunks: bytes) -> None:
        """Write all ``chunks`` in one go (the server will usually read them in one piece)."""
        self.writer.write(b"".join(chunks))
        await self.writer.drain()

    async def recv_frame(self, timeout: float = TIMEOUT) -> Frame | None:
        """The next frame from the server, or ``None`` when it closed TCP."""
        while not self.pending:
            if self.eof:
                return None
            try:
                data = await asyncio.wait_for(self.reader.read(1 << 16), timeout)
            except ConnectionResetError:
                data = b""
            if not data:
                self.eof = True
                return None
            self.pending.extend(self.frames.feed(data))
        return self.pending.popleft()

    async def expect(self, *wire: bytes, timeout: float = TIMEOUT) -> None:
        """The next frames are exactly ``wire`` (each one frame's bytes, as the server sent it:
        unmasked, minimal length encoding, so re-encoding the decoded frame gives the bytes)."""
        for expected in wire:
            got = await self.recv_frame(timeout)
            assert got is not None, f"server closed TCP; expected {expected[:40]!r}"
            assert encode_frame(got, check=False) == expected

    async def expect_eof(self, timeout: float = FAST) -> None:
        """The server closes TCP (section 7.1.1), and sends nothing more before that."""
        got = await self.recv_frame(timeout)
        assert got is None, f"expected the server to close TCP, got {got!r}"

    async def expect_close(self, code: int, *, timeout: float = TIMEOUT) -> bytes:
        """The next frame is a close frame with ``code`` (and a UTF-8 reason), then TCP closes.
        Returns the close frame's bytes."""
        got = await self.recv_frame(timeout)
        assert got is not None, f"server closed TCP without a close frame (expected {code})"
        raw = encode_frame(got, check=False)
        assert got.opcode == Opcode.CLOSE, f"expected a close frame with {code}, got {got!r}"
        # exact layout: 0x88, 7-bit length, the 2-byte code, then the reason
        assert raw[:1] == b"\x88" and raw[1] == len(raw) - 2 <= 125
        assert raw[2:4] == struct.pack("!H", code), f"close code {decode_close(got.payload)}"
        decode_close(got.payload)  # the reason is valid UTF-8 and the code is allowed
        await self.expect_eof()
        return raw

    async def echo_then_fail(self, bad: bytes, code: int, *, timeout: float = TIMEOUT) -> bytes:
        """A valid message is echoed; then ``bad`` fails the connection with ``code``."""
        await self.send(frame(Opcode.TEXT, b"before"))
        await self.expect(b"\x81\x06before")
        await self.send(bad)
        return await self.expect_close(code, timeout=timeout)

    def abort(self) -> None:
        self.writer.transport.abort()


def run(server: ServerUnderTest, scenario, *, max_size: int = LIMIT, first_frames: bytes = b"") -> None:
    """Start ``server``, connect a RawClient, run ``await scenario(client)``; 20 s at most."""

    async def main() -> None:
        async with server.running(max_size) as port:
            client = await RawClient.connect(port, first_frames=first_frames)
            try:
                await scenario(client)
            finally:
                client.abort()

    asyncio.run(asyncio.wait_for(main(), 20))


# --- section 4: the opening handshake -----------------------------------------------------------


class TestHandshake:
    def test_101_with_accept_key_and_no_extension(self, server):
        async def scenario(ws):
            response = ws.response
            assert response.status == 101
            assert response.headers.get("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
            assert accept_key(KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
            # permessage-deflate was offered, neither server enabled it
            assert response.headers.get("Sec-WebSocket-Extensions") is None
            await ws.send(frame(Opcode.TEXT, b"Hello"))
            await ws.expect(b"\x81\x05Hello")

        run(server, scenario)

    def test_first_frame_in_the_same_packet_as_the_request(self, server):
        async def scenario(ws):
            await ws.expect(b"\x81\x05early")

        run(server, scenario, first_frames=frame(Opcode.TEXT, b"early"))


# --- section 5.1-5.3: base framing, lengths, masking --------------------------------------------


class TestFraming:
    def test_text_echo_exact_bytes(self, server):
        async def scenario(ws):
            data = "Grüße 🎵".encode()
            assert len(data) == 12
            await ws.send(frame(Opcode.TEXT, data))
            await ws.expect(b"\x81\x0c" + data)

        run(server, scenario)

    def test_payload_length_forms(self, server):
        # 7-bit up to 125, 16-bit from 126 to 65535, 64-bit from 65536 (section 5.2)
        async def scenario(ws):
            for n, head in [(0, b"\x82\x00"), (125, b"\x82\x7d"), (126, b"\x82\x7e\x00\x7e"),
                            (65535, b"\x82\x7e\xff\xff"),
                            (65536, b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00")]:
                payload = bytes(range(256)) * (n // 256) + bytes(range(n % 256))
                await ws.send(frame(Opcode.BINARY, payload))
                await ws.expect(head + payload)

        run(server, scenario)

    def test_empty_text_message(self, server):
        async def scenario(ws):
            await ws.send(frame(Opcode.TEXT, b""))
            await ws.expect(b"\x81\x00")

        run(server, scenario)

    def test_many_messages_in_one_write_echoed_in_order(self, server):
        async def scenario(ws):
            await ws.send(*(frame(Opcode.TEXT, str(i).encode()) for i in range(20)))
            await ws.expect(*(b"\x81" + bytes([len(str(i))]) + str(i).encode() for i in range(20)))

        run(server, scenario)

    def test_frame_written_one_byte_at_a_time(self, server):
        async def scenario(ws):
            for b in frame(Opcode.TEXT, b"slow"):
                await ws.send(bytes([b]))
                await asyncio.sleep(0.001)
            await ws.expect(b"\x81\x04slow")

        run(server, scenario)

    def test_unmasked_client_frame_fails_1002(self, server):
        # section 5.1: a server MUST close the connection on an unmasked frame
        async def scenario(ws):
            await ws.echo_then_fail(encode_frame(Frame(Opcode.TEXT, b"naked")), 1002)

        run(server, scenario)

    def test_non_minimal_16_bit_length_fails_1002(self, server):
        server.differs("non-minimal")

        async def scenario(ws):
            masked = bytes(b ^ MASK[i % 4] for i, b in enumerate(b"Hello"))
            await ws.echo_then_fail(b"\x81\xfe\x00\x05" + MASK + masked, 1002)

        run(server, scenario)

    def test_non_minimal_64_bit_length_fails_1002(self, server):
        server.differs("non-minimal")

        async def scenario(ws):
            masked = bytes(b ^ MASK[i % 4] for i, b in enumerate(b"Hello"))
            await ws.echo_then_fail(b"\x82\xff" + struct.pack("!Q", 5) + MASK + masked, 1002)

        run(server, scenario)

    def test_64_bit_length_with_top_bit_set(self, server):
        code = {"wslib": 1002, "websockets": 1009}[server.kind]  # DIFFERENCES["msb"]

        async def scenario(ws):
            await ws.echo_then_fail(b"\x82\xff\x80" + b"\x00" * 7 + MASK, code)

        run(server, scenario)


# --- section 5.2: reserved bits -----------------------------------------------------------------


class TestReservedBits:
    @pytest.mark.parametrize("bit", ["rsv1", "rsv2", "rsv3"])
    @pytest.mark.parametrize("opcode", [Opcode.TEXT, Opcode.BINARY, Opcode.PING])
    def test_rsv_bit_without_extension_fails_1002(self, server, bit, opcode):
        # permessage-deflate was offered but not negotiated: RSV1 means nothing here either
        async def scenario(ws):
            await ws.echo_then_fail(frame(opcode, b"x", **{bit: True}), 1002)

        run(server, scenario)

    def test_rsv_bit_on_close_frame_fails_1002(self, server):
        async def scenario(ws):
            await ws.echo_then_fail(frame(Opcode.CLOSE, b"\x03\xe8", rsv2=True), 1002)

        run(server, scenario)


# --- section 5.2: opcodes -----------------------------------------------------------------------


class TestOpcodes:
    @pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF])
    def test_reserved_opcode_fails_1002(self, server, opcode):
        async def scenario(ws):
            await ws.echo_then_fail(frame(opcode, b"reserved"), 1002)

        run(server, scenario)

    def test_reserved_opcode_inside_fragmented_message_fails_1002(self, server):
        async def scenario(ws):
            await ws.echo_then_fail(frame(Opcode.TEXT, b"a", fin=False) + frame(3, b""), 1002)

        run(server, scenario)


# --- section 5.4: fragmentation -----------------------------------------------------------------


class TestFragmentation:
    def test_fragmented_text_echoed_whole(self, server):
        async def scenario(ws):
            await ws.send(frame(Opcode.TEXT, b"He", fin=False), frame(Opcode.CONT, b"ll", fin=False),
                          frame(Opcode.CONT, b"o"))
            await ws.expect(b"\x81\x05Hello")

        run(server, scenario)

    def test_fragments_in_separate_writes(self, server):
        async def scenario(ws):
            for part, fin in [(b"He", False), (b"ll", False), (b"o", True)]:
                op = Opcode.TEXT if part == b"He" else Opcode.CONT
                await ws.send(frame(op, part, fin=fin))
                await asyncio.sleep(0.01)
            await ws.expect(b"\x81\x05Hello")

        run(server, scenario)

    def test_fragmented_binary_with_empty_fragments(self, server):
        async def scenario(ws):
            await ws.send(frame(Opcode.BINARY, b"", fin=False), frame(Opcode.CONT, b"\x00\xff", fin=False),
                          frame(Opcode.CONT, b"", fin=False), frame(Opcode.CONT, b""))
            await ws.expect(b"\x82\x02\x00\xff")

        run(server, scenario)

    def test_ping_between_fragments_answered_first(self, server):
        async def scenario(ws):
            await ws.send(frame(Opcode.TEXT, b"Hel", fin=False), frame(Opcode.PING, b"mid"),
                          frame(Opcode.CONT, b"lo"))
            await ws.expect(b"\x8a\x03mid", b"\x81\x05Hello")

        run(server, scenario)

    def test_pong_between_fragments_ignored(self, server):
        async def scenario(ws):
            await ws.send(frame(Opcode.TEXT, b"Hel", fin=False), frame(Opcode.PONG, b"hb"),
                          frame(Opcode.CONT, b"lo"))
            await ws.expect(b"\x81\x05Hello")

        run(server, scenario)

    def test_close_between_fragments(self, server):
        # Section 5.4: control frames MAY be injected in the middle of a fragmented message.
        # wslib answers the close; websockets fails with 1002 (DIFFERENCES["close-in-message"]).
        async def scenario(ws):
            await ws.send(frame(Opcode.TEXT, b"Hel", fin=False), frame(Opcode.CLOSE, b"\x03\xe8"))
            if server.kind == "websockets":
                await ws.expect_close(1002)
                return
            await ws.expect(b"\x88\x02\x03\xe8")  # the partial message is not echoed
            await ws.expect_eof()

        run(server, scenario)

    def test_continuation_without_message_fails_1002(self, server):
        async def scenario(ws):
            await ws.echo_then_fail(frame(Opcode.CONT, b"orphan"), 1002)

        run(server, scenario)

    @pytest.mark.parametrize("second", [Opcode.TEXT, Opcode.BINARY])
    def test_new_message_inside_fragmented_message_fails_1002(self, server, second):
        async def scenario(ws):
            await ws.echo_then_fail(frame(Opcode.TEXT, b"He", fin=False) + frame(second, b"llo"), 1002)

        run(server, scenario)

    @pytest.mark.parametrize("opcode", [Opcode.PING, Opcode.PONG, Opcode.CLOSE])
    def test_fragmented_control_frame_fails_1002(self, server, opcode):
        payload = b"\x03\xe8" if opcode == Opcode.CLOSE else b"x"

        async def scenario(ws):
            await ws.echo_then_fail(frame(opcode, payload, fin=False), 1002)

        run(server, scenario)


# --- sections 5.5.2 and 5.5.3: ping and pong ----------------------------------------------------


class TestPingPong:
    @pytest.mark.parametrize("payload", [b"", b"Hello", bytes(range(125))],
                             ids=["empty", "hello", "125-bytes"])
    def test_ping_answered_with_pong_same_payload(self, server, payload):
        async def scenario(ws):
            await ws.send(frame(Opcode.PING, payload))
            await ws.expect(bytes([0x8A, len(payload)]) + payload)

        run(server, scenario)

    def test_every_ping_answered_in_order(self, server):
        async def scenario(ws):
            await ws.send(frame(Opcode.PING, b"1"), frame(Opcode.PING, b"2"), frame(Opcode.TEXT, b"t"))
            await ws.expect(b"\x8a\x011", b"\x8a\x012", b"\x81\x01t")

        run(server, scenario)

    def test_unsolicited_pong_gets_no_answer(self, server):
        async def scenario(ws):
            await ws.send(frame(Opcode.PONG, b"heartbeat"), frame(Opcode.TEXT, b"next"))
            await ws.expect(b"\x81\x04next")  # the very next frame: nothing was sent for the pong

        run(server, scenario)

    def test_ping_of_126_bytes_fails_1002(self, server):
        async def scenario(ws):
            await ws.echo_then_fail(frame(Opcode.PING, b"x" * 126), 1002)

        run(server, scenario)


# --- section 8.1 (and 5.6): UTF-8 in text messages ----------------------------------------------


CLEF = "𝄞".encode()  # U+1D11E: f0 9d 84 9e


class TestUTF8:
    @pytest.mark.parametrize("cut", [1, 2, 3])
    def test_code_point_split_between_fragments(self, server, cut):
        data = b"a" + CLEF + b"z"

        async def scenario(ws):
            await ws.send(frame(Opcode.TEXT, data[:1 + cut], fin=False), frame(Opcode.CONT, data[1 + cut:]))
            await ws.expect(b"\x81\x06" + data)

        run(server, scenario)

    def test_code_point_one_byte_per_fragment_in_separate_writes(self, server):
        async def scenario(ws):
            for i in range(4):
                await ws.send(frame(Opcode.TEXT if i == 0 else Opcode.CONT, CLEF[i:i + 1], fin=i == 3))
                await asyncio.sleep(0.01)
            await ws.expect(b"\x81\x04" + CLEF)

        run(server, scenario)

    @pytest.mark.parametrize("bad", [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
                                     b"\xce\xba\x80"],
                             ids=["ff", "overlong", "surrogate", "above-10ffff", "stray-continuation"])
    def test_invalid_text_message_fails_1007(self, server, bad):
        async def scenario(ws):
            await ws.echo_then_fail(frame(Opcode.TEXT, b"ok " + bad + b" end"), 1007)

        run(server, scenario)

    @pytest.mark.parametrize("cut", [1, 2, 3])
    def test_message_ending_inside_a_code_point_fails_1007(self, server, cut):
        async def scenario(ws):
            await ws.echo_then_fail(frame(Opcode.TEXT, b"ok" + CLEF[:cut]), 1007)

        run(server, scenario)

    def test_fragmented_message_ending_inside_a_code_point_fails_1007(self, server):
        async def scenario(ws):
            await ws.echo_then_fail(frame(Opcode.TEXT, b"ok" + CLEF[:2], fin=False)
                                    + frame(Opcode.CONT, b""), 1007)

        run(server, scenario)

    def test_invalid_fragment_then_fin_fails_1007(self, server):
        async def scenario(ws):
            await ws.echo_then_fail(frame(Opcode.TEXT, "κόσμε".encode(), fin=False)
                                    + frame(Opcode.CONT, b"\xf4\x90\x80\x80", fin=False)
                                    + frame(Opcode.CONT, b"edited"), 1007)

        run(server, scenario)

    def test_invalid_fragment_fails_fast_before_fin(self, server):
        server.differs("utf8-fast")

        async def scenario(ws):
            # no FIN frame is ever sent: the server must fail on the fragment itself
            await ws.echo_then_fail(frame(Opcode.TEXT, "κόσμε".encode(), fin=False)
                                    + frame(Opcode.CONT, b"\xf4\x90\x80\x80", fin=False), 1007,
                                    timeout=FAST)

        run(server, scenario)

    def test_binary_message_is_not_checked(self, server):
        async def scenario(ws):
            await ws.send(frame(Opcode.BINARY, b"\xff\xc0"))
            await ws.expect(b"\x82\x02\xff\xc0")

        run(server, scenario)


# --- sections 5.5.1 and 7: closing --------------------------------------------------------------


class TestClosing:
    @pytest.mark.parametrize("code", [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012,
                                      1013, 1014, 3000, 3999, 4000, 4999])
    def test_close_code_echoed(self, server, code):
        async def scenario(ws):
            await ws.send(frame(Opcode.CLOSE, close_payload(code)))
            await ws.expect(b"\x88\x02" + struct.pack("!H", code))
            await ws.expect_eof()  # section 7.1.1: the server closes TCP first

        run(server, scenario)

    def test_close_with_reason(self, server):
        # Section 5.5.1: the answer "typically echos the status code it received"; both servers
        # echo the reason too (a browser shows it in CloseEvent.reason).
        async def scenario(ws):
            await ws.send(frame(Opcode.CLOSE, close_payload(4001, b"done")))
            await ws.expect(b"\x88\x06\x0f\xa1done")
            await ws.expect_eof()

        run(server, scenario)

    def test_empty_close_answered_with_empty_close(self, server):
        async def scenario(ws):
            await ws.send(frame(Opcode.TEXT, b"before"))
            await ws.expect(b"\x81\x06before")
            await ws.send(frame(Opcode.CLOSE, b""))
            await ws.expect(b"\x88\x00")
            await ws.expect_eof()

        run(server, scenario)

    def test_close_with_one_byte_payload_fails_1002(self, server):
        async def scenario(ws):
            await ws.echo_then_fail(frame(Opcode.CLOSE, b"\x03"), 1002)

        run(server, scenario)

    @pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])
    def test_forbidden_close_code_fails_1002(self, server, code):
        async def scenario(ws):
            await ws.echo_then_fail(frame(Opcode.CLOSE, close_payload(code)), 1002)

        run(server, scenario)

    def test_close_reason_not_utf8_fails_1007(self, server):
        async def scenario(ws):
            await ws.echo_then_fail(frame(Opcode.CLOSE, close_payload(1000, b"\xff\xfe")), 1007)

        run(server, scenario)

    def test_close_payload_of_126_bytes_fails_1002(self, server):
        async def scenario(ws):
            await ws.echo_then_fail(frame(Opcode.CLOSE, close_payload(1000, b"r" * 124)), 1002)

        run(server, scenario)

    def test_close_with_123_byte_reason_is_fine(self, server):
        async def scenario(ws):
            await ws.send(frame(Opcode.CLOSE, close_payload(1000, "é".encode() * 61 + b"x")))
            got = await ws.recv_frame()
            assert got.opcode == Opcode.CLOSE and got.payload[:2] == b"\x03\xe8"
            await ws.expect_eof()

        run(server, scenario)

    def test_nothing_after_close_is_processed(self, server):
        async def scenario(ws):
            await ws.send(frame(Opcode.CLOSE, b"\x03\xe8"), frame(Opcode.TEXT, b"after"),
                          frame(Opcode.PING, b"after"))
            await ws.expect(b"\x88\x02\x03\xe8")  # no echo, no pong
            await ws.expect_eof()

        run(server, scenario)


# --- section 10.4: limits (max_size = 64 KiB) ---------------------------------------------------


class TestLimits:
    def test_message_at_the_limit_is_echoed(self, server):
        async def scenario(ws):
            await ws.send(frame(Opcode.BINARY, b"\x5a" * LIMIT))
            await ws.expect(b"\x82\x7f" + struct.pack("!Q", LIMIT) + b"\x5a" * LIMIT)

        run(server, scenario)

    def test_fragmented_message_at_the_limit_is_echoed(self, server):
        async def scenario(ws):
            half = b"t" * (LIMIT // 2)
            await ws.send(frame(Opcode.TEXT, half, fin=False), frame(Opcode.CONT, half))
            await ws.expect(b"\x81\x7f" + struct.pack("!Q", LIMIT) + half + half)

        run(server, scenario)

    def test_frame_one_byte_over_fails_1009_from_its_header(self, server):
        async def scenario(ws):
            # only the header: the server must not wait for the 65537 payload bytes
            await ws.echo_then_fail(b"\x82\xff" + struct.pack("!Q", LIMIT + 1) + MASK, 1009,
                                    timeout=FAST)

        run(server, scenario)

    def test_100_mb_frame_header_fails_1009_at_once(self, server):
        async def scenario(ws):
            raw = await ws.echo_then_fail(b"\x82\xff" + struct.pack("!Q", 100 * 1024 * 1024) + MASK,
                                          1009, timeout=FAST)
            assert len(raw) <= 127

        run(server, scenario)

    def test_fragments_summing_over_the_limit_fail_1009(self, server):
        async def scenario(ws):
            await ws.send(frame(Opcode.TEXT, b"before"))
            await ws.expect(b"\x81\x06before")
            await ws.send(frame(Opcode.BINARY, b"a" * 60000, fin=False))
            # the next fragment's header announces 6000 bytes: 66000 in all; only the header
            # is sent, so the server must decide from it
            await ws.send(b"\x00\xfe" + struct.pack("!H", 6000) + MASK)
            await ws.expect_close(1009, timeout=FAST)

        run(server, scenario)

    def test_new_message_right_after_a_nearly_full_one(self, server):
        # The last fragment of a 65000-byte message and a whole 10000-byte message in one
        # write: the budget left inside the first message must not apply to the second.
        async def scenario(ws):
            await ws.send(frame(Opcode.BINARY, b"a" * 60000, fin=False))
            await asyncio.sleep(0.05)
            await ws.send(frame(Opcode.CONT, b"b" * 5000), frame(Opcode.BINARY, b"c" * 10000))
            await ws.expect(b"\x82\x7e" + struct.pack("!H", 65000) + b"a" * 60000 + b"b" * 5000,
                            b"\x82\x7e" + struct.pack("!H", 10000) + b"c" * 10000)

        run(server, scenario)

    def test_many_small_fragments_over_the_limit_fail_1009(self, server):
        async def scenario(ws):
            await ws.send(frame(Opcode.TEXT, b"a" * 1024, fin=False),
                          *(frame(Opcode.CONT, b"b" * 1024, fin=False) for _ in range(63)))
            # 64 KiB so far, exactly the limit; one more byte is too many
            await ws.send(frame(Opcode.CONT, b"c", fin=False))
            await ws.expect_close(1009)

        run(server, scenario)

    def test_control_frames_between_fragments_when_the_budget_is_small(self, server):
        server.differs("budget")

        async def scenario(ws):
            await ws.send(frame(Opcode.BINARY, b"a" * (LIMIT - 6), fin=False),
                          frame(Opcode.PING, b"p" * 125), frame(Opcode.PONG, b"q" * 125),
                          frame(Opcode.CONT, b"z" * 6))
            await ws.expect(b"\x8a\x7d" + b"p" * 125,
                            b"\x82\x7f" + struct.pack("!Q", LIMIT) + b"a" * (LIMIT - 6) + b"z" * 6)

        run(server, scenario)

    def test_small_limit(self, server):
        async def scenario(ws):
            await ws.send(frame(Opcode.TEXT, b"x" * 10))
            await ws.expect(b"\x81\x0a" + b"x" * 10)
            await ws.send(frame(Opcode.TEXT, b"x" * 11))
            await ws.expect_close(1009)

        run(server, scenario, max_size=10)
