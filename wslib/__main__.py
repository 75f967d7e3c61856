"""Command line: ``python -m wslib COMMAND [options]``.

    python -m wslib echo                 the echo server on ws://127.0.0.1:8765/
    python -m wslib echo --port 0        on a free port; the first line printed is the URL
    python -m wslib sse                  Server-Sent Events demo on http://127.0.0.1:8766/
    python -m wslib client URL           a terminal client: type lines, see what comes back
    python -m wslib chat                 the chat room (lesson 10) on http://127.0.0.1:8767/

Each server prints exactly one line, its URL, once it is listening, and stops cleanly on
Ctrl-C (SIGINT) or SIGTERM: WebSockets are closed with 1001 "going away", exit code 0.

Adding a command: write ``NAME_arguments(parser)`` and ``async def NAME_command(args) -> int``,
and add them to :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Awaitable, Callable, NamedTuple

from .server import Server, serve

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_MAX_SIZE = 1 << 20


class Command(NamedTuple):
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]  # adds the command's options
    run: Callable[[argparse.Namespace], Awaitable[int]]  # runs it; returns the exit code


def server_arguments(parser: argparse.ArgumentParser, port: int = DEFAULT_PORT) -> None:
    """The options every server command has: --host, --port, --max-size."""
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default: {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=port,
                        help=f"port to listen on; 0 picks a free one (default: {port})")
    parser.add_argument("--max-size", type=int, default=DEFAULT_MAX_SIZE, metavar="BYTES",
                        help=f"largest message accepted, in bytes (default: {DEFAULT_MAX_SIZE})")


async def run_until_stopped(server: Server, url: str | None = None) -> int:
    """Print ``url`` (default ``server.url``) on one line, then serve until SIGINT or SIGTERM;
    then close the server gracefully. Returns the exit code, 0."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C cancels asyncio.run instead
            pass
    try:
        print(url or server.url, flush=True)
        await stop.wait()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        await server.close()
    return 0


# ---------------------------------------------------------------------------------- echo

def echo_arguments(parser: argparse.ArgumentParser) -> None:
    server_arguments(parser)


async def echo_command(args: argparse.Namespace) -> int:
    from .apps.echo import echo

    server = await serve(echo, args.host, args.port, max_size=args.max_size)
    return await run_until_stopped(server)


# ---------------------------------------------------------------------------------- sse

DEFAULT_SSE_PORT = 8766


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _count_seconds(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def sse_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default: {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_SSE_PORT,
                        help=f"port to listen on; 0 picks a free one (default: {DEFAULT_SSE_PORT})")
    parser.add_argument("--interval", type=_positive_float, default=1.0, metavar="SECONDS",
                        help="seconds between two events (default: 1)")
    parser.add_argument("--count", type=_count, default=None, metavar="N",
                        help="stop after N events: the streams end and reconnections get "
                             "204 No Content, so browsers stop (default: no end)")


async def sse_command(args: argparse.Namespace) -> int:
    from .apps import sse_demo

    demo = await sse_demo.start(args.host, args.port, interval=args.interval, count=args.count)
    return await run_until_stopped(demo, demo.url)  # demo.close() stops publisher and server


# ---------------------------------------------------------------------------------- client

def client_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="the server's ws:// URL, e.g. ws://127.0.0.1:8765/")
    parser.add_argument("--show-frames", action="store_true",
                        help="print the opening handshake, then every frame sent and received: "
                             "header fields and bytes in hex")
    parser.add_argument("--subprotocol", action="append", default=[], metavar="NAME",
                        help="offer this subprotocol (Sec-WebSocket-Protocol); may be repeated")
    parser.add_argument("--origin", metavar="ORIGIN",
                        help="send this Origin header, as a browser would (e.g. "
                             "http://127.0.0.1:8000); servers may refuse a missing or foreign one")
    parser.add_argument("--wait", type=_count_seconds, default=0.0, metavar="SECONDS",
                        help="after the input ends, keep printing messages until SECONDS pass "
                             "without one, then close (default: close at once)")


async def client_command(args: argparse.Namespace) -> int:
    from .apps import client_cli

    return await client_cli.run(args.url, subprotocols=args.subprotocol,
                                origin=args.origin, show_frames=args.show_frames,
                                wait=args.wait)

# ---------------------------------------------------------------------------------- chat

def chat_arguments(parser: argparse.ArgumentParser) -> None:
    from .apps import chat

    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default: {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=chat.DEFAULT_PORT,
                        help=f"port to listen on; 0 picks a free one (default: {chat.DEFAULT_PORT})")
    parser.add_argument("--origin", action="append", default=[], metavar="ORIGIN",
                        help="also accept WebSockets from pages of this origin, e.g. "
                             "http://localhost:8888, or with --host 0.0.0.0 the address other "
                             "machines use, http://HOSTNAME:PORT (repeatable; the server's own "
                             "page on this machine is always accepted, any other origin gets "
                             "403)")


async def chat_command(args: argparse.Namespace) -> int:
    from .apps import chat

    room = await chat.start(args.host, args.port, origins=args.origin)
    return await run_until_stopped(room.server, room.url)


COMMANDS: dict[str, Command] = {
    "echo": Command("run the echo server: every message is sent back unchanged "
                    "(a WebSocket on every path)", echo_arguments, echo_command),
    "sse": Command("run the Server-Sent Events demo: a page at / that lists the numbered "
                   "events of /events as they arrive", sse_arguments, sse_command),
    "client": Command("an interactive WebSocket client: type a line to send it, Ctrl-D "
                      "closes (with a pipe: send each line, then close)",
                      client_arguments, client_command),
    "chat": Command("run the chat room of lesson 10: the page at /, the WebSocket at /ws",
                    chat_arguments, chat_command),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m wslib",
                                     description="wslib's servers and client, from the command line.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        sub = commands.add_parser(name, help=command.help, description=command.help)
        command.arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(args.run(args))
    except KeyboardInterrupt:  # where loop signal handlers are not available
        return 0
    except OSError as exc:  # e.g. the port is already in use
        print(f"python -m wslib {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
