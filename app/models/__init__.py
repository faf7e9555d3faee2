"""Every table model, imported here so Alembic's autogenerate sees them all."""

from app.models.accounts import (
    STAFF_ROLES,
    ApiToken,
    AuditEvent,
    AuthSession,
    Identity,
    OutboxEmail,
    PasswordResetToken,
    RateEvent,
    Role,
    Unit,
    UnitKind,
    User,
    UserRole,
    UserUnit,
)
from app.models.base import utcnow

__all__ = [
    "STAFF_ROLES",
    "ApiToken",
    "AuditEvent",
    "AuthSession",
    "Identity",
    "OutboxEmail",
    "PasswordResetToken",
    "RateEvent",
    "Role",
    "Unit",
    "UnitKind",
    "User",
    "UserRole",
    "UserUnit",
    "utcnow",
]
