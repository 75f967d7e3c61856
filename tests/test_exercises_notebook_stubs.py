"""Every exercise stub, exactly as the committed notebook holds it (its cell run the way a kernel
runs it, see notebook_stubs.py), is reported "not attempted" by its check, and the check cells
stored in the notebooks say so too."""

from __future__ import annotations

import asyncio
import json

import pytest

from wslib.exercises import lesson00, lesson01, lesson02, lesson03, lesson04, lesson05

from notebook_stubs import NOTEBOOKS, notebook_answer

STUBS = [
    ("00_start_here.ipynb", "text_opcode", lesson00.check_text_opcode),
    ("01_http_vs_websocket.ipynb", "ws_frame_overhead", lesson01.check_ws_frame_overhead),
    ("01_http_vs_websocket.ipynb", "polling_overhead_per_event", lesson01.check_polling_overhead),
    ("01_http_vs_websocket.ipynb", "choose_transport", lesson01.check_choose_transport),
    ("02_opening_handshake.ipynb", "accept_key", lesson02.check_accept_key),
    ("02_opening_handshake.ipynb", "handshake_status", lesson02.check_handshake_status),
    ("02_opening_handshake.ipynb", "parse_response", lesson02.check_parse_response),
    ("03_frame_layout.ipynb", "parse_header", lesson03.check_parse_header),
    ("03_frame_layout.ipynb", "frame_header", lesson03.check_frame_header),
    ("03_frame_layout.ipynb", "payload_length", lesson03.check_payload_length),
    ("04_masking.ipynb", "mask", lesson04.check_mask),
    ("04_masking.ipynb", "unmask_captured", lesson04.check_unmask_captured),
    ("04_masking.ipynb", "unmask_pieces", lesson04.check_unmask_pieces),
    ("04_masking.ipynb", "must_mask", lesson04.check_must_mask),
    ("05_fragmentation.ipynb", "fragment", lesson05.check_fragment),
    ("05_fragmentation.ipynb", "reassemble", lesson05.check_reassemble),
    ("05_fragmentation.ipynb", "CLOSE_CODES", lesson05.check_close_codes),
]


@pytest.mark.parametrize("notebook, name, check", STUBS, ids=[s[1] for s in STUBS])
def test_the_notebook_stub_is_not_attempted(notebook, name, check):
    report = check(notebook_answer(notebook, name))
    assert report.status == "not_attempted", repr(report)


def test_the_echo_once_stub_is_not_attempted():
    stub = notebook_answer("00_start_here.ipynb", "echo_once")
    report = asyncio.run(asyncio.wait_for(lesson00.check_echo_once(stub), 20))
    assert report.status == "not_attempted", repr(report)


def test_every_stored_check_report_says_not_attempted():
    """The check cells of the committed notebooks ran on the untouched stubs."""
    seen = 0
    for path in sorted(NOTEBOOKS.glob("0[0-5]_*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] != "code" or ".check_" not in source or "lambda" in source:
                continue
            if not any(f"({name})" in source for _, name, _ in STUBS + [("", "echo_once", None)]):
                continue
            text = "".join("".join(o.get("text") or o.get("data", {}).get("text/plain", ""))
                           for o in cell["outputs"])
            assert "not attempted yet" in text, (path.name, source)
            seen += 1
    assert seen == len(STUBS) + 1
