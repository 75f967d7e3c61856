"""Lesson 03's self-checks: the reference solutions pass, the stubs are "not attempted", and the
classic wrong answers (the unpadded binary string, little-endian lengths, off-by-one length
forms) fail with the hint that names the mistake."""

from __future__ import annotations

import struct

import pytest

from wslib.exercises import lesson03
from wslib.frames import Frame, decode_frame, encode_frame, parse_header

import solutions.lesson03  # the repository root is on sys.path (pyproject.toml)

S = solutions.lesson03  # the reference solutions (solutions/lesson03.py)
CHECKS = [lesson03.check_parse_header, lesson03.check_frame_header, lesson03.check_payload_length]


def stub(*args):
    raise NotImplementedError  # your code here


def ellipsis_stub(*args):
    ...


def failed(report):
    return {r.name: r for r in report.results if not r.passed}


@pytest.mark.parametrize("check, solution", [
    (lesson03.check_parse_header, S.parse_header),
    (lesson03.check_frame_header, S.frame_header),
    (lesson03.check_payload_length, S.payload_length),
])
def test_reference_solution_passes(check, solution):
    report = check(solution)
    assert report.passed, repr(report)


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("answer", [stub, ellipsis_stub, None])
def test_stub_is_not_attempted(check, answer):
    report = check(answer)
    assert report.attempted is False
    assert "not attempted yet" in repr(report)


@pytest.mark.parametrize("check", CHECKS)
def test_a_crashing_answer_is_reported_not_raised(check):
    report = check(lambda *args: [][1])
    assert report.attempted and not report.passed
    assert "raised IndexError" in repr(report)


def test_expected_values_agree_with_wslib():
    """The checks' expectations are what wslib.frames encodes and decodes."""
    for _name, (two,), expected, _hint in lesson03._parse_header_cases():
        b0, b1 = two
        assert expected["fin"] == bool(b0 & 0x80) and expected["opcode"] == b0 & 0xF
    for _name, (n,), expected, _hint in lesson03._frame_header_cases():
        if n <= 70000:
            assert encode_frame(Frame(1, bytes(n)))[:len(expected)] == expected
    for _name, (header,), n, _hint in lesson03._payload_length_cases():
        parsed = parse_header(header)
        assert parsed is not None and parsed.length == n and parsed.size == len(header)


# ------------------------------------------------------------------ 3.1 parse_header

def parse_unpadded(first_two):
    """The tutorial bug: bin() without zero padding, bits read from the left."""
    b0, b1 = first_two
    bits0, bits1 = bin(b0)[2:], bin(b1)[2:]
    return {"fin": bits0[0] == "1", "rsv1": bits0[1:2] == "1", "rsv2": bits0[2:3] == "1",
            "rsv3": bits0[3:4] == "1", "opcode": int(bits0[-4:], 2), "masked": bits1[0] == "1",
            "length7": int(bits1[-7:], 2)}


def parse_unpadded_crashing(first_two):
    """The same bug written with fixed slices: it crashes instead of misreading."""
    b0, b1 = first_two
    bits0, bits1 = bin(b0)[2:], bin(b1)[2:]
    return {"fin": bits0[0] == "1", "rsv1": bits0[1] == "1", "rsv2": bits0[2] == "1",
            "rsv3": bits0[3] == "1", "opcode": int(bits0[4:8], 2), "masked": bits1[0] == "1",
            "length7": int(bits1[1:8], 2)}


def parse_mask_from_byte0(first_two):
    result = S.parse_header(first_two)
    result["masked"] = bool(first_two[0] & 0x80)  # BUG: that is FIN
    return result


def parse_opcode_high_nibble(first_two):
    result = S.parse_header(first_two)
    result["opcode"] = first_two[0] >> 4  # BUG: the opcode is the low nibble
    return result


def parse_padded_strings(first_two):
    """The fix: format(b, '08b') keeps the leading zeros, so positions are right."""
    bits0, bits1 = format(first_two[0], "08b"), format(first_two[1], "08b")
    return {"fin": bits0[0] == "1", "rsv1": bits0[1] == "1", "rsv2": bits0[2] == "1",
            "rsv3": bits0[3] == "1", "opcode": int(bits0[4:], 2), "masked": bits1[0] == "1",
            "length7": int(bits1[1:], 2)}


def parse_ints_for_flags(first_two):
    b0, b1 = first_two
    return {"fin": b0 >> 7, "rsv1": b0 >> 6 & 1, "rsv2": b0 >> 5 & 1, "rsv3": b0 >> 4 & 1,
            "opcode": b0 & 0xF, "masked": b1 >> 7, "length7": b1 & 0x7F}


