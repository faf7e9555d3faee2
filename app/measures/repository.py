"""Measure queries: a measure with its project, the data of many measures at once (so a page
with ten charts is still a fixed number of statements), and the SPC matrix of a unit."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from app.accounts.principal import Principal
from app.models import (
    Measure,
    MeasureAnnotation,
    MeasurePoint,
    MeasureRecalculation,
    Project,
    Unit,
    utcnow,
)
from app.projects import access as projects_access

#: Outcome measures first, then process, then balancing (how boards read them).
_KIND_ORDER = {"outcome": 0, "process": 1, "balancing": 2}


def get(db: Session, measure_id: int) -> Measure | None:
    return db.get(Measure, measure_id)


def with_project(
    db: Session, measure_id: int, *, viewer: Principal | None
) -> tuple[Measure, Project, Unit] | None:
    """The measure, its project and the project's unit, if ``viewer`` may see the project."""
    row = db.execute(
        select(Measure, Project, Unit)
        .join(Project, col(Project.id) == col(Measure.project_id))
        .join(Unit, col(Unit.id) == col(Project.unit_id))
        .where(col(Measure.id) == measure_id, projects_access.visible_clause(viewer))
    ).first()
    return (row[0], row[1], row[2]) if row else None


def sort_measures(measures: Sequence[Measure]) -> list[Measure]:
    return sorted(measures, key=lambda m: (_KIND_ORDER.get(m.kind, 9), m.id or 0))


def of_project(db: Session, project_id: int) -> list[Measure]:
    return sort_measures(
        db.scalars(select(Measure).where(col(Measure.project_id) == project_id)).all()
    )


def points(db: Session, measure_ids: Sequence[int]) -> dict[int, list[MeasurePoint]]:
    """Each measure's points in date order (one statement for all of them)."""
    out: dict[int, list[MeasurePoint]] = defaultdict(list)
    if measure_ids:
        for point in db.scalars(
            select(MeasurePoint)
            .where(col(MeasurePoint.measure_id).in_(measure_ids))
            .order_by(col(MeasurePoint.measure_id), col(MeasurePoint.on_date))
        ):
            out[point.measure_id].append(point)
    return out


def annotations(db: Session, measure_ids: Sequence[int]) -> dict[int, list[MeasureAnnotation]]:
    out: dict[int, list[MeasureAnnotation]] = defaultdict(list)
    if measure_ids:
        for row in db.scalars(
            select(MeasureAnnotation)
            .where(col(MeasureAnnotation.measure_id).in_(measure_ids))
            .order_by(col(MeasureAnnotation.on_date), col(MeasureAnnotation.id))
        ):
            out[row.measure_id].append(row)
    return out


def recalculations(
    db: Session, measure_ids: Sequence[int]
) -> dict[int, list[MeasureRecalculation]]:
    out: dict[int, list[MeasureRecalculation]] = defaultdict(list)
    if measure_ids:
        for row in db.scalars(
            select(MeasureRecalculation)
            .where(col(MeasureRecalculation.measure_id).in_(measure_ids))
            .order_by(col(MeasureRecalculation.on_date))
        ):
            out[row.measure_id].append(row)
    return out


def point(db: Session, point_id: int) -> MeasurePoint | None:
    return db.get(MeasurePoint, point_id)


def annotation(db: Session, annotation_id: int) -> MeasureAnnotation | None:
    return db.get(MeasureAnnotation, annotation_id)


def recalculation(db: Session, recalculation_id: int) -> MeasureRecalculation | None:
    return db.get(MeasureRecalculation, recalculation_id)


def dates_of(db: Session, measure_id: int) -> set[date]:
    return set(
        db.scalars(
            select(col(MeasurePoint.on_date)).where(col(MeasurePoint.measure_id) == measure_id)
        )
    )


def add_points(db: Session, measure_id: int, rows: Sequence[tuple[date, float, bool]]) -> None:
    """Insert many points (date, value, ghosted) in one statement."""
    if rows:
        now = utcnow()
        db.execute(
            insert(MeasurePoint),
            [
                {
                    "measure_id": measure_id,
                    "on_date": d,
                    "value": v,
                    "ghosted": g,
                    "created_at": now,
                }
                for d, v, g in rows
            ],
        )


def remove_points(db: Session, measure_id: int) -> None:
    db.execute(delete(MeasurePoint).where(col(MeasurePoint.measure_id) == measure_id))


def delete_row(db: Session, row: Any) -> None:
    db.delete(row)


def matrix(
    db: Session, unit: Unit, *, viewer: Principal | None
) -> list[tuple[Measure, Project, str]]:
    """Every measure of the projects in ``unit`` and everything under it that ``viewer`` may
    see, with its project and the project's unit name (one statement)."""
    rows = db.execute(
        select(Measure, Project, col(Unit.name))
        .join(Project, col(Project.id) == col(Measure.project_id))
        .join(Unit, col(Unit.id) == col(Project.unit_id))
        .where(col(Unit.path).startswith(unit.path), projects_access.visible_clause(viewer))
        .order_by(col(Project.id).desc())
    ).all()
    found = [(r[0], r[1], r[2]) for r in rows]
    order = {id(m): i for i, m in enumerate(sort_measures([r[0] for r in found]))}
    found.sort(key=lambda r: (-(r[1].id or 0), order[id(r[0])]))
    return found
