"""Lesson 00's demo widget: pick a payload size, see which length form the frame header uses.

RFC 6455 section 5.2 stores the payload length in one of three forms:

* 0-125: in the 7 low bits of the second header byte (header: 2 bytes);
* 126-65535: the 7 bits hold 126, a 16-bit length follows (header: 4 bytes);
* 65536 and more: the 7 bits hold 127, a 64-bit length follows (header: 10 bytes).

A client adds a 4-byte masking key to every frame. :func:`length_form` computes all of it (tested
without Jupyter); :func:`render_length_form` draws it; :func:`length_form_widget` is the slider.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UsageError

__all__ = ["LengthForm", "length_form", "render_length_form", "length_form_widget"]

MAX_LENGTH = (1 << 63) - 1  # the 64-bit form's most significant bit must be 0 (section 5.2)


@dataclass(frozen=True)
class LengthForm:
    """How a frame announces a payload of ``n`` bytes."""

    n: int
    form: str  # "7-bit", "16-bit" or "64-bit"
    len7: int  # the value of the 7-bit field: n, 126 or 127
    extended: bytes  # the extended length bytes (empty, 2 or 8 bytes, big-endian)

    @property
    def server_header(self) -> int:
        """Header bytes of an unmasked frame (what a server sends)."""
        return 2 + len(self.extended)

    @property
    def client_header(self) -> int:
        """Header bytes of a masked frame (what a client sends): + 4-byte masking key."""
        return self.server_header + 4

    def header_bytes(self, opcode: int = 0x1) -> bytes:
        """The header of a final, unmasked frame with this opcode (text by default)."""
        return bytes((0x80 | opcode, self.len7)) + self.extended


def length_form(n: int) -> LengthForm:
    """The length form for an ``n``-byte payload (RFC 6455 section 5.2)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 0 or n > MAX_LENGTH:
        raise UsageError(f"a payload length is an int from 0 to 2**63 - 1, got {n!r}")
    if n <= 125:
        return LengthForm(n, "7-bit", n, b"")
    if n <= 0xFFFF:
        return LengthForm(n, "16-bit", 126, n.to_bytes(2, "big"))
    return LengthForm(n, "64-bit", 127, n.to_bytes(8, "big"))


_CELL = "padding: 4px 8px; border: 1px solid #ccc; font-family: ui-monospace, monospace"
_COLORS = {"first": "#b2f2bb", "len7": "#a5d8ff", "extended": "#d0bfff"}


def render_length_form(n: int) -> str:
    """HTML: the header bytes of a text frame of ``n`` bytes, coloured by field, and the totals."""
    form = length_form(n)
    header = form.header_bytes()
    owners = ["first", "len7"] + ["extended"] * len(form.extended)
    cells = "".join(f'<td style="{_CELL}; background: {_COLORS[o]}">{b:02x}</td>'
                    for b, o in zip(header, owners))
    if form.form == "7-bit":
        how = f"the 7-bit field holds the length itself ({n})"
    else:
        size = len(form.extended)
        how = (f"the 7-bit field holds <b>{form.len7}</b>, a marker: the length follows in "
               f"{size} bytes ({size * 8}-bit, big-endian)")
    return (
        f"<div><b>{n:,} payload bytes</b>: {form.form} length form; {how}.</div>"
        f'<table style="border-collapse: collapse; margin: 6px 0"><tr>{cells}</tr></table>'
        f'<div><span style="background: {_COLORS["first"]}">FIN + opcode</span> '
        f'<span style="background: {_COLORS["len7"]}">MASK + 7-bit length</span> '
        f'<span style="background: {_COLORS["extended"]}">extended length</span></div>'
        f"<div>header from a server: <b>{form.server_header}</b> bytes; from a client: "
        f"<b>{form.client_header}</b> bytes (+ 4-byte masking key). On the wire: "
        f"{n + form.server_header:,} / {n + form.client_header:,} bytes.</div>"
    )


def length_form_widget(n: int = 5, max_length: int = 70_000):
    """A slider for the payload size and the header it needs. Starts at 5 bytes ("Hello")."""
    import ipywidgets as widgets  # imported here so that this module imports without Jupyter

    slider = widgets.IntSlider(value=n, min=0, max=max_length, description="payload bytes",
                               continuous_update=True, style={"description_width": "initial"},
                               layout=widgets.Layout(width="40em"))
    out = widgets.HTML(value=render_length_form(n))

    def update(change: dict) -> None:
        out.value = render_length_form(change["new"])

    slider.observe(update, names="value")
    return widgets.VBox([slider, out])
