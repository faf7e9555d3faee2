"""Plain-English sentences for charts and board reports, and text alternatives for the icons.

Every summary starts with one of the Making Data Count phrases: "Special cause improvement",
"Special cause concern", "Special cause variation" (a measure where neither direction is
better) or "Common cause variation", followed by the evidence at the end of the series, for
example "Special cause improvement: 9 points below the mean since March 2026." The evidence
names the first point of the signalling run by month and year when dates are given, otherwise
by its position ("since point 12", counting rows from 1). A target adds a sentence on
assurance. British spelling; no jargon beyond the MDC phrases.

Pure functions: nothing from the rest of ``app`` outside ``app.qi``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from app.qi.runchart import RunChartPoint, RunChartResult, run_chart
from app.qi.spc import (
    AssuranceIcon,
    Direction,
    Point,
    Rule,
    Segment,
    Side,
    SPCResult,
    SpecialCause,
    VariationIcon,
)

LEAD_PHRASES: dict[SpecialCause | None, str] = {
    SpecialCause.IMPROVEMENT: "Special cause improvement",
    SpecialCause.CONCERN: "Special cause concern",
    SpecialCause.NEITHER: "Special cause variation",
    None: "Common cause variation",
}

VARIATION_ICON_TEXT: dict[VariationIcon, str] = {
    VariationIcon.COMMON_CAUSE: "Common cause variation",
    VariationIcon.IMPROVEMENT_HIGH: "Special cause improvement – high",
    VariationIcon.IMPROVEMENT_LOW: "Special cause improvement – low",
    VariationIcon.CONCERN_HIGH: "Special cause concern – high",
    VariationIcon.CONCERN_LOW: "Special cause concern – low",
    VariationIcon.NEITHER_HIGH: "Special cause variation – high",
    VariationIcon.NEITHER_LOW: "Special cause variation – low",
}
NO_VARIATION_ICON_TEXT = "Variation: not enough points to tell yet"

ASSURANCE_ICON_TEXT: dict[AssuranceIcon, str] = {
    AssuranceIcon.PASS: "Assurance: consistently passing the target",
    AssuranceIcon.FAIL: "Assurance: consistently failing the target",
    AssuranceIcon.HIT_OR_MISS: "Assurance: the target may be met or missed",
}
NO_ASSURANCE_ICON_TEXT = "Assurance: not assessed"

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_PRECEDENCE = (Rule.TREND, Rule.SHIFT, Rule.TWO_OF_THREE, Rule.SINGLE_POINT)


def variation_icon_text(icon: VariationIcon | str | None) -> str:
    """The text alternative for a variation icon."""
    return NO_VARIATION_ICON_TEXT if icon is None else VARIATION_ICON_TEXT[VariationIcon(icon)]


def assurance_icon_text(icon: AssuranceIcon | str | None) -> str:
    """The text alternative for an assurance icon."""
    return NO_ASSURANCE_ICON_TEXT if icon is None else ASSURANCE_ICON_TEXT[AssuranceIcon(icon)]


def format_number(value: float) -> str:
    """At most two decimal places, no trailing zeros, thousands separated: 1,234.5."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _amount(value: float, unit_label: str) -> str:
    number = format_number(value)
    if not unit_label:
        return number
    return f"{number} {unit_label}" if unit_label[0].isalnum() else f"{number}{unit_label}"


def month_year(label: object) -> str | None:
    """ "March 2026" for a date, a datetime or an ISO date string; other strings as they are."""
    if label is None:
        return None
    if isinstance(label, date | datetime):
        return f"{_MONTHS[label.month - 1]} {label.year}"
    text = str(label)
    try:
        parsed = date.fromisoformat(text[:10])
    except ValueError:
        return text
    return f"{_MONTHS[parsed.month - 1]} {parsed.year}"


def _since(index: int, labels: Sequence[object] | None) -> str:
    label = None if labels is None else month_year(labels[index])
    return f"since {label}" if label else f"since point {index + 1}"


