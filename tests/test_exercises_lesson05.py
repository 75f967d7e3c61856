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


def fin_first(p, s, o):
    return [(i == 0, op, c) for i, (_, op, c) in enumerate(S.fragment(p, s, o))]


def off_by_one(p, s, o):
    chunks = [p[i:i + s] for i in range(0, len(p) // s * s + 1, s)]
    return [(i == len(chunks) - 1, o if i == 0 else CONT, c) for i, c in enumerate(chunks)]


def never_single(p, s, o):
    frames = S.fragment(p, s, o)
    if len(frames) == 1:
        return [(False, o, p), (True, CONT, b"")]
    return frames


@pytest.mark.parametrize("wrong, failing, words", [
    (lambda p, s, o: [(f, o, c) for f, _, c in S.fragment(p, s, o)],
     "'Hello, world' (12 bytes) in frames of 5 bytes", "only the FIRST frame has it"),
    (fin_first, "'Hello, world' (12 bytes) in frames of 5 bytes", "FIN is set on the first frame"),
    (lambda p, s, o: [(True, op, c) for _, op, c in S.fragment(p, s, o)],
     "'Hello, world' (12 bytes) in frames of 5 bytes", "FIN is set on every frame"),
    (lambda p, s, o: [(False, op, c) for _, op, c in S.fragment(p, s, o)],
     "a payload that fits in one frame", "no frame has FIN set"),
    (off_by_one, "an exact multiple of `size` (10 bytes in 5s)", "an empty CONT frame with FIN=1"),
    (lambda p, s, o: S.fragment(p, s, o) if p else [], "an empty payload",
     "an empty message is still one frame"),
    (lambda p, s, o: S.fragment(p, s + 1, o), "'Hello, world' (12 bytes) in frames of 5 bytes",
     "one byte too long"),
    (lambda p, s, o: S.fragment(p, max(s - 1, 1), o), "'Hello, world' (12 bytes) in frames of 5 bytes",
     "one byte too short"),
    (never_single, "a payload that fits in one frame", "send ONE frame"),
])
def test_fragment_mistakes_get_their_diagnosis(wrong, failing, words):
    report = lesson05.check_fragment(wrong)
    bad = {r.name: r for r in report.failed}
    assert failing in bad, repr(report)
    assert words in bad[failing].hint
    if wrong is off_by_one:  # the payloads that are not exact multiples pass
        assert "'Hello, world' (12 bytes) in frames of 5 bytes" not in bad
    if failing == "an empty payload":  # the one case the empty-list mistake fails
        assert bad[failing].detail == "0 frames; the right answer has 1"
        assert "added at the end" not in bad[failing].hint


def test_fragment_detail_names_the_fields_of_the_frames():
    report = lesson05.check_fragment(fin_first)
    assert report.failed[0].detail == "frame 0: FIN=1; frame 2: FIN=0"


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


@pytest.mark.parametrize("flags, bad, words", [
    ({"accept_orphan": True}, "a continuation frame with no message started",
     "your code accepted these frames, but a CONT frame is only allowed inside"),
    ({"join_control": True}, "a ping between fragments is not part of the message",
     "their payload never joins the message"),
    ({"decode_each": True}, "a UTF-8 character split between fragments",
     "your code failed the connection (1007 means invalid payload data"),
    ({"allow_interleave": True}, "a new TEXT frame inside a fragmented message",
     "your code accepted these frames, but fragments of one message may not be interleaved"),
])
def test_reassemble_classic_mistakes_fail_on_their_case(flags, bad, words):
    report = lesson05.check_reassemble(_naive_reassemble(**flags))
    assert not report.passed
    assert bad in failed_names(report)
    assert words in {r.name: r for r in report.failed}[bad].hint


def test_reassemble_failing_at_fin_is_allowed():
    """RFC 6455 section 8.1: failing before the message ends is allowed, not required."""
    assert lesson05.check_reassemble(_naive_reassemble(fail_late=True)).passed


def test_reassemble_the_wrong_close_code_is_told_what_it_means():
    def swapped(frames):
        result = S.reassemble(frames)
        return {1002: 1007, 1007: 1002}.get(result, result) if isinstance(result, int) else result

    report = lesson05.check_reassemble(swapped)
    bad = {r.name: r for r in report.failed}
    assert bad["invalid UTF-8 in a text message"].hint.startswith("1002 means a protocol error; "
                                                                 "but here the text is not valid UTF-8")
    assert bad["a continuation frame with no message started"].hint.startswith(
        "1007 means invalid payload data")
    for r in report.failed:
        assert r.detail in ("got 1007", "got 1002")


def test_reassemble_accepting_fragmented_ping_fails():
    def lax(frames):
        return S.reassemble([(True if op >= 8 else fin, op, p) for fin, op, p in frames])

    report = lesson05.check_reassemble(lax)
    assert failed_names(report) == ["a fragmented control frame (PING with FIN=0)"]
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

def test_close_codes_wrong_answers_are_told_what_they_mean_never_the_answer():
    answers = dict(S.CLOSE_CODES)
    answers["a text message contains invalid UTF-8"] = 1002
    answers["a PING frame arrives between two fragments of a message"] = 1002
    answers["a message is larger than the receiver accepts"] = 1008
    report = lesson05.check_close_codes(answers)
    bad = {r.name: r for r in report.failed}
    assert set(bad) == {"a text message contains invalid UTF-8",
                        "a PING frame arrives between two fragments of a message",
                        "a message is larger than the receiver accepts"}
    assert bad["a text message contains invalid UTF-8"].detail == "you said 1002"
    assert bad["a text message contains invalid UTF-8"].hint.startswith("1002 means a protocol error")
    assert "is this an error at all?" in bad["a PING frame arrives between two fragments of a message"].hint
    assert "1008 means a policy violation" in bad["a message is larger than the receiver accepts"].hint
    text = repr(report)
    for code in ("1007", "1009", "None"):
        assert code not in text


def test_close_codes_str_and_bool_are_named():
    answers = dict(S.CLOSE_CODES)
    answers["a message is larger than the receiver accepts"] = "1009"
    answers["a UTF-8 character is split between two fragments"] = False
    report = lesson05.check_close_codes(answers)
    bad = {r.name: r for r in report.failed}
    assert bad["a message is larger than the receiver accepts"].detail == \
        "you said '1009', a str; an int is expected"
    assert "without quotes" in bad["a message is larger than the receiver accepts"].hint
    assert bad["a UTF-8 character is split between two fragments"].detail == "you said False"


def test_close_codes_none_for_an_error():
    answers = dict(S.CLOSE_CODES)
    answers["a PING frame arrives with FIN=0"] = None
    report = lesson05.check_close_codes(answers)
    assert report.failed[0].hint.startswith("you said this is not an error; ")


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
