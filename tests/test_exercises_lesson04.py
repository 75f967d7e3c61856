"""Lesson 04's self-checks (masking): the reference solutions pass, the stubs are "not attempted",
and the classic wrong answers fail with the check or hint that names the mistake."""

from __future__ import annotations


import pytest

from wslib.exercises import lesson04

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

def test_mask_wrong_modulus_is_named():
    report = lesson04.check_mask(lambda d, k: bytes(b ^ k[i % 3] for i, b in enumerate(d)))
    assert not report.passed
    assert "looks like key[i % 3]" in failed_names(report)
    assert "i % 4" in hints(report)


def test_mask_whole_key_per_byte_raises_and_is_named():
    report = lesson04.check_mask(lambda d, k: bytes(b ^ int.from_bytes(k, "big") for b in d))
    assert not report.passed
    assert "looks like a value above 255 put into bytes" in failed_names(report)
    assert "ONE key byte" in hints(report)


def test_mask_whole_key_truncated_is_named():
    report = lesson04.check_mask(lambda d, k: bytes((b ^ int.from_bytes(k, "big")) & 0xFF for b in d))
    assert not report.passed
    assert any("whole key" in n for n in failed_names(report))


def test_mask_key_restarting_per_chunk_fails():
    # A "streaming" version that restarts the key every 3 bytes: the classic per-chunk bug.
    def per_chunk(data, key):
        out = b""
        for start in range(0, len(data), 3):
            out += bytes(b ^ key[i % 4] for i, b in enumerate(data[start:start + 3]))
        return out

    report = lesson04.check_mask(per_chunk)
    assert not report.passed
    assert "RFC 6455 section 5.7: 'Hello' with key 37 fa 21 3d gives 7f 9f 4d 51 58" in failed_names(report)


@pytest.mark.parametrize("wrong, name", [
    (lambda d, k: bytes(b ^ k[0] for b in d), "looks like only key[0] is used"),
    (lambda d, k: bytes(b ^ k[(i + 1) % 4] for i, b in enumerate(d)),
     "looks like the key index is off by one (key[(i + 1) % 4])"),
    (lambda d, k: bytes(b ^ k[::-1][i % 4] for i, b in enumerate(d)),
     "looks like the key bytes are used in reverse order"),
])
def test_mask_other_mistakes_are_named(wrong, name):
    report = lesson04.check_mask(wrong)
    assert not report.passed
    assert name in failed_names(report)


def test_mask_bytearray_answer_is_accepted():
    report = lesson04.check_mask(lambda d, k: bytearray(S.mask(d, k)))
    assert report.passed, repr(report)


def test_mask_report_shows_bytes_as_hex():
    report = lesson04.check_mask(lambda d, k: bytes(b ^ k[i % 3] for i, b in enumerate(d)))
    assert "got 7f 9f 4d 5b 95: bytes 3, 4 differ" in repr(report)


# ------------------------------------------------------------------ 4.2 unmask a captured frame

def test_unmask_ignoring_extended_length_fails_on_long_frames():
    def short_only(frame_hex):
        frame = bytes.fromhex(frame_hex)
        return S.mask(frame[6:], frame[2:6])

    report = lesson04.check_unmask_captured(short_only)
    assert not report.passed
    names = failed_names(report)
    assert "300 bytes: length 126, then a 16-bit length" in names
    assert "70000 bytes: length 127, then a 64-bit length" in names
    assert "RFC 6455 section 5.7's masked 'Hello'" not in names
    assert "bytes 4-7" in hints(report)


def test_unmask_returning_masked_payload_is_named():
    report = lesson04.check_unmask_captured(lambda h: bytes.fromhex(h)[6:])
    assert not report.passed
    assert "looks like the payload was returned still masked" in failed_names(report)


def test_unmask_returning_key_with_payload_is_named():
    report = lesson04.check_unmask_captured(lambda h: bytes.fromhex(h)[2:])
    assert "looks like the key was returned as part of the payload" in failed_names(report)


def test_unmask_only_16_bit_form_fails_on_64_bit():
    def no_64(frame_hex):
        frame = bytes.fromhex(frame_hex)
        n, pos = frame[1] & 0x7F, 2
        if n == 126:
            n, pos = int.from_bytes(frame[2:4], "big"), 4
        return S.mask(frame[pos + 4:pos + 4 + n], frame[pos:pos + 4])

    report = lesson04.check_unmask_captured(no_64)
    assert failed_names(report) == ["70000 bytes: length 127, then a 64-bit length"]


# ------------------------------------------------------------------ 4.3 unmask in pieces

def test_pieces_key_restarting_per_piece_is_named():
    report = lesson04.check_unmask_pieces(lambda ps, k: [S.mask(p, k) for p in ps])
    assert not report.passed
    assert "looks like the key restarts at key[0] for every piece" in failed_names(report)
    # Pieces whose sizes are multiples of 4 hide the bug; the check includes one and it passes.
    passed = [r.name for r in report.results if r.passed]
    assert "pieces of 4 and 4 (boundaries that happen to line up with the key)" in passed


def test_pieces_joined_answer_has_wrong_shape():
    report = lesson04.check_unmask_pieces(lambda ps, k: [S.mask(b"".join(ps), k)])
    assert not report.passed
    assert "pieces of 5, 3 and 7 bytes" in failed_names(report)


# ------------------------------------------------------------------ 4.4 who masks

@pytest.mark.parametrize("wrong, bad", [
    (lambda role: True, "must_mask('server') is False"),
    (lambda role: False, "must_mask('client') is True"),
    (lambda role: role == "server", "must_mask('client') is True"),
])
def test_must_mask_wrong_answers(wrong, bad):
    report = lesson04.check_must_mask(wrong)
    assert not report.passed
    assert bad in failed_names(report)
    assert "section 5.1" in hints(report)


def test_must_mask_non_bool_is_wrong():
    report = lesson04.check_must_mask(lambda role: "yes" if role == "client" else "")
    assert not report.passed
