"""Small-number suppression: the one function every report table goes through (``suppress``).

A report is built as a ``RawTable`` of true numbers and leaves here as a ``Table`` of
``Cell``s, each a ``value`` and the ``display`` people read. Wherever a cell is suppressed its
``value`` is ``None``, so neither a page, a download nor the API can give the number away.

The rules (DOMAIN.md section 8, issue 11):

1. A count from 1 to 9 shows as "<10"; zero shows as 0.
2. Where a row or a column has exactly one suppressed count, the next smallest count in it
   (above zero) is suppressed too, so a total cannot give the first away. This is repeated
   until no row or column has exactly one suppressed count that could be hidden. A count
   of 10 or more suppressed this way shows as "—" (it is not below 10).
3. A rate whose denominator is below 10 shows as "—"; so does a rate whose numerator or
   denominator is itself suppressed (a rate with a known denominator would give the count).
4. A statistic of a group (a median, a sum of hours) shows as "—" when the count it is
   based on is below 10 or suppressed.

Counts of public figures (the population a unit serves) are ``Kind.public``: shown as they
are and left out of rule 2.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

#: Counts below this (and above zero) are suppressed.
THRESHOLD = 10
SMALL = "<10"
NO_RATE = "—"


class Kind(StrEnum):
    count = "count"  # type: ignore[assignment]  # str.count
    public = "public"
    rate = "rate"
    stat = "stat"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = Kind.count
    #: A rate: the count columns of its numerator and denominator (``denominator_row``: take
    #: the denominator from that row, e.g. "total", instead of the same row).
    numerator: str | None = None
    denominator: str | None = None
    denominator_row: str | None = None
    #: A statistic: the count it is based on (a count column, or a key of the row's values
    #: not shown as a column), and how its value is written. Rates may use such keys too.
    based_on: str | None = None
    fmt: Callable[[float], str] | None = None


@dataclass(frozen=True)
class RawRow:
    key: str
    label: str
    #: Counts (and public counts) by column key; a statistic's value (or None: no data).
    values: Mapping[str, float | int | None]


@dataclass(frozen=True)
class RawTable:
    key: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[RawRow]
    #: The heading of the row labels' column.
    row_heading: str = ""


@dataclass(frozen=True)
class Cell:
    value: float | int | None
    display: str

    @property
    def suppressed(self) -> bool:
        return self.value is None and self.display in (SMALL, NO_RATE)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    row_heading: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def cell(self, row: str, column: str) -> Cell:
        index = [c.key for c in self.columns].index(column)
        return next(r for r in self.rows if r.key == row).cells[index]


def _count_display(n: int) -> str:
    return f"{n:,}"


def _rate_display(rate: float) -> str:
    return f"{round(rate * 100)}%"


def _secondary(grid: list[list[int | None]], hidden: set[tuple[int, int]]) -> None:
    """Rule 2 on a grid of sensitive counts (None: not a sensitive count), in place."""
    lines: list[list[tuple[int, int]]] = [
        [(r, c) for c, v in enumerate(row) if v is not None] for r, row in enumerate(grid)
    ]
    width = max((len(row) for row in grid), default=0)
    lines += [
        [(r, c) for r in range(len(grid)) if c < len(grid[r]) and grid[r][c] is not None]
        for c in range(width)
    ]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for at in line if at in hidden) != 1:
                continue
            candidates = [
                (grid[r][c], r, c)
                for r, c in line
                if (r, c) not in hidden and (grid[r][c] or 0) > 0
            ]
            if candidates:
                _value, r, c = min(candidates)
                hidden.add((r, c))
                changed = True


def suppress(table: RawTable) -> Table:
    """The table as people may see it: every rule above applied (the only place they are)."""
    columns = tuple(table.columns)
    rows = list(table.rows)
    counts = [c.key for c in columns if c.kind is Kind.count]

    grid: list[list[int | None]] = [
        [int(row.values.get(c.key) or 0) if c.kind is Kind.count else None for c in columns]
        for row in rows
    ]
    hidden = {
        (r, c)
        for r, line in enumerate(grid)
        for c, v in enumerate(line)
        if v is not None and 0 < v < THRESHOLD
    }
    _secondary(grid, hidden)

    col_index = {c.key: i for i, c in enumerate(columns)}
    row_index = {row.key: i for i, row in enumerate(rows)}

    def count(r: int, key: str) -> tuple[int, bool]:
        """The true value of ``key`` in row ``r`` (a count column, or a number the table does
        not show, such as how many values a median is of), and whether it is suppressed."""
        value = int(rows[r].values.get(key) or 0)
        return value, key in counts and (r, col_index[key]) in hidden

    out: list[Row] = []
    for r, row in enumerate(rows):
        cells: list[Cell] = []
        for c, column in enumerate(columns):
            if column.kind is Kind.count:
                n = grid[r][c] or 0
                if (r, c) not in hidden:
                    cells.append(Cell(n, _count_display(n)))
                else:
                    # "<10" only where it is true; a count hidden to protect another says
                    # only that it is not shown.
                    cells.append(Cell(None, SMALL if n < THRESHOLD else NO_RATE))
            elif column.kind is Kind.public:
                n = int(row.values.get(column.key) or 0)
                cells.append(Cell(n, _count_display(n)))
            elif column.kind is Kind.rate:
                assert column.numerator
                assert column.denominator
                num, num_hidden = count(r, column.numerator)
                d_row = row_index[column.denominator_row] if column.denominator_row else r
                den, den_hidden = count(d_row, column.denominator)
                if den < THRESHOLD or num_hidden or den_hidden:
                    cells.append(Cell(None, NO_RATE))
                else:
                    rate = num / den
                    cells.append(Cell(round(rate, 4), _rate_display(rate)))
            else:
                assert column.based_on
                n, n_hidden = count(r, column.based_on)
                value = row.values.get(column.key)
                if value is None or n < THRESHOLD or n_hidden:
                    cells.append(Cell(None, NO_RATE))
                else:
                    fmt = column.fmt or (lambda v: f"{v:,.1f}")
                    cells.append(Cell(round(float(value), 2), fmt(float(value))))
        out.append(Row(row.key, row.label, tuple(cells)))
    return Table(table.key, table.title, table.row_heading, columns, tuple(out))
