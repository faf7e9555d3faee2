"""Project queries: a project and everything on its page, the library, an idea's projects and
its latest outcome, "you said, we did", and "tried elsewhere".

Every page is a fixed number of statements whatever the number of members, cycles, ideas or
measures. Which projects a list may show is decided by app/projects/access.py, never here.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_
from sqlmodel import Session, col, select

from app.accounts.principal import Principal
from app.ideas import access as ideas_access
from app.ideas import repository as ideas_repo
from app.ideas import search as ideas_search
from app.models import (
    DriverLink,
    DriverNode,
    Idea,
    IdeaStatus,
    Measure,
    MeasureKind,
    PDSACycle,
    Project,
    ProjectContribution,
    ProjectIdea,
    ProjectMember,
    ProjectProgress,
    ProjectStatus,
    SubjectKind,
    TimelineEvent,
    Unit,
    User,
)
from app.projects import access

#: Statuses whose results count as an idea's outcome (a proposed or stopped project's do not).
OUTCOME_STATUSES = (ProjectStatus.active, ProjectStatus.sustaining, ProjectStatus.completed)


def get(db: Session, project_id: int) -> Project | None:
    return db.get(Project, project_id)


def with_unit(
    db: Session, project_id: int, *, viewer: Principal | None
) -> tuple[Project, Unit] | None:
    """The project and its unit, if ``viewer`` may see it (one statement)."""
    row = db.execute(
        select(Project, Unit)
        .join(Unit, col(Unit.id) == col(Project.unit_id))
        .where(col(Project.id) == project_id, access.visible_clause(viewer))
    ).first()
    return (row[0], row[1]) if row else None


# --- the team and its log --------------------------------------------------------------------


def members(db: Session, project_id: int) -> list[tuple[ProjectMember, User | None]]:
    rows = db.execute(
        select(ProjectMember, User)
        .outerjoin(User, col(User.id) == col(ProjectMember.user_id))
        .where(col(ProjectMember.project_id) == project_id)
        .order_by(col(ProjectMember.id))
    ).all()
    return [(r[0], r[1]) for r in rows]


def member(db: Session, member_id: int) -> ProjectMember | None:
    return db.get(ProjectMember, member_id)


def member_has_contributions(db: Session, member_id: int) -> bool:
    return bool(db.scalar(select(exists().where(col(ProjectContribution.member_id) == member_id))))


def contributions(db: Session, project_id: int) -> Sequence[ProjectContribution]:
    return db.scalars(
        select(ProjectContribution)
        .where(col(ProjectContribution.project_id) == project_id)
        .order_by(col(ProjectContribution.on_date).desc(), col(ProjectContribution.id).desc())
    ).all()


def progress(db: Session, project_id: int) -> Sequence[ProjectProgress]:
    return db.scalars(
        select(ProjectProgress)
        .where(col(ProjectProgress.project_id) == project_id)
        .order_by(col(ProjectProgress.id))
    ).all()


def big_i_project_ids(db: Session, project_ids: Sequence[int]) -> set[int]:
    """Which of these projects have a service user or carer on the team as a Big I member."""
    if not project_ids:
        return set()
    return set(
        db.scalars(
            select(ProjectMember.project_id)
            .where(
                col(ProjectMember.project_id).in_(project_ids),
                col(ProjectMember.involvement) == "big_i",
                col(ProjectMember.role).in_(["service_user_partner", "carer_partner"]),
            )
            .distinct()
        )
    )


# --- linked ideas ----------------------------------------------------------------------------


def linked_ideas(db: Session, project_id: int) -> Sequence[Idea]:
    """The published ideas a project took up, oldest link first."""
    return db.scalars(
        select(Idea)
        .join(ProjectIdea, col(ProjectIdea.idea_id) == col(Idea.id))
        .where(col(ProjectIdea.project_id) == project_id, ideas_access.listed_clause())
        .order_by(col(ProjectIdea.linked_at), col(Idea.id))
    ).all()


def link(db: Session, project_id: int, idea_id: int) -> ProjectIdea | None:
    return db.get(ProjectIdea, (project_id, idea_id))


def linked_idea_ids(db: Session, project_id: int) -> list[int]:
    return list(
        db.scalars(select(ProjectIdea.idea_id).where(col(ProjectIdea.project_id) == project_id))
    )


def projects_of_idea(db: Session, idea_id: int) -> Sequence[Project]:
    """The published projects an idea is part of, newest first."""
    return db.scalars(
        select(Project)
        .join(ProjectIdea, col(ProjectIdea.project_id) == col(Project.id))
        .where(col(ProjectIdea.idea_id) == idea_id, access.listed_clause())
        .order_by(col(Project.id).desc())
    ).all()


def latest_outcome(db: Session, idea_id: int) -> tuple[Measure, Project] | None:
    """The newest outcome-measure result of the newest active, sustaining or completed
    project the idea is linked to (one statement)."""
    newest = (
        select(func.max(col(Project.id)))
        .join(ProjectIdea, col(ProjectIdea.project_id) == col(Project.id))
        .where(col(ProjectIdea.idea_id) == idea_id, col(Project.status).in_(OUTCOME_STATUSES))
        .scalar_subquery()
    )
    row = db.execute(
        select(Measure, Project)
        .join(Project, col(Project.id) == col(Measure.project_id))
        .where(
            col(Project.id) == newest,
            col(Measure.kind) == MeasureKind.outcome,
            col(Measure.latest_on).is_not(None),
        )
        .order_by(col(Measure.latest_on).desc(), col(Measure.id).desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def idea_project_events(db: Session, idea_id: int) -> Sequence[TimelineEvent]:
    """What projects wrote on an idea's public timeline (an adopted change)."""
    return db.scalars(
        select(TimelineEvent)
        .where(
            col(TimelineEvent.subject_kind) == SubjectKind.idea,
            col(TimelineEvent.subject_id) == idea_id,
            col(TimelineEvent.kind).in_(IDEA_EVENT_KINDS),
        )
        .order_by(col(TimelineEvent.id))
    ).all()


