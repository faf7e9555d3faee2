"""The driver diagram drawn as SVG: four columns (the aim, primary drivers, secondary drivers,
change ideas) with a line from each node to each of its parents. ``role="img"`` with a title
and a description; the page shows the same diagram as a nested list beside it.

Pure: the input is the diagram's nodes and links, the output SVG text with every value
escaped. Styling is by presentation attributes (the CSP allows no inline styles).
"""

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from app.i18n import _, ngettext
from app.models import DriverKind, DriverNode

COLUMN = 200
GAP = 44
PAD = 8
LINE = 16
FONT = 13
ROW_GAP = 12
TOP = 34
WRAP = 27

_FILL: dict[str, tuple[str, str, str]] = {
    "aim": ("#005eb8", "#005eb8", "#ffffff"),
    DriverKind.primary: ("#e8f1fa", "#005eb8", "#212b32"),
    DriverKind.secondary: ("#ffffff", "#005eb8", "#212b32"),
    DriverKind.change_idea: ("#fff7d6", "#8a6d00", "#212b32"),
}


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    height: float
    lines: list[str]


def _lines(text: str, most: int = 6) -> list[str]:
    wrapped = textwrap.wrap(text, WRAP) or [""]
    if len(wrapped) > most:
        wrapped = [*wrapped[: most - 1], wrapped[most - 1][: WRAP - 1] + "…"]
    return wrapped


def _height(lines: Sequence[str]) -> float:
    return PAD * 2 + LINE * len(lines)


def diagram_svg(
    aim: str,
    nodes: Sequence[DriverNode],
    links: Sequence[tuple[int, int]],
    *,
    id_prefix: str = "driver-diagram",
) -> str:
    columns: list[list[tuple[str, DriverNode | None]]] = [
        [("aim", None)],
        [(DriverKind.primary, n) for n in nodes if n.kind == DriverKind.primary],
        [(DriverKind.secondary, n) for n in nodes if n.kind == DriverKind.secondary],
        [(DriverKind.change_idea, n) for n in nodes if n.kind == DriverKind.change_idea],
    ]
    heights = [
        sum(_height(_lines(n.text) if n else _lines(aim, 10)) for _k, n in col)
        + ROW_GAP * max(0, len(col) - 1)
        for col in columns
    ]
    total = max(heights + [80.0])
    boxes: dict[int | None, _Box] = {}
    kinds: dict[int | None, str] = {}
    for c, col in enumerate(columns):
        y = TOP + (total - heights[c]) / 2
        for kind, node in col:
            lines = _lines(node.text) if node else _lines(aim, 10)
            key = node.id if node else None
            boxes[key] = _Box(c * (COLUMN + GAP), y, _height(lines), lines)
            kinds[key] = kind
            y += _height(lines) + ROW_GAP
    width = 4 * COLUMN + 3 * GAP
    height = TOP + total + 8
    counts = [len(col) for col in columns[1:]]
    description = _(
        "The aim, %(primary)s, %(secondary)s and %(ideas)s. The list below gives the same "
        "diagram in words."
    ) % {
        "primary": ngettext("%(num)d primary driver", "%(num)d primary drivers", counts[0])
        % {"num": counts[0]},
        "secondary": ngettext("%(num)d secondary driver", "%(num)d secondary drivers", counts[1])
        % {"num": counts[1]},
        "ideas": ngettext("%(num)d change idea", "%(num)d change ideas", counts[2])
        % {"num": counts[2]},
    }
    t, d = f"{id_prefix}-title", f"{id_prefix}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fc-diagram__svg" viewBox="0 0 {width} '
        f'{height:.0f}" width="{width}" height="{height:.0f}" role="img" '
        f'aria-labelledby="{escape(t)} {escape(d)}" font-family="Arial, Helvetica, sans-serif" '
        f'font-size="{FONT}">',
        f'<title id="{escape(t)}">{escape(_("Driver diagram"))}</title>',
        f'<desc id="{escape(d)}">{escape(description)}</desc>',
    ]
    headings = [_("Aim"), _("Primary drivers"), _("Secondary drivers"), _("Change ideas")]
    for c, heading in enumerate(headings):
        out.append(
            f'<text x="{c * (COLUMN + GAP)}" y="16" font-weight="700" fill="#212b32">'
            f"{escape(heading)}</text>"
        )
    primary_ids = {n.id for n in nodes if n.kind == DriverKind.primary}
    edges = [(None, p) for p in primary_ids] + list(links)
    for parent, child in edges:
        a, b = boxes.get(parent), boxes.get(child)
        if a is None or b is None:
            continue
        x1, y1 = a.x + COLUMN, a.y + a.height / 2
        x2, y2 = b.x, b.y + b.height / 2
        mid = (x1 + x2) / 2
        out.append(
            f'<path d="M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} '
            f'{x2:.0f},{y2:.0f}" fill="none" stroke="#768692" stroke-width="1.5"/>'
        )
    for key, box in boxes.items():
        fill, stroke, ink = _FILL[kinds[key]]
        out.append(
            f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{COLUMN}" height="{box.height:.0f}" '
            f'rx="4" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        )
        for i, line in enumerate(box.lines):
            out.append(
                f'<text x="{box.x + PAD:.0f}" y="{box.y + PAD + LINE * (i + 1) - 4:.0f}" '
                f'fill="{ink}">{escape(line)}</text>'
            )
    out.append("</svg>")
    return "".join(out)
