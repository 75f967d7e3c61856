"""Lesson 07's self-checks (the closing handshake): the reference solutions pass, the stubs are
"not attempted", each known wrong answer gets its intended diagnosis, and the scenario check
never gives an answer away."""

from __future__ import annotations

import pytest

from wslib import frames
from wslib.exercises import lesson07

import solutions.lesson07  # the repository root is on sys.path (pyproject.toml)

S = solutions.lesson07


def stub(*args):
    raise NotImplementedError  # your code here


def failed(report):
    return {r.name: r for r in report.results if not r.passed}


def text(report):
    return repr(report)


# ------------------------------------------------------------------ references and stubs

@pytest.mark.parametrize("check, solution", [
    (lesson07.check_close_payload, S.close_payload),
    (lesson07.check_parse_close, S.parse_close),
    (lesson07.check_scenarios, S.SCENARIOS),
])
def test_reference_solution_passes(check, solution):
    report = check(solution)
    assert report.passed, text(report)


@pytest.mark.parametrize("check", [lesson07.check_close_payload, lesson07.check_parse_close])
@pytest.mark.parametrize("answer", [stub, None])
def test_stub_is_not_attempted(check, answer):
    report = check(answer)
    assert report.attempted is False and "not attempted yet" in text(report)


@pytest.mark.parametrize("answer", [None, {k: ... for k in lesson07.SCENARIOS}])
def test_scenarios_stub_is_not_attempted(answer):
    assert lesson07.check_scenarios(answer).attempted is False


def test_references_agree_with_wslib():
    """wslib's encode_close / decode_close follow the same rules as the exercise."""
    for code in [999, 1000, 1001, 1004, 1005, 1006, 1011, 1015, 2999, 3000, 4999, 5000]:
        try:
            ours = frames.encode_close(code, "r")
        except Exception:
            ours = None
        try:
            theirs = S.close_payload(code, "r")
        except ValueError:
            theirs = None
        assert ours == theirs, code
    for payload in [b"", b"\x03", b"\x03\xe8ok", b"\x03\xed", b"\x03\xe8\xff", b"\x0f\xa1x"]:
        try:
            ours = frames.decode_close(payload)
        except Exception as exc:
            ours = exc.close_code
        assert ours == S.parse_close(payload), payload


# ------------------------------------------------------------------ 7.1

def test_payload_little_endian_is_named():
    def little(code, reason=""):
        S.close_payload(code, reason)
        return code.to_bytes(2, "little") + reason.encode()

    report = lesson07.check_close_payload(little)
    bad = failed(report)["1000 with no reason: 2 bytes"]
    assert "in the wrong order" in bad.detail and "network byte order" in bad.hint


def test_payload_counting_characters_is_named():
    def chars(code, reason=""):
        if len(reason) > 123:
            raise ValueError
        S.close_payload(code, "")
        return code.to_bytes(2, "big") + reason.encode()

    report = lesson07.check_close_payload(chars)
    assert list(failed(report)) == ["42 Chinese characters (126 bytes) are refused"]
    assert "BYTES of UTF-8, not characters" in text(report)


def test_payload_sending_reserved_codes_is_named():
    def lax(code, reason=""):
        raw = reason.encode()
        if len(raw) > 123:
            raise ValueError
        return code.to_bytes(2, "big") + raw

    report = lesson07.check_close_payload(lax)
    bad = failed(report)
    assert {"1005 may not be sent", "1006 may not be sent", "1015 may not be sent"} <= set(bad)
    assert "MUST NOT be sent" in bad["1006 may not be sent"].hint
    assert "no ValueError" in bad["1006 may not be sent"].detail


def test_payload_refusing_application_codes_fails():
    def strict(code, reason=""):
        if code >= 3000:
            raise ValueError
        return S.close_payload(code, reason)

    bad = failed(lesson07.check_close_payload(strict))
    assert "an application code, 4001 'done'" in bad
    assert "raised ValueError for a close frame that may be sent" in bad["4999, the last private code"].detail


def test_payload_str_and_none_are_named():
    for wrong, kind in [(lambda c, r="": S.close_payload(c, r).decode("latin-1"), "str"),
                        (lambda c, r="": bytearray(S.close_payload(c, r)), "bytearray")]:
        line = failed(lesson07.check_close_payload(wrong))["1000 with no reason: 2 bytes"]
        assert kind in line.detail and "bytes" in line.detail, line  # the type is named

    def forgot(code, reason=""):
        S.close_payload(code, reason)

    report = lesson07.check_close_payload(forgot)
    assert report.attempted and "did you forget `return`?" in text(report)


