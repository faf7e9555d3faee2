"""Sliding-window limits counted in the database, so every app server sees the same numbers."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.models import RateEvent, utcnow


@dataclass(frozen=True)
class Limit:
    bucket: str
    max_events: int
    window: timedelta


def key_for(value: str) -> str:
    """Rate keys are hashes: the table never holds an email address or an IP in the clear."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()


def retry_after(db: Session, limit: Limit, key: str) -> int | None:
    """Seconds until another event is allowed, or None when under the limit."""
    since = utcnow() - limit.window
    count, oldest = db.execute(
        select(func.count(), func.min(RateEvent.at)).where(
            RateEvent.bucket == limit.bucket, RateEvent.key == key, RateEvent.at > since
        )
    ).one()
    if count < limit.max_events:
        return None
    return max(1, int((oldest + limit.window - utcnow()).total_seconds()) + 1)


def hit(db: Session, limit: Limit, key: str) -> None:
    db.add(RateEvent(bucket=limit.bucket, key=key))


def clear(db: Session, limit: Limit, key: str) -> None:
    db.execute(
        delete(RateEvent).where(col(RateEvent.bucket) == limit.bucket, col(RateEvent.key) == key)
    )


def prune(db: Session, *, older_than: timedelta = timedelta(days=2)) -> int:
    result = db.execute(delete(RateEvent).where(col(RateEvent.at) < utcnow() - older_than))
    return int(getattr(result, "rowcount", 0) or 0)
