"""Queries for accounts, sessions and tokens. All account SQL lives here."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, literal, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app.core.versions import REFERENCE as REFERENCE_VERSIONS
from app.models import (
    ApiToken,
    AuditEvent,
    AuthSession,
    ContentVersion,
    Notification,
    PasswordResetToken,
    RecoveryCode,
    Role,
    StaffVerificationRequest,
    TotpCredential,
    User,
    UserRole,
    VerificationStatus,
)


def user_by_email(db: Session, email: str) -> User | None:
    return db.scalars(
        select(User).where(User.email == email, User.deleted_at.is_(None))  # type: ignore[union-attr]
    ).first()


def roles_of(db: Session, user_id: int) -> frozenset[Role]:
    rows = db.scalars(select(UserRole.role).where(UserRole.user_id == user_id))
    return frozenset(Role(r) for r in rows)


@dataclass(frozen=True)
class Credentials:
    """A live session or token with its person, their roles, whether their two-step sign-in
    is set up, and (when asked for) their unread notifications: all in one statement."""

    user: User
    roles: frozenset[Role]
    two_step_enabled: bool
    unread: int | None
    #: The reference data's content versions (app/core/versions.py), brought along for free.
    versions: dict[str, int]


@cache
def _credentials_statement(credential: type[AuthSession] | type[ApiToken], unread: bool) -> Any:
    """The principal's statement, built once: every request that names someone runs it, and
    building it (and its cache key) again each time was a tenth of a token request's CPU.

    One row per role (a left join, so a person with no role still has one row); the scalar
    subqueries are single index probes, so it stays one indexed round trip."""
    two_step = exists().where(
        col(TotpCredential.user_id) == User.id, col(TotpCredential.confirmed_at).is_not(None)
    )
    unread_count = (
        select(func.count())
        .select_from(Notification)
        .where(col(Notification.user_id) == User.id, col(Notification.read_at).is_(None))
        .scalar_subquery()
        if unread
        else literal(None)
    )
    reference = [
        select(ContentVersion.version).where(col(ContentVersion.key) == key).scalar_subquery()
        for key in REFERENCE_VERSIONS
    ]
    entity: Any = credential
    return (
        core_select(
            entity,
            User,
            col(UserRole.role),
            two_step.label("two_step"),
            unread_count,
            *reference,
        )
        .join(User, col(User.id) == credential.user_id)
        .outerjoin(UserRole, col(UserRole.user_id) == User.id)
        .where(
            col(credential.token_hash) == bindparam("token_hash"),
            col(credential.revoked_at).is_(None),
            col(User.deleted_at).is_(None),
        )
    )


def _credentials(
    db: Session, credential: type[AuthSession] | type[ApiToken], token_hash: str, *, unread: bool
) -> tuple[Any, Credentials] | None:
    rows = db.execute(_credentials_statement(credential, unread), {"token_hash": token_hash}).all()
    if not rows:
        return None
    first = rows[0]
    return first[0], Credentials(
        user=first[1],
        roles=frozenset(Role(r[2]) for r in rows if r[2] is not None),
        two_step_enabled=bool(first[3]),
        unread=None if first[4] is None else int(first[4]),
        versions={key: int(v or 0) for key, v in zip(REFERENCE_VERSIONS, first[5:], strict=True)},
    )


def session_credentials(
    db: Session, token_hash: str, *, unread: bool
) -> tuple[AuthSession, Credentials] | None:
    """A session cookie's session, person and roles, in one statement."""
    return _credentials(db, AuthSession, token_hash, unread=unread)


def token_credentials(db: Session, token_hash: str) -> tuple[ApiToken, Credentials] | None:
    """A Bearer token's row, person and roles, in one statement."""
    return _credentials(db, ApiToken, token_hash, unread=False)


def session_with_user(db: Session, token_hash: str) -> tuple[AuthSession, User] | None:
    row = db.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)  # type: ignore[arg-type]
        .where(AuthSession.token_hash == token_hash, AuthSession.revoked_at.is_(None))  # type: ignore[union-attr]
    ).first()
    return (row[0], row[1]) if row else None


