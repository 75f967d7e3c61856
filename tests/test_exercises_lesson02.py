"""Lesson 02's self-checks: the reference solutions pass, the stubs are "not attempted", and the
classic wrong answers fail with the hint that names the mistake."""

from __future__ import annotations

import base64
import hashlib

import pytest

from wslib.exercises import lesson02
from wslib.handshake import GUID, HandshakeError, check_request
from wslib.http import Headers, Request

import solutions.lesson02  # the repository root is on sys.path (pyproject.toml)

S = solutions.lesson02  # the reference solutions (solutions/lesson02.py)


def stub(*args):
    raise NotImplementedError  # your code here


def ellipsis_stub(*args):
    ...


def failed(report):
    return [r for r in report.results if not r.passed]


def hints(report):
    return " | ".join(r.hint for r in failed(report))


# ------------------------------------------------------------------ references and stubs

@pytest.mark.parametrize("check, solution", [
    (lesson02.check_accept_key, S.accept_key),
    (lesson02.check_handshake_status, S.handshake_status),
    (lesson02.check_parse_response, S.parse_response),
])
def test_reference_solution_passes(check, solution):
    report = check(solution)
    assert report.passed, repr(report)
    assert "all checks passed" in repr(report)


@pytest.mark.parametrize("check", [lesson02.check_accept_key, lesson02.check_handshake_status,
                                   lesson02.check_parse_response])
@pytest.mark.parametrize("answer", [stub, ellipsis_stub, None])
def test_stub_is_not_attempted(check, answer):
    report = check(answer)
    assert report.attempted is False
    assert not report.passed
    assert "not attempted yet" in repr(report)


def test_a_crashing_answer_is_reported_not_raised():
    def crash(*args):
        raise KeyError("upgrade")

    for check in (lesson02.check_accept_key, lesson02.check_handshake_status,
                  lesson02.check_parse_response):
        report = check(crash)
        assert report.attempted and not report.passed
        assert "raised KeyError" in repr(report)


# ------------------------------------------------------------------ 2.1 accept_key

def accept_hexdigest(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).hexdigest().encode()).decode()


def accept_of_decoded_key(key):
    return base64.b64encode(hashlib.sha1(base64.b64decode(key) + GUID.encode()).digest()).decode()


def accept_misspelled_guid(key):
    guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B1l"  # last character: a lower-case L, not a 1
    return base64.b64encode(hashlib.sha1((key + guid).encode()).digest()).decode()


def accept_bytes(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest())


def accept_guid_first(key):
    return base64.b64encode(hashlib.sha1((GUID + key).encode()).digest()).decode()


def accept_no_guid(key):
    return base64.b64encode(hashlib.sha1(key.encode()).digest()).decode()


@pytest.mark.parametrize("wrong, expected_hint", [
    (accept_hexdigest, ".hexdigest()"),
    (accept_of_decoded_key, "decoded 16 bytes"),
    (accept_misspelled_guid, "character by character"),
    (accept_bytes, "return a str"),
    (accept_guid_first, "wrong order"),
    (accept_no_guid, "append the GUID"),
    (lambda key: hashlib.sha1((key + GUID).encode()).hexdigest(), "SHA-1 in hex"),
])
def test_accept_key_classic_mistakes(wrong, expected_hint):
    report = lesson02.check_accept_key(wrong)
    assert report.attempted and not report.passed
    assert len(failed(report)) == len(report.results)  # every key exposes the mistake
    assert expected_hint in failed(report)[0].hint, hints(report)


def test_accept_key_report_shows_the_rfc_example():
    report = lesson02.check_accept_key(accept_hexdigest)
    text = repr(report)
    assert "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in text
    assert "✗ the RFC's example key (section 1.3)" in text


# ------------------------------------------------------------------ 2.2 handshake_status

def status_case_sensitive_upgrade(headers, origins=None):
    headers = dict(headers)
    headers["Upgrade"] = headers.get("Upgrade", headers.get("upgrade"))
    if headers["Upgrade"] != "websocket":  # BUG: 'WebSocket' is the same token
        return 400
    return S.handshake_status(headers, origins)


def status_connection_not_split(headers, origins=None):
    h = {k.lower(): v for k, v in headers.items()}
    if (h.get("connection") or "").lower() != "upgrade":  # BUG: "keep-alive, Upgrade" is a list
        return 400
    return S.handshake_status(headers, origins)


