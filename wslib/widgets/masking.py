"""The masking table of lesson 04: every byte, its key byte, and the XOR, one row each.

:func:`mask_rows` computes the rows with no Jupyter involved (the tests and the lesson's printed
table use it); :func:`format_mask_table` prints them as text; :func:`masking_widget` wraps the
HTML version in two text boxes (the message and the key) that update as you type.

The rule is RFC 6455 section 5.3::

    j = i MOD 4
    transformed-octet-i = original-octet-i XOR masking-key-octet-j
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..frames import Frame, Opcode, encode_frame

__all__ = ["MaskRow", "mask_rows", "format_mask_table", "parse_key", "render_mask_table",
           "masking_widget", "RFC_KEY"]

RFC_KEY = bytes.fromhex("37fa213d")  # the key of the masked "Hello" in RFC 6455 section 5.7


@dataclass(frozen=True)
class MaskRow:
    """One payload byte going through the mask."""

    i: int  # position in the payload
    byte: int  # the original byte
    j: int  # i mod 4: which key byte is used
    key_byte: int
    result: int  # byte XOR key_byte: what goes on the wire

    @property
    def char(self) -> str:
        """The original byte as a printable ASCII character, or '.'."""
        return chr(self.byte) if 0x20 <= self.byte < 0x7F else "."


def mask_rows(data: bytes, key: bytes) -> list[MaskRow]:
    """One :class:`MaskRow` per byte of ``data`` masked with the 4-byte ``key``."""
    if len(key) != 4:
        raise ValueError(f"a masking key is exactly 4 bytes (RFC 6455 section 5.3), got {len(key)}")
    return [MaskRow(i, b, i % 4, key[i % 4], b ^ key[i % 4]) for i, b in enumerate(data)]


def format_mask_table(data: bytes, key: bytes, *, bits: bool = True) -> str:
    """The rows as a plain-text table (with the bits of each byte when ``bits``)."""

    def show(value: int) -> str:
        return f"{value:02x} {value:08b}" if bits else f"{value:02x}"

    w = 11 if bits else 2
    wb, wk, wr = max(w, 4), max(w, 8), max(w, 10)  # each column as wide as its title
    lines = [f"{'i':>2}  {'char':<4}  {'byte':<{wb}}  j  {'key byte':<{wk}}  {'XOR result':<{wr}}"]
    for r in mask_rows(data, key):
        lines.append(f"{r.i:>2}  {r.char!r:<4}  {show(r.byte):<{wb}}  {r.j}  "
                     f"{show(r.key_byte):<{wk}}  {show(r.result):<{wr}}")
    return "\n".join(line.rstrip() for line in lines)


def parse_key(text: str) -> tuple[bytes | None, str | None]:
    """Read a key typed as hex (spaces allowed). Returns ``(key, None)`` or ``(None, problem)``."""
    try:
        key = bytes.fromhex(text)
    except ValueError:
        return None, "the key must be hex digits, e.g. 37 fa 21 3d"
    if len(key) != 4:
        return None, f"the key is {len(key)} bytes; a masking key is exactly 4 (RFC 6455 section 5.3)"
    return key, None


_STYLE = ("font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; "
          "border-collapse: collapse; font-size: 13px")
_CELL = "padding: 2px 8px; border: 1px solid #ccc; text-align: left"
# One colour per key byte, so the eye sees the key repeat every 4 bytes.
_KEY_COLOURS = ("#fff3bf", "#d3f9d8", "#d0ebff", "#f3d9fa")


def render_mask_table(text: str, key_text: str, *, limit: int = 64) -> str:
    """The HTML the widget shows: the table for ``text`` (UTF-8) and the frame a client sends."""
    e = html.escape
    key, problem = parse_key(key_text)
    if problem is not None:
        return f'<span style="color: #cf222e">{e(problem)}</span>'
    data = text.encode("utf-8")
    rows = mask_rows(data[:limit], key)
    head = "".join(f'<th style="{_CELL}">{h}</th>'
                   for h in ("i", "char", "byte", "j = i mod 4", "key byte", "byte XOR key byte"))
    body = []
    for r in rows:
        colour = _KEY_COLOURS[r.j]
        cells = (str(r.i), e(r.char), f"{r.byte:02x} {r.byte:08b}", str(r.j),
                 f"{r.key_byte:02x} {r.key_byte:08b}", f"<b>{r.result:02x} {r.result:08b}</b>")
        body.append("<tr>" + "".join(
            f'<td style="{_CELL}; background: {colour}">{c}</td>' if k in (3, 4) else
            f'<td style="{_CELL}">{c}</td>' for k, c in enumerate(cells)) + "</tr>")
    more = f"<p>(first {limit} of {len(data)} bytes shown)</p>" if len(data) > limit else ""
    wire = encode_frame(Frame(Opcode.TEXT, data, mask=key)) if len(data) <= 125 else None
    frame = (f"<p>the client's frame on the wire: <code>{wire.hex(' ')}</code></p>"
             if wire is not None else "")
    return (f'<table style="{_STYLE}"><tr>{head}</tr>{"".join(body)}</table>{more}{frame}')


def masking_widget(text: str = "Hello", key: str = "37 fa 21 3d"):
    """Two text boxes (message, key) and a live table. Starts on RFC 6455 section 5.7's example."""
    import ipywidgets as widgets  # imported here so that this module imports without Jupyter

    message = widgets.Text(value=text, description="Message:", layout=widgets.Layout(width="30em"))
    key_box = widgets.Text(value=key, description="Key (hex):", layout=widgets.Layout(width="20em"))
    out = widgets.HTML(value=render_mask_table(text, key))

    def update(_change: dict) -> None:
        out.value = render_mask_table(message.value, key_box.value)

    message.observe(update, names="value")
    key_box.observe(update, names="value")
    return widgets.VBox([message, key_box, out])
