"""A stateful property test of wslib.connection.Connection (hypothesis RuleBasedStateMachine).

A client and a server Connection talk through two byte pipes. Hypothesis picks any interleaving
of: sending text and binary messages (whole or fragmented), pings, closes and local failures
from either side, delivering any prefix of a pipe (so frames arrive split at random points, or
several at once), and the end of TCP in either direction. After every step it checks:

* only legal state changes: OPEN -> CLOSING -> CLOSED, or OPEN -> CLOSED, never back;
* nothing is sent after our own close frame, and every close frame on the wire carries a code
  that may be sent (section 7.4) and a UTF-8 reason, in at most 125 bytes;
* every message is delivered once and in order: what one side received is always a prefix of
  what the other sent, and after a clean closing handshake it is all of it (up to the close);
* each side hands out exactly one Closed event, and nothing after it.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from wslib.connection import BinaryMessage, Closed, Connection, Ping, Pong, State, TextMessage
from wslib.errors import ConnectionClosed
from wslib.frames import Opcode, close_code_allowed, decode_close
from wslib.reader import FrameReader

SIDES = ("client", "server")
LEGAL = {(State.OPEN, State.CLOSING), (State.OPEN, State.CLOSED), (State.CLOSING, State.CLOSED)}
codes = st.sampled_from([1000, 1001, 1003, 1008, 1011, 3000, 4001, 4999])
reasons = st.text(max_size=20)


class ConnectionPair(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.conn = {"client": Connection("client", max_message_size=None, mask_key=lambda: b"\x01\x02\x03\x04"),
                     "server": Connection("server", max_message_size=None)}
        self.pipe = {side: b"" for side in SIDES}  # bytes sent by `side`, not yet delivered
        self.tcp_open = {side: True for side in SIDES}  # can `side` still write to TCP?
        self.sent = {side: [] for side in SIDES}  # messages `side` queued, in order
        self.sent_before_close = {side: None for side in SIDES}  # len(sent) at its close frame
        self.received = {side: [] for side in SIDES}
        self.closed_events = {side: [] for side in SIDES}
        self.state = {side: State.OPEN for side in SIDES}
        # the bytes each side wrote, parsed back: no frame after a close frame
        self.wire = {side: FrameReader(expect_mask=side == "client") for side in SIDES}
        self.close_on_wire = {side: None for side in SIDES}  # the (code, reason) it sent

    @staticmethod
    def other(side: str) -> str:
        return "server" if side == "client" else "client"

    def _collect(self, side: str) -> None:
        """Move `side`'s queued bytes into its pipe, checking every frame it wrote."""
        data = self.conn[side].data_to_send()
        if not data:
            return
        for frame in self.wire[side].feed(data):
            assert self.close_on_wire[side] is None, f"{side} sent {frame!r} after its close frame"
            if frame.opcode == Opcode.CLOSE:
                assert len(frame.payload) <= 125
                code, reason = decode_close(frame.payload)  # raises for a bad code / reason
                assert code == 1005 or close_code_allowed(code)
                self.close_on_wire[side] = (code, reason)
                self.sent_before_close[side] = len(self.sent[side])
        if self.tcp_open[side]:  # (after its TCP ended, nothing it writes arrives)
            self.pipe[side] += data

    def _events(self, side: str, events: list) -> None:
        for event in events:
            assert not self.closed_events[side], f"{side} got {event!r} after Closed"
            if isinstance(event, (TextMessage, BinaryMessage)):
                self.received[side].append(event.data)
            elif isinstance(event, Closed):
                self.closed_events[side].append(event)
            else:
                assert isinstance(event, (Ping, Pong))
        self._collect(side)

    # ------------------------------------------------------------------ rules

    @rule(side=st.sampled_from(SIDES), text=st.text(max_size=40),
          fragment=st.one_of(st.none(), st.integers(1, 8)))
    def send_text(self, side, text, fragment):
        self._send(side, text, lambda c: c.send_text(text, fragment_size=fragment))

    @rule(side=st.sampled_from(SIDES), data=st.binary(max_size=300),
          fragment=st.one_of(st.none(), st.integers(1, 100)))
    def send_binary(self, side, data, fragment):
        self._send(side, data, lambda c: c.send_binary(data, fragment_size=fragment))

    def _send(self, side, message, call):
        conn = self.conn[side]
        if conn.state is State.OPEN:
            call(conn)
            self.sent[side].append(message)
        else:
            try:
                call(conn)
            except ConnectionClosed:
                pass
            else:
                raise AssertionError(f"{side} accepted a message in state {conn.state.name}")
            assert conn.data_to_send() == b"", "a refused message still queued bytes"
        self._collect(side)

    @rule(side=st.sampled_from(SIDES), payload=st.binary(max_size=125))
    def ping(self, side, payload):
        conn = self.conn[side]
        if conn.close_sent is None and conn.state is not State.CLOSED:
            conn.send_ping(payload)
        self._collect(side)

    @rule(side=st.sampled_from(SIDES), code=codes, reason=reasons)
    def close(self, side, code, reason):
        if len(reason.encode()) > 123:
            return
        self.conn[side].close(code, reason)  # a second close() is ignored
        self._collect(side)

    @rule(side=st.sampled_from(SIDES), code=codes)
    def fail(self, side, code):
        self.conn[side].fail(code, "local failure")
        self._events(side, self.conn[side].events())  # its Closed event

    @rule(side=st.sampled_from(SIDES), cut=st.integers(0, 400))
    def deliver(self, side, cut):
        """Hand the first `cut` bytes of `side`'s pipe to the other side."""
        data, self.pipe[side] = self.pipe[side][:cut], self.pipe[side][cut:]
        if data:
            to = self.other(side)
            self._events(to, self.conn[to].receive_data(data))

    @precondition(lambda self: any(self.tcp_open.values()))
    @rule(side=st.sampled_from(SIDES))
    def end_of_tcp(self, side):
        """`side` closes TCP: what is in its pipe arrives, then the end of the stream."""
        if not self.tcp_open[side]:
            return
        self.deliver(side, len(self.pipe[side]))
        self._collect(side)
        self.deliver(side, len(self.pipe[side]))
        self.tcp_open[side] = False
        to = self.other(side)
        self._events(to, self.conn[to].receive_eof())

    # ------------------------------------------------------------------ invariants

    @invariant()
    def states_change_legally(self):
        for side in SIDES:
            new = self.conn[side].state
            old = self.state[side]
            assert new == old or (old, new) in LEGAL, f"{side}: {old.name} -> {new.name}"
            self.state[side] = new
            # every event was handed out by the call that produced it: nothing waits
            assert self.conn[side].events() == []
            assert (new is State.CLOSED) == bool(self.closed_events[side])

    @invariant()
    def messages_once_and_in_order(self):
        for side in SIDES:
            got, sent = self.received[side], self.sent[self.other(side)]
            assert got == sent[:len(got)], f"{side} received {got!r}, the other sent {sent!r}"
            closed = self.closed_events[side]
            if closed and closed[0].error is None and closed[0].code != 1006:
                # a clean close frame from the peer: everything it sent before it has arrived
                assert len(got) == self.sent_before_close[self.other(side)]

    @invariant()
    def at_most_one_closed_event(self):
        for side in SIDES:
            assert len(self.closed_events[side]) <= 1


TestConnectionPair = ConnectionPair.TestCase
TestConnectionPair.settings = settings(max_examples=150, stateful_step_count=40, deadline=None,
                                       suppress_health_check=[HealthCheck.too_slow])
