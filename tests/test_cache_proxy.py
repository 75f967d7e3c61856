"""The toy caching proxy of lesson 04 (wslib.apps.cache_proxy): a SIMULATION of the flawed
intermediary of RFC 6455 section 10.3. These tests pin down the flaws it is meant to have (and
only those), and that masking defeats it, as the lesson claims."""

from __future__ import annotations

import asyncio
import random

import pytest

from wslib.apps.cache_proxy import (
    POISON,
    NaiveCachingProxy,
    RequestScanner,
    ResponseScanner,
    SeenRequest,
    http_get,
    scan_requests,
    serve_attacker,
    serve_origin,
)
from wslib.frames import Frame, Opcode, encode_frame
from wslib.handshake import build_request, check_response, generate_key
from wslib.http import parse_response
from wslib.masking import mask

ATTACK = b"GET /app.js HTTP/1.1\r\nHost: bank.example\r\n\r\n"
KEY = generate_key(random.Random(10))
HANDSHAKE = build_request("evil.example", "/chat", key=KEY).to_bytes()


# ------------------------------------------------------------------ the scanners, no sockets

def test_scanner_finds_the_handshake():
    assert scan_requests(HANDSHAKE) == [SeenRequest("GET", "/chat", "evil.example", 0)]


def test_scanner_skips_frame_header_of_unmasked_frame():
    found = scan_requests(HANDSHAKE + encode_frame(Frame(Opcode.TEXT, ATTACK)))
    assert found[1] == SeenRequest("GET", "/app.js", "bank.example", 2)
    assert found[1].url == "http://bank.example/app.js"


@pytest.mark.parametrize("seed", range(200))
def test_masked_frame_hides_the_request(seed):
    key = random.Random(seed).randbytes(4)
    found = scan_requests(HANDSHAKE + encode_frame(Frame(Opcode.TEXT, ATTACK, mask=key)))
    assert found == [SeenRequest("GET", "/chat", "evil.example", 0)]


def test_predictable_key_does_not_help():
    key = bytes.fromhex("37fa213d")
    frame = encode_frame(Frame(Opcode.BINARY, mask(ATTACK, key), mask=key))
    assert scan_requests(HANDSHAKE + frame)[1] == SeenRequest("GET", "/app.js", "bank.example", 6)


def test_scanner_gives_the_same_requests_at_every_split():
    stream = HANDSHAKE + encode_frame(Frame(Opcode.TEXT, ATTACK))
    whole = scan_requests(stream)
    for cut in range(len(stream) + 1):
        scanner = RequestScanner()
        assert scanner.feed(stream[:cut]) + scanner.feed(stream[cut:]) == whole


def test_scanner_one_byte_at_a_time():
    stream = HANDSHAKE + b"\x81\x2c" + ATTACK
    scanner = RequestScanner()
    found = [r for b in stream for r in scanner.feed(bytes([b]))]
    assert found == scan_requests(stream)


def test_scanner_buffer_is_bounded():
    scanner = RequestScanner(max_buffer=1000)
    for _ in range(100):
        assert scanner.feed(b"\x00" * 5000) == []
    assert len(scanner._buf) <= 1024
    # An unfinished head that never ends is dropped once it passes the limit.
    scanner.feed(b"GET / HTTP/1.1\r\n" + b"X: " + b"y" * 2000)
    assert len(scanner._buf) <= 1024


def test_response_scanner_reads_bodies_by_content_length():
    body = b"x" * 10
    stream = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
              b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" + body + b"HTTP/1.1 204 No Content\r\n\r\n")
    whole = ResponseScanner().feed(stream)
    assert [(r.status, r.body) for r in whole] == [(101, b""), (200, body), (204, b"")]
    for cut in range(len(stream) + 1):
        scanner = ResponseScanner()
        parts = scanner.feed(stream[:cut]) + scanner.feed(stream[cut:])
        assert [(r.status, r.body) for r in parts] == [(101, b""), (200, body), (204, b"")]
    assert whole[1].header("content-length") == "10"


