"""JSON API for ideas under /api/v1 (votes: app/votes/api.py; comments: app/comments/api.py)."""

import hashlib
from typing import Annotated

from fastapi import Header, Query, Request, Response
from sqlmodel import Session

from app.accounts.principal import Principal
from app.deps import DbSession, Public, SignedIn, client_ip
from app.errors import InvalidInput, NotFound
from app.i18n import _
from app.ideas import reference
from app.ideas import repository as repo
from app.ideas import service as ideas_service
from app.ideas.schemas import SLUG_PATTERN, IdeaCreate, IdeaInput, IdeaList, IdeaPublic
from app.models import Category, Idea, IdeaStatus, Unit
from app.models.base import ID_MAX
from app.units import service as units
from app.web.api import PAGE_DEFAULT, PAGE_MAX, IdeaId, json_body, problems
from app.web.routing import Router, on_event_loop

router = Router(prefix="/api/v1", tags=["ideas"])


#: The fields the API copies straight from the idea row.
_FROM_ROW = [name for name in IdeaPublic.model_fields if name in Idea.model_fields]


def idea_public(idea: Idea | repo.IdeaCard, *, unit: str, category: str, voted: bool) -> IdeaPublic:
    fields = {name: getattr(idea, name) for name in _FROM_ROW}
    return IdeaPublic(**fields, unit=unit, category=category, voted_by_me=voted)


def visible(db: Session, idea_id: int, principal: Principal | None) -> tuple[Idea, Unit, Category]:
    """The idea with its unit and category, or 404 when the caller may not see it."""
    found = seen(db, idea_id, principal)
    return found.idea, found.unit, found.category


def seen(db: Session, idea_id: int, principal: Principal | None) -> repo.SeenIdea:
    """The idea with its names and whether the caller supports it (one statement), or 404
    when the caller may not see it."""
    found = repo.idea_seen_by(db, idea_id, viewer=principal) if idea_id <= ID_MAX else None
    if found is None:
        raise NotFound(_("There is no idea with this id."))
    return found


def show(db: Session, idea_id: int, principal: Principal | None) -> IdeaPublic:
    return _public(seen(db, idea_id, principal))


def _public(found: repo.SeenIdea) -> IdeaPublic:
    return idea_public(
        found.idea, unit=found.unit.name, category=found.category.slug, voted=found.voted
    )


def _unit(db: Session, ref: int | str, *, field: str) -> Unit:
    unit = units.by_ref(db, ref)
    if unit is None:
        raise InvalidInput(errors=[{"field": field, "msg": _("There is no such unit")}])
    return unit


def _idempotent_token(principal: Principal, key: str) -> str:
    # Scoped to the account, so two people choosing the same key never meet; the "api:" prefix
    # keeps these apart from the form tokens of the HTML form.
    digest = hashlib.sha256(f"{principal.user.id}:{key}".encode()).hexdigest()
    return "api:" + digest[:40]


@router.post(
    "/ideas",
    status_code=201,
    response_model=IdeaPublic,
    responses={
        200: {
            "model": IdeaPublic,
            "description": "A repeat of an earlier request with the same Idempotency-Key: "
            "the idea it created",
        },
        **problems(400, 401, 403, 422, 429),
    },
    name="api_create_idea",
)
def create_idea(
    data: IdeaCreate,
    request: Request,
    response: Response,
    principal: SignedIn,
    db: DbSession,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            description="Any unique string; a retry with the same key returns the same idea "
            "(with 200) instead of creating another.",
        ),
    ] = None,
) -> IdeaPublic:
    """Submit an idea as the signed-in person."""
    unit = _unit(db, data.unit, field="unit") if data.unit is not None else None
    wanted = IdeaInput(
        title=data.title,
        description=data.description,
        benefit=data.benefit,
        unit_id=unit.id if unit else None,
        category=data.category or "other",
        submitted_as=data.submitted_as,
    )
    if idempotency_key is None:
        form_token = ideas_service.new_form_token()
    else:
        form_token = _idempotent_token(principal, idempotency_key)
    submitted = ideas_service.submit(
        db,
        data=wanted,
        form_token=form_token,
        author=principal,
        ip_address=client_ip(request),
    )
    idea = submitted.idea
    if not submitted.created:
        if not ideas_service.same_submission(db, idea, wanted):
            raise InvalidInput(
                _("This Idempotency-Key was used before for a different idea."),
                errors=[{"field": "Idempotency-Key", "msg": _("Use a new key for a new idea")}],
            )
        response.status_code = 200
    assert idea.id is not None
    body = show(db, idea.id, principal)
    db.commit()
    return body


@router.get("/ideas", response_model=IdeaList, responses=problems(401, 422), name="api_ideas")
@on_event_loop
def list_ideas(
    principal: Public,
    db: DbSession,
    sort: repo.Sort = repo.Sort.top,
    status: IdeaStatus | None = None,
    unit: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=SLUG_PATTERN,
            description="A unit's id or slug; ideas in its sub-units are included.",
        ),
    ] = None,
    category: Annotated[
        str | None, Query(max_length=60, pattern=SLUG_PATTERN, description="A category slug.")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words to search for.")] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = PAGE_DEFAULT,
    cursor: Annotated[
        str | None,
        Query(max_length=200, description="`next_cursor` from the page before."),
    ] = None,
) -> Response:
    """Published ideas, a page at a time (follow `next_cursor` until it is null).

    Runs the same number of statements whatever the page size.
    """
    if cursor is not None and repo.decode_cursor(cursor, sort) is None:
        raise InvalidInput(
            errors=[{"field": "cursor", "msg": _("Use the next_cursor of the same listing")}]
        )
    chosen_category = None
    if category is not None:
        chosen_category = repo.category_by_slug(db, category)
        if chosen_category is None:
            raise InvalidInput(
                errors=[{"field": "category", "msg": _("There is no such category")}]
            )
    filters = repo.BoardFilters(
        q=q or "",
        unit=_unit(db, unit, field="unit") if unit is not None else None,
        category=chosen_category,
        status=status,
        sort=sort,
    )
    voter_id = principal.user.id if principal else None
    page = repo.board(db, filters=filters, limit=limit, cursor=cursor, voter_id=voter_id)
    # The board gives category names; one query for all the slugs keeps the count fixed.
    slugs = {c.id: c.slug for c in reference.categories(db, active_only=False)}
    listing = IdeaList(
        items=[
            idea_public(
                row.idea,
                unit=row.unit_name,
                category=slugs[row.idea.category_id],
                voted=row.voted,
            )
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )
    return json_body(listing)


@router.get(
    "/ideas/{idea_id}",
    response_model=IdeaPublic,
    responses=problems(401, 404, 422),
    name="api_idea",
)
@on_event_loop
def get_idea(request: Request, idea_id: IdeaId, principal: Public, db: DbSession) -> Response:
    """One idea. On the event loop; a read that must be audited (staff reading a held idea)
    goes on in the thread pool, where its audit row can wait for the writers' lock."""
    found = seen(db, idea_id, principal)
    ideas_service.record_read(
        db, idea=found.idea, viewer=principal, ip_address=client_ip(request), via="api"
    )
    return json_body(_public(found))
