"""Lesson 05's self-checks (fragmentation): the reference solutions pass, the stubs are "not
attempted", and the classic wrong answers fail with the check or hint that names the mistake."""

from __future__ import annotations


import pytest

from wslib.connection import BinaryMessage, Closed, Connection, TextMessage
from wslib.exercises import lesson05
from wslib.frames import Frame, encode_frame

import solutions.lesson05  # the repository root is on sys.path (pyproject.toml)

S = solutions.lesson05  # the reference solutions (solutions/lesson05.py)
CONT, TEXT, BINARY, PING = 0, 1, 2, 9


def stub(*args):
    raise NotImplementedError  # your code here


def ellipsis_stub(*args):
    ...


def failed_names(report):
    return [r.name for r in report.results if not r.passed]


def hints(report):
    return " | ".join(r.hint for r in report.results if not r.passed)


# ------------------------------------------------------------------ references and stubs

@pytest.mark.parametrize("check, solution", [
    (lesson05.check_fragment, S.fragment),
    (lesson05.check_reassemble, S.reassemble),
    (lesson05.check_close_codes, S.CLOSE_CODES),
])
def test_reference_solution_passes(check, solution):
    report = check(solution)
    assert report.passed, repr(report)
    assert "all checks passed" in repr(report)


@pytest.mark.parametrize("check", [lesson05.check_fragment, lesson05.check_reassemble])
@pytest.mark.parametrize("answer", [stub, ellipsis_stub, None])
def test_stub_is_not_attempted(check, answer):
    report = check(answer)
    assert report.attempted is False and report.passed is False
    assert "not attempted yet" in repr(report)


@pytest.mark.parametrize("answer", [None, {k: ... for k in lesson05.VIOLATIONS}])
def test_close_codes_stub_is_not_attempted(answer):
    report = lesson05.check_close_codes(answer)
    assert report.attempted is False
    assert "not attempted yet" in repr(report)


@pytest.mark.parametrize("check", [lesson05.check_fragment, lesson05.check_reassemble])
def test_learner_exception_never_escapes(check):
    def broken(*args):
        raise KeyError("oops")

    report = check(broken)
    assert report.attempted and not report.passed
    assert "KeyError" in repr(report)


# ------------------------------------------------------------------ 5.1 fragment

def test_fragment_reference_matches_wslib_connection():
    """The reference answer describes exactly the frames wslib's Connection sends."""
    for payload, size in [(b"Hello, world", 5), (b"0123456789", 5), (b"hi", 5), (b"abc", 1)]:
        conn = Connection("server")
        conn.send_binary(payload, fragment_size=size)
        data = conn.data_to_send()
        frames = []
        from wslib.frames import decode_frame
        while data:
            frame, used = decode_frame(data)
            frames.append((frame.fin, int(frame.opcode), frame.payload))
            data = data[used:]
        assert frames == S.fragment(payload, size, BINARY)


def test_fragment_every_frame_with_original_opcode_is_named():
    report = lesson05.check_fragment(lambda p, s, o: [(f, o, c) for f, _, c in S.fragment(p, s, o)])
    assert not report.passed
    assert "looks like every frame carries the message's opcode" in failed_names(report)
    assert "continuation, opcode 0" in hints(report)


def test_fragment_fin_on_first_frame_is_named():
    def fin_first(p, s, o):
        return [(i == 0, op, c) for i, (_, op, c) in enumerate(S.fragment(p, s, o))]

    report = lesson05.check_fragment(fin_first)
    assert not report.passed
    assert "looks like FIN is set on the first frame instead of the last" in failed_names(report)


def test_fragment_fin_on_every_frame_is_named():
    report = lesson05.check_fragment(lambda p, s, o: [(True, op, c) for _, op, c in S.fragment(p, s, o)])
    assert "looks like FIN is set on every frame" in failed_names(report)


