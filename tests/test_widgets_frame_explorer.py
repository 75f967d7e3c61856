"""The frame explorer of lesson 03: building frames, splitting bytes into fields, verdicts,
hex parsing, the HTML, and the widget itself."""

from __future__ import annotations

import pytest

from wslib.errors import UsageError
from wslib.frames import Frame, encode_frame
from wslib.widgets.frame_explorer import (
    DEMO_MASK,
    build_frame,
    byte_owners,
    frame_fields,
    opcode_name,
    parse_hex,
    render_decoded,
    render_fields,
    verdict,
)

HELLO = bytes.fromhex("810548656c6c6f")  # RFC 6455 section 5.7
HELLO_MASKED = bytes.fromhex("818537fa213d7f9f4d5158")


def fields_by_name(data):
    return {f.name: f for f in frame_fields(data)}


def test_build_the_rfc_examples():
    assert build_frame() == HELLO
    assert build_frame(masked=True) == HELLO_MASKED
    assert build_frame(fin=False, payload="Hel") == bytes.fromhex("010348656c")
    assert build_frame(fin=True, opcode=0x0, payload="lo") == bytes.fromhex("80026c6f")


def test_build_allows_broken_frames():
    assert build_frame(opcode=0x3, payload="")[0] == 0x83
    assert build_frame(opcode=0x9, payload="x" * 126)[1] == 126
    assert build_frame(rsv1=True, rsv2=True, rsv3=True)[0] == 0xF1


def test_build_accepts_bytes_and_utf8():
    assert build_frame(payload=b"\x00\xff", opcode=2) == b"\x82\x02\x00\xff"
    assert build_frame(payload="é") == b"\x81\x02\xc3\xa9"


@pytest.mark.parametrize("op, name", [(0, "continuation"), (1, "text"), (2, "binary"),
                                      (3, "reserved, non-control"), (7, "reserved, non-control"),
                                      (8, "close"), (9, "ping"), (10, "pong"),
                                      (11, "reserved, control"), (15, "reserved, control")])
def test_opcode_names(op, name):
    assert opcode_name(op) == name


def test_fields_of_masked_hello():
    f = fields_by_name(HELLO_MASKED)
    assert [x.name for x in frame_fields(HELLO_MASKED)] == [
        "FIN", "RSV1", "RSV2", "RSV3", "opcode", "MASK", "payload len", "masking key", "payload"]
    assert f["FIN"].value == 1 and f["opcode"].value == 1 and f["MASK"].value == 1
    assert f["payload len"].value == 5 and (f["payload len"].start, f["payload len"].size) == (9, 7)
    assert f["masking key"].value == DEMO_MASK and f["masking key"].byte_range == (2, 6)
    assert f["payload"].value == bytes.fromhex("7f9f4d5158") and f["payload"].byte_range == (6, 11)
    assert all(x.complete for x in frame_fields(HELLO_MASKED))


@pytest.mark.parametrize("n, len7, ext_bytes", [(125, 125, 0), (126, 126, 2), (65535, 126, 2),
                                                (65536, 127, 8)])
def test_fields_for_each_length_form(n, len7, ext_bytes):
    data = encode_frame(Frame(2, bytes(n)))
    f = fields_by_name(data)
    assert f["payload len"].value == len7
    if ext_bytes:
        assert f["extended length"].value == n
        assert f["extended length"].size == 8 * ext_bytes
        assert f["payload"].start == 8 * (2 + ext_bytes)
    else:
        assert "extended length" not in f
    assert len(f["payload"].value) == n


def test_fields_do_not_judge():
    # A non-minimal length and a reserved opcode are shown as they are.
    f = fields_by_name(bytes.fromhex("837e0005") + b"hello")
    assert f["opcode"].meaning == "0x3 reserved, non-control"
    assert f["extended length"].value == 5


@pytest.mark.parametrize("data, last, complete", [
    (b"", None, None),
    (b"\x81", "MASK", False),
    (b"\x81\x7e\x00", "extended length", False),
    (b"\x81\x85\x37\xfa", "masking key", False),
    (b"\x81\x05He", "payload", False),
])
def test_truncated_frames(data, last, complete):
    fields = frame_fields(data)
    if last is None:
        assert fields == []
    else:
        assert fields[-1].name == last and fields[-1].complete is complete


def test_byte_owners():
    assert byte_owners(HELLO_MASKED) == (["FIN RSV1-3 opcode", "MASK payload len"]
                                         + ["masking key"] * 4 + ["payload"] * 5)
    assert byte_owners(HELLO + b"\x89\x00")[-2:] == ["after the frame", "after the frame"]
    assert byte_owners(encode_frame(Frame(1, bytes(200))))[2:4] == ["extended length"] * 2