def test_unpadded_binary_string_passes_the_tutorial_case_and_fails_the_others():
    report = lesson03.check_parse_header(parse_unpadded)
    assert not report.passed
    bad = failed(report)
    # The masked 'Hello' from a client (FIN=1, MASK=1: both bytes have their top bit set) hides
    # the bug: that is exactly the frame a tutorial tries first.
    assert "81 85: a masked 'Hello' from a client (RFC 6455 section 5.7)" not in bad
    first_fragment = bad["01 03: a first fragment (FIN=0, text)"]
    assert first_fragment.detail == "wrong: fin=True, masked=True"
    assert "if you read the bits from bin(): bin() drops leading zeros" in first_fragment.hint
    assert bad["81 05: the unmasked 'Hello' from a server"].detail == "wrong: masked=True"


def test_unpadded_crashing_variant_is_reported():
    report = lesson03.check_parse_header(parse_unpadded_crashing)
    bad = failed(report)
    assert "raised IndexError" in bad["01 03: a first fragment (FIN=0, text)"].detail


def test_mask_bit_from_byte0_fails():
    report = lesson03.check_parse_header(parse_mask_from_byte0)
    bad = failed(report)
    assert "SECOND byte" in bad["81 05: the unmasked 'Hello' from a server"].hint


def test_opcode_high_nibble_fails():
    report = lesson03.check_parse_header(parse_opcode_high_nibble)
    bad = failed(report)
    for name in bad:  # every line says what was done, and the rule; nothing about MASK
        assert bad[name].hint == ("the opcode was read from the high four bits (b0 >> 4); it is "
                                  "the LOW four bits of byte 0: b0 & 0x0F"), name
        assert bad[name].detail.startswith("wrong: opcode=")


@pytest.mark.parametrize("wrong, hint_words", [
    (lambda two: {**S.parse_header(two), "opcode": two[0]}, "all of byte 0"),
    (lambda two: {**S.parse_header(two), "opcode": two[0] & 0x3F}, "FIN or RSV bits"),
    (lambda two: {**S.parse_header(two), "length7": two[1]}, "MASK bit included"),
    (lambda two: {**S.parse_header(two), "fin": bool(two[0] & 1)}, "lowest bit (0x01)"),
    (lambda two: {**S.parse_header(two), "rsv1": bool(two[0] & 0x20)}, "RSV1 is b0 & 0x40"),
    (lambda two: {k: v for k, v in S.parse_header(two).items() if k != "length7"},
     "return all seven keys"),
])
def test_parse_header_mistakes_get_their_diagnosis(wrong, hint_words):
    report = lesson03.check_parse_header(wrong)
    assert report.status == "failed"
    assert all(hint_words in r.hint for r in report.failed), repr(report)


def test_parse_header_details_never_show_the_expected_value():
    report = lesson03.check_parse_header(lambda two: dict.fromkeys(lesson03.HEADER_KEYS, 0))
    for r in report.failed:
        assert "expected" not in r.detail and r.detail.startswith("wrong: ")


@pytest.mark.parametrize("answer", [parse_padded_strings, parse_ints_for_flags])
def test_other_correct_styles_pass(answer):
    assert lesson03.check_parse_header(answer).passed


def test_parse_header_wrong_shape():
    report = lesson03.check_parse_header(lambda two: (True, False, False, False, 1, True, 5))
    assert "a tuple; a dict is expected" in report.results[0].detail
    report = lesson03.check_parse_header(lambda two: {"fin": True})
    assert "missing keys" in report.results[0].detail


# ------------------------------------------------------------------ 3.2 frame_header

def header_little_endian(n):
    if n < 126:
        return bytes((0x81, n))
    if n < 65536:
        return struct.pack("<BBH", 0x81, 126, n)  # BUG: network order is big-endian
    return struct.pack("<BBQ", 0x81, 127, n)


def header_127_for_65535(n):
    if n < 126:
        return bytes((0x81, n))
    if n < 65535:  # BUG: off by one, 65535 still fits in 16 bits
        return struct.pack("!BBH", 0x81, 126, n)
    return struct.pack("!BBQ", 0x81, 127, n)


def header_126_for_125(n):
    if n < 125:  # BUG: off by one, 125 is still a 7-bit length
        return bytes((0x81, n))
    if n < 65536:
        return struct.pack("!BBH", 0x81, 126, n)
    return struct.pack("!BBQ", 0x81, 127, n)


def header_no_fin(n):
    return bytes((0x01,)) + S.frame_header(n)[1:]  # BUG: FIN forgotten


def header_binary(n):
    return bytes((0x80,)) + S.frame_header(n)[1:]  # BUG: opcode forgotten


def header_masked(n):
    h = S.frame_header(n)
    return h[:1] + bytes((h[1] | 0x80,)) + h[2:]  # BUG: MASK set on an unmasked frame


def header_one_byte_length(n):
    return bytes((0x81, n & 0x7F))  # BUG: no extended length


