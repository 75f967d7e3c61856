"""wslib.timing, the method of benchmarks/ and of lesson 04's speed plot. What is checked here is
the method (who runs when, how often), never a speed: timings are not asserted."""

from __future__ import annotations

from wslib.timing import calibrate, median_ratio, median_times


def test_calibrate_with_no_minimum_is_one_call():
    calls = []
    assert calibrate(lambda: calls.append(1), min_time=0) == 1
    assert calls == [1]


def test_contenders_take_turns_in_every_round():
    order: list[str] = []
    fns = {name: (lambda name=name: order.append(name)) for name in ("a", "b", "c")}
    result = median_times(fns, repeats=4, min_time=0)
    assert sorted(result) == ["a", "b", "c"]
    assert all(isinstance(t, float) and t >= 0 for t in result.values())
    # Three calibration calls (one each), then four rounds of a, b, c in turn.
    assert order == ["a", "b", "c"] + ["a", "b", "c"] * 4



def test_median_ratio_is_taken_round_by_round():
    # Round 2 ran while the machine was slow: both contenders slowed down alike.
    times = {"ours": [1.0, 10.0, 1.0], "theirs": [2.0, 20.0, 2.0]}
    assert median_ratio(times, "ours", "theirs") == 2.0
    times = {"ours": [1.0, 1.0, 4.0], "theirs": [3.0, 2.0, 4.0]}
    assert median_ratio(times, "ours", "theirs") == 2.0  # the ratios are 3, 2, 1
