"""Reference solutions for lesson 09 (Server-Sent Events)."""

from __future__ import annotations

import re

from wslib.sse import Event


def encode(data: str, event: str | None = None, id: str | None = None) -> bytes:
    """Exercise 9.1: one event as UTF-8 bytes; every line of data gets its own data field."""
    lines = []
    if event is not None:
        lines.append(f"event: {event}")
    if id is not None:
        lines.append(f"id: {id}")
    for line in re.split(r"\r\n|\r|\n", data):
        lines.append(f"data: {line}")
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def resume(history: list[Event], last_event_id: str | None) -> list[Event]:
    """Exercise 9.2: the events after Last-Event-ID; all of them for an unknown id."""
    if not last_event_id:
        return []
    for i, event in enumerate(history):
        if event.id == last_event_id:
            return history[i + 1:]
    return list(history)
