"""Accounts, roles, units, sessions, tokens, outbox, audit and rate-limit tables."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, String, false, true
from sqlmodel import Field, SQLModel

from app.core.states import N_, LabelledEnum
from app.models.base import timestamp


class Role(LabelledEnum):
    service_user = "service_user", N_("Service user")
    carer = "carer", N_("Carer")
    staff = "staff", N_("Staff")
    moderator = "moderator", N_("Moderator")
    safeguarding_lead = "safeguarding_lead", N_("Safeguarding lead")
    improvement_lead = "improvement_lead", N_("Improvement lead")
    admin = "admin", N_("Admin")


#: Roles only an admin may grant; holding any of them puts the account on staff session rules.
STAFF_ROLES = frozenset(
    {Role.staff, Role.moderator, Role.safeguarding_lead, Role.improvement_lead, Role.admin}
)


class Identity(LabelledEnum):
    """How people describe themselves ("I am a ..."); public wording, never their name."""

    service_user = "service_user", N_("Someone who uses mental health services")
    carer = "carer", N_("A carer, family member or friend")
    staff = "staff", N_("Staff")
    other = "other", N_("Other")


class UnitKind(LabelledEnum):
    organisation = "organisation", N_("Organisation")
    directorate = "directorate", N_("Directorate")
    service = "service", N_("Service")
    team = "team", N_("Team or ward")


class Unit(SQLModel, table=True):
    __tablename__ = "unit"

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    kind: UnitKind = Field(sa_type=String(20))
    name: str = Field(max_length=120)
    slug: str = Field(max_length=140, unique=True)
    # Materialised path ("/1/4/9/") so "this unit and everything under it" is one indexed LIKE.
    path: str = Field(max_length=400, index=True)
    created_at: datetime = timestamp()


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    display_name: str = Field(max_length=80)
    identity: Identity = Field(sa_type=String(20))
    password_hash: str | None = Field(default=None, max_length=255)
    #: When the person proved the address is theirs (by a link sent to it). Until then their
    #: support does not count and their ideas wait for a moderator. Accounts made by an admin,
    #: the CLI or the demo seed are confirmed when made.
    email_confirmed_at: datetime | None = timestamp(nullable=True, default=False)
    #: An admin vouches for this person: what they write skips the moderation queue (screening
    #: still holds a possible risk of harm). See app/settings/.
    trusted: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    #: Email about ideas they follow, support or suggested (in-app notifications always).
    email_updates: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    #: Staff: one email a day listing new ideas in their units (app/notifications/digest.py).
    digest_daily: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    #: When the last daily digest was claimed for sending (two workers never send it twice).
    digest_sent_at: datetime | None = timestamp(nullable=True, default=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    deleted_at: datetime | None = timestamp(nullable=True, default=False)


class UserRole(SQLModel, table=True):
    __tablename__ = "user_role"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    role: Role = Field(sa_type=String(30), primary_key=True)
    granted_at: datetime = timestamp()
    granted_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class UserUnit(SQLModel, table=True):
    __tablename__ = "user_unit"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)


class VerificationStatus(LabelledEnum):
    pending = "pending", N_("Waiting for an admin"), "yellow"
    approved = "approved", N_("Approved"), "green"
    declined = "declined", N_("Declined"), "grey"


class StaffVerificationRequest(SQLModel, table=True):
    """Someone who says they work here asks an admin to check, so what they write can be shown
    as from staff. Only an admin's approval grants the staff role."""

    __tablename__ = "staff_verification_request"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    job_title: str = Field(max_length=120)
    #: Where they say they work (the admin checks it and may add the membership).
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    status: VerificationStatus = Field(
        default=VerificationStatus.pending, sa_type=String(20), index=True
    )
    created_at: datetime = timestamp()
    decided_at: datetime | None = timestamp(nullable=True, default=False)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    #: Shown to the person when declined.
    decision_note: str | None = Field(default=None, max_length=500)


