"""The stream cutter of lesson 06 (wslib.widgets.stream_cutter), tested without Jupyter."""

from __future__ import annotations

import pytest

from wslib.frames import Opcode
from wslib.widgets.stream_cutter import (
    EXAMPLE_FRAMES,
    cut_rows,
    example_stream,
    format_cuts,
    parse_cuts,
    render_cuts,
    stream_cutter_widget,
)

STREAM = example_stream()


def frames_of(rows):
    return [f for r in rows for f in r.frames]


def test_example_is_three_frames_of_twenty_bytes():
    assert len(STREAM) == 20
    assert frames_of(cut_rows(STREAM, [])) == [f._replace() for f in EXAMPLE_FRAMES]


@pytest.mark.parametrize("cut", range(1, 20))
def test_every_single_cut_gives_the_same_frames(cut):
    rows = cut_rows(STREAM, [cut])
    assert len(rows) == 2 and b"".join(r.chunk for r in rows) == STREAM
    assert frames_of(rows) == list(EXAMPLE_FRAMES)


def test_byte_by_byte():
    rows = cut_rows(STREAM, list(range(1, 20)))
    assert len(rows) == 20 and frames_of(rows) == list(EXAMPLE_FRAMES)
    # a frame completes in the row of its last byte: offsets 6, 14 and 19
    assert [r.index for r in rows if r.frames] == [6, 14, 19]


def test_buffered_counts_the_unfinished_frame():
    rows = cut_rows(STREAM, [3, 9, 15])
    assert [r.buffered for r in rows] == [3, 2, 0, 0]
    assert [len(r.frames) for r in rows] == [0, 1, 1, 1]


def test_parse_cuts():
    assert parse_cuts("3, 9 15", 20) == ([3, 9, 15], "")
    cuts, note = parse_cuts("9, 3, 3, x, 0, 40", 20)
    assert cuts == [3, 9]
    assert "'x'" in note and "0" in note and "40" in note and "1 to 19" in note
    assert parse_cuts("", 20) == ([], "")


def test_text_table():
    lines = format_cuts(cut_rows(STREAM, [3, 9, 15])).splitlines()
    assert lines[0].startswith("recv  bytes  kept  data")
    assert lines[1].split()[:3] == ["0", "3", "3"] and lines[1].endswith("-")
    assert lines[2].endswith("TEXT 'Hello'")
    assert lines[3].endswith("TEXT '粘包'")


def test_html_marks_cuts_and_colours_frames():
    page = render_cuts(STREAM, [3, 9])
    assert page.count(">|</b>") == 2
    assert "20 bytes in 3 recv() call(s); the reader completed 3 frame(s)" in page
    assert page.count("<tr>") == 4
    assert "#b6e3ff" in page and "#fae17d" in page and "#ffcecb" in page
    assert "frame 1: TEXT &#x27;粘包&#x27;" in page


def test_incomplete_stream_is_shown_not_raised():
    rows = cut_rows(STREAM[:10], [4])
    assert frames_of(rows) == [EXAMPLE_FRAMES[0]] and rows[-1].buffered == 3
    assert "none yet" in render_cuts(STREAM[:4], [])


def test_widget_builds_and_updates():
    pytest.importorskip("ipywidgets")
    box, every, note, out = stream_cutter_widget().children
    assert box.value == "3, 9, 15" and "4 recv() call(s)" in out.value
    every.value = 5
    assert box.value == "5, 10, 15" and "4 recv() call(s)" in out.value
    box.value = "1, nonsense"
    assert "nonsense" in note.value and "2 recv() call(s)" in out.value
    every.value = 0
    assert box.value == "" and "1 recv() call(s)" in out.value
    assert Opcode.BINARY == EXAMPLE_FRAMES[2].opcode
