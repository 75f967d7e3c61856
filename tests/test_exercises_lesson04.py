"""Lesson 04's self-checks (masking): the reference solutions pass, the stubs are "not attempted",
and the classic wrong answers fail with the check or hint that names the mistake."""

from __future__ import annotations


import pytest

import wslib
import wslib.masking
from wslib.exercises import lesson04
from wslib.frames import Frame, encode_frame
from wslib.masking import mask as renamed

import solutions.lesson04  # the repository root is on sys.path (pyproject.toml)

S = solutions.lesson04  # the reference solutions (solutions/lesson04.py)
CHECKS = [
    (lesson04.check_mask, S.mask),
    (lesson04.check_unmask_captured, S.unmask_captured),
    (lesson04.check_unmask_pieces, S.unmask_pieces),
    (lesson04.check_must_mask, S.must_mask),
]


def stub(*args):
    raise NotImplementedError  # your code here


def ellipsis_stub(*args):
    ...


def failed(report):
    return [r for r in report.results if not r.passed]


def failed_names(report):
    return [r.name for r in failed(report)]


def hints(report):
    return " | ".join(r.hint for r in failed(report))


# ------------------------------------------------------------------ references and stubs

@pytest.mark.parametrize("check, solution", CHECKS)
def test_reference_solution_passes(check, solution):
    report = check(solution)
    assert report.passed, repr(report)
    assert "all checks passed" in repr(report)


@pytest.mark.parametrize("check", [c for c, _ in CHECKS])
@pytest.mark.parametrize("answer", [stub, ellipsis_stub, None])
def test_stub_is_not_attempted(check, answer):
    report = check(answer)
    assert report.attempted is False
    assert report.passed is False
    assert "not attempted yet" in repr(report)


@pytest.mark.parametrize("check", [c for c, _ in CHECKS])
def test_learner_exception_never_escapes(check):
    def broken(*args):
        raise ZeroDivisionError("oops")

    report = check(broken)
    assert report.attempted and not report.passed
    assert "ZeroDivisionError" in repr(report)


# ------------------------------------------------------------------ 4.1 mask

@pytest.mark.parametrize("wrong, words", [
    (lambda d, k: bytes(b ^ k[i % 3] for i, b in enumerate(d)), "looks like key[i % 3]"),
    (lambda d, k: bytes((b ^ int.from_bytes(k, "big")) & 0xFF for b in d), "the whole key XORed"),
    (lambda d, k: bytes(b ^ k[0] for b in d), "looks like key[0] for every byte"),
    (lambda d, k: bytes(b ^ k[(i + 1) % 4] for i, b in enumerate(d)), "key[(i + 1) % 4]"),
    (lambda d, k: bytes(b ^ k[::-1][i % 4] for i, b in enumerate(d)), "reverse order"),
    # the key restarting every 3 bytes IS key[i % 3]: the same hint explains it
    (lambda d, k: b"".join(S.mask(d[i:i + 3], k) for i in range(0, len(d), 3)), "key[i % 3]"),
])
def test_mask_mistakes_are_named_on_every_case_they_fail(wrong, words):
    report = lesson04.check_mask(wrong)
    assert report.status == "failed" and report.failed
    for r in report.failed:
        assert words in r.hint, repr(report)
        assert r.detail.startswith("got ") and "differ" in r.detail


def test_mask_whole_key_per_byte_raises_and_is_named():
    report = lesson04.check_mask(lambda d, k: bytes(b ^ int.from_bytes(k, "big") for b in d))
    assert not report.passed
    assert "raised ValueError: bytes must be in range(0, 256)" in report.failed[0].detail
    assert "ONE key byte" in hints(report)


@pytest.mark.parametrize("answer", [
    lambda d, k: wslib.mask(d, k),
    lambda d, k: renamed(d, k),
    lambda d, k: wslib.masking.mask_loop(d, k),
    lambda d, k: encode_frame(Frame(2, d, mask=k))[-len(d):] if d else b"",
])
def test_mask_calling_wslib_is_caught(answer):
    report = lesson04.check_mask(answer)
    assert report.status == "failed" and len(report.failed) == 1
    line = report.failed[0]
    assert line.name.startswith("does not call wslib.mask")
    assert line.detail == "your code called wslib.mask"
    assert "write the XOR yourself" in line.hint


def test_mask_bytearray_answer_is_accepted():
    report = lesson04.check_mask(lambda d, k: bytearray(S.mask(d, k)))
    assert report.passed, repr(report)


