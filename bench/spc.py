"""Timings for the SPC engine (app.qi): analyse(), run_chart() and describe().

    python bench/spc.py            # from the repository root

For 100, 1,000 and 10,000 points it runs each call many times with time.perf_counter and
prints the best and the median time per call over several rounds. The data are a weekly
measure with one-decimal values, a change of level two-thirds of the way along, a ghosted
point and a target, so every rule and the assurance are exercised. The target for analyse()
on 1,000 points is well under 10 ms.
"""

import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.qi import analyse, describe, run_chart  # noqa: E402

SIZES = (100, 1_000, 10_000)
ROUNDS = 7
BUDGET_SECONDS = 0.4  # per round: enough repeats to make a round take about this long


def measure_values(n: int, seed: int = 2026) -> list[float]:
    rng = random.Random(seed)
    change = (2 * n) // 3
    return [round(rng.gauss(30 if i < change else 24, 2.5), 1) for i in range(n)]


def per_call(fn: Callable[[], object]) -> tuple[float, float, int]:
    """(best, median) seconds per call over ROUNDS rounds, and the repeats in each round."""
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-6)
    repeats = max(5, int(BUDGET_SECONDS / once))
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        times.append((time.perf_counter() - start) / repeats)
    return min(times), statistics.median(times), repeats


def cases_for(n: int) -> list[tuple[str, Callable[[], object]]]:
    values = measure_values(n)
    result = analyse(values, direction="down", target=26)
    return [
        ("analyse (direction down, target)", partial(analyse, values, direction="down", target=26)),
        (
            "analyse (+ ghosted, recalculation, baseline)",
            partial(
                analyse,
                values,
                direction="down",
                target=26,
                ghosted=[n // 2],
                recalculate_at=[(2 * n) // 3],
                baseline_points=12,
            ),
        ),
        ("run_chart (IHI rules)", partial(run_chart, values, direction="down")),
        ("describe (words for an analysis)", partial(describe, result, direction="down")),
        ("as_dict (JSON-ready data)", result.as_dict),
    ]


def main() -> None:
    print(f"Python {sys.version.split()[0]}; {ROUNDS} rounds of repeated calls per case")
    print(f"{'case':<44} {'points':>7} {'best ms':>9} {'median ms':>10} {'repeats':>8}")
    for n in SIZES:
        for name, fn in cases_for(n):
            best, median, repeats = per_call(fn)
            print(f"{name:<44} {n:>7,} {best * 1000:>9.3f} {median * 1000:>10.3f} {repeats:>8,}")


if __name__ == "__main__":
    main()
