"""Self-checks for lesson 10, the chat room (wslib.apps.chat).

* 10.1 :func:`check_private_messages` (async): a :class:`~wslib.apps.chat.ChatRoom` subclass
  whose ``on_say`` delivers ``{"type": "say", "to": NAME, "text": TEXT}`` only to the sender
  and NAME, as ``{"type": "private", "from": SENDER, "to": NAME, "text": TEXT, "ts": ...}``;
  an unknown NAME is refused with the error code ``no_such_user``.
* 10.2 :func:`check_typing` (async): a subclass with ``on_typing``: ``{"type": "typing"}``
  from a client makes everyone else in the room get ``{"type": "typing", "name": NAME}``.

Both run the learner's room on a real server on 127.0.0.1 and talk to it with real WebSocket
clients (``alice``, ``bob``, ``carol``). Each step is followed by a public "marker" message
from alice, and each client's events up to that marker are what the step produced for it:
that tells "nothing arrived" from "not yet" without waiting for a timeout. An exception in the
learner's ``on_...`` method is caught on the server side (and reported), so a check never
raises and never leaves the server's log full of tracebacks.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any

from . import Case, NotAttempted, Report, _short, judge_answer

__all__ = ["check_private_messages", "check_typing"]

STEP_TIMEOUT = 5.0  # seconds for a step's marker to reach every client


class _Peer:
    """A client of the room under test."""

    def __init__(self, ws: Any, name: str) -> None:
        self.ws = ws
        self.name = name

    async def send(self, message: dict) -> None:
        await self.ws.send(json.dumps(message))

    async def until(self, marker: str, timeout: float = STEP_TIMEOUT) -> list[dict] | None:
        """The events before the public message ``marker``; None if it never came."""
        events = []
        try:
            async with asyncio.timeout(timeout):
                while True:
                    event = json.loads(await self.ws.recv())
                    if event.get("type") == "message" and event.get("text") == marker:
                        return events
                    events.append(event)
        except (TimeoutError, Exception):
            return None


class _Stuck(Exception):
    """A public message did not reach every client after a step: the room broke."""


class _Room:
    """The learner's room class on a real server, with its exceptions caught and kept."""

    def __init__(self, room_class: type) -> None:
        self.errors: list[BaseException] = []
        errors = self.errors

        class Checked(room_class):  # type: ignore[misc, valid-type]
            def handle(self, client, raw):
                try:
                    super().handle(client, raw)
                except Exception as exc:  # the learner's code: reported, never raised
                    errors.append(exc)

        self.room = Checked()
        self.room.rate = 1_000_000  # the check sends more than 20 messages in 10 s
        self.markers = 0
        self.peers: dict[str, _Peer] = {}

    async def start(self, *names: str) -> None:
        from ..apps import chat
        from ..client import connect

        self.server = await chat.start(room=self.room)
        for name in names:
            ws = await connect(self.server.ws_url)
            await ws.send(json.dumps({"type": "join", "name": name}))
            self.peers[name.strip()] = _Peer(ws, name.strip())
        await self.sync()  # everyone has read the welcomes and user lists

    async def sync(self) -> dict[str, list[dict] | None]:
        """alice says a marker in public; each peer's events before it (None: no marker)."""
        self.markers += 1
        marker = f"(marker {self.markers})"
        sender = next(iter(self.peers.values()))
        await sender.send({"type": "say", "text": marker})
        results = await asyncio.gather(*(p.until(marker) for p in self.peers.values()))
        missing = [name for name, got in zip(self.peers, results) if got is None]
        if missing:
            raise _Stuck(f"a public say from alice did not reach {', '.join(missing)} within "
                         f"{STEP_TIMEOUT:g} s")
        return dict(zip(self.peers, results))

    async def step(self, sender: str, message: dict) -> tuple[dict, BaseException | None]:
        """``sender`` sends ``message``; what each peer got, and the learner's exception."""
        before = len(self.errors)
        await self.peers[sender].send(message)
        got = await self.sync()
        error = self.errors[before] if len(self.errors) > before else None
        return got, error

    async def join_late(self, name: str) -> list[dict] | None:
        """A new client joins; the events it gets up to the next marker (history included)."""
        from ..client import connect

        ws = await connect(self.server.ws_url)
        await ws.send(json.dumps({"type": "join", "name": name}))
        self.peers[name] = _Peer(ws, name)
        return (await self.sync())[name]

    async def close(self) -> None:
        for peer in self.peers.values():
            await peer.ws.close()
        await self.server.close()


