"""Notification and email-subscription queries."""

from collections.abc import Sequence

from sqlalchemy import func, insert, update
from sqlmodel import Session, col, select

from app.core.subjects import Subject
from app.models import EmailSubscription, Idea, Notification, SubjectKind, utcnow


def add_many(db: Session, *, subject: Subject, kind: str, user_ids: Sequence[int]) -> None:
    if user_ids:
        db.execute(
            insert(Notification),
            [
                {
                    "user_id": uid,
                    "subject_kind": subject.kind,
                    "subject_id": subject.id,
                    "kind": kind,
                    "created_at": utcnow(),
                }
                for uid in user_ids
            ],
        )


def for_user(db: Session, *, user_id: int, limit: int = 50) -> list[tuple[Notification, Idea]]:
    """A person's latest notifications about ideas, with the idea each is about."""
    rows = db.execute(
        select(Notification, Idea)
        .join(
            Idea,
            (col(Idea.id) == col(Notification.subject_id))
            & (col(Notification.subject_kind) == SubjectKind.idea),
        )
        .where(col(Notification.user_id) == user_id)
        .order_by(col(Notification.id).desc())
        .limit(limit)
    ).all()
    return [(r[0], r[1]) for r in rows]


def unread_count(db: Session, *, user_id: int) -> int:
    return int(
        db.scalar(
            select(func.count())
            .select_from(Notification)
            .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        )
        or 0
    )


def mark_all_read(db: Session, *, user_id: int) -> None:
    db.execute(
        update(Notification)
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )


def subscriptions(db: Session, *, idea_id: int) -> Sequence[EmailSubscription]:
    return db.scalars(
        select(EmailSubscription).where(col(EmailSubscription.idea_id) == idea_id)
    ).all()


def subscription(db: Session, *, idea_id: int, email: str) -> EmailSubscription | None:
    return db.scalars(
        select(EmailSubscription).where(
            col(EmailSubscription.idea_id) == idea_id, col(EmailSubscription.email) == email
        )
    ).first()
