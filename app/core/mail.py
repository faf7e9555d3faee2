"""Email through an outbox table: written in the caller's transaction, delivered afterwards.

With SMTP configured, ``deliver_pending`` sends; without it mail stays in the outbox (and in
development admins can read it at /admin/outbox).
"""

import logging
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from jinja2_fragments import render_block
from sqlmodel import Session

from app.config import Settings, get_settings
from app.core import email_address
from app.core import repository as repo
from app.models import OutboxEmail, utcnow
from app.web.render import text_environment

log = logging.getLogger("fullcircle.mail")


def queue(db: Session, *, to: str, subject: str, body: str) -> OutboxEmail:
    """Write the email into the caller's transaction. The address is checked again here (the
    forms check it first), so nothing that could break a header reaches the outbox."""
    message = OutboxEmail(
        to_address=email_address.normalise(to),
        subject=" ".join(subject.split())[:200],
        body_text=body,
    )
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
    return subject, body.strip() + "\n"


#: Seconds to wait before the next try after the n-th failure (then it has failed for good).
RETRY_AFTER = (60, 300, 1800, 7200)
MAX_ATTEMPTS = len(RETRY_AFTER) + 1


def deliver_pending(db: Session, *, settings: Settings | None = None, limit: int = 50) -> int:
    """Send queued mail; returns how many were sent. Safe to run from several servers.

    One message that cannot be sent never holds up the others: each failure is counted with
    its reason, the message waits longer before each new try, and after MAX_ATTEMPTS (or at
    once, when it can never be sent) it is marked failed and left for an admin to see.
    """
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
        except Exception as exc:  # noqa: BLE001 (any failure is this message's, not the queue's)
            _failed(message, exc)
        else:
            message.sent_at = utcnow()
            message.attempts += 1
            sent += 1
        if not postgres:
            db.commit()
    db.commit()
    return sent


def _smtp_code(exc: Exception) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return max(code for code, _text in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return code if isinstance(code, int) else None


def _permanent(exc: Exception, code: int | None) -> bool:
    """No retry can mend it: the message cannot be built, or the server refused the address
    for good (a 5xx reply to the recipient)."""
    if isinstance(exc, ValueError | UnicodeError):
        return True
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and code is not None and code >= 500


def _failed(message: OutboxEmail, exc: Exception) -> None:
    message.attempts += 1
    code = _smtp_code(exc)
    # The reason names the kind of failure and its code only: an SMTP server's words may
    # quote the address.
    message.last_error = f"{type(exc).__name__}{f' {code}' if code else ''}"[:200]
    now = utcnow()
    if _permanent(exc, code) or message.attempts >= MAX_ATTEMPTS:
        message.failed_at = now
        log.warning("outbox email %s failed for good: %s", message.id, message.last_error)
    else:
        wait = RETRY_AFTER[min(message.attempts, len(RETRY_AFTER)) - 1]
        message.next_attempt_at = now + timedelta(seconds=wait)
        log.warning(
            "outbox email %s not sent (try %s): %s",
            message.id,
            message.attempts,
            message.last_error,
        )


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


@dataclass(frozen=True)
class OutboxHealth:
    """What an admin needs to know about the outbox."""

    waiting: int
    oldest_waiting_minutes: int | None
    failed: int
    retrying: int

    @property
    def stuck(self) -> bool:
        """Mail waiting over 15 minutes, or any given up on: someone should look."""
        return bool(self.failed) or (self.oldest_waiting_minutes or 0) > 15


def health(db: Session) -> OutboxHealth:
    waiting, oldest, failed, retrying = repo.outbox_counts(db)
    minutes = None if oldest is None else int((utcnow() - oldest).total_seconds() // 60)
    return OutboxHealth(waiting, minutes, failed, retrying)
