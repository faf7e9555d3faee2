"""A measure's data as CSV: reading an upload (every row checked; the caller imports all of it
or none) and writing the download.

An upload has a first row naming its columns: ``date`` and ``value`` (in any order, any case),
and optionally ``ghosted`` (yes or no). Dates are written 2026-03-02 or 02/03/2026 (day first,
as in the UK), or 2026-03 for a month. Values are numbers; a thousands comma or a percent sign
is allowed. A problem is reported as the row, the column and what is wrong, never the value
that was typed (it may be sensitive).
"""

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from app.i18n import _

MAX_BYTES = 1_000_000
MAX_ROWS = 5000
#: Problems listed one by one; the rest are counted.
MAX_LISTED = 25
VALUE_LIMIT = 1e12

_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YES = frozenset({"yes", "y", "true", "1", "ghosted"})
_NO = frozenset({"", "no", "n", "false", "0"})


@dataclass(frozen=True)
class Row:
    line: int
    on_date: date
    value: float
    ghosted: bool


@dataclass(frozen=True)
class Parsed:
    rows: list[Row]
    problems: list[str]


def parse_date(text: str) -> date | None:
    """A date as people type it in the UK; None when it is not one."""
    text = text.strip()
    for pattern, order in ((_ISO, "ymd"), (_DAY_FIRST, "dmy"), (_MONTH, "ym")):
        m = pattern.match(text)
        if not m:
            continue
        parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
        try:
            return date(parts["y"], parts["m"], parts.get("d", 1))
        except ValueError:
            return None
    return None


def parse_value(text: str) -> float | None:
    text = text.strip().replace(",", "").removesuffix("%").strip()
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or abs(value) > VALUE_LIMIT:
        return None
    return value


def _decode(raw: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _cell(cells: list[str], at: int | None) -> str:
    return cells[at].strip() if at is not None and at < len(cells) else ""


def parse(raw: bytes, *, existing: Iterable[date] = ()) -> Parsed:
    """Every row of an upload checked, with each problem as "Row 4, date: ..."."""
    if len(raw) > MAX_BYTES:
        return Parsed([], [_("The file must be smaller than 1 MB")])
    text = _decode(raw)
    if text is None or "\x00" in (text or ""):
        return Parsed([], [_("The file must be a CSV file (saved as text, not a spreadsheet)")])
    read = list(csv.reader(io.StringIO(text, newline="")))
    lines = [(n, cells) for n, cells in enumerate(read, start=1) if any(c.strip() for c in cells)]
    if not lines:
        return Parsed([], [_("The file is empty")])
    header_line, header = lines[0]
    names = [cell.strip().lower() for cell in header]
    if "date" not in names or "value" not in names:
        return Parsed(
            [],
            [
                _("Row %(row)d: the first row must name the columns date and value")
                % {"row": header_line}
            ],
        )
    if len(lines) - 1 > MAX_ROWS:
        return Parsed([], [_("The file has more than 5,000 rows: split it into smaller files")])
    at_date, at_value = names.index("date"), names.index("value")
    at_ghost = names.index("ghosted") if "ghosted" in names else None
    already = set(existing)
    seen: dict[date, int] = {}
    rows: list[Row] = []
    problems: list[str] = []

    def problem(line: int, column: str, message: str) -> None:
        problems.append(
            _("Row %(row)d, %(column)s: %(problem)s")
            % {"row": line, "column": column, "problem": message}
        )

    for line, cells in lines[1:]:
        raw_date, raw_value = _cell(cells, at_date), _cell(cells, at_value)
        on = parse_date(raw_date) if raw_date else None
        ok = True
        if not raw_date:
            problem(line, "date", _("enter the date"))
            ok = False
        elif on is None:
            problem(line, "date", _("enter a real date, like 2026-03-02 or 02/03/2026"))
            ok = False
        elif on in already:
            problem(line, "date", _("there is already a value for this date"))
            ok = False
        elif on in seen:
            problem(line, "date", _("the same date is in row %(row)d") % {"row": seen[on]})
            ok = False
        value = parse_value(raw_value) if raw_value else None
        if not raw_value:
            problem(line, "value", _("enter the value"))
            ok = False
        elif value is None:
            problem(line, "value", _("enter a number, like 15 or 12.5"))
            ok = False
        ghost_text = _cell(cells, at_ghost).lower()
        if ghost_text not in _YES | _NO:
            problem(line, "ghosted", _("enter yes or no"))
            ok = False
        if ok and on is not None and value is not None:
            seen[on] = line
            rows.append(Row(line, on, value, ghost_text in _YES))
    if len(problems) > MAX_LISTED:
        more = len(problems) - MAX_LISTED
        problems = problems[:MAX_LISTED] + [
            _("and %(num)d more problems: fix these and upload the file again") % {"num": more}
        ]
    return Parsed(rows, problems)


def write(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
