"""The benches' shared timing helpers (bench/timing.py): what a run's figures rest on."""

import random

from bench.timing import percentile, ratio_interval


def _samples(count: int, median: float, seed: int) -> list[float]:
    draw = random.Random(seed)
    return [draw.lognormvariate(0, 0.3) * median for _ in range(count)]


def test_interval_surrounds_the_runs_own_ratio():
    accepts, inserts = _samples(200, 14.0, 1), _samples(2000, 4.5, 2)
    ratio = percentile(accepts, 95) / percentile(inserts, 95)

    low, high = ratio_interval(accepts, inserts)

    assert low < ratio < high
    assert high - low > 0.1  # 200 calls do not pin a p95 down


def test_samples_without_spread_give_the_exact_ratio():
    assert ratio_interval([12.0] * 50, [4.0] * 500) == (3.0, 3.0)


def test_more_calls_narrow_the_interval():
    def width(count: int) -> float:
        low, high = ratio_interval(_samples(count, 14.0, 3), _samples(count * 10, 4.5, 4))
        return high - low

    assert width(2000) < width(200) / 2


def test_the_same_run_gives_the_same_interval():
    accepts, inserts = _samples(200, 14.0, 5), _samples(2000, 4.5, 6)

    assert ratio_interval(accepts, inserts) == ratio_interval(accepts, inserts)
