"""Report response shapes for /api/v1/reports/...: every cell is a value and what is shown,
and ``value`` is null wherever the number is suppressed (the API never gives it)."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.reports.service import Report
from app.reports.suppression import Table


class CellOut(BaseModel):
    value: float | int | None = Field(
        description="The number, or null where it is suppressed (or there is none)."
    )
    display: str = Field(description='What is shown: "12", "<10", "45%", "—"...')


class ColumnOut(BaseModel):
    key: str
    label: str
    kind: str = Field(description="count, public (not suppressed), rate or stat")


class RowOut(BaseModel):
    key: str
    label: str
    cells: dict[str, CellOut]


class TableOut(BaseModel):
    key: str
    title: str
    row_heading: str
    columns: list[ColumnOut]
    rows: list[RowOut]

    @classmethod
    def of(cls, table: Table) -> "TableOut":
        return cls(
            key=table.key,
            title=table.title,
            row_heading=table.row_heading,
            columns=[ColumnOut(key=c.key, label=c.label, kind=c.kind.value) for c in table.columns],
            rows=[
                RowOut(
                    key=r.key,
                    label=r.label,
                    cells={
                        c.key: CellOut(value=cell.value, display=cell.display)
                        for c, cell in zip(table.columns, r.cells, strict=True)
                    },
                )
                for r in table.rows
            ],
        )


class ReportOut(BaseModel):
    report: str
    title: str
    period_from: date = Field(serialization_alias="from")
    period_to: date = Field(serialization_alias="to")
    unit: str | None = Field(description="The unit's slug (sub-units included), or null.")
    unit_name: str
    generated_at: datetime
    tables: list[TableOut]
    notes: list[str]

    @classmethod
    def of(cls, report: Report, *, generated_at: datetime) -> "ReportOut":
        s = report.subject
        return cls(
            report=report.key,
            title=report.title,
            period_from=s.period.first,
            period_to=s.period.last,
            unit=s.unit.slug if s.unit else None,
            unit_name=s.label,
            generated_at=generated_at,
            tables=[TableOut.of(t) for t in report.tables],
            notes=list(report.notes),
        )
