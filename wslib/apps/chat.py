"""A chat room on wslib, safe to put online: the capstone of the course (lesson 10).

::

    python -m wslib chat                      # http://127.0.0.1:8767/ : open it in two tabs
    chat = await wslib.apps.chat.start()      # the same inside a program (port 0: a free one)
    print(chat.url)                           # the page;  chat.ws_url: the WebSocket
    ...
    await chat.close()

``/`` is one static page, ``chat.html`` next to this module (HTML and plain JavaScript: no
build step, nothing loaded from a CDN). ``/ws`` is the WebSocket, handled by a
:class:`ChatRoom`.

The wire protocol
-----------------
Every message, both ways, is one JSON object in one text message. Tests and other clients
depend on exactly this.

Client to server:

``{"type": "join", "name": NAME}``
    First. NAME is trimmed of whitespace at both ends, then must be 1-32 characters with no
    control characters (Unicode category Cc). Names compare case-insensitively (after NFKC
    normalisation and case folding), so "Alice", "alice" and "ａｌｉｃｅ" are one name.
``{"type": "say", "text": TEXT}``
    TEXT: 1-2000 characters (code points), delivered exactly as written.
``{"type": "leave"}``
    Optional: closing the connection does the same. The connection stays open, and may join
    again (with any free name).

Server to client:

``{"type": "welcome", "name": NAME, "users": [...]}``
    To the one who joined; NAME as the room stores it (trimmed). Right after it, the last 50
    messages of the room as ``message`` events, oldest first (the history).
``{"type": "users", "users": [...]}``
    To everyone in the room (the one who just joined too) whenever the list changes. Names are
    sorted case-insensitively. Changes within one turn of the server's event loop (many joins
    at once) are sent as one event, always before the next ``message``.
``{"type": "message", "id": N, "from": NAME, "text": TEXT, "ts": ISO8601}``
    To everyone in the room, the sender included. ``id`` is 1 for the room's first message and
    grows by one per message; ``ts`` is the server's UTC time, e.g.
    ``"2026-12-03T07:53:31.123Z"``. Every client receives the messages in the same order.
``{"type": "error", "code": CODE, "message": TEXT}``
    A refused action; the connection stays open. ``message`` is for people, ``code`` for
    programs, one of:

    ============== =========================================================================
    name_taken     another user in the room has this name (compared case-insensitively)
    invalid_name   empty after trimming, longer than 32 characters, or a control character
    not_joined     anything but ``join`` before joining
    already_joined a second ``join`` on the same connection
    text_too_long  ``say`` with more than 2000 characters
    empty_text     ``say`` with ``""``
    bad_json       not JSON, not an object, a binary message, or a field of the wrong type
                   (``"text": 5``) or with a lone UTF-16 surrogate (``"\\ud800"``)
    unknown_type   a ``type`` this server does not know
    ============== =========================================================================

Abuse that is not recoverable closes the connection:

* **1008** (policy violation): more than 20 messages within 10 s from one connection (the rate
  limit), or a client that reads so slowly that more than 256 KiB wait to be sent to it (a slow
  consumer: it is dropped so that it cannot hold memory, and the others do not notice);
* **1009** (message too big): a message over 32 KiB;
* and before any of this, the opening handshake answers **403** to an ``Origin`` that is not
  allowed: by default only the server's own (the page's) origin. A request without ``Origin``
  is not from a browser (browsers always send one) and is accepted.

Extending the room: each message type is one method, ``on_TYPE(client, message)``. A subclass
adds a type by adding a method (``on_typing``), or changes one by overriding it; a method
refuses with ``raise ChatError(code, text)``. Lesson 10's exercises do exactly this.
"""

from __future__ import annotations

import asyncio
import json
import time
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from typing import Any, Callable

from ..errors import ConnectionClosed
from ..server import Router, Server, serve
from ..websocket import WebSocket

__all__ = ["ChatRoom", "ChatError", "Client", "ChatServer", "start", "build_router", "PAGE",
           "name_key", "own_origins", "MAX_NAME", "MAX_TEXT", "HISTORY", "MAX_MESSAGE_BYTES",
           "RATE", "PER", "MAX_BUFFER", "DEFAULT_PORT", "ERROR_CODES"]

