"""Helpers the notification tests share: who was told in-app, who was emailed, and ideas in a
known visibility."""

import re

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.models import EmailSubscription, Idea, Notification, OutboxEmail, Visibility, utcnow


def told(db: Session, idea: Idea, kind: str | None = None) -> list[int]:
    """Who got an in-app notification about ``idea`` (of ``kind``), sorted, with repeats."""
    db.expire_all()
    query = select(Notification.user_id).where(
        col(Notification.subject_kind) == "idea", col(Notification.subject_id) == idea.id
    )
    if kind is not None:
        query = query.where(col(Notification.kind) == kind)
    return sorted(db.scalars(query))


def emailed(db: Session) -> list[str]:
    """Every address in the outbox, sorted, with repeats."""
    db.expire_all()
    return sorted(db.scalars(select(OutboxEmail.to_address)))


def outbox_to(db: Session, address: str) -> list[OutboxEmail]:
    db.expire_all()
    return list(
        db.scalars(
            select(OutboxEmail)
            .where(col(OutboxEmail.to_address) == address)
            .order_by(col(OutboxEmail.id))
        )
    )


def set_visibility(db: Session, idea: Idea, visibility: Visibility) -> None:
    db.execute(update(Idea).where(col(Idea.id) == idea.id).values(visibility=visibility))
    db.commit()
    db.refresh(idea)


def confirmed_subscription(db: Session, idea: Idea, email: str) -> EmailSubscription:
    sub = EmailSubscription(idea_id=idea.id or 0, email=email, confirmed_at=utcnow())
    db.add(sub)
    db.commit()
    return sub


def link_in(body: str, path: str) -> str:
    """The path of the first link in ``body`` that starts with ``path``."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", body)
    assert match is not None, body
    return match.group(1)
