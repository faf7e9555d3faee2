"""Report queries: every aggregate the reports show, and the voluntary demographics' rows.

Each report runs a fixed number of statements whatever the number of ideas: counts are
grouped in SQL, and medians are taken in SQL with window functions (SQLite has no median).
Several groupings share one statement through ``UNION ALL`` with a ``dim`` column.

Days are England's days (as the triage clock counts them): PostgreSQL converts with
``timezone('Europe/London', ...)``; SQLite, which has no time zones, adds the offset in force
(a ``CASE`` over the clock changes inside the period).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    or_,
    union_all,
)
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.models import (
    ETHNICITY_GROUP,
    Comment,
    Contributor,
    DemographicAnswer,
    EthnicGroup,
    Idea,
    IdeaStatus,
    Project,
    ProjectContribution,
    ProjectMember,
    SubjectKind,
    TimelineEvent,
    Unit,
    UnitPopulation,
    User,
    Visibility,
    Vote,
)
from app.projects import access as projects_access

ZONE_NAME = "Europe/London"

#: Statuses that count as an answer whether or not a response was written.
UNANSWERED = (IdeaStatus.submitted.value, IdeaStatus.under_review.value)
ADOPTED = (IdeaStatus.accepted.value, IdeaStatus.in_progress.value, IdeaStatus.done.value)
STARTED = (IdeaStatus.in_progress.value, IdeaStatus.done.value)
PARTNER_ROLES = ("service_user_partner", "carer_partner")
#: The group key of the whole table in grouped statements.
TOTAL = "__total__"
#: The funnel's row for ideas placed on the chosen unit itself (not under a sub-unit).
SELF = "__self__"


@dataclass(frozen=True)
class Scope:
    """Which ideas (and projects) a report counts: sent from ``start`` (inclusive) to ``end``
    (exclusive), at a unit whose path starts with one of ``paths`` (none: everywhere)."""

    start: datetime
    end: datetime
    paths: tuple[str, ...] = ()


def zone() -> tzinfo:
    try:
        return ZoneInfo(ZONE_NAME)
    except ZoneInfoNotFoundError:  # a bare container: UTC is at most an hour out
        return UTC


def _is_pg(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def _offsets(start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The moments inside [start, end) where England's offset from UTC changes, each with the
    offset (hours) from then on; the first entry is the offset at ``start``."""
    tz = zone()

    def offset(moment: datetime) -> int:
        delta = moment.astimezone(tz).utcoffset() or timedelta(0)
        return int(delta.total_seconds() // 3600)

    moment = start.replace(minute=0, second=0, microsecond=0)
    changes = [(start, offset(start))]
    while moment < end:
        step = moment + timedelta(days=1)
        if offset(step) != changes[-1][1]:
            hour = moment
            while offset(hour) == changes[-1][1]:
                hour += timedelta(hours=1)
            changes.append((hour, offset(hour)))
        moment = step
    return changes


def local_date(db: Session, column: Any, scope: Scope) -> ColumnElement[Any]:
    """``column`` (a UTC timestamp inside ``scope``) as England's calendar day."""
    if _is_pg(db):
        return cast(func.timezone(ZONE_NAME, column), Date)
    changes = _offsets(scope.start - timedelta(days=1), scope.end + timedelta(days=400))
    if len(changes) == 1:
        shift: ColumnElement[Any] = literal(f"+{changes[0][1]} hours")
    else:
        shift = case(
            *(
                (column < at, f"+{before} hours")
                for (at, _), (_, before) in zip(changes[1:], changes, strict=False)
            ),
            else_=f"+{changes[-1][1]} hours",
        )
    return func.date(column, shift)


def _seconds(db: Session, later: Any, earlier: Any) -> ColumnElement[float]:
    if _is_pg(db):
        return cast(func.extract("epoch", later - earlier), Float)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def as_day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# --- shared pieces of the idea statements ----------------------------------------------------

_ByUser = aliased(Contributor)

_responded = (
    exists()
    .where(
        col(TimelineEvent.subject_kind) == SubjectKind.idea.value,
        col(TimelineEvent.subject_id) == col(Idea.id),
        col(TimelineEvent.kind) == "response",
    )
    .correlate(Idea)
)
#: An official public response, or a status beyond under review.
ANSWERED = or_(col(Idea.status).not_in(UNANSWERED), _responded)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def ethnic_group_expr() -> ColumnElement[str]:
    return case(
        *((col(DemographicAnswer.ethnicity) == e, g.value) for e, g in ETHNICITY_GROUP.items()),
        else_=EthnicGroup.not_stated.value,
    )


def age_band_expr() -> ColumnElement[str]:
    return case(
        (col(DemographicAnswer.age_band).is_(None), "not_stated"),
        (col(DemographicAnswer.age_band) == "prefer_not", "not_stated"),
        else_=col(DemographicAnswer.age_band),
    )


def _scoped(stmt: Select[Any], scope: Scope, *, demographics: bool = False) -> Select[Any]:
    stmt = stmt.select_from(Idea).join(Unit, col(Unit.id) == col(Idea.unit_id))
    if demographics:
        stmt = stmt.outerjoin(_ByUser, col(_ByUser.user_id) == col(Idea.author_id)).outerjoin(
            DemographicAnswer,
            col(DemographicAnswer.contributor_id)
            == func.coalesce(col(Idea.contributor_id), col(_ByUser.id)),
        )
    return stmt.where(*idea_where(scope))


def idea_where(scope: Scope) -> list[ColumnElement[bool]]:
    """The ideas a report counts: every idea sent in the period at a unit in scope, except
    those hidden (rejected by a moderator or withdrawn by their author)."""
    where: list[ColumnElement[bool]] = [
        col(Idea.visibility) != Visibility.hidden.value,
        col(Idea.created_at) >= scope.start,
        col(Idea.created_at) < scope.end,
    ]
    if scope.paths:
        where.append(or_(*(col(Unit.path).startswith(p) for p in scope.paths)))
    return where


def _bucket(buckets: Sequence[tuple[str, str]]) -> ColumnElement[str]:
    """The funnel's row of an idea: the sub-unit (key, path) it is under, or ``SELF``."""
    if not buckets:
        return literal(SELF, String)
    return case(*((col(Unit.path).startswith(path), key) for key, path in buckets), else_=SELF)


# --- outcomes and medians in one pass -------------------------------------------------------


#: Response times are grouped in bins of this many seconds (a hundredth of a day) to find
#: medians without sorting every idea: the median is exact to a quarter of an hour.
BIN_SECONDS = 864


def outcomes(
    db: Session,
    scope: Scope,
    dims: Sequence[tuple[str, Any]],
    *,
    demographics: bool = False,
) -> dict[tuple[str, str], dict[str, Any]]:
    """For each ``(dim, grp)`` of ``dims`` (name, expression): ideas submitted, answered,
    accepted (or beyond), in progress (or done), done and not taken forward, and the median
    seconds to the first response (``median``) with how many responses (``responded``).

    One statement: the ideas' facts are read once (a materialised CTE), stacked once per
    dimension and counted by group and response-time bin; the medians are read from the
    bins here (``median_of_bins``)."""
    seconds = _seconds(db, col(Idea.first_response_at), col(Idea.created_at))
    facts_cols: list[Any] = [cast(expr, String).label(f"d{i}") for i, (_n, expr) in enumerate(dims)]
    facts_cols += [
        case((ANSWERED, 1), else_=0).label("answered"),
        case((col(Idea.status).in_(ADOPTED), 1), else_=0).label("accepted"),
        case((col(Idea.status).in_(STARTED), 1), else_=0).label("in_progress"),
        case((col(Idea.status) == IdeaStatus.done.value, 1), else_=0).label("done"),
        case((col(Idea.status) == IdeaStatus.not_taken_forward.value, 1), else_=0).label(
            "not_taken_forward"
        ),
        case(
            (col(Idea.first_response_at).is_(None), None),
            else_=cast(func.round(seconds / BIN_SECONDS), Integer),
        ).label("bin"),
    ]
    facts = _scoped(core_select(*facts_cols), scope, demographics=demographics).cte("facts")
    if len(dims) > 1:
        facts = facts.prefix_with("MATERIALIZED")
    counted = ("answered", "accepted", "in_progress", "done", "not_taken_forward")
    stacked = union_all(
        *(
            core_select(
                literal(name, String).label("dim"),
                facts.c[f"d{i}"].label("grp"),
                *(facts.c[m] for m in counted),
                facts.c.bin,
            )
            for i, (name, _e) in enumerate(dims)
        )
    ).subquery("stacked")
    stmt = core_select(
        stacked.c.dim,
        stacked.c.grp,
        stacked.c.bin,
        func.count().label("submitted"),
        *(func.sum(stacked.c[m]).label(m) for m in counted),
    ).group_by(stacked.c.dim, stacked.c.grp, stacked.c.bin)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    bins: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for r in db.execute(stmt):
        key = (r.dim, r.grp)
        row = found.setdefault(key, dict.fromkeys(("submitted", *counted), 0))
        row["submitted"] += int(r.submitted)
        for m in counted:
            row[m] += int(getattr(r, m) or 0)
        if r.bin is not None:
            bins.setdefault(key, []).append((int(r.bin), int(r.submitted)))
    for key, row in found.items():
        median, n = median_of_bins(bins.get(key, []))
        row["median"] = median * BIN_SECONDS if median is not None else None
        row["responded"] = n
    return found


def median_of_bins(bins: Sequence[tuple[int, int]]) -> tuple[float | None, int]:
    """The median of values given as (value, how many), and how many values there are."""
    ordered = sorted(bins)
    n = sum(count for _v, count in ordered)
    if n == 0:
        return None, 0
    lower, upper = (n - 1) // 2, n // 2
    seen, low_value, high_value = 0, None, None
    for value, count in ordered:
        if low_value is None and seen + count > lower:
            low_value = value
        if seen + count > upper:
            high_value = value
            break
        seen += count
    assert low_value is not None
    assert high_value is not None
    return (low_value + high_value) / 2, n


def funnel_outcomes(
    db: Session, scope: Scope, buckets: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """``outcomes`` by the funnel's rows (``unit``) and for the whole (``all``, ``TOTAL``)."""
    return outcomes(db, scope, [("unit", _bucket(buckets)), ("all", total())])


def fairness_outcomes(db: Session, scope: Scope) -> dict[tuple[str, str], dict[str, Any]]:
    """``outcomes`` by contributor type, ethnic group and age band, and for the whole."""
    return outcomes(db, scope, [*_fairness_dims(), ("all", total())], demographics=True)


# --- the funnel ------------------------------------------------------------------------------


def deadline_counts(
    db: Session,
    scope: Scope,
    buckets: Sequence[tuple[str, str]],
    *,
    first_day: date,
    lags: str,
    today: date,
) -> dict[str, tuple[int, int]]:
    """By row: (ideas first answered by their due day, ideas answered or already past due).

    The working-day calendar stays in Python: ``lags`` holds, for each day from ``first_day``
    on, how many calendar days after it an idea sent that day is due, one character each
    (``chr(48 + days)``), and SQL reads an idea's with ``substr``. So the statement is the
    same whatever the data, and answers one row per funnel row."""
    bucket = _bucket(buckets).label("grp")
    sent = local_date(db, col(Idea.created_at), scope)
    first = local_date(db, col(Idea.first_response_at), scope)
    if _is_pg(db):
        offset: Any = sent - literal(first_day, Date)
        taken: Any = first - sent
        waiting: Any = literal(today, Date) - sent
        code: Any = func.ascii
    else:
        start = func.julianday(literal(first_day.isoformat(), String))
        offset = cast(func.julianday(sent) - start, Integer)
        taken = cast(func.julianday(first) - func.julianday(sent), Integer)
        waiting = cast(
            func.julianday(literal(today.isoformat(), String)) - func.julianday(sent), Integer
        )
        code = func.unicode
    lag = code(func.substr(literal(lags, String), offset + 1, 1)) - 48
    answered = col(Idea.first_response_at).is_not(None)
    stmt = _scoped(
        core_select(
            bucket,
            _flag(and_(answered, taken <= lag)),
            _flag(or_(answered, waiting > lag)),
        ),
        scope,
    ).group_by(bucket)
    return {g: (int(a or 0), int(b or 0)) for g, a, b in db.execute(stmt)}


def _fairness_dims() -> list[tuple[str, Any]]:
    return [
        ("contributor_type", col(Idea.submitted_as)),
        ("ethnic_group", ethnic_group_expr()),
        ("age_band", age_band_expr()),
    ]


# --- monthly, for the SPC charts -------------------------------------------------------------


def month(db: Session, scope: Scope) -> ColumnElement[str]:
    """The month (England's, "2026-03") an idea was sent, for ``outcomes``."""
    day = local_date(db, col(Idea.created_at), scope)
    return func.to_char(day, "YYYY-MM") if _is_pg(db) else func.substr(day, 1, 7)


def total() -> ColumnElement[str]:
    """The one group of the whole, for ``outcomes``."""
    return literal(TOTAL, String)


# --- contribution and reach ------------------------------------------------------------------


def contribution_counts(db: Session, scope: Scope) -> list[tuple[str, str, int]]:
    """(what, contributor type, how many): ideas by the idea's ``submitted_as``, votes by the
    voter's "I am a" answer, published comments (on ideas and projects) by the comment's."""
    ideas = _scoped(
        core_select(
            literal("ideas", String).label("what"),
            col(Idea.submitted_as).label("grp"),
            func.count().label("n"),
        ),
        scope,
    ).group_by(col(Idea.submitted_as))
    # Votes and comments are many: their ideas (and projects) in scope are found through the
    # unit path and the ideas' unit index, not by joining every row to its idea.
    in_scope = [or_(*(col(Unit.path).startswith(p) for p in scope.paths))] if scope.paths else []
    idea_ids = (
        core_select(col(Idea.id)).join(Unit, col(Unit.id) == col(Idea.unit_id)).where(*in_scope)
    )
    project_ids = (
        core_select(col(Project.id))
        .join(Unit, col(Unit.id) == col(Project.unit_id))
        .where(*in_scope)
    )
    # Counted per voter first (the vote index), then named by each voter's "I am a" answer.
    per_voter = (
        core_select(col(Vote.user_id).label("user_id"), func.count().label("n"))
        .where(
            col(Vote.created_at) >= scope.start,
            col(Vote.created_at) < scope.end,
            *([col(Vote.idea_id).in_(idea_ids)] if scope.paths else []),
        )
        .group_by(col(Vote.user_id))
        .subquery("per_voter")
    )
    votes: Select[Any] = (
        core_select(
            literal("votes", String).label("what"),
            col(User.identity).label("grp"),
            func.sum(per_voter.c.n).label("n"),
        )
        .select_from(per_voter)
        .join(User, col(User.id) == per_voter.c.user_id)
        .group_by(col(User.identity))
    )
    on_scope = (
        [
            or_(
                and_(
                    col(Comment.subject_kind) == SubjectKind.idea.value,
                    col(Comment.subject_id).in_(idea_ids),
                ),
                and_(
                    col(Comment.subject_kind) == SubjectKind.project.value,
                    col(Comment.subject_id).in_(project_ids),
                ),
            )
        ]
        if scope.paths
        else []
    )
    comments: Select[Any] = (
        core_select(
            literal("comments", String).label("what"),
            col(Comment.author_identity).label("grp"),
            func.count().label("n"),
        )
        .where(
            col(Comment.visibility) == Visibility.published.value,
            col(Comment.deleted_at).is_(None),
            col(Comment.created_at) >= scope.start,
            col(Comment.created_at) < scope.end,
            *on_scope,
        )
        .group_by(col(Comment.author_identity))
    )
    return [(w, g, int(n)) for w, g, n in db.execute(union_all(ideas, votes, comments))]


def reach_counts(db: Session, scope: Scope) -> dict[str, int]:
    """People who sent ideas in the period, by ethnic group (no answer: not stated). A
    person is their contributor id, else their account, else (anonymous, unanswered) each
    idea counts as one person."""
    person = func.coalesce(
        col(Idea.contributor_id),
        col(_ByUser.id),
        literal("u", String) + cast(col(Idea.author_id), String),
        literal("i", String) + cast(col(Idea.id), String),
    )
    grp = ethnic_group_expr().label("grp")
    stmt = _scoped(
        core_select(grp, func.count(func.distinct(person))), scope, demographics=True
    ).group_by(grp)
    return {str(g): int(n) for g, n in db.execute(stmt)}


def populations(db: Session, *, path: str) -> list[tuple[int, str, str, int]]:
    """(unit id, unit path, ethnic group, people) of the unit with ``path`` and those under it."""
    stmt = (
        core_select(
            col(UnitPopulation.unit_id),
            col(Unit.path),
            col(UnitPopulation.ethnic_group),
            col(UnitPopulation.people),
        )
        .join(Unit, col(Unit.id) == col(UnitPopulation.unit_id))
        .where(col(Unit.path).startswith(path))
    )
    return [(int(u), str(p), str(g), int(n)) for u, p, g, n in db.execute(stmt)]


def population_of(db: Session, *, unit_id: int) -> dict[str, int]:
    stmt = core_select(col(UnitPopulation.ethnic_group), col(UnitPopulation.people)).where(
        col(UnitPopulation.unit_id) == unit_id
    )
    return {str(g): int(n) for g, n in db.execute(stmt)}


def set_population(
    db: Session, *, unit_id: int, people: dict[str, int], actor_id: int | None
) -> None:
    db.execute(delete(UnitPopulation).where(col(UnitPopulation.unit_id) == unit_id))
    for group, n in people.items():
        db.add(
            UnitPopulation(
                unit_id=unit_id, ethnic_group=EthnicGroup(group), people=n, updated_by_id=actor_id
            )
        )
    db.flush()


# --- co-production ---------------------------------------------------------------------------


def _project_where(scope: Scope, *, listed_only: bool = False) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        col(Project.created_at) >= scope.start,
        col(Project.created_at) < scope.end,
    ]
    if scope.paths:
        where.append(or_(*(col(Unit.path).startswith(p) for p in scope.paths)))
    if listed_only:
        where.append(projects_access.listed_clause())
    return where


_RUNG_COLUMNS = {
    "defining": Project.rung_defining,
    "designing": Project.rung_designing,
    "testing": Project.rung_testing,
    "evaluating": Project.rung_evaluating,
}


def rungs(db: Session, scope: Scope) -> list[tuple[str, str, int]]:
    """(stage, rung or None, projects) for the projects started in the period."""
    parts: list[Select[Any]] = [
        core_select(
            literal(stage, String).label("stage"),
            col(column).label("rung"),
            func.count().label("n"),
        )
        .select_from(Project)
        .join(Unit, col(Unit.id) == col(Project.unit_id))
        .where(*_project_where(scope))
        .group_by(col(column))
        for stage, column in _RUNG_COLUMNS.items()
    ]
    return [(s, r, int(n)) for s, r, n in db.execute(union_all(*parts))]


def _partnered() -> ColumnElement[bool]:
    return (
        exists()
        .where(
            col(ProjectMember.project_id) == col(Project.id),
            col(ProjectMember.involvement) == "big_i",
            col(ProjectMember.role).in_(PARTNER_ROLES),
        )
        .correlate(Project)
    )


def project_counts(db: Session, scope: Scope, *, listed_only: bool = False) -> tuple[int, int]:
    """(projects started in the period, of which with a Big I service-user or carer partner)."""
    stmt = (
        core_select(func.count(), _flag(_partnered()))
        .select_from(Project)
        .join(Unit, col(Unit.id) == col(Project.unit_id))
        .where(*_project_where(scope, listed_only=listed_only))
    )
    total, partnered = db.execute(stmt).one()
    return int(total or 0), int(partnered or 0)


def contributions(db: Session, scope: Scope) -> list[tuple[str, int, float, int]]:
    """(recognition, entries, hours, people) of the contribution log in the period, for
    projects at a unit in scope (whenever the project started)."""
    start, end = scope.start.date(), scope.end.date()
    stmt = (
        core_select(
            col(ProjectContribution.recognition),
            func.count(),
            func.coalesce(func.sum(col(ProjectContribution.hours)), 0.0),
            func.count(func.distinct(col(ProjectContribution.member_id))),
        )
        .select_from(ProjectContribution)
        .join(Project, col(Project.id) == col(ProjectContribution.project_id))
        .join(Unit, col(Unit.id) == col(Project.unit_id))
        .where(
            col(ProjectContribution.on_date) >= start,
            col(ProjectContribution.on_date) < end,
            *([or_(*(col(Unit.path).startswith(p) for p in scope.paths))] if scope.paths else []),
        )
        .group_by(col(ProjectContribution.recognition))
    )
    return [(str(r), int(n), float(h), int(p)) for r, n, h, p in db.execute(stmt)]


# --- the transparency page's own figures -----------------------------------------------------


def done_between(db: Session, *, start: datetime, end: datetime) -> int:
    """Ideas (not hidden) that became done between ``start`` and ``end``."""
    stmt = (
        core_select(func.count(func.distinct(col(TimelineEvent.subject_id))))
        .select_from(TimelineEvent)
        .join(Idea, col(Idea.id) == col(TimelineEvent.subject_id))
        .where(
            col(TimelineEvent.subject_kind) == SubjectKind.idea.value,
            col(TimelineEvent.to_status) == IdeaStatus.done.value,
            col(TimelineEvent.at) >= start,
            col(TimelineEvent.at) < end,
            col(Idea.visibility) != Visibility.hidden.value,
            col(Idea.status) == IdeaStatus.done.value,
        )
    )
    return int(db.execute(stmt).scalar_one() or 0)


def units_by_paths(db: Session, paths: Sequence[str]) -> list[Unit]:
    if not paths:
        return []
    return list(db.scalars(select(Unit).where(col(Unit.path).in_(paths)).order_by(col(Unit.name))))


def unit_children(db: Session, *, parent_id: int) -> list[Unit]:
    return list(
        db.scalars(select(Unit).where(col(Unit.parent_id) == parent_id).order_by(col(Unit.name)))
    )
