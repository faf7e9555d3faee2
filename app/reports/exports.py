"""Every report table as CSV or XLSX. What is written is what the page shows (suppressed
cells as "<10" or "—"), after a heading that says what, for when and where.

Formula injection: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return as a formula, and unit names are typed by people; every such text
cell starts with an apostrophe instead (``neutralise``), in CSV and XLSX alike.
"""

import csv
import io
from collections.abc import Sequence
from datetime import date

from app.reports.suppression import Kind, Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _heading(table: Table, *, period: tuple[date, date], unit: str, made: date) -> list[list[str]]:
    first, last = period
    return [
        [table.title],
        [f"{unit}", f"{first.isoformat()} to {last.isoformat()}", f"made {made.isoformat()}"],
        [],
    ]


def rows(table: Table) -> list[list[str]]:
    """The table as text: its headings, then each row's label and cells as shown."""
    out = [[table.row_heading, *(c.label for c in table.columns)]]
    out += [[row.label, *(cell.display for cell in row.cells)] for row in table.rows]
    return out


def as_csv(table: Table, *, period: tuple[date, date], unit: str, made: date) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in [*_heading(table, period=period, unit=unit, made=made), *rows(table)]:
        writer.writerow([neutralise(v) for v in line])
    return buffer.getvalue()


def as_xlsx(tables: Sequence[Table], *, period: tuple[date, date], unit: str, made: date) -> bytes:
    """One sheet per table. Counts that are shown are numbers; everything else is text."""
    from openpyxl import Workbook  # about 14 MB: only this download needs it

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.key[:31])
        for line in _heading(table, period=period, unit=unit, made=made):
            sheet.append([neutralise(v) for v in line])
        sheet.append([neutralise(v) for v in rows(table)[0]])
        for row in table.rows:
            cells: list[str | int | float] = [neutralise(row.label)]
            for column, cell in zip(table.columns, row.cells, strict=True):
                numeric = column.kind in (Kind.count, Kind.public) and cell.value is not None
                cells.append(cell.value if numeric else neutralise(cell.display))  # type: ignore[arg-type]
            sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
