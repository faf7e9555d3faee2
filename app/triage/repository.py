"""Triage queries: the queue (a fixed number of statements whatever its length), one idea
with its names, staff notes, the staff who may own an idea, and the units a person works in."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, func
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.ideas import access as ideas_access
from app.models import (
    STAFF_ROLES,
    Category,
    Idea,
    IdeaStatus,
    StaffNote,
    Unit,
    User,
    UserRole,
    UserUnit,
)

#: The statuses the queue holds: ideas still waiting for a decision.
QUEUE_STATUSES = (IdeaStatus.submitted, IdeaStatus.under_review)


class Sort(StrEnum):
    oldest = "oldest"
    supported = "supported"
    due = "due"


@dataclass(frozen=True)
class QueueFilters:
    unit: Unit | None = None
    category: Category | None = None
    status: IdeaStatus | None = None
    #: Only ideas with no first response sent before this moment (overdue ones).
    overdue_before: datetime | None = None
    #: Only ideas this person owns.
    owner_id: int | None = None
    sort: Sort = Sort.oldest


@dataclass(frozen=True)
class QueueRow:
    idea: Idea
    unit_name: str
    unit_path: str
    category_name: str
    owner_name: str | None


def member_paths(db: Session, *, user_id: int) -> frozenset[str]:
    """The materialised paths of the units ``user_id`` works in."""
    return frozenset(
        db.scalars(
            select(Unit.path)
            .join(UserUnit, col(UserUnit.unit_id) == col(Unit.id))
            .where(col(UserUnit.user_id) == user_id)
        )
    )


_Owner = aliased(User)


def _queue_where(filters: QueueFilters, allowed: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    where = [
        ideas_access.listed_clause(),
        allowed,
        col(Idea.status).in_([filters.status] if filters.status else QUEUE_STATUSES),
    ]
    if filters.unit is not None:
        where.append(col(Unit.path).startswith(filters.unit.path))
    if filters.category is not None:
        where.append(col(Idea.category_id) == filters.category.id)
    if filters.overdue_before is not None:
        where.append(col(Idea.first_response_at).is_(None))
        where.append(col(Idea.created_at) < filters.overdue_before)
    if filters.owner_id is not None:
        where.append(col(Idea.owner_id) == filters.owner_id)
    return where


_ORDER = {
    Sort.oldest: (col(Idea.created_at), col(Idea.id)),
    Sort.supported: (col(Idea.vote_count).desc(), col(Idea.id)),
    # The due date grows with the submission date; ideas already answered are due nothing.
    Sort.due: (col(Idea.first_response_at).is_not(None), col(Idea.created_at), col(Idea.id)),
}


def queue(
    db: Session,
    *,
    filters: QueueFilters,
    allowed: ColumnElement[bool],
    limit: int,
    offset: int = 0,
) -> tuple[list[QueueRow], int]:
    """A page of the queue and how many ideas it holds in all (two statements).

    ``allowed`` is ``triage.access.triage_clause``: only ideas the person may triage."""
    where = _queue_where(filters, allowed)
    rows = db.execute(
        core_select(
            Idea,
            col(Unit.name),
            col(Unit.path),
            col(Category.name),
            col(_Owner.display_name),
        )
        .join(Unit, col(Unit.id) == col(Idea.unit_id))
        .join(Category, col(Category.id) == col(Idea.category_id))
        .outerjoin(_Owner, col(_Owner.id) == col(Idea.owner_id))
        .where(*where)
        .order_by(*_ORDER[filters.sort])
        .limit(limit)
        .offset(offset)
    ).all()
    total = db.scalar(
        select(func.count())
        .select_from(Idea)
        .join(Unit, col(Unit.id) == col(Idea.unit_id))
        .where(*where)
    )
    return [QueueRow(r[0], r[1], r[2], r[3], r[4]) for r in rows], int(total or 0)


def idea_with_names(db: Session, idea_id: int) -> tuple[Idea, Unit, Category, str | None] | None:
    """A published idea with its unit, category and owner's name (one statement)."""
    row = db.execute(
        select(Idea, Unit, Category, col(_Owner.display_name))
        .join(Unit, col(Unit.id) == col(Idea.unit_id))
        .join(Category, col(Category.id) == col(Idea.category_id))
        .outerjoin(_Owner, col(_Owner.id) == col(Idea.owner_id))
        .where(col(Idea.id) == idea_id, ideas_access.listed_clause())
    ).first()
    return (row[0], row[1], row[2], row[3]) if row else None


def published_idea(db: Session, idea_id: int) -> Idea | None:
    return db.scalars(
        select(Idea).where(col(Idea.id) == idea_id, ideas_access.listed_clause())
    ).first()


def notes(db: Session, *, idea_id: int) -> Sequence[tuple[StaffNote, str]]:
    """An idea's staff notes, oldest first, with their authors' names."""
    rows = db.execute(
        select(StaffNote, col(User.display_name))
        .join(User, col(User.id) == col(StaffNote.author_id))
        .where(col(StaffNote.idea_id) == idea_id)
        .order_by(col(StaffNote.id))
    ).all()
    return [(r[0], r[1]) for r in rows]


def staff(db: Session, *, limit: int = 500) -> Sequence[User]:
    """People with a staff role (who may own an idea), by name."""
    has_role = select(UserRole.user_id).where(col(UserRole.role).in_(sorted(STAFF_ROLES)))
    return db.scalars(
        select(User)
        .where(col(User.id).in_(has_role), col(User.deleted_at).is_(None))
        .order_by(func.lower(col(User.display_name)), col(User.id))
        .limit(limit)
    ).all()


def staff_member(db: Session, user_id: int) -> User | None:
    """The account, if it has a staff role and is not deleted."""
    has_role = select(UserRole.user_id).where(
        col(UserRole.user_id) == user_id, col(UserRole.role).in_(sorted(STAFF_ROLES))
    )
    return db.scalars(
        select(User).where(
            col(User.id) == user_id, col(User.id).in_(has_role), col(User.deleted_at).is_(None)
        )
    ).first()
