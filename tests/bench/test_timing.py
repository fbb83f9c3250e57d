"""The benches' shared timing helpers (bench/timing.py): what a run's figures rest on."""

import random
import statistics

from bench.timing import median_interval, percentile, ratio_interval


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


def test_a_median_interval_surrounds_the_median_and_narrows_with_more_samples():
    few, many = _samples(100, 10.0, 7), _samples(2500, 10.0, 8)
    low, high = median_interval(few)

    assert low < statistics.median(few) < high
    assert median_interval([-0.4] * 30) == (-0.4, -0.4)
    many_low, many_high = median_interval(many)
    assert many_high - many_low < (high - low) / 2


def test_a_shift_the_samples_share_leaves_zero_outside_the_interval():
    draw = random.Random(9)
    differences = [draw.gauss(-0.37, 0.8) for _ in range(400)]

    low, high = median_interval(differences)

    assert high < 0 and low > -0.6