DEFAULT_PORT = 8767
MAX_NAME = 32  # characters, after trimming
MAX_TEXT = 2000  # characters
HISTORY = 50  # messages a late joiner gets
# Largest WebSocket message, in bytes (else 1009). 2000 characters of JSON-escaped text take
# up to 12 bytes each ("\ud83d\ude00" for one emoji), so a valid say always fits.
MAX_MESSAGE_BYTES = 32 * 1024
RATE, PER = 20, 10.0  # at most RATE messages per PER seconds from one connection, else 1008
MAX_BUFFER = 256 * 1024  # bytes waiting to be sent to one client before it is dropped (1008)

ERROR_CODES = ("name_taken", "invalid_name", "not_joined", "already_joined", "text_too_long",
               "empty_text", "bad_json", "unknown_type")

PAGE = resources.files(__package__).joinpath("chat.html").read_text(encoding="utf-8")


class ChatError(Exception):
    """A refused action: sent to the client as ``{"type": "error", "code": ..., ...}``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(eq=False)
class Client:
    """One WebSocket connection to the room. ``name`` is None until it has joined."""

    ws: WebSocket
    name: str | None = None
    received: deque = field(default_factory=deque)  # when its recent messages came (rate limit)
    dropped: bool = False  # closed by the room (rate limit, slow consumer)


def name_key(name: str) -> str:
    """What two names are compared by: NFKC (fullwidth letters become ASCII, ...) and case
    folding (``"Straße"`` and ``"STRASSE"`` are the same name)."""
    return unicodedata.normalize("NFKC", name).casefold()


def _string(value: Any, field_name: str, kind: str) -> str:
    """``value``, the field ``field_name`` of a ``kind`` message, which must be a string of real
    characters (else bad_json)."""
    if not isinstance(value, str):
        got = "missing" if value is None else f"a {type(value).__name__}"
        raise ChatError("bad_json", f'"{kind}" needs "{field_name}": a string (it is {got})')
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        char = value[exc.start]
        raise ChatError("bad_json", f'"{field_name}" contains \\u{ord(char):04x}, one half of a '
                                    "UTF-16 surrogate pair alone: that is not a character "
                                    "(RFC 8259 section 8.2)") from None
    return value


def parse_message(raw: str | bytes) -> dict:
    """One client message as a dict with a string ``type``; ChatError (bad_json) otherwise."""
    if not isinstance(raw, str):
        raise ChatError("bad_json", f"a binary message of {len(raw)} bytes; this protocol is "
                                    "JSON in text messages")
    try:
        message = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ChatError("bad_json", f"not JSON: {exc.msg} at character {exc.pos}") from None
    except RecursionError:
        raise ChatError("bad_json", "not JSON this server reads: nested too deeply") from None
    if not isinstance(message, dict):
        raise ChatError("bad_json", f"a JSON {type(message).__name__}; every message is an "
                                    'object such as {"type": "say", "text": "hi"}')
    return message


def _timestamp(now: datetime) -> str:
    return now.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class ChatRoom:
    """The room: who is in it, its history, and the rules. ``handler`` is the WebSocket handler
    (``router.websocket("/ws", room.handler)``).

    ``clock`` (seconds, for the rate limit) and ``now`` (the ``ts`` of messages) can be replaced
    to make a lesson's output the same on every run.
    """

    def __init__(self, *, history: int = HISTORY, max_name: int = MAX_NAME,
                 max_text: int = MAX_TEXT, rate: int = RATE, per: float = PER,
                 max_buffer: int = MAX_BUFFER, clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = _utc_now) -> None:
        self.max_name = max_name
        self.max_text = max_text
        self.rate = rate
        self.per = per
        self.max_buffer = max_buffer
        self.clock = clock
        self.now = now
        self.members: dict[str, Client] = {}  # name_key(name) -> the client that has it
        self.history: deque[str] = deque(maxlen=history)  # encoded message events
        self.next_id = 1
        self.dropped = 0  # clients closed for reading too slowly
        self._closing: set[asyncio.Task] = set()
        self._users_changed = False  # a "users" event is due (see users_changed)

    # ------------------------------------------------------------------ one connection

    async def handler(self, ws: WebSocket) -> None:
        """Read a connection's messages until it closes; then it has left the room."""
        client = Client(ws)
        try:
            async for raw in ws:
                if not self.allow(client):
                    client.dropped = True
                    await ws.close(1008, f"rate limit: more than {self.rate} messages "
                                         f"in {self.per:g} s")
                    return
                self.handle(client, raw)
        finally:
            self.remove(client)

    def allow(self, client: Client) -> bool:
        """The rate limit: False for a message that is the (rate + 1)-th within ``per`` s."""
        now = self.clock()
        times = client.received
        while times and now - times[0] >= self.per:
            times.popleft()
        if len(times) >= self.rate:
            return False
        times.append(now)
        return True

    def handle(self, client: Client, raw: str | bytes) -> None:
        """One message from ``client``: call its ``on_TYPE`` method; a ChatError becomes an
        ``error`` event sent to that client."""
        try:
            message = parse_message(raw)
            kind = message.get("type")
            method = getattr(self, f"on_{kind}", None) if isinstance(kind, str) else None
            if method is None:
                known = ", ".join(repr(t) for t in self.message_types())
                raise ChatError("unknown_type", f"unknown message type {_short(kind)}; this "
                                                f"server knows {known}")
            if client.name is None and kind != "join":
                raise ChatError("not_joined", f'join first: {{"type": "join", "name": ...}}, '
                                              f'then "{kind}"')
            method(client, message)
        except ChatError as exc:
            self.send(client, {"type": "error", "code": exc.code, "message": exc.message})

    def message_types(self) -> list[str]:
        """The ``type`` values this room handles: one per ``on_TYPE`` method."""
        return sorted(n[3:] for n in dir(self) if n.startswith("on_") and n[3:].isidentifier()
                      and callable(getattr(self, n)))

    # ------------------------------------------------------------------ the message types

    def on_join(self, client: Client, message: dict) -> None:
        if client.name is not None:
            raise ChatError("already_joined", f"you are already in the room as {client.name!r}")
        name = self.check_name(message.get("name"))
        key = name_key(name)
        if key in self.members:
            raise ChatError("name_taken", f"{self.members[key].name!r} is already in the room; "
                                          "choose another name")
        client.name = name
        self.members[key] = client
        self.send(client, {"type": "welcome", "name": name, "users": self.users()})
        for data in self.history:
            self.deliver(client, data)
        self.users_changed()

    def on_say(self, client: Client, message: dict) -> None:
        text = self.check_text(message.get("text"))
        self.publish({"type": "message", "id": self.next_id, "from": client.name,
                      "text": text, "ts": self.timestamp()})
        self.next_id += 1

    def on_leave(self, client: Client, message: dict) -> None:
        self.remove(client)

    # ------------------------------------------------------------------ rules

    def check_name(self, name: Any) -> str:
        """The name as stored (trimmed), or ChatError (invalid_name; bad_json when it is not a
        string)."""
        name = _string(name, "name", "join").strip()
        if not name:
            raise ChatError("invalid_name", "the name is empty (after trimming spaces)")
        if len(name) > self.max_name:
            raise ChatError("invalid_name", f"the name has {len(name)} characters; at most "
                                            f"{self.max_name}")
        for char in name:
            if unicodedata.category(char) == "Cc":
                raise ChatError("invalid_name", f"the name contains the control character "
                                                f"U+{ord(char):04X}")
        return name

    def check_text(self, text: Any) -> str:
        """The text of a ``say``, or ChatError (empty_text, text_too_long; bad_json when it is
        not a string)."""
        text = _string(text, "text", "say")
        if not text:
            raise ChatError("empty_text", "the text is empty")
        if len(text) > self.max_text:
            raise ChatError("text_too_long", f"the text has {len(text)} characters; at most "
                                             f"{self.max_text}")
        return text

    def timestamp(self) -> str:
        """Now, for a ``ts`` field: UTC, ISO 8601, milliseconds, e.g. 2026-12-03T07:53:31.123Z."""
        return _timestamp(self.now())

    def users(self) -> list[str]:
        """The names in the room, sorted case-insensitively (by :func:`name_key`)."""
        return [client.name for _, client in sorted(self.members.items())]

    def find(self, name: str) -> Client | None:
        """The client in the room with this name (compared as names are), or None."""
        return self.members.get(name_key(name.strip()))

    def remove(self, client: Client) -> None:
        """``client`` leaves the room (if it is in it); the others get the new user list."""
        if client.name is None:
            return
        key = name_key(client.name)
        client.name = None
        if self.members.get(key) is client:
            del self.members[key]
            self.users_changed()

    def users_changed(self) -> None:
        """Send everyone the new user list, at the end of this turn of the event loop: a
        thousand joins at once make one event, not a thousand lists of up to a thousand names
        to up to a thousand clients. A message sent before that sends the list first."""
        if not self._users_changed:
            self._users_changed = True
            asyncio.get_running_loop().call_soon(self._send_users)

    def _send_users(self) -> None:
        if self._users_changed:
            self._users_changed = False
            self.broadcast({"type": "users", "users": self.users()})

    # ------------------------------------------------------------------ sending

    def publish(self, event: dict) -> None:
        """Broadcast a message event and keep it in the history for late joiners."""
        data = _encode(event)
        self.history.append(data)
        self._broadcast_encoded(data)

    def broadcast(self, event: dict) -> None:
        """Send ``event`` to everyone in the room, without waiting for any one of them."""
        self._broadcast_encoded(_encode(event))

    def _broadcast_encoded(self, data: str) -> None:
        if self._users_changed:
            self._send_users()  # whoever sent this is in the list before their message
        # First deliver to everyone, then drop the slow ones: dropping changes the user list,
        # and that "users" event must come after this one for every client alike.
        slow = [c for c in list(self.members.values()) if not self.deliver(c, data)]
        for client in slow:
            self.drop_slow(client)

    def send(self, client: Client, event: dict) -> None:
        """Send ``event`` to one client."""
        if not self.deliver(client, _encode(event)):
            self.drop_slow(client)

    def deliver(self, client: Client, data: str) -> bool:
        """Queue ``data`` for ``client``; False when the client is too far behind (more than
        ``max_buffer`` bytes waiting for it). Never waits."""
        if client.dropped:
            return True
        try:
            client.ws.send_nowait(data)
        except ConnectionClosed:
            return True  # it is gone; its handler removes it from the room
        return client.ws.buffered_amount <= self.max_buffer

    def drop_slow(self, client: Client) -> None:
        """Close a client that does not read fast enough (1008), and take it out of the room."""
        if client.dropped:
            return
        client.dropped = True
        self.dropped += 1
        self.remove(client)
        reason = f"too slow: more than {self.max_buffer} bytes waiting to be sent"
        # The close frame queues up behind what the client has not read: close() waits for it
        # (at most close_timeout) in a task of its own, so that nobody else waits.
        task = asyncio.ensure_future(client.ws.close(1008, reason))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