def header_16_for_big(n):
    if n < 126:
        return bytes((0x81, n))
    return struct.pack("!BBH", 0x81, 126, n % 65536)  # BUG: 16 bits for everything


def header_32_bit(n):
    if n < 65536:
        return S.frame_header(n)
    return struct.pack("!BBI", 0x81, 127, n % 2**32)  # BUG: the 64-bit form is 8 bytes


@pytest.mark.parametrize("wrong, failing_case, hint_words", [
    (header_little_endian, "256 bytes (the byte order shows)", "little-endian"),
    (header_127_for_65535, "65535 bytes: the largest 16-bit length", "non-minimal"),
    (header_126_for_125, "125 bytes: the largest 7-bit length", "fits in the 7-bit field"),
    (header_32_bit, "2**32 + 1 bytes (needs more than 32 bits)", "8 bytes of length, not 4"),
    (header_no_fin, "5 bytes ('Hello')", "FIN (0x80) is missing"),
    (header_no_fin, "65535 bytes: the largest 16-bit length", "FIN (0x80) is missing"),
    (header_binary, "0 bytes", "opcode of a text frame is missing"),
    (header_masked, "5 bytes ('Hello')", "MASK bit (0x80) is set"),
    (header_one_byte_length, "256 bytes (the byte order shows)", "does not fit the 7-bit field"),
    (header_16_for_big, "65536 bytes: the smallest 64-bit length", "does not fit in 16 bits"),
])
def test_frame_header_classic_mistakes(wrong, failing_case, hint_words):
    report = lesson03.check_frame_header(wrong)
    assert report.attempted and not report.passed
    bad = failed(report)
    assert failing_case in bad, repr(report)
    assert hint_words in bad[failing_case].hint
    if wrong is header_no_fin:
        assert all("non-minimal" not in r.hint for r in report.failed)


def test_little_endian_is_invisible_for_symmetric_lengths():
    # 65535 is ff ff either way round: only the other 16-bit cases catch the byte order.
    report = lesson03.check_frame_header(header_little_endian)
    assert "65535 bytes: the largest 16-bit length" not in failed(report)


def test_frame_header_wrong_type():
    report = lesson03.check_frame_header(lambda n: list(S.frame_header(n)))
    assert "a list of ints; bytes are expected" in report.results[0].detail


def test_frame_header_detail_shows_hex():
    report = lesson03.check_frame_header(header_little_endian)
    detail = failed(report)["256 bytes (the byte order shows)"].detail
    assert detail == "got 81 7e 00 01: bytes 2, 3 differ"  # the learner's bytes only


# ------------------------------------------------------------------ 3.3 payload_length

def length_mask_bit_kept(header):
    length = header[1]  # BUG: the MASK bit is still in there
    if length == 126:
        return int.from_bytes(header[2:4], "big")
    if length == 127:
        return int.from_bytes(header[2:10], "big")
    return length


def length_little_endian(header):
    length = header[1] & 0x7F
    if length == 126:
        return int.from_bytes(header[2:4], "little")  # BUG
    if length == 127:
        return int.from_bytes(header[2:10], "little")  # BUG
    return length


def length_marker(header):
    return header[1] & 0x7F  # BUG: 126 and 127 are markers


def length_four_bytes(header):
    length = header[1] & 0x7F
    if length == 126:
        return int.from_bytes(header[2:4], "big")
    if length == 127:
        return int.from_bytes(header[6:10], "big")  # BUG: reads only the low 32 bits
    return length


@pytest.mark.parametrize("wrong, failing_case, hint_words", [
    (length_mask_bit_kept, "81 85 + mask: 'Hello', masked", "b1 & 0x7F"),
    (length_mask_bit_kept, "82 fe 01 00 + mask: a 16-bit length, masked", "MASK bit"),
    (length_little_endian, "82 7e 01 00: a 16-bit length", "big-endian"),
    (length_four_bytes, "82 ff + 8 bytes + mask: more than 32 bits, masked", "all 8 bytes"),
    (length_marker, "82 7e 01 00: a 16-bit length", "126 is not the length but a marker"),
    (length_marker, "82 7f 00 00 00 00 00 01 00 00: a 64-bit length", "127 is not the length"),
    (lambda h: str(S.payload_length(h)), "81 05: 'Hello', unmasked", "without quotes"),
])
def test_payload_length_classic_mistakes(wrong, failing_case, hint_words):
    report = lesson03.check_payload_length(wrong)
    assert report.attempted and not report.passed
    bad = failed(report)
    assert failing_case in bad, repr(report)
    assert hint_words in bad[failing_case].hint


def test_payload_length_on_a_real_frame():
    data = encode_frame(Frame(2, bytes(300), mask=b"\x37\xfa\x21\x3d"))
    assert S.payload_length(data) == 300 == len(decode_frame(data)[0].payload)
