"""The frame explorer of lesson 03: set the header bits, see the bytes; paste bytes, see the bits.

Pure functions (tested without Jupyter):

* :func:`build_frame` turns the explorer's settings into the bytes on the wire;
* :func:`frame_fields` splits any bytes into the fields of RFC 6455 section 5.2, without judging
  them, so that a broken frame can be drawn as well as a good one;
* :func:`verdict` says what a receiver makes of the bytes: the decoded frame, or wslib's error
  message naming the rule that was broken;
* :func:`parse_hex` reads hex the way people paste it (``81 05``, ``0x81,0x05``, ``8105``);
* :func:`render_fields` / :func:`render_decoded` produce the coloured HTML.

:func:`frame_explorer_widget` assembles them into the ipywidgets UI.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from ..errors import ProtocolError, UsageError
from ..frames import Frame, decode_frame, encode_frame
from ..masking import mask as apply_mask

__all__ = [
    "OPCODE_NAMES",
    "DEMO_MASK",
    "Field",
    "opcode_name",
    "build_frame",
    "frame_fields",
    "verdict",
    "parse_hex",
    "byte_owners",
    "layout_diagram",
    "render_fields",
    "render_decoded",
    "frame_explorer_widget",
]

OPCODE_NAMES = {0x0: "continuation", 0x1: "text", 0x2: "binary", 0x8: "close", 0x9: "ping",
                0xA: "pong"}
DEMO_MASK = b"\x37\xfa\x21\x3d"  # the masking key of the RFC's examples (section 5.7)

COLORS = {
    "FIN": "#ffd8a8",
    "RSV1": "#e9ecef",
    "RSV2": "#e9ecef",
    "RSV3": "#e9ecef",
    "opcode": "#b2f2bb",
    "MASK": "#ffc9c9",
    "payload len": "#a5d8ff",
    "extended length": "#d0bfff",
    "masking key": "#fcc2d7",
    "payload": "#fff3bf",
    "FIN RSV1-3 opcode": "#b2f2bb",
    "MASK payload len": "#a5d8ff",
    "after the frame": "#ffffff",
}


def opcode_name(opcode: int) -> str:
    """``"text"``, ``"ping"``, ... or which reserved range the opcode is in (section 5.2)."""
    if opcode in OPCODE_NAMES:
        return OPCODE_NAMES[opcode]
    return "reserved, non-control" if opcode < 0x8 else "reserved, control"


@dataclass(frozen=True)
class Field:
    """One field of a frame: where it sits (in bits from the first byte) and what it holds."""

    name: str
    start: int  # first bit, counted from bit 0 = the most significant bit of byte 0
    size: int  # number of bits
    value: int | bytes  # an int for the header fields, bytes for masking key and payload
    meaning: str  # the value in words
    complete: bool = True  # False when the bytes stop inside this field

    @property
    def byte_range(self) -> tuple[int, int]:
        """(first byte, one past the last byte) that this field touches."""
        return self.start // 8, (self.start + self.size + 7) // 8


def build_frame(
    fin: bool = True,
    rsv1: bool = False,
    rsv2: bool = False,
    rsv3: bool = False,
    opcode: int = 0x1,
    masked: bool = False,
    payload: str | bytes = "Hello",
    mask: bytes = DEMO_MASK,
) -> bytes:
    """The bytes of a frame with these settings. A text payload is encoded as UTF-8.

    The rules are *not* enforced (reserved opcodes, a 200-byte ping are allowed) so that the
    explorer can show what a broken frame looks like; :func:`verdict` tells what a peer says.
    """
    data = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    frame = Frame(opcode, data, fin, rsv1, rsv2, rsv3, mask if masked else None)
    return encode_frame(frame, check=False)


def frame_fields(data: bytes) -> list[Field]:
    """Split ``data`` into the fields of one frame (section 5.2), as far as the bytes go.

    Nothing is validated: a reserved opcode or a non-minimal length is shown as it is. The
    payload field holds the payload bytes as sent (still masked if MASK is 1); bytes after the
    frame are not included.
    """
    fields: list[Field] = []
    if not data:
        return fields
    b0 = data[0]
    fin = b0 >> 7
    fields.append(Field("FIN", 0, 1, fin, "final fragment" if fin else "more fragments follow"))
    for i, name in enumerate(("RSV1", "RSV2", "RSV3")):
        bit = (b0 >> (6 - i)) & 1
        fields.append(Field(name, 1 + i, 1, bit, "set (needs an extension)" if bit else "0"))
    op = b0 & 0x0F
    fields.append(Field("opcode", 4, 4, op, f"0x{op:X} {opcode_name(op)}"))
    if len(data) < 2:
        fields.append(Field("MASK", 8, 1, 0, "missing", complete=False))
        return fields
    b1 = data[1]
    masked = b1 >> 7
    fields.append(Field("MASK", 8, 1, masked, "masked" if masked else "not masked"))
    len7 = b1 & 0x7F
    if len7 < 126:
        fields.append(Field("payload len", 9, 7, len7, f"{len7} bytes"))
        length, pos = len7, 2
    else:
        ext = 2 if len7 == 126 else 8
        form = "16" if len7 == 126 else "64"
        fields.append(Field("payload len", 9, 7, len7, f"{len7}: a {form}-bit length follows"))
        raw = data[2:2 + ext]
        length = int.from_bytes(raw, "big")
        complete = len(raw) == ext
        fields.append(Field("extended length", 16, 8 * ext, length,
                            f"{length} bytes" if complete else f"{ext} bytes expected, {len(raw)} present",
                            complete))
        if not complete:
            return fields
        pos = 2 + ext
    if masked:
        key = data[pos:pos + 4]
        fields.append(Field("masking key", 8 * pos, 32, key, " ".join(f"{b:02x}" for b in key),
                            len(key) == 4))
        if len(key) < 4:
            return fields
        pos += 4
    body = data[pos:pos + length]
    complete = len(body) == length
    meaning = f"{length} bytes" + ("" if complete else f" announced, {len(body)} present")
    clear = body
    if masked:
        clear = apply_mask(body, key)
        meaning += f"; unmasked: {_hex(clear, 16)}" if body else ", masked"
    if complete and op == 0x1 and clear:
        try:
            text = clear.decode("utf-8")
            meaning += f"; text {text[:24]!r}" + ("..." if len(text) > 24 else "")
        except UnicodeDecodeError:
            meaning += "; not valid UTF-8"
    fields.append(Field("payload", 8 * pos, 8 * len(body), body, meaning, complete))
    return fields


def verdict(data: bytes) -> tuple[bool, str]:
    """What a receiver makes of ``data``: ``(True, description)`` or ``(False, the reason)``.

    Uses :func:`wslib.frames.decode_frame` (section 5.2 and 5.5 rules); a frame with RSV bits set
    is decodable but a connection without extensions refuses it, so that is reported too.
    """
    try:
        frame, used = decode_frame(bytes(data))
    except ProtocolError as exc:
        return False, f"ProtocolError: {exc}"
    if frame.rsv1 or frame.rsv2 or frame.rsv3:
        bits = ", ".join(f"RSV{i}" for i, on in enumerate((frame.rsv1, frame.rsv2, frame.rsv3), 1) if on)
        return False, (f"decodes as {frame!r}, but a connection refuses it: {bits} set with no "
                       "extension negotiated (RFC 6455 section 5.2)")
    extra = len(data) - used
    text = f"valid: {frame!r}"
    if extra:
        text += f"; {extra} more byte{'s' if extra != 1 else ''} after it (the next frame)"
    return True, text


def parse_hex(text: str) -> bytes:
    """Bytes from hex as people paste it: ``"81 05 48"``, ``"0x81, 0x05"``, ``"810548"``.

    Raises :class:`wslib.UsageError` with the reason when it is not hex.
    """
    cleaned = re.sub(r"0[xX]", "", text)
    cleaned = re.sub(r"[\s,:;\-]", "", cleaned)
    if re.search(r"[^0-9a-fA-F]", cleaned):
        bad = re.search(r"[^0-9a-fA-F]", cleaned).group()  # type: ignore[union-attr]
        raise UsageError(f"{bad!r} is not a hex digit")
    if len(cleaned) % 2:
        raise UsageError(f"odd number of hex digits ({len(cleaned)}): each byte is two digits")
    return bytes.fromhex(cleaned)


def byte_owners(data: bytes) -> list[str]:
    """For each byte of ``data``, the field it belongs to. Bytes 0 and 1 hold several bit
    fields each, so they are named ``"FIN RSV1-3 opcode"`` and ``"MASK payload len"``; bytes
    after the frame are ``"after the frame"``."""
    owners = ["after the frame"] * len(data)
    for f in frame_fields(data):
        lo, hi = f.byte_range
        for i in range(lo, min(hi, len(data))):
            if i == 0:
                owners[i] = "FIN RSV1-3 opcode"
            elif i == 1:
                owners[i] = "MASK payload len"
            else:
                owners[i] = f.name
    return owners


# ---------------------------------------------------------------- HTML

_MONO = "font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px"
_CELL = "border: 1px solid #999; padding: 2px 4px; text-align: center"


def _hex(data: bytes, limit: int = 48) -> str:
    shown = " ".join(f"{b:02x}" for b in data[:limit])
    return shown + (f" ... ({len(data)} bytes)" if len(data) > limit else "")


def render_fields(data: bytes) -> str:
    """The coloured picture of ``data``: the 16 header bits, then each field's bytes in hex."""
    fields = frame_fields(data)
    e = html.escape
    parts = [f'<div style="{_MONO}">']
    # Row 1: the hex bytes, each coloured by the field that owns it.
    strip = []
    for b, owner in zip(data[:64], byte_owners(data)):
        strip.append(f'<span style="background: {COLORS.get(owner, "#dee2e6")}; padding: 1px 2px" '
                     f'title="{e(owner)}">{b:02x}</span>')
    parts.append("<div><b>bytes:</b> " + " ".join(strip)
                 + (f" ... ({len(data)} bytes)" if len(data) > 64 else "") + "</div>")
    # Row 2: the first two bytes bit by bit, like the RFC's diagram.
    head = [f for f in fields if f.start < 16]
    if head:
        bits_row, names_row = [], []
        for f in head:
            width = min(f.size, 16 - f.start)
            value = f.value if isinstance(f.value, int) else 0
            bits = format(value, f"0{f.size}b")[:width] if f.complete else "?" * width
            color = COLORS.get(f.name, "#fff")
            for bit in bits:
                bits_row.append(f'<td style="{_CELL}; background: {color}">{bit}</td>')
            names_row.append(f'<td colspan="{width}" style="{_CELL}; background: {color}">'
                             f"{e(f.name)}</td>")
        parts.append(f'<table style="border-collapse: collapse; margin: 6px 0; {_MONO}">'
                     f"<tr>{''.join(bits_row)}</tr><tr>{''.join(names_row)}</tr></table>")
    # Row 3: every field with its value and meaning.
    rows = []
    for f in fields:
        if isinstance(f.value, bytes):
            value = _hex(f.value, 24) or "(none)"
        elif f.start < 16:
            value = format(f.value, f"0{f.size}b") if f.complete else "?"
        else:
            value = str(f.value)
        rows.append(f'<tr><td style="{_CELL}; background: {COLORS.get(f.name, "#fff")}">{e(f.name)}</td>'
                    f'<td style="{_CELL}; text-align: left">{e(value)}</td>'
                    f'<td style="{_CELL}; text-align: left">{e(f.meaning)}</td></tr>')
    parts.append(f'<table style="border-collapse: collapse; {_MONO}">{"".join(rows)}</table>')
    parts.append("</div>")
    return "".join(parts)


