"""How long rows are kept: one worker job per table, run on every pass of ``fullcircle worker``.

Each job finds what is due on a read connection, which takes no lock, then removes it in short
write transactions of at most ``BATCH`` rows, each checking the same condition again (a row
that changed in between stays). A pass removes at most ``MAX_BATCHES`` batches per table and
leaves the rest to the next pass, so the writers' lock is only ever held for moments. The
periods are settings (``retention_*``); the schedule and the reasons for it are in
docs/operations.md ("Retention").

The audit log is append-only: database triggers refuse DELETE. Its job only counts the rows
past their period and logs the number; removing them is a documented manual step.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from app.config import Settings, get_settings
from app.core import ratelimit
from app.core import repository as repo
from app.db import open_session
from app.models import utcnow

log = logging.getLogger("fullcircle.retention")

BATCH = 500
MAX_BATCHES = 20


@dataclass(frozen=True)
class Done:
    """What one pass removed (and how many audit rows are past their period)."""

    rate_events: int = 0
    outbox_bodies_blanked: int = 0
    outbox_emails: int = 0
    reports: int = 0
    sessions: int = 0
    reset_tokens: int = 0
    screened_texts: int = 0
    audit_events_due: int = 0


def _in_batches(
    find: Callable[[Session, int], list[int]], remove: Callable[[Session, Sequence[int]], int]
) -> int:
    removed = 0
    for _batch in range(MAX_BATCHES):
        with open_session(write=False) as read:
            ids = find(read, BATCH)
        if not ids:
            break
        with open_session(write=True) as db:
            removed += remove(db, ids)
            db.commit()
        if len(ids) < BATCH:
            break
    return removed


def _days_ago(days: int, now: datetime | None) -> datetime:
    return (now or utcnow()) - timedelta(days=days)


def rate_events(*, settings: Settings | None = None) -> int:
    """Rate-limit events older than the longest window any limit counts over."""
    s = settings or get_settings()
    longest = max(bucket.limit(s).window for bucket in ratelimit.BUCKETS.values())
    keep = max(timedelta(hours=s.retention_rate_event_hours), longest)
    with open_session(write=True) as db:
        pruned = ratelimit.prune(db, older_than=keep)
        db.commit()
    return pruned


def outbox_bodies(*, settings: Settings | None = None, now: datetime | None = None) -> int:
    """Blank the body of email sent (or given up on) long enough ago: it held the links."""
    cutoff = _days_ago((settings or get_settings()).retention_outbox_body_days, now)
    return _in_batches(
        lambda db, limit: repo.mail_bodies_due(db, cutoff=cutoff, limit=limit),
        lambda db, ids: repo.blank_mail_bodies(db, ids, cutoff=cutoff),
    )


def outbox_emails(*, settings: Settings | None = None, now: datetime | None = None) -> int:
    """Delete email sent (or given up on) long ago. Mail still waiting is never touched."""
    cutoff = _days_ago((settings or get_settings()).retention_outbox_days, now)
    return _in_batches(
        lambda db, limit: repo.mail_due(db, cutoff=cutoff, limit=limit),
        lambda db, ids: repo.delete_mail(db, ids, cutoff=cutoff),
    )


def reports(*, settings: Settings | None = None, now: datetime | None = None) -> int:
    """Delete reports resolved long ago. A report nobody has resolved is never deleted.

    Nothing resolves reports yet (the moderation queue is not built), so this deletes none
    until it is.
    """
    cutoff = _days_ago((settings or get_settings()).retention_report_days, now)
    return _in_batches(
        lambda db, limit: repo.reports_due(db, cutoff=cutoff, limit=limit),
        lambda db, ids: repo.delete_reports(db, ids, cutoff=cutoff),
    )


def sessions(*, settings: Settings | None = None, now: datetime | None = None) -> int:
    """Delete sessions revoked, or expired, long enough ago.

    A session's lifetimes depend on the person's roles; the longest of them is used, so a
    session is only ever deleted once it has certainly ended.
    """
    s = settings or get_settings()
    cutoff = _days_ago(s.retention_session_days, now)
    idle = max(
        timedelta(minutes=s.staff_session_idle_minutes),
        timedelta(hours=s.public_session_idle_hours),
    )
    absolute = max(
        timedelta(hours=s.staff_session_absolute_hours),
        timedelta(days=s.public_session_absolute_days),
    )
    return _in_batches(
        lambda db, limit: repo.sessions_due(
            db, cutoff=cutoff, idle=idle, absolute=absolute, limit=limit
        ),
        lambda db, ids: repo.delete_sessions(db, ids, cutoff=cutoff, idle=idle, absolute=absolute),
    )


def reset_tokens(*, settings: Settings | None = None, now: datetime | None = None) -> int:
    """Delete password-reset tokens used, or expired, long enough ago."""
    cutoff = _days_ago((settings or get_settings()).retention_reset_token_days, now)
    return _in_batches(
        lambda db, limit: repo.reset_tokens_due(db, cutoff=cutoff, limit=limit),
        lambda db, ids: repo.delete_reset_tokens(db, ids, cutoff=cutoff),
    )


def screened_texts(*, settings: Settings | None = None, now: datetime | None = None) -> int:
    """Delete what authors typed before identifying details were removed, long enough after it
    was kept; never while a safeguarding item about it is open. The public text stays."""
    cutoff = _days_ago((settings or get_settings()).retention_screened_text_days, now)
    return _in_batches(
        lambda db, limit: repo.screened_texts_due(db, cutoff=cutoff, limit=limit),
        lambda db, ids: repo.delete_screened_texts(db, ids, cutoff=cutoff),
    )


def audit_events_due(*, settings: Settings | None = None, now: datetime | None = None) -> int:
    """How many audit rows are past their period. They are not deleted here (the table is
    append-only): the number is logged, and docs/operations.md says how to remove them."""
    cutoff = _days_ago((settings or get_settings()).retention_audit_days, now)
    with open_session(write=False) as db:
        due = repo.audit_events_before(db, cutoff=cutoff)
    global _audit_due_logged
    if due and due != _audit_due_logged:
        # Once per change, not on every pass (a pass runs every few seconds).
        log.warning("%d audit events are past the retention period: see docs/operations.md", due)
    _audit_due_logged = due
    return due


_audit_due_logged = 0


def run(*, settings: Settings | None = None) -> Done:
    """Every retention job once, each in its own short transactions."""
    s = settings or get_settings()
    return Done(
        rate_events=rate_events(settings=s),
        outbox_bodies_blanked=outbox_bodies(settings=s),
        outbox_emails=outbox_emails(settings=s),
        reports=reports(settings=s),
        sessions=sessions(settings=s),
        reset_tokens=reset_tokens(settings=s),
        screened_texts=screened_texts(settings=s),
        audit_events_due=audit_events_due(settings=s),
    )
