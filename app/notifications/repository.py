"""Notification, email-subscription and daily-digest queries."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, or_, update
from sqlmodel import Session, col, select

from app.core.subjects import Subject
from app.models import (
    STAFF_ROLES,
    EmailSubscription,
    Idea,
    Notification,
    Project,
    SubjectKind,
    Unit,
    User,
    UserRole,
    UserUnit,
    Visibility,
    Vote,
    utcnow,
)


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


def for_user(
    db: Session, *, user_id: int, limit: int = 50
) -> list[tuple[Notification, Idea | None, Project | None]]:
    """A person's latest notifications, each with the idea or the project it is about."""
    rows = db.execute(
        select(Notification, Idea, Project)
        .outerjoin(
            Idea,
            (col(Idea.id) == col(Notification.subject_id))
            & (col(Notification.subject_kind) == SubjectKind.idea),
        )
        .outerjoin(
            Project,
            (col(Project.id) == col(Notification.subject_id))
            & (col(Notification.subject_kind) == SubjectKind.project),
        )
        .where(col(Notification.user_id) == user_id)
        .order_by(col(Notification.id).desc())
        .limit(limit)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def unread_count(db: Session, *, user_id: int) -> int:
    return int(
        db.scalar(
            select(func.count())
            .select_from(Notification)
            .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        )
        or 0
    )


def mark_all_read(db: Session, *, user_id: int) -> int:
    result = db.execute(
        update(Notification)
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def subscriptions(db: Session, *, idea_id: int) -> Sequence[EmailSubscription]:
    """The confirmed sign-ups for an idea (an unconfirmed address gets nothing)."""
    return db.scalars(
        select(EmailSubscription)
        .where(
            col(EmailSubscription.idea_id) == idea_id,
            col(EmailSubscription.confirmed_at).is_not(None),
        )
        .order_by(col(EmailSubscription.id))
    ).all()


def voter_ids(db: Session, *, idea_id: int) -> list[int]:
    return list(db.scalars(select(Vote.user_id).where(col(Vote.idea_id) == idea_id)))


def email_recipients(db: Session, *, user_ids: set[int]) -> dict[int, str]:
    """The addresses of these accounts that may be emailed: confirmed, not deleted, and with
    email updates on."""
    if not user_ids:
        return {}
    rows = db.execute(
        select(User.id, User.email).where(
            col(User.id).in_(user_ids),
            col(User.deleted_at).is_(None),
            col(User.email_confirmed_at).is_not(None),
            col(User.email_updates).is_(True),
        )
    ).all()
    return {int(uid): str(email) for uid, email in rows}


# --- the staff daily digest ---------------------------------------------------------------------


def digest_due_ids(db: Session, *, before: datetime) -> list[int]:
    """Staff who asked for the digest and were last sent one before ``before`` (or never)."""
    staff = select(UserRole.user_id).where(col(UserRole.role).in_(STAFF_ROLES))
    return list(
        db.scalars(
            select(User.id)
            .where(
                col(User.digest_daily).is_(True),
                col(User.deleted_at).is_(None),
                col(User.email_confirmed_at).is_not(None),
                col(User.id).in_(staff),
                or_(col(User.digest_sent_at).is_(None), col(User.digest_sent_at) < before),
            )
            .order_by(col(User.id))
        )
    )


def claim_digest(db: Session, *, user_id: int, before: datetime, now: datetime) -> bool:
    """Mark the digest sent, only if nobody else did since ``before``: of two workers, one
    wins (PostgreSQL re-checks the condition after the other's commit; SQLite has one writer)."""
    result = db.execute(
        update(User)
        .where(
            col(User.id) == user_id,
            or_(col(User.digest_sent_at).is_(None), col(User.digest_sent_at) < before),
        )
        .values(digest_sent_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def digest_ideas(
    db: Session, *, user_id: int, since: datetime, limit: int = 100
) -> tuple[Sequence[Idea], int]:
    """Published ideas submitted since ``since`` in the person's units (and every unit beneath
    them), newest first, and how many ideas there wait for a moderator now."""
    mine = (
        select(Unit.path)
        .join(UserUnit, col(UserUnit.unit_id) == col(Unit.id))
        .where(col(UserUnit.user_id) == user_id)
    ).subquery()
    # A unit's materialised path starts with the path of every unit above it.
    units = select(col(Unit.id)).join(mine, col(Unit.path).startswith(mine.c.path))
    in_units = col(Idea.unit_id).in_(units)
    ideas = db.scalars(
        select(Idea)
        .where(
            in_units,
            col(Idea.created_at) >= since,
            col(Idea.visibility) == Visibility.published,
        )
        .order_by(col(Idea.id).desc())
        .limit(limit)
    ).all()
    waiting = int(
        db.scalar(
            select(func.count())
            .select_from(Idea)
            .where(in_units, col(Idea.visibility) == Visibility.pending_moderation)
        )
        or 0
    )
    return ideas, waiting


def subscription(db: Session, *, idea_id: int, email: str) -> EmailSubscription | None:
    return db.scalars(
        select(EmailSubscription).where(
            col(EmailSubscription.idea_id) == idea_id, col(EmailSubscription.email) == email
        )
    ).first()