def test_mask_report_shows_the_learner_bytes_as_hex_and_never_the_expected():
    report = lesson04.check_mask(lambda d, k: bytes(b ^ k[i % 3] for i, b in enumerate(d)))
    assert "got 7f 9f 4d 5b 95: bytes 3, 4 differ" in repr(report)
    assert "7f 9f 4d 51 58" not in repr(report)


def test_mask_list_of_ints_is_named():
    report = lesson04.check_mask(lambda d, k: [b ^ k[i % 4] for i, b in enumerate(d)])
    assert report.failed[0].detail == "returned a list of ints; bytes are expected"
    assert "bytes(your_list)" in report.failed[0].hint


# ------------------------------------------------------------------ 4.2 unmask a captured frame

def test_unmask_ignoring_extended_length_fails_on_long_frames():
    def short_only(frame_hex):
        frame = bytes.fromhex(frame_hex)
        return S.mask(frame[6:], frame[2:6])

    report = lesson04.check_unmask_captured(short_only)
    bad = {r.name: r for r in report.failed}
    assert set(bad) == {"300 bytes: length 126, then a 16-bit length",
                        "70000 bytes: length 127, then a 64-bit length"}
    assert "the 7-bit length is 126, a marker" in bad["300 bytes: length 126, then a 16-bit length"].hint
    assert "the key is bytes 4-7" in bad["300 bytes: length 126, then a 16-bit length"].hint
    assert "the key is bytes 10-13" in bad["70000 bytes: length 127, then a 64-bit length"].hint


def test_unmask_returning_masked_payload_is_named():
    report = lesson04.check_unmask_captured(lambda h: bytes.fromhex(h)[6:])
    assert "still masked" in report.failed[0].hint


def test_unmask_returning_key_with_payload_is_named():
    report = lesson04.check_unmask_captured(lambda h: bytes.fromhex(h)[2:])
    assert "the 4 bytes after the length are the masking key" in report.failed[0].hint


def test_unmask_only_16_bit_form_fails_on_64_bit():
    def no_64(frame_hex):
        frame = bytes.fromhex(frame_hex)
        n, pos = frame[1] & 0x7F, 2
        if n == 126:
            n, pos = int.from_bytes(frame[2:4], "big"), 4
        return S.mask(frame[pos + 4:pos + 4 + n], frame[pos:pos + 4])

    report = lesson04.check_unmask_captured(no_64)
    assert failed_names(report) == ["70000 bytes: length 127, then a 64-bit length"]
    assert "the key is bytes 10-13" in report.failed[0].hint


# ------------------------------------------------------------------ 4.3 unmask in pieces

def test_pieces_key_restarting_per_piece_is_named():
    report = lesson04.check_unmask_pieces(lambda ps, k: [S.mask(p, k) for p in ps])
    assert not report.passed
    assert all("the key restarts at key[0] for every piece" in r.hint for r in report.failed)
    # Pieces whose sizes are multiples of 4 hide the bug; the check includes one and it passes.
    passed = [r.name for r in report.results if r.passed]
    assert "pieces of 4 and 4 (boundaries that happen to line up with the key)" in passed


def test_pieces_joined_answer_has_wrong_shape():
    report = lesson04.check_unmask_pieces(lambda ps, k: [S.mask(b"".join(ps), k)])
    bad = {r.name: r for r in report.failed}
    assert "return one unmasked piece per piece received (3 here)" in bad["pieces of 5, 3 and 7 bytes"].hint
    assert bad["pieces of 5, 3 and 7 bytes"].detail.startswith("1 item; the right answer has 3")


# ------------------------------------------------------------------ 4.4 who masks

@pytest.mark.parametrize("wrong, bad", [
    (lambda role: True, "must_mask('server')"),
    (lambda role: False, "must_mask('client')"),
    (lambda role: role == "server", "must_mask('client')"),
])
def test_must_mask_wrong_answers(wrong, bad):
    report = lesson04.check_must_mask(wrong)
    assert not report.passed
    assert bad in failed_names(report)
    assert "section 5.1" in hints(report)
    for r in report.failed:  # the question and a guide, never the answer
        assert "True" not in r.name + r.hint and "False" not in r.name + r.hint


def test_must_mask_non_bool_is_named():
    report = lesson04.check_must_mask(lambda role: 1 if role == "client" else 0)
    assert report.failed[0].detail == "returned 1, an int; a bool (True or False) is expected"
    report = lesson04.check_must_mask(lambda role: "yes" if role == "client" else "")
    assert report.failed[0].detail == "returned 'yes', a str; a bool (True or False) is expected"
