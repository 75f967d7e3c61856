"""Lesson 10's checks (private messages, typing indicator) with real connections: the reference
solutions pass, the notebook's stubs are "not attempted", and each known wrong answer gets its
own diagnosis on the line it should fail (and only where it should)."""

from __future__ import annotations

import asyncio

import pytest

from wslib.apps.chat import ChatError, ChatRoom
from wslib.exercises import lesson10

import solutions.lesson10  # the repository root is on sys.path (pyproject.toml)

S = solutions.lesson10

pytestmark = pytest.mark.timeout(120)


def private(room_class):
    return asyncio.run(asyncio.wait_for(lesson10.check_private_messages(room_class), 60))


def typing(room_class):
    return asyncio.run(asyncio.wait_for(lesson10.check_typing(room_class), 60))


def failed(report) -> dict:
    assert report.attempted and not report.passed, repr(report)
    return {r.name: r for r in report.results if not r.passed}


def test_reference_solutions_pass():
    for report in (private(S.PrivateRoom), typing(S.TypingRoom)):
        assert report.passed, repr(report)
        assert "all checks passed" in repr(report)
    assert private(S.PrivateRoom).score == (8, 8)
    assert typing(S.TypingRoom).score == (5, 5)


# ------------------------------------------------------------------ stubs

class PrivateStub(ChatRoom):  # as in the notebook
    def on_say(self, client, message):
        if "to" not in message:
            return super().on_say(client, message)  # a public message, as before
        raise NotImplementedError  # your code here


class TypingStub(ChatRoom):  # as in the notebook
    def on_typing(self, client, message):
        raise NotImplementedError  # your code here


def test_stubs_are_not_attempted():
    for report in (private(PrivateStub), private(None), typing(TypingStub), typing(None)):
        assert report.attempted is False, repr(report)
        assert "not attempted yet" in repr(report)


def test_not_a_room_class_is_named():
    for answer, words in [(PrivateStub(), "expected a class"), (dict, "subclass of ChatRoom")]:
        bad = failed(private(answer))
        assert words in bad["the answer is a ChatRoom subclass"].detail


def test_no_method_of_its_own():
    class Forgot(ChatRoom):
        pass

    bad = failed(typing(Forgot))
    assert "def on_typing(self, client, message)" in bad["Forgot has its own on_typing method"].hint
    bad = failed(private(Forgot))
    assert "Forgot has its own on_say method" in bad


# ------------------------------------------------------------------ 10.1: wrong answers

class Broadcasts(ChatRoom):
    def on_say(self, client, message):
        if "to" not in message:
            return super().on_say(client, message)
        self.broadcast({"type": "private", "from": client.name, "to": message["to"],
                        "text": message["text"], "ts": self.timestamp()})


class NoCopy(S.PrivateRoom):
    def send(self, client, event):
        if event.get("type") == "private" and client.name == event["from"]:
            return
        super().send(client, event)


class Publishes(ChatRoom):
    def on_say(self, client, message):
        if "to" not in message:
            return super().on_say(client, message)
        target = self.find(message["to"])
        if target is None:
            raise ChatError("no_such_user", "nobody")
        self.publish({"type": "private", "from": client.name, "to": target.name,
                      "text": self.check_text(message.get("text")), "ts": self.timestamp()})


class CaseSensitive(ChatRoom):
    def on_say(self, client, message):
        if "to" not in message:
            return super().on_say(client, message)
        text = self.check_text(message.get("text"))
        targets = [c for c in self.members.values() if c.name == message["to"]]
        if not targets:
            raise ChatError("no_such_user", "nobody")
        event = {"type": "private", "from": client.name, "to": targets[0].name, "text": text,
                 "ts": self.timestamp()}
        self.send(client, event)
        self.send(targets[0], event)


class Crashes(ChatRoom):  # forgets that find() may return None
    def on_say(self, client, message):
        if "to" not in message:
            return super().on_say(client, message)
        target = self.find(message["to"])
        event = {"type": "private", "from": client.name, "to": target.name,
                 "text": self.check_text(message.get("text")), "ts": self.timestamp()}
        self.send(client, event)
        self.send(target, event)


class NoTextCheck(S.PrivateRoom):
    def check_text(self, text):
        return text


class PublicType(ChatRoom):  # sends a "message" instead of a "private"
    def on_say(self, client, message):
        if "to" not in message:
            return super().on_say(client, message)
        target = self.find(message["to"])
        if target is None:
            raise ChatError("no_such_user", "nobody")
        event = {"type": "message", "from": client.name, "to": target.name,
                 "text": self.check_text(message.get("text")), "ts": self.timestamp()}
        self.send(client, event)
        self.send(target, event)


