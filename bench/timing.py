"""What the benches share besides their database: percentiles and waiting for a process."""

import random
import statistics
import time


def percentile(samples: list[float], pct: int) -> float:
    if len(samples) < 2:  # one sample is every percentile of itself
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[pct - 1]


def ratio_interval(
    numerators: list[float],
    denominators: list[float],
    pct: int = 95,
    *,
    level: float = 0.9,
    rounds: int = 1000,
    seed: int = 2026,
) -> tuple[float, float]:
    """How far the ratio of the two samples' ``pct`` percentiles could move with the luck of
    the draw alone: the central ``level`` of that ratio over ``rounds`` bootstrap resamples
    (each sample drawn again with replacement, to its own size). A p95 of 200 calls rests on
    its ten slowest; this says how much one run's ratio can be trusted, not how the machine's
    speed moves between runs."""
    draw = random.Random(seed)
    ratios = sorted(
        percentile(draw.choices(numerators, k=len(numerators)), pct)
        / percentile(draw.choices(denominators, k=len(denominators)), pct)
        for _ in range(rounds)
    )
    tail = (1 - level) / 2
    return ratios[int(tail * (rounds - 1))], ratios[int((1 - tail) * (rounds - 1))]


def median_interval(
    samples: list[float], *, level: float = 0.9, rounds: int = 2000, seed: int = 2026
) -> tuple[float, float]:
    """How far the median of ``samples`` could move with the luck of the draw alone: the
    central ``level`` of it over ``rounds`` bootstrap resamples. For paired differences
    (``accept_paired.py``), an interval that holds no zero is a change the run measured."""
    draw = random.Random(seed)
    medians = sorted(
        statistics.median(draw.choices(samples, k=len(samples))) for _ in range(rounds)
    )
    tail = (1 - level) / 2
    return medians[int(tail * (rounds - 1))], medians[int((1 - tail) * (rounds - 1))]


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.2):
    """Call ``predicate`` until it returns something true (returned), or raise after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