def active_sessions(db: Session, user_id: int) -> Sequence[AuthSession]:
    return db.scalars(
        select(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))  # type: ignore[union-attr]
        .order_by(AuthSession.last_seen_at.desc())  # type: ignore[attr-defined]
    ).all()


def revoke_sessions(
    db: Session, user_id: int, at: datetime, *, except_id: int | None = None
) -> int:
    stmt = update(AuthSession).where(
        AuthSession.user_id == user_id,  # type: ignore[arg-type]
        AuthSession.revoked_at.is_(None),  # type: ignore[union-attr]
    )
    if except_id is not None:
        stmt = stmt.where(AuthSession.id != except_id)  # type: ignore[arg-type]
    result = db.execute(stmt.values(revoked_at=at))
    return int(getattr(result, "rowcount", 0) or 0)


def api_tokens(db: Session, user_id: int) -> Sequence[ApiToken]:
    return db.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))  # type: ignore[union-attr]
        .order_by(ApiToken.created_at.desc())  # type: ignore[attr-defined]
    ).all()


def revoke_api_tokens(db: Session, user_id: int, at: datetime) -> None:
    db.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))  # type: ignore[arg-type,union-attr]
        .values(revoked_at=at)
    )


def use_reset_tokens(db: Session, user_id: int, at: datetime) -> None:
    """Mark every unused reset link of this person used."""
    db.execute(
        update(PasswordResetToken)
        .where(
            PasswordResetToken.user_id == user_id,  # type: ignore[arg-type]
            PasswordResetToken.used_at.is_(None),  # type: ignore[union-attr]
        )
        .values(used_at=at)
    )


def reset_token(db: Session, token_hash: str) -> PasswordResetToken | None:
    return db.scalars(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash)
    ).first()


def users_page(db: Session, *, query: str = "", limit: int = 50, offset: int = 0) -> Sequence[User]:
    stmt = select(User).where(User.deleted_at.is_(None))  # type: ignore[union-attr]
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            func.lower(User.email).like(like) | func.lower(User.display_name).like(like)
        )
    return db.scalars(stmt.order_by(User.id).limit(limit).offset(offset)).all()  # type: ignore[arg-type]


def emails_of(db: Session, user_ids: Collection[int]) -> dict[int, str]:
    """The email address of each account (a deleted account's is blanked), for admins' pages."""
    if not user_ids:
        return {}
    rows = db.execute(select(User.id, User.email).where(col(User.id).in_(sorted(user_ids))))
    return {int(uid): email for uid, email in rows}


def roles_for_users(db: Session, user_ids: Sequence[int]) -> dict[int, frozenset[Role]]:
    result: dict[int, set[Role]] = {uid: set() for uid in user_ids}
    if user_ids:
        for uid, role in db.execute(
            select(UserRole.user_id, UserRole.role).where(UserRole.user_id.in_(user_ids))  # type: ignore[attr-defined]
        ):
            result[uid].add(Role(role))
    return {uid: frozenset(r) for uid, r in result.items()}


def all_sessions(db: Session, user_id: int) -> Sequence[AuthSession]:
    return db.scalars(select(AuthSession).where(AuthSession.user_id == user_id)).all()


def all_api_tokens(db: Session, user_id: int) -> Sequence[ApiToken]:
    return db.scalars(select(ApiToken).where(ApiToken.user_id == user_id)).all()


def audit_events_about(db: Session, user_id: int) -> Sequence[AuditEvent]:
    return db.scalars(
        select(AuditEvent)
        .where((AuditEvent.subject_user_id == user_id) | (AuditEvent.actor_id == user_id))
        .order_by(AuditEvent.id)  # type: ignore[arg-type]
    ).all()


def delete_roles(db: Session, user_id: int, roles: Collection[Role] | None = None) -> None:
    """Remove these roles from the person (all of them when ``roles`` is None)."""
    stmt = delete(UserRole).where(UserRole.user_id == user_id)  # type: ignore[arg-type]
    if roles is not None:
        stmt = stmt.where(UserRole.role.in_(roles))  # type: ignore[attr-defined]
    db.execute(stmt)


