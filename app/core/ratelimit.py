"""Rate limits counted in the database, so every app server sees the same numbers.

Every bucket is declared here, in one registry (``BUCKETS``), with where its numbers come from;
services refer to them by these constants and call ``enforce()`` (a sliding window over one
``rate_event`` row per event: exact, for the rare actions such as signing in), or, on hot
paths, ``spend()`` (one ``rate_allowance`` row per key, updated in one statement: see
``RateAllowance``; the table does not grow with each request).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from app.config import Settings, get_settings
from app.core import repository as repo
from app.errors import RateLimited
from app.models import RateEvent, utcnow


@dataclass(frozen=True)
class Limit:
    bucket: str
    max_events: int
    window: timedelta


@dataclass(frozen=True)
class Bucket:
    """A named limit whose numbers are read from the settings when it is used."""

    name: str
    numbers: Callable[[Settings], tuple[int, timedelta]]

    def limit(self, settings: Settings | None = None) -> Limit:
        max_events, window = self.numbers(settings or get_settings())
        return Limit(self.name, max_events, window)


BUCKETS: dict[str, Bucket] = {}

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _bucket(name: str, numbers: Callable[[Settings], tuple[int, timedelta]]) -> Bucket:
    if name in BUCKETS:
        raise ValueError(f"rate-limit bucket {name!r} declared twice")
    BUCKETS[name] = bucket = Bucket(name, numbers)
    return bucket


#: Failed sign-ins to one account from one address: that address stops, the owner elsewhere
#: does not.
LOGIN_ACCOUNT_ADDRESS = _bucket(
    "login_account_address",
    lambda s: (
        s.login_max_failures_per_account,
        timedelta(minutes=s.login_account_window_minutes),
    ),
)
#: Failed sign-ins to one account from anywhere: past the cap, attempts are slowed (one every
#: few seconds), never refused outright, so the owner still gets in.
LOGIN_ACCOUNT = _bucket(
    "login_account", lambda s: (s.login_account_slowdown_after, timedelta(hours=1))
)
LOGIN_IP = _bucket(
    "login_ip",
    lambda s: (s.login_max_failures_per_ip, timedelta(minutes=s.login_ip_window_minutes)),
)
PASSWORD_RESET = _bucket("password_reset", lambda s: (5, timedelta(hours=1)))
PASSWORD_RESET_IP = _bucket("password_reset_ip", lambda s: (20, timedelta(hours=1)))
REGISTER_IP = _bucket(
    "register_ip", lambda s: (s.registrations_per_ip_per_hour, timedelta(hours=1))
)
#: Emails to the owner of an address someone tried to register again (silently capped).
REGISTER_EXISTING = _bucket("register_existing", lambda s: (3, timedelta(days=1)))
CONFIRM_RESEND = _bucket("confirm_resend", lambda s: (3, timedelta(hours=1)))
#: Wrong passwords when confirming it is you (before the data export), per account.
REAUTH = _bucket("reauth", lambda s: (10, timedelta(minutes=15)))
#: Wrong codes at the second step of signing in: 5 per pending sign-in (then the person starts
#: again with their password), and 10 per account in 15 minutes from anywhere, so someone who
#: has the password cannot go on guessing codes (a million of them) in fresh sign-ins.
MFA_PENDING = _bucket("mfa_pending", lambda s: (5, timedelta(minutes=10)))
MFA_ACCOUNT = _bucket("mfa_account", lambda s: (10, timedelta(minutes=15)))
REPORT = _bucket("report", lambda s: (s.reports_per_hour, timedelta(hours=1)))
SUBSCRIBE_IP = _bucket(
    "subscribe_ip", lambda s: (s.email_subscriptions_per_ip_per_hour, timedelta(hours=1))
)
IDEA_USER = _bucket("idea_user", lambda s: (s.ideas_per_user_per_day, timedelta(days=1)))
IDEA_IP = _bucket("idea_ip", lambda s: (s.anonymous_ideas_per_ip_per_hour, timedelta(hours=1)))
COMMENT_USER = _bucket("comment_user", lambda s: (s.comments_per_user_per_hour, timedelta(hours=1)))
VOTE_USER = _bucket("vote_user", lambda s: (s.votes_per_user_per_minute, timedelta(minutes=1)))


def key_for(value: str) -> str:
    """Rate keys are hashes: the table never holds an email address or an IP in the clear."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()


def retry_after(db: Session, limit: Limit, key: str) -> int | None:
    """Seconds until another event is allowed, or None when under the limit."""
    return repo.rate_retry_after(db, limit.bucket, key, limit.max_events, limit.window)


def seconds_since_latest(db: Session, bucket: Bucket, key: str) -> float | None:
    """How long ago the latest event in this bucket was, or None if there is none."""
    latest = repo.latest_rate_event(db, bucket.name, key)
    return None if latest is None else (utcnow() - latest).total_seconds()


def hit(db: Session, limit: Limit, key: str) -> None:
    db.add(RateEvent(bucket=limit.bucket, key=key))


def enforce(db: Session, bucket: Bucket, key: str, message: str) -> None:
    """Count one more event, or raise ``RateLimited`` (with Retry-After) saying ``message``."""
    limit = bucket.limit()
    wait = retry_after(db, limit, key)
    if wait:
        raise RateLimited(message, retry_after=wait)
    hit(db, limit, key)


def _micros(window: timedelta) -> int:
    return window // timedelta(microseconds=1)


def spend(db: Session, bucket: Bucket, key: str) -> int | None:
    """Count one more event in one statement, or return the seconds to wait (nothing counted).

    Up to the limit at once, then the limit's rate: every event moves the key's refill on by
    window / limit, and one that would move it more than a window ahead is refused. The
    caller raises ``RateLimited`` when it is refused (after any checks that come first)."""
    limit = bucket.limit()
    if limit.max_events <= 0:
        return max(1, int(limit.window.total_seconds()))
    window_us = _micros(limit.window)
    share_us = window_us // limit.max_events
    now_us = _micros(utcnow() - EPOCH)
    if repo.take_rate_allowance(
        db, limit.bucket, key, now_us=now_us, share_us=share_us, window_us=window_us
    ):
        return None
    refilled_at_us = repo.rate_allowance_refilled_at(db, limit.bucket, key) or now_us
    wait_us = max(refilled_at_us, now_us) + share_us - window_us - now_us
    return max(1, -(-wait_us // 1_000_000))


def clear(db: Session, limit: Limit, key: str) -> None:
    repo.delete_rate_events(db, limit.bucket, key)


def prune(db: Session, *, older_than: timedelta = timedelta(days=2)) -> int:
    """Events older than ``older_than``, and allowances already whole again."""
    pruned = repo.prune_rate_events(db, older_than=older_than)
    return pruned + repo.prune_rate_allowances(db, now_us=_micros(utcnow() - EPOCH))