def _class_problem(room_class: Any) -> str | None:
    """Why ``room_class`` cannot be checked, or None."""
    from ..apps.chat import ChatRoom

    if not inspect.isclass(room_class):
        return (f"expected a class (class PrivateRoom(ChatRoom): ...), got "
                f"{type(room_class).__name__} {_short(room_class)}")
    if not issubclass(room_class, ChatRoom):
        return f"{room_class.__name__} must be a subclass of ChatRoom: class {room_class.__name__}(ChatRoom)"
    return None


def _differences(event: Any, expected: dict, explain: dict[str, str]) -> list[str]:
    """What differs between ``event`` and ``expected``, field by field, in words (the values
    the learner sent are shown; the expected ones are described, not shown)."""
    if not isinstance(event, dict):
        return [f"got {_short(event)}, not an event"]
    out = []
    for key, value in expected.items():
        if key not in event:
            out.append(f"no {key!r} field")
        elif value is _TIMESTAMP:
            if not (isinstance(event[key], str) and event[key].endswith("Z")):
                out.append(f"{key!r} is {_short(event[key])}: use self.timestamp()")
        elif event[key] != value:
            out.append(f"{key!r} is {_short(event[key])}" + (f": {explain[key]}"
                                                            if key in explain else ""))
    for key in event:
        if key not in expected:
            out.append(f"an extra field {key!r}")
    return out


_TIMESTAMP = object()  # in an expected event: any ts string from self.timestamp()


def _one_event(expected: dict, explain: dict[str, str], nobody: str, extra: str = ""):
    """A compare function: the step's events for one client must be exactly one event like
    ``expected``."""
    def compare(got: Any, _: Any) -> tuple[bool, str]:
        if got is None:
            return False, "the step did not finish: the public marker message after it never came"
        if not got:
            return False, nobody
        if len(got) > 1:
            return False, f"{len(got)} events instead of one: " + ", ".join(
                _short(e.get("type") if isinstance(e, dict) else e) for e in got)
        problems = _differences(got[0], expected, explain)
        return (not problems), "; ".join(problems) + extra
    return compare


def _nothing(what: str):
    def compare(got: Any, _: Any) -> tuple[bool, str]:
        if got is None:
            return False, "the step did not finish: the public marker message after it never came"
        if got:
            return False, f"{what} received {len(got)} event(s): " + ", ".join(
                _short(e) for e in got[:2])
        return True, ""
    return compare


def _error_with(code: str):
    def compare(got: Any, _: Any) -> tuple[bool, str]:
        if got is None:
            return False, "the step did not finish: the public marker message after it never came"
        errors = [e for e in got if isinstance(e, dict) and e.get("type") == "error"]
        if not errors:
            kinds = ", ".join(_short(e.get("type") if isinstance(e, dict) else e) for e in got)
            return False, f"no error event came back (got: {kinds or 'nothing'})"
        if errors[0].get("code") != code:
            return False, f"an error with code {_short(errors[0].get('code'))}"
        return True, ""
    return compare


async def _not_in_history(room: _Room, judge, kind: str, name: str, hint: str) -> None:
    """A late joiner (dave) must find no event of type ``kind`` in the history it gets."""
    history = await room.join_late("dave")
    shown = [e for e in history or [] if e.get("type") == kind]
    judge(Case(name, (), None, hint=hint,
               compare=lambda got, _: (not got, f"dave, who joined later, got {len(got)} "
                                                f"{kind!r} event(s) in the history")),
          shown, None)


