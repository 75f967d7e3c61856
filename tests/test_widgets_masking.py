"""The masking table of lesson 04 (wslib.widgets.masking), tested without Jupyter."""

from __future__ import annotations

import random

import pytest

from wslib.masking import mask
from wslib.widgets.masking import (
    RFC_KEY,
    format_mask_table,
    mask_rows,
    masking_widget,
    parse_key,
    render_mask_table,
)


def test_rows_follow_rfc_example():
    rows = mask_rows(b"Hello", RFC_KEY)
    assert bytes(r.result for r in rows) == bytes.fromhex("7f9f4d5158")  # RFC 6455 section 5.7
    assert [r.j for r in rows] == [0, 1, 2, 3, 0]
    assert [r.key_byte for r in rows] == [0x37, 0xFA, 0x21, 0x3D, 0x37]
    assert [r.char for r in rows] == list("Hello")


@pytest.mark.parametrize("n", [0, 1, 3, 4, 5, 17])
def test_rows_agree_with_wslib_mask(n):
    rng = random.Random(n)
    data, key = rng.randbytes(n), rng.randbytes(4)
    assert bytes(r.result for r in mask_rows(data, key)) == mask(data, key)


def test_non_printable_bytes_show_as_dot():
    assert [r.char for r in mask_rows(b"\x00\x7f A", RFC_KEY)] == [".", ".", " ", "A"]


def test_rows_reject_bad_key():
    with pytest.raises(ValueError, match="exactly 4 bytes"):
        mask_rows(b"x", b"abc")


def test_text_table_is_exact():
    assert format_mask_table(b"Hello", RFC_KEY).splitlines() == [
        " i  char  byte         j  key byte     XOR result",
        " 0  'H'   48 01001000  0  37 00110111  7f 01111111",
        " 1  'e'   65 01100101  1  fa 11111010  9f 10011111",
        " 2  'l'   6c 01101100  2  21 00100001  4d 01001101",
        " 3  'l'   6c 01101100  3  3d 00111101  51 01010001",
        " 4  'o'   6f 01101111  0  37 00110111  58 01011000",
    ]


def test_text_table_without_bits_aligns_with_titles():
    lines = format_mask_table(b"Hi", RFC_KEY, bits=False).splitlines()
    assert lines[0] == " i  char  byte  j  key byte  XOR result"
    assert lines[1] == " 0  'H'   48    0  37        7f"


@pytest.mark.parametrize("text, ok", [
    ("37 fa 21 3d", True), ("37fa213d", True), ("37 FA 21 3D", True),
    ("37 fa 21", False), ("zz zz zz zz", False), ("", False), ("37 fa 21 3d 00", False),
])
def test_parse_key(text, ok):
    key, problem = parse_key(text)
    assert (key is not None) == ok and (problem is None) == ok
    if ok:
        assert key == RFC_KEY


def test_html_shows_result_and_frame():
    page = render_mask_table("Hello", "37 fa 21 3d")
    assert "7f 01111111" in page
    assert "81 85 37 fa 21 3d 7f 9f 4d 51 58" in page  # the whole frame of section 5.7


def test_html_escapes_and_reports_problems():
    assert "exactly 4" in render_mask_table("x", "37 fa")
    assert "<script>" not in render_mask_table("<script>", "37 fa 21 3d")


def test_html_long_message_is_cut_and_has_no_frame_line():
    page = render_mask_table("x" * 200, "37 fa 21 3d")
    assert "first 64 of 200 bytes" in page
    assert "on the wire" not in page


def test_widget_builds_and_updates():
    pytest.importorskip("ipywidgets")
    box = masking_widget()
    message, key_box, out = box.children
    assert message.value == "Hello" and "7f 01111111" in out.value
    key_box.value = "00 00 00 00"
    assert "48 01001000</b>" in out.value  # a zero key leaves the data unchanged
    message.value = "A"
    assert "41 01000001</b>" in out.value