def _unlocked(model: type[AuthSession] | type[ApiToken], row_id: int) -> Any:
    # PostgreSQL: a row another transaction is writing is skipped, not waited for (a stamp
    # is best effort); SQLite has no row locks and ignores FOR UPDATE.
    return select(model.id).where(model.id == row_id).with_for_update(skip_locked=True)


def stamp_session(db: Session, session_id: int, at: datetime) -> None:
    db.execute(
        update(AuthSession)
        .where(AuthSession.id.in_(_unlocked(AuthSession, session_id)))  # type: ignore[union-attr]
        .values(last_seen_at=at)
        .execution_options(synchronize_session=False)
    )


def stamp_token(db: Session, token_id: int, at: datetime) -> None:
    db.execute(
        update(ApiToken)
        .where(ApiToken.id.in_(_unlocked(ApiToken, token_id)))  # type: ignore[union-attr]
        .values(last_used_at=at)
        .execution_options(synchronize_session=False)
    )


def verification_requests(
    db: Session, *, user_id: int | None = None, status: VerificationStatus | None = None
) -> Sequence[StaffVerificationRequest]:
    """Oldest first (the admin's queue), or one person's, newest first."""
    stmt = select(StaffVerificationRequest)
    if user_id is not None:
        stmt = stmt.where(col(StaffVerificationRequest.user_id) == user_id).order_by(
            col(StaffVerificationRequest.id).desc()
        )
    else:
        stmt = stmt.order_by(col(StaffVerificationRequest.id))
    if status is not None:
        stmt = stmt.where(col(StaffVerificationRequest.status) == status)
    return db.scalars(stmt).all()


def verification_request(db: Session, request_id: int) -> StaffVerificationRequest | None:
    return db.get(StaffVerificationRequest, request_id)


def pending_verification_count(db: Session) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(StaffVerificationRequest)
            .where(col(StaffVerificationRequest.status) == VerificationStatus.pending)
        )
        or 0
    )


# --- two-step sign-in -------------------------------------------------------------------------


def totp_credential(db: Session, user_id: int) -> TotpCredential | None:
    return db.get(TotpCredential, user_id)


def take_totp_step(db: Session, user_id: int, step: int) -> bool:
    """Record ``step`` as the last code used, if it is later than the last one: False when it
    is not (the code was used already, perhaps by a request running at the same moment)."""
    result = db.execute(
        update(TotpCredential)
        .where(
            col(TotpCredential.user_id) == user_id,
            col(TotpCredential.last_used_step).is_(None)
            | (col(TotpCredential.last_used_step) < step),
        )
        .values(last_used_step=step)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def unused_recovery_code(db: Session, user_id: int, code_hash: str) -> RecoveryCode | None:
    return db.scalars(
        select(RecoveryCode).where(
            col(RecoveryCode.user_id) == user_id,
            col(RecoveryCode.code_hash) == code_hash,
            col(RecoveryCode.used_at).is_(None),
        )
    ).first()


def use_recovery_code(db: Session, code_id: int, at: datetime) -> bool:
    """Mark the code used, unless another request has just used it (False)."""
    result = db.execute(
        update(RecoveryCode)
        .where(col(RecoveryCode.id) == code_id, col(RecoveryCode.used_at).is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def unused_recovery_codes(db: Session, user_id: int) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(col(RecoveryCode.user_id) == user_id, col(RecoveryCode.used_at).is_(None))
        )
        or 0
    )


def delete_recovery_codes(db: Session, user_id: int) -> None:
    db.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))


def delete_second_factor(db: Session, user_id: int) -> bool:
    """Remove the person's authenticator app and recovery codes; whether they had an app."""
    delete_recovery_codes(db, user_id)
    result = db.execute(delete(TotpCredential).where(col(TotpCredential.user_id) == user_id))
    return int(getattr(result, "rowcount", 0) or 0) > 0
