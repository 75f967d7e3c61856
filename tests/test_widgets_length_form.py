"""The length-form slider of lesson 00: the form, the header bytes, and the HTML it shows."""

from __future__ import annotations

import pytest

from wslib.errors import UsageError
from wslib.frames import Frame, encode_frame, parse_header
from wslib.widgets.length_form import length_form, render_length_form


@pytest.mark.parametrize("n, form, len7, server, client", [
    (0, "7-bit", 0, 2, 6),
    (5, "7-bit", 5, 2, 6),
    (125, "7-bit", 125, 2, 6),
    (126, "16-bit", 126, 4, 8),
    (65535, "16-bit", 126, 4, 8),
    (65536, "64-bit", 127, 10, 14),
    (2**63 - 1, "64-bit", 127, 10, 14),
])
def test_forms_at_the_boundaries(n, form, len7, server, client):
    f = length_form(n)
    assert (f.form, f.len7, f.server_header, f.client_header) == (form, len7, server, client)


@pytest.mark.parametrize("n", [0, 1, 125, 126, 127, 1000, 65535, 65536, 70000])
def test_header_bytes_are_what_wslib_encodes(n):
    f = length_form(n)
    assert encode_frame(Frame(0x1, bytes(n)))[:f.server_header] == f.header_bytes()
    masked = encode_frame(Frame(0x1, bytes(n), mask=b"\x37\xfa\x21\x3d"))
    assert parse_header(masked).size == f.client_header


@pytest.mark.parametrize("bad", [-1, 2**63, 1.5, True, "5"])
def test_refuses_what_is_not_a_length(bad):
    with pytest.raises(UsageError):
        length_form(bad)


def test_render_names_the_form_and_the_totals():
    text = render_length_form(5)
    assert "7-bit length form" in text and ">81<" in text and ">05<" in text
    assert "<b>2</b> bytes" in text and "<b>6</b> bytes" in text
    text = render_length_form(300)
    assert "16-bit" in text and "<b>126</b>" in text and ">01<" in text and ">2c<" in text
    assert "64-bit" in render_length_form(65536)


def test_widget_starts_deterministic():
    pytest.importorskip("ipywidgets")
    from wslib.widgets.length_form import length_form_widget

    box = length_form_widget()
    slider, html = box.children
    assert slider.value == 5 and html.value == render_length_form(5)
    slider.value = 126
    assert html.value == render_length_form(126)
