"""Run charts: the IHI rules (Perla, Provost & Murray 2011) and, as an alternative, Anhøj's.

Pure functions: no I/O, no database, nothing from the rest of ``app``. Used for measures with
the ``run_chart`` rule set and for any measure with fewer points than an XmR chart needs.

IHI rules (``run_chart``)
-------------------------
The centre line is the median of the non-ghosted points. Points on the median are not "useful
observations": they neither add to nor break a run.

* **Shift**: 6 or more useful points in a row on the same side of the median.
* **Trend**: 5 or more points in a row all going up or all going down; equal consecutive values
  count once (they neither add to nor break the trend, and are flagged with it).
* **Runs**: a run is a series of useful points on one side of the median; the number of runs
  (crossings + 1) is compared with the Swed–Eisenhart table as published for run charts
  (``RUNS_TABLE``, 10 to 60 useful observations): fewer than the lower limit is "too few runs",
  more than the upper limit "too many". Below 10 useful observations the rule is not applied
  (``None``); above 60 the limits come from the normal approximation to the Swed–Eisenhart
  distribution (mean ``1 + 2·a·b/n``, 95% two-sided, with ``a`` and ``b`` the points above and
  below the median), rounded inwards to whole runs.
* **Astronomical point**: a judgement for the people reading the chart; not computed.

Each shift and trend is improvement, concern or neither by the measure's direction; when a
point has both (a rising trend below the median), the trend wins and a tie goes to ``tie``, as
in ``app.qi.spc``. Too few or too many runs is a signal about the whole chart, not a point.

Anhøj rules (``anhoej``)
------------------------
Anhøj & Olesen (2014), PLoS ONE 9(11): e113825: an unusually long run (longest run of useful
points on one side > ``round(log2 n) + 3``) or unusually few crossings of the median (fewer
than the 5th percentile of Binomial(n − 1, 0.5)), with n the useful observations.

References: R. J. Perla, L. P. Provost, S. K. Murray, "The run chart: a simple analytical tool
for learning from variation in healthcare processes", BMJ Qual Saf 2011;20:46–51; F. S. Swed,
C. Eisenhart, Ann. Math. Statist. 1943;14:66–87; J. Anhøj, A. V. Olesen 2014 (above).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from app.qi.spc import (
    ChartPoint,
    Direction,
    Rule,
    Side,
    Tie,
    decide,
    plain,
    scaled_integers,
)

#: The rule-set name of a measure analysed with ``run_chart``.
RUN_CHART_RULE_SET = "run_chart"

#: Useful observations (points not on the median) -> (lower, upper) limits for the number of
#: runs: fewer runs than ``lower`` are too few, more than ``upper`` too many (Perla, Provost &
#: Murray 2011, Table 1, after Swed & Eisenhart 1943).
RUNS_TABLE: dict[int, tuple[int, int]] = {
    10: (3, 9),
    11: (3, 10),
    12: (3, 11),
    13: (4, 11),
    14: (4, 12),
    15: (5, 12),
    16: (5, 13),
    17: (5, 13),
    18: (6, 14),
    19: (6, 15),
    20: (6, 16),
    21: (7, 16),
    22: (7, 17),
    23: (7, 17),
    24: (8, 18),
    25: (8, 18),
    26: (9, 19),
    27: (10, 19),
    28: (10, 20),
    29: (10, 20),
    30: (11, 21),
    31: (11, 22),
    32: (11, 23),
    33: (12, 23),
    34: (12, 24),
    35: (13, 24),
    36: (13, 25),
    37: (13, 25),
    38: (14, 26),
    39: (14, 26),
    40: (15, 27),
    41: (16, 27),
    42: (16, 28),
    43: (17, 28),
    44: (17, 29),
    45: (17, 30),
    46: (17, 31),
    47: (18, 31),
    48: (18, 32),
    49: (19, 32),
    50: (19, 33),
    51: (20, 33),
    52: (20, 34),
    53: (21, 34),
    54: (21, 35),
    55: (22, 35),
    56: (22, 36),
    57: (23, 36),
    58: (23, 37),
    59: (24, 38),
    60: (24, 38),
}
RUNS_TABLE_MIN = min(RUNS_TABLE)
RUNS_TABLE_MAX = max(RUNS_TABLE)

_SHIFT, _TREND = 1, 2  # a higher bit wins a conflict
_RULES_OF_MASK: tuple[tuple[Rule, ...], ...] = (
    (),
    (Rule.SHIFT,),
    (Rule.TREND,),
    (Rule.SHIFT, Rule.TREND),
)


@dataclass(slots=True)
class RunChartPoint(ChartPoint):
    """One row (treat as read-only: not frozen only because that is slower).

    ``median_side`` is the point's side of the median (``None`` on the median or ghosted);
    ``on_median`` points are not useful observations. The other fields are as for
    ``app.qi.spc.Point`` (``special_cause`` is ``None`` with no signal or when ghosted).
    """

    on_median: bool
    median_side: Side | None


@dataclass(frozen=True, slots=True)
class RunChartResult:
    """A run chart. ``too_few_runs`` / ``too_many_runs`` and the runs limits are ``None`` when
    there are too few useful observations for the runs rule."""

    points: list[RunChartPoint]
    median: float | None
    direction: Direction
    n_points: int
    useful_observations: int
    runs: int
    runs_lower_limit: int | None
    runs_upper_limit: int | None
    too_few_runs: bool | None
    too_many_runs: bool | None
    shift: bool
    trend: bool
    shift_length: int
    trend_length: int
    tie: Tie

    @property
    def signals(self) -> list[str]:
        """The signals the chart shows: "shift", "trend", "too_few_runs", "too_many_runs"."""
        return [
            name
            for name, present in (
                ("shift", self.shift),
                ("trend", self.trend),
                ("too_few_runs", self.too_few_runs),
                ("too_many_runs", self.too_many_runs),
            )
            if present
        ]

    @property
    def last_point(self) -> RunChartPoint | None:
        for point in reversed(self.points):
            if not point.ghosted:
                return point
        return None

    def as_dict(self) -> dict[str, Any]:
        return {"chart": "run", **plain(self), "signals": self.signals}


def runs_limits(
    useful: int, above: int | None = None, below: int | None = None
) -> tuple[int, int] | None:
    """``(lower, upper)`` limits for the number of runs with ``useful`` useful observations.

    From ``RUNS_TABLE`` for 10 to 60; ``None`` below 10; above 60 the normal approximation with
    ``above`` and ``below`` points on each side (an even split when not given).
    """
    if useful < RUNS_TABLE_MIN:
        return None
    if useful <= RUNS_TABLE_MAX:
        return RUNS_TABLE[useful]
    if above is None or below is None:
        above = useful // 2
        below = useful - above
    if above == 0 or below == 0:
        # Every useful point on one side: one run, far too few whatever the limits.
        return (2, useful)
    product = 2 * above * below
    mean = 1 + product / useful
    sd = math.sqrt(product * (product - useful) / (useful * useful * (useful - 1)))
    return (math.ceil(mean - 1.96 * sd), math.floor(mean + 1.96 * sd))


def _validated(
    values: Iterable[float], dates: Sequence[object] | None, ghosted: Iterable[int]
) -> tuple[list[float], list[object] | None, set[int]]:
    vals = list(values)
    n = len(vals)
    out_dates = None
    if dates is not None:
        out_dates = list(dates)
        if len(out_dates) != n:
            raise ValueError(f"dates has {len(out_dates)} items for {n} values")
    ghost = set()
    for row in ghosted:
        if isinstance(row, bool) or not isinstance(row, int) or not 0 <= row < n:
            raise ValueError(f"ghosted must hold row indexes from 0 to {n - 1}, got {row!r}")
        ghost.add(row)
    return vals, out_dates, ghost


def _doubled_median(xs: list[int]) -> int:
    """Twice the median of integers, so that comparisons with it stay exact."""
    ordered = sorted(xs)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return 2 * ordered[mid]
    return ordered[mid - 1] + ordered[mid]


def run_chart(
    values: Sequence[float] | Iterable[float],
    *,
    dates: Sequence[object] | None = None,
    direction: Direction | str,
    ghosted: Iterable[int] = (),
    shift_length: int = 6,
    trend_length: int = 5,
    tie: Tie | str = Tie.IMPROVEMENT,
) -> RunChartResult:
    """Analyse ``values`` (time order) as a run chart with the IHI rules (see the module)."""
    vals, out_dates, ghost = _validated(values, dates, ghosted)
    direction = Direction(direction)
    tie = Tie(tie)
    for name, length in (("shift_length", shift_length), ("trend_length", trend_length)):
        if isinstance(length, bool) or not isinstance(length, int) or length < 2:
            raise ValueError(f"{name} must be an integer of at least 2, got {length!r}")
    n = len(vals)
    xs, scale = scaled_integers(vals)
    live = [i for i in range(n) if i not in ghost]

    high = [0] * n
    low = [0] * n
    side_of = [0] * n
    median: float | None = None
    runs = 0
    above = below = 0
    if live:
        m2 = _doubled_median([xs[i] for i in live])
        median = m2 / (2 * scale)
        for i in live:
            side_of[i] = (2 * xs[i] > m2) - (2 * xs[i] < m2)
        useful = [i for i in live if side_of[i]]
        above = sum(1 for i in useful if side_of[i] > 0)
        below = len(useful) - above
        # Shift: a run of useful points on one side (median points are skipped, not breaks).
        start = 0
        for k in range(1, len(useful) + 1):
            if k == len(useful) or side_of[useful[k]] != side_of[useful[start]]:
                runs += 1
                if k - start >= shift_length:
                    flags = high if side_of[useful[start]] > 0 else low
                    for j in range(start, k):
                        flags[useful[j]] |= _SHIFT
                start = k
        # Trend: equal consecutive values count once, so group them and look for runs of
        # strictly rising (or falling) groups.
        groups: list[list[int]] = []
        for i in live:
            if groups and xs[groups[-1][0]] == xs[i]:
                groups[-1].append(i)
            else:
                groups.append([i])
        steps = [
            (xs[b[0]] > xs[a[0]]) - (xs[b[0]] < xs[a[0]])
            for a, b in zip(groups, groups[1:], strict=False)
        ]
        start = 0
        for k in range(1, len(steps) + 1):
            if k == len(steps) or steps[k] != steps[start]:
                if k - start + 1 >= trend_length:
                    flags = high if steps[start] > 0 else low
                    for group in groups[start : k + 1]:
                        for i in group:
                            flags[i] |= _TREND
                start = k
    useful_count = above + below

    limits = runs_limits(useful_count, above, below)
    too_few = too_many = None
    if limits is not None:
        too_few, too_many = runs < limits[0], runs > limits[1]

    points = []
    for i in range(n):
        hi, lo = high[i], low[i]
        cause, rules, side, conflict = decide(hi, lo, direction, tie, _RULES_OF_MASK)
        points.append(
            RunChartPoint(
                index=i,
                value=float(vals[i]),
                date=None if out_dates is None else out_dates[i],
                ghosted=i in ghost,
                on_median=i not in ghost and side_of[i] == 0,
                median_side=(Side.HIGH, None, Side.LOW)[1 - side_of[i]],
                special_cause=cause,
                rules=rules,
                side=side,
                conflict=conflict,
            )
        )

    return RunChartResult(
        points=points,
        median=median,
        direction=direction,
        n_points=len(live),
        useful_observations=useful_count,
        runs=runs,
        runs_lower_limit=None if limits is None else limits[0],
        runs_upper_limit=None if limits is None else limits[1],
        too_few_runs=too_few,
        too_many_runs=too_many,
        shift=any(h & _SHIFT for h in high) or any(lo & _SHIFT for lo in low),
        trend=any(h & _TREND for h in high) or any(lo & _TREND for lo in low),
        shift_length=shift_length,
        trend_length=trend_length,
        tie=tie,
    )


@dataclass(frozen=True, slots=True)
class AnhoejResult:
    """Anhøj's run chart rules. Limits are ``None`` with no useful observations."""

    median: float | None
    useful_observations: int
    longest_run: int
    longest_run_limit: int | None
    crossings: int
    crossings_limit: int | None
    unusually_long_run: bool
    unusually_few_crossings: bool

    @property
    def signal(self) -> bool:
        return self.unusually_long_run or self.unusually_few_crossings

    def as_dict(self) -> dict[str, Any]:
        return {
            "chart": "run_anhoej",
            "median": self.median,
            "useful_observations": self.useful_observations,
            "longest_run": self.longest_run,
            "longest_run_limit": self.longest_run_limit,
            "crossings": self.crossings,
            "crossings_limit": self.crossings_limit,
            "unusually_long_run": self.unusually_long_run,
            "unusually_few_crossings": self.unusually_few_crossings,
            "signal": self.signal,
        }