#: The kinds of entry projects write on an idea's timeline.
IDEA_EVENT_KINDS = ("pdsa_adopted",)


# --- the driver diagram and PDSA cycles ------------------------------------------------------


def drivers(db: Session, project_id: int) -> Sequence[DriverNode]:
    return db.scalars(
        select(DriverNode)
        .where(col(DriverNode.project_id) == project_id)
        .order_by(col(DriverNode.id))
    ).all()


def driver(db: Session, node_id: int) -> DriverNode | None:
    return db.get(DriverNode, node_id)


def driver_links(db: Session, project_id: int) -> list[tuple[int, int]]:
    """(parent, child) for every link of the project's diagram."""
    rows = db.execute(
        select(col(DriverLink.parent_id), col(DriverLink.child_id))
        .join(DriverNode, col(DriverNode.id) == col(DriverLink.child_id))
        .where(col(DriverNode.project_id) == project_id)
        .order_by(col(DriverLink.child_id), col(DriverLink.parent_id))
    ).all()
    return [(int(r[0]), int(r[1])) for r in rows]


def set_parents(db: Session, node_id: int, parent_ids: Sequence[int]) -> None:
    db.execute(delete(DriverLink).where(col(DriverLink.child_id) == node_id))
    for parent_id in parent_ids:
        db.add(DriverLink(parent_id=parent_id, child_id=node_id))


def remove_driver(db: Session, node: DriverNode) -> None:
    db.execute(delete(DriverLink).where(col(DriverLink.child_id) == node.id))
    db.delete(node)


def has_children(db: Session, node_id: int) -> bool:
    return bool(db.scalar(select(exists().where(col(DriverLink.parent_id) == node_id))))


def has_cycles(db: Session, node_id: int) -> bool:
    return bool(db.scalar(select(exists().where(col(PDSACycle.change_idea_id) == node_id))))


def cycles(db: Session, project_id: int) -> Sequence[PDSACycle]:
    return db.scalars(
        select(PDSACycle).where(col(PDSACycle.project_id) == project_id).order_by(col(PDSACycle.id))
    ).all()


def cycles_of_projects(db: Session, project_ids: Sequence[int]) -> Sequence[PDSACycle]:
    if not project_ids:
        return []
    return db.scalars(
        select(PDSACycle)
        .where(col(PDSACycle.project_id).in_(project_ids))
        .order_by(col(PDSACycle.id))
    ).all()


def cycle(db: Session, cycle_id: int) -> PDSACycle | None:
    return db.get(PDSACycle, cycle_id)


def last_number(db: Session, project_id: int, change_idea_id: int | None) -> int:
    """The highest cycle number in a ramp (0 for an empty one)."""
    ramp = (
        col(PDSACycle.change_idea_id).is_(None)
        if change_idea_id is None
        else col(PDSACycle.change_idea_id) == change_idea_id
    )
    return int(
        db.scalar(
            select(func.coalesce(func.max(col(PDSACycle.number)), 0)).where(
                col(PDSACycle.project_id) == project_id, ramp
            )
        )
        or 0
    )


def events(db: Session, project_id: int) -> Sequence[TimelineEvent]:
    return db.scalars(
        select(TimelineEvent)
        .where(
            col(TimelineEvent.subject_kind) == SubjectKind.project,
            col(TimelineEvent.subject_id) == project_id,
        )
        .order_by(col(TimelineEvent.id))
    ).all()


