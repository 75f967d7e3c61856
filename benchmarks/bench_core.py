"""wslib's core against websockets (and wsproto): masking, and parsing a stream of client frames.

Run with ``python -m benchmarks core`` (or everything with ``python -m benchmarks``). Each number
is the median of REPEATS measurements taken in this one run, the contenders taking turns; each
ratio is the median of the ratios within a round, so the ratios compare like with like on the
same machine at the same moment. See benchmarks/README.md for what each row means.
"""

from __future__ import annotations

import datetime
import os
import platform
import random
import time
from importlib.metadata import version
from typing import Callable

import wslib
from wslib.frames import Frame, Opcode, encode_frame
from wslib.masking import mask, mask_bigint, mask_loop, mask_numpy
from wslib.connection import Connection
from wslib import reader as reader_module
from wslib.reader import FrameReader
import statistics

from wslib.timing import median_ratio, rounds

try:
    from websockets.speedups import apply_mask as ws_apply_mask
    WS_MASK_NAME = "websockets (C speedups)"
except ImportError:  # pragma: no cover - websockets built without its C extension
    from websockets.utils import apply_mask as ws_apply_mask
    WS_MASK_NAME = "websockets (pure Python)"
from websockets.frames import Frame as WsFrame
from websockets.protocol import OPEN
from websockets.server import ServerProtocol
from websockets.streams import StreamReader
from wsproto.frame_protocol import FrameProtocol

REPEATS = 7
MIN_TIME = 0.03  # seconds: one measurement runs at least this long
CHUNK = 4096  # bytes per feed(), like a typical recv()

MASK_SIZES = [125, 4096, 65536, 1 << 20]
SLOW_MASK_SIZES = {125, 4096}  # the byte loop and big-int versions only here: they are slow
# payload size -> number of frames in the stream
PARSE_CASES = {16: 20_000, 125: 10_000, 1024: 3_000, 65536: 100}


def measure(fns: dict[str, Callable[[], object]]) -> tuple[dict[str, float], dict[str, list]]:
    """Median seconds per call of each function, and the times of every round (wslib.timing:
    the contenders take turns), for median_ratio()."""
    times = rounds(fns, repeats=REPEATS, min_time=MIN_TIME)
    return {name: statistics.median(t) for name, t in times.items()}, times


def measure_rates(parsers: dict[str, Callable[[list[bytes]], list]], chunks: list[bytes],
                  count: int) -> tuple[dict[str, float], dict[str, list]]:
    """Messages per second of each parser over ``chunks`` (which hold ``count`` messages), and
    the times of every round, for median_ratio()."""
    medians, times = measure({name: (lambda parse=parse: parse(chunks))
                              for name, parse in parsers.items()})
    return {name: count / t for name, t in medians.items()}, times


def fmt_size(n: int) -> str:
    if n >= 1 << 20:
        return f"{n >> 20} MiB"
    if n >= 1024:
        return f"{n >> 10} KiB"
    return f"{n} B"