def layout_diagram() -> str:
    """The frame layout of RFC 6455 section 5.2 as an HTML table, 32 bits per row, with the
    fields coloured as in :func:`render_fields`. Optional fields are marked with their condition."""
    e = html.escape
    rows: list[list[tuple[str, int, str]]] = [  # (colour key, width in bits, label)
        [("FIN", 1, "FIN"), ("RSV1", 1, "RSV1"), ("RSV2", 1, "RSV2"), ("RSV3", 1, "RSV3"),
         ("opcode", 4, "opcode (4)"), ("MASK", 1, "MASK"), ("payload len", 7, "payload len (7)"),
         ("extended length", 16, "extended payload length (16 or 64), if payload len is 126 or 127")],
        [("extended length", 32, "extended payload length, continued (if payload len is 127)")],
        [("extended length", 16, "... continued (if 127)"),
         ("masking key", 16, "masking key (32), if MASK is 1")],
        [("masking key", 16, "masking key, continued"), ("payload", 16, "payload data ...")],
        [("payload", 32, "payload data, continued: exactly the announced length")],
    ]
    cell = "border: 1px solid #999; padding: 3px 2px; text-align: center; font-size: 12px"
    side = f'<td style="{cell}; color: #555; width: 5em">'
    byte_labels = side + "bytes</td>" + "".join(
        f'<td colspan="8" style="{cell}; color: #555">+{b}</td>' for b in range(4))
    numbers = side + "bit</td>" + "".join(
        f'<td style="{cell}; color: #555">{i % 8}</td>' for i in range(32))
    body = [f"<tr>{byte_labels}</tr>", f"<tr>{numbers}</tr>"]
    for r, row in enumerate(rows):
        first = f"{4 * r}-{4 * r + 3}" if r < len(rows) - 1 else f"{4 * r}-..."
        body.append("<tr>" + side + first + "</td>" + "".join(
            f'<td colspan="{width}" style="{cell}; background: {COLORS[key]}">'
            # one-bit fields are one column wide: their names are written top to bottom
            f'{"<br>".join(map(e, label)) if width == 1 else e(label)}</td>'
            for key, width, label in row) + "</tr>")
    return (f'<table style="border-collapse: collapse; table-layout: fixed; width: 62em; {_MONO}">'
            f'{"".join(body)}</table>'
            '<div style="font-size: 12px; margin-top: 4px">Bits are numbered from the most '
            "significant (bit 0 = 0x80) within each byte; multi-byte lengths are big-endian "
            "(network byte order). This picture is the longest case; which "
            "optional fields are present depends on the payload length and the MASK bit, so the "
            "payload may start at byte 2, 4, 6, 8, 10 or 14.</div>")


