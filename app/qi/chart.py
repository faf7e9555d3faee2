"""Charts as SVG, drawn on the server: Making Data Count XmR charts, run charts, and the MDC
variation and assurance icons. No JavaScript library; the same SVG is shown on the page,
downloaded, and turned into a PNG for board papers.

Pure functions: the inputs are an analysis (``app.qi.spc.analyse`` or
``app.qi.runchart.run_chart``) and its labels; the output is SVG text with every value
escaped. Each chart is ``role="img"`` with a ``<title>`` and a ``<desc>`` that says the result
in words (the caller passes the sentence from ``app.qi.words``, which starts with the MDC
phrase); the page shows the same sentence and the data as a table beside it.

Colours are MDC's (DOMAIN.md section 6): improvement blue, concern orange, neither purple,
common cause grey, target red. Styling uses presentation attributes only (the site's Content
Security Policy allows no inline styles).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

from app.qi.runchart import RunChartResult
from app.qi.spc import SPCResult
from app.qi.words import assurance_icon_text, format_number, variation_icon_text

IMPROVEMENT = "#00b0f0"
CONCERN = "#e46c0a"
NEITHER = "#490092"
COMMON = "#a6a6a6"
TARGET = "#de1b1b"
INK = "#212b32"
MUTED = "#4c6272"
GRID = "#e8edee"
FONT = "Arial, Helvetica, sans-serif"

_CAUSE_COLOUR = {"improvement": IMPROVEMENT, "concern": CONCERN, "neither": NEITHER, None: COMMON}
_ICON_COLOUR = {
    "common_cause": COMMON,
    "improvement_high": IMPROVEMENT,
    "improvement_low": IMPROVEMENT,
    "concern_high": CONCERN,
    "concern_low": CONCERN,
    "neither_high": NEITHER,
    "neither_low": NEITHER,
}
_ASSURANCE_COLOUR = {"pass": IMPROVEMENT, "fail": CONCERN, "hit_or_miss": COMMON}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Annotation:
    """A note at a row of the chart ("PDSA 3 started")."""

    index: int
    text: str
    #: When it happened, for the legend (the row's date when not given).
    on: object | None = None


@dataclass(frozen=True)
class _Layout:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    font: int
    radius: float

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom


_FULL = _Layout(width=640, height=340, left=64, right=76, top=28, bottom=56, font=13, radius=4)
_COMPACT = _Layout(width=320, height=110, left=6, right=6, top=8, bottom=8, font=11, radius=2.6)


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def short_date(label: object) -> str:
    """ "2 Mar 2026" for a date (or an ISO date string); other labels as they are."""
    if isinstance(label, datetime):
        label = label.date()
    if isinstance(label, str):
        try:
            label = date.fromisoformat(label[:10])
        except ValueError:
            return str(label)
    if isinstance(label, date):
        return f"{label.day} {_MONTHS[label.month - 1]} {label.year}"
    return "" if label is None else str(label)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round numbers (steps of 1, 2 or 5 times a power of ten) covering
    ``low``..``high``."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = [round(first, 10)]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


# --- the chart -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    value: float
    kind: str  # "centre", "limit"


def _lines(result: SPCResult | RunChartResult) -> list[_Line]:
    if isinstance(result, RunChartResult):
        if result.median is None or not result.points:
            return []
        return [_Line(0, len(result.points) - 1, result.median, "centre")]
    lines: list[_Line] = []
    for segment in result.segments:
        if segment.mean is not None:
            lines.append(_Line(segment.start, segment.end, segment.mean, "centre"))
        for limit in (segment.ucl, segment.lcl):
            if limit is not None:
                lines.append(_Line(segment.start, segment.end, limit, "limit"))
    return lines


def chart_svg(
    result: SPCResult | RunChartResult,
    *,
    title: str,
    description: str,
    dates: Sequence[object] | None = None,
    target: float | None = None,
    annotations: Sequence[Annotation] = (),
    unit_label: str = "",
    variation_icon: str | None = None,
    assurance_icon: str | None = None,
    id_prefix: str = "chart",
    compact: bool = False,
) -> str:
    """The chart as an SVG document: points coloured by their special cause, the mean (or the
    median) and process limits of each segment, the target, and annotations. ``compact`` draws
    a small version without axes or icons (for lists)."""
    layout = _COMPACT if compact else _FULL
    points = result.points
    n = len(points)
    labels = list(dates) if dates is not None else [p.date for p in points]
    lines = _lines(result)
    values = [p.value for p in points] + [line.value for line in lines]
    if target is not None:
        values.append(target)
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high == low:
        low, high = low - 1, high + 1
    ticks = [] if compact else nice_ticks(low, high)
    if ticks:
        low, high = min(low, ticks[0]), max(high, ticks[-1])
    pad = (high - low) * (0.06 if compact else 0.02)
    low, high = low - pad, high + pad

    def x(index: int) -> float:
        if n <= 1:
            return layout.left + layout.plot_width / 2
        return layout.left + layout.plot_width * index / (n - 1)

    def y(value: float) -> float:
        return layout.top + layout.plot_height * (high - value) / (high - low)

    legend_rows = 0 if compact else 1 + min(len(annotations), 6)
    height = layout.height + legend_rows * 18
    t, d = f"{id_prefix}-title", f"{id_prefix}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fc-chart__svg" '
        f'viewBox="0 0 {layout.width} {height}" role="img" aria-labelledby="{_attr(t)} {_attr(d)}" '
        f'font-family="{FONT}" font-size="{layout.font}">',
        f'<title id="{_attr(t)}">{escape(title)}</title>',
        f'<desc id="{_attr(d)}">{escape(description)}</desc>',
        f'<rect width="{layout.width}" height="{height}" fill="#ffffff"/>',
    ]
    if not compact:
        for tick in ticks:
            ty = _num(y(tick))
            out.append(
                f'<line x1="{layout.left}" x2="{layout.left + layout.plot_width}" y1="{ty}" '
                f'y2="{ty}" stroke="{GRID}" stroke-width="1"/>'
            )
            out.append(
                f'<text x="{layout.left - 8}" y="{ty}" text-anchor="end" '
                f'dominant-baseline="middle" fill="{MUTED}">{escape(format_number(tick))}</text>'
            )
        if unit_label:
            out.append(
                f'<text x="{layout.left - 8}" y="{layout.top - 12}" text-anchor="end" '
                f'fill="{MUTED}">{escape(unit_label)}</text>'
            )
        base = _num(layout.top + layout.plot_height)
        out.append(
            f'<line x1="{layout.left}" x2="{layout.left + layout.plot_width}" y1="{base}" '
            f'y2="{base}" stroke="{MUTED}" stroke-width="1"/>'
        )
        for index in _label_indexes(n):
            text_ = short_date(labels[index]) or str(index + 1)
            out.append(
                f'<text x="{_num(x(index))}" y="{_num(layout.top + layout.plot_height + 18)}" '
                f'text-anchor="middle" fill="{MUTED}">{escape(text_)}</text>'
            )
    # Process limits and centre lines, segment by segment.
    for line in lines:
        x1, x2 = x(line.start), x(line.end)
        if x2 - x1 < 4:
            x1, x2 = x1 - 4, x2 + 4
        ly = _num(y(line.value))
        dash = ' stroke-dasharray="6 4"' if line.kind == "limit" else ""
        colour = INK if line.kind == "centre" else "#768692"
        out.append(
            f'<line x1="{_num(x1)}" x2="{_num(x2)}" y1="{ly}" y2="{ly}" stroke="{colour}" '
            f'stroke-width="{1.5 if line.kind == "centre" else 1.2}"{dash}/>'
        )
    if target is not None:
        ty = _num(y(target))
        out.append(
            f'<line x1="{layout.left}" x2="{layout.left + layout.plot_width}" y1="{ty}" y2="{ty}" '
            f'stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="2 3"/>'
        )
    # Annotations: a dotted line and a number; the legend says what each number is.
    for number, note in enumerate(annotations[:6], start=1):
        if not 0 <= note.index < n:
            continue
        ax = _num(x(note.index))
        out.append(
            f'<line x1="{ax}" x2="{ax}" y1="{layout.top}" y2="{layout.top + layout.plot_height}" '
            f'stroke="{MUTED}" stroke-width="1" stroke-dasharray="1 3"/>'
        )
        if not compact:
            out.append(
                f'<circle cx="{ax}" cy="{layout.top - 12}" r="8" fill="{MUTED}"/>'
                f'<text x="{ax}" y="{layout.top - 12}" text-anchor="middle" '
                f'dominant-baseline="central" font-size="11" fill="#ffffff">{number}</text>'
            )
    # The data: a line through the points that count, then each point in its colour.
    live = [(x(p.index), y(p.value)) for p in points if not p.ghosted]
    if len(live) > 1:
        path = " ".join(f"{_num(px)},{_num(py)}" for px, py in live)
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{COMMON}" '
            f'stroke-width="{1.5 if compact else 2}"/>'
        )
    for p in points:
        px, py = _num(x(p.index)), _num(y(p.value))
        if p.ghosted:
            out.append(
                f'<circle cx="{px}" cy="{py}" r="{layout.radius}" fill="#ffffff" '
                f'stroke="{COMMON}" stroke-width="1.5" stroke-dasharray="2 1"/>'
            )
        else:
            colour = _CAUSE_COLOUR.get(p.special_cause, COMMON)
            out.append(
                f'<circle cx="{px}" cy="{py}" r="{layout.radius}" fill="{colour}" '
                f'stroke="{colour}" stroke-width="1"/>'
            )
    if not compact:
        icon_x = layout.left + layout.plot_width + 14
        if variation_icon:
            out.append(_variation_group(variation_icon, icon_x, layout.top, 52))
        if assurance_icon:
            out.append(_assurance_group(assurance_icon, icon_x, layout.top + 62, 52))
        out.append(_legend(layout, target is not None, isinstance(result, RunChartResult)))
        for number, note in enumerate(annotations[:6], start=1):
            row_y = layout.height + 18 * number + 4
            when = short_date(note.on if note.on is not None else labels[note.index])
            out.append(
                f'<text x="{layout.left}" y="{row_y}" fill="{INK}">{number}: '
                f"{escape(note.text)}{escape(f' ({when})' if when else '')}</text>"
            )
    out.append("</svg>")
    return "".join(out)


def _label_indexes(n: int, most: int = 5) -> list[int]:
    if n <= 0:
        return []
    if n <= most:
        return list(range(n))
    step = (n - 1) / (most - 1)
    return sorted({round(i * step) for i in range(most)})


def _legend(layout: _Layout, with_target: bool, run: bool) -> str:
    y0 = layout.height - 14
    x0 = layout.left
    parts = [
        f'<line x1="{x0}" x2="{x0 + 22}" y1="{y0}" y2="{y0}" stroke="{INK}" stroke-width="1.5"/>',
        f'<text x="{x0 + 28}" y="{y0}" dominant-baseline="middle" fill="{INK}">'
        f"{'Median' if run else 'Mean'}</text>",
    ]
    x0 += 90
    if not run:
        parts += [
            f'<line x1="{x0}" x2="{x0 + 22}" y1="{y0}" y2="{y0}" stroke="#768692" '
            f'stroke-width="1.2" stroke-dasharray="6 4"/>',
            f'<text x="{x0 + 28}" y="{y0}" dominant-baseline="middle" fill="{INK}">'
            "Process limits</text>",
        ]
        x0 += 140
    if with_target:
        parts += [
            f'<line x1="{x0}" x2="{x0 + 22}" y1="{y0}" y2="{y0}" stroke="{TARGET}" '
            f'stroke-width="1.5" stroke-dasharray="2 3"/>',
            f'<text x="{x0 + 28}" y="{y0}" dominant-baseline="middle" fill="{INK}">Target</text>',
        ]
    return "".join(parts)


# --- icons -----------------------------------------------------------------------------------

#: Seven dots across the icon: (x, y) in a 100 x 100 box, for each pattern.
_DOTS = {
    "flat": [(20, 56), (30, 48), (40, 58), (50, 50), (60, 57), (70, 49), (80, 55)],
    "high": [(20, 66), (30, 60), (40, 66), (50, 62), (60, 50), (70, 44), (80, 40)],
    "low": [(20, 34), (30, 40), (40, 34), (50, 38), (60, 50), (70, 56), (80, 60)],
}


def _variation_body(icon: str) -> str:
    colour = _ICON_COLOUR[icon]
    pattern = "flat" if icon == "common_cause" else icon.rsplit("_", 1)[1]
    dots = _DOTS[pattern]
    parts = [f'<circle cx="50" cy="50" r="44" fill="#ffffff" stroke="{colour}" stroke-width="8"/>']
    for i, (dx, dy) in enumerate(dots):
        fill = colour if pattern != "flat" and i >= 4 else COMMON
        parts.append(f'<circle cx="{dx}" cy="{dy}" r="5" fill="{fill}"/>')
    if pattern != "flat":
        letter, ly = ("H", 31) if pattern == "high" else ("L", 83)
        parts.append(
            f'<text x="50" y="{ly}" text-anchor="middle" font-size="26" font-weight="700" '
            f'font-family="{FONT}" fill="{colour}">{letter}</text>'
        )
    return "".join(parts)


def _assurance_body(icon: str) -> str:
    colour = _ASSURANCE_COLOUR[icon]
    parts = [f'<circle cx="50" cy="50" r="44" fill="#ffffff" stroke="{colour}" stroke-width="8"/>']
    if icon == "hit_or_miss":
        parts.append(
            f'<line x1="16" x2="84" y1="50" y2="50" stroke="{TARGET}" stroke-width="4" '
            'stroke-dasharray="6 4"/>'
            f'<polyline points="18,58 30,38 42,62 54,36 66,60 80,40" fill="none" '
            f'stroke="{COMMON}" stroke-width="5"/>'
        )
    else:
        letter, line_y = ("P", 78) if icon == "pass" else ("F", 24)
        parts.append(
            f'<line x1="20" x2="80" y1="{line_y}" y2="{line_y}" stroke="{TARGET}" '
            'stroke-width="4" stroke-dasharray="6 4"/>'
            f'<text x="50" y="{62 if icon == "pass" else 70}" text-anchor="middle" '
            f'font-size="38" font-weight="700" font-family="{FONT}" fill="{colour}">{letter}</text>'
        )
    return "".join(parts)


def _group(body: str, x: float, y: float, size: float) -> str:
    scale = size / 100
    return f'<g transform="translate({_num(x)} {_num(y)}) scale({scale:g})">{body}</g>'


def _variation_group(icon: str, x: float, y: float, size: float) -> str:
    return _group(_variation_body(icon), x, y, size) if icon in _ICON_COLOUR else ""


def _assurance_group(icon: str, x: float, y: float, size: float) -> str:
    return _group(_assurance_body(icon), x, y, size) if icon in _ASSURANCE_COLOUR else ""


def _icon(body: str, text_: str, size: int, id_prefix: str) -> str:
    t = f"{id_prefix}-title"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fc-icon" width="{size}" '
        f'height="{size}" viewBox="0 0 100 100" role="img" aria-labelledby="{_attr(t)}">'
        f'<title id="{_attr(t)}">{escape(text_)}</title>{body}</svg>'
    )


def variation_icon_svg(icon: str | None, *, size: int = 40, id_prefix: str = "variation") -> str:
    """The MDC variation icon (an empty grey circle when there are too few points), with its
    text alternative as the title."""
    if icon is None or icon not in _ICON_COLOUR:
        body = '<circle cx="50" cy="50" r="44" fill="#ffffff" stroke="#d8dde0" stroke-width="8"/>'
        return _icon(body, variation_icon_text(None), size, id_prefix)
    return _icon(_variation_body(icon), variation_icon_text(icon), size, id_prefix)


def assurance_icon_svg(icon: str | None, *, size: int = 40, id_prefix: str = "assurance") -> str:
    """The MDC assurance icon (an empty grey circle when it is not assessed)."""
    if icon is None or icon not in _ASSURANCE_COLOUR:
        body = '<circle cx="50" cy="50" r="44" fill="#ffffff" stroke="#d8dde0" stroke-width="8"/>'
        return _icon(body, assurance_icon_text(None), size, id_prefix)
    return _icon(_assurance_body(icon), assurance_icon_text(icon), size, id_prefix)
