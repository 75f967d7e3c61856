"""Run every benchmark: ``python -m benchmarks`` (or ``make bench``) from the repository root.

Each ``benchmarks/bench_*.py`` module with a ``main()`` function is run in name order, so a new
benchmark only needs a new file. ``python -m benchmarks core`` runs only ``bench_core.py``.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path


def discover() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(p.stem for p in here.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    names = discover()
    if argv:
        wanted = {a if a.startswith("bench_") else f"bench_{a}" for a in argv}
        unknown = wanted - set(names)
        if unknown:
            print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; have: {', '.join(names)}")
            return 2
        names = [n for n in names if n in wanted]
    start = time.perf_counter()
    for name in names:
        module = importlib.import_module(f"{__package__ or 'benchmarks'}.{name}")
        run = getattr(module, "main", None)
        if run is None:
            continue
        print(f"\n# {name}\n", flush=True)
        run()
    print(f"\n(all benchmarks: {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
