"""Votes: one per person per idea, safe when many arrive at once.

The unique constraint plus INSERT ... ON CONFLICT DO NOTHING decides who voted; the
denormalised ``idea.vote_count`` moves in the same transaction only when a row was really
inserted or deleted, so it always equals the number of vote rows.
"""

from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from app.config import get_settings
from app.core import ratelimit
from app.errors import Conflict, RateLimited
from app.i18n import _
from app.ideas.service import VOTING_CLOSED
from app.models import Idea, User, Vote, utcnow


def _check_open(idea: Idea) -> None:
    if idea.status in VOTING_CLOSED:
        raise Conflict(_("Voting has closed on this idea."))


def _check_rate(db: Session, user: User) -> None:
    limit = ratelimit.Limit(
        "vote_user", get_settings().votes_per_user_per_minute, timedelta(minutes=1)
    )
    wait = ratelimit.retry_after(db, limit, str(user.id))
    if wait:
        raise RateLimited(
            _("You are voting very quickly. Wait a moment, then try again."), retry_after=wait
        )
    ratelimit.hit(db, limit, str(user.id))


def vote(db: Session, *, idea: Idea, user: User) -> bool:
    """Add the person's vote; True if it is new. Voting twice changes nothing."""
    _check_open(idea)
    _check_rate(db, user)
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    # RETURNING, not rowcount: an ORM insert on psycopg reports rowcount -1 (which is truthy).
    inserted = db.execute(
        insert(Vote)
        .values(idea_id=idea.id, user_id=user.id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["idea_id", "user_id"])
        .returning(col(Vote.id))
    ).first()
    added = inserted is not None
    if added:
        _bump(db, idea, +1)
    return added


def unvote(db: Session, *, idea: Idea, user: User) -> bool:
    """Remove the person's vote; True if there was one."""
    _check_open(idea)
    _check_rate(db, user)
    result = db.execute(
        delete(Vote).where(col(Vote.idea_id) == idea.id, col(Vote.user_id) == user.id)
    )
    removed = bool(getattr(result, "rowcount", 0))
    if removed:
        _bump(db, idea, -1)
    return removed


def _bump(db: Session, idea: Idea, delta: int) -> None:
    db.execute(
        update(Idea)
        .where(col(Idea.id) == idea.id)
        .values(vote_count=col(Idea.vote_count) + delta)
        .execution_options(synchronize_session=False)
    )
    db.refresh(idea, attribute_names=["vote_count"])
