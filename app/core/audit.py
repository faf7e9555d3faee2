"""The append-only security audit log."""

from typing import Any

from sqlmodel import Session

from app.models import AuditEvent


def record(
    db: Session,
    event: str,
    *,
    actor_id: int | None = None,
    subject_user_id: int | None = None,
    ip_address: str = "",
    **details: Any,
) -> None:
    """Add an audit row to the caller's transaction.

    ``details`` must hold identifiers and reasons only, never passwords, tokens or free text.
    """
    db.add(
        AuditEvent(
            event=event,
            actor_id=actor_id,
            subject_user_id=subject_user_id,
            ip_address=ip_address[:45],
            details=details,
        )
    )