# --- the library -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryFilters:
    q: str = ""
    unit: Unit | None = None
    status: ProjectStatus | None = None
    measure_kind: MeasureKind | None = None
    #: "improvement": an outcome measure has shown special-cause improvement; "not_yet": none.
    outcome: str = ""


@dataclass(frozen=True)
class LibraryRow:
    project: Project
    unit_name: str
    improvement: bool


def _words(text_: str) -> list[str]:
    return ideas_search.terms(text_, any_word=True)[:8]


def _text_match(words: Sequence[str], *, every: bool) -> ColumnElement[bool] | None:
    """Projects whose title or aim contains the words (each of them, or any)."""
    if not words:
        return None
    clauses = [
        or_(
            func.lower(col(Project.title)).contains(word, autoescape=True),
            func.lower(col(Project.aim)).contains(word, autoescape=True),
        )
        for word in words
    ]
    return and_(*clauses) if every else or_(*clauses)


def _improved() -> Any:
    return exists().where(
        col(Measure.project_id) == col(Project.id),
        col(Measure.kind) == MeasureKind.outcome,
        col(Measure.improvement_shown_at).is_not(None),
    )


def library(
    db: Session,
    *,
    filters: LibraryFilters,
    viewer: Principal | None,
    limit: int,
    offset: int = 0,
) -> tuple[list[LibraryRow], bool]:
    """A page of projects (newest first) and whether there are more: one statement."""
    improved = _improved()
    stmt = (
        select(Project, col(Unit.name), improved.label("improved"))
        .join(Unit, col(Unit.id) == col(Project.unit_id))
        .where(access.visible_clause(viewer))
    )
    if filters.unit is not None:
        stmt = stmt.where(col(Unit.path).startswith(filters.unit.path))
    if filters.status is not None:
        stmt = stmt.where(col(Project.status) == filters.status)
    if filters.measure_kind is not None:
        stmt = stmt.where(
            exists().where(
                col(Measure.project_id) == col(Project.id),
                col(Measure.kind) == filters.measure_kind,
            )
        )
    if filters.outcome == "improvement":
        stmt = stmt.where(improved)
    elif filters.outcome == "not_yet":
        stmt = stmt.where(~improved)
    match = _text_match(_words(filters.q), every=True)
    if match is not None:
        stmt = stmt.where(match)
    rows = db.execute(stmt.order_by(col(Project.id).desc()).offset(offset).limit(limit + 1)).all()
    found = [LibraryRow(project=r[0], unit_name=r[1], improvement=bool(r[2])) for r in rows]
    return found[:limit], len(found) > limit


# --- "you said, we did" ----------------------------------------------------------------------


def said_and_did(
    db: Session, *, unit: Unit | None, limit: int, offset: int = 0
) -> tuple[list[tuple[Idea, str]], bool]:
    """Published ideas in progress or done (most recently changed first) with their unit's
    name, and whether there are more (one statement)."""
    stmt = (
        select(Idea, col(Unit.name))
        .join(Unit, col(Unit.id) == col(Idea.unit_id))
        .where(
            ideas_access.listed_clause(),
            col(Idea.status).in_([IdeaStatus.in_progress, IdeaStatus.done]),
        )
    )
    if unit is not None:
        stmt = stmt.where(col(Unit.path).startswith(unit.path))
    rows = db.execute(
        stmt.order_by(col(Idea.updated_at).desc(), col(Idea.id).desc())
        .offset(offset)
        .limit(limit + 1)
    ).all()
    found = [(r[0], r[1]) for r in rows]
    return found[:limit], len(found) > limit


def projects_of_ideas(db: Session, idea_ids: Sequence[int]) -> list[tuple[int, Project]]:
    """(idea id, project) for every published project linked to these ideas, newest first."""
    if not idea_ids:
        return []
    rows = db.execute(
        select(col(ProjectIdea.idea_id), Project)
        .join(Project, col(Project.id) == col(ProjectIdea.project_id))
        .where(col(ProjectIdea.idea_id).in_(idea_ids), access.listed_clause())
        .order_by(col(Project.id).desc())
    ).all()
    return [(int(r[0]), r[1]) for r in rows]


def latest_status_notes(db: Session, idea_ids: Sequence[int]) -> dict[int, TimelineEvent]:
    """Each idea's latest status change that carries a public note ("what changed")."""
    if not idea_ids:
        return {}
    newest = (
        select(func.max(col(TimelineEvent.id)))
        .where(
            col(TimelineEvent.subject_kind) == SubjectKind.idea,
            col(TimelineEvent.subject_id).in_(idea_ids),
            col(TimelineEvent.kind) == "status",
            col(TimelineEvent.note).is_not(None),
        )
        .group_by(col(TimelineEvent.subject_id))
    )
    events_ = db.scalars(select(TimelineEvent).where(col(TimelineEvent.id).in_(newest))).all()
    return {e.subject_id: e for e in events_}