def binomial_quantile(p: float, trials: int) -> int:
    """The smallest k with P(X <= k) >= p for X ~ Binomial(trials, 1/2) (R's ``qbinom``).

    Exact: the cumulative counts are compared with ``p · 2**trials`` as integers/fractions.
    """
    threshold = Fraction(p) * 2**trials
    cumulative = 0
    for k in range(trials + 1):
        cumulative += math.comb(trials, k)
        if cumulative >= threshold:
            return k
    return trials


def anhoej(
    values: Sequence[float] | Iterable[float],
    *,
    ghosted: Iterable[int] = (),
) -> AnhoejResult:
    """Anhøj's rules for a run chart of ``values`` (median of the non-ghosted points)."""
    vals, _, ghost = _validated(values, None, ghosted)
    xs, scale = scaled_integers(vals)
    live = [xs[i] for i in range(len(vals)) if i not in ghost]
    if not live:
        return AnhoejResult(None, 0, 0, None, 0, None, False, False)
    m2 = _doubled_median(live)
    sides = [s for s in ((2 * x > m2) - (2 * x < m2) for x in live) if s]
    useful = len(sides)
    longest = run = 0
    crossings = 0
    for k, s in enumerate(sides):
        if k and s != sides[k - 1]:
            crossings += 1
            run = 0
        run += 1
        longest = max(longest, run)
    if not useful:
        return AnhoejResult(m2 / (2 * scale), 0, 0, None, 0, None, False, False)
    run_limit = round(math.log2(useful) + 3)
    crossing_limit = binomial_quantile(0.05, useful - 1)
    return AnhoejResult(
        median=m2 / (2 * scale),
        useful_observations=useful,
        longest_run=longest,
        longest_run_limit=run_limit,
        crossings=crossings,
        crossings_limit=crossing_limit,
        unusually_long_run=longest > run_limit,
        unusually_few_crossings=crossings < crossing_limit,
    )
