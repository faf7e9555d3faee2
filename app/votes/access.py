"""Who may support (vote for) an idea. One function per question; nothing else decides."""

from sqlalchemy import ColumnElement, and_
from sqlmodel import col

from app.accounts.principal import Principal
from app.ideas.access import is_listed, listed_clause
from app.models import Idea, IdeaStatus

#: Support closes once an idea is decided: done, not taken forward, or merged into another.
VOTING_CLOSED = frozenset({IdeaStatus.done, IdeaStatus.not_taken_forward, IdeaStatus.duplicate})


def voting_open(idea: Idea) -> bool:
    """The idea still takes support (published, and not yet decided)."""
    return is_listed(idea) and idea.status not in VOTING_CLOSED


def voting_open_clause() -> ColumnElement[bool]:
    """``voting_open`` as a WHERE clause (a vote's insert checks it in the same statement)."""
    return and_(listed_clause(), col(Idea.status).not_in(sorted(VOTING_CLOSED)))


def confirmed(principal: Principal | None) -> bool:
    """Signed in with an email address the person has proved is theirs (so throwaway accounts
    cannot pile up support)."""
    return principal is not None and principal.user.email_confirmed_at is not None


def can_vote(principal: Principal | None, idea: Idea) -> bool:
    """Signed-in people with a confirmed address may support an open idea (their own too: it
    says they still want it)."""
    return confirmed(principal) and voting_open(idea)
