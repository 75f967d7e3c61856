"""Lesson 02's self-checks: the reference solutions pass, the stubs are "not attempted", and the
classic wrong answers fail with the hint that names the mistake."""

from __future__ import annotations

import base64
import hashlib
import random

import pytest

from wslib.exercises import lesson02
from wslib.handshake import GUID, HandshakeError, accept_key, check_request, generate_key
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


def test_accept_key_report_never_shows_the_expected_value():
    report = lesson02.check_accept_key(accept_hexdigest)
    text = repr(report)
    assert "✗ the RFC's example key (section 1.3)" in text
    keys = [lesson02.RFC_KEY, generate_key(random.Random(1)), generate_key(random.Random(2)),
            "+/+/+/+/+/+/+/+/+/+/+w=="]
    for key in keys:
        assert accept_key(key) not in text
    assert "accept_key('dGhlIHNhbXBsZSBub25jZQ==') returned '" in text  # what the learner got


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


def status_substring_tokens(headers, origins=None):
    h = {k.lower(): v for k, v in headers.items()}
    if not h.get("host") or "websocket" not in (h.get("upgrade") or "").lower():
        return 400
    if "upgrade" not in (h.get("connection") or "").lower():  # BUG: a substring test
        return 400
    h["upgrade"] = "websocket"
    h["connection"] = "Upgrade"
    return S.handshake_status(h, origins)


def status_origin_first(headers, origins=None):
    h = {k.lower(): v for k, v in headers.items()}
    if origins is not None and h.get("origin") not in origins:  # BUG: checked first
        return 403
    return S.handshake_status(h, origins)


def status_version_before_key(headers, origins=None):
    h = {k.lower(): v for k, v in headers.items()}
    if (h.get("sec-websocket-version") or "").strip() != "13" and h.get("sec-websocket-key"):
        return 426  # BUG: the version is checked before the key
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
    (status_version_400, "Sec-WebSocket-Version: 8",
     "400 says the request is malformed; but here the request is well formed, but asks for a "
     "version this server does not speak"),
    (status_key_not_checked, "Sec-WebSocket-Key 'abc' (not base64 of 16 bytes)",
     "your code accepted this request: decode the key"),
    (status_key_not_checked, "Sec-WebSocket-Key 'abc' (not base64 of 16 bytes)",
     "section 4.2.1 item 5"),
    (status_missing_origin_ok, "Origin missing while origins are restricted",
     "your code accepted this request: when origins is a list, a request without Origin"),
    (status_substring_tokens, "'Connection: keep-alive, upgraded' (a longer word, not the token)",
     "'upgraded' contains 'upgrade' but is another token"),
    (status_substring_tokens, "'Upgrade: websockets' (another token)",
     "'websockets' contains 'websocket' but is another token"),
    (status_origin_first, "two problems: version 8 and an Origin not allowed",
     "403 refuses the Origin; but here the version is 8 AND the Origin is not allowed: when a "
     "request has several problems"),
    (status_origin_first, "two problems: Host missing and an Origin not allowed",
     "the first check in the docstring's order answers"),
    (status_version_before_key, "two problems: a bad key and version 8", "several problems"),
])
def test_handshake_status_classic_mistakes(wrong, failing_case, hint_words):
    report = lesson02.check_handshake_status(wrong)
    assert report.attempted and not report.passed
    bad = {r.name: r for r in failed(report)}
    assert failing_case in bad, repr(report)
    assert hint_words in bad[failing_case].hint


def test_handshake_status_always_101_fails_every_refusal():
    report = lesson02.check_handshake_status(lambda headers, origins=None: 101)
    assert report.score == (5, 20)
    assert all(r.hint.startswith("your code accepted this request: ") for r in report.failed)


def test_handshake_status_hints_never_name_the_expected_status():
    for wrong in (101, 400, 403, 426, 500):
        report = lesson02.check_handshake_status(lambda headers, origins=None: wrong)
        statuses = {c[0]: c[3] for c in lesson02._status_cases()}
        for r in report.failed:
            right = statuses[r.name]
            assert str(right) not in r.name + r.detail + r.hint.replace("101, 400, 403 or 426", ""), r


def test_handshake_status_an_unknown_status_is_named():
    report = lesson02.check_handshake_status(lambda headers, origins=None: 200)
    assert "answer with one of 101, 400, 403 or 426" in report.results[0].hint
    assert report.results[0].detail == "you answered 200"


def test_handshake_status_a_str_status_is_named():
    report = lesson02.check_handshake_status(lambda h, o=None: str(S.handshake_status(h, o)))
    assert report.results[0].detail == "returned '101', a str; an int is expected"
    assert "without quotes" in report.results[0].hint


def test_handshake_status_bool_is_not_a_status():
    report = lesson02.check_handshake_status(lambda headers, origins=None: True)
    assert report.score[0] == 0
    assert report.results[0].detail == "returned True, a bool; an int is expected"


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


def parse_values_not_stripped(data):
    status, headers = S.parse_response(data)
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return status, {line.partition(":")[0].lower(): line.partition(":")[2] for line in head}


def parse_status_word_0(data):
    status, headers = S.parse_response(data)
    return len(data.split(b" ")[0]), headers  # BUG: not the status word at all


def parse_headers_only(data):
    return S.parse_response(data)[1]


@pytest.mark.parametrize("wrong, failing_case, detail_words, hint_words", [
    (parse_split_all_colons, "a value that contains ':' (Date)", "the headers['date']: got 'Thu, 01 Jan 2026 00'",
     "split each header line on the first colon only"),
    (parse_no_blank_line_stop, "a 426 with a body after the blank line", "unexpected key 'note'",
     "the head ends at the first empty line"),
    (parse_names_as_sent, "a plain 101 response", "the headers: missing keys",
     "store header names in lower case"),
    (parse_status_as_str, "a plain 101 response", "the status: '101', a str; an int is expected",
     "the status must be an int: int(...)"),
    (parse_values_not_stripped, "a plain 101 response", "the headers['upgrade']: got ' websocket'",
     "strip the spaces around header values"),
    (parse_status_word_0, "a plain 101 response", "the status: got 8",
     "the status is the second word of the first line"),
    (parse_headers_only, "a plain 101 response", "not a pair (status, headers)",
     "return a tuple of two"),
])
def test_parse_response_classic_mistakes(wrong, failing_case, detail_words, hint_words):
    report = lesson02.check_parse_response(wrong)
    assert report.attempted and not report.passed
    bad = {r.name: r for r in failed(report)}
    assert failing_case in bad, repr(report)
    assert detail_words in bad[failing_case].detail
    assert hint_words in bad[failing_case].hint
    assert "colon" not in bad[failing_case].hint or wrong is parse_split_all_colons


def test_parse_response_status_as_str_is_not_told_about_colons():
    report = lesson02.check_parse_response(parse_status_as_str)
    assert all(r.hint == "the status must be an int: int(...) of the second word of the status "
                         "line, not the text" for r in report.failed)
