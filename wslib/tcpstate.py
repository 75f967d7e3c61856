"""The TCP states of our own sockets, read from the kernel (for lessons 06 and 07).

The closing handshake of a WebSocket ends in TCP's own: each side sends a FIN, and the kernel
moves each socket through ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT (the side that closed
first) or CLOSE_WAIT, LAST_ACK (the side that closed second). This module reads those states
for sockets on the loopback interface:

* on Linux from ``/proc/net/tcp`` and ``/proc/net/tcp6`` (no extra package, no privileges);
* elsewhere with ``psutil.net_connections()`` when psutil is installed and allowed to (macOS
  needs root for it);
* with neither, :func:`source` is ``None`` and the functions raise :class:`TcpStateUnavailable`,
  whose message says so, instead of crashing somewhere deeper.

Only loopback sockets are looked at, and only those with a port the caller names: a lesson sees
its own sockets, never other programs' connections. State names follow RFC 9293 section 3.3.2,
with underscores (``FIN_WAIT_2``); a socket the kernel has forgotten (fully closed) is absent.
"""

from __future__ import annotations

import socket
import struct
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

__all__ = ["TcpSocket", "TcpStateUnavailable", "source", "our_sockets", "side_states",
           "state_counts", "STATE_NAMES"]

# The kernel's numbers (include/net/tcp_states.h) and the RFC 9293 names.
STATE_NAMES = {
    0x01: "ESTABLISHED", 0x02: "SYN_SENT", 0x03: "SYN_RECEIVED", 0x04: "FIN_WAIT_1",
    0x05: "FIN_WAIT_2", 0x06: "TIME_WAIT", 0x07: "CLOSED", 0x08: "CLOSE_WAIT",
    0x09: "LAST_ACK", 0x0A: "LISTEN", 0x0B: "CLOSING", 0x0C: "SYN_RECEIVED",
}
# psutil's spellings of the same states.
_PSUTIL_NAMES = {"FIN_WAIT1": "FIN_WAIT_1", "FIN_WAIT2": "FIN_WAIT_2", "SYN_RECV": "SYN_RECEIVED",
                 "CLOSE": "CLOSED", "NONE": "CLOSED"}
_PROC_FILES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))
_LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}


class TcpStateUnavailable(RuntimeError):
    """Neither /proc/net/tcp nor psutil can tell this program its sockets' states."""


@dataclass(frozen=True, order=True)
class TcpSocket:
    """One socket as the kernel lists it: local and remote ``(host, port)`` and its state."""

    local: tuple[str, int]
    remote: tuple[str, int]
    state: str


def _proc_address(text: str) -> tuple[str, int]:
    """``0100007F:C698`` -> ``("127.0.0.1", 50840)``: the kernel prints the address as 32-bit
    words in host byte order, the port in plain hex."""
    host, port = text.split(":")
    words = [int(host[i:i + 8], 16) for i in range(0, len(host), 8)]
    raw = b"".join(struct.pack("=I", w) for w in words)
    family = socket.AF_INET if len(raw) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, raw), int(port, 16)


def _from_proc(ports: set[int]) -> list[TcpSocket] | None:
    found = False
    out = []
    wanted = {f"{p:04X}" for p in ports}
    for path in _PROC_FILES:
        try:
            lines = path.read_text().splitlines()[1:]
        except OSError:
            continue
        found = True
        for line in lines:
            fields = line.split()
            if len(fields) < 4 or (fields[1][-4:] not in wanted and fields[2][-4:] not in wanted):
                continue  # not ours: skip before decoding anything
            out.append(TcpSocket(_proc_address(fields[1]), _proc_address(fields[2]),
                                 STATE_NAMES.get(int(fields[3], 16), fields[3])))
    return out if found else None


def _from_psutil() -> list[TcpSocket] | None:
    try:
        import psutil
        conns = psutil.net_connections(kind="tcp")
    except Exception:  # not installed, or not allowed (macOS without root)
        return None
    out = []
    for c in conns:
        if not c.laddr:
            continue
        remote = (c.raddr.ip, c.raddr.port) if c.raddr else ("", 0)
        out.append(TcpSocket((c.laddr.ip, c.laddr.port), remote,
                             _PSUTIL_NAMES.get(c.status, c.status)))
    return out


def source() -> str | None:
    """Where states come from here: ``"/proc/net/tcp"``, ``"psutil"``, or ``None``."""
    if any(p.exists() for p in _PROC_FILES):
        return "/proc/net/tcp"
    return "psutil" if _from_psutil() is not None else None


def _all_sockets(ports: set[int]) -> list[TcpSocket]:
    """Every socket with one of ``ports`` (at least: psutil lists them all)."""
    sockets = _from_proc(ports)
    if sockets is None:
        sockets = _from_psutil()
    if sockets is None:
        raise TcpStateUnavailable(
            "cannot read TCP states on this system: there is no /proc/net/tcp (Linux only) "
            "and psutil.net_connections() is not available or not allowed (on macOS it needs "
            "root); the lesson's text describes what you would see")
    return sockets


def our_sockets(ports: Iterable[int]) -> list[TcpSocket]:
    """Loopback sockets whose local or remote port is one of ``ports``, sorted."""
    wanted = set(ports)
    return sorted(s for s in _all_sockets(wanted)
                  if s.local[0] in _LOOPBACK and (s.local[1] in wanted or s.remote[1] in wanted))


def side_states(server_port: int, client_port: int) -> dict[str, str | None]:
    """The state of each end of ONE connection: ``{"client": ..., "server": ...}``, ``None``
    for an end the kernel no longer lists (fully closed)."""
    states: dict[str, str | None] = {"client": None, "server": None}
    for s in our_sockets([server_port, client_port]):
        if s.local[1] == client_port and s.remote[1] == server_port:
            states["client"] = s.state
        elif s.local[1] == server_port and s.remote[1] == client_port:
            states["server"] = s.state
    return states


def state_counts(local_port: int) -> Counter:
    """How many of our sockets with this local port are in each state (LISTEN left out): a
    server's accepted connections all share its port."""
    return Counter(s.state for s in our_sockets([local_port])
                   if s.local[1] == local_port and s.state != "LISTEN")
