"""The accept-key calculator of lesson 02: type a ``Sec-WebSocket-Key``, see every step.

:func:`accept_steps` does the work with no Jupyter involved (the tests call it directly);
:func:`accept_widget` wraps it in a text box and an HTML view that updates as you type.

The steps are those of RFC 6455 section 4.2.2 (item 5.4 of the server's answer)::

    key  ->  key + GUID  ->  SHA-1 (20 raw bytes)  ->  base64  ->  Sec-WebSocket-Accept
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
from dataclasses import dataclass

from ..handshake import GUID

__all__ = ["AcceptSteps", "key_problem", "accept_steps", "render_steps", "accept_widget",
           "RFC_EXAMPLE_KEY"]

RFC_EXAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 section 1.3 ("the sample nonce")


def key_problem(key: str) -> str | None:
    """Why ``key`` is not a valid ``Sec-WebSocket-Key`` (section 4.1, item 7), or ``None``.

    A valid key is the base64 encoding of exactly 16 bytes, which is always 24 characters
    ending in ``==``.
    """
    if not key:
        return "the key is empty; a client sends base64 of 16 random bytes"
    if not key.isascii():
        return "the key contains non-ASCII characters; base64 uses only A-Z a-z 0-9 + / ="
    try:
        raw = base64.b64decode(key, validate=True)
    except binascii.Error:
        return "the key is not valid base64 (only A-Z a-z 0-9 + / and = padding, length a multiple of 4)"
    if len(raw) != 16:
        return f"the key is base64 of {len(raw)} bytes; it must encode exactly 16 bytes"
    return None


@dataclass(frozen=True)
class AcceptSteps:
    """Each intermediate value of the accept computation, for one key."""

    key: str  # the key as the server sees it (surrounding whitespace removed)
    problem: str | None  # why the key is invalid (a server answers 400), or None
    key_bytes: bytes | None  # the 16 bytes the key encodes, when it is valid base64
    joined: str  # key + GUID: the string that gets hashed
    sha1: bytes | None  # the 20-byte SHA-1 digest (None if the key is not ASCII)
    accept: str | None  # base64 of the digest: the Sec-WebSocket-Accept value

    @property
    def sha1_hex(self) -> str | None:
        return self.sha1.hex() if self.sha1 is not None else None


def accept_steps(key: str) -> AcceptSteps:
    """Compute every step of ``Sec-WebSocket-Accept`` for ``key``.

    A server computes the accept over the key exactly as received, so the steps are shown even
    for an invalid key; ``problem`` then says why a correct server would refuse it (400).
    """
    key = key.strip(" \t")  # an HTTP parser drops whitespace around a header value
    problem = key_problem(key)
    key_bytes = None
    if key.isascii():
        try:
            key_bytes = base64.b64decode(key, validate=True)
        except binascii.Error:
            key_bytes = None
    joined = key + GUID
    if not key.isascii():
        return AcceptSteps(key, problem, None, joined, None, None)
    digest = hashlib.sha1(joined.encode("ascii")).digest()
    accept = base64.b64encode(digest).decode("ascii")
    return AcceptSteps(key, problem, key_bytes, joined, digest, accept)


_STYLE = ("font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; "
          "border-collapse: collapse; font-size: 13px")
_CELL = "padding: 4px 8px; border: 1px solid #ccc; text-align: left; vertical-align: top"


def _spaced_hex(data: bytes) -> str:
    return " ".join(f"{b:02x}" for b in data)


def render_steps(steps: AcceptSteps) -> str:
    """The HTML table the widget shows for ``steps``."""
    e = html.escape
    if steps.problem is None:
        verdict = ('<span style="color: #1a7f37">valid: base64 of 16 bytes</span> '
                   f"({e(_spaced_hex(steps.key_bytes or b''))})")
    else:
        verdict = (f'<span style="color: #cf222e">invalid: {e(steps.problem)}</span>; '
                   "a server answers 400 Bad Request (RFC 6455 section 4.2.1, item 5)")
    guid = f'<span style="background: #fff3bf">{e(GUID)}</span>'
    rows = [
        ("1. Sec-WebSocket-Key (from the client)", f"<b>{e(steps.key) or '(empty)'}</b><br>{verdict}"),
        ("2. append the GUID (section 1.3)", f"{e(steps.key)}{guid}<br>{len(steps.joined)} characters"),
    ]
    if steps.sha1 is None:
        rows.append(("3. SHA-1 of those ASCII bytes", "cannot hash: the key is not ASCII"))
    else:
        rows.append(("3. SHA-1 of those ASCII bytes",
                     f"{e(_spaced_hex(steps.sha1))}<br>20 raw bytes (shown in hex; do not base64 the hex text)"))
        rows.append(("4. base64 of the 20 bytes", f'<b style="color: #0550ae">{e(steps.accept or "")}</b>'
                     "<br>this is Sec-WebSocket-Accept (28 characters)"))
    body = "".join(f'<tr><th style="{_CELL}">{a}</th><td style="{_CELL}">{b}</td></tr>' for a, b in rows)
    return f'<table style="{_STYLE}">{body}</table>'


def accept_widget(key: str = RFC_EXAMPLE_KEY):
    """A text box for the key and a live table of the steps. Starts on the RFC's example key."""
    import ipywidgets as widgets  # imported here so that wslib.widgets.accept imports without Jupyter

    box = widgets.Text(value=key, description="Key:", continuous_update=True,
                       layout=widgets.Layout(width="34em"))
    out = widgets.HTML(value=render_steps(accept_steps(key)))

    def update(change: dict) -> None:
        out.value = render_steps(accept_steps(change["new"]))

    box.observe(update, names="value")
    return widgets.VBox([box, out])
