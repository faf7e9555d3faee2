"""The XmR (individuals and moving range) chart of NHS England's "Making Data Count" (MDC).

Pure functions: no I/O, no database, nothing from the rest of ``app``.

Method (the ``mdc_2024`` rule set; DOMAIN.md section 6)
--------------------------------------------------------
* A chart is cut into *segments* by recalculation points and, optionally, a frozen baseline.
  Within a segment the centre line is the mean of its non-ghosted points and the moving ranges
  are ``|x_i - x_(i-1)|`` between neighbouring non-ghosted points (none for a segment's first
  point). With ``mr`` the mean moving range: process limits ``mean ± 2.66 mr``, two-sigma lines
  ``mean ± (2/3)·2.66 mr``, one-sigma lines ``mean ± (1/3)·2.66 mr``; the moving-range chart has
  centre ``mr`` and upper limit ``3.267 mr``. (2.66 = 3 / 1.128, the d2 constant for n = 2.)
* Special-cause rules: a single point strictly beyond a process limit; a *shift* of
  ``shift_length`` points in a row on one side of the mean (a point on the mean breaks it); a
  *trend* of ``trend_length`` points in a row each higher (or each lower) than the one before
  (equal neighbours break it); *two of three* points in a row strictly beyond the same two-sigma
  line with all three on that side of the mean (points beyond the process limit count; only the
  points beyond the two-sigma line are flagged). Shift and two-of-three stay within a segment;
  the trend runs across segments, as in NHS England's SQL query v2.6.
* Each flagged side (high / low) means improvement or concern by the measure's direction, or
  "neither" for a measure with no preferred direction.
* Fewer than ``minimum_points`` (13) non-ghosted points over the whole chart: the means are
  given but no limits, no special causes and no icons (the page shows a run chart instead).

Arithmetic is exact. Every value (a float is read as the decimal it prints as, so ``0.1`` is
one tenth) is scaled to an integer and every comparison with a mean, a limit or a target is
made with integers, so "strictly beyond", "exactly on the mean" and "a target exactly on a
limit" mean what they say. The floats in the result are the exact values correctly rounded.

References
----------
* NHS England, Making Data Count: "SPC Charts SQL Query" v2.5/v2.6 (the reference
  implementation) and the "Checks for XmR SPC charts" against the Single Chart Tool v5.
* NHS-R Community, NHSRplotthedots (an older variant: 7-point shift and trend).
* D. J. Wheeler, *Understanding Variation* (2nd ed., 2000), for the XmR constants.

Where this module chooses between variants (documented on ``analyse``): the precedence of rules
when a point has signals of opposite meaning, the tie, moving-range screening, and a
recalculation inside a frozen baseline (ignored, as in MDC's tools).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from itertools import compress, count
from operator import ne
from typing import Any


class Direction(StrEnum):
    """Which way is better for a measure."""

    UP = "up"
    DOWN = "down"
    NEITHER = "neither"


class Rule(StrEnum):
    SINGLE_POINT = "single_point"
    SHIFT = "shift"
    TREND = "trend"
    TWO_OF_THREE = "two_of_three"


class SpecialCause(StrEnum):
    IMPROVEMENT = "improvement"
    CONCERN = "concern"
    NEITHER = "neither"


class Side(StrEnum):
    HIGH = "high"
    LOW = "low"


class Tie(StrEnum):
    """What a point shows when its strongest signals of opposite meaning are the same rule."""

    IMPROVEMENT = "improvement"
    CONCERN = "concern"


class VariationIcon(StrEnum):
    COMMON_CAUSE = "common_cause"
    IMPROVEMENT_HIGH = "improvement_high"
    IMPROVEMENT_LOW = "improvement_low"
    CONCERN_HIGH = "concern_high"
    CONCERN_LOW = "concern_low"
    NEITHER_HIGH = "neither_high"
    NEITHER_LOW = "neither_low"


class AssuranceIcon(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    HIT_OR_MISS = "hit_or_miss"


@dataclass(frozen=True, slots=True)
class RuleSet:
    shift_length: int
    trend_length: int


#: Named XmR rule sets a measure can choose (``run_chart`` measures use ``runchart.run_chart``).
RULE_SETS: dict[str, RuleSet] = {
    "mdc_2024": RuleSet(shift_length=6, trend_length=6),
    "mdc_legacy_7": RuleSet(shift_length=7, trend_length=7),
}
DEFAULT_RULE_SET = "mdc_2024"

#: Non-ghosted points needed over the whole chart before limits, special causes and icons.
MINIMUM_POINTS = 13
#: Fewest non-ghosted points a frozen baseline may have (DOMAIN.md section 6).
MINIMUM_BASELINE_POINTS = 12

# The XmR constants as exact fractions over a common denominator of 300:
# 3 sigma = 2.66 mr = 798/300 mr, 2 sigma = 532/300 mr, 1 sigma = 266/300 mr.
_DEN = 300
_THREE_SIGMA = 798
_TWO_SIGMA = 532
_ONE_SIGMA = 266
_MR_LIMIT_NUM, _MR_LIMIT_DEN = 3267, 1000  # 3.267 = D4 for n = 2

# Rule bits: a higher bit is a rule of higher precedence (trend > shift > two-of-three > single).
_SINGLE, _TWO, _SHIFT, _TREND = 1, 2, 4, 8
_LISTED_ORDER = (
    (_SINGLE, Rule.SINGLE_POINT),
    (_SHIFT, Rule.SHIFT),
    (_TREND, Rule.TREND),
    (_TWO, Rule.TWO_OF_THREE),
)
_RULES_OF_MASK: tuple[tuple[Rule, ...], ...] = tuple(
    tuple(rule for bit, rule in _LISTED_ORDER if mask & bit) for mask in range(16)
)

_ICONS = {
    (SpecialCause.IMPROVEMENT, Side.HIGH): VariationIcon.IMPROVEMENT_HIGH,
    (SpecialCause.IMPROVEMENT, Side.LOW): VariationIcon.IMPROVEMENT_LOW,
    (SpecialCause.CONCERN, Side.HIGH): VariationIcon.CONCERN_HIGH,
    (SpecialCause.CONCERN, Side.LOW): VariationIcon.CONCERN_LOW,
    (SpecialCause.NEITHER, Side.HIGH): VariationIcon.NEITHER_HIGH,
    (SpecialCause.NEITHER, Side.LOW): VariationIcon.NEITHER_LOW,
}


def date_label(value: object) -> Any:
    """A date label as JSON-ready data."""
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


_SCALARS = frozenset({int, float, bool, str, type(None)})


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def plain(value: Any) -> Any:
    """A result (or any part of one) as JSON-ready data: each dataclass field by name, enums as
    their values, dates as ISO labels, sequences as lists."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES.get(kind)
        if names is None:
            names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
        return {name: plain(getattr(value, name)) for name in names}
    return str(value)