def test_fragment_empty_trailing_frame_is_flagged_as_not_the_fewest():
    """Documented decision: an empty last CONT frame is legal on the wire but not the answer."""
    def off_by_one(p, s, o):
        chunks = [p[i:i + s] for i in range(0, len(p) // s * s + 1, s)]
        return [(i == len(chunks) - 1, o if i == 0 else CONT, c) for i, c in enumerate(chunks)]

    report = lesson05.check_fragment(off_by_one)
    assert not report.passed
    names = failed_names(report)
    assert "an exact multiple of `size` (10 bytes in 5s): two frames, no empty third" in names
    assert "looks like an empty frame is added at the end" in names
    assert "legal on the wire" in hints(report)
    # ... while the payloads that are not exact multiples pass.
    passed = [r.name for r in report.results if r.passed]
    assert "'Hello, world' (12 bytes) in frames of 5 bytes: TEXT, CONT, CONT" in passed


def test_fragment_always_fragmenting_small_payload_fails():
    def never_single(p, s, o):
        frames = S.fragment(p, s, o)
        if len(frames) == 1:
            return [(False, o, p), (True, CONT, b"")]
        return frames

    report = lesson05.check_fragment(never_single)
    assert "a payload that fits in one frame is sent unfragmented (FIN=1, its own opcode)" in failed_names(report)


def test_fragment_accepts_lists_and_opcode_enums():
    from wslib.frames import Opcode
    report = lesson05.check_fragment(lambda p, s, o: [[int(f), Opcode(op), bytearray(c)]
                                                      for f, op, c in S.fragment(p, s, o)])
    assert report.passed, repr(report)


# ------------------------------------------------------------------ 5.2 reassemble

def _naive_reassemble(*, accept_orphan=False, join_control=False, decode_each=False,
                      allow_interleave=False, fail_late=False):
    """A configurable wrong answer: each flag is one classic mistake."""
    def reassemble(frames):
        messages, opcode, parts = [], None, []
        for fin, op, payload in frames:
            if op >= 8:
                if not fin:
                    return 1002
                if join_control and opcode is not None:
                    parts.append(payload)
                continue
            if op == CONT and opcode is None:
                if not accept_orphan:
                    return 1002
                opcode, parts = TEXT, []
            elif op != CONT:
                if opcode is not None and not allow_interleave:
                    return 1002
                opcode, parts = op, []
            parts.append(payload)
            if opcode == TEXT and not fail_late and not decode_each:
                import codecs
                try:
                    codecs.getincrementaldecoder("utf-8")().decode(b"".join(parts), fin)
                except UnicodeDecodeError:
                    return 1007
            if fin:
                if opcode == TEXT:
                    try:
                        text = ("".join(p.decode() for p in parts) if decode_each
                                else b"".join(parts).decode())
                    except UnicodeDecodeError:
                        return 1007
                    messages.append(text)
                else:
                    messages.append(b"".join(parts))
                opcode, parts = None, []
        return messages
    return reassemble


def test_reassemble_naive_reference_is_right_with_no_flags():
    assert lesson05.check_reassemble(_naive_reassemble()).passed


@pytest.mark.parametrize("flags, bad", [
    ({"accept_orphan": True}, "a continuation frame with no message started: 1002"),
    ({"join_control": True}, "a ping between fragments is not part of the message"),
    ({"decode_each": True}, "a UTF-8 character split between fragments is fine"),
    ({"allow_interleave": True}, "a new TEXT frame inside a fragmented message: 1002"),
    ({"fail_late": True}, "invalid UTF-8 is caught even before the message ends: 1007"),
])
def test_reassemble_classic_mistakes_fail_on_their_case(flags, bad):
    report = lesson05.check_reassemble(_naive_reassemble(**flags))
    assert not report.passed
    assert bad in failed_names(report)


def test_reassemble_accepting_fragmented_ping_fails():
    def lax(frames):
        return S.reassemble([(True if op >= 8 else fin, op, p) for fin, op, p in frames])

    report = lesson05.check_reassemble(lax)
    assert failed_names(report) == ["a fragmented control frame (PING with FIN=0): 1002"]
    assert "section 5.5" in hints(report)


def test_reassemble_bytes_for_text_is_wrong():
    def as_bytes(frames):
        result = S.reassemble(frames)
        if isinstance(result, int):
            return result
        return [m.encode() if isinstance(m, str) else m for m in result]

    report = lesson05.check_reassemble(as_bytes)
    assert "one unfragmented text frame" in failed_names(report)


def test_reassemble_cases_agree_with_wslib_connection():
    """Every case of the check, fed to wslib's server Connection, gives the same answer."""
    for fin_op_payloads, expected in [
        ([(False, TEXT, b"Hel"), (False, CONT, b"lo, "), (True, CONT, b"world")], ["Hello, world"]),
        ([(False, TEXT, b"Hello, "), (True, PING, b"?"), (True, CONT, b"world")], ["Hello, world"]),
        ([(False, BINARY, b"\x00\x01"), (True, CONT, b"\x02")], [b"\x00\x01\x02"]),
        ([(True, CONT, b"orphan")], 1002),
        ([(False, TEXT, b"first"), (True, TEXT, b"second")], 1002),
        ([(False, TEXT, b"a"), (False, PING, b"x"), (True, CONT, b"b")], 1002),
        ([(False, TEXT, b"ok "), (True, CONT, b"\xff")], 1007),
        ([(False, TEXT, b"\xc0\xaf"), (False, CONT, b"more")], 1007),
        ([(False, TEXT, b"price: \xe2"), (True, CONT, b"\x82\xac5")], ["price: €5"]),
    ]:
        conn = Connection("server")
        data = b"".join(encode_frame(Frame(op, p, fin, mask=b"\x01\x02\x03\x04"), check=False)
                        for fin, op, p in fin_op_payloads)
        events = conn.receive_data(data)
        closed = [e for e in events if isinstance(e, Closed)]
        if isinstance(expected, int):
            assert closed and closed[0].code == expected
        else:
            got = [e.data for e in events if isinstance(e, (TextMessage, BinaryMessage))]
            assert got == expected and not closed
        assert S.reassemble(fin_op_payloads) == expected


# ------------------------------------------------------------------ 5.3 close codes

def test_close_codes_wrong_answers_are_reported_with_the_rule():
    answers = dict(S.CLOSE_CODES)
    answers["a text message contains invalid UTF-8"] = 1002
    answers["a PING frame arrives between two fragments of a message"] = 1002
    report = lesson05.check_close_codes(answers)
    assert not report.passed
    names = failed_names(report)
    assert "a text message contains invalid UTF-8: 1007" in names
    assert "a PING frame arrives between two fragments of a message: None (not an error)" in names
    assert "invalid frame payload data" in hints(report)


def test_close_codes_partly_answered():
    answers = dict(S.CLOSE_CODES)
    answers["a message is larger than the receiver accepts"] = ...
    report = lesson05.check_close_codes(answers)
    assert report.attempted and not report.passed
    assert "not answered yet" in repr(report)


def test_close_codes_missing_key():
    answers = dict(S.CLOSE_CODES)
    del answers["a PING frame arrives with FIN=0"]
    report = lesson05.check_close_codes(answers)
    assert "a PING frame arrives with FIN=0" in failed_names(report)


def test_close_codes_bool_is_not_none():
    answers = dict(S.CLOSE_CODES)
    answers["a UTF-8 character is split between two fragments"] = False
    assert not lesson05.check_close_codes(answers).passed