def status_case_sensitive_names(headers, origins=None):
    if "Host" not in headers or "Upgrade" not in headers:  # BUG: names are case-insensitive
        return 400
    return S.handshake_status(headers, origins)


def status_version_400(headers, origins=None):
    status = S.handshake_status(headers, origins)
    return 400 if status == 426 else status  # BUG (websockets does this too): no 426


def status_key_not_checked(headers, origins=None):
    h = {k.lower(): v for k, v in headers.items()}
    if "sec-websocket-key" in h:
        h["sec-websocket-key"] = "dGhlIHNhbXBsZSBub25jZQ=="  # BUG: any key accepted
    return S.handshake_status(h, origins)


def status_missing_origin_ok(headers, origins=None):
    h = {k.lower(): v for k, v in headers.items()}
    if origins is not None and "origin" not in h:  # BUG: no Origin is not an allowed Origin
        origins = None
    return S.handshake_status(h, origins)


@pytest.mark.parametrize("wrong, failing_case, hint_words", [
    (status_case_sensitive_upgrade, "'Upgrade: WebSocket' (capitals)", "case-insensitively"),
    (status_connection_not_split, "'Connection: keep-alive, Upgrade' (what Firefox sends)",
     "comma-separated list"),
    (status_case_sensitive_names, "header names in lower case", "case-insensitive"),
    (status_version_400, "Sec-WebSocket-Version: 8", "426 Upgrade Required"),
    (status_key_not_checked, "Sec-WebSocket-Key 'abc' (not base64 of 16 bytes)", "exactly 16 bytes"),
    (status_missing_origin_ok, "Origin missing while origins are restricted", "403"),
])
def test_handshake_status_classic_mistakes(wrong, failing_case, hint_words):
    report = lesson02.check_handshake_status(wrong)
    assert report.attempted and not report.passed
    bad = {r.name: r for r in failed(report)}
    assert failing_case in bad, repr(report)
    assert hint_words in bad[failing_case].hint


def test_handshake_status_always_101_fails_every_refusal():
    report = lesson02.check_handshake_status(lambda headers, origins=None: 101)
    assert report.score == (5, 15)


def test_handshake_status_bool_is_not_a_status():
    report = lesson02.check_handshake_status(lambda headers, origins=None: True)
    assert report.score[0] == 0


def test_expected_statuses_are_what_wslib_answers():
    """The exercise teaches wslib's rules: check_request gives the same status for every case."""
    for name, headers, origins, expected, _hint in lesson02._status_cases():
        request = Request("GET", "/", Headers(list(headers.items())))
        try:
            check_request(request, origins=origins)
            status = 101
        except HandshakeError as exc:
            status = exc.status
        assert status == expected, name


# ------------------------------------------------------------------ 2.3 parse_response

def parse_split_all_colons(data):
    head = data.split(b"\r\n\r\n", 1)[0].decode()
    lines = head.split("\r\n")
    headers = {}
    for line in lines[1:]:
        parts = line.split(":")  # BUG: a Date value has colons too
        headers[parts[0].strip().lower()] = parts[1].strip()
    return int(lines[0].split()[1]), headers


def parse_no_blank_line_stop(data):
    lines = data.decode("latin-1").split("\r\n")  # BUG: the body is parsed as headers
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers


def parse_names_as_sent(data):
    status, headers = S.parse_response(data)
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return status, {line.partition(":")[0]: line.partition(":")[2].strip() for line in head}


def parse_status_as_str(data):
    status, headers = S.parse_response(data)
    return str(status), headers


@pytest.mark.parametrize("wrong, failing_case, hint_words", [
    (parse_split_all_colons, "a value that contains ':' (Date)", "first colon"),
    (parse_no_blank_line_stop, "a 426 with a body after the blank line", "first empty line"),
    (parse_names_as_sent, "a plain 101 response", "lower case"),
    (parse_status_as_str, "a plain 101 response", "int"),
])
def test_parse_response_classic_mistakes(wrong, failing_case, hint_words):
    report = lesson02.check_parse_response(wrong)
    assert report.attempted and not report.passed
    bad = {r.name: r for r in failed(report)}
    assert failing_case in bad, repr(report)
    assert hint_words in bad[failing_case].hint
