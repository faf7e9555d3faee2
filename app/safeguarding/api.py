"""The safeguarding queue in the JSON API (moderators, safeguarding leads and admins)."""

from typing import Annotated

from fastapi import Path, Request

from app.accounts.principal import Principal
from app.deps import DbSession, client_ip, require_roles
from app.models import SafeguardingItem, SafeguardingStatus
from app.models.base import ID_MAX
from app.safeguarding import access
from app.safeguarding import service as safeguarding
from app.safeguarding.schemas import SafeguardingItemPublic, SafeguardingList, SafeguardingUpdate
from app.web.api import problems
from app.web.routing import Router

router = Router(prefix="/api/v1", tags=["safeguarding"])

Worker = Annotated[Principal, require_roles(*access.WORKERS)]
ItemId = Annotated[int, Path(ge=1, le=ID_MAX, description="The safeguarding item's id.")]


def item_public(item: SafeguardingItem) -> SafeguardingItemPublic:
    assert item.id is not None
    return SafeguardingItemPublic(
        id=item.id,
        idea_id=item.idea_id,
        comment_id=item.comment_id,
        level=item.level,
        status=item.status,
        reasons=list(item.reasons),
        created_at=item.created_at,
    )


@router.get(
    "/safeguarding",
    response_model=SafeguardingList,
    responses=problems(401, 403),
    name="api_safeguarding",
)
def list_items(request: Request, principal: Worker, db: DbSession) -> SafeguardingList:
    """Items not yet closed: urgent first, then oldest. Each read is audited."""
    items = safeguarding.queue(db)
    safeguarding.record_reads(
        db, items=items, viewer=principal, ip_address=client_ip(request), via="api"
    )
    return SafeguardingList(items=[item_public(i) for i in items])


@router.post(
    "/safeguarding/{item_id}",
    response_model=SafeguardingItemPublic,
    responses=problems(400, 401, 403, 404, 409, 422),
    name="api_safeguarding_update",
)
def update_item(
    item_id: ItemId, data: SafeguardingUpdate, principal: Worker, db: DbSession
) -> SafeguardingItemPublic:
    """Acknowledge an item, or close it with a `note` of what was done (required)."""
    item = safeguarding.get(db, item_id=item_id)
    safeguarding.move(
        db, item=item, to=SafeguardingStatus(data.status), actor=principal, note=data.note
    )
    body = item_public(item)
    db.commit()
    return body
