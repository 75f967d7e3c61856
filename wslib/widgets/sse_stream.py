"""The event-stream explorer of lesson 09: type a ``text/event-stream``, see what each line does
and which events a browser would dispatch.

:func:`explain` does the work without Jupyter (the tests call it): it feeds the stream to
:class:`wslib.sse.EventStreamParser` one line at a time, so that every event is shown next to
the blank line that dispatched it, and says in words which rule of the WHATWG algorithm
(HTML section 9.2.6) each line follows. :func:`sse_stream_widget` wraps it in a text area, a
choice of line ends and an HTML view that updates as you type.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from ..sse import Event, EventStreamParser

__all__ = ["Step", "explain", "render", "sse_stream_widget", "LINE_ENDS", "EXAMPLE"]

LINE_ENDS = {"LF (\\n)": "\n", "CRLF (\\r\\n)": "\r\n", "CR (\\r)": "\r"}

EXAMPLE = """: a comment, ignored
retry: 2000
id: 1
data: first line
data: second line

event: score
id: 2
data:  a value with one leading space kept

data
id

data: no blank line after this one yet"""

_LINE = re.compile(r"(.*?)(\r\n|\r|\n)", re.S)


@dataclass(frozen=True)
class Step:
    """One line of the stream (without its line end), what the parser does with it, and the
    events it dispatched (only a blank line dispatches)."""

    line: str
    ending: str  # "\n", "\r\n", "\r", or "" for a last line that has no line end yet
    action: str
    events: tuple[Event, ...] = ()


def _action(line: str, data_waiting: bool) -> str:
    if not line:
        return ("blank line: dispatch the event" if data_waiting
                else "blank line: the data buffer is empty, so nothing is dispatched")
    if line[0] == ":":
        return "comment: ignored (a heartbeat, for example)"
    name, colon, value = line.partition(":")
    if value[:1] == " ":
        value = value[1:]
    said = f"value {value!r}" + ("" if colon else " (no colon: the whole line is the field name)")
    if name == "data":
        return f"data, {said}: appended to the data buffer (lines are joined with \\n)"
    if name == "event":
        return f"event, {said}: the type of the event being built"
    if name == "id":
        if "\0" in value:
            return "id containing NUL: ignored"
        return f"id, {said}: becomes the last event ID at the next blank line"
    if name == "retry":
        if value.isascii() and value.isdigit():
            return f"retry: the reconnection time becomes {int(value)} ms"
        return f"retry, {said}: ignored (only ASCII digits count)"
    return f"unknown field {name!r}: ignored (field names are case-sensitive)"


def explain(stream: bytes | str) -> list[Step]:
    """Every line of ``stream`` with the parser's action and the events it dispatched."""
    if isinstance(stream, bytes):
        text = stream.decode("utf-8", "replace")
    else:
        text, stream = stream, stream.encode("utf-8")
    parser = EventStreamParser(max_buffer=None)
    steps = []
    if text.startswith("\ufeff"):
        steps.append(Step("\ufeff", "", "a byte order mark (BOM) at the very start: ignored"))
        text = text[1:]
        parser.feed("\ufeff".encode())
    data_waiting = False
    end = 0
    for match in _LINE.finditer(text):
        line, ending = match.group(1), match.group(2)
        action = _action(line, data_waiting)
        events = tuple(parser.feed((line + ending).encode("utf-8")))
        if line.startswith("data") and line.partition(":")[0] == "data":
            data_waiting = True
        if not line:
            data_waiting = False
        steps.append(Step(line, ending, action, events))
        end = match.end()
    if end < len(text):
        steps.append(Step(text[end:], "", "no line end yet: the parser waits; if the stream "
                                          "ends here, this line is dropped"))
    return steps


def _show(text: str) -> str:
    return (html.escape(text).replace("\ufeff", "&lt;BOM&gt;").replace("\r", "\\r")
            .replace("\n", "\\n"))


def render(steps: list[Step]) -> str:
    """The steps as an HTML table, with the dispatched events below each blank line."""
    cell = "padding: 2px 8px; border: 1px solid #ccc; vertical-align: top"
    mono = cell + "; font-family: ui-monospace, monospace; white-space: pre"
    rows = [f"<tr><th style='{cell}'>line</th><th style='{cell}'>end</th>"
            f"<th style='{cell}'>what the parser does</th></tr>"]
    count = 0
    for step in steps:
        rows.append(f"<tr><td style='{mono}'>{_show(step.line)}</td>"
                    f"<td style='{mono}'>{_show(step.ending) or '(none)'}</td>"
                    f"<td style='{cell}'>{html.escape(step.action)}</td></tr>")
        for event in step.events:
            count += 1
            rows.append(
                f"<tr style='background: #d3f9d8'><td colspan='3' style='{cell}'>"
                f"<b>event {count} dispatched</b>: type <code>{html.escape(event.event)}</code>, "
                f"data <code>{_show(repr(event.data))}</code>, "
                f"lastEventId <code>{html.escape(repr(event.last_event_id))}</code></td></tr>")
    summary = f"<div><b>{count} event(s)</b> dispatched.</div>"
    return summary + "<table style='border-collapse: collapse; margin: 6px 0'>" + "".join(rows) + "</table>"


def sse_stream_widget(text: str = EXAMPLE):
    """A text area for an event stream, a choice of line ends, a BOM switch, and the
    explanation of every line."""
    import ipywidgets as w

    area = w.Textarea(value=text, description="stream:", layout=w.Layout(width="46em", height="16em"))
    ends = w.Dropdown(options=list(LINE_ENDS), value="LF (\\n)", description="line ends:")
    bom = w.Checkbox(value=False, description="start with a BOM")
    out = w.HTML()

    def update(_=None) -> None:
        stream = area.value.replace("\r\n", "\n").replace("\n", LINE_ENDS[ends.value])
        if bom.value:
            stream = "\ufeff" + stream
        out.value = render(explain(stream))

    for control in (area, ends, bom):
        control.observe(update, "value")
    update()
    return w.VBox([area, w.HBox([ends, bom]), out])
