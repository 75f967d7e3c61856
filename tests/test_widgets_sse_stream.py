"""The event-stream explorer of lesson 09: each line's explanation, and the events dispatched,
which must be exactly those of wslib's WHATWG parser for any line ends."""

from __future__ import annotations

import pytest

from wslib.sse import parse_events
from wslib.widgets.sse_stream import EXAMPLE, LINE_ENDS, explain, render, sse_stream_widget


def dispatched(steps):
    return [e for step in steps for e in step.events]


@pytest.mark.parametrize("ending", list(LINE_ENDS.values()))
def test_the_example_dispatches_what_the_parser_does(ending):
    stream = EXAMPLE.replace("\n", ending)
    assert dispatched(explain(stream)) == parse_events(stream.encode())
    assert len(dispatched(explain(stream))) == 3


def test_events_appear_at_the_blank_line_that_dispatches_them():
    steps = explain("data: a\ndata: b\n\n")
    assert [s.line for s in steps] == ["data: a", "data: b", ""]
    assert [len(s.events) for s in steps] == [0, 0, 1]
    assert steps[2].events[0].data == "a\nb"
    assert "dispatch" in steps[2].action


@pytest.mark.parametrize("line, words", [
    (": keepalive", "comment"),
    ("data:  two", "value ' two'"),
    ("data", "no colon"),
    ("event: score", "type"),
    ("id: 7", "last event ID"),
    ("id: a\0b", "NUL"),
    ("retry: 1500", "1500 ms"),
    ("retry: 1.5", "only ASCII digits"),
    ("Data: x", "case-sensitive"),
])
def test_each_rule_is_named(line, words):
    step = explain(line + "\n")[0]
    assert words in step.action


def test_blank_line_without_data_says_nothing_is_dispatched():
    steps = explain("id: 1\n\n")
    assert "nothing is dispatched" in steps[1].action and not steps[1].events


def test_bom_and_unfinished_last_line():
    steps = explain("\ufeffdata: x\n\ndata: cut")
    assert "BOM" in steps[0].action
    assert steps[-1].ending == "" and "dropped" in steps[-1].action
    assert [e.data for e in dispatched(steps)] == ["x"]


def test_bytes_and_crlf_split():
    steps = explain(b"data: a\r\n\r\n")
    assert [s.ending for s in steps] == ["\r\n", "\r\n"]
    assert dispatched(steps)[0].data == "a"


def test_render_escapes_and_counts():
    html = render(explain("data: <b>\r\n\r\n"))
    assert "&lt;b&gt;" in html and "\\r\\n" in html and "<b>1 event(s)</b>" in html


def test_widget_updates_when_the_line_ends_change():
    box = sse_stream_widget("data: x\n\n")
    area, (ends, bom), out = box.children[0], box.children[1].children, box.children[2]
    ends.value = "CR (\\r)"
    assert "\\r" in out.value
    bom.value = True
    assert "BOM" in out.value
    area.value = "data: a\n\ndata: b\n\n"
    assert "<b>2 event(s)</b>" in out.value
