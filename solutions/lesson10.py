"""Reference solutions for lesson 10, the chat room.

Same class names as the exercise cells in notebooks/10_chat_capstone.ipynb; checked by
wslib.exercises.lesson10 in tests/test_exercises_lesson10.py.
"""

from __future__ import annotations

from wslib.apps.chat import ChatError, ChatRoom


# Exercise 10.1
class PrivateRoom(ChatRoom):
    """``{"type": "say", "to": NAME, "text": TEXT}`` goes to the sender and NAME only."""

    def on_say(self, client, message):
        if "to" not in message:
            return super().on_say(client, message)  # a public message, as before
        text = self.check_text(message.get("text"))
        to = message.get("to")
        target = self.find(to) if isinstance(to, str) else None
        if target is None:
            raise ChatError("no_such_user", f"no one called {to!r} is in the room")
        event = {"type": "private", "from": client.name, "to": target.name, "text": text,
                 "ts": self.timestamp()}
        self.send(client, event)
        if target is not client:  # a note to oneself arrives once
            self.send(target, event)


# Exercise 10.2
class TypingRoom(ChatRoom):
    """``{"type": "typing"}``: everyone else in the room learns who is typing."""

    def on_typing(self, client, message):
        event = {"type": "typing", "name": client.name}
        for other in list(self.members.values()):
            if other is not client:
                self.send(other, event)