def test_payload_never_shows_the_expected_bytes():
    def no_reason(code, reason=""):
        return S.close_payload(code, "")

    report = lesson07.check_close_payload(no_reason)
    assert "the code is right; the reason bytes differ: you returned b''" in text(report)
    assert "b'bye'" not in text(report)


# ------------------------------------------------------------------ 7.2

def test_parse_little_endian_fails():
    def little(payload):
        result = S.parse_close(payload)
        if isinstance(result, tuple) and len(payload) >= 2:
            return (int.from_bytes(payload[:2], "little"), result[1])
        return result

    bad = failed(lesson07.check_parse_close(little))
    assert "the code you returned is 59395" in bad["two bytes: a code and no reason"].detail


def test_parse_reason_as_bytes_is_named():
    def raw(payload):
        result = S.parse_close(payload)
        return (result[0], payload[2:]) if isinstance(result, tuple) else result

    line = failed(lesson07.check_parse_close(raw))["a code, then an ASCII reason"]
    assert "bytes" in line.detail and "str" in line.detail, line


def test_parse_replacing_bad_utf8_fails_on_its_cases():
    def lenient(payload):
        result = S.parse_close(payload)
        if result == 1007:
            return (1000, payload[2:].decode("utf-8", "replace"))
        return result

    bad = failed(lesson07.check_parse_close(lenient))
    assert set(bad) == {"a reason that is not UTF-8", "a reason cut in the middle of a character"}
    assert "return a close code" in bad["a reason that is not UTF-8"].detail
    assert "section 7.4.1" in bad["a reason that is not UTF-8"].hint


def test_parse_empty_payload_as_error_fails():
    bad = failed(lesson07.check_parse_close(lambda p: 1002 if not p else S.parse_close(p)))
    name = "an empty payload: no status code"
    assert list(bad) == [name]
    assert "returned the close code 1002 for a valid payload" in bad[name].detail
    assert "no status code" in bad[name].hint and "1005" not in bad[name].hint


def test_parse_accepting_reserved_codes_fails():
    def lax(payload):
        if len(payload) >= 2 and int.from_bytes(payload[:2], "big") in (1005, 1006, 1015):
            return (int.from_bytes(payload[:2], "big"), "")
        return S.parse_close(payload)

    bad = failed(lesson07.check_parse_close(lax))
    assert set(bad) == {"code 1005 on the wire", "code 1006 on the wire", "code 1015 on the wire"}


def test_parse_raising_instead_of_returning_is_named():
    def raises(payload):
        result = S.parse_close(payload)
        if isinstance(result, int):
            raise ValueError("bad")
        return result

    assert "return the close code (an int) instead" in text(lesson07.check_parse_close(raises))


def test_parse_no_length_limit_fails_on_its_case():
    def unlimited(payload):
        return S.parse_close(payload[:125]) if len(payload) > 125 else S.parse_close(payload)

    bad = failed(lesson07.check_parse_close(unlimited))
    assert list(bad) == ["126 bytes: too long for a control frame"]


# ------------------------------------------------------------------ 7.3

FIRST = next(iter(lesson07.SCENARIOS))


def with_answer(key, value):
    answers = dict(S.SCENARIOS)
    answers[key] = value
    return answers


def test_scenario_wrong_closer_says_which_half():
    report = lesson07.check_scenarios(with_answer(FIRST, (1000, "client")))
    line = failed(report)[FIRST]
    assert line.detail == "the code is right; who closes TCP first is not"
    assert "section 7.1.1" in line.hint


def test_scenario_wrong_code_says_which_half():
    line = failed(lesson07.check_scenarios(with_answer(FIRST, (1001, "server"))))[FIRST]
    assert line.detail == "who closes TCP first is right; the code is not"


def test_scenario_both_wrong():
    line = failed(lesson07.check_scenarios(with_answer(FIRST, (1002, "client"))))[FIRST]
    assert line.detail == "neither the code nor who closes TCP first is right"


