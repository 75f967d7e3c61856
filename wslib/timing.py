"""Timing small functions fairly: the method of ``benchmarks/`` and of the lessons' speed plots.

A single timing on a shared machine says little: other processes, the CPU's clock and the
caches move it. Two habits make comparisons meaningful, and both are here:

* each measurement repeats the call until it lasts at least ``min_time`` seconds (so the
  clock's resolution and the cost of the loop do not count), and the median of ``repeats``
  measurements is reported (one slow moment does not move it);
* the contenders **take turns** inside each round, so that a change in the machine's load
  affects all of them alike instead of favouring whoever ran in the quiet moment.

Compare ratios measured in one run, not absolute numbers between runs or machines.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable

__all__ = ["calibrate", "rounds", "median_times", "median_ratio"]


def calibrate(fn: Callable[[], object], min_time: float = 0.03) -> int:
    """How many calls of ``fn`` make one measurement last at least ``min_time`` seconds."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return number
        number = max(number * 2, int(number * min_time / max(elapsed, 1e-9) * 1.2))


def rounds(fns: dict[str, Callable[[], object]], *, repeats: int = 7,
           min_time: float = 0.03) -> dict[str, list[float]]:
    """Seconds per call of each function in each of ``repeats`` rounds, in which the functions
    take turns (each measurement at least ``min_time`` seconds long)."""
    numbers = {name: calibrate(fn, min_time) for name, fn in fns.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            number = numbers[name]
            start = time.perf_counter()
            for _ in range(number):
                fn()
            times[name].append((time.perf_counter() - start) / number)
    return times


def median_times(fns: dict[str, Callable[[], object]], *, repeats: int = 7,
                 min_time: float = 0.03) -> dict[str, float]:
    """Median seconds per call of each function, over ``repeats`` rounds in which the
    functions take turns."""
    times = rounds(fns, repeats=repeats, min_time=min_time)
    return {name: statistics.median(t) for name, t in times.items()}


def median_ratio(times: dict[str, list[float]], fast: str, slow: str) -> float:
    """How many times faster ``fast`` ran than ``slow``: the median over the rounds of their
    ratio in each round. The two ran one after the other in every round, so a change in the
    machine's load between rounds cancels out, which a ratio of two medians does not do."""
    return statistics.median(s / f for f, s in zip(times[fast], times[slow]))
