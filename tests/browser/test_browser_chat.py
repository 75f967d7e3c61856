"""The chat room's own page in headless Chromium: two pages chat through ``wslib.apps.chat``.

The server runs in a thread (conftest.py); each page is a separate browser context (no shared
state), driven with Playwright like a user would: type a name, press Join, type, press Send.
The page keeps what it received in ``window.chat`` (see ``chat.html``), and the DOM shows it.
"""

from __future__ import annotations

import pytest

from wslib.apps import chat

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

WAIT_MS = 10_000


@pytest.fixture
def chat_server(run_server_in_thread):
    return run_server_in_thread(lambda: chat.start("127.0.0.1", 0))


@pytest.fixture
def second_page(browser):
    context = browser.new_context()
    context.set_default_timeout(WAIT_MS)
    p = context.new_page()
    try:
        yield p
    finally:
        context.close()


def join(page, url: str, name: str) -> None:
    page.goto(url)
    page.fill("#name", name)
    page.click("#join")
    page.wait_for_function("(name) => window.chat.name === name", arg=name, timeout=WAIT_MS)


def users(page) -> list[str]:
    return page.eval_on_selector_all("#users li", "items => items.map(i => i.textContent)")


def wait_users(page, expected: list[str]) -> None:
    page.wait_for_function(
        "(expected) => JSON.stringify([...document.querySelectorAll('#users li')]"
        ".map(i => i.textContent)) === JSON.stringify(expected)", arg=expected, timeout=WAIT_MS)


def say(page, text: str) -> None:
    page.fill("#text", text)
    page.click("#send")


def wait_message(page, count: int) -> list[list[str]]:
    """Wait for ``count`` messages in the page's list; return [from, text] of each."""
    page.wait_for_function(f"document.querySelectorAll('#messages li').length >= {count}",
                           timeout=WAIT_MS)
    return page.eval_on_selector_all(
        "#messages li", "items => items.map(i => [i.querySelector('.from').textContent, "
                        "i.querySelector('.text').textContent])")


def test_two_pages_join_see_each_other_chat_and_one_leaves(page, second_page, chat_server):
    url = chat_server.http_url
    join(page, url, "alice")
    join(second_page, url, "bob")
    wait_users(page, ["alice", "bob"])
    wait_users(second_page, ["alice", "bob"])
    assert page.text_content("#status") == "joined as alice"

    say(page, "hi bob, 你好")
    assert wait_message(second_page, 1) == [["alice", "hi bob, 你好"]]
    say(second_page, "hi alice")
    expected = [["alice", "hi bob, 你好"], ["bob", "hi alice"]]
    assert wait_message(page, 2) == expected
    assert wait_message(second_page, 2) == expected
    ids = page.evaluate("window.chat.events.filter(e => e.type === 'message').map(e => e.id)")
    assert ids == [1, 2]

    second_page.click("#leave")
    wait_users(page, ["alice"])
    # bob's page may join again; then a third party closing the tab also leaves.
    second_page.fill("#name", "robert")
    second_page.click("#join")
    wait_users(page, ["alice", "robert"])
    second_page.close()
    wait_users(page, ["alice"])


def test_a_late_joiner_sees_the_history(page, second_page, chat_server):
    url = chat_server.http_url
    join(page, url, "alice")
    for i in range(3):
        say(page, f"message {i}")
    wait_message(page, 3)
    join(second_page, url, "bob")
    assert wait_message(second_page, 3) == [["alice", f"message {i}"] for i in range(3)]


def test_refusals_are_shown_on_the_page(page, second_page, chat_server):
    url = chat_server.http_url
    join(page, url, "Alice")
    second_page.goto(url)
    second_page.fill("#name", "alice")
    second_page.click("#join")
    second_page.wait_for_function("document.getElementById('error').textContent !== ''")
    assert "(name_taken)" in second_page.text_content("#error")
    assert second_page.evaluate("window.chat.name") is None


PAYLOADS = [
    '<img src=x onerror="window.pwned = (window.pwned || 0) + 1">',
    "<script>window.pwned = (window.pwned || 0) + 1</script>",
    '<svg><animate onbegin="window.pwned = (window.pwned || 0) + 1" attributeName=x dur=1s>',
]
EVIL_NAME = "<img src=x onerror=pwned=1>"  # 27 characters: a valid name