def outcome_measures(db: Session, project_ids: Sequence[int]) -> Sequence[Measure]:
    """The outcome measures (with data) of these projects, newest data first."""
    if not project_ids:
        return []
    return db.scalars(
        select(Measure)
        .where(
            col(Measure.project_id).in_(project_ids),
            col(Measure.kind) == MeasureKind.outcome,
            col(Measure.latest_on).is_not(None),
        )
        .order_by(col(Measure.latest_on).desc(), col(Measure.id).desc())
    ).all()


# --- "tried elsewhere" -----------------------------------------------------------------------


def _stem(word: str) -> str:
    for ending in ("ing", "ed", "es", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def shared_words(words: Sequence[str], text_: str) -> int:
    """How many of ``words`` (search terms) ``text_`` contains, ignoring simple endings."""
    have = {_stem(w) for w in ideas_search.words(text_)}
    return len({_stem(w) for w in words} & have)


def _enough(words: Sequence[str]) -> int:
    """Shared words a match needs: one for a short query, two otherwise (one common word in a
    long text is not "something like this")."""
    return 1 if len(words) < 3 else 2


def done_ideas_like(
    db: Session, text_: str, *, away_from: Unit | None, limit: int
) -> list[tuple[Idea, str]]:
    """Done, published ideas most like ``text_`` outside ``away_from`` (and its sub-units),
    with their unit's name: the full-text search, then one statement for the rows."""
    # Ranked among done ideas only, so a done idea is never crowded out by undone ones, and
    # holding two of the words when there are three or more (what ``_enough`` asks below).
    ranked = ideas_repo.ranked_ids(
        db, text_, limit=limit * 10, any_word=True, done_only=True, two_words=True
    )
    if not ranked:
        return []
    scores = dict(ranked)
    stmt = (
        select(Idea, col(Unit.name))
        .join(Unit, col(Unit.id) == col(Idea.unit_id))
        .where(
            col(Idea.id).in_(list(scores)),
            col(Idea.status) == IdeaStatus.done,
            ideas_access.listed_clause(),
        )
    )
    if away_from is not None:
        stmt = stmt.where(~col(Unit.path).startswith(away_from.path))
    words = _words(text_)
    rows = [
        (r[0], r[1])
        for r in db.execute(stmt).all()
        if shared_words(words, f"{r[0].title} {r[0].description}") >= _enough(words)
    ]
    rows.sort(key=lambda r: (-scores[r[0].id], -(r[0].id or 0)))
    return rows[:limit]


def projects_like(
    db: Session, text_: str, *, away_from: Unit | None, limit: int
) -> list[tuple[Project, str]]:
    """Published projects whose title or aim shares the most words with ``text_``, outside
    ``away_from`` (and its sub-units), with their unit's name (one statement)."""
    words = _words(text_)
    match = _text_match(words, every=False)
    if match is None:
        return []
    stmt = (
        select(Project, col(Unit.name))
        .join(Unit, col(Unit.id) == col(Project.unit_id))
        .where(access.listed_clause(), match)
        .order_by(col(Project.id).desc())
        .limit(200)
    )
    if away_from is not None:
        stmt = stmt.where(~col(Unit.path).startswith(away_from.path))
    found = [(r[0], r[1]) for r in db.execute(stmt).all()]
    shared = {p.id: shared_words(words, f"{p.title} {p.aim}") for p, _name in found}
    rows = [(p, name) for p, name in found if shared[p.id] >= _enough(words)]
    rows.sort(key=lambda r: (-shared[r[0].id], -(r[0].id or 0)))
    return rows[:limit]


def ideas_to_link(db: Session, text_: str, *, limit: int) -> list[tuple[Idea, str]]:
    """Published ideas matching ``text_`` that a project could take up (not refused or merged),
    with their unit's name."""
    ranked = ideas_repo.ranked_ids(db, text_, limit=limit * 4, any_word=True)
    if not ranked:
        return []
    scores = dict(ranked)
    rows = db.execute(
        select(Idea, col(Unit.name))
        .join(Unit, col(Unit.id) == col(Idea.unit_id))
        .where(
            col(Idea.id).in_(list(scores)),
            ideas_access.listed_clause(),
            col(Idea.status).not_in([IdeaStatus.not_taken_forward, IdeaStatus.duplicate]),
        )
    ).all()
    found = [(r[0], r[1]) for r in rows]
    found.sort(key=lambda r: (-scores[r[0].id], -(r[0].id or 0)))
    return found[:limit]
