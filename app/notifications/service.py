"""Telling people what happened: in-app notifications and email updates.

Other domains call ``subject_changed``. A status change or an official response on an idea
(a call with ``email_text``) reaches everyone who cares about it, once each and never the
person who made the change: its followers, its supporters and its author, in-app, and by email
to each account that has not turned email updates off and to each address confirmed from the
receipt page. A comment tells followers in-app only. An idea nobody else may see (waiting for a
moderator, hidden or held) is news for its author alone: its existence must not leak.

Email sign-ups from a receipt are double opt-in: the address gets one email, with a link to
confirm, and nothing else until its owner presses the button on that link's page.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from app.accounts.principal import Principal
from app.core import mail, ratelimit, signing
from app.core.subjects import Subject
from app.follows import repository as follows_repo
from app.i18n import _
from app.ideas import access as ideas_access
from app.models import (
    EmailSubscription,
    Idea,
    Notification,
    Project,
    SubjectKind,
    Visibility,
    utcnow,
)
from app.notifications import repository as repo
from app.projects import access as projects_access
from app.web.params import as_id
from app.web.urls import absolute_url

#: How long the link that confirms an email sign-up works.
CONFIRM_LINK_LIFETIME = timedelta(days=7)
#: Signing up the same address again sends the confirmation again at most this often.
CONFIRM_RESEND_AFTER = timedelta(minutes=10)


def subject_changed(
    db: Session,
    *,
    subject: Subject,
    kind: str,
    actor_id: int | None,
    idea: Idea | None = None,
    email_text: str | None = None,
) -> int:
    """Tell the people who care that ``subject`` changed; returns how many were told in-app.

    Without ``email_text`` (a comment, a project's own news): its followers, in-app. With it,
    about ``idea``: followers, supporters and the author, in-app and by email.
    """
    if idea is None and subject.kind == SubjectKind.idea:
        idea = db.get(Idea, subject.id)
    if idea is not None and idea.visibility != Visibility.published:
        return _tell_author(db, idea=idea, kind=kind, email_text=email_text, actor_id=actor_id)
    people = set(follows_repo.follower_ids(db, subject))
    if email_text and idea is not None:
        assert idea.id is not None
        people |= set(repo.voter_ids(db, idea_id=idea.id))
        if idea.author_id is not None:
            people.add(idea.author_id)
    if actor_id is not None:
        people.discard(actor_id)
    repo.add_many(db, subject=subject, kind=kind, user_ids=sorted(people))
    if email_text and idea is not None:
        _email(db, idea=idea, text=email_text, user_ids=people)
    return len(people)


def tell_author(
    db: Session, *, idea: Idea, kind: str, email_text: str, actor_id: int | None = None
) -> None:
    """Tell the person who suggested ``idea`` (not its followers) what happened to it: in-app
    when they have an account (by email too unless they turned that off), and by email to the
    address they confirmed for it from the receipt page."""
    _tell_author(db, idea=idea, kind=kind, email_text=email_text, actor_id=actor_id)


def _tell_author(
    db: Session, *, idea: Idea, kind: str, email_text: str | None, actor_id: int | None
) -> int:
    author = (
        {idea.author_id} if idea.author_id is not None and idea.author_id != actor_id else set()
    )
    repo.add_many(db, subject=Subject.of(idea), kind=kind, user_ids=sorted(author))
    if email_text:
        _email(db, idea=idea, text=email_text, user_ids=author)
    return len(author)


def _email(db: Session, *, idea: Idea, text: str, user_ids: set[int]) -> None:
    """One email per address: accounts first (with a link to their settings), then the
    confirmed receipt sign-ups not already written to (each with its own link to stop)."""
    assert idea.id is not None
    idea_link = absolute_url("idea_page", idea_id=idea.id)
    written: set[str] = set()
    for user_id, address in sorted(repo.email_recipients(db, user_ids=user_ids).items()):
        written.add(address.lower())
        mail.queue_template(
            db,
            to=address,
            template="emails/idea_update.txt",
            context={
                "text": text,
                "idea_link": idea_link,
                "yours": user_id == idea.author_id,
                "unsubscribe_link": None,
                "settings_link": absolute_url("account") + "#email-updates",
            },
        )
    for sub in repo.subscriptions(db, idea_id=idea.id):
        assert sub.id is not None
        if sub.email.lower() in written:
            continue
        written.add(sub.email.lower())
        mail.queue_template(
            db,
            to=sub.email,
            template="emails/idea_update.txt",
            context={
                "text": text,
                "idea_link": idea_link,
                "yours": True,  # a receipt is its author's
                "unsubscribe_link": absolute_url(
                    "unsubscribe_page", token=unsubscribe_token(sub.id)
                ),
                "settings_link": None,
            },
        )


# --- email sign-ups from the receipt page (double opt-in) --------------------------------------


def subscribe(db: Session, *, idea: Idea, email: str, ip_address: str) -> None:
    """Ask ``email`` (already a checked address) whether it wants updates on this idea: it gets
    one email with a link to confirm, and nothing else until then. Limited per network address,
    so a receipt cannot be used to sign strangers up in bulk; signing up again re-sends the
    link at most every few minutes, and a confirmed address is left as it is.

    The author of a held idea may be at risk: the confirmation they get carries the crisis
    help (the one email an unconfirmed address is ever sent; docs/security.md)."""
    ratelimit.enforce(
        db,
        ratelimit.SUBSCRIBE_IP,
        ratelimit.key_for(ip_address or "unknown"),
        _("Many email addresses have been added from here. Wait a while, then try again."),
    )
    assert idea.id is not None
    now = utcnow()
    sub = repo.subscription(db, idea_id=idea.id, email=email)
    if sub is None:
        sub = EmailSubscription(idea_id=idea.id, email=email)
        db.add(sub)
        db.flush()
    elif sub.confirmed_at is not None or (
        sub.confirmation_sent_at and sub.confirmation_sent_at > now - CONFIRM_RESEND_AFTER
    ):
        return  # already confirmed, or asked a moment ago
    sub.confirmation_sent_at = now
    assert sub.id is not None
    token = signing.expiring("confirm-updates", sub.id, sub.email, lifetime=CONFIRM_LINK_LIFETIME)
    mail.queue_template(
        db,
        to=sub.email,
        template="emails/confirm_updates.txt",
        context={
            "link": absolute_url("subscription_confirm_form", token=token),
            "days": CONFIRM_LINK_LIFETIME.days,
            "crisis": idea.visibility == Visibility.held,
        },
    )


def subscription_for_confirmation(db: Session, *, token: str) -> EmailSubscription | None:
    """The sign-up a confirmation link is for, if the link is genuine and current."""
    sub_id = signing.expiring_subject(token)
    sub = db.get(EmailSubscription, sub_id) if sub_id is not None else None
    if sub is None or not signing.verify_expiring("confirm-updates", token, sub.email):
        return None
    return sub


def confirm_subscription(db: Session, *, token: str) -> EmailSubscription | None:
    """Start the updates (pressing the button, never opening the link: mail scanners open
    links). None when the link is not genuine, has expired or was stopped since."""
    sub = subscription_for_confirmation(db, token=token)
    if sub is not None and sub.confirmed_at is None:
        sub.confirmed_at = utcnow()
    return sub


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


# --- a person's own notifications -------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One notification with what it is about (an idea or a project)."""

    notification: Notification
    idea: Idea | None
    project: Project | None


def for_user(db: Session, *, principal: Principal, limit: int = 50) -> list[Item]:
    """The person's latest notifications about things they may still see (an idea hidden
    since is not named)."""
    items = []
    for notification, idea, project in repo.for_user(db, user_id=principal.user_id, limit=limit):
        if idea is not None and ideas_access.can_see_idea(principal, idea):
            items.append(Item(notification, idea, None))
        elif project is not None and projects_access.can_see_project(principal, project):
            items.append(Item(notification, None, project))
    return items


def mark_all_read(db: Session, *, user_id: int) -> int:
    """Returns how many were unread."""
    return repo.mark_all_read(db, user_id=user_id)


def unread_count(db: Session, *, user_id: int) -> int:
    return repo.unread_count(db, user_id=user_id)


def set_preferences(
    db: Session, *, principal: Principal, email_updates: bool, digest_daily: bool
) -> None:
    """Email updates on or off; the daily digest is for staff (others' choice is ignored)."""
    user = principal.user
    user.email_updates = email_updates
    user.digest_daily = digest_daily and principal.is_staff
    user.updated_at = utcnow()
    db.add(user)
