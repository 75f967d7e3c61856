"""Every exercise of the course in one table: its number, the name the notebook defines, its
check, and its points. The classroom tool (``python -m wslib.course``) grades from this table;
the lessons' check cells call the same checks.

Adding an exercise is one line in :data:`LESSONS`::

    Lesson("06", "TCP is a byte stream", [
        Exercise("6.1", "split a byte stream into frames", "split_frames", "check_split_frames", 2),
    ]),

``name`` is the function (or variable) the learner's stub cell defines, ``check`` the function in
``wslib.exercises.lesson06`` that takes it. A check may be ``async`` (it is awaited). ``hidden``
says whether the grader adds hidden cases (``wslib.course.hidden``, keyed by the exercise id):
leave it ``True`` for a function of plain inputs, set it ``False`` where extra cases make no sense
or need more than a value to compare (a dict of fixed answers, a function without arguments, an
``async`` function, an answer judged by a parser rather than by equality). ``tests/test_course_catalog.py`` fails
when a notebook calls a check that is missing here, or when an entry names no check or no stub.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Exercise", "Lesson", "LESSONS", "DECLARED", "lesson", "exercise", "lesson_of_filename"]


@dataclass(frozen=True)
class Exercise:
    id: str  # "3.1": lesson 3, exercise 1, as the notebook's heading numbers it
    title: str  # a few words, for reports
    name: str  # what the stub cell defines: a function, or a variable such as CLOSE_CODES
    check: str  # the check's name in wslib.exercises.lessonNN
    points: int = 1
    hidden: bool = True  # the grader also runs the hidden cases of wslib.course.hidden[id]

    @property
    def lesson(self) -> str:
        return f"{int(self.id.split('.')[0]):02d}"

    @property
    def module(self) -> str:
        return f"wslib.exercises.lesson{self.lesson}"

    def check_function(self) -> Callable:
        """The check itself (imported on first use, so a broken lesson breaks only itself)."""
        return getattr(importlib.import_module(self.module), self.check)


@dataclass(frozen=True)
class Lesson:
    number: str  # "03", as in the notebook's file name 03_frame_layout.ipynb
    title: str
    exercises: list[Exercise] = field(default_factory=list)

    @property
    def max_points(self) -> int:
        return sum(e.points for e in self.exercises)


DECLARED: list[Lesson] = [
    Lesson("00", "Start here", [
        Exercise("0.1", "the opcode of a text frame", "text_opcode", "check_text_opcode", 1,
                 hidden=False),
        Exercise("0.2", "one round trip", "echo_once", "check_echo_once", 2, hidden=False),
    ]),
    Lesson("01", "HTTP vs WebSocket", [
        Exercise("1.1", "the price of a frame", "ws_frame_overhead", "check_ws_frame_overhead", 2),
        Exercise("1.2", "what polling spends per event", "polling_overhead_per_event",
                 "check_polling_overhead", 1),
        Exercise("1.3", "pick the transport", "choose_transport", "check_choose_transport", 2,
                 hidden=False),
    ]),
    Lesson("02", "The opening handshake", [
        Exercise("2.1", "Sec-WebSocket-Accept", "accept_key", "check_accept_key", 2),
        Exercise("2.2", "the server's answer", "handshake_status", "check_handshake_status", 3),
        Exercise("2.3", "parse a response head (optional)", "parse_response",
                 "check_parse_response", 1),
    ]),
    Lesson("03", "Frame layout", [
        Exercise("3.1", "parse the first two bytes", "parse_header", "check_parse_header", 2),
        Exercise("3.2", "write a frame header", "frame_header", "check_frame_header", 2),
        Exercise("3.3", "read the payload length", "payload_length", "check_payload_length", 2),
    ]),
    Lesson("04", "Masking", [
        Exercise("4.1", "mask", "mask", "check_mask", 2),
        Exercise("4.2", "unmask a captured frame", "unmask_captured", "check_unmask_captured", 2),
        Exercise("4.3", "unmask a payload in pieces", "unmask_pieces", "check_unmask_pieces", 2),
        Exercise("4.4", "who masks", "must_mask", "check_must_mask", 1, hidden=False),
    ]),
    Lesson("05", "Fragmentation", [
        Exercise("5.1", "fragment a message", "fragment", "check_fragment", 2),
        Exercise("5.2", "reassemble messages", "reassemble", "check_reassemble", 3),
        Exercise("5.3", "which close code?", "CLOSE_CODES", "check_close_codes", 2, hidden=False),
    ]),
    Lesson("06", "TCP is a byte stream", [
        Exercise("6.1", "a length-prefixed protocol and its parser", "MessageParser",
                 "check_message_parser", 3, hidden=False),
        Exercise("6.2", "a line reader with a limit", "LineReader", "check_line_reader", 2,
                 hidden=False),
    ]),
    Lesson("07", "The closing handshake", [
        Exercise("7.1", "build a close payload", "close_payload", "check_close_payload", 2),
        Exercise("7.2", "read a close payload", "parse_close", "check_parse_close", 2),
        Exercise("7.3", "which code, and who closes TCP first?", "SCENARIOS", "check_scenarios",
                 2, hidden=False),
    ]),
    Lesson("08", "A server from scratch", [
        Exercise("8.1", "the upgrade step", "upgrade", "check_upgrade", 3, hidden=False),
        Exercise("8.2", "a broadcast that nobody can hold up", "broadcast", "check_broadcast", 3,
                 hidden=False),
    ]),
    Lesson("09", "Server-Sent Events", [
        Exercise("9.1", "encode an event", "encode", "check_encode", 2, hidden=False),
        Exercise("9.2", "resume after a reconnection", "resume", "check_resume", 2),
    ]),
    Lesson("10", "Capstone: a chat room", [
        Exercise("10.1", "private messages", "PrivateRoom", "check_private_messages", 3,
                 hidden=False),
        Exercise("10.2", "a typing indicator", "TypingRoom", "check_typing", 3, hidden=False),
    ]),
]


# Every lesson declared above has its notebook and its checks (the catalog tests check both).
LESSONS: list[Lesson] = DECLARED


def lesson(number: str | int) -> Lesson:
    """The lesson ``"03"`` (or ``3``); KeyError names the lessons that exist."""
    key = f"{int(number):02d}"
    for item in LESSONS:
        if item.number == key:
            return item
    raise KeyError(f"no lesson {key} in the catalog (lessons: "
                   f"{', '.join(x.number for x in LESSONS)})")


def exercise(exercise_id: str) -> Exercise:
    for item in LESSONS:
        for ex in item.exercises:
            if ex.id == exercise_id:
                return ex
    raise KeyError(f"no exercise {exercise_id} in the catalog")


def lesson_of_filename(filename: str) -> str | None:
    """The lesson a notebook's file name belongs to: its first number (``03_frame_layout.ipynb``,
    ``lesson3.ipynb``, ``03_frame_layout-Copy1.ipynb`` are lesson 03), or None."""
    match = re.search(r"\d+", filename)
    return f"{int(match.group()):02d}" if match else None
