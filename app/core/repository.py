"""Queries for the shared machinery: rate events, the outbox, the audit log and retention."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    bindparam,
    delete,
    func,
    or_,
    text,
    update,
)
from sqlmodel import Session, col, select

from app.models import (
    AuditEvent,
    AuthSession,
    ContentVersion,
    OutboxEmail,
    PasswordResetToken,
    RateAllowance,
    RateEvent,
    Report,
    SafeguardingItem,
    SafeguardingStatus,
    ScreenedText,
    utcnow,
)


def analyze(db: Session) -> None:
    """Refresh the query planner's statistics (after a bulk load: without them PostgreSQL
    plans the board as if the tables were empty, at half the speed)."""
    db.execute(text("ANALYZE"))


def content_versions(db: Session) -> dict[str, int]:
    """Every content version counter (a handful of rows, by primary key)."""
    rows = db.execute(select(ContentVersion.key, ContentVersion.version)).all()
    return {str(key): int(version) for key, version in rows}


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


#: ``take_rate_allowance``'s upsert, the same SQL on both databases. Written out, not built
#: with the dialects' ``insert().on_conflict_do_update()``: SQLAlchemy does not cache those
#: constructs, and compiling one anew was about a seventh of a vote's CPU.
_TAKE_RATE_ALLOWANCE = text(
    "INSERT INTO rate_allowance (bucket, key, refilled_at_us) "
    "VALUES (:bucket, :key, :now_us + :share_us) "
    "ON CONFLICT (bucket, key) DO UPDATE SET refilled_at_us = "
    "CASE WHEN rate_allowance.refilled_at_us > :now_us "
    "THEN rate_allowance.refilled_at_us ELSE :now_us END + :share_us "
    "WHERE CASE WHEN rate_allowance.refilled_at_us > :now_us "
    "THEN rate_allowance.refilled_at_us ELSE :now_us END + :share_us - :now_us <= :window_us "
    "RETURNING rate_allowance.refilled_at_us"
).bindparams(
    bindparam("now_us", type_=BigInteger),
    bindparam("share_us", type_=BigInteger),
    bindparam("window_us", type_=BigInteger),
)


def take_rate_allowance(
    db: Session, bucket: str, key: str, *, now_us: int, share_us: int, window_us: int
) -> bool:
    """Spend one share of the key's allowance in one statement; False (and nothing changed)
    when that would move its refill more than a window ahead. The row lock of the upsert
    makes simultaneous events count one after the other."""
    params = {
        "bucket": bucket,
        "key": key,
        "now_us": now_us,
        "share_us": share_us,
        "window_us": window_us,
    }
    return db.execute(_TAKE_RATE_ALLOWANCE, params).first() is not None


def rate_allowance_refilled_at(db: Session, bucket: str, key: str) -> int | None:
    return db.scalar(
        select(RateAllowance.refilled_at_us).where(
            col(RateAllowance.bucket) == bucket, col(RateAllowance.key) == key
        )
    )


def prune_rate_allowances(db: Session, *, now_us: int) -> int:
    """Allowances already whole again say no more than a missing row does."""
    result = db.execute(delete(RateAllowance).where(col(RateAllowance.refilled_at_us) <= now_us))
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


@dataclass(frozen=True)
class AuditFilters:
    """What an admin narrows the audit log to; ``None`` means any."""

    event: str | None = None
    #: The person who acted or whom the event is about.
    person_id: int | None = None
    #: From this moment (inclusive) up to ``until`` (exclusive).
    since: datetime | None = None
    until: datetime | None = None
    ip_address: str | None = None
    #: A record the event names in its details: the detail keys that may name it, and its id.
    record: tuple[tuple[str, ...], int] | None = None


def audit_events(
    db: Session, *, filters: AuditFilters, before_id: int | None = None, limit: int
) -> Sequence[AuditEvent]:
    """The newest events that match, newest first; ``before_id`` is the keyset of the next page."""
    query = select(AuditEvent)
    if filters.event is not None:
        query = query.where(col(AuditEvent.event) == filters.event)
    if filters.person_id is not None:
        query = query.where(
            or_(
                col(AuditEvent.actor_id) == filters.person_id,
                col(AuditEvent.subject_user_id) == filters.person_id,
            )
        )
    if filters.since is not None:
        query = query.where(col(AuditEvent.at) >= filters.since)
    if filters.until is not None:
        query = query.where(col(AuditEvent.at) < filters.until)
    if filters.ip_address is not None:
        query = query.where(col(AuditEvent.ip_address) == filters.ip_address)
    if filters.record is not None:
        keys, record_id = filters.record
        details = col(AuditEvent.details)
        query = query.where(or_(*(details[key].as_integer() == record_id for key in keys)))
    if before_id is not None:
        query = query.where(col(AuditEvent.id) < before_id)
    return db.scalars(query.order_by(col(AuditEvent.id).desc()).limit(limit)).all()


def audit_event_names(db: Session) -> Sequence[str]:
    """Every event name the log holds (the index on ``event`` answers this)."""
    return db.scalars(select(AuditEvent.event).distinct().order_by(col(AuditEvent.event))).all()


# --- retention (app/core/retention.py) ---------------------------------------------------------
# Each job finds what is due on a read connection (no lock), then removes those rows in a short
# write, checking the same condition again: a row that changed in between stays.


def _ids(db: Session, model: Any, condition: ColumnElement[bool], limit: int) -> list[int]:
    """The first ``limit`` ids of ``model`` rows that meet ``condition``, oldest first."""
    row_id = col(model.id)
    return list(db.scalars(select(row_id).where(condition).order_by(row_id).limit(limit)))


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _mail_done_before(cutoff: datetime) -> ColumnElement[bool]:
    # Sent or given up on before the cutoff; created_at (indexed) is never later than either.
    return and_(
        col(OutboxEmail.created_at) < cutoff,
        or_(col(OutboxEmail.sent_at) < cutoff, col(OutboxEmail.failed_at) < cutoff),
    )


def mail_bodies_due(db: Session, *, cutoff: datetime, limit: int) -> list[int]:
    due = and_(_mail_done_before(cutoff), col(OutboxEmail.body_text) != "")
    return _ids(db, OutboxEmail, due, limit)


def blank_mail_bodies(db: Session, ids: Sequence[int], *, cutoff: datetime) -> int:
    result = db.execute(
        update(OutboxEmail)
        .where(col(OutboxEmail.id).in_(ids), _mail_done_before(cutoff))
        .values(body_text="")
    )
    return _count(result)


def mail_due(db: Session, *, cutoff: datetime, limit: int) -> list[int]:
    return _ids(db, OutboxEmail, _mail_done_before(cutoff), limit)


def delete_mail(db: Session, ids: Sequence[int], *, cutoff: datetime) -> int:
    result = db.execute(
        delete(OutboxEmail).where(col(OutboxEmail.id).in_(ids), _mail_done_before(cutoff))
    )
    return _count(result)


def _report_closed_before(cutoff: datetime) -> ColumnElement[bool]:
    # A report nobody has resolved is never due, however old.
    return and_(col(Report.resolved_at).is_not(None), col(Report.resolved_at) < cutoff)


def reports_due(db: Session, *, cutoff: datetime, limit: int) -> list[int]:
    return _ids(db, Report, _report_closed_before(cutoff), limit)


def delete_reports(db: Session, ids: Sequence[int], *, cutoff: datetime) -> int:
    result = db.execute(
        delete(Report).where(col(Report.id).in_(ids), _report_closed_before(cutoff))
    )
    return _count(result)


def _session_over_before(
    cutoff: datetime, *, idle: timedelta, absolute: timedelta
) -> ColumnElement[bool]:
    """Revoked before ``cutoff``, or past its idle or absolute lifetime before it."""
    return or_(
        col(AuthSession.revoked_at) < cutoff,
        col(AuthSession.last_seen_at) < cutoff - idle,
        col(AuthSession.created_at) < cutoff - absolute,
    )


def sessions_due(
    db: Session, *, cutoff: datetime, idle: timedelta, absolute: timedelta, limit: int
) -> list[int]:
    over = _session_over_before(cutoff, idle=idle, absolute=absolute)
    return _ids(db, AuthSession, over, limit)


def delete_sessions(
    db: Session, ids: Sequence[int], *, cutoff: datetime, idle: timedelta, absolute: timedelta
) -> int:
    over = _session_over_before(cutoff, idle=idle, absolute=absolute)
    return _count(db.execute(delete(AuthSession).where(col(AuthSession.id).in_(ids), over)))


def _reset_over_before(cutoff: datetime) -> ColumnElement[bool]:
    return or_(
        col(PasswordResetToken.used_at) < cutoff, col(PasswordResetToken.expires_at) < cutoff
    )


def reset_tokens_due(db: Session, *, cutoff: datetime, limit: int) -> list[int]:
    return _ids(db, PasswordResetToken, _reset_over_before(cutoff), limit)


def delete_reset_tokens(db: Session, ids: Sequence[int], *, cutoff: datetime) -> int:
    result = db.execute(
        delete(PasswordResetToken).where(
            col(PasswordResetToken.id).in_(ids), _reset_over_before(cutoff)
        )
    )
    return _count(result)


def audit_events_before(db: Session, *, cutoff: datetime) -> int:
    """How many audit rows are older than ``cutoff`` (the index on ``at`` counts them)."""
    return int(db.scalar(select(func.count()).where(col(AuditEvent.at) < cutoff)) or 0)


def _original_done_before(cutoff: datetime) -> ColumnElement[bool]:
    # Kept while a safeguarding item about the idea or comment is still open.
    still_open = (
        select(SafeguardingItem.id)
        .where(
            col(SafeguardingItem.status) != SafeguardingStatus.closed,
            or_(
                and_(
                    col(ScreenedText.idea_id).is_not(None),
                    col(SafeguardingItem.idea_id) == col(ScreenedText.idea_id),
                ),
                and_(
                    col(ScreenedText.comment_id).is_not(None),
                    col(SafeguardingItem.comment_id) == col(ScreenedText.comment_id),
                ),
            ),
        )
        .exists()
    )
    return and_(col(ScreenedText.updated_at) < cutoff, ~still_open)


def screened_texts_due(db: Session, *, cutoff: datetime, limit: int) -> list[int]:
    return _ids(db, ScreenedText, _original_done_before(cutoff), limit)


def delete_screened_texts(db: Session, ids: Sequence[int], *, cutoff: datetime) -> int:
    result = db.execute(
        delete(ScreenedText).where(col(ScreenedText.id).in_(ids), _original_done_before(cutoff))
    )
    return _count(result)
