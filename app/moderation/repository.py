"""Moderation queries: what waits for a moderator, the reports about it, and one report per
person per idea or comment."""

from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, and_, func, or_, update
from sqlmodel import Session, col, select

from app.models import (
    Comment,
    Idea,
    Report,
    SafeguardingItem,
    SafeguardingStatus,
    Visibility,
    utcnow,
)

#: The most of each kind the queue shows at once (the oldest first).
QUEUE_LIMIT = 200
_NOT_CLOSED = (SafeguardingStatus.open, SafeguardingStatus.acknowledged)


def _idea_waits() -> ColumnElement[bool]:
    """Waiting for a moderator (taken down by reports too), or published with reports nobody
    has looked at yet."""
    reported = select(Report.idea_id).where(
        col(Report.resolved_at).is_(None), col(Report.comment_id).is_(None)
    )
    return or_(
        col(Idea.visibility) == Visibility.pending_moderation,
        and_(col(Idea.visibility) == Visibility.published, col(Idea.id).in_(reported)),
    )


def _comment_waits() -> ColumnElement[bool]:
    """The same for comments (not those their authors deleted)."""
    reported = select(Report.comment_id).where(
        col(Report.resolved_at).is_(None), col(Report.comment_id).is_not(None)
    )
    return and_(
        col(Comment.deleted_at).is_(None),
        or_(
            col(Comment.visibility) == Visibility.pending_moderation,
            and_(col(Comment.visibility) == Visibility.published, col(Comment.id).in_(reported)),
        ),
    )


def pending_ideas(db: Session, *, limit: int = QUEUE_LIMIT) -> Sequence[Idea]:
    """Ideas waiting for a moderator, oldest first."""
    return db.scalars(
        select(Idea).where(_idea_waits()).order_by(col(Idea.created_at), col(Idea.id)).limit(limit)
    ).all()


def pending_comments(db: Session, *, limit: int = QUEUE_LIMIT) -> Sequence[Comment]:
    """Comments waiting for a moderator, oldest first."""
    return db.scalars(
        select(Comment)
        .where(_comment_waits())
        .order_by(col(Comment.created_at), col(Comment.id))
        .limit(limit)
    ).all()


def open_reports(db: Session, *, targets: Collection[str]) -> Sequence[Report]:
    """Reports nobody has resolved about these ideas and comments ("idea:5", "comment:9")."""
    if not targets:
        return []
    return db.scalars(
        select(Report)
        .where(col(Report.target).in_(sorted(targets)), col(Report.resolved_at).is_(None))
        .order_by(col(Report.id))
    ).all()


def resolve_reports(db: Session, *, target: str) -> int:
    """Mark every open report about this idea or comment resolved; returns how many."""
    result = db.execute(
        update(Report)
        .where(col(Report.target) == target, col(Report.resolved_at).is_(None))
        .values(resolved_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def report_by(db: Session, *, reporter_key: str, target: str) -> Report | None:
    return db.scalars(
        select(Report).where(col(Report.reporter_key) == reporter_key, col(Report.target) == target)
    ).first()


def open_reporters(db: Session, *, target: str) -> int:
    """How many different people have open reports about this idea or comment."""
    return int(
        db.scalar(
            select(func.count(func.distinct(Report.reporter_key))).where(
                col(Report.target) == target, col(Report.resolved_at).is_(None)
            )
        )
        or 0
    )


def titles(db: Session, *, idea_ids: Collection[int]) -> dict[int, str]:
    """The titles of these ideas (what comments in the queue are about)."""
    if not idea_ids:
        return {}
    rows = db.execute(select(Idea.id, Idea.title).where(col(Idea.id).in_(sorted(idea_ids)))).all()
    return {int(r[0]): str(r[1]) for r in rows}


def with_safeguarding(
    db: Session, *, idea_ids: Collection[int], comment_ids: Collection[int]
) -> tuple[set[int], set[int]]:
    """Which of these ideas and comments have a safeguarding item not yet closed."""
    if not idea_ids and not comment_ids:
        return set(), set()
    rows = db.execute(
        select(SafeguardingItem.idea_id, SafeguardingItem.comment_id).where(
            col(SafeguardingItem.status).in_(_NOT_CLOSED),
            or_(
                and_(
                    col(SafeguardingItem.comment_id).is_(None),
                    col(SafeguardingItem.idea_id).in_(sorted(idea_ids)),
                ),
                col(SafeguardingItem.comment_id).in_(sorted(comment_ids)),
            ),
        )
    ).all()
    ideas = {int(r[0]) for r in rows if r[1] is None and r[0] is not None}
    comments = {int(r[1]) for r in rows if r[1] is not None}
    return ideas, comments


def pending_count(db: Session) -> int:
    """How many ideas and comments wait for a moderator."""
    ideas = db.scalar(select(func.count()).select_from(Idea).where(_idea_waits()))
    comments = db.scalar(select(func.count()).select_from(Comment).where(_comment_waits()))
    return int(ideas or 0) + int(comments or 0)


def idea(db: Session, idea_id: int) -> Idea | None:
    return db.get(Idea, idea_id)


def ideas(db: Session, ids: Collection[int]) -> Sequence[Idea]:
    if not ids:
        return []
    return db.scalars(select(Idea).where(col(Idea.id).in_(sorted(ids)))).all()


def comments(db: Session, ids: Collection[int]) -> Sequence[Comment]:
    if not ids:
        return []
    return db.scalars(select(Comment).where(col(Comment.id).in_(sorted(ids)))).all()