def render_decoded(text: str) -> str:
    """What the "paste hex" box shows: the fields and the verdict, or why it cannot be read."""
    e = html.escape
    try:
        data = parse_hex(text)
    except UsageError as exc:
        return f'<div style="{_MONO}; color: #cf222e">not hex: {e(str(exc))}</div>'
    if not data:
        return f'<div style="{_MONO}">paste the bytes of a frame in hex, e.g. 81 05 48 65 6c 6c 6f</div>'
    ok, why = verdict(data)
    color = "#1a7f37" if ok else "#cf222e"
    return render_fields(data) + f'<div style="{_MONO}; color: {color}; margin-top: 6px">{e(why)}</div>'


def _render_built(data: bytes) -> str:
    ok, why = verdict(data)
    color = "#1a7f37" if ok else "#cf222e"
    return render_fields(data) + f'<div style="{_MONO}; color: {color}; margin-top: 6px">{html.escape(why)}</div>'


def frame_explorer_widget(payload: str = "Hello", hex_text: str = "81 85 37 fa 21 3d 7f 9f 4d 51 58"):
    """Toggles and a dropdown that build a frame, and a box that decodes pasted hex."""
    import ipywidgets as widgets  # imported here so that this module imports without Jupyter

    toggles = {name: widgets.ToggleButton(value=(name == "FIN"), description=name,
                                          layout=widgets.Layout(width="5.5em"))
               for name in ("FIN", "RSV1", "RSV2", "RSV3", "MASK")}
    opcode = widgets.Dropdown(
        options=[(f"0x{op:X} {opcode_name(op)}", op) for op in range(16)],
        value=0x1, description="opcode", layout=widgets.Layout(width="20em"))
    text = widgets.Text(value=payload, description="payload", layout=widgets.Layout(width="30em"))
    built = widgets.HTML()

    def rebuild(_change: object = None) -> None:
        data = build_frame(toggles["FIN"].value, toggles["RSV1"].value, toggles["RSV2"].value,
                           toggles["RSV3"].value, opcode.value, toggles["MASK"].value, text.value)
        built.value = _render_built(data)

    for w in (*toggles.values(), opcode, text):
        w.observe(rebuild, names="value")
    rebuild()

    pasted = widgets.Text(value=hex_text, description="hex", layout=widgets.Layout(width="40em"))
    decoded = widgets.HTML(value=render_decoded(hex_text))
    pasted.observe(lambda change: setattr(decoded, "value", render_decoded(change["new"])), names="value")

    return widgets.VBox([
        widgets.HTML("<b>Build a frame</b> (the mask, when on, is 37 fa 21 3d as in RFC 6455 section 5.7)"),
        widgets.HBox(list(toggles.values())),
        widgets.HBox([opcode, text]),
        built,
        widgets.HTML("<b>Decode a frame</b>: paste hex bytes"),
        pasted,
        decoded,
    ])