class ForgetsPublic(ChatRoom):
    def on_say(self, client, message):
        target = self.find(message.get("to") or "")
        if target is None:
            raise ChatError("no_such_user", "nobody")
        event = {"type": "private", "from": client.name, "to": target.name,
                 "text": self.check_text(message.get("text")), "ts": self.timestamp()}
        self.send(client, event)
        self.send(target, event)


@pytest.mark.parametrize("answer, failing, words", [
    (Broadcasts, "carol, who is not addressed, gets nothing", "not self.broadcast"),
    (NoCopy, "alice, the sender, gets a copy", "self.send(client, event)"),
    (Publishes, "private messages are not in the history a late joiner gets", "self.publish"),
    (CaseSensitive, "names compare as in join: a message to 'BOB' reaches bob", "self.find"),
    (Crashes, "a name not in the room is refused with the error code no_such_user",
     "returns None"),
    (NoTextCheck, "the text rules of say apply: an empty text is refused (empty_text)",
     "self.check_text"),
    (PublicType, "bob receives alice's private message", "not 'message'"),
])
def test_private_message_mistakes_get_their_diagnosis(answer, failing, words):
    bad = failed(private(answer))
    assert failing in bad, repr(private(answer))
    line = bad[failing]
    assert words in line.hint + line.detail, repr(line)


def test_each_private_mistake_fails_only_where_it_should():
    assert set(failed(private(NoCopy))) == {"alice, the sender, gets a copy"}
    assert set(failed(private(CaseSensitive))) == {
        "names compare as in join: a message to 'BOB' reaches bob"}
    assert set(failed(private(NoTextCheck))) == {
        "the text rules of say apply: an empty text is refused (empty_text)"}
    crashed = failed(private(Crashes))
    line = crashed["a name not in the room is refused with the error code no_such_user"]
    assert "raised AttributeError" in line.detail
    publishes = failed(private(Publishes))
    assert "carol, who is not addressed, gets nothing" in publishes


def test_forgetting_the_public_case_is_diagnosed():
    # The check's marker messages (public says) are refused, so no step can finish: said so.
    bad = failed(private(ForgetsPublic))
    line = bad["public messages keep working"]
    assert "did not reach" in line.detail and "super().on_say" in line.hint


def test_a_failing_line_never_shows_the_whole_expected_event():
    for answer in (Broadcasts, NoCopy, Publishes, CaseSensitive, PublicType, NoTextCheck):
        for line in failed(private(answer)).values():
            assert "'ts': <object" not in line.detail
            assert "expected" not in line.detail, line


# ------------------------------------------------------------------ 10.2: wrong answers

class TypingToEveryone(ChatRoom):
    def on_typing(self, client, message):
        self.broadcast({"type": "typing", "name": client.name})


class TypingFromMessage(S.TypingRoom):
    def on_typing(self, client, message):
        event = {"type": "typing", "name": message.get("name", client.name)}
        for other in self.members.values():
            if other is not client:
                self.send(other, event)


class TypingPublished(ChatRoom):
    def on_typing(self, client, message):
        self.publish({"type": "typing", "name": client.name})


class TypingWrongField(ChatRoom):
    def on_typing(self, client, message):
        for other in self.members.values():
            if other is not client:
                self.send(other, {"type": "typing", "from": client.name})


class TypingOnlyFirst(ChatRoom):  # returns inside the loop
    def on_typing(self, client, message):
        for other in self.members.values():
            if other is not client:
                self.send(other, {"type": "typing", "name": client.name})
                return


@pytest.mark.parametrize("answer, failing, words", [
    (TypingToEveryone, "alice, who is typing, is not told", "self.broadcast would include her"),
    (TypingFromMessage, "a client cannot type in someone else's name", "client.name"),
    (TypingPublished, "typing is not kept in the history", "self.publish"),
    (TypingWrongField, "bob sees that alice is typing", "an extra field 'from'"),
    (TypingWrongField, "bob sees that alice is typing", "no 'name' field"),
    (TypingOnlyFirst, "carol sees it too", "carol received nothing"),
])
def test_typing_mistakes_get_their_diagnosis(answer, failing, words):
    bad = failed(typing(answer))
    assert failing in bad, repr(typing(answer))
    line = bad[failing]
    assert words in line.hint + line.detail, repr(line)


def test_each_typing_mistake_fails_only_where_it_should():
    assert set(failed(typing(TypingToEveryone))) == {"alice, who is typing, is not told"}
    assert set(failed(typing(TypingFromMessage))) == {
        "a client cannot type in someone else's name"}
