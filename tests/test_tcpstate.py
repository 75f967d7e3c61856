"""wslib.tcpstate: TCP states of our own loopback sockets, from /proc/net/tcp or psutil."""

from __future__ import annotations

import socket
import sys
import time
from types import SimpleNamespace

import pytest

from wslib import tcpstate

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/net/tcp")


def test_proc_address_is_decoded():
    assert tcpstate._proc_address("0100007F:C698") == ("127.0.0.1", 0xC698)
    assert tcpstate._proc_address("00000000000000000000000001000000:0050") == ("::1", 80)


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    return predicate()


def connected_pair():
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    return listener, client, server


@linux_only
def test_states_of_one_connection_through_its_close():
    listener, client, server = connected_pair()
    sport, cport = listener.getsockname()[1], client.getsockname()[1]
    try:
        assert tcpstate.side_states(sport, cport) == {"client": "ESTABLISHED",
                                                      "server": "ESTABLISHED"}
        assert tcpstate.state_counts(sport) == {"ESTABLISHED": 1}
        client.shutdown(socket.SHUT_WR)  # the client's FIN; the server does not close
        states = wait_for(lambda: (s := tcpstate.side_states(sport, cport))["server"] == "CLOSE_WAIT"
                          and s["client"] == "FIN_WAIT_2" and s)
        assert states == {"client": "FIN_WAIT_2", "server": "CLOSE_WAIT"}
        server.close()  # now the server's FIN: the client, who closed first, ends in TIME_WAIT
        states = wait_for(lambda: (s := tcpstate.side_states(sport, cport))["client"] == "TIME_WAIT" and s)
        assert states["client"] == "TIME_WAIT" and states["server"] in (None, "LAST_ACK")
    finally:
        client.close()
        server.close()
        listener.close()


@linux_only
def test_only_our_ports_are_listed():
    listener, client, server = connected_pair()
    try:
        ports = {listener.getsockname()[1], client.getsockname()[1]}
        found = tcpstate.our_sockets(ports)
        assert found and all(s.local[1] in ports or s.remote[1] in ports for s in found)
        assert any(s.state == "LISTEN" for s in found)
        assert "LISTEN" not in tcpstate.state_counts(listener.getsockname()[1])
    finally:
        for s in (client, server, listener):
            s.close()


def test_no_source_gives_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(tcpstate, "_PROC_FILES", (tmp_path / "nope", tmp_path / "nope6"))
    monkeypatch.setattr(tcpstate, "_from_psutil", lambda: None)
    assert tcpstate.source() is None
    with pytest.raises(tcpstate.TcpStateUnavailable, match="no /proc/net/tcp"):
        tcpstate.side_states(1, 2)


def test_psutil_fallback_names_states_like_proc(monkeypatch, tmp_path):
    psutil = pytest.importorskip("psutil")
    monkeypatch.setattr(tcpstate, "_PROC_FILES", (tmp_path / "nope",))
    conn = SimpleNamespace(laddr=SimpleNamespace(ip="127.0.0.1", port=5000),
                           raddr=SimpleNamespace(ip="127.0.0.1", port=6000), status="FIN_WAIT2")
    monkeypatch.setattr(psutil, "net_connections", lambda kind: [conn])
    assert tcpstate.source() == "psutil"
    assert tcpstate.side_states(6000, 5000) == {"client": "FIN_WAIT_2", "server": None}