async def _run(title: str, room_class: Any, names: tuple[str, ...], plan,
               method: str) -> Report:
    """Start the learner's room, then run ``plan(room, judge)``; judge(case, got, error) adds
    one line (the first line decides "not attempted"). ``method``: the one the exercise asks
    the learner to write."""
    from ..apps.chat import ChatRoom

    report = Report(title)
    if room_class is None:
        report.attempted = False
        return report
    problem = _class_problem(room_class)
    if problem is not None:
        report.add("the answer is a ChatRoom subclass", False, problem,
                   "define it with `class Name(ChatRoom):` and pass the class itself")
        return report
    if getattr(room_class, method, None) is getattr(ChatRoom, method, None):
        report.add(f"{room_class.__name__} has its own {method} method", False,
                   f"{room_class.__name__} has no {method} of its own",
                   f"define `def {method}(self, client, message):` inside the class (indented)")
        return report
    room = _Room(room_class)
    first = [True]

    def judge(case: Case, got: Any, error: BaseException | None, crash_hint: str = "") -> None:
        judge_answer(report, case, got, error, first=first[0],
                     stub_hint="finish the method: it still raises NotImplementedError",
                     crash_hint=crash_hint or None)
        first[0] = False

    try:
        await room.start(*names)
        await plan(room, judge)
    except NotAttempted:
        report.attempted = False
        report.results.clear()
    except _Stuck as exc:
        if room.errors and first[0] and isinstance(room.errors[-1], NotImplementedError):
            report.attempted = False
            report.results.clear()
        else:
            said = f" (your code raised {type(room.errors[-1]).__name__}: {room.errors[-1]})" \
                if room.errors else ""
            report.add("public messages keep working", False, str(exc) + said,
                       'a say without "to" and the other message types must work as before: '
                       "for them, call super().on_say(client, message)")
    except Exception as exc:  # the room itself failed to start or talk: say so, never raise
        report.add("the room runs", False, f"{type(exc).__name__}: {exc}",
                   "run the cell that defines the class again; does ChatRoom() work?")
    finally:
        try:
            await room.close()
        except Exception:
            pass
    return report


# ------------------------------------------------------------------ 10.1 private messages

