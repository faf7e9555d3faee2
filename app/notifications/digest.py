"""The staff daily digest: once a day, to each staff member who asked for it on their account
page, one email listing the ideas published in the last day in their units (and every unit
beneath them). Ideas waiting for a moderator are only counted, for moderators; held ideas are
never mentioned. Run by every worker pass (app/core/jobs.py); each digest is claimed with a
conditional update first, so two workers never send the same one."""

from datetime import datetime, timedelta

from sqlmodel import Session

from app.accounts import repository as accounts_repo
from app.accounts.principal import Principal
from app.core import mail
from app.models import User, utcnow
from app.moderation import access as moderation_access
from app.notifications import repository as repo
from app.web.urls import absolute_url

#: At most one digest per person in this long.
EVERY = timedelta(days=1)


def send_due(db: Session, *, now: datetime | None = None) -> int:
    """Queue every digest that is due; returns how many emails were queued (a digest with
    nothing to say is claimed but not sent). The caller commits."""
    now = now or utcnow()
    before = now - EVERY
    queued = 0
    for user_id in repo.digest_due_ids(db, before=before):
        user = db.get(User, user_id)
        if user is None:
            continue
        if not repo.claim_digest(db, user_id=user_id, before=before, now=now):
            continue  # another worker sent it
        ideas, waiting = repo.digest_ideas(db, user_id=user_id, since=before)
        reader = Principal(user=user, roles=accounts_repo.roles_of(db, user_id))
        if not moderation_access.can_moderate(reader):
            waiting = 0
        if not ideas and not waiting:
            continue
        mail.queue_template(
            db,
            to=user.email,
            template="emails/digest.txt",
            context={
                "ideas": [
                    (idea.title, absolute_url("idea_page", idea_id=idea.id)) for idea in ideas
                ],
                "waiting": waiting,
                "settings_link": absolute_url("account") + "#email-updates",
            },
        )
        queued += 1
    return queued
