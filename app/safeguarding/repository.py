"""Safeguarding queries: the queue, one item and what it is about, the overdue urgent items,
who to tell, and the original text of screened ideas and comments."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case
from sqlmodel import Session, col, select

from app.models import (
    Comment,
    EmailSubscription,
    Idea,
    Role,
    SafeguardingItem,
    SafeguardingLevel,
    SafeguardingStatus,
    ScreenedText,
    User,
    UserRole,
    utcnow,
)

#: What the queue shows unless asked: everything not yet closed.
NOT_CLOSED = (SafeguardingStatus.open, SafeguardingStatus.acknowledged)


def queue(
    db: Session, *, statuses: Collection[SafeguardingStatus] = NOT_CLOSED, limit: int = 200
) -> Sequence[SafeguardingItem]:
    """Urgent first, then oldest."""
    urgent_first = case((col(SafeguardingItem.level) == SafeguardingLevel.urgent, 0), else_=1)
    return db.scalars(
        select(SafeguardingItem)
        .where(col(SafeguardingItem.status).in_(sorted(statuses)))
        .order_by(urgent_first, col(SafeguardingItem.id))
        .limit(limit)
    ).all()


def closed(db: Session, *, limit: int = 100) -> Sequence[SafeguardingItem]:
    """The history: closed items, the most recently closed first."""
    return db.scalars(
        select(SafeguardingItem)
        .where(col(SafeguardingItem.status) == SafeguardingStatus.closed)
        .order_by(col(SafeguardingItem.closed_at).desc(), col(SafeguardingItem.id).desc())
        .limit(limit)
    ).all()


def staff_names(db: Session, user_ids: Collection[int]) -> dict[int, str]:
    """Who acknowledged or closed items, by name (the queue is staff-only)."""
    if not user_ids:
        return {}
    rows = db.execute(
        select(User.id, User.display_name).where(col(User.id).in_(sorted(user_ids)))
    ).all()
    return {int(uid): str(name) for uid, name in rows}


def get(db: Session, item_id: int) -> SafeguardingItem | None:
    return db.get(SafeguardingItem, item_id)


def not_closed_for(
    db: Session, *, idea_id: int | None, comment_id: int | None, source: str
) -> SafeguardingItem | None:
    """The item already open about this idea or comment from this source, if any."""
    return db.scalars(
        select(SafeguardingItem).where(
            col(SafeguardingItem.idea_id).is_(None)
            if idea_id is None
            else col(SafeguardingItem.idea_id) == idea_id,
            col(SafeguardingItem.comment_id).is_(None)
            if comment_id is None
            else col(SafeguardingItem.comment_id) == comment_id,
            col(SafeguardingItem.source) == source,
            col(SafeguardingItem.status).in_(NOT_CLOSED),
        )
    ).first()


def unacknowledged_urgent(db: Session, *, created_before: datetime) -> Sequence[SafeguardingItem]:
    """Urgent items still open since before ``created_before`` whose backups were not told."""
    return db.scalars(
        select(SafeguardingItem)
        .where(
            col(SafeguardingItem.level) == SafeguardingLevel.urgent,
            col(SafeguardingItem.status) == SafeguardingStatus.open,
            col(SafeguardingItem.escalated_at).is_(None),
            col(SafeguardingItem.created_at) < created_before,
        )
        .order_by(col(SafeguardingItem.id))
    ).all()


def lead_ids(db: Session) -> list[int]:
    """Every safeguarding lead's account (not deleted)."""
    return list(
        db.scalars(
            select(User.id)
            .join(UserRole, col(UserRole.user_id) == col(User.id))
            .where(
                col(UserRole.role) == Role.safeguarding_lead,
                col(User.deleted_at).is_(None),
            )
            .order_by(col(User.id))
        )
    )


def subjects(
    db: Session, items: Sequence[SafeguardingItem]
) -> tuple[dict[int, Idea], dict[int, Comment]]:
    """The ideas and comments the items are about (two queries, whatever the number)."""
    comment_ids = {i.comment_id for i in items if i.comment_id is not None}
    comments = {
        c.id: c
        for c in db.scalars(select(Comment).where(col(Comment.id).in_(comment_ids))).all()
        if c.id is not None
    }
    idea_ids = {i.idea_id for i in items if i.idea_id is not None}
    ideas = {
        i.id: i
        for i in db.scalars(select(Idea).where(col(Idea.id).in_(idea_ids))).all()
        if i.id is not None
    }
    return ideas, comments


def originals(
    db: Session, *, idea_ids: Collection[int], comment_ids: Collection[int]
) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """The text as typed of these ideas and comments, where screening changed it."""
    rows = db.scalars(
        select(ScreenedText).where(
            col(ScreenedText.idea_id).in_(idea_ids) | col(ScreenedText.comment_id).in_(comment_ids)
        )
    ).all()
    by_idea = {r.idea_id: r.original for r in rows if r.idea_id is not None}
    by_comment = {r.comment_id: r.original for r in rows if r.comment_id is not None}
    return by_idea, by_comment


def original_of(db: Session, *, idea_id: int) -> dict[str, Any] | None:
    """What the author of this idea typed, if screening changed it."""
    row = db.scalars(select(ScreenedText).where(col(ScreenedText.idea_id) == idea_id)).first()
    return row.original if row is not None else None


def comment_originals(db: Session, *, comment_ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """What the authors of these comments typed, where screening changed it."""
    if not comment_ids:
        return {}
    return originals(db, idea_ids=(), comment_ids=comment_ids)[1]


def keep_original(
    db: Session,
    *,
    original: dict[str, Any],
    idea_id: int | None = None,
    comment_id: int | None = None,
    replace: bool = True,
) -> None:
    """Store (or, after an edit, replace) what the author typed."""
    row = db.scalars(
        select(ScreenedText).where(
            col(ScreenedText.idea_id) == idea_id
            if idea_id is not None
            else col(ScreenedText.comment_id) == comment_id
        )
    ).first()
    if row is None:
        db.add(ScreenedText(idea_id=idea_id, comment_id=comment_id, original=original))
    elif replace:
        row.original = original
        row.updated_at = utcnow()
        db.add(row)


def replace_original(
    db: Session,
    *,
    original: dict[str, Any],
    idea_id: int | None = None,
    comment_id: int | None = None,
) -> None:
    """After an edit: an original kept earlier becomes what was typed now (if there is one)."""
    row = db.scalars(
        select(ScreenedText).where(
            col(ScreenedText.idea_id) == idea_id
            if idea_id is not None
            else col(ScreenedText.comment_id) == comment_id
        )
    ).first()
    if row is not None:
        row.original = original
        row.updated_at = utcnow()
        db.add(row)


def contacts(
    db: Session, *, idea_ids: Collection[int], user_ids: Collection[int]
) -> tuple[dict[int, str], dict[int, list[str]]]:
    """Ways to reach the authors: account emails by user id, receipt emails by idea id."""
    users = {
        u.id: u.email
        for u in db.scalars(
            select(User).where(col(User.id).in_(user_ids), col(User.deleted_at).is_(None))
        ).all()
        if u.id is not None
    }
    subscribed: dict[int, list[str]] = {}
    for sub in db.scalars(
        select(EmailSubscription)
        .where(col(EmailSubscription.idea_id).in_(idea_ids))
        .order_by(col(EmailSubscription.id))
    ).all():
        subscribed.setdefault(sub.idea_id, []).append(sub.email)
    return users, subscribed