def test_verdicts():
    ok, text = verdict(HELLO_MASKED)
    assert ok and text == "valid: Frame(TEXT, FIN, 5 bytes b'Hello', mask=37fa213d)"
    ok, text = verdict(HELLO + b"\x89\x00")
    assert ok and text.endswith("2 more bytes after it (the next frame)")
    ok, text = verdict(bytes.fromhex("817e007d") + bytes(125))
    assert not ok and "minimal encoding" in text and text.startswith("ProtocolError:")
    ok, text = verdict(build_frame(opcode=0x9, payload="x" * 126))
    assert not ok and "control frames carry at most 125" in text
    ok, text = verdict(build_frame(opcode=0x8, fin=False, payload=""))
    assert not ok and "must not be fragmented" in text
    ok, text = verdict(build_frame(opcode=0xB))
    assert not ok and "reserved" in text
    ok, text = verdict(build_frame(rsv1=True))
    assert not ok and "RSV1 set with no extension negotiated" in text
    ok, text = verdict(b"\x81\x05He")
    assert not ok and "incomplete frame" in text


@pytest.mark.parametrize("text, data", [
    ("81 05 48 65 6c 6c 6f", HELLO),
    ("0x81, 0x05, 0x48,0x65 0x6C 0x6c 0x6f", HELLO),
    ("810548656C6C6F", HELLO),
    ("81:05:48-65-6c\n6c 6f", HELLO),
    ("", b""),
])
def test_parse_hex(text, data):
    assert parse_hex(text) == data


@pytest.mark.parametrize("text, words", [("81 0", "odd number"), ("81 zz", "'z' is not a hex digit")])
def test_parse_hex_errors(text, words):
    with pytest.raises(UsageError, match=words):
        parse_hex(text)


def test_render_fields_html():
    page = render_fields(HELLO_MASKED)
    for text in ("FIN", "opcode", "payload len", "masking key", "37 fa 21 3d", "7f 9f 4d 51 58",
                 "0x1 text", "5 bytes; unmasked: 48 65 6c 6c 6f; text &#x27;Hello&#x27;"):
        assert text in page
    assert page.count("<td style=") > 16  # the 16 header bits are drawn one per cell


def test_render_decoded_html():
    assert "valid: Frame(TEXT" in render_decoded("81 05 48 65 6c 6c 6f")
    assert "not hex" in render_decoded("hello")
    assert "paste the bytes" in render_decoded("  ")
    bad = render_decoded("89 7e 00 7e" + " 00" * 126)
    assert "ProtocolError" in bad and "section 5.5" in bad


def test_widget_builds_and_updates():
    pytest.importorskip("ipywidgets")
    from wslib.widgets.frame_explorer import frame_explorer_widget

    ui = frame_explorer_widget()
    assert repr(ui) == repr(frame_explorer_widget())  # deterministic initial state
    _title, toggles, row, built, _title2, pasted, decoded = ui.children
    fin, rsv1, rsv2, rsv3, mask = toggles.children
    opcode, text = row.children
    assert "valid: Frame(TEXT, FIN, 5 bytes" in built.value
    assert ">81<" in built.value and ">05<" in built.value
    mask.value = True
    assert ">85<" in built.value and "mask=37fa213d" in built.value
    fin.value = False
    opcode.value = 0x9
    assert "must not be fragmented" in built.value
    opcode.value = 0x3
    assert "reserved" in built.value
    text.value = "Hi"
    assert "0x3 reserved, non-control" in built.value
    assert "valid: Frame(TEXT, FIN, 5 bytes b&#x27;Hello&#x27;, mask=37fa213d)" in decoded.value
    pasted.value = "01 03 48 65 6c"
    assert "no FIN" in decoded.value
    pasted.value = "xyz"
    assert "not hex" in decoded.value


def test_payload_meaning():
    assert fields_by_name(HELLO)["payload"].meaning == "5 bytes; text 'Hello'"
    masked = fields_by_name(HELLO_MASKED)["payload"].meaning
    assert masked == "5 bytes; unmasked: 48 65 6c 6c 6f; text 'Hello'"
    assert fields_by_name(b"\x81\x02\xff\xfe")["payload"].meaning == "2 bytes; not valid UTF-8"
    assert fields_by_name(b"\x82\x02\xff\xfe")["payload"].meaning == "2 bytes"
    assert fields_by_name(b"\x81\x80" + DEMO_MASK)["payload"].meaning == "0 bytes, masked"


def test_layout_diagram():
    from wslib.widgets.frame_explorer import layout_diagram

    page = layout_diagram()
    assert page == layout_diagram()
    for text in ("F<br>I<br>N", "R<br>S<br>V<br>1", "opcode (4)", "M<br>A<br>S<br>K", "payload len (7)",
                 "masking key (32), if MASK is 1", "big-endian"):
        assert text in page
    # every row of the diagram is 32 bits wide
    import re

    for row in page.split("<tr>")[3:]:
        assert sum(int(n) for n in re.findall(r'colspan="(\d+)"', row)) == 32
