"""JSON API for ideas, votes and comments under /api/v1.

Errors are RFC 9457 problem details (app/errors.py). Every route lists the problem statuses it
can answer with, so the OpenAPI document describes every response (schemathesis checks this).
"""

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.accounts.service import Principal
from app.comments import service as comments_service
from app.deps import DbSession, Public, SignedIn, client_ip
from app.errors import PROBLEM_JSON, InvalidInput, NotFound
from app.i18n import _
from app.ideas import repository as repo
from app.ideas import service as ideas_service
from app.ideas.schemas import (
    ID_MAX,
    SLUG_PATTERN,
    CommentCreate,
    CommentPublic,
    IdeaCreate,
    IdeaInput,
    IdeaList,
    IdeaPublic,
)
from app.models import Category, Comment, Idea, IdeaStatus, Unit
from app.units import service as units
from app.votes import service as votes_service

router = APIRouter(prefix="/api/v1", tags=["ideas"])

PAGE_DEFAULT = 20
PAGE_MAX = 100

IdeaId = Annotated[int, Path(ge=1, le=ID_MAX, description="The idea's id.")]


class ProblemDetails(BaseModel):
    """An RFC 9457 problem: every error from /api answers with one of these."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = Field(
        default=None,
        description="What was wrong with the input: each has `msg`, and either `loc` and "
        "`type` (the request's shape) or `field` (a rule about its content). Never the value.",
    )


_PROBLEM_SCHEMA = ProblemDetails.model_json_schema()
_PROBLEMS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("The body could not be read (it is not UTF-8 text)", {}),
    401: (
        "No credentials (a Bearer token or a session cookie), or a token that is not valid",
        {"WWW-Authenticate": {"schema": {"type": "string"}}},
    ),
    403: ("Not allowed, or a cross-site request carrying a session cookie", {}),
    404: ("There is no such idea, or it is not published", {}),
    409: ("Not possible in the idea's current state, such as voting after it closed", {}),
    422: ("The input is not valid; `errors` says where", {}),
    429: (
        "Too many requests from this account; try again after Retry-After seconds",
        {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
    ),
}


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these problem statuses, as application/problem+json."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in statuses:
        description, headers = _PROBLEMS[code]
        out[code] = {
            "description": description,
            "content": {PROBLEM_JSON: {"schema": _PROBLEM_SCHEMA}},
        }
        if headers:
            out[code]["headers"] = headers
    return out


def _idea_public(idea: Idea, *, unit: str, category: str, voted: bool) -> IdeaPublic:
    assert idea.id is not None
    return IdeaPublic(
        id=idea.id,
        title=idea.title,
        description=idea.description,
        status=idea.status,
        unit=unit,
        category=category,
        submitted_as=idea.submitted_as,
        vote_count=idea.vote_count,
        comment_count=idea.comment_count,
        voted_by_me=voted,
        created_at=idea.created_at,
        updated_at=idea.updated_at,
    )


def _visible(db: Session, idea_id: int, principal: Principal | None) -> tuple[Idea, Unit, Category]:
    """The idea with its unit and category, or 404 when the caller may not see it."""
    found = repo.idea_with_names(db, idea_id)
    if found is None:
        raise NotFound(_("There is no idea with this id."))
    # Already loaded above, so this checks who may see it without another query.
    ideas_service.visible_idea(db, idea_id=idea_id, viewer=principal)
    return found


def _show(db: Session, idea_id: int, principal: Principal | None) -> IdeaPublic:
    idea, unit, category = _visible(db, idea_id, principal)
    user_id = principal.user.id if principal else None
    voted = idea_id in repo.voted_ids(db, user_id=user_id, idea_ids=[idea_id])
    return _idea_public(idea, unit=unit.name, category=category.slug, voted=voted)


def _unit(db: Session, ref: int | str, *, field: str) -> Unit:
    """A unit by id or slug (a slug may be all digits, so an id that is not found falls back)."""
    unit = None
    if isinstance(ref, int) or ref.isdigit():
        number = int(ref)
        unit = db.get(Unit, number) if 1 <= number <= ID_MAX else None
    if unit is None and isinstance(ref, str):
        unit = units.by_slug(db, ref)
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
        **_problems(400, 401, 403, 422, 429),
    },
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
        if (idea.title, idea.description, idea.benefit) != (
            wanted.title,
            wanted.description,
            wanted.benefit,
        ):
            raise InvalidInput(
                _("This Idempotency-Key was used before for a different idea."),
                errors=[{"field": "Idempotency-Key", "msg": _("Use a new key for a new idea")}],
            )
        response.status_code = 200
    assert idea.id is not None
    body = _show(db, idea.id, principal)
    db.commit()
    return body


@router.get("/ideas", response_model=IdeaList, responses=_problems(401, 422))
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
) -> IdeaList:
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
    page = repo.board(db, filters=filters, limit=limit, cursor=cursor)
    ids = [row.idea.id for row in page.rows if row.idea.id is not None]
    voted = repo.voted_ids(db, user_id=principal.user.id if principal else None, idea_ids=ids)
    # The board gives category names; one query for all the slugs keeps the count fixed.
    slugs = {c.id: c.slug for c in repo.categories(db, active_only=False)}
    return IdeaList(
        items=[
            _idea_public(
                row.idea,
                unit=row.unit_name,
                category=slugs[row.idea.category_id],
                voted=row.idea.id in voted,
            )
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )


@router.get("/ideas/{idea_id}", response_model=IdeaPublic, responses=_problems(401, 404, 422))
def get_idea(idea_id: IdeaId, principal: Public, db: DbSession) -> IdeaPublic:
    """One idea."""
    return _show(db, idea_id, principal)


@router.put(
    "/ideas/{idea_id}/vote",
    response_model=IdeaPublic,
    responses=_problems(401, 403, 404, 409, 422, 429),
)
def vote(idea_id: IdeaId, principal: SignedIn, db: DbSession) -> IdeaPublic:
    """Vote for an idea. Voting again changes nothing."""
    idea, _unit_row, _category = _visible(db, idea_id, principal)
    votes_service.vote(db, idea=idea, user=principal.user)
    body = _show(db, idea_id, principal)
    db.commit()
    return body


@router.delete(
    "/ideas/{idea_id}/vote",
    response_model=IdeaPublic,
    responses=_problems(401, 403, 404, 409, 422, 429),
)
def unvote(idea_id: IdeaId, principal: SignedIn, db: DbSession) -> IdeaPublic:
    """Take back a vote. Doing it again changes nothing."""
    idea, _unit_row, _category = _visible(db, idea_id, principal)
    votes_service.unvote(db, idea=idea, user=principal.user)
    body = _show(db, idea_id, principal)
    db.commit()
    return body


def _comment_public(comment: Comment) -> CommentPublic:
    assert comment.id is not None
    removed = comment.deleted_at is not None
    role = (
        "staff"
        if comment.author_is_staff
        else ideas_service.IDENTITY_PUBLIC[comment.author_identity]
    )
    return CommentPublic(
        id=comment.id,
        idea_id=comment.idea_id,
        parent_id=comment.parent_id,
        body="" if removed else comment.body,
        author_role=role,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        removed=removed,
    )


@router.get(
    "/ideas/{idea_id}/comments",
    response_model=list[CommentPublic],
    responses=_problems(401, 404, 422),
)
def list_comments(idea_id: IdeaId, principal: Public, db: DbSession) -> list[CommentPublic]:
    """An idea's comments, oldest first. Authors are named by role only."""
    _visible(db, idea_id, principal)
    return [_comment_public(c) for c in repo.comments(db, idea_id, newest_first=False)]


@router.post(
    "/ideas/{idea_id}/comments",
    status_code=201,
    response_model=CommentPublic,
    responses=_problems(400, 401, 403, 404, 422, 429),
)
def add_comment(
    idea_id: IdeaId, data: CommentCreate, principal: SignedIn, db: DbSession
) -> CommentPublic:
    """Comment on an idea, or reply to a comment with `parent_id`."""
    idea, _unit_row, _category = _visible(db, idea_id, principal)
    comment = comments_service.add(
        db, idea=idea, principal=principal, body=data.body, parent_id=data.parent_id
    )
    body = _comment_public(comment)
    db.commit()
    return body
