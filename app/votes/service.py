"""Votes: one per person per idea, safe when many arrive at once (app/votes/repository.py).

A vote costs three statements after the principal's lookup: the rate limit (one upsert), the
vote itself (an insert or delete that checks the idea takes support in the same statement),
and the counter's update, which reads the idea back. When nothing changed (a repeat, or the
idea is not there or closed) one read of the idea says which, and errors come in the same
order as ever: not found (404), address not confirmed (403), voting closed (409), too fast
(429).
"""

from dataclasses import dataclass

from sqlmodel import Session

from app.accounts.principal import Principal
from app.core import ratelimit
from app.errors import Conflict, Forbidden, NotFound, RateLimited
from app.i18n import _
from app.ideas.repository import IdeaCard
from app.models import Idea
from app.votes import access
from app.votes import repository as repo


@dataclass(frozen=True)
class Outcome:
    """The idea after a vote (its counter fresh), named as the API shows it. There is one
    only for an idea that takes support and a person who may give it: anything else is
    refused (``cast``)."""

    #: The idea as a card when the vote changed it (read back with the counter's update),
    #: else the idea row.
    idea: Idea | IdeaCard
    unit: str
    category: str
    #: Whether the person supports it now.
    voted: bool
    #: Whether this request added or removed the vote (False for a repeat).
    changed: bool


def _not_confirmed() -> Forbidden:
    return Forbidden(
        _(
            "Confirm your email address before you support ideas: open the link we "
            "emailed you, or ask for a new one from your account page."
        )
    )


def _closed() -> Conflict:
    return Conflict(_("Voting has closed on this idea."))


def _read(db: Session, idea_id: int, principal: Principal) -> Outcome:
    """The idea as it is (nothing changed), or the error that explains why not."""
    found = repo.for_vote(db, idea_id=idea_id, viewer=principal)
    if found is None:
        raise NotFound(_("There is no idea with this id."))
    idea, unit, category, voted = found
    if not access.confirmed(principal):
        raise _not_confirmed()
    if not access.voting_open(idea):
        raise _closed()
    return Outcome(idea=idea, unit=unit, category=category, voted=bool(voted), changed=False)


def cast(db: Session, *, idea_id: int, principal: Principal, supported: bool) -> Outcome:
    """Vote (``supported``) or take the vote back; doing it twice changes nothing. The caller
    commits."""
    if not access.confirmed(principal):
        _read(db, idea_id, principal)  # 404 first, as for anyone
        raise _not_confirmed()
    wait = ratelimit.spend(db, ratelimit.VOTE_USER, str(principal.user_id))
    if wait is not None:
        _read(db, idea_id, principal)  # 404 and 409 before 429
        raise RateLimited(
            _("You are voting very quickly. Wait a moment, then try again."), retry_after=wait
        )
    user_id = principal.user_id
    if supported:
        changed = repo.add(db, idea_id=idea_id, user_id=user_id)
    else:
        changed = repo.remove(db, idea_id=idea_id, user_id=user_id)
    if not changed:
        return _read(db, idea_id, principal)
    # The insert or delete checked that the idea takes support, in the same statement.
    idea, unit, category = repo.bump(db, idea_id=idea_id, delta=+1 if supported else -1)
    return Outcome(idea=idea, unit=unit, category=category, voted=supported, changed=True)


def vote(db: Session, *, idea: Idea, principal: Principal) -> bool:
    """Add the person's vote; True if it is new. Voting twice changes nothing."""
    return set_vote(db, idea=idea, principal=principal, supported=True)


def unvote(db: Session, *, idea: Idea, principal: Principal) -> bool:
    """Remove the person's vote; True if there was one."""
    return set_vote(db, idea=idea, principal=principal, supported=False)


def set_vote(db: Session, *, idea: Idea, principal: Principal, supported: bool) -> bool:
    """Vote or take the vote back; True if anything changed (``idea.vote_count`` is fresh)."""
    assert idea.id is not None
    return cast(db, idea_id=idea.id, principal=principal, supported=supported).changed