async def check_private_messages(room_class: Any) -> Report:
    """Exercise 10.1: ``room_class`` is a ChatRoom subclass whose ``on_say`` handles ``"to"``.
    Use it with ``await``: ``await lesson10.check_private_messages(PrivateRoom)``."""

    def private(frm: str, to: str, text: str) -> dict:
        return {"type": "private", "from": frm, "to": to, "text": text, "ts": _TIMESTAMP}

    explain = {"type": "a private message has the type 'private', not 'message' (that is "
                       "a public one)",
               "from": "the sender's name, client.name",
               "to": "the recipient's name as the room knows it, target.name",
               "text": "the text exactly as sent"}
    to_two = (" (send the event to exactly two clients: self.send(client, event) and "
              "self.send(target, event))")

    async def plan(room: _Room, judge) -> None:
        got, error = await room.step("alice", {"type": "say", "to": "bob", "text": "psst, bob"})
        judge(Case("bob receives alice's private message", (), None,
                   hint="find bob with target = self.find(message['to']), then "
                        "self.send(target, event)",
                   compare=_one_event(private("alice", "bob", "psst, bob"), explain,
                                      "bob received nothing")), got["bob"], error)
        judge(Case("alice, the sender, gets a copy", (), None,
                   hint="the sender sees what they sent: self.send(client, event) too",
                   compare=_one_event(private("alice", "bob", "psst, bob"), explain,
                                      "alice received nothing")), got["alice"], error)
        judge(Case("carol, who is not addressed, gets nothing", (), None,
                   hint="not self.broadcast (everyone) or self.publish (everyone, and the "
                        "history): send to the two clients only",
                   compare=_nothing("carol")), got["carol"], error)

        got, error = await room.step("bob", {"type": "say", "text": "a public one"})
        public = [e for e in (got["carol"] or []) if e.get("type") == "message"]
        judge(Case('a say without "to" still goes to everyone', (), None,
                   hint='for a say without "to", call super().on_say(client, message)',
                   compare=lambda got, _: (
                       [e.get("text") for e in got] == ["a public one"],
                       "carol did not get bob's public message" if not got else
                       f"carol got {_short(got)}")), public, error)

        got, error = await room.step("alice", {"type": "say", "to": "BOB", "text": "case"})
        judge(Case("names compare as in join: a message to 'BOB' reaches bob", (), None,
                   hint="self.find(name) compares names the way join does "
                        "(case-insensitively); self.members is keyed by name_key(name)",
                   compare=_one_event(private("alice", "bob", "case"), explain,
                                      "bob received nothing")), got["bob"], error)

        got, error = await room.step("alice", {"type": "say", "to": "dave", "text": "hello?"})
        judge(Case("a name not in the room is refused with the error code no_such_user", (), None,
                   hint="raise ChatError('no_such_user', ...) when self.find(...) returns None",
                   compare=_error_with("no_such_user")), got["alice"], error,
              crash_hint="self.find(name) returns None for a name not in the room: raise "
                         "ChatError('no_such_user', f'no one called {name!r} is here')")

        got, error = await room.step("alice", {"type": "say", "to": "bob", "text": ""})
        judge(Case("the text rules of say apply: an empty text is refused (empty_text)", (),
                   None, hint="check the text first: text = self.check_text(message.get('text'))",
                   compare=_error_with("empty_text")), got["alice"], error)

        await _not_in_history(room, judge, "private",
                              "private messages are not in the history a late joiner gets",
                              "send with self.send; self.publish keeps a message for everyone "
                              "who joins later")

    return await _run("Exercise 10.1 - private messages", room_class,
                      ("alice", "bob", "carol"), plan, "on_say")


# ------------------------------------------------------------------ 10.2 typing indicator

async def check_typing(room_class: Any) -> Report:
    """Exercise 10.2: ``room_class`` is a ChatRoom subclass with an ``on_typing`` method.
    Use it with ``await``: ``await lesson10.check_typing(TypingRoom)``."""

    explain = {"type": "the event's type is 'typing'",
               "name": "the name of the one typing, as the room knows it: client.name"}

    async def plan(room: _Room, judge) -> None:
        got, error = await room.step("alice", {"type": "typing"})
        judge(Case("bob sees that alice is typing", (), None,
                   hint="send {'type': 'typing', 'name': client.name} to everyone else in "
                        "self.members",
                   compare=_one_event({"type": "typing", "name": "alice"}, explain,
                                      "bob received nothing")), got["bob"], error)
        judge(Case("carol sees it too", (), None,
                   hint="everyone in the room but the one typing: "
                        "for other in self.members.values()",
                   compare=_one_event({"type": "typing", "name": "alice"}, explain,
                                      "carol received nothing")), got["carol"], error)
        judge(Case("alice, who is typing, is not told", (), None,
                   hint="skip the sender: if other is not client: self.send(other, event); "
                        "self.broadcast would include her",
                   compare=_nothing("alice")), got["alice"], error)

        got, error = await room.step("carol", {"type": "typing", "name": "bob"})
        judge(Case("a client cannot type in someone else's name", (), None,
                   hint="use client.name, the name the room gave this connection, not a "
                        "name from the message: a client can write anything there",
                   compare=_one_event({"type": "typing", "name": "carol"}, explain,
                                      "alice received nothing")), got["alice"], error)

        await _not_in_history(room, judge, "typing", "typing is not kept in the history",
                              "self.publish is for messages late joiners should see; send "
                              "typing with self.send")

    return await _run("Exercise 10.2 - typing indicator", room_class,
                      ("alice", "bob", "carol"), plan, "on_typing")
