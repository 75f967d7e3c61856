"""The fragment viewer of lesson 05 (wslib.widgets.fragments), tested without Jupyter."""

from __future__ import annotations

import pytest

from wslib.connection import Connection, TextMessage
from wslib.frames import Opcode
from wslib.widgets.fragments import (
    EXAMPLE_TEXT,
    FIXED_MASK,
    format_fragments,
    fragment_rows,
    fragments_widget,
    render_fragments,
)


def test_rows_follow_section_5_4():
    rows = fragment_rows("Hello, world", 5)
    assert [(r.fin, r.opcode) for r in rows] == [(False, Opcode.TEXT), (False, Opcode.CONT),
                                                (True, Opcode.CONT)]
    assert [r.payload for r in rows] == [b"Hello", b", wor", b"ld"]
    assert [r.kind for r in rows] == ["first", "middle", "last"]


def test_single_frame_when_it_fits_or_no_size():
    for size in (None, 12, 100):
        rows = fragment_rows("Hello, world", size)
        assert len(rows) == 1 and rows[0].fin and rows[0].opcode == Opcode.TEXT
        assert rows[0].kind == "only frame"


def test_empty_message_is_one_empty_frame():
    rows = fragment_rows("", 3)
    assert [(r.fin, r.opcode, r.payload) for r in rows] == [(True, Opcode.TEXT, b"")]


def test_wire_bytes_are_masked_frames_with_the_fixed_key():
    rows = fragment_rows("Hello", 2)
    for r in rows:
        assert r.wire[1] & 0x80  # MASK bit: a client's frames
        assert r.wire[2:6] == FIXED_MASK
        assert len(r.wire) == 6 + len(r.payload)


@pytest.mark.parametrize("size", range(1, 12))
def test_split_characters_are_held_then_completed(size):
    text = "a€b世"  # 1 + 3 + 1 + 3 bytes
    rows = fragment_rows(text, size)
    assert "".join(r.text for r in rows) == text
    assert rows[-1].held == 0
    for r in rows:
        assert 0 <= r.held <= 3


def test_held_bytes_shown():
    rows = fragment_rows(EXAMPLE_TEXT, 8)
    assert rows[0].text == "Hello, " and rows[0].held == 1
    assert rows[1].text.startswith("世界")


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 31, 100])
def test_server_reassembles_the_wire_bytes(size):
    rows = fragment_rows(EXAMPLE_TEXT, size)
    server = Connection("server")
    events = server.receive_data(b"".join(r.wire for r in rows))
    assert events == [TextMessage(EXAMPLE_TEXT)]


def test_text_table():
    lines = format_fragments(fragment_rows("Hello, world", 5)).splitlines()
    assert lines[0].startswith("#  FIN  opcode  payload bytes")
    assert lines[1].startswith("0  0    TEXT    48 65 6c 6c 6f")
    assert lines[3].startswith("2  1    CONT    6c 64")
    held = format_fragments(fragment_rows(EXAMPLE_TEXT, 8)).splitlines()[1]
    assert "1 byte(s) of a character held for the next frame" in held


def test_text_table_cuts_long_payloads():
    line = format_fragments(fragment_rows("x" * 40, 20)).splitlines()[1]
    assert "..." in line


def test_html():
    page = render_fragments("Hello, world", 5)
    assert "12 payload bytes in 3 frame(s): 30 bytes on the wire" in page
    assert page.count("<tr>") == 4
    assert "&lt;b&gt;" in render_fragments("<b>", 10) and "<b>'" not in render_fragments("<b>", 10)


def test_widget_builds_and_updates():
    pytest.importorskip("ipywidgets")
    box = fragments_widget()
    text, slider, out = box.children
    assert slider.value == 8 and slider.max == len(EXAMPLE_TEXT.encode())
    assert "4 frame(s)" in out.value
    slider.value = 31
    assert "1 frame(s)" in out.value
    text.value = "abc"
    assert slider.max == 3 and "3 payload bytes in 1 frame(s)" in out.value
    slider.value = 1
    assert "3 frame(s)" in out.value
