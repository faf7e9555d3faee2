"""Votes: one per person per idea, safe when many arrive at once (app/votes/repository.py)."""

from sqlmodel import Session

from app.accounts.principal import Principal
from app.core import ratelimit
from app.errors import Conflict, Forbidden
from app.i18n import _
from app.models import Idea
from app.votes import access
from app.votes import repository as repo


def _check(db: Session, *, idea: Idea, principal: Principal) -> None:
    if not access.confirmed(principal):
        raise Forbidden(
            _(
                "Confirm your email address before you support ideas: open the link we "
                "emailed you, or ask for a new one from your account page."
            )
        )
    if not access.can_vote(principal, idea):
        raise Conflict(_("Voting has closed on this idea."))
    ratelimit.enforce(
        db,
        ratelimit.VOTE_USER,
        str(principal.user_id),
        _("You are voting very quickly. Wait a moment, then try again."),
    )


def vote(db: Session, *, idea: Idea, principal: Principal) -> bool:
    """Add the person's vote; True if it is new. Voting twice changes nothing."""
    _check(db, idea=idea, principal=principal)
    assert idea.id is not None
    added = repo.insert(db, idea_id=idea.id, user_id=principal.user_id)
    if added:
        repo.bump_count(db, idea, +1)
    return added


def unvote(db: Session, *, idea: Idea, principal: Principal) -> bool:
    """Remove the person's vote; True if there was one."""
    _check(db, idea=idea, principal=principal)
    assert idea.id is not None
    removed = repo.delete_one(db, idea_id=idea.id, user_id=principal.user_id)
    if removed:
        repo.bump_count(db, idea, -1)
    return removed


def set_vote(db: Session, *, idea: Idea, principal: Principal, supported: bool) -> bool:
    """Vote or take the vote back; True if anything changed."""
    if supported:
        return vote(db, idea=idea, principal=principal)
    return unvote(db, idea=idea, principal=principal)