# ------------------------------------------------------------------ the whole attack, on 127.0.0.1

async def _browser(port, frame_mask):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(HANDSHAKE)
    response = parse_response(await reader.readuntil(b"\r\n\r\n"))
    check_response(response, KEY)
    writer.write(encode_frame(Frame(Opcode.TEXT, ATTACK, mask=frame_mask)))
    await writer.drain()
    back = await asyncio.wait_for(reader.read(65536), 5)
    writer.close()
    await writer.wait_closed()
    return back


async def _play(frame_mask):
    bank = await serve_origin(b"real();\n")
    evil = await serve_attacker()
    proxy = NaiveCachingProxy()
    try:
        evil_port = await proxy.intercept(evil.sockets[0].getsockname()[:2], "evil.example")
        bank_port = await proxy.intercept(bank.sockets[0].getsockname()[:2], "bank.example")
        back = await _browser(evil_port, frame_mask)
        cache = sorted(proxy.cache)
        victim = await http_get(bank_port, "bank.example", "/app.js")
        return back, cache, victim, list(proxy.log)
    finally:
        await proxy.close()
        for server in (bank, evil):
            server.close()
            await server.wait_closed()


def test_unmasked_frame_poisons_the_cache():
    back, cache, victim, log = asyncio.run(_play(None))
    assert back.startswith(b"HTTP/1.1 200 OK")  # the attacker's fake answer reached the browser
    assert cache == [("bank.example", "/app.js")]
    assert victim.status == 200 and victim.body == POISON
    assert log == [
        "conn 1: GET http://evil.example/chat -> forwarded to evil.example (not in the cache)",
        "conn 1: sees a response 101 to GET http://evil.example/chat: not cacheable",
        "conn 1: sees a request GET http://bank.example/app.js (after skipping 2 bytes that are not HTTP)",
        "conn 1: sees a response 200 to GET http://bank.example/app.js: CACHED",
        "conn 2: GET http://bank.example/app.js -> answered from the cache",
    ]


def test_masked_frame_leaves_the_cache_clean():
    back, cache, victim, log = asyncio.run(_play(random.Random(2011).randbytes(4)))
    assert back.startswith(b"HTTP/1.1 200 OK")  # the attacker's server tried all the same
    assert cache == []
    assert victim.status == 200 and victim.body == b"real();\n"
    assert log[:3] == [
        "conn 1: GET http://evil.example/chat -> forwarded to evil.example (not in the cache)",
        "conn 1: sees a response 101 to GET http://evil.example/chat: not cacheable",
        "conn 1: sees a response 200 that answers no request it saw: not cached",
    ]
    assert log[3] == "conn 2: GET http://bank.example/app.js -> forwarded to bank.example (not in the cache)"
    assert not any("error" in line for line in log)


def test_cache_is_bounded():
    async def main():
        proxy = NaiveCachingProxy(max_entries=3)
        from wslib.apps.cache_proxy import SeenResponse
        for i in range(10):
            proxy._store(SeenRequest("GET", f"/{i}", "h"), SeenResponse(200, (), b""))
        return sorted(proxy.cache)

    assert asyncio.run(main()) == [("h", "/7"), ("h", "/8"), ("h", "/9")]


def test_idle_connection_times_out_and_close_is_clean():
    async def main():
        proxy = NaiveCachingProxy(timeout=0.2)
        origin = await serve_origin(b"x")
        port = await proxy.intercept(origin.sockets[0].getsockname()[:2], "origin")
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"\x00\x01 not http")  # never a request: the proxy waits, then gives up
        data = await asyncio.wait_for(reader.read(), 3)
        writer.close()
        await proxy.close()
        origin.close()
        await origin.wait_closed()
        return data, proxy.log

    data, log = asyncio.run(main())
    assert data == b"" and log == []