@dataclass(frozen=True, slots=True)
class Segment:
    """Rows ``start``..``end`` (inclusive, ghosted rows included) sharing one set of limits.

    Limits are ``None`` below the chart's minimum number of points, and when the segment has no
    moving range (fewer than two non-ghosted points); ``mean`` is ``None`` only when the segment
    has no non-ghosted point at all. ``baseline`` marks a frozen baseline and
    ``carried_forward`` the segment after it, which carries the baseline's numbers.
    """

    index: int
    start: int
    end: int
    n_points: int
    mean: float | None
    ucl: float | None
    lcl: float | None
    upper_two_sigma: float | None
    lower_two_sigma: float | None
    upper_one_sigma: float | None
    lower_one_sigma: float | None
    mr_mean: float | None
    mr_ucl: float | None
    baseline: bool = False
    carried_forward: bool = False

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = plain(self)
        return data


@dataclass(slots=True)
class ChartPoint:
    """What every chart says about one row; XmR and run-chart points add their own fields."""

    index: int
    value: float
    date: object | None
    ghosted: bool
    special_cause: SpecialCause | None
    rules: tuple[Rule, ...]
    side: Side | None
    conflict: bool

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = plain(self)
        return data


@dataclass(slots=True)
class Point(ChartPoint):
    """One row of the chart (treat as read-only: not frozen only because that is slower).

    ``special_cause`` is ``None`` for a point with no special cause (common cause) and for a
    point that is not assessed (ghosted, or the chart is below the minimum). ``rules`` are the
    rules that flagged the point on the winning ``side``; ``conflict`` is true when rules also
    flagged the other side (those are not listed). ``moving_range`` is the point's moving range
    within its segment (``None`` for a segment's first non-ghosted point and ghosted points).
    """

    segment: int
    moving_range: float | None