def _encode(event: dict) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


# ---------------------------------------------------------------------------- the server

def build_router(room: ChatRoom) -> Router:
    """``/``: the page; ``/ws``: the room."""
    router = Router()
    router.page("/", PAGE)
    router.websocket("/ws", room.handler)
    return router


_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def own_origins(host: str, port: int) -> list[str]:
    """The origins of the server's own page: ``http://host:port``, and for a loopback or
    wildcard address (``0.0.0.0``, ``::``) every name a browser on this machine may use for it
    (127.0.0.1, localhost, [::1]). Pages from other machines, which reach a wildcard address by
    some other name, need that origin given with ``origins`` (``--origin``)."""
    hosts = [f"[{host}]" if ":" in host else host] if host else []
    if host in _LOOPBACK or host in ("", "0.0.0.0", "::"):
        hosts += [h for h in ("127.0.0.1", "localhost", "[::1]") if h not in hosts]
    return [f"http://{h}:{port}" for h in hosts]


@dataclass
class ChatServer:
    """The running chat: ``server`` (a :class:`wslib.Server`), ``room``, and where to find them."""

    server: Server
    room: ChatRoom

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def url(self) -> str:
        """The page: ``http://host:port/``."""
        return self.server.http_url

    @property
    def ws_url(self) -> str:
        """The WebSocket: ``ws://host:port/ws``."""
        return self.server.url + "ws"

    @property
    def origins(self) -> list:
        """The ``Origin`` values accepted (None: requests without one, i.e. not from a browser)."""
        return list(self.server.origins or ())

    async def close(self) -> None:
        """Close every connection (1001) and stop listening."""
        await self.server.close()

    async def __aenter__(self) -> "ChatServer":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


async def start(host: str = "127.0.0.1", port: int = 0, *,
                origins: list[str] | tuple[str, ...] = (), room: ChatRoom | None = None,
                max_size: int = MAX_MESSAGE_BYTES, **room_options: Any) -> ChatServer:
    """Start a chat server; ``port=0`` picks a free port.

    ``origins``: pages from these origins may connect too (e.g. ``"http://localhost:8888"``),
    besides the server's own. ``room``: a :class:`ChatRoom` (or a subclass) to serve; else one
    is made with ``room_options`` (``rate=``, ``max_buffer=``, ...). ``max_size``: the largest
    message in bytes (1009 above).
    """
    room = room if room is not None else ChatRoom(**room_options)
    # Until the port is known the allowlist is empty: nothing can connect in between anyway.
    server = await serve(build_router(room), host, port, origins=[], max_size=max_size)
    server.origins = own_origins(host, server.port) + list(origins) + [None]
    return ChatServer(server, room)