def test_xss_payloads_are_shown_as_text_and_run_nothing(page, second_page, chat_server):
    url = chat_server.http_url
    join(page, url, EVIL_NAME)
    join(second_page, url, "bob")
    for payload in PAYLOADS:
        say(page, payload)
    got = wait_message(second_page, len(PAYLOADS))
    assert got == [[EVIL_NAME, p] for p in PAYLOADS]  # the exact text, shown as text
    wait_users(second_page, [EVIL_NAME, "bob"])
    # Give an image error or an animation time to fire, had any been created.
    second_page.wait_for_timeout(500)
    for p in (page, second_page):
        assert p.evaluate("typeof window.pwned") == "undefined"
        assert p.evaluate("document.querySelectorAll('#messages img, #messages script, "
                          "#messages svg, #users img').length") == 0
    # The control experiment: the same payload put in with innerHTML does run, so the test
    # above could have failed.
    second_page.evaluate("(html) => { const d = document.createElement('div'); "
                         "d.innerHTML = html; document.body.append(d); }", PAYLOADS[0])
    second_page.wait_for_function("window.pwned === 1", timeout=WAIT_MS)


FOREIGN_PAGE = """<!doctype html><meta charset="utf-8"><title>elsewhere</title>
<script>
window.result = null;
const ws = new WebSocket("ws://127.0.0.1:CHAT_PORT/ws");
ws.onopen = () => { window.result = "open"; };
ws.onclose = (e) => { window.result = window.result || ("closed " + e.code); };
</script>"""


def test_a_page_from_a_foreign_origin_is_refused(page, chat_server, run_server_in_thread):
    from wslib.server import Router, serve

    router = Router()
    router.page("/", FOREIGN_PAGE.replace("CHAT_PORT", str(chat_server.port)))
    elsewhere = run_server_in_thread(lambda: serve(router, "127.0.0.1", 0))
    page.goto(elsewhere.http_url)  # origin http://127.0.0.1:OTHER_PORT
    page.wait_for_function("window.result !== null", timeout=WAIT_MS)
    # The handshake got 403: to the page that is a failed connection, close code 1006.
    assert page.evaluate("window.result") == "closed 1006"
    assert chat_server.server.room.users() == []
    assert chat_server.server.server.connections == set()
    # The same connection from the chat's own page is accepted.
    page.goto(chat_server.http_url)
    assert page.evaluate("""(port) => new Promise((resolve) => {
        const ws = new WebSocket("ws://127.0.0.1:" + port + "/ws");
        ws.onopen = () => resolve("open");
        ws.onclose = (e) => resolve("closed " + e.code);
    })""", chat_server.port) == "open"


def test_the_lessons_sandboxed_xss_demo_runs_the_payload_only_inside_its_frame(page, tmp_path):
    """Lesson 10 shows the received payload in two sandboxed frames: with innerHTML it runs
    (inside its frame only), with textContent it is text. Checked on the stored output."""
    import json
    from pathlib import Path

    notebook = Path(__file__).resolve().parents[2] / "notebooks" / "10_chat_capstone.ipynb"
    outputs = [o for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
               if c["cell_type"] == "code" for o in c.get("outputs", [])]
    demo = next("".join(o["data"]["text/html"]) for o in outputs
                if "sandbox=" in "".join(o.get("data", {}).get("text/html", "")))
    (tmp_path / "demo.html").write_text(
        "<!doctype html><body><script>window.outer = 'untouched'</script>" + demo, "utf-8")
    page.goto((tmp_path / "demo.html").as_uri())
    vulnerable, fixed = page.frames[1:]
    vulnerable.wait_for_function("document.getElementById('alarm').textContent !== ''")
    assert "the payload ran" in vulnerable.evaluate("document.getElementById('alarm').textContent")
    assert fixed.evaluate("document.getElementById('alarm').textContent") == ""
    assert "<img src=x onerror=" in fixed.evaluate("document.getElementById('messages').textContent")
    assert fixed.evaluate("document.querySelectorAll('img').length") == 0
    # The frame's payload could not reach the page around it (a sandboxed, unique origin).
    assert page.evaluate("window.outer") == "untouched"
    assert page.evaluate("document.body.style.background") == ""
    assert vulnerable.evaluate("(() => { try { return parent.document.title, 'reached'; } "
                               "catch (e) { return e.name; } })()") == "SecurityError"
