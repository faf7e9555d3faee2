"""Votes in the JSON API: PUT to support an idea, DELETE to take it back (both idempotent)."""

from fastapi import Response

from app.deps import DbSession, SignedIn
from app.ideas import api as ideas_api
from app.ideas.schemas import IdeaPublic
from app.votes import service as votes
from app.web.api import IdeaId, json_body, problems
from app.web.routing import Router

router = Router(prefix="/api/v1", tags=["ideas"])

_PROBLEMS = problems(401, 403, 404, 409, 422, 429)


def _set(idea_id: int, principal: SignedIn, db: DbSession, *, supported: bool) -> Response:
    done = votes.cast(db, idea_id=idea_id, principal=principal, supported=supported)
    # The counter's UPDATE fires the content-version trigger in this same transaction, so
    # the microcache misses from this commit on (docs/operations.md, "Consistency"). Commit
    # at once: that counter's row is locked until then, and every write takes it in turn.
    db.commit()
    body = ideas_api.idea_public(
        done.idea, unit=done.unit, category=done.category, voted=done.voted
    )
    # The Response itself: a model would cost a second validation and, for a synchronous
    # route, a second hop into the thread pool to serialise it (app/web/api.py).
    return json_body(body)


@router.put(
    "/ideas/{idea_id}/vote", response_model=IdeaPublic, responses=_PROBLEMS, name="api_vote"
)
def vote(idea_id: IdeaId, principal: SignedIn, db: DbSession) -> Response:
    """Vote for an idea. Voting again changes nothing."""
    return _set(idea_id, principal, db, supported=True)


@router.delete(
    "/ideas/{idea_id}/vote", response_model=IdeaPublic, responses=_PROBLEMS, name="api_unvote"
)
def unvote(idea_id: IdeaId, principal: SignedIn, db: DbSession) -> Response:
    """Take back a vote. Doing it again changes nothing."""
    return _set(idea_id, principal, db, supported=False)