@dataclass(frozen=True, slots=True)
class SPCResult:
    points: list[Point]
    segments: list[Segment]
    variation_icon: VariationIcon | None
    assurance_icon: AssuranceIcon | None
    direction: Direction
    target: float | None
    enough_points: bool
    n_points: int
    minimum_points: int
    shift_length: int
    trend_length: int
    tie: Tie
    screen_moving_ranges: bool
    baseline_points: int | None

    @property
    def last_point(self) -> Point | None:
        """The last non-ghosted point: the one the icons are read from."""
        for point in reversed(self.points):
            if not point.ghosted:
                return point
        return None

    @property
    def latest_segment(self) -> Segment | None:
        """The segment of the last non-ghosted point: the limits assurance is judged against."""
        last = self.last_point
        return None if last is None else self.segments[last.segment]

    def as_dict(self) -> dict[str, Any]:
        """The whole result as plain, JSON-ready data."""
        return {"chart": "xmr", **plain(self)}


# --- exact numbers -------------------------------------------------------------------------


def decimal_parts(value: object) -> tuple[int, int]:
    """``(mantissa, places)`` with ``value == mantissa / 10**places`` exactly.

    A float is read as the shortest decimal that prints as it (``repr``), so ``0.1`` is one
    tenth. Raises ``ValueError`` for NaN or infinity and ``TypeError`` for non-numbers.
    """
    if isinstance(value, bool):
        raise TypeError("a value must be a number, not a bool")
    if isinstance(value, int):
        return value, 0
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"values must be finite, got {value!r}")
        if value.is_integer() and -(2**53) < value < 2**53:
            return int(value), 0
        mantissa, _, exponent = repr(value).partition("e")
        whole, _, fraction = mantissa.partition(".")
        return int(whole + fraction), len(fraction) - int(exponent or "0")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"values must be finite, got {value!r}")
        sign, digits, power = value.as_tuple()
        assert isinstance(power, int)
        magnitude = int("".join(map(str, digits)) or "0")
        return (-magnitude if sign else magnitude), -power
    if isinstance(value, numbers.Real):
        return decimal_parts(float(value))
    raise TypeError(f"a value must be a number, got {type(value).__name__}")


def scaled_integers(numbers_: Sequence[object]) -> tuple[list[int], int]:
    """The numbers as integers over one power of ten: ``(integers, scale)``."""
    if {type(value) for value in numbers_} <= {float, int}:
        # Fast path: the fewest decimal places p at which every value v is the float nearest
        # to round(v * 10**p) / 10**p. While |v| * 10**p < 2**52 that decimal is unique, so it
        # is the one repr(v) prints: the same reading as decimal_parts, without the strings.
        try:
            for places in range(16):
                scale = 10**places
                if all(round(value * scale) / scale == value for value in numbers_):
                    fast = [round(value * scale) for value in numbers_]
                    if max(map(abs, fast), default=0) < 2**52:
                        return fast, scale
                    break
        except (OverflowError, ValueError):  # infinity, NaN or huge: the careful path says so
            pass
    parts = [decimal_parts(value) for value in numbers_]
    most = max(max((p for _, p in parts), default=0), 0)
    cache: dict[int, int] = {}
    out: list[int] = []
    for mantissa, p in parts:
        shift = most - p
        power = cache.get(shift)
        if power is None:
            power = cache[shift] = 10**shift
        out.append(mantissa * power)
    return out, 10**most


