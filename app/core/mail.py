"""Email through an outbox table: written in the caller's transaction, delivered afterwards.

With SMTP configured, ``deliver_pending`` sends; without it mail stays in the outbox (and in
development admins can read it at /admin/outbox).
"""

import logging
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from jinja2_fragments import render_block
from sqlmodel import Session

from app.config import Settings, get_settings
from app.core import repository as repo
from app.models import OutboxEmail, utcnow
from app.web.render import text_environment

log = logging.getLogger("fullcircle.mail")

MAX_ATTEMPTS = 5


def queue(db: Session, *, to: str, subject: str, body: str) -> OutboxEmail:
    message = OutboxEmail(to_address=to, subject=subject, body_text=body)
    db.add(message)
    return message


def queue_template(
    db: Session, *, to: str, template: str, context: Mapping[str, Any]
) -> OutboxEmail:
    """Queue an email written as a template under ``templates/emails/``: its ``subject`` and
    ``body`` blocks (every email says the site is not monitored and gives the crisis line)."""
    subject, body = render_email(template, context)
    return queue(db, to=to, subject=subject, body=body)


def render_email(template: str, context: Mapping[str, Any]) -> tuple[str, str]:
    env = text_environment()
    subject = render_block(env, template, "subject", context)
    body = render_block(env, template, "body", context)
    # A subject is one line, whatever a title held: a header value never carries CR or LF.
    return " ".join(subject.split())[:200], body.strip() + "\n"


def deliver_pending(db: Session, *, settings: Settings | None = None, limit: int = 50) -> int:
    """Send queued mail; returns how many were sent. Safe to run from several servers."""
    settings = settings or get_settings()
    if not settings.smtp_configured:
        return 0
    postgres = db.get_bind().dialect.name == "postgresql"
    messages = repo.unsent_mail(db, max_attempts=MAX_ATTEMPTS, limit=limit, lock=postgres)
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
