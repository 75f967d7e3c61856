"""The chat room (wslib.apps.chat) against real clients, wslib's and websockets': every rule of
the wire protocol in the module docstring, every error code, the close codes, the Origin check,
the page, and ``python -m wslib chat``."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import websockets

import wslib
from wslib.apps import chat
from wslib.apps.chat import ChatRoom

from chat_support import KINDS, Peer, joined

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.timeout(60)


def run(coro_fn, *args, **room_options):
    """Start a chat server (room_options for its ChatRoom), run ``coro_fn(server, *args)``."""
    async def main():
        async with await chat.start(**room_options) as server:
            await asyncio.wait_for(coro_fn(server, *args), 45)
    asyncio.run(main())


kinds = pytest.mark.parametrize("kind", KINDS)


# ------------------------------------------------------------------ join, say, users, leave

@kinds
def test_join_welcome_users_and_messages_to_everyone_including_the_sender(kind):
    async def main(server):
        alice = await Peer.open(server.ws_url, kind)
        assert await alice.join("  Alice\t") == {"type": "welcome", "name": "Alice",
                                                 "users": ["Alice"]}
        assert await alice.recv() == {"type": "users", "users": ["Alice"]}
        bob = await Peer.open(server.ws_url, kind)
        assert await bob.join("bob") == {"type": "welcome", "name": "bob",
                                         "users": ["Alice", "bob"]}
        assert await bob.recv() == {"type": "users", "users": ["Alice", "bob"]}
        assert await alice.recv() == {"type": "users", "users": ["Alice", "bob"]}

        await alice.send({"type": "say", "text": "hi bob <b>☃</b>"})
        await bob.send({"type": "say", "text": "hi alice"})
        for peer in (alice, bob):
            first, second = await peer.recv(), await peer.recv()
            assert {k: first[k] for k in ("type", "id", "from", "text")} == {
                "type": "message", "id": 1, "from": "Alice", "text": "hi bob <b>☃</b>"}
            assert {k: second[k] for k in ("type", "id", "from", "text")} == {
                "type": "message", "id": 2, "from": "bob", "text": "hi alice"}
            for event in (first, second):
                assert set(event) == {"type", "id", "from", "text", "ts"}
                assert event["ts"].endswith("Z")
                ts = datetime.fromisoformat(event["ts"])
                assert ts.tzinfo is not None and ts.utcoffset() == timedelta(0)
                assert abs(datetime.now(timezone.utc) - ts) < timedelta(minutes=1)
        await alice.close()
        await bob.close()
    run(main)


def test_timestamps_come_from_the_room_clock_in_utc_iso8601():
    fixed = datetime(2026, 12, 3, 8, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8)))

    async def main(server):
        [alice] = await joined(server.ws_url, "alice")
        await alice.send({"type": "say", "text": "x"})
        assert (await alice.recv())["ts"] == "2026-12-03T00:30:15.123Z"
        await alice.close()
    run(main, now=lambda: fixed)


def test_users_are_sorted_case_insensitively():
    async def main(server):
        peers = await joined(server.ws_url, "carol", "Bob", "alice", "Dave")
        assert server.room.users() == ["alice", "Bob", "carol", "Dave"]
        extra = await Peer.open(server.ws_url)
        welcome = await extra.join("bianca")
        assert welcome["users"] == ["alice", "bianca", "Bob", "carol", "Dave"]
        for p in peers + [extra]:
            await p.close()
    run(main)


@kinds
def test_leave_and_closing_both_update_the_list_and_leave_keeps_the_connection(kind):
    async def main(server):
        alice, bob, carol = await joined(server.ws_url, "alice", "bob", "carol", kind=kind)
        await bob.send({"type": "leave"})
        for peer in (alice, carol):
            assert await peer.recv() == {"type": "users", "users": ["alice", "carol"]}
        # Still connected, but no longer in the room: say is refused, join works again.
        assert (await bob.error({"type": "say", "text": "hello?"}))["code"] == "not_joined"
        assert (await bob.error({"type": "leave"}))["code"] == "not_joined"
        assert (await bob.join("robert"))["users"] == ["alice", "carol", "robert"]
        await carol.close()
        assert await alice.recv() == {"type": "users", "users": ["alice", "carol", "robert"]}
        assert await alice.recv() == {"type": "users", "users": ["alice", "robert"]}
        # The name of one who left is free again.
        dan = await Peer.open(server.ws_url, kind)
        assert (await dan.join("CAROL"))["name"] == "CAROL"
        for p in (alice, bob, dan):
            await p.close()
    run(main)


def test_a_late_joiner_gets_the_last_50_messages_right_after_welcome():
    async def main(server):
        [alice] = await joined(server.ws_url, "alice")
        for i in range(1, 56):
            await alice.send({"type": "say", "text": f"message {i}"})
            assert (await alice.recv())["id"] == i
        bob = await Peer.open(server.ws_url)
        await bob.join("bob")
        history = [await bob.recv() for _ in range(50)]
        assert [m["type"] for m in history] == ["message"] * 50
        assert [m["id"] for m in history] == list(range(6, 56))
        assert [m["text"] for m in history] == [f"message {i}" for i in range(6, 56)]
        assert all(m["from"] == "alice" for m in history)
        assert await bob.recv() == {"type": "users", "users": ["alice", "bob"]}
        await alice.close()
        await bob.close()
    run(main, rate=1000)


def test_every_client_sees_the_same_messages_in_the_same_order():
    async def main(server):
        peers = await joined(server.ws_url, *(f"user{i}" for i in range(8)))
        await asyncio.gather(*(p.send({"type": "say", "text": f"{i}.{j}"})
                               for j in range(5) for i, p in enumerate(peers)))
        seen = [[(await p.recv()) for _ in range(40)] for p in peers]
        first = [(m["id"], m["from"], m["text"]) for m in seen[0]]
        assert [m[0] for m in first] == list(range(1, 41))
        assert sorted(m[2] for m in first) == sorted(f"{i}.{j}" for i in range(8)
                                                     for j in range(5))
        for events in seen[1:]:
            assert [(m["id"], m["from"], m["text"]) for m in events] == first
        for p in peers:
            await p.close()
    run(main)


# ------------------------------------------------------------------ the error codes

@kinds
def test_name_taken_compares_names_case_insensitively(kind):
    async def main(server):
        [alice] = await joined(server.ws_url, "Alice", kind=kind)
        other = await Peer.open(server.ws_url, kind)
        for name in ("Alice", "alice", "ALICE", "  alice ", "ａｌｉｃｅ"):
            error = await other.error({"type": "join", "name": name})
            assert error["code"] == "name_taken", (name, error)
            assert "Alice" in error["message"]
        # Still open: another name is fine, and the room never saw the refused ones.
        assert (await other.join("Alicia"))["users"] == ["Alice", "Alicia"]
        await alice.close()
        await other.close()
    run(main)


@kinds
@pytest.mark.parametrize("name, words", [
    ("", "empty"),
    ("   \t\n ", "empty"),
    ("x" * 33, "33 characters; at most 32"),
    ("bell\x07", "U+0007"),
    ("new\nline", "U+000A"),
    ("del\x7f", "U+007F"),
    ("c1\x85c1", "U+0085"),  # NEL: whitespace at the ends (trimmed), a control inside
])
def test_invalid_name(kind, name, words):
    async def main(server):
        peer = await Peer.open(server.ws_url, kind)
        error = await peer.error({"type": "join", "name": name})
        assert error["code"] == "invalid_name"
        assert words in error["message"]
        assert server.room.users() == []
        assert (await peer.join("fine"))["name"] == "fine"  # the connection stays open
        await peer.close()
    run(main)


@pytest.mark.parametrize("name, stored", [
    ("x" * 32, "x" * 32),
    ("  " + "y" * 32 + "  ", "y" * 32),  # 32 once trimmed
    ("李雷", "李雷"),
    ("a b", "a b"),
    ("👩‍💻", "👩‍💻"),  # a zero-width joiner is a format character (Cf), not a control (Cc)
])
def test_valid_names(name, stored):
    async def main(server):
        peer = await Peer.open(server.ws_url)
        assert (await peer.join(name))["name"] == stored
        await peer.close()
    run(main)


@kinds
def test_not_joined_and_already_joined(kind):
    async def main(server):
        peer = await Peer.open(server.ws_url, kind)
        for message in ({"type": "say", "text": "hi"}, {"type": "leave"}):
            error = await peer.error(message)
            assert error["code"] == "not_joined"
            assert "join" in error["message"]
        await peer.join("alice")
        await peer.recv()  # users
        for name in ("alice", "someone else"):
            error = await peer.error({"type": "join", "name": name})
            assert error["code"] == "already_joined"
            assert "'alice'" in error["message"]
        assert server.room.users() == ["alice"]
        await peer.close()
    run(main)


@kinds
def test_text_too_long_and_empty_text(kind):
    async def main(server):
        [alice] = await joined(server.ws_url, "alice", kind=kind)
        error = await alice.error({"type": "say", "text": "x" * 2001})
        assert error["code"] == "text_too_long"
        assert "2001 characters; at most 2000" in error["message"]
        assert (await alice.error({"type": "say", "text": ""}))["code"] == "empty_text"
        # 2000 characters is fine, counted as characters: 2000 emoji are 8000 UTF-8 bytes.
        for text in ("x" * 2000, "😀" * 2000, " "):
            await alice.send({"type": "say", "text": text})
            message = await alice.recv()
            assert (message["type"], message["text"]) == ("message", text)
        assert [m["id"] for m in map(json.loads, server.room.history)] == [1, 2, 3]
        await alice.close()
    run(main)


@kinds
@pytest.mark.parametrize("raw, words", [
    ('{"type": "say", "text": "unterminated', "not JSON"),
    ("hello", "not JSON"),
    ("", "not JSON"),
    ('["join", "alice"]', "a JSON list"),
    ('"join"', "a JSON str"),
    ("null", "a JSON NoneType"),
    (b'{"type": "join", "name": "alice"}', "binary message"),
    ('{"type": "join", "name": 5}', '"join" needs "name": a string (it is a int)'),
    ('{"type": "join"}', '"join" needs "name": a string (it is missing)'),
    ('{"type": "join", "name": "\\ud800x"}', "\\ud800"),
    ("[" * 30000, "nested too deeply"),
])
def test_bad_json(kind, raw, words):
    async def main(server):
        peer = await Peer.open(server.ws_url, kind)
        error = await peer.error(raw)
        assert error["code"] == "bad_json"
        assert words in error["message"], error
        assert (await peer.join("still-open"))["name"] == "still-open"
        await peer.close()
    run(main)


@kinds
def test_bad_json_in_say(kind):
    async def main(server):
        [alice] = await joined(server.ws_url, "alice", kind=kind)
        for message, words in [({"type": "say", "text": 5}, "a int"),
                               ({"type": "say"}, "missing"),
                               ({"type": "say", "text": ["a"]}, "a list"),
                               ('{"type": "say", "text": "\\udfff"}', "\\udfff")]:
            error = await alice.error(message)
            assert error["code"] == "bad_json" and words in error["message"], error
        assert server.room.next_id == 1  # nothing was said
        await alice.close()
    run(main)


@kinds
@pytest.mark.parametrize("message, words", [
    ({"type": "dance"}, "'dance'"),
    ({"type": "JOIN", "name": "alice"}, "'JOIN'"),
    ({"name": "alice"}, "None"),
    ({"type": 7}, "7"),
    ({"type": "__init__"}, "'__init__'"),
    ({"type": "join x"}, "'join x'"),
])
def test_unknown_type(kind, message, words):
    async def main(server):
        peer = await Peer.open(server.ws_url, kind)
        error = await peer.error(message)
        assert error["code"] == "unknown_type"
        assert words in error["message"]
        assert "'join', 'leave', 'say'" in error["message"]  # what the server does know
        await peer.close()
    run(main)


def test_unknown_type_before_join_is_unknown_not_not_joined():
    async def main(server):
        peer = await Peer.open(server.ws_url)
        assert (await peer.error({"type": "dance"}))["code"] == "unknown_type"
        await peer.close()
    run(main)


# ------------------------------------------------------------------ close codes

@kinds
def test_flooding_past_the_rate_limit_closes_with_1008(kind):
    async def main(server):
        [alice, bob] = await joined(server.ws_url, "alice", "bob", kind=kind)
        # The limit: 20 messages in 10 s, whatever they are: the join, then 19 more.
        for i in range(19):
            await alice.send({"type": "say", "text": f"{i}"} if i % 2 else "not json")
        await alice.send({"type": "say", "text": "one too many"})
        code, reason = await alice.closed()
        assert code == 1008
        assert "rate limit" in reason and "20 messages in 10 s" in reason
        # bob got the 9 messages, then alice left the room; the 21st never arrived.
        texts = [(await bob.recv()).get("text") for _ in range(9)]
        assert texts == [f"{i}" for i in range(1, 19, 2)]
        assert await bob.recv() == {"type": "users", "users": ["bob"]}
        await bob.close()
    run(main)


def test_the_rate_limit_is_a_sliding_window():
    now = [1000.0]

    async def main(server):
        [alice] = await joined(server.ws_url, "alice")  # message 1, at t = 1000
        now[0] = 1005.0
        for i in range(19):  # messages 2-20, at t = 1005
            await alice.send({"type": "say", "text": f"{i}"})
            await alice.recv()
        now[0] = 1010.0  # the join is 10 s old: it has left the window, one more is allowed
        await alice.send({"type": "say", "text": "allowed"})
        assert (await alice.recv())["text"] == "allowed"
        await alice.send({"type": "say", "text": "too many"})
        assert (await alice.closed())[0] == 1008
    run(main, clock=lambda: now[0])


@kinds
def test_a_message_over_32_kib_closes_with_1009(kind):
    async def main(server):
        [alice] = await joined(server.ws_url, "alice", kind=kind)
        # The largest valid say: 2000 emoji, each JSON-escaped to 12 bytes, fits the limit.
        biggest = json.dumps({"type": "say", "text": "😀" * 2000})  # ensure_ascii: escapes
        assert 24_000 < len(biggest) <= chat.MAX_MESSAGE_BYTES
        await alice.send(biggest)
        assert (await alice.recv())["text"] == "😀" * 2000
        await alice.send(json.dumps({"type": "say", "text": "x" * (32 * 1024)}))
        code, _ = await alice.closed()
        assert code == 1009
    run(main)


# ------------------------------------------------------------------ Origin

@kinds
def test_a_foreign_origin_is_refused_with_403_and_the_own_origin_accepted(kind):
    async def main(server):
        port = server.port
        for origin in ("http://evil.example", f"http://127.0.0.1:{port + 1}",
                       f"https://127.0.0.1:{port}", "null"):
            if kind == "wslib":
                with pytest.raises(wslib.HandshakeError) as info:
                    await wslib.connect(server.ws_url, origin=origin)
                assert info.value.status == 403
                assert repr(origin) in str(info.value)
            else:
                with pytest.raises(websockets.InvalidStatus) as info:
                    await websockets.connect(server.ws_url, origin=origin, compression=None)
                assert info.value.response.status_code == 403
        for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}", None):
            options = {} if origin is None else {"origin": origin}
            peer = await Peer.open(server.ws_url, kind, **options)
            await peer.join(f"from {origin}")
            await peer.close()
    run(main)


def test_extra_origins_are_accepted_besides_the_own():
    async def main(server):
        peer = await Peer.open(server.ws_url, origin="http://localhost:8888")
        await peer.join("from jupyterlab")
        await peer.close()
        assert server.origins[0] == f"http://127.0.0.1:{server.port}"
        assert "http://localhost:8888" in server.origins
        with pytest.raises(wslib.HandshakeError):
            await wslib.connect(server.ws_url, origin="http://localhost:8889")
    run(main, origins=["http://localhost:8888"])


def test_own_origins():
    assert chat.own_origins("127.0.0.1", 8767) == [
        "http://127.0.0.1:8767", "http://localhost:8767", "http://[::1]:8767"]
    assert chat.own_origins("192.0.2.7", 80) == ["http://192.0.2.7:80"]
    assert chat.own_origins("2001:db8::1", 81) == ["http://[2001:db8::1]:81"]
    assert chat.own_origins("0.0.0.0", 82) == [
        "http://0.0.0.0:82", "http://127.0.0.1:82", "http://localhost:82", "http://[::1]:82"]
    assert chat.own_origins("localhost", 83)[:2] == ["http://localhost:83", "http://127.0.0.1:83"]


# ------------------------------------------------------------------ the page

def test_the_page_is_served_and_renders_user_text_as_text_only():
    async def main(server):
        body = await asyncio.to_thread(lambda: urllib.request.urlopen(server.url, timeout=10)
                                       .read().decode())
        assert body == chat.PAGE
        assert "<title>wslib chat</title>" in body
        assert not re.search(r"\.(inner|outer)HTML\b", body)  # as code; the comment says why
        assert "insertAdjacentHTML" not in body and "document.write" not in body
        assert 'new WebSocket(scheme + location.host + "/ws")' in body
        assert "http://" not in body and "https://" not in body  # nothing from a CDN
        with pytest.raises(urllib.error.HTTPError) as info:  # /ws without Upgrade
            await asyncio.to_thread(urllib.request.urlopen, server.url + "ws", timeout=10)
        assert info.value.code == 426
    run(main)


def test_the_page_ships_with_the_package():
    from importlib import resources

    assert resources.files("wslib.apps").joinpath("chat.html").is_file()
    text = (ROOT / "pyproject.toml").read_text()
    assert '"wslib.apps" = ["*.html"]' in text  # package data: in wheels, not only in git


# ------------------------------------------------------------------ extending the room

def test_a_subclass_adds_a_message_type_with_one_method():
    class Room(ChatRoom):
        def on_shout(self, client, message):
            self.broadcast({"type": "shout", "from": client.name})

    async def main(server):
        alice, bob = await joined(server.ws_url, "alice", "bob")
        await alice.send({"type": "shout"})
        assert await bob.recv() == {"type": "shout", "from": "alice"}
        error = await bob.error({"type": "dance"})
        assert "'join', 'leave', 'say', 'shout'" in error["message"]
        await alice.close()
        await bob.close()
    run(main, room=Room())


# ------------------------------------------------------------------ python -m wslib chat

def _start_cli(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-m", "wslib", "chat", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_cli_prints_the_url_serves_the_room_and_stops_on_sigint():
    proc = _start_cli("--port", "0", "--origin", "http://localhost:8888")
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/"), url
        port = int(url.rsplit(":", 1)[1].rstrip("/"))

        async def talk():
            ws_url = f"ws://127.0.0.1:{port}/ws"
            alice = await Peer.open(ws_url, "websockets", origin="http://localhost:8888")
            assert (await alice.join("alice"))["users"] == ["alice"]
            with pytest.raises(websockets.InvalidStatus):
                await websockets.connect(ws_url, origin="http://evil.example")
            return alice

        async def main():
            alice = await talk()
            await alice.recv()  # users
            proc.send_signal(signal.SIGINT)
            return await alice.closed()

        assert asyncio.run(main())[0] == 1001
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    assert out == ""


def test_cli_help_and_defaults():
    from wslib.__main__ import build_parser

    args = build_parser().parse_args(["chat"])
    assert (args.host, args.port, args.origin) == ("127.0.0.1", 8767, [])
    args = build_parser().parse_args(["chat", "--origin", "http://a", "--origin", "http://b"])
    assert args.origin == ["http://a", "http://b"]
    result = subprocess.run([sys.executable, "-m", "wslib", "chat", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=30,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0
    assert "8767" in result.stdout and "--origin" in result.stdout
