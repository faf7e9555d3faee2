"""Idea queries. Every board page is a fixed number of statements whatever its length."""

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, literal, or_, true, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.ideas import search
from app.models import (
    Category,
    Comment,
    Follow,
    Idea,
    IdeaEvent,
    IdeaStatus,
    Unit,
    User,
    Visibility,
    Vote,
    utcnow,
)

TRENDING_WINDOW = timedelta(days=14)


class Sort(StrEnum):
    top = "top"
    new = "new"
    trending = "trending"
    discussed = "discussed"


@dataclass(frozen=True)
class BoardFilters:
    q: str = ""
    unit: Unit | None = None
    category: Category | None = None
    status: IdeaStatus | None = None
    sort: Sort = Sort.top


@dataclass(frozen=True)
class BoardRow:
    idea: Idea
    unit_name: str
    category_name: str
    sort_value: int


@dataclass(frozen=True)
class BoardPage:
    rows: list[BoardRow]
    next_cursor: str | None


def encode_cursor(sort: Sort, value: int, idea_id: int) -> str:
    raw = json.dumps([sort.value, value, idea_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort) -> tuple[int, int] | None:
    """(sort value, id) from a cursor made for the same sort; None when it is not valid."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, value, idea_id = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError):
        return None
    # Whole numbers that fit a 64-bit column: bigger ones overflow SQLite's driver.
    if kind != sort.value or not all(type(n) is int and abs(n) < 2**63 for n in (value, idea_id)):
        return None
    return value, idea_id


def _filtered(db: Session, stmt: Any, filters: BoardFilters) -> Any:
    """The board's joins and filters, on any select whose first entity is Idea."""
    stmt = (
        stmt.join(Unit, col(Unit.id) == col(Idea.unit_id))
        .join(Category, col(Category.id) == col(Idea.category_id))
        .where(col(Idea.visibility) == Visibility.published)
    )
    if filters.unit is not None:
        stmt = stmt.where(col(Unit.path).startswith(filters.unit.path))
    if filters.category is not None:
        stmt = stmt.where(col(Idea.category_id) == filters.category.id)
    if filters.status is not None:
        stmt = stmt.where(col(Idea.status) == filters.status)
    if filters.q and (clause := search.match_clause(db, filters.q)) is not None:
        stmt = stmt.where(clause)
    return stmt


def _after(sort_col: Any, after: tuple[int, int] | None) -> Any:
    """Keyset condition: rows strictly after (value, id) in (value desc, id desc) order."""
    if after is None:
        return true()
    value, last_id = after
    return or_(sort_col < value, and_(sort_col == value, col(Idea.id) < last_id))


def _columns(sort_col: Any) -> tuple[Any, ...]:
    return (
        Idea,
        col(Unit.name).label("unit_name"),
        col(Category.name).label("category_name"),
        sort_col.label("sort_value"),
    )


def _trending(db: Session, filters: BoardFilters, after: tuple[int, int] | None, limit: int) -> Any:
    """Ideas by votes in the last 14 days, then the rest (newest first), in one statement.

    Each half reads through an index: the first scans only the window's votes, the second
    walks ideas by id; neither counts over all votes.
    """
    since = utcnow() - TRENDING_WINDOW
    # "+ 0" stops SQLite grouping through the (idea_id, user_id) index, which reads every
    # vote ever cast; it then range-scans (created_at, idea_id) over the window instead.
    voted_idea = (col(Vote.idea_id) + 0).label("idea_id")
    recent = (
        select(voted_idea, func.count().label("n"))
        .where(col(Vote.created_at) >= since)
        .group_by(voted_idea)
        .cte("recent")
    )
    hot = (
        _filtered(db, select(*_columns(recent.c.n)), filters)
        .join(recent, recent.c.idea_id == col(Idea.id))
        .where(_after(recent.c.n, after))
        .order_by(recent.c.n.desc(), col(Idea.id).desc())
        .limit(limit)
        .subquery()
    )
    zero = literal(0)
    cold = (
        _filtered(db, select(*_columns(zero)), filters)
        .where(col(Idea.id).not_in(select(recent.c.idea_id)))
        .where(_after(zero, after))
        .order_by(col(Idea.id).desc())
        .limit(limit)
        .subquery()
    )
    both = union_all(select(hot), select(cold)).subquery()
    idea = aliased(Idea, both)
    return (
        select(idea, both.c.unit_name, both.c.category_name, both.c.sort_value)
        .order_by(both.c.sort_value.desc(), both.c.id.desc())
        .limit(limit)
    )


def board(
    db: Session, *, filters: BoardFilters, limit: int, cursor: str | None = None
) -> BoardPage:
    """One statement: the page of ideas with their unit and category names."""
    after = decode_cursor(cursor, filters.sort) if cursor else None
    if filters.sort is Sort.trending:
        stmt = _trending(db, filters, after, limit + 1)
    else:
        sort_col = {
            Sort.discussed: col(Idea.comment_count),
            Sort.new: col(Idea.id),
        }.get(filters.sort, col(Idea.vote_count))
        stmt = (
            _filtered(db, select(*_columns(sort_col)), filters)
            .where(_after(sort_col, after))
            .order_by(sort_col.desc(), col(Idea.id).desc())
            .limit(limit + 1)
        )
    rows = [
        BoardRow(idea=r[0], unit_name=r[1], category_name=r[2], sort_value=int(r[3]))
        for r in db.execute(stmt).all()
    ]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        assert last.idea.id is not None
        next_cursor = encode_cursor(filters.sort, last.sort_value, last.idea.id)
    return BoardPage(rows=rows, next_cursor=next_cursor)


def voted_ids(db: Session, *, user_id: int | None, idea_ids: Sequence[int]) -> set[int]:
    if user_id is None or not idea_ids:
        return set()
    return set(
        db.scalars(
            select(Vote.idea_id).where(
                col(Vote.user_id) == user_id, col(Vote.idea_id).in_(list(idea_ids))
            )
        )
    )


def idea_with_names(db: Session, idea_id: int) -> tuple[Idea, Unit, Category] | None:
    row = db.execute(
        select(Idea, Unit, Category)
        .join(Unit, col(Unit.id) == col(Idea.unit_id))
        .join(Category, col(Category.id) == col(Idea.category_id))
        .where(col(Idea.id) == idea_id)
    ).first()
    return (row[0], row[1], row[2]) if row else None


def events(db: Session, idea_id: int) -> Sequence[IdeaEvent]:
    return db.scalars(
        select(IdeaEvent).where(IdeaEvent.idea_id == idea_id).order_by(col(IdeaEvent.id))
    ).all()


def comments(db: Session, idea_id: int, *, newest_first: bool) -> Sequence[Comment]:
    order = col(Comment.id).desc() if newest_first else col(Comment.id)
    return db.scalars(
        select(Comment)
        .where(col(Comment.idea_id) == idea_id, col(Comment.visibility) == Visibility.published)
        .order_by(order)
    ).all()


def is_following(db: Session, *, idea_id: int, user_id: int | None) -> bool:
    if user_id is None:
        return False
    return db.get(Follow, (idea_id, user_id)) is not None


def recent_activity(db: Session, *, limit: int) -> Sequence[tuple[IdeaEvent, Idea]]:
    rows = db.execute(
        select(IdeaEvent, Idea)
        .join(Idea, col(Idea.id) == col(IdeaEvent.idea_id))
        .where(col(Idea.visibility) == Visibility.published)
        .order_by(col(IdeaEvent.id).desc())
        .limit(limit)
    ).all()
    return [(r[0], r[1]) for r in rows]


def by_ids(db: Session, ids: Sequence[int]) -> dict[int, Idea]:
    if not ids:
        return {}
    return {i.id: i for i in db.scalars(select(Idea).where(col(Idea.id).in_(list(ids)))) if i.id}


def ideas_of(db: Session, *, user_id: int, limit: int = 100) -> Sequence[Idea]:
    return db.scalars(
        select(Idea)
        .where(col(Idea.author_id) == user_id)
        .order_by(col(Idea.id).desc())
        .limit(limit)
    ).all()


def voted_by(db: Session, *, user_id: int, limit: int = 100) -> Sequence[Idea]:
    return db.scalars(
        select(Idea)
        .join(Vote, col(Vote.idea_id) == col(Idea.id))
        .where(col(Vote.user_id) == user_id)
        .order_by(col(Vote.id).desc())
        .limit(limit)
    ).all()


def followed_by(db: Session, *, user_id: int, limit: int = 100) -> Sequence[Idea]:
    return db.scalars(
        select(Idea)
        .join(Follow, col(Follow.idea_id) == col(Idea.id))
        .where(col(Follow.user_id) == user_id)
        .order_by(col(Follow.created_at).desc())
        .limit(limit)
    ).all()


def follower_ids(db: Session, idea_id: int) -> list[int]:
    return list(db.scalars(select(Follow.user_id).where(col(Follow.idea_id) == idea_id)))


def categories(db: Session, *, active_only: bool = True) -> Sequence[Category]:
    stmt = select(Category).order_by(col(Category.position), col(Category.id))
    if active_only:
        stmt = stmt.where(col(Category.active).is_(True))
    return db.scalars(stmt).all()


def category_by_slug(db: Session, slug: str) -> Category | None:
    return db.scalars(select(Category).where(col(Category.slug) == slug)).first()


def authors(db: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db.scalars(select(User).where(col(User.id).in_(ids))) if u.id}


def latest_event_at(db: Session, idea_id: int) -> datetime | None:
    return db.scalar(select(func.max(IdeaEvent.at)).where(col(IdeaEvent.idea_id) == idea_id))


@dataclass(frozen=True)
class SimilarIdea:
    idea: Idea
    unit_name: str
    score: float


def similar(db: Session, text: str, *, limit: int) -> list[SimilarIdea]:
    """Published ideas most like ``text`` (any word counts; better matches first)."""
    ranked = search.ranked_ids(db, text, limit=limit * 4, any_word=True)
    if not ranked:
        return []
    scores = dict(ranked)
    rows = db.execute(
        select(Idea, col(Unit.name))
        .join(Unit, col(Unit.id) == col(Idea.unit_id))
        .where(col(Idea.id).in_(list(scores)), col(Idea.visibility) == Visibility.published)
    ).all()
    found = [SimilarIdea(idea=r[0], unit_name=r[1], score=scores[r[0].id]) for r in rows]
    found.sort(key=lambda s: (-s.score, -(s.idea.id or 0)))
    return found[:limit]
