"""Projects, driver diagrams, PDSA cycles and measures made through the real services, with
keyword overrides. Each commits, like a finished request."""

import itertools
from collections.abc import Sequence
from datetime import date, timedelta

from sqlmodel import Session

from app.accounts.principal import Principal
from app.measures import service as measures
from app.measures.schemas import MeasureFields
from app.models import (
    DriverKind,
    DriverNode,
    Idea,
    Measure,
    MeasureDirection,
    MeasureKind,
    MeasureRuleSet,
    PDSACycle,
    PDSADecision,
    PDSAStatus,
    Project,
    ProjectStatus,
    Unit,
)
from app.projects import drivers, pdsa
from app.projects import repository as projects_repo
from app.projects import service as projects
from app.projects.schemas import AimParts, compose_aim
from app.units import service as units
from tests.ideas.factories import staff_principal

_seq = itertools.count(1)

#: The Monday the factories' weekly data starts on.
FIRST_WEEK = date(2026, 1, 5)


def lead(db: Session) -> Principal:
    """The improvement lead who runs the test's projects (one per test database)."""
    return staff_principal(db)


def create_project(
    db: Session,
    *,
    title: str | None = None,
    what: str | None = None,
    unit: Unit | None = None,
    status: ProjectStatus = ProjectStatus.active,
    ideas: Sequence[Idea] = (),
    actor: Principal | None = None,
) -> Project:
    n = next(_seq)
    parts = AimParts(
        what=what or f"Improve thing number {n}", how_much="by half", by_when="March 2027"
    )
    project = projects.create(
        db,
        title=title or f"Project number {n}",
        aim=compose_aim(parts),
        aim_parts=parts,
        unit=unit or units.root(db),
        status=status,
        actor=actor or lead(db),
    )
    for idea in ideas:
        projects.link_idea(db, project=project, idea=idea, actor=actor or lead(db))
    db.commit()
    return project


def weekly(count: int, start: date = FIRST_WEEK) -> list[date]:
    return [start + timedelta(weeks=i) for i in range(count)]


def create_measure(
    db: Session,
    project: Project,
    *,
    name: str | None = None,
    kind: MeasureKind = MeasureKind.outcome,
    direction: MeasureDirection = MeasureDirection.down,
    target: float | None = None,
    values: Sequence[float] = (),
    start: date = FIRST_WEEK,
    rule_set: MeasureRuleSet = MeasureRuleSet.mdc_2024,
    unit_label: str | None = None,
) -> Measure:
    data = MeasureFields(
        name=name or f"Measure number {next(_seq)}",
        kind=kind,
        direction=direction,
        target=target,
        rule_set=rule_set,
        unit_label=unit_label,
    )
    measure = measures.create(db, project=project, data=data, actor=lead(db))
    if values:
        measures.add_points(
            db,
            measure=measure,
            project=project,
            points=list(zip(weekly(len(values), start), values, strict=True)),
            actor=lead(db),
        )
    db.commit()
    return measure


def create_driver(
    db: Session,
    project: Project,
    *,
    kind: DriverKind = DriverKind.primary,
    text: str | None = None,
    parents: Sequence[DriverNode] = (),
    idea: Idea | None = None,
) -> DriverNode:
    node = drivers.add(
        db,
        project=project,
        kind=kind,
        text=text or f"Driver number {next(_seq)}",
        parent_ids=[p.id for p in parents if p.id is not None],
        idea_id=idea.id if idea else None,
        actor=lead(db),
    )
    db.commit()
    return node


def create_cycle(
    db: Session,
    project: Project,
    *,
    title: str | None = None,
    change_idea: DriverNode | None = None,
    started: date | None = None,
    decision: PDSADecision | None = None,
) -> PDSACycle:
    """A cycle, started on ``started`` (or left in Plan), and finished with ``decision``."""
    actor = lead(db)
    cycle = pdsa.create(
        db,
        project=project,
        title=title or f"Test number {next(_seq)}",
        actor=actor,
        change_idea_id=change_idea.id if change_idea else None,
    )
    db.commit()
    label = pdsa.labels(projects_repo.cycles(db, project.id or 0)).get(cycle.id or 0, "")
    if started is not None:
        pdsa.advance(db, project=project, cycle=cycle, actor=actor, label=label, on=started)
    if decision is not None:
        while cycle.status != PDSAStatus.acting:
            pdsa.advance(db, project=project, cycle=cycle, actor=actor, label=label)
        cycle.decision = decision
        pdsa.advance(db, project=project, cycle=cycle, actor=actor, label=label)
    db.commit()
    return cycle


#: The acceptance example: weekly values at an earlier level, then nine well below it.
EARLIER = [24, 26, 25, 27, 24, 25, 26, 24, 27, 25, 26, 25, 24, 26, 25]
LATER = [14, 13, 15, 12, 14, 13, 12, 14, 13]
