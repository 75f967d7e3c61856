"""The stream cutter of lesson 06: one byte stream, cut where you like, read incrementally.

TCP delivers bytes, and the kernel decides how many each ``recv()`` returns. This widget takes
one stream (three WebSocket frames by default), cuts it at the byte offsets you choose, and
shows for each cut piece, as if it were one ``recv()``: the bytes, the frames that
:class:`wslib.FrameReader` completes when the piece is fed to it, and how many bytes it keeps
for later. Whatever the cuts, the same three frames come out: that is the point.

:func:`cut_rows` does the work with no Jupyter involved, :func:`format_cuts` prints the rows
as text and :func:`stream_cutter_widget` shows them under a text box for the cut offsets.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..errors import ProtocolError
from ..frames import Frame, Opcode, decode_frame, encode_frame
from ..reader import FrameReader

__all__ = ["CutRow", "EXAMPLE_FRAMES", "example_stream", "parse_cuts", "cut_rows", "format_cuts",
           "render_cuts", "stream_cutter_widget"]

# Three frames from a server (unmasked, so that the payload bytes are readable on the wire).
EXAMPLE_FRAMES = (
    Frame(Opcode.TEXT, b"Hello"),
    Frame(Opcode.TEXT, "粘包".encode()),
    Frame(Opcode.BINARY, b"\x00\x01\x02"),
)


def example_stream() -> bytes:
    """The three example frames back to back: 20 bytes."""
    return b"".join(encode_frame(f) for f in EXAMPLE_FRAMES)


@dataclass(frozen=True)
class CutRow:
    """One piece of the stream, as one ``recv()`` would return it."""

    index: int
    start: int  # offset of the piece's first byte in the stream
    chunk: bytes
    frames: tuple[Frame, ...]  # what FrameReader.feed(chunk) returned
    buffered: int  # bytes the reader keeps after this feed (an unfinished frame)


def parse_cuts(text: str, length: int) -> tuple[list[int], str]:
    """``"5, 12"`` -> ``([5, 12], "")``: sorted offsets strictly inside the stream; the
    second item explains what was ignored (not a number, outside 1..length-1)."""
    cuts, ignored = set(), []
    for token in text.replace(",", " ").split():
        try:
            value = int(token)
        except ValueError:
            ignored.append(repr(token))
            continue
        if 0 < value < length:
            cuts.add(value)
        else:
            ignored.append(token)
    note = (f"ignored {', '.join(ignored)}: a cut is a whole number from 1 to {length - 1}"
            if ignored else "")
    return sorted(cuts), note


def cut_rows(stream: bytes, cuts: list[int]) -> list[CutRow]:
    """Cut ``stream`` after each offset in ``cuts`` and feed the pieces to one FrameReader."""
    bounds = [0] + sorted(c for c in set(cuts) if 0 < c < len(stream)) + [len(stream)]
    reader = FrameReader()
    rows = []
    for i, (start, end) in enumerate(zip(bounds, bounds[1:])):
        chunk = stream[start:end]
        rows.append(CutRow(i, start, chunk, tuple(reader.feed(chunk)), reader.buffered))
    return rows


def _frame_text(frame: Frame) -> str:
    name = Opcode(frame.opcode).name
    if frame.opcode == Opcode.TEXT:
        return f"{name} {frame.payload.decode('utf-8')!r}"
    return f"{name} {frame.payload!r}"


def format_cuts(rows: list[CutRow]) -> str:
    """The rows as a plain-text table: each recv(), its size, the bytes the reader keeps after it,
    its data, and the frames it completed."""
    lines = ["recv  bytes  kept  data                                 frames completed"]
    for r in rows:
        data = r.chunk.hex(" ")
        data = data if len(data) <= 35 else data[:32] + "..."
        frames = ", ".join(_frame_text(f) for f in r.frames) or "-"
        lines.append(f"{r.index:<5} {len(r.chunk):<6} {r.buffered:<5} {data:<36} {frames}")
    return "\n".join(line.rstrip() for line in lines)


_STYLE = ("font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; "
          "border-collapse: collapse; font-size: 13px")
_CELL = "padding: 2px 8px; border: 1px solid #ccc; text-align: left; vertical-align: top"
_COLOURS = ("#b6e3ff", "#fae17d", "#ffcecb", "#aceebb")  # one background per frame


def _frame_of_each_byte(stream: bytes) -> list[int]:
    """For each byte of the stream, the index of the frame it belongs to (a trailing
    incomplete frame counts as one more)."""
    owner: list[int] = []
    pos = index = 0
    while pos < len(stream):
        try:
            _, used = decode_frame(stream[pos:])
        except ProtocolError:  # incomplete or bad: the rest is one unfinished frame
            used = len(stream) - pos
        owner += [index] * used
        pos += used
        index += 1
    return owner


def render_cuts(stream: bytes, cuts: list[int]) -> str:
    """The HTML the widget shows: the stream as coloured bytes with the cuts marked, then the
    table of recv() calls."""
    e = html.escape
    rows = cut_rows(stream, cuts)
    owner = _frame_of_each_byte(stream)
    cut_set = {r.start for r in rows[1:]}
    strip = []
    for i, byte in enumerate(stream):
        if i in cut_set:
            strip.append('<b style="color: #cf222e; padding: 0 2px">|</b>')
        colour = _COLOURS[owner[i] % len(_COLOURS)]
        strip.append(f'<span style="background: {colour}; padding: 0 1px">{byte:02x}</span>')
    head = "".join(f'<th style="{_CELL}">{h}</th>' for h in
                   ("recv()", "bytes", "data (hex)", "frames completed by this feed",
                    "bytes kept for later"))
    body = []
    for r in rows:
        frames = "<br>".join(e(_frame_text(f)) for f in r.frames) or "<i>none yet</i>"
        cells = (str(r.index), str(len(r.chunk)), e(r.chunk.hex(" ")), frames, str(r.buffered))
        body.append("<tr>" + "".join(f'<td style="{_CELL}">{c}</td>' for c in cells) + "</tr>")
    whole = [f for r in cut_rows(stream, []) for f in r.frames]
    legend = " ".join(
        f'<span style="background: {_COLOURS[i % len(_COLOURS)]}; padding: 0 4px">'
        f'frame {i}: {e(_frame_text(f))}</span>' for i, f in enumerate(whole))
    total = sum(len(r.frames) for r in rows)
    summary = (f"<p>{len(stream)} bytes in {len(rows)} recv() call(s); the reader completed "
               f"{total} frame(s)</p>")
    return (f'<div style="{_STYLE}">{" ".join(strip)}</div>'
            f'<div style="{_STYLE}; margin-top: 4px">{legend}</div>{summary}'
            f'<table style="{_STYLE}"><tr>{head}</tr>{"".join(body)}</table>')


def stream_cutter_widget(stream: bytes | None = None, cuts: str = "3, 9, 15"):
    """A text box for the cut offsets, a slider that fills it with even cuts, and the result."""
    import ipywidgets as widgets  # imported here so that this module imports without Jupyter

    stream = example_stream() if stream is None else stream
    box = widgets.Text(value=cuts, description="Cut after:", layout=widgets.Layout(width="30em"),
                       placeholder="byte offsets, e.g. 3, 9, 15")
    every = widgets.IntSlider(value=0, min=0, max=len(stream), description="Every N:",
                              continuous_update=True)
    note = widgets.HTML(value="")
    out = widgets.HTML(value="")

    def update(_change: dict | None = None) -> None:
        offsets, message = parse_cuts(box.value, len(stream))
        note.value = f"<i>{html.escape(message)}</i>" if message else ""
        out.value = render_cuts(stream, offsets)

    def even(change: dict) -> None:
        n = change["new"]
        box.value = ", ".join(str(i) for i in range(n, len(stream), n)) if n else ""

    box.observe(update, names="value")
    every.observe(even, names="value")
    update()
    return widgets.VBox([box, every, note, out])
