"""Who may see an idea. One function per question, used by routes, the API, templates (as
booleans in the context) and the repository's visibility clauses alike; nothing else decides.

The SQL clauses below say the same as the Python functions (tests/ideas/test_access.py checks
every role against every visibility both ways).
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, bindparam, or_
from sqlmodel import col

from app.accounts.principal import Principal
from app.models import Idea, IdeaStatus, Visibility
from app.moderation.access import can_moderate, can_see_held


def _visibilities(principal: Principal | None) -> frozenset[Visibility]:
    """Visibilities this person may read whoever wrote the idea."""
    allowed = {Visibility.published}
    if can_see_held(principal):
        allowed.add(Visibility.held)
    if can_moderate(principal):
        allowed |= {Visibility.pending_moderation, Visibility.hidden, Visibility.held}
    return frozenset(allowed)


def can_see_idea(principal: Principal | None, idea: Idea) -> bool:
    """Published ideas are public. Authors always see their own (waiting, hidden or held, so
    they can read what happened); moderators see what waits or is hidden; held ideas (a
    possible risk of harm) only moderators and safeguarding leads. Other staff: published."""
    if principal is not None and idea.author_id is not None and idea.author_id == principal.user.id:
        return True
    return idea.visibility in _visibilities(principal)


def _is_author(principal: Principal | None, idea: Idea, has_receipt: bool) -> bool:
    """The person who suggested it: signed in as its author, or holding its private receipt."""
    if has_receipt:
        return True
    return (
        principal is not None and idea.author_id is not None and idea.author_id == principal.user.id
    )


def can_edit_idea(principal: Principal | None, idea: Idea, *, has_receipt: bool = False) -> bool:
    """Its author may change the words while nobody has acted on it yet (``submitted``), unless
    they withdrew it, a moderator took it down, or it is held for safeguarding (what it told
    must stay as it was for the person who reads it)."""
    return (
        _is_author(principal, idea, has_receipt)
        and idea.status == IdeaStatus.submitted
        and idea.withdrawn_at is None
        and idea.visibility not in (Visibility.hidden, Visibility.held)
    )


#: Statuses an idea may be withdrawn from: once done or merged, its outcome belongs to everyone
#: who supported it (the author can still delete their account and its link to them).
WITHDRAWABLE = frozenset(
    {
        IdeaStatus.submitted,
        IdeaStatus.under_review,
        IdeaStatus.accepted,
        IdeaStatus.in_progress,
        IdeaStatus.not_taken_forward,
    }
)


def can_withdraw_idea(
    principal: Principal | None, idea: Idea, *, has_receipt: bool = False
) -> bool:
    """Its author may withdraw it (hidden from the public, nothing deleted) until it is done or
    merged into another."""
    return (
        _is_author(principal, idea, has_receipt)
        and idea.withdrawn_at is None
        and idea.status in WITHDRAWABLE
    )


def read_is_audited(principal: Principal | None, idea: Idea) -> bool:
    """Reading this idea writes an audit row: it is not published (held, waiting or hidden),
    and the reader may see it only because of their role (they are not its author)."""
    if principal is None or idea.visibility == Visibility.published:
        return False
    is_author = idea.author_id is not None and idea.author_id == principal.user.id
    return not is_author and can_see_idea(principal, idea)


def visible_clause(principal: Principal | None) -> ColumnElement[bool]:
    """``can_see_idea`` as a WHERE clause (for pages that fetch one idea, or a person's own)."""
    visibilities, _signed_in = visible_shape(principal)
    return _visible(visibilities, principal.user.id if principal is not None else None)


#: What ``visible_clause`` depends on: the visibilities the viewer's roles see, and whether
#: they are signed in (an author sees their own ideas too).
VisibleShape = tuple[tuple[Visibility, ...], bool]


def visible_shape(principal: Principal | None) -> VisibleShape:
    return tuple(sorted(_visibilities(principal))), principal is not None


def bound_visible_clause(shape: VisibleShape) -> ColumnElement[bool]:
    """``visible_clause`` for a statement built once per ``shape`` and kept: the viewer's id
    is the bound parameter ``viewer_id``."""
    visibilities, signed_in = shape
    return _visible(visibilities, bindparam("viewer_id") if signed_in else None)


def _visible(visibilities: Sequence[Visibility], author: Any) -> ColumnElement[bool]:
    clause: Any = col(Idea.visibility).in_(visibilities)
    return clause if author is None else or_(clause, col(Idea.author_id) == author)


def listed_clause() -> ColumnElement[bool]:
    """What public lists show (the board, search, similar ideas, recent activity, counts and the
    API list): published ideas only, whoever is looking. Staff work from their queues."""
    return col(Idea.visibility) == Visibility.published


def is_listed(idea: Idea) -> bool:
    """``listed_clause`` in Python."""
    return idea.visibility == Visibility.published
