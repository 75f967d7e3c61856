"""Tests for wslib.sse: the event-stream parser rule by rule (WHATWG HTML 9.2.6), then the encoder.

The parser table lists, for each rule, the chunks a server's bytes arrive in and the events a
browser would dispatch. Every case is also replayed one byte at a time and all at once: the
chunking must never change the result.
"""

from __future__ import annotations

import pytest

from wslib.errors import SSEError, UsageError
from wslib.sse import Event, EventStreamParser, encode_comment, encode_event, parse_events


def E(data, event="message", id=None, retry=None, last=""):
    """An expected event; ``last`` is the last event ID at dispatch time."""
    return Event(data=data, event=event, id=id, retry=retry, last_event_id=last)


def run(chunks, parser=None):
    parser = parser or EventStreamParser()
    events = []
    for chunk in chunks:
        events += parser.feed(chunk)
    events += parser.close()
    return events, parser


# (id, chunks, expected events, expected (last_event_id, retry) after the stream)
CASES = [
    # --- dispatch, data joining, event types
    ("simple", [b"data: hello\n\n"], [E("hello")], ("", None)),
    ("data-lines-joined-with-lf", [b"data: a\ndata: b\ndata: c\n\n"], [E("a\nb\nc")], ("", None)),
    ("trailing-empty-data-line-kept", [b"data: a\ndata:\n\n"], [E("a\n")], ("", None)),
    ("event-type", [b"event: add\ndata: 1\n\n"], [E("1", "add")], ("", None)),
    ("event-type-reset-after-dispatch", [b"event: add\ndata: 1\n\ndata: 2\n\n"],
     [E("1", "add"), E("2")], ("", None)),
    ("empty-event-type-is-message", [b"event:\ndata: a\n\n"], [E("a")], ("", None)),
    ("last-event-field-wins", [b"event: a\nevent: b\ndata: x\n\n"], [E("x", "b")], ("", None)),
    ("no-data-dispatches-nothing", [b"event: x\n\n"], [], ("", None)),
    ("no-data-still-resets-event-type", [b"event: x\n\ndata: 2\n\n"], [E("2")], ("", None)),
    ("leading-blank-lines", [b"\n\n\r\ndata: a\n\n"], [E("a")], ("", None)),
    ("two-events", [b"data: a\n\ndata: b\n\n"], [E("a"), E("b")], ("", None)),
    # --- line ends
    ("crlf", [b"data: a\r\ndata: b\r\n\r\n"], [E("a\nb")], ("", None)),
    ("cr", [b"data: a\rdata: b\r\r"], [E("a\nb")], ("", None)),
    ("mixed-line-ends", [b"data: a\ndata: b\r\ndata: c\r\r\n"], [E("a\nb\nc")], ("", None)),
    ("lf-cr-is-two-line-ends", [b"data: a\n\rdata: b\n\n"], [E("a"), E("b")], ("", None)),
    ("crlf-split-across-chunks", [b"data: a\r", b"\ndata: b\r\n\r\n"], [E("a\nb")], ("", None)),
    ("crlf-split-then-blank", [b"data: a\r\n\r", b"\n"], [E("a")], ("", None)),
    ("cr-at-chunk-end-then-text", [b"data: a\r", b"data: b\r", b"\r"], [E("a\nb")], ("", None)),
    ("cr-at-chunk-end-then-cr", [b"data: a\r", b"\rdata: b\r\r"], [E("a"), E("b")], ("", None)),
    ("cr-empty-chunk-lf", [b"data: a\r", b"", b"\ndata: b\n\n"], [E("a\nb")], ("", None)),
    ("unicode-line-separators-are-text", ["data: a\u2028b\x0bc\x0cd\x1ce\u0085f\n\n".encode()],
     [E("a\u2028b\x0bc\x0cd\x1ce\u0085f")], ("", None)),
    # --- comments and field syntax
    ("comment-ignored", [b": a comment\ndata: x\n\n"], [E("x")], ("", None)),
    ("comment-only-block", [b": keepalive\n\n"], [], ("", None)),
    ("comment-no-space", [b":data: x\ndata: y\n\n"], [E("y")], ("", None)),
    ("field-without-colon", [b"data\n\n"], [E("")], ("", None)),
    ("two-fields-without-colon", [b"data\ndata\n\n"], [E("\n")], ("", None)),
    ("data-colon-no-value", [b"data:\n\n"], [E("")], ("", None)),
    ("no-space-after-colon", [b"data:x\n\n"], [E("x")], ("", None)),
    ("only-one-space-stripped", [b"data:  x\n\n"], [E(" x")], ("", None)),
    ("tab-not-stripped", [b"data:\tx\n\n"], [E("\tx")], ("", None)),
    ("trailing-space-kept", [b"data: x \n\n"], [E("x ")], ("", None)),
    ("later-colons-are-value", [b"data: a:b: c\n\n"], [E("a:b: c")], ("", None)),
    ("unknown-field-ignored", [b"foo: bar\ndata: a\n\n"], [E("a")], ("", None)),
    ("field-names-case-sensitive", [b"Data: a\nEVENT: x\nID: 1\ndata: b\n\n"], [E("b")],
     ("", None)),
    ("space-before-colon-is-other-field", [b"data : a\ndata: b\n\n"], [E("b")], ("", None)),
    ("whitespace-line-is-a-field", [b" \ndata: a\n\n"], [E("a")], ("", None)),
    ("nul-in-data-kept", [b"data: a\x00b\n\n"], [E("a\x00b")], ("", None)),
    # --- id and the last event ID
    ("id", [b"id: 1\ndata: a\n\n"], [E("a", id="1", last="1")], ("1", None)),
    ("id-persists", [b"id: 1\ndata: a\n\ndata: b\n\n"],
     [E("a", id="1", last="1"), E("b", last="1")], ("1", None)),
    ("empty-id-resets", [b"id: 1\ndata: a\n\nid\ndata: b\n\n"],
     [E("a", id="1", last="1"), E("b", id="", last="")], ("", None)),
    ("empty-id-colon-resets", [b"id: 1\ndata: a\n\nid:\ndata: b\n\n"],
     [E("a", id="1", last="1"), E("b", id="", last="")], ("", None)),
    ("id-with-nul-ignored", [b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n"],
     [E("a", id="1", last="1"), E("b", last="1")], ("1", None)),
    ("id-spaces-kept", [b"id:  7 \ndata: a\n\n"], [E("a", id=" 7 ", last=" 7 ")], (" 7 ", None)),
    ("id-in-block-without-data", [b"id: 5\n\ndata: a\n\n"], [E("a", last="5")], ("5", None)),
    ("id-after-data-same-block", [b"data: a\nid: 9\n\n"], [E("a", id="9", last="9")], ("9", None)),
    ("id-of-unfinished-block-forgotten", [b"id: 1\ndata: a\n\nid: 2\ndata: b\n"],
     [E("a", id="1", last="1")], ("1", None)),
    # --- retry
    ("retry", [b"retry: 3000\ndata: a\n\n"], [E("a", retry=3000)], ("", 3000)),
    ("retry-zero-and-leading-zeros", [b"retry: 0042\ndata: a\n\n"], [E("a", retry=42)],
     ("", 42)),
    ("retry-alone-dispatches-nothing", [b"retry: 1500\n\n"], [], ("", 1500)),
    ("retry-not-repeated-on-next-event", [b"retry: 10\ndata: a\n\ndata: b\n\n"],
     [E("a", retry=10), E("b")], ("", 10)),
    ("retry-with-letters-ignored", [b"retry: 15s\ndata: a\n\n"], [E("a")], ("", None)),
    ("retry-negative-ignored", [b"retry: -5\ndata: a\n\n"], [E("a")], ("", None)),
    ("retry-decimal-ignored", [b"retry: 1.5\ndata: a\n\n"], [E("a")], ("", None)),
    ("retry-two-spaces-ignored", [b"retry:  100\ndata: a\n\n"], [E("a")], ("", None)),
    ("retry-empty-ignored", [b"retry:\nretry\ndata: a\n\n"], [E("a")], ("", None)),
    ("retry-non-ascii-digits-ignored", ["retry: \u0661\u0662\ndata: a\n\n".encode()], [E("a")],
     ("", None)),
    ("retry-invalid-keeps-previous", [b"retry: 100\n\nretry: x\ndata: a\n\n"], [E("a")],
     ("", 100)),
    ("retry-in-unfinished-block-still-counts", [b"retry: 7\ndata: a"], [], ("", 7)),
    # --- end of stream
    ("unterminated-event-dropped", [b"data: a\n\ndata: b\n"], [E("a")], ("", None)),
    ("unterminated-line-dropped", [b"data: a\n\ndata: b"], [E("a")], ("", None)),
    ("single-line-end-is-not-enough", [b"data: a\r\n"], [], ("", None)),
    # --- BOM and UTF-8
    ("bom-stripped", [b"\xef\xbb\xbfdata: a\n\n"], [E("a")], ("", None)),
    ("bom-split-across-chunks", [b"\xef", b"\xbb", b"\xbfdata: a\n\n"], [E("a")], ("", None)),
    ("second-bom-kept", [b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\ndata: b\n\n"], [E("b")],
     ("", None)),
    ("bom-in-data-kept", [b"\xef\xbb\xbfdata: \xef\xbb\xbfa\n\n"], [E("\ufeffa")], ("", None)),
    ("bom-later-in-stream-kept", [b"data: a\n\n\xef\xbb\xbfdata: b\n\n"], [E("a")], ("", None)),
    ("invalid-utf8-replaced", [b"data: a\xffb\n\n"], [E("a\ufffdb")], ("", None)),
    ("truncated-utf8-one-replacement", [b"data: \xe2\x82\n\n"], [E("\ufffd")], ("", None)),
    ("invalid-utf8-split-across-chunks", [b"data: \xe2", b"\x82", b"\n\n"], [E("\ufffd")],
     ("", None)),
    ("multibyte-split-across-chunks", [b"data: \xe2", b"\x82", b"\xac\n\n"], [E("\u20ac")],
     ("", None)),
    ("four-byte-split-across-chunks", [b"data: \xf0\x9f", b"\x98", b"\x80\n\n"], [E("\U0001f600")],
     ("", None)),
    ("split-char-and-split-crlf", [b"data: \xc3", b"\xa9\r", b"\ndata: \xe2\x82", b"\xac\r\n\r\n"],
     [E("\xe9\n\u20ac")], ("", None)),
]


def by_bytes(chunks):
    whole = b"".join(chunks)
    return [whole[i : i + 1] for i in range(len(whole))]


PARAMS = [pytest.param(*case[1:], id=case[0]) for case in CASES]


@pytest.mark.parametrize("chunks, expected, state", PARAMS)
def test_parser(chunks, expected, state):
    events, parser = run(chunks)
    assert events == expected
    assert (parser.last_event_id, parser.retry) == state


@pytest.mark.parametrize("chunks, expected, state", PARAMS)
def test_parser_any_chunking(chunks, expected, state):
    assert run(by_bytes(chunks))[0] == expected
    assert run([b"".join(chunks)])[0] == expected
    assert parse_events(b"".join(chunks)) == expected


def test_table_is_big_enough():
    assert len(CASES) >= 30
    assert len({c[0] for c in CASES}) == len(CASES)  # unique, readable ids


# --------------------------------------------------------------------------------------------
# Parser state across feeds and streams
# --------------------------------------------------------------------------------------------


def test_feed_returns_events_as_soon_as_complete():
    parser = EventStreamParser()
    assert parser.feed(b"data: a\n") == []
    assert parser.feed(b"\ndata: b\n\ndata: c") == [E("a"), E("b")]
    assert parser.feed(b"\n\n") == [E("c")]


def test_last_event_id_takes_effect_at_the_blank_line():
    parser = EventStreamParser()
    parser.feed(b"id: 9\n")
    assert parser.last_event_id == ""
    parser.feed(b"\n")
    assert parser.last_event_id == "9"


def test_retry_takes_effect_at_once():
    parser = EventStreamParser()
    parser.feed(b"retry: 250\n")
    assert parser.retry == 250


def test_close_discards_unfinished_event_and_keeps_state_for_reconnection():
    parser = EventStreamParser()
    assert parser.feed(b"id: 1\nretry: 500\ndata: a\n\nid: 2\ndata: lost\n") == [
        E("a", id="1", retry=500, last="1")]
    assert parser.close() == []
    assert (parser.last_event_id, parser.retry) == ("1", 500)
    # A new stream (reconnection): nothing of the lost event leaks in; the last event ID carries.
    assert parser.feed(b"\xef\xbb\xbfdata: b\n\n") == [E("b", last="1")]
    assert parser.close() == []


def test_close_drops_a_pending_line_and_a_split_character():
    parser = EventStreamParser()
    parser.feed(b"data: a\n\ndata: \xe2\x82")
    parser.close()
    assert parser.feed(b"data: b\n\n") == [E("b")]


# --------------------------------------------------------------------------------------------
# Size limit and linear cost
# --------------------------------------------------------------------------------------------


def test_max_buffer_long_line_in_pieces():
    parser = EventStreamParser(max_buffer=100)
    parser.feed(b"data: " + b"x" * 94)  # exactly 100 characters: accepted
    with pytest.raises(SSEError, match="longer than max_buffer=100"):
        parser.feed(b"x")


def test_max_buffer_long_line_in_one_chunk():
    parser = EventStreamParser(max_buffer=100)
    with pytest.raises(SSEError, match="a line of the event stream is longer than max_buffer=100"):
        parser.feed(b"data: " + b"x" * 200 + b"\n")


def test_max_buffer_long_comment_line():
    parser = EventStreamParser(max_buffer=100)
    with pytest.raises(SSEError, match="max_buffer"):
        parser.feed(b":" + b"x" * 200)


def test_max_buffer_event_data_over_many_lines():
    parser = EventStreamParser(max_buffer=100)
    parser.feed(b"data: 123456789\n" * 10)  # 10 x ("123456789" + LF) = 100: accepted
    with pytest.raises(SSEError, match="the data of one event is longer than max_buffer=100"):
        parser.feed(b"data: x\n")


def test_max_buffer_counts_per_event():
    parser = EventStreamParser(max_buffer=100)
    for _ in range(50):  # 5000 characters in total, but each event is small
        assert parser.feed(b"data: " + b"y" * 80 + b"\n\n") == [E("y" * 80)]


def test_max_buffer_none_means_no_limit():
    parser = EventStreamParser(max_buffer=None)
    assert parser.feed(b"data: " + b"z" * (1 << 21) + b"\n\n") == [E("z" * (1 << 21))]


def test_default_max_buffer_is_one_mib():
    parser = EventStreamParser()
    assert parser.max_buffer == 1 << 20
    with pytest.raises(SSEError):
        parser.feed(b"data: " + b"z" * (1 << 20))


@pytest.mark.parametrize("bad", [0, -1])
def test_max_buffer_must_be_positive(bad):
    with pytest.raises(UsageError):
        EventStreamParser(max_buffer=bad)


def test_unfinished_line_is_kept_in_pieces_not_re_concatenated():
    # No timing test: instead we check the structure that makes feeding linear. Feeding a long
    # line one byte at a time must not build a new, ever longer string per feed (that would be
    # quadratic); the pieces wait in a list and are joined once, when the line end arrives.
    parser = EventStreamParser()
    n = 5000
    for _ in range(n):
        parser.feed(b"a")
    assert len(parser._line) == n and all(piece == "a" for piece in parser._line)
    assert parser.feed(b"\n") == [] and parser._line == []
    assert parser.feed(b"data: x\n\n") == [E("x")]


def test_big_stream_one_byte_at_a_time():
    # Mixed line ends, multi-byte characters: about 100 KB, fed one byte at a time.
    block = "id: {0}\r\nevent: tick\ndata: {0} \u20ac\r\ndata: line two\r\r\n"
    stream = "".join(block.format(i) for i in range(2000)).encode()
    parser = EventStreamParser()
    events = []
    for i in range(len(stream)):
        events += parser.feed(stream[i : i + 1])
    expected = [E(f"{i} \u20ac\nline two", "tick", id=str(i), last=str(i)) for i in range(2000)]
    assert events == expected


# --------------------------------------------------------------------------------------------
# Encoder
# --------------------------------------------------------------------------------------------


def test_encode_simple():
    assert encode_event(data="hello") == b"data: hello\n\n"
    assert Event("hello").encode() == b"data: hello\n\n"


def test_encode_all_fields():
    event = Event(data="x", event="add", id="42", retry=3000)
    assert event.encode() == b"event: add\nid: 42\nretry: 3000\ndata: x\n\n"
    assert encode_event(event) == event.encode()


def test_encode_ignores_last_event_id():
    assert Event("x", last_event_id="7").encode() == b"data: x\n\n"


def test_encode_keywords_override_event_fields():
    event = Event(data="x", event="add", id="1")
    assert encode_event(event, data="y", id="2") == b"event: add\nid: 2\ndata: y\n\n"
    assert encode_event(event, event_type="message") == b"id: 1\ndata: x\n\n"


@pytest.mark.parametrize("data", ["a\nb\nc", "a\r\nb\r\nc", "a\rb\rc", "a\r\nb\nc"])
def test_encode_multiline_data(data):
    assert encode_event(data=data) == b"data: a\ndata: b\ndata: c\n\n"
    assert parse_events(encode_event(data=data)) == [E("a\nb\nc")]


def test_encode_trailing_and_empty_lines():
    assert encode_event(data="a\n") == b"data: a\ndata:\n\n"
    assert encode_event(data="\n\n") == b"data:\ndata:\ndata:\n\n"
    assert parse_events(encode_event(data="\n\n")) == [E("\n\n")]


def test_encode_empty_data_is_still_dispatched():
    # Without a data line a browser would dispatch nothing; "data:" makes an event with data "".
    assert encode_event(data="") == b"data:\n\n"
    assert parse_events(encode_event(data="")) == [E("")]
    assert parse_events(b"event: x\n\n") == []  # what would happen without the data line


def test_encode_leading_space_survives():
    assert encode_event(data=" x", event_type="  t", id=" 1") == b"event:   t\nid:  1\ndata:  x\n\n"
    assert parse_events(encode_event(data=" x", event_type="  t", id=" 1")) == [
        E(" x", "  t", id=" 1", last=" 1")]


def test_encode_message_type_not_written():
    assert encode_event(data="x", event_type="message") == b"data: x\n\n"
    assert encode_event(data="x", event_type="") == b"data: x\n\n"
    assert encode_event(data="x", event_type="Message") == b"event: Message\ndata: x\n\n"


def test_encode_empty_id_resets():
    assert encode_event(data="x", id="") == b"id:\ndata: x\n\n"
    assert parse_events(encode_event(data="a", id="1") + encode_event(data="b", id="")) == [
        E("a", id="1", last="1"), E("b", id="", last="")]


@pytest.mark.parametrize("char, name", [("\r", "CR (U+000D)"), ("\n", "LF (U+000A)"),
                                        ("\0", "NUL (U+0000)")])
def test_encode_refuses_bad_id(char, name):
    with pytest.raises(SSEError) as info:
        encode_event(data="x", id=f"a{char}b")
    assert name in str(info.value)
    assert "an id cannot contain CR, LF" in str(info.value)


@pytest.mark.parametrize("char, name", [("\r", "CR (U+000D)"), ("\n", "LF (U+000A)")])
def test_encode_refuses_bad_event_type(char, name):
    with pytest.raises(SSEError, match=r"event type .* contains " + name.replace("+", r"\+")
                       .replace("(", r"\(").replace(")", r"\)")):
        encode_event(data="x", event_type=f"a{char}b")


def test_encode_allows_nul_in_event_type_and_data():
    stream = encode_event(data="a\0b", event_type="t\0")
    assert parse_events(stream) == [E("a\0b", "t\0")]


def test_encode_retry():
    assert encode_event(data="x", retry=0) == b"retry: 0\ndata: x\n\n"
    assert encode_event(data="x", retry=10**15) == b"retry: 1000000000000000\ndata: x\n\n"


@pytest.mark.parametrize("bad", [-1, 1.5, "100", True])
def test_encode_refuses_bad_retry(bad):
    with pytest.raises(SSEError, match="retry must be a non-negative int"):
        encode_event(data="x", retry=bad)


def test_encode_unicode_and_refuses_lone_surrogate():
    assert encode_event(data="\xe9\u20ac\U0001f600") == "data: \xe9\u20ac\U0001f600\n\n".encode()
    with pytest.raises(SSEError, match="UTF-8"):
        encode_event(data="\ud800")
    with pytest.raises(SSEError, match="UTF-8"):
        encode_comment("\udfff")


def test_encode_comment():
    assert encode_comment("keepalive") == b": keepalive\n\n"
    assert encode_comment() == b":\n\n"
    assert encode_comment("a\r\nb\rc\n") == b": a\n: b\n: c\n:\n\n"
    assert parse_events(encode_comment("a\nb") + encode_event(data="x")) == [E("x")]


def test_round_trip_sequence():
    sent = [
        Event("hello"),
        Event("two\nlines", event="update", id="1"),
        Event("", retry=2000),
        Event(" spaced ", id=""),
        Event("\u20ac: colon", event="price"),
    ]
    stream = b"".join([encode_comment("hi")] + [e.encode() for e in sent])
    assert parse_events(stream) == [
        E("hello"),
        E("two\nlines", "update", id="1", last="1"),
        E("", retry=2000, last="1"),
        E(" spaced ", id="", last=""),
        E("\u20ac: colon", "price", last=""),
    ]


def test_parse_events_accepts_text():
    assert parse_events("data: \u20ac\n\n") == [E("\u20ac")]
