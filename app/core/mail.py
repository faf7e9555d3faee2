"""Email through an outbox table: written in the caller's transaction, delivered afterwards.

With SMTP configured, ``deliver_pending`` sends; without it mail stays in the outbox (and in
development admins can read it at /admin/outbox).
"""

import logging
import smtplib
from email.message import EmailMessage

from sqlmodel import Session, select

from app.config import Settings, get_settings
from app.models import OutboxEmail, utcnow

log = logging.getLogger("fullcircle.mail")

MAX_ATTEMPTS = 5


def queue(db: Session, *, to: str, subject: str, body: str) -> OutboxEmail:
    message = OutboxEmail(to_address=to, subject=subject, body_text=body)
    db.add(message)
    return message


def deliver_pending(db: Session, *, settings: Settings | None = None, limit: int = 50) -> int:
    """Send queued mail; returns how many were sent. Safe to run from several servers."""
    settings = settings or get_settings()
    if not settings.smtp_configured:
        return 0
    query = (
        select(OutboxEmail)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS)  # type: ignore[union-attr]
        .order_by(OutboxEmail.id)  # type: ignore[arg-type]
        .limit(limit)
    )
    postgres = db.get_bind().dialect.name == "postgresql"
    if postgres:
        # Row locks let several workers share the queue without sending anything twice.
        query = query.with_for_update(skip_locked=True)
    messages = list(db.scalars(query))
    if not postgres:
        # SQLite's write lock covers the whole database: never hold it while SMTP talks.
        db.commit()
    sent = 0
    for message in messages:
        try:
            _send(settings, message)
        except (OSError, smtplib.SMTPException) as exc:
            message.attempts += 1
            message.last_error = type(exc).__name__
            log.warning("outbox email %s not sent: %s", message.id, type(exc).__name__)
        else:
            message.sent_at = utcnow()
            message.attempts += 1
            sent += 1
        if not postgres:
            db.commit()
    db.commit()
    return sent


def _send(settings: Settings, message: OutboxEmail) -> None:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body_text)
    assert settings.smtp_host
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(email)
