"""The moderation queue in the JSON API (moderators and admins; a token needs the moderate
scope): what waits, and a decision on one idea or comment."""

from typing import Annotated

from fastapi import Path

from app.accounts.principal import Principal
from app.deps import DbSession, require_roles
from app.models.base import ID_MAX
from app.moderation import access
from app.moderation import service as moderation
from app.moderation.schemas import ModerationDecision, ModerationItem, ModerationList, ReportSummary
from app.web.api import problems
from app.web.routing import Router

router = Router(prefix="/api/v1", tags=["moderation"])

Moderator = Annotated[Principal, require_roles(*access.MODERATORS)]
IdeaId = Annotated[int, Path(ge=1, le=ID_MAX, description="The idea's id.")]
CommentId = Annotated[int, Path(ge=1, le=ID_MAX, description="The comment's id.")]

#: How much of a comment the queue gives.
EXCERPT = 280


def item_public(entry: moderation.Entry) -> ModerationItem:
    item, row = entry.item, entry.item.row
    return ModerationItem(
        kind="comment" if item.comment is not None else "idea",
        id=item.id,
        idea_id=item.idea_id,
        title=item.idea.title if item.idea is not None else None,
        body=item.comment.body[:EXCERPT] if item.comment is not None else None,
        visibility=row.visibility,
        screening_level=row.screening_level,
        screening_reasons=list(row.screening_reasons),
        moderation_flags=entry.flags,
        reports=ReportSummary(count=len(entry.reports), reasons=entry.report_counts),
        with_safeguarding=entry.with_safeguarding,
        created_at=row.created_at,
        waiting_since=entry.waiting_since,
    )


@router.get(
    "/moderation",
    response_model=ModerationList,
    responses=problems(401, 403),
    name="api_moderation",
)
def list_items(principal: Moderator, db: DbSession) -> ModerationList:
    """Ideas and comments waiting for a moderator (or published with open reports), oldest
    first. Items held for safeguarding are in `/api/v1/safeguarding` instead."""
    return ModerationList(items=[item_public(e) for e in moderation.queue(db)])


def _decide(
    db: DbSession, kind: str, item_id: int, data: ModerationDecision, principal: Principal
) -> ModerationItem:
    item = moderation.get_item(db, kind=kind, item_id=item_id)
    after = moderation.decide(
        db,
        item=item,
        decision=moderation.Decision(data.decision),
        actor=principal,
        reason=data.reason,
    )
    body = item_public(after)
    db.commit()
    return body


@router.post(
    "/ideas/{idea_id}/moderation",
    response_model=ModerationItem,
    responses=problems(400, 401, 403, 404, 409, 422),
    name="api_moderate_idea",
)
def moderate_idea(
    idea_id: IdeaId, data: ModerationDecision, principal: Moderator, db: DbSession
) -> ModerationItem:
    """Publish, reject (a `reason` is required) or send to safeguarding an idea that waits for a
    moderator; 409 when it does not (or it is held: safeguarding decides)."""
    return _decide(db, "idea", idea_id, data, principal)


@router.post(
    "/comments/{comment_id}/moderation",
    response_model=ModerationItem,
    responses=problems(400, 401, 403, 404, 409, 422),
    name="api_moderate_comment",
)
def moderate_comment(
    comment_id: CommentId, data: ModerationDecision, principal: Moderator, db: DbSession
) -> ModerationItem:
    """The same for a comment."""
    return _decide(db, "comment", comment_id, data, principal)
