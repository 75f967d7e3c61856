"""The accept-key calculator of lesson 02: its steps, its key checks, its HTML, its widget."""

from __future__ import annotations

import base64
import random

import pytest

from wslib.handshake import GUID, accept_key, generate_key
from wslib.widgets.accept import RFC_EXAMPLE_KEY, accept_steps, key_problem, render_steps


def test_rfc_example_step_by_step():
    steps = accept_steps(RFC_EXAMPLE_KEY)
    assert steps.problem is None
    assert steps.key_bytes == b"the sample nonce"
    assert steps.joined == "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    assert steps.sha1_hex == "b37a4f2cc0624f1690f64606cf385945b2bec4ea"
    assert len(steps.sha1) == 20
    assert steps.accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


@pytest.mark.parametrize("seed", range(20))
def test_agrees_with_wslib_and_websockets(seed):
    from websockets.utils import accept_key as ws_accept_key

    key = generate_key(random.Random(seed))
    steps = accept_steps(key)
    assert steps.problem is None
    assert steps.accept == accept_key(key) == ws_accept_key(key)


def test_surrounding_whitespace_is_dropped_like_an_http_parser():
    assert accept_steps("  " + RFC_EXAMPLE_KEY + "\t").accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


@pytest.mark.parametrize("key, words", [
    ("", "empty"),
    ("abc", "not valid base64"),
    ("not base64!!", "not valid base64"),
    (base64.b64encode(bytes(15)).decode(), "base64 of 15 bytes"),
    (base64.b64encode(bytes(17)).decode(), "base64 of 17 bytes"),
    ("dGhlIHNhbXBsZSBub25jZQ", "not valid base64"),  # padding missing
    ("dGhlIHNhbXBsZSBub25jZQ==é", "non-ASCII"),
])
def test_key_problems(key, words):
    assert words in key_problem(key)


def test_invalid_key_still_shows_the_steps():
    # A server computes over the key as received; the widget shows it and flags the problem.
    steps = accept_steps("abc")
    assert steps.problem is not None and steps.key_bytes is None
    assert steps.joined == "abc" + GUID
    assert steps.accept == accept_key("abc")


def test_non_ascii_key_cannot_be_hashed():
    steps = accept_steps("clé")
    assert steps.sha1 is None and steps.accept is None and steps.sha1_hex is None
    assert "cannot hash" in render_steps(steps)


def test_html_shows_each_step():
    page = render_steps(accept_steps(RFC_EXAMPLE_KEY))
    for text in ("1. Sec-WebSocket-Key", "2. append the GUID", "3. SHA-1", "4. base64",
                 "b3 7a 4f 2c", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "valid: base64 of 16 bytes",
                 "74 68 65 20"):  # "the " of "the sample nonce"
        assert text in page
    bad = render_steps(accept_steps("abc"))
    assert "invalid" in bad and "400 Bad Request" in bad


def test_html_escapes_the_key():
    page = render_steps(accept_steps("<i>"))
    assert "<i>" not in page
    assert "&lt;i&gt;" in page


def test_widget_updates_as_you_type():
    pytest.importorskip("ipywidgets")
    from wslib.widgets.accept import accept_widget

    box = accept_widget()
    text, out = box.children
    assert text.value == RFC_EXAMPLE_KEY
    assert "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in out.value
    key = generate_key(random.Random(7))
    text.value = key
    assert accept_key(key) in out.value
    text.value = "abc"
    assert "invalid" in out.value


def test_widget_initial_state_is_deterministic():
    pytest.importorskip("ipywidgets")
    from wslib.widgets.accept import accept_widget

    assert repr(accept_widget()) == repr(accept_widget())