def fmt_rate(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k"
    return f"{x:.0f}"


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = ", ".join(f"{p} {version(p)}" for p in ("websockets", "wsproto", "numpy"))
    return (f"{datetime.date.today().isoformat()}; {os.cpu_count()} CPUs ({cpu}); "
            f"Python {platform.python_version()}; wslib {wslib.__version__}, {versions}")


# --- Masking -----------------------------------------------------------------------------------


def bench_masking() -> dict[int, float]:
    """Print one table row per size; return {size: wslib speed / websockets speed}."""
    print("| payload | wslib `mask` | `mask_numpy` | `mask_bigint` | `mask_loop` "
          f"| {WS_MASK_NAME} | wslib / websockets |")
    print("|---:|---:|---:|---:|---:|---:|---:|", flush=True)
    ratios = {}
    rng = random.Random(1)
    key = rng.randbytes(4)
    for size in MASK_SIZES:
        data = rng.randbytes(size)
        assert mask(data, key) == ws_apply_mask(data, key)
        impls = {"mask": mask, "numpy": mask_numpy, "bigint": mask_bigint, "loop": mask_loop,
                 "ws": ws_apply_mask}
        if size not in SLOW_MASK_SIZES:
            del impls["bigint"], impls["loop"]
        cells: dict[str, float | None] = {"bigint": None, "loop": None}
        medians, times = measure({name: (lambda fn=fn: fn(data, key)) for name, fn in impls.items()})
        cells.update(medians)

        def cell(t: float | None) -> str:
            if t is None:
                return "-"
            return f"{t * 1e6:.2f} µs ({size / t / 1e9:.2f} GB/s)"

        ratio = ratios[size] = median_ratio(times, "mask", "ws")  # > 1: wslib is faster
        print(f"| {fmt_size(size)} | {cell(cells['mask'])} | {cell(cells['numpy'])} "
              f"| {cell(cells['bigint'])} | {cell(cells['loop'])} | {cell(cells['ws'])} "
              f"| **{ratio:.2f}x** |", flush=True)
    return ratios


# --- Parsing -----------------------------------------------------------------------------------


def client_stream(size: int, count: int) -> tuple[list[bytes], bytes]:
    """``count`` masked text frames of ``size`` ASCII bytes, as a client sends them; the stream
    cut into CHUNK-byte pieces. Returns (chunks, first payload)."""
    rng = random.Random(size)
    letters = b"abcdefghijklmnopqrstuvwxyz0123456789 "
    payloads = [bytes(rng.choice(letters) for _ in range(size)) for _ in range(8)]
    stream = b"".join(
        encode_frame(Frame(Opcode.TEXT, payloads[i % 8], mask=rng.randbytes(4)))
        for i in range(count)
    )
    return [stream[i:i + CHUNK] for i in range(0, len(stream), CHUNK)], payloads[0]


def parse_wslib(chunks: list[bytes]) -> list:
    reader = FrameReader(expect_mask=True)
    frames: list = []
    for chunk in chunks:
        frames += reader.feed(chunk)
    return frames


def parse_websockets_frames(chunks: list[bytes]) -> list:
    """websockets' frame parser alone: the ``Frame.parse`` generator over a ``StreamReader``,
    driven exactly as websockets' protocol drives it (feed_data, then resume the parser)."""
    reader = StreamReader()
    frames: list = []

    def parser():
        while True:
            frame = yield from WsFrame.parse(reader.read_exact, mask=True, max_size=None,
                                             extensions=[])
            frames.append(frame)

    gen = parser()
    next(gen)
    for chunk in chunks:
        reader.feed_data(chunk)
        next(gen)
    return frames


def parse_websockets_protocol(chunks: list[bytes]) -> list:
    """The whole sans-I/O server of websockets, already OPEN: frames plus fragmentation state."""
    protocol = ServerProtocol(state=OPEN, max_size=None)
    frames: list = []
    for chunk in chunks:
        protocol.receive_data(chunk)
        frames += protocol.events_received()
    return frames


def parse_wsproto(chunks: list[bytes]) -> list:
    """wsproto's frame layer. It hands out the part of a frame received so far (and decodes
    text to str as it goes), so a frame split across chunks comes out in pieces: count the
    pieces that finish a frame."""
    protocol = FrameProtocol(client=False, extensions=[])
    frames: list = []
    for chunk in chunks:
        protocol.receive_bytes(chunk)
        frames += [f for f in protocol.received_frames() if f.frame_finished]
    return frames


def messages_wslib(chunks: list[bytes]) -> list:
    """wslib's sans-I/O server Connection: frames in, complete messages out, text as ``str``
    (UTF-8 checked), exactly what an application's ``recv()`` gets."""
    conn = Connection("server", max_message_size=None)
    messages: list = []
    for chunk in chunks:
        messages += conn.receive_data(chunk)
    return messages


def messages_wslib_python(chunks: list[bytes]) -> list:
    """The same Connection with the reader's fast path in Python alone: what runs where the C
    extension was not built (wslib._speedups.scan_frames switched off for the call)."""
    saved = reader_module._scan_frames
    reader_module._scan_frames = None
    try:
        return messages_wslib(chunks)
    finally:
        reader_module._scan_frames = saved


def messages_websockets(chunks: list[bytes]) -> list:
    """websockets' sans-I/O ServerProtocol, then the UTF-8 decoding its asyncio layer does for a
    text frame (websockets 17 validates UTF-8 there, not in the protocol): the same output."""
    protocol = ServerProtocol(state=OPEN, max_size=None)
    messages: list = []
    for chunk in chunks:
        protocol.receive_data(chunk)
        messages += [frame.data.decode() for frame in protocol.events_received()]
    return messages


def messages_wsproto(chunks: list[bytes]) -> list:
    """wsproto's frame layer decodes text as it goes; count the pieces that finish a message."""
    protocol = FrameProtocol(client=False, extensions=[])
    messages: list = []
    for chunk in chunks:
        protocol.receive_bytes(chunk)
        messages += [f for f in protocol.received_frames() if f.message_finished]
    return messages


MESSAGE_PARSERS = {
    "wslib Connection": messages_wslib,
    "websockets ServerProtocol + decode": messages_websockets,
    "wsproto FrameProtocol": messages_wsproto,
    "wslib Connection, no C reader": messages_wslib_python,
}


def bench_messages() -> dict[int, float]:
    """Print one row per payload size: complete text messages per second, delivered as str with
    UTF-8 checked; return {size: wslib / websockets}."""
    names = list(MESSAGE_PARSERS)
    print("| payload | messages | " + " | ".join(f"{n} (msg/s)" for n in names)
          + " | wslib / websockets | no C reader / websockets |")
    print("|---:|---:|" + "---:|" * (len(names) + 2), flush=True)
    ratios = {}
    for size, count in PARSE_CASES.items():
        chunks, first = client_stream(size, count)
        for name, parse in MESSAGE_PARSERS.items():
            out = parse(chunks)  # check that it delivers everything before timing it
            assert len(out) == count, (name, len(out))
            if not name.startswith("wsproto"):
                text = out[0] if isinstance(out[0], str) else out[0].data
                assert text == first.decode(), name
        rates, times = measure_rates(MESSAGE_PARSERS, chunks, count)
        ratios[size] = median_ratio(times, names[0], names[1])
        python_only = median_ratio(times, "wslib Connection, no C reader", names[1])
        print(f"| {fmt_size(size)} | {count} | " + " | ".join(fmt_rate(rates[n]) for n in names)
              + f" | **{ratios[size]:.2f}x** | {python_only:.2f}x |", flush=True)
    return ratios


PARSERS = {
    "wslib FrameReader": parse_wslib,
    "websockets Frame.parse": parse_websockets_frames,
    "websockets ServerProtocol": parse_websockets_protocol,
    "wslib Connection": messages_wslib,  # the same Connection as in the message table
    "wsproto FrameProtocol": parse_wsproto,
}


def bench_parsing() -> dict[int, float]:
    """Print one table row per payload size; return {size: wslib msg/s / Frame.parse msg/s}."""
    names = list(PARSERS)
    print("| payload | frames | " + " | ".join(f"{n} (msg/s)" for n in names)
          + " | wslib / Frame.parse | wslib / ServerProtocol | Connection / ServerProtocol |")
    print("|---:|---:|" + "---:|" * (len(names) + 3), flush=True)
    ratios = {}
    for size, count in PARSE_CASES.items():
        chunks, first = client_stream(size, count)
        for name, parse in PARSERS.items():
            frames = parse(chunks)  # check that it parses everything before timing it
            assert len(frames) == count, (name, len(frames))
            if name.startswith("wsproto"):
                assert frames[0].payload == first.decode() or size >= CHUNK, name
            else:
                got = getattr(frames[0], "data", None) or frames[0].payload
                got = got.encode() if isinstance(got, str) else bytes(got)
                assert got == first, name
        rates, times = measure_rates(PARSERS, chunks, count)
        ratios[size] = median_ratio(times, names[0], names[1])
        print(f"| {fmt_size(size)} | {count} | " + " | ".join(fmt_rate(rates[n]) for n in names)
              + f" | **{ratios[size]:.2f}x** | {median_ratio(times, names[0], names[2]):.2f}x"
              f" | {median_ratio(times, 'wslib Connection', names[2]):.2f}x |", flush=True)
    return ratios


def bench_long_message_profile() -> None:
    """Where the time goes for one 64 KiB text message arriving in 4 KiB reads: the whole path,
    and the C-level steps it is made of, each timed alone on the same bytes (turns taken, as
    above). What the steps do not add up to is Python's own work per read."""
    size = 65536
    chunks, _ = client_stream(size, 100)
    key = b"\x37\xfa\x21\x3d"
    pieces = chunks[1:17]  # 16 reads' worth of 4 KiB
    payload = b"a" * size
    persistent = bytearray()

    def grow_and_slice() -> bytearray:  # what a growing receive buffer does with the same bytes
        for piece in pieces:
            persistent.extend(piece)
        out = persistent[:size]
        del persistent[:size]
        return out

    per_message = {
        "wslib Connection: the whole path to str": lambda: messages_wslib(chunks),
        "wslib FrameReader: the whole path to bytes": lambda: parse_wslib(chunks),
        "websockets ServerProtocol + decode: to str": lambda: messages_websockets(chunks),
        "websockets Frame.parse: to bytes": lambda: parse_websockets_frames(chunks),
    }
    steps = {  # x100: the same number of messages as the whole paths above
        "unmask 16 pieces of 4 KiB (wslib)": lambda: [mask(p, key) for p in pieces * 100],
        "join the 16 pieces into 64 KiB (wslib)": lambda: [b"".join(pieces) for _ in range(100)],
        "isascii() of 16 pieces (wslib's UTF-8 check)": lambda: [p.isascii() for p in pieces * 100],
        "grow a buffer by 16 x 4 KiB, slice 64 KiB out (websockets)":
            lambda: [grow_and_slice() for _ in range(100)],
        "unmask 64 KiB in one call (websockets)": lambda: [mask(payload, key) for _ in range(100)],
        "decode 64 KiB of ASCII (both)": lambda: [payload.decode() for _ in range(100)],
    }
    medians, _ = measure({**per_message, **steps})
    print("| step | µs per 64 KiB message |")
    print("|---|---:|")
    for name in (*per_message, *steps):
        print(f"| {name} | {medians[name] / 100 * 1e6:.1f} |")
    print(flush=True)


def main() -> dict[str, float]:
    """Run both benchmarks, print markdown tables and the verdict on the targets."""
    start = time.perf_counter()
    print(f"Machine: {machine()}\n")
    print(f"Masking: time per call and throughput, median of {REPEATS}\n")
    masking = bench_masking()
    print(f"\nParsing masked client text frames fed in {CHUNK}-byte chunks: messages per second, "
          f"median of {REPEATS}\n")
    parsing = bench_parsing()
    print(f"\nComplete text messages (str, UTF-8 checked) from the same streams: messages per "
          f"second, median of {REPEATS}\n")
    messages = bench_messages()
    print(f"\nWhere the time goes for a 64 KiB text message in {CHUNK}-byte reads, median of "
          f"{REPEATS}\n")
    bench_long_message_profile()
    verdicts = [
        ("messages >= 1.5x websockets (16 B, 125 B, 1 KiB)",
         {s: r for s, r in messages.items() if s <= 1024}, 1.5),
        ("messages >= 1.0x websockets (64 KiB)", {s: r for s, r in messages.items() if s > 1024},
         1.0),
        ("parsing >= 1.5x websockets (frames up to 1 KiB)",
         {s: r for s, r in parsing.items() if s <= 1024}, 1.5),
        ("masking >= 0.8x websockets' C speedups (4 KiB and above)",
         {s: r for s, r in masking.items() if s >= 4096}, 0.8),
    ]
    for label, ratios, target in verdicts:
        missed = [fmt_size(s) for s, r in ratios.items() if r < target]
        status = "met" if not missed else f"MISSED at {', '.join(missed)}"
        print(f"- target {label}: {status}")
    print(f"\n(bench_core: {time.perf_counter() - start:.0f} s)", flush=True)
    summary = {f"parse_ratio_{s}": r for s, r in parsing.items()}
    summary.update({f"message_ratio_{s}": r for s, r in messages.items()})
    summary.update({f"mask_ratio_{s}": r for s, r in masking.items()})
    return summary


if __name__ == "__main__":
    main()