def test_scenario_hints_never_contain_the_answer():
    """Give every scenario a wrong answer: no line may show the right code or closer."""
    report = lesson07.check_scenarios({k: (4999, "client") for k in lesson07.SCENARIOS})
    for situation, (code, closer, _, _) in lesson07.SCENARIOS.items():
        for r in report.results:
            if r.name == situation and not r.passed:
                assert str(code) not in r.name + r.detail + r.hint, situation
                if closer == "server":  # "client" was answered: the line must not say "server"
                    assert "server" not in r.detail, situation


@pytest.mark.parametrize("value, words", [
    ("1000", "answer with a tuple of 2"),
    (("1000", "server"), "the code is a str where an int is expected"),
    ((1000, "the server"), "who closes TCP first is 'the server'"),
    (1000, "answer with a tuple of 2"),
    (..., "not answered yet"),
])
def test_scenario_malformed_answers_are_named(value, words):
    assert words in text(lesson07.check_scenarios(with_answer(FIRST, value)))


def test_scenario_closer_is_case_insensitive():
    assert lesson07.check_scenarios(with_answer(FIRST, (1000, " Server "))).passed


def test_scenario_missing_key():
    answers = dict(S.SCENARIOS)
    del answers[FIRST]
    assert failed(lesson07.check_scenarios(answers))[FIRST].detail == "missing from your dict"


def test_notebook_stub_dict_has_exactly_the_checked_situations():
    """The dict the learner fills in (notebook 07) and the check's situations never drift."""
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).parents[1] / "notebooks" / "07_closing_handshake.ipynb")
                    .read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    stub = next(s for s in sources if s.startswith("SCENARIOS = {"))
    namespace: dict = {}
    exec(stub, namespace)
    assert list(namespace["SCENARIOS"]) == list(lesson07.SCENARIOS)
    assert all(v is ... for v in namespace["SCENARIOS"].values())
    assert list(S.SCENARIOS) == list(lesson07.SCENARIOS)


@pytest.mark.parametrize("name, check", [("close_payload", lesson07.check_close_payload),
                                         ("parse_close", lesson07.check_parse_close)])
def test_the_notebook_stub_is_not_attempted(name, check):
    import json
    import linecache
    from pathlib import Path

    nb = json.loads((Path(__file__).parents[1] / "notebooks" / "07_closing_handshake.ipynb")
                    .read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    source = next(s for s in cells if s.startswith(f"def {name}("))
    filename = f"<notebook 07 {name}>"  # registered as IPython does, so the source is readable
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {}
    exec(compile(source, filename, "exec"), namespace)
    assert check(namespace[name]).attempted is False
    stored = [o.get("data", {}).get("text/plain", "") for c in nb["cells"]
              if c["cell_type"] == "code" and ".check_" in "".join(c["source"]) for o in c["outputs"]]
    assert len(stored) == 3 and all("not attempted yet" in "".join(r) for r in stored)


WRONG = [lambda *a: 0, lambda *a: "x", lambda *a: b"\x00", lambda *a: (0, ""), lambda *a: None,
         lambda *a: b"\xe8\x03", lambda *a: (1000, "x"), lambda *a: 1002]


def secrets(expected):
    """How an expected value could show in a line of text (small ints are left out: a hint may
    rightly name 1002 or 1007 as the kinds of answer)."""
    if isinstance(expected, int) or expected is lesson07.REFUSED:
        return []
    out = [repr(expected)]
    if isinstance(expected, bytes):
        out += [expected.hex(" "), expected.hex()]
    if isinstance(expected, tuple) and expected[1]:
        out.append(repr(expected[1]))
    return [s for s in out if len(s) >= 4]


@pytest.mark.parametrize("check", [lesson07.check_close_payload, lesson07.check_parse_close])
@pytest.mark.parametrize("answer", WRONG)
def test_no_failed_line_shows_its_expected_value(monkeypatch, check, answer):
    cases = {}
    real = lesson07.check_function

    def capturing(title, func, case_list, **options):
        case_list = list(case_list)
        cases.update((c.name, c) for c in case_list)
        return real(title, func, case_list, **options)

    monkeypatch.setattr(lesson07, "check_function", capturing)
    report = check(answer)
    for line in report.results:
        if not line.passed:
            shown = line.name + line.detail + line.hint
            for secret in secrets(cases[line.name].expected):
                assert secret not in shown, (line, secret)