# --- segments ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Stats:
    """A segment's sums, exact: mean = total / count, mean MR = mr_total / mr_count."""

    count: int
    total: int
    mr_count: int  # moving ranges used for the process limits (after any screening)
    mr_total: int
    chart_mr_count: int  # all moving ranges (the moving-range chart)
    chart_mr_total: int

    def has_limits(self) -> bool:
        return self.count > 0 and self.mr_count > 0

    # Every threshold is for ``X = scale_factor * x`` with x a scaled value, so that comparing
    # a value with a line is one integer comparison.
    def factor(self) -> int:
        return _DEN * self.count * max(self.mr_count, 1)

    def centre(self) -> int:
        return _DEN * max(self.mr_count, 1) * self.total

    def offset(self, sigmas: int) -> int:
        return sigmas * self.count * self.mr_total


def _stats(xs: list[int], rows: list[int], screen: bool) -> _Stats:
    values = [xs[i] for i in rows]
    ranges = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    chart_count, chart_total = len(ranges), sum(ranges)
    count, total = chart_count, chart_total
    if screen and chart_count:
        # Leave out moving ranges above the moving-range chart's upper limit (3.267 mr).
        kept = [r for r in ranges if r * _MR_LIMIT_DEN * chart_count <= _MR_LIMIT_NUM * chart_total]
        count, total = len(kept), sum(kept)
    return _Stats(len(values), sum(values), count, total, chart_count, chart_total)


