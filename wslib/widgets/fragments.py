"""The fragment viewer of lesson 05: one message, a fragment size, and the frames it becomes.

:func:`fragment_rows` does the work with no Jupyter involved: it sends the text with
:class:`wslib.connection.Connection` (as a client, with a fixed mask so the bytes are the same on
every run), then decodes each frame back. :func:`format_fragments` prints the rows as text and
:func:`fragments_widget` shows them in a table under a slider for the fragment size.

The rules on show are RFC 6455 section 5.4: the first frame carries the message's opcode, every
later one is a continuation (opcode 0), and only the last has FIN=1. A fragment boundary may fall
in the middle of a UTF-8 character; the receiver decodes the *message*, not each frame.
"""

from __future__ import annotations

import codecs
import html
from dataclasses import dataclass

from ..connection import Connection
from ..frames import Opcode, decode_frame

__all__ = ["FragmentRow", "fragment_rows", "format_fragments", "render_fragments",
           "fragments_widget", "EXAMPLE_TEXT", "FIXED_MASK"]

EXAMPLE_TEXT = "Hello, 世界! Fragments 分片"
FIXED_MASK = bytes.fromhex("37fa213d")


@dataclass(frozen=True)
class FragmentRow:
    """One frame of the fragmented message, as the receiver decodes it."""

    index: int
    fin: bool
    opcode: Opcode
    payload: bytes  # unmasked
    wire: bytes  # the whole frame as sent: header, masking key, masked payload
    text: str  # what a UTF-8 decoder can output after this fragment
    held: int  # bytes of an unfinished character the decoder keeps for the next fragment

    @property
    def kind(self) -> str:
        if self.index == 0:
            return "only frame" if self.fin else "first"
        return "last" if self.fin else "middle"


def fragment_rows(text: str, size: int | None, *, mask: bytes = FIXED_MASK) -> list[FragmentRow]:
    """The frames a client sends for ``text`` with ``fragment_size=size`` (``None``: one frame)."""
    conn = Connection("client", mask_key=lambda: mask)
    conn.send_text(text, fragment_size=size)
    data = conn.data_to_send()
    decoder = codecs.getincrementaldecoder("utf-8")()
    rows: list[FragmentRow] = []
    pos = 0
    while pos < len(data):
        frame, used = decode_frame(data[pos:])
        part = decoder.decode(frame.payload, frame.fin)
        held = len(decoder.getstate()[0])
        rows.append(FragmentRow(len(rows), frame.fin, Opcode(frame.opcode), frame.payload,
                                data[pos:pos + used], part, held))
        pos += used
    return rows


def format_fragments(rows: list[FragmentRow]) -> str:
    """The rows as a plain-text table: index, FIN, opcode, payload, what the decoder can show."""
    lines = ["#  FIN  opcode  payload bytes                     decoder output"]
    for r in rows:
        payload = r.payload.hex(" ")
        payload = payload if len(payload) <= 32 else payload[:29] + "..."
        note = f"{r.text!r}" + (f" + {r.held} byte(s) of a character held for the next frame"
                                if r.held else "")
        lines.append(f"{r.index:<2} {int(r.fin):<4} {r.opcode.name:<7} {payload:<33} {note}")
    return "\n".join(line.rstrip() for line in lines)


_STYLE = ("font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; "
          "border-collapse: collapse; font-size: 13px")
_CELL = "padding: 2px 8px; border: 1px solid #ccc; text-align: left; vertical-align: top"


def render_fragments(text: str, size: int) -> str:
    """The HTML the widget shows for ``text`` cut into fragments of ``size`` bytes."""
    e = html.escape
    rows = fragment_rows(text, size)
    total = sum(len(r.wire) for r in rows)
    head = "".join(f'<th style="{_CELL}">{h}</th>' for h in
                   ("#", "role", "FIN", "opcode", "payload (hex)", "decoder output", "frame on the wire"))
    body = []
    for r in rows:
        fin = ('<b style="color: #1a7f37">1</b>' if r.fin else '<span style="color: #cf222e">0</span>')
        op = (f'<b>{r.opcode.name}</b>' if r.opcode != Opcode.CONT else "CONT")
        out = e(repr(r.text)) + (f" <i>(+{r.held} byte(s) held)</i>" if r.held else "")
        cells = (str(r.index), r.kind, fin, op, e(r.payload.hex(" ")), out, e(r.wire.hex(" ")))
        body.append("<tr>" + "".join(f'<td style="{_CELL}">{c}</td>' for c in cells) + "</tr>")
    summary = (f"<p>{len(text.encode('utf-8'))} payload bytes in {len(rows)} frame(s): "
               f"{total} bytes on the wire (each frame adds a 2-byte header and a 4-byte key)</p>")
    return f'{summary}<table style="{_STYLE}"><tr>{head}</tr>{"".join(body)}</table>'


def fragments_widget(text: str = EXAMPLE_TEXT, size: int = 8):
    """A text box and a fragment-size slider above the frames they give."""
    import ipywidgets as widgets  # imported here so that this module imports without Jupyter

    box = widgets.Text(value=text, description="Message:", layout=widgets.Layout(width="30em"))
    slider = widgets.IntSlider(value=size, min=1, max=max(1, len(text.encode("utf-8"))),
                               description="Fragment:", continuous_update=True)
    out = widgets.HTML(value=render_fragments(text, size))

    def update(_change: dict) -> None:
        n = max(1, len(box.value.encode("utf-8")))
        slider.max = n
        out.value = render_fragments(box.value, min(slider.value, n))

    box.observe(update, names="value")
    slider.observe(update, names="value")
    return widgets.VBox([box, slider, out])