def _labels(
    dates: Sequence[object] | None, points: Sequence[Point] | Sequence[RunChartPoint]
) -> Sequence[object] | None:
    if dates is not None:
        if len(dates) != len(points):
            raise ValueError(f"dates has {len(dates)} items for {len(points)} points")
        return dates
    stored = [point.date for point in points]
    return stored if any(label is not None for label in stored) else None


def _check_direction(direction: Direction | str, result: SPCResult | RunChartResult) -> None:
    if Direction(direction) is not result.direction:
        raise ValueError(
            f"direction {direction!r} differs from the analysis ({result.direction.value!r})"
        )


def _runs(count: int) -> str:
    return "1 run" if count == 1 else f"{count} runs"


def _points(count: int, what: str) -> str:
    return f"{count} point {what}" if count == 1 else f"{count} points {what}"


# --- XmR charts -----------------------------------------------------------------------------


def describe(
    result: SPCResult,
    *,
    dates: Sequence[object] | None = None,
    direction: Direction | str,
    unit_label: str = "",
) -> str:
    """The summary of an XmR analysis that a chart and a board report show.

    ``dates`` default to the dates given to ``analyse``. With fewer points than the chart needs
    for limits, the summary reads the run chart of the same points and says so.
    """
    _check_direction(direction, result)
    labels = _labels(dates, result.points)
    last = result.last_point
    if not result.enough_points or last is None:
        return _describe_short(result, labels, unit_label)
    segment = result.segments[last.segment]
    sentences = [_xmr_lead(result, last, segment, labels, unit_label)]
    assurance = _assurance_sentence(result, unit_label)
    if assurance:
        sentences.append(assurance)
    return " ".join(sentences)


def _xmr_lead(
    result: SPCResult, last: Point, segment: Segment, labels: Sequence[object] | None, unit: str
) -> str:
    lead = LEAD_PHRASES[last.special_cause]
    if last.special_cause is None or last.side is None:
        if segment.lcl is None or segment.ucl is None:
            return f"{lead}: no unusual pattern at the latest point."
        return (
            f"{lead}: no unusual pattern at the latest point; values would be expected to lie "
            f"between {_amount(segment.lcl, unit)} and {_amount(segment.ucl, unit)}."
        )
    high = last.side is Side.HIGH
    live = [p for p in result.points if not p.ghosted]
    primary = next(rule for rule in _PRECEDENCE if rule in last.rules)
    if primary is Rule.TREND:
        k = len(live) - 1
        while k > 0 and (
            live[k - 1].value < live[k].value if high else live[k - 1].value > live[k].value
        ):
            k -= 1
        evidence = _points(len(live) - k, "in a row going " + ("up" if high else "down"))
        evidence += f" {_since(live[k].index, labels)}"
    elif primary is Rule.SHIFT:
        mean = segment.mean
        assert mean is not None
        same = [p for p in live if p.segment == last.segment]
        k = len(same) - 1
        while k > 0 and (same[k - 1].value > mean if high else same[k - 1].value < mean):
            k -= 1
        evidence = _points(len(same) - k, ("above" if high else "below") + " the mean")
        evidence += f" {_since(same[k].index, labels)}"
    elif primary is Rule.TWO_OF_THREE:
        line = segment.upper_two_sigma if high else segment.lower_two_sigma
        assert line is not None
        recent = [p for p in live if p.segment == last.segment][-3:]
        count = sum(1 for p in recent if (p.value > line if high else p.value < line))
        limit = "upper" if high else "lower"
        evidence = f"{count} of the last 3 points are close to or beyond the {limit} process limit"
    else:
        limit_value = segment.ucl if high else segment.lcl
        assert limit_value is not None
        evidence = (
            f"the latest point ({_amount(last.value, unit)}) is "
            + ("above the upper" if high else "below the lower")
            + f" process limit ({_amount(limit_value, unit)})"
        )
    if primary is not Rule.SINGLE_POINT and Rule.SINGLE_POINT in last.rules:
        evidence += ", and the latest point is " + (
            "above the upper process limit" if high else "below the lower process limit"
        )
    return f"{lead}: {evidence}."


