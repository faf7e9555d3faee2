"""Telling people what happened: in-app notifications for followers, and email updates for
people without an account (signed unsubscribe links). Other domains call ``subject_changed``
so followers hear of comments, status changes and (soon) project news."""

from sqlmodel import Session

from app.core import mail, ratelimit, signing
from app.core.subjects import Subject
from app.follows import repository as follows_repo
from app.i18n import _
from app.models import EmailSubscription, Idea, Notification, Visibility
from app.notifications import repository as repo
from app.safeguarding import service as safeguarding
from app.web.params import as_id
from app.web.urls import absolute_url


def subject_changed(
    db: Session,
    *,
    subject: Subject,
    kind: str,
    actor_id: int | None,
    idea: Idea | None = None,
    email_text: str | None = None,
) -> int:
    """Notify every follower but the person who made the change; returns how many.

    With ``email_text``, people who asked for email updates about ``idea`` get one too.
    """
    followers = [uid for uid in follows_repo.follower_ids(db, subject) if uid != actor_id]
    repo.add_many(db, subject=subject, kind=kind, user_ids=followers)
    if email_text and idea is not None:
        _email_subscribers(db, idea=idea, text=email_text)
    return len(followers)


def _email_subscribers(db: Session, *, idea: Idea, text: str) -> None:
    assert idea.id is not None
    for sub in repo.subscriptions(db, idea_id=idea.id):
        assert sub.id is not None
        mail.queue_template(
            db,
            to=sub.email,
            template="emails/idea_update.txt",
            context={
                "text": text,
                "idea_link": absolute_url("idea_page", idea_id=idea.id),
                "unsubscribe_link": absolute_url(
                    "unsubscribe_page", token=unsubscribe_token(sub.id)
                ),
            },
        )


def subscribe(db: Session, *, idea: Idea, email: str, ip_address: str) -> None:
    """Email updates on this idea to ``email`` (already a checked address). Limited per network
    address, so a receipt cannot be used to sign strangers up in bulk."""
    ratelimit.enforce(
        db,
        ratelimit.SUBSCRIBE_IP,
        ratelimit.key_for(ip_address or "unknown"),
        _("Many email addresses have been added from here. Wait a while, then try again."),
    )
    assert idea.id is not None
    if repo.subscription(db, idea_id=idea.id, email=email) is None:
        db.add(EmailSubscription(idea_id=idea.id, email=email))
        if idea.visibility == Visibility.held:
            # Its author may be at risk: the crisis help goes to the address they gave.
            safeguarding.crisis_help_email(db, to=email)


def unsubscribe_token(subscription_id: int) -> str:
    """``<id>-<signature>``: every email's link keeps working, and none can be guessed."""
    return f"{subscription_id}-{signing.sign('unsubscribe', str(subscription_id))}"


def unsubscribe(db: Session, *, token: str) -> bool:
    raw_id, _sep, signature = token.partition("-")
    sub_id = as_id(raw_id)
    if sub_id is None or not signing.verify("unsubscribe", raw_id, signature):
        return False
    sub = db.get(EmailSubscription, sub_id)
    if sub is not None:
        db.delete(sub)
    return True


def for_user(db: Session, *, user_id: int, limit: int = 50) -> list[tuple[Notification, Idea]]:
    return repo.for_user(db, user_id=user_id, limit=limit)


def mark_all_read(db: Session, *, user_id: int) -> None:
    repo.mark_all_read(db, user_id=user_id)


def unread_count(db: Session, *, user_id: int) -> int:
    return repo.unread_count(db, user_id=user_id)
