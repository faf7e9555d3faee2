"""In-app notifications for followers, and email updates for people without an account.

Later issues (triage, projects) call ``idea_changed`` so followers hear what happened.
"""

from sqlalchemy import func, insert, update
from sqlmodel import Session, col, select

from app.config import get_settings
from app.core import mail, signing
from app.i18n import _
from app.ideas import repository as ideas_repo
from app.models import EmailSubscription, Idea, Notification, utcnow

KIND_TEXT = {
    "comment": "Someone commented on an idea you follow",
    "status": "An idea you follow has a new status",
}


def idea_changed(
    db: Session, *, idea: Idea, kind: str, actor_id: int | None, email_text: str | None = None
) -> int:
    """Notify every follower but the person who made the change; returns how many."""
    assert idea.id is not None
    followers = [uid for uid in ideas_repo.follower_ids(db, idea.id) if uid != actor_id]
    if followers:
        db.execute(
            insert(Notification),
            [
                {"user_id": uid, "idea_id": idea.id, "kind": kind, "created_at": utcnow()}
                for uid in followers
            ],
        )
    if email_text:
        _email_subscribers(db, idea=idea, text=email_text)
    return len(followers)


def _email_subscribers(db: Session, *, idea: Idea, text: str) -> None:
    settings = get_settings()
    base = settings.base_url.rstrip("/")
    subs = db.scalars(select(EmailSubscription).where(col(EmailSubscription.idea_id) == idea.id))
    for sub in subs:
        assert sub.id is not None
        token = unsubscribe_token(sub.id)
        mail.queue(
            db,
            to=sub.email,
            subject=_("Update on the idea you suggested"),
            body=_(
                "%(text)s\n\nSee the idea: %(base)s/ideas/%(id)s\n\n"
                "To stop these emails: %(base)s/unsubscribe/%(token)s\n\n"
                "This site is not monitored 24 hours a day and is not the way to get urgent "
                "help. If you need help now, call 111 and select the mental health option."
            )
            % {"text": text, "base": base, "id": idea.id, "token": token},
        )


def subscribe(db: Session, *, idea: Idea, email: str) -> None:
    email = email.strip().lower()
    assert idea.id is not None
    existing = db.scalars(
        select(EmailSubscription).where(
            col(EmailSubscription.idea_id) == idea.id, col(EmailSubscription.email) == email
        )
    ).first()
    if existing is None:
        db.add(EmailSubscription(idea_id=idea.id, email=email))


def unsubscribe_token(subscription_id: int) -> str:
    """``<id>-<signature>``: every email's link keeps working, and none can be guessed."""
    return f"{subscription_id}-{signing.sign('unsubscribe', str(subscription_id))}"


def unsubscribe(db: Session, *, token: str) -> bool:
    sub_id, _sep, signature = token.partition("-")
    if not sub_id.isdigit() or not signing.verify("unsubscribe", sub_id, signature):
        return False
    sub = db.get(EmailSubscription, int(sub_id))
    if sub is not None:
        db.delete(sub)
    return True


def for_user(db: Session, *, user_id: int, limit: int = 50) -> list[tuple[Notification, Idea]]:
    rows = db.execute(
        select(Notification, Idea)
        .join(Idea, col(Idea.id) == col(Notification.idea_id))
        .where(col(Notification.user_id) == user_id)
        .order_by(col(Notification.id).desc())
        .limit(limit)
    ).all()
    return [(r[0], r[1]) for r in rows]


def unread_count(db: Session, *, user_id: int) -> int:
    return int(
        db.scalar(
            select(func.count())
            .select_from(Notification)
            .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        )
        or 0
    )


def mark_all_read(db: Session, *, user_id: int) -> None:
    db.execute(
        update(Notification)
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
