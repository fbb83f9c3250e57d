"""What the benches share besides their database: percentiles and waiting for a process."""

import statistics
import time


def percentile(samples: list[float], pct: int) -> float:
    if len(samples) < 2:  # one sample is every percentile of itself
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[pct - 1]


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