def _segment_bounds(
    n: int, live: list[int], recalculate_at: Iterable[int], baseline_points: int | None
) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` for each segment; kind is "own", "baseline" or "carried"."""
    if n == 0:
        return []
    starts = sorted({i for i in recalculate_at if i != 0})
    if baseline_points is not None and live:
        baseline_end = live[min(baseline_points, len(live)) - 1]
        # A recalculation inside the baseline is ignored (MDC: "only the baseline is
        # implemented"); one on the row after it replaces the carried-forward segment.
        later = [i for i in starts if i > baseline_end]
        bounds = [(0, baseline_end, "baseline")]
        if baseline_end + 1 < n:
            carried = not later or later[0] != baseline_end + 1
            edges = [baseline_end + 1, *[i for i in later if i != baseline_end + 1], n]
            bounds += [
                (a, b - 1, "carried" if k == 0 and carried else "own")
                for k, (a, b) in enumerate(zip(edges, edges[1:], strict=False))
            ]
        return bounds
    edges = [0, *starts, n]
    return [(a, b - 1, "own") for a, b in zip(edges, edges[1:], strict=False)]


# --- the analysis --------------------------------------------------------------------------


def _check_length(name: str, length: int) -> int:
    if isinstance(length, bool) or not isinstance(length, int) or length < 2:
        raise ValueError(f"{name} must be an integer of at least 2, got {length!r}")
    return length


def _check_rows(name: str, rows: Iterable[int], n: int) -> set[int]:
    out = set()
    for row in rows:
        if isinstance(row, bool) or not isinstance(row, int) or not 0 <= row < n:
            raise ValueError(f"{name} must hold row indexes from 0 to {n - 1}, got {row!r}")
        out.add(row)
    return out


def _flag_runs(keys: list[int], length: int) -> list[tuple[int, int, int]]:
    """``(first, last, key)`` for each run of equal non-zero keys at least ``length`` long."""
    edges = [0, *compress(count(1), map(ne, keys[1:], keys)), len(keys)]
    return [
        (a, b - 1, keys[a])
        for a, b in zip(edges, edges[1:], strict=False)
        if b - a >= length and keys[a]
    ]


def analyse(
    values: Sequence[float] | Iterable[float],
    *,
    dates: Sequence[object] | None = None,
    direction: Direction | str,
    target: float | None = None,
    baseline_points: int | None = None,
    recalculate_at: Iterable[int] = (),
    ghosted: Iterable[int] = (),
    shift_length: int = 6,
    trend_length: int = 6,
    tie: Tie | str = Tie.IMPROVEMENT,
    screen_moving_ranges: bool = False,
    minimum_points: int = MINIMUM_POINTS,
) -> SPCResult:
    """Analyse a measure as an XmR chart with the Making Data Count rules.

    ``values`` are in time order, one per row; ``dates`` (optional, same length) are labels
    only. ``recalculate_at`` and ``ghosted`` are 0-based row indexes. ``baseline_points=N``
    freezes the mean and limits of the first N non-ghosted points (N >= 12) and carries them
    forward to the next recalculation; if there are N or fewer points the baseline is the whole
    chart. A recalculation at or inside the baseline is ignored. Ghosted rows are shown but
    take no part in any calculation, rule or count; they belong to the segment their row
    falls in.

    ``shift_length`` / ``trend_length``: 6 and 6 for ``mdc_2024``, 7 and 7 for ``mdc_legacy_7``
    (see ``RULE_SETS``). ``minimum_points``: non-ghosted points needed before limits (13).

    Conflicts. When a point is flagged by rules of opposite meaning (for example part of a
    falling trend while above the mean in a shift), the strongest rule on each side is
    compared, in the order trend > shift > two-of-three > single point, and the side with the
    stronger rule wins. When the strongest rule on both sides is the same rule (only a trend
    can flag both sides: the turning point between a rising and a falling trend) it is a tie,
    settled by ``tie`` ("improvement" by default, as MDC's tools do; "concern" as a per-measure
    setting). The point's ``rules`` list only the rules on the winning side and ``conflict``
    records that the other side was set aside. A "neither" measure has no opposite meanings:
    its point shows the high side when it has rules on both sides (the order MDC tests them)
    and lists the rules of the side shown.

    ``screen_moving_ranges`` (off by default, as in MDC): moving ranges above 3.267 times the
    mean moving range are left out of the mean moving range used for the process limits (the
    moving-range chart still shows them all). MDC's SQL also drops those points from the mean;
    this follows Wheeler and NHSRplotthedots and keeps the mean of all points.

    Assurance (a target with direction "up" or "down", and enough points) is judged against the
    limits of the segment holding the last non-ghosted point. Up: pass if target <= lower
    limit, else fail if target >= upper limit, else hit or miss; down is the mirror. Pass is
    tested first, so it decides when the limits have no width.
    """
    values = list(values)
    n = len(values)
    if dates is not None:
        dates = list(dates)
        if len(dates) != n:
            raise ValueError(f"dates has {len(dates)} items for {n} values")
    direction = Direction(direction)
    tie = Tie(tie)
    _check_length("shift_length", shift_length)
    _check_length("trend_length", trend_length)
    if (
        isinstance(minimum_points, bool)
        or not isinstance(minimum_points, int)
        or minimum_points < 1
    ):
        raise ValueError(f"minimum_points must be a positive integer, got {minimum_points!r}")
    if baseline_points is not None and (
        isinstance(baseline_points, bool)
        or not isinstance(baseline_points, int)
        or baseline_points < MINIMUM_BASELINE_POINTS
    ):
        raise ValueError(
            f"baseline_points must be an integer of at least {MINIMUM_BASELINE_POINTS}, "
            f"got {baseline_points!r}"
        )
    ghost = _check_rows("ghosted", ghosted, n)
    recalc = _check_rows("recalculate_at", recalculate_at, n)

    numbers_: list[object] = list(values)
    if target is not None:
        numbers_.append(target)
    xs, scale = scaled_integers(numbers_)
    target_x = xs.pop() if target is not None else None
    floats = [float(v) for v in values]

    live = [i for i in range(n) if i not in ghost]
    enough = len(live) >= minimum_points

    # Segments and their numbers.
    bounds = _segment_bounds(n, live, recalc, baseline_points)
    segment_of = [0] * n
    seg_rows: list[list[int]] = []
    seg_stats: list[_Stats] = []
    baseline_stats: _Stats | None = None
    for s, (start, end, kind) in enumerate(bounds):
        rows = [i for i in range(start, end + 1) if i not in ghost]
        segment_of[start : end + 1] = [s] * (end + 1 - start)
        seg_rows.append(rows)
        if kind == "carried" and baseline_stats is not None:
            stats = baseline_stats
        else:
            stats = _stats(xs, rows, screen_moving_ranges)
        if kind == "baseline":
            baseline_stats = stats
        seg_stats.append(stats)

    segments = [
        _segment(s, start, end, kind, len(seg_rows[s]), seg_stats[s], scale, enough)
        for s, (start, end, kind) in enumerate(bounds)
    ]

    moving_range: list[float | None] = [None] * n
    high = [0] * n
    low = [0] * n
    for s, rows in enumerate(seg_rows):
        for a, b in zip(rows, rows[1:], strict=False):
            moving_range[b] = abs(xs[b] - xs[a]) / scale
        if not enough or not rows:
            continue
        stats = seg_stats[s]
        factor, centre = stats.factor(), stats.centre()
        scaled = [factor * xs[i] for i in rows]
        sides = [(x > centre) - (x < centre) for x in scaled]
        # Shift: a run of points on one side of the mean, within the segment.
        for first, last, key in _flag_runs(sides, shift_length):
            flags = high if key > 0 else low
            for k in range(first, last + 1):
                flags[rows[k]] |= _SHIFT
        if not stats.has_limits():
            continue
        three, two = stats.offset(_THREE_SIGMA), stats.offset(_TWO_SIGMA)
        ucl, lcl, u2, l2 = centre + three, centre - three, centre + two, centre - two
        beyond = [(x > u2) - (x < l2) for x in scaled]
        for k, x in enumerate(scaled):
            if x > ucl:
                high[rows[k]] |= _SINGLE
            elif x < lcl:
                low[rows[k]] |= _SINGLE
        # Two of three: 2+ of 3 in a row beyond the same 2-sigma line, all 3 on that side.
        # Only windows holding a point beyond a 2-sigma line can qualify.
        last_window = len(rows) - 3
        starts = {k for j, b in enumerate(beyond) if b for k in (j - 2, j - 1, j)}
        for k in sorted(k for k in starts if 0 <= k <= last_window):
            side = sides[k]
            if side == 0 or sides[k + 1] != side or sides[k + 2] != side:
                continue
            window = [j for j in (k, k + 1, k + 2) if beyond[j] == side]
            if len(window) >= 2:
                flags = high if side > 0 else low
                for j in window:
                    flags[rows[j]] |= _TWO

    if enough:
        # Trend: points in a row each higher (or lower) than the last, across segments.
        steps = [(xs[b] > xs[a]) - (xs[b] < xs[a]) for a, b in zip(live, live[1:], strict=False)]
        for first, last, key in _flag_runs(steps, trend_length - 1):
            flags = high if key > 0 else low
            for k in range(first, last + 2):
                flags[live[k]] |= _TREND

    # Each (high, low) pair of rule bits decides the same way, so decide each pair once.
    decided: dict[tuple[int, int], tuple[SpecialCause | None, tuple[Rule, ...], Side | None, bool]]
    decided = {(0, 0): (None, (), None, False)}
    labels = dates if dates is not None else [None] * n
    points = []
    for i, bits in enumerate(zip(high, low, strict=True)):
        decision = decided.get(bits)
        if decision is None:
            decision = decided[bits] = decide(bits[0], bits[1], direction, tie)
        cause, rules, shown, conflict = decision
        points.append(
            Point(
                i,
                floats[i],
                labels[i],
                i in ghost,
                cause,
                rules,
                shown,
                conflict,
                segment_of[i],
                moving_range[i],
            )
        )

    variation: VariationIcon | None = None
    assurance: AssuranceIcon | None = None
    if enough:
        final = points[live[-1]]
        if final.special_cause is None or final.side is None:
            variation = VariationIcon.COMMON_CAUSE
        else:
            variation = _ICONS[(final.special_cause, final.side)]
        stats = seg_stats[final.segment]
        if target_x is not None and direction is not Direction.NEITHER and stats.has_limits():
            assurance = _assurance(direction, target_x, stats)

    return SPCResult(
        points=points,
        segments=segments,
        variation_icon=variation,
        assurance_icon=assurance,
        direction=direction,
        target=None if target is None else float(target),
        enough_points=enough,
        n_points=len(live),
        minimum_points=minimum_points,
        shift_length=shift_length,
        trend_length=trend_length,
        tie=tie,
        screen_moving_ranges=screen_moving_ranges,
        baseline_points=baseline_points,
    )


def decide(
    hi: int,
    lo: int,
    direction: Direction,
    tie: Tie,
    rules_of_mask: Sequence[tuple[Rule, ...]] | None = None,
) -> tuple[SpecialCause | None, tuple[Rule, ...], Side | None, bool]:
    """A point's (special cause, rules, side, conflict) from the rule bits on each side (a
    higher bit is a stronger rule; ``rules_of_mask`` names the rules of each set of bits).
    XmR charts and run charts both decide here."""
    names = _RULES_OF_MASK if rules_of_mask is None else rules_of_mask
    if not (hi or lo):
        return None, (), None, False
    if direction is Direction.NEITHER:
        side, mask = (Side.HIGH, hi) if hi else (Side.LOW, lo)
        return SpecialCause.NEITHER, names[mask], side, bool(hi and lo)
    up_good = direction is Direction.UP
    good, bad = (hi, lo) if up_good else (lo, hi)
    if good and bad:
        # The strongest rule on each side decides (a higher bit is a stronger rule).
        g, b = good.bit_length(), bad.bit_length()
        improvement = g > b or (g == b and tie is Tie.IMPROVEMENT)
    else:
        improvement = bool(good)
    cause = SpecialCause.IMPROVEMENT if improvement else SpecialCause.CONCERN
    side = Side.HIGH if improvement == up_good else Side.LOW
    return cause, names[good if improvement else bad], side, bool(hi and lo)


def _assurance(direction: Direction, target_x: int, stats: _Stats) -> AssuranceIcon:
    t = stats.factor() * target_x
    three = stats.offset(_THREE_SIGMA)
    ucl, lcl = stats.centre() + three, stats.centre() - three
    if direction is Direction.UP:
        if t <= lcl:
            return AssuranceIcon.PASS
        if t >= ucl:
            return AssuranceIcon.FAIL
    else:
        if t >= ucl:
            return AssuranceIcon.PASS
        if t <= lcl:
            return AssuranceIcon.FAIL
    return AssuranceIcon.HIT_OR_MISS


def _segment(
    index: int,
    start: int,
    end: int,
    kind: str,
    n_points: int,
    stats: _Stats,
    scale: int,
    enough: bool,
) -> Segment:
    mean = mr_mean = mr_ucl = None
    lines: list[float | None] = [None] * 6
    if stats.count:
        mean = stats.total / (stats.count * scale)
    if stats.chart_mr_count:
        mr_mean = stats.chart_mr_total / (stats.chart_mr_count * scale)
        if enough:
            mr_ucl = (_MR_LIMIT_NUM * stats.chart_mr_total) / (
                _MR_LIMIT_DEN * stats.chart_mr_count * scale
            )
    if enough and stats.has_limits():
        denominator = stats.factor() * scale
        centre = stats.centre()
        lines = [
            (centre + sign * stats.offset(sigmas)) / denominator
            for sigmas in (_THREE_SIGMA, _TWO_SIGMA, _ONE_SIGMA)
            for sign in (1, -1)
        ]
    ucl, lcl, u2, l2, u1, l1 = lines
    return Segment(
        index=index,
        start=start,
        end=end,
        n_points=n_points,
        mean=mean,
        ucl=ucl,
        lcl=lcl,
        upper_two_sigma=u2,
        lower_two_sigma=l2,
        upper_one_sigma=u1,
        lower_one_sigma=l1,
        mr_mean=mr_mean,
        mr_ucl=mr_ucl,
        baseline=kind == "baseline",
        carried_forward=kind == "carried",
    )