def _assurance_sentence(result: SPCResult, unit: str) -> str | None:
    if result.target is None:
        return None
    target = f"The target of {_amount(result.target, unit)}"
    if result.direction is Direction.NEITHER:
        return f"{target} is not assessed, as neither higher nor lower is better for this measure."
    if not result.enough_points:
        return f"{target} cannot be assessed until there are {result.minimum_points} points."
    icon = result.assurance_icon
    if icon is AssuranceIcon.PASS:
        return f"{target} is met consistently (the process limits are both better than it)."
    if icon is AssuranceIcon.FAIL:
        return f"{target} is consistently not met (the process limits are both worse than it)."
    if icon is AssuranceIcon.HIT_OR_MISS:
        return f"{target} may be met or missed: it lies within the process limits."
    return f"{target} cannot be assessed yet: the latest part of the chart has too few points."


def _describe_short(result: SPCResult, labels: Sequence[object] | None, unit: str) -> str:
    run = run_chart(
        [p.value for p in result.points],
        direction=result.direction,
        ghosted=[p.index for p in result.points if p.ghosted],
        tie=result.tie,
    )
    if result.n_points == 0:
        sentences = [f"{LEAD_PHRASES[None]}: there are no points yet."]
    else:
        sentences = [_run_lead(run, labels, unit)]
    sentences.append(
        f"Not enough points for control limits yet: {result.n_points} of "
        f"{result.minimum_points} needed; showing a run chart."
    )
    assurance = _assurance_sentence(result, unit)
    if assurance:
        sentences.append(assurance)
    return " ".join(sentences)


# --- run charts -----------------------------------------------------------------------------


def describe_run_chart(
    result: RunChartResult,
    *,
    dates: Sequence[object] | None = None,
    direction: Direction | str,
    unit_label: str = "",
) -> str:
    """The summary of a run chart (IHI rules)."""
    _check_direction(direction, result)
    labels = _labels(dates, result.points)
    if result.n_points == 0:
        return f"{LEAD_PHRASES[None]}: there are no points yet."
    sentences = [_run_lead(result, labels, unit_label)]
    if result.median is not None:
        sentences.append(f"The median is {_amount(result.median, unit_label)}.")
    return " ".join(sentences)


def _run_lead(run: RunChartResult, labels: Sequence[object] | None, unit: str) -> str:
    last = run.last_point
    assert last is not None
    live = [p for p in run.points if not p.ghosted]
    if last.special_cause is not None and last.side is not None:
        high = last.side is Side.HIGH
        if Rule.TREND in last.rules:
            # Back to the start of the rise (or fall); equal values are part of it.
            k = len(live) - 1
            while k > 0 and (
                live[k - 1].value <= live[k].value if high else live[k - 1].value >= live[k].value
            ):
                k -= 1
            evidence = _points(len(live) - k, "in a row going " + ("up" if high else "down"))
            evidence += f" {_since(live[k].index, labels)}"
        else:
            useful = [p for p in live if not p.on_median]
            k = len(useful) - 1
            while k > 0 and useful[k - 1].median_side is useful[k].median_side:
                k -= 1
            evidence = _points(len(useful) - k, ("above" if high else "below") + " the median")
            evidence += f" {_since(useful[k].index, labels)}"
        return f"{LEAD_PHRASES[last.special_cause]}: {evidence}."
    lead = LEAD_PHRASES[SpecialCause.NEITHER]
    if run.too_few_runs:
        return (
            f"{lead}: the points cross the median too rarely ({_runs(run.runs)}; fewer than "
            f"{run.runs_lower_limit} is unusual for {run.useful_observations} points)."
        )
    if run.too_many_runs:
        return (
            f"{lead}: the points cross the median too often ({_runs(run.runs)}; more than "
            f"{run.runs_upper_limit} is unusual for {run.useful_observations} points)."
        )
    if run.shift or run.trend:
        return (
            f"{LEAD_PHRASES[None]}: no unusual pattern at the latest point "
            "(earlier signals are marked on the chart)."
        )
    return f"{LEAD_PHRASES[None]}: no unusual pattern on the run chart."
