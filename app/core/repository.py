"""Queries for the shared machinery: rate events, the outbox and the audit log."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_
from sqlmodel import Session, col, select

from app.models import AuditEvent, OutboxEmail, RateEvent, utcnow


def rate_retry_after(
    db: Session, bucket: str, key: str, max_events: int, window: timedelta
) -> int | None:
    since = utcnow() - window
    count, oldest = db.execute(
        select(func.count(), func.min(RateEvent.at)).where(
            col(RateEvent.bucket) == bucket, col(RateEvent.key) == key, col(RateEvent.at) > since
        )
    ).one()
    if count < max_events:
        return None
    return max(1, int((oldest + window - utcnow()).total_seconds()) + 1)


def latest_rate_event(db: Session, bucket: str, key: str) -> datetime | None:
    return db.scalar(
        select(func.max(RateEvent.at)).where(
            col(RateEvent.bucket) == bucket, col(RateEvent.key) == key
        )
    )


def delete_rate_events(db: Session, bucket: str, key: str) -> None:
    db.execute(delete(RateEvent).where(col(RateEvent.bucket) == bucket, col(RateEvent.key) == key))


def prune_rate_events(db: Session, *, older_than: timedelta) -> int:
    result = db.execute(delete(RateEvent).where(col(RateEvent.at) < utcnow() - older_than))
    return int(getattr(result, "rowcount", 0) or 0)


def unsent_mail(db: Session, *, max_attempts: int, limit: int, lock: bool) -> list[OutboxEmail]:
    """The oldest unsent messages; with ``lock``, claimed with FOR UPDATE SKIP LOCKED so
    several workers share the queue without sending anything twice (PostgreSQL)."""
    now = utcnow()
    query = (
        select(OutboxEmail)
        .where(
            col(OutboxEmail.sent_at).is_(None),
            col(OutboxEmail.failed_at).is_(None),
            col(OutboxEmail.attempts) < max_attempts,
            or_(
                col(OutboxEmail.next_attempt_at).is_(None),
                col(OutboxEmail.next_attempt_at) <= now,
            ),
        )
        .order_by(col(OutboxEmail.id))
        .limit(limit)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return list(db.scalars(query))


def outbox_counts(db: Session) -> tuple[int, datetime | None, int, int]:
    """(waiting, when the oldest waiting was written, failed for good, waiting to retry)."""
    unsent = and_(col(OutboxEmail.sent_at).is_(None), col(OutboxEmail.failed_at).is_(None))
    row = db.execute(
        select(
            func.count().filter(unsent),
            func.min(OutboxEmail.created_at).filter(unsent),
            func.count().filter(col(OutboxEmail.failed_at).is_not(None)),
            func.count().filter(unsent, col(OutboxEmail.attempts) > 0),
        )
    ).one()
    return int(row[0] or 0), row[1], int(row[2] or 0), int(row[3] or 0)


def failed_mail(db: Session, *, limit: int) -> Sequence[OutboxEmail]:
    """Mail given up on, newest first (for admins: who, what, why; not the body)."""
    return db.scalars(
        select(OutboxEmail)
        .where(col(OutboxEmail.failed_at).is_not(None))
        .order_by(col(OutboxEmail.id).desc())
        .limit(limit)
    ).all()


def latest_mail(db: Session, *, limit: int) -> Sequence[OutboxEmail]:
    return db.scalars(select(OutboxEmail).order_by(col(OutboxEmail.id).desc()).limit(limit)).all()


def latest_audit_events(db: Session, *, limit: int) -> Sequence[AuditEvent]:
    return db.scalars(select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)).all()
