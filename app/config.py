"""Settings of one deployment (one organisation), read from the environment.

Every setting is listed in docs/operations.md; tests/test_config.py keeps the two in step.
"""

import secrets
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, EmailStr, Field, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.models.accounts import STAFF_ROLES, Role


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


#: Who must use two-step sign-in in production unless FULLCIRCLE_MFA_REQUIRED_ROLES says.
PRODUCTION_MFA_ROLES = frozenset({Role.moderator, Role.safeguarding_lead, Role.admin})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FULLCIRCLE_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./fullcircle.db",
        validation_alias=AliasChoices("DATABASE_URL", "FULLCIRCLE_DATABASE_URL"),
    )
    secret_key: str | None = Field(
        default=None, validation_alias=AliasChoices("SECRET_KEY", "FULLCIRCLE_SECRET_KEY")
    )
    env: Environment = Environment.development
    instance_dir: Path = Path("instance")
    site_name: str = "Fullcircle"
    organisation_name: str = "Northshire Mental Health NHS Foundation Trust"
    base_url: str = "http://127.0.0.1:8000"
    #: PostgreSQL: at least the requests a worker has in flight (docs/operations.md).
    db_pool_size: int = 10
    db_max_overflow: int = 10
    #: Requests that write run in at most this many threads per worker at once; the others
    #: wait their turn on the event loop, holding no thread. Unset: ``write_turns`` picks
    #: (docs/performance.md).
    write_threads: int | None = Field(default=None, ge=1, le=40)
    #: Seconds a write waits for its turn (a write thread, then on SQLite the writers' lock)
    #: before answering 503 (try again, nothing saved).
    write_lock_wait_seconds: float = 5.0
    #: SQLite: threads that may wait for the writers' lock at once (background jobs, and
    #: requests when ``write_threads`` is larger); more are answered 503 at once.
    write_lock_max_waiting: int = 16

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = "Fullcircle <no-reply@fullcircle.invalid>"
    #: SQLite (the embedded default) only: the server runs the background jobs itself (sends
    #: the outbox, digests, retention) every ``embedded_worker_seconds``. With PostgreSQL run
    #: ``fullcircle worker`` instead (as many as you like).
    embedded_worker: bool = True
    embedded_worker_seconds: float = Field(default=10.0, gt=0)
    safeguarding_emails: Annotated[list[EmailStr], NoDecode] = []
    #: Told when an urgent safeguarding item is not acknowledged in time.
    safeguarding_backup_emails: Annotated[list[EmailStr], NoDecode] = []
    #: Minutes an urgent safeguarding item may wait unacknowledged before the backups are told.
    safeguarding_escalate_minutes: int = Field(default=30, ge=1)
    #: The organisation's own 24-hour mental health line, listed first with the national ones.
    crisis_line_name: str | None = None
    crisis_line_phone: str | None = None

    staff_session_idle_minutes: int = 30
    staff_session_absolute_hours: int = 12
    public_session_idle_hours: int = 72
    public_session_absolute_days: int = 30
    #: How recently someone must have given their password for the data export.
    reauthenticate_minutes: int = Field(default=15, ge=1, le=720)
    #: Staff roles that must sign in in two steps (the password, then a code from an
    #: authenticator app), comma-separated. Unset: moderator, safeguarding_lead and admin in
    #: production, nobody otherwise (so the demo accounts sign in with their password alone).
    #: Anyone may turn two-step sign-in on for themselves.
    mfa_required_roles: Annotated[list[Role], NoDecode] | None = None

    #: Failed sign-ins to one account from one address before that address must wait.
    login_max_failures_per_account: int = 10
    login_account_window_minutes: int = 15
    #: Failed sign-ins to one account (from anywhere) in an hour before every attempt is
    #: slowed to one each ``login_slowdown_seconds``.
    login_account_slowdown_after: int = 50
    login_slowdown_seconds: int = 5
    #: Failed sign-ins from one address (a trust's whole network may share one).
    login_max_failures_per_ip: int = 300
    login_ip_window_minutes: int = 60
    registrations_per_ip_per_hour: int = 10
    reports_per_hour: int = 20
    email_subscriptions_per_ip_per_hour: int = 20

    #: The largest request body read (forms, JSON, uploads); longer ones are refused with 413.
    max_body_bytes: int = 2_000_000

    #: Seconds anonymous visitors' board, idea pages and public API may be served from each
    #: process's short-lived copy (0 turns it off).
    public_cache_seconds: float = 3.0

    #: Benchmarks only: add an X-SQL-Statements header counting each request's statements.
    expose_sql_count: bool = False

    ideas_per_user_per_day: int = 10
    comments_per_user_per_hour: int = 30
    votes_per_user_per_minute: int = 60
    anonymous_ideas_per_ip_per_hour: int = 5
    #: Seconds a person takes at least to fill in the idea form; faster is treated as a bot.
    idea_form_min_seconds: int = 3
    response_target_working_days: int = 10

    # Retention (app/core/retention.py; the schedule and its reasons: docs/operations.md).
    #: Rate-limit events are kept at least this long (and never less than the longest window).
    retention_rate_event_hours: int = Field(default=48, ge=1)
    #: Days after an email was sent (or given up on) that its body is blanked: bodies hold
    #: password-reset and confirmation links.
    retention_outbox_body_days: int = Field(default=7, ge=1)
    #: Days after an email was sent (or given up on) that its row is deleted.
    retention_outbox_days: int = Field(default=90, ge=1)
    #: Days after a report was resolved that it is deleted (unresolved reports are kept).
    retention_report_days: int = Field(default=365, ge=1)
    #: Days after a session was revoked or expired that its row is deleted.
    retention_session_days: int = Field(default=30, ge=1)
    #: Days after a password-reset token was used or expired that its row is deleted.
    retention_reset_token_days: int = Field(default=30, ge=1)
    #: Days what an author typed is kept after identifying details were removed from it
    #: (never while a safeguarding item about it is open).
    retention_screened_text_days: int = Field(default=90, ge=1)
    #: Days the audit log is kept (the longest); older rows are reported, not deleted.
    retention_audit_days: int = Field(default=2190, ge=365)

    @model_validator(mode="before")
    @classmethod
    def _split_lists(cls, data: dict[str, object]) -> dict[str, object]:
        for name in ("safeguarding_emails", "safeguarding_backup_emails", "mfa_required_roles"):
            raw = data.get(name)
            if isinstance(raw, str):
                data[name] = [p.strip() for p in raw.split(",") if p.strip()]
        return data

    @model_validator(mode="after")
    def _mfa_roles_are_staff_roles(self) -> "Settings":
        others = set(self.mfa_required_roles or ()) - STAFF_ROLES
        if others:
            names = ", ".join(sorted(others))
            raise ValueError(
                f"FULLCIRCLE_MFA_REQUIRED_ROLES may name staff roles only, not {names}"
            )
        return self

    @model_validator(mode="after")
    def _secret_key(self) -> "Settings":
        if self.secret_key:
            return self
        if self.env is Environment.production:
            raise ValueError("SECRET_KEY must be set in production")
        if self.env is Environment.test:
            self.secret_key = "test-secret-key-not-for-production"
            return self
        # Development: keep one generated key in an untracked instance file so sessions and
        # tokens survive restarts without anyone having to invent a secret.
        path = self.instance_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        self.secret_key = path.read_text().strip()
        return self

    @property
    def is_production(self) -> bool:
        return self.env is Environment.production

    @property
    def mfa_roles(self) -> frozenset[Role]:
        """The roles that must use two-step sign-in: the setting, or the environment's default."""
        if self.mfa_required_roles is not None:
            return frozenset(self.mfa_required_roles)
        return PRODUCTION_MFA_ROLES if self.is_production else frozenset()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def write_turns(self) -> int:
        """Writes at once per worker: ``write_threads``, or else 1 on SQLite (its writers take
        turns for the lock anyway, and a second thread only waited for the first) and 2 on
        PostgreSQL (one write's commit waits for the disk while the other runs)."""
        if self.write_threads is not None:
            return self.write_threads
        return 1 if self.is_sqlite else 2

    @property
    def session_cookie_name(self) -> str:
        # The __Host- prefix makes browsers insist on Secure, Path=/ and no Domain.
        return "__Host-fullcircle_session" if self.is_production else "fullcircle_session"

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host)


@cache
def get_settings() -> Settings:
    return Settings()