class AuthSession(SQLModel, table=True):
    """A server-side session; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = timestamp()
    last_seen_at: datetime = timestamp(index=True)
    revoked_at: datetime | None = timestamp(nullable=True, default=False, index=True)
    user_agent: str = Field(default="", max_length=200)
    ip_address: str = Field(default="", max_length=45)
    #: When the person last proved who they are in this session (a password, and a second
    #: factor where they have one): sign-in sets it; export and deletion ask for it again.
    reauthenticated_at: datetime | None = timestamp(nullable=True, default=False)


class TokenScope(StrEnum):
    """What a personal API token may do, as far as the owner's roles allow."""

    read = "read"
    write = "write"
    moderate = "moderate"
    admin = "admin"


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    name: str = Field(max_length=80)
    token_hash: str = Field(max_length=64, unique=True)
    # The first characters, shown in lists so people can tell their tokens apart.
    prefix: str = Field(max_length=16)
    created_at: datetime = timestamp()
    last_used_at: datetime | None = timestamp(nullable=True, default=False)
    revoked_at: datetime | None = timestamp(nullable=True, default=False)
    #: Space-separated ``TokenScope`` values, fixed when the token is made.
    scopes: str = Field(default="read", max_length=64)
    #: Set by the service when the token is made (there is no token without an end).
    expires_at: datetime = timestamp(default=False)


class PasswordResetToken(SQLModel, table=True):
    __tablename__ = "password_reset_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp()
    expires_at: datetime = timestamp(default=False, index=True)
    used_at: datetime | None = timestamp(nullable=True, default=False)


class TotpCredential(SQLModel, table=True):
    """A person's authenticator app (two-step sign-in), one per account.

    ``secret`` is the base32 TOTP secret, stored as it is: Fullcircle has no key management to
    encrypt it with, so the database and its backups must be protected as the sessions and
    passwords are (docs/operations.md). It is shown only while setting up, never afterwards.
    Until ``confirmed_at`` the person has not yet typed a code from it, and it does nothing.
    """

    __tablename__ = "totp_credential"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    secret: str = Field(max_length=64)
    created_at: datetime = timestamp()
    confirmed_at: datetime | None = timestamp(nullable=True, default=False)
    #: The 30-second time step of the last code accepted: a code is never accepted twice.
    last_used_step: int | None = None


class RecoveryCode(SQLModel, table=True):
    """A single-use code for signing in without the authenticator app; only its SHA-256 is
    kept (each code has 80 random bits, so a fast hash is enough)."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp()
    used_at: datetime | None = timestamp(nullable=True, default=False)


class OutboxEmail(SQLModel, table=True):
    """Every email is written here in the same transaction as the change that caused it."""

    __tablename__ = "outbox_email"

    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=200)
    body_text: str
    created_at: datetime = timestamp(index=True)
    sent_at: datetime | None = timestamp(nullable=True, default=False)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=200)
    #: Not before this time (after a failure, each try waits longer).
    next_attempt_at: datetime | None = timestamp(nullable=True, default=False)
    #: Given up on: too many failures, or it can never be sent (``last_error`` says why).
    failed_at: datetime | None = timestamp(nullable=True, default=False)


class AuditEvent(SQLModel, table=True):
    """Append-only record of security events (database triggers refuse UPDATE and DELETE).

    ``details`` holds identifiers and reasons only: never passwords, tokens or submitted text.
    """

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp(index=True)
    event: str = Field(max_length=60, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    subject_user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    ip_address: str = Field(default="", max_length=45, index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class RateEvent(SQLModel, table=True):
    """One counted action (a failed sign-in, a submission) for sliding-window limits.

    Kept in the database, not in process memory, so every app server sees the same counts.
    """

    __tablename__ = "rate_event"
    __table_args__ = (Index("ix_rate_event_bucket_key_at", "bucket", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    bucket: str = Field(max_length=40)
    key: str = Field(max_length=64)
    at: datetime = timestamp(index=True)


class RateAllowance(SQLModel, table=True):
    """One row per (limit, key) for limits on hot paths (votes): a rate, not a log.

    ``refilled_at_us`` is when the key's allowance is whole again (microseconds since the
    epoch). Each allowed event moves it on by one share of the window (window / limit);
    an event that would move it more than a window ahead is refused and changes nothing.
    (The "generic cell rate algorithm": a burst of up to the limit, then the limit's rate.)
    The table grows with the people who act, not with what they do.
    """

    __tablename__ = "rate_allowance"

    bucket: str = Field(max_length=40, primary_key=True)
    key: str = Field(max_length=64, primary_key=True)
    refilled_at_us: int = Field(sa_column=Column(BigInteger, nullable=False))
