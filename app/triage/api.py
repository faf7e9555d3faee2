"""Triage in the JSON API: moving an idea along its life (staff who may triage it)."""

from typing import Annotated

from app.accounts.principal import Principal
from app.deps import DbSession, require_roles
from app.ideas import api as ideas_api
from app.ideas.schemas import IdeaPublic
from app.triage import access
from app.triage import service as triage
from app.triage.schemas import StatusChange
from app.web.api import IdeaId, problems
from app.web.routing import Router

router = Router(prefix="/api/v1", tags=["triage"])

Triager = Annotated[Principal, require_roles(*access.TRIAGERS)]


@router.post(
    "/ideas/{idea_id}/status",
    response_model=IdeaPublic,
    responses=problems(400, 401, 403, 404, 409, 422),
    name="api_idea_status",
)
def change_status(
    idea_id: IdeaId, data: StatusChange, principal: Triager, db: DbSession
) -> IdeaPublic:
    """Change an idea's status along the allowed moves (anything else is 409).

    `not_taken_forward` and `done` need a public `message`; `duplicate` needs `duplicate_of`.
    Staff of the idea's unit (or one above it), any staff while nobody owns it, its owner,
    moderators and admins. A token needs the `write` scope."""
    found = triage.triage_idea(db, idea_id=idea_id, principal=principal)
    triage.set_status(
        db,
        idea=found.idea,
        actor=principal,
        to=data.status,
        message=data.message,
        duplicate_of=data.duplicate_of,
    )
    db.flush()
    body = ideas_api.show(db, idea_id, principal)
    db.commit()
    return body
