"""Idea pages: the board, the form (with the unit picker and similar ideas), receipts, and the
idea page. Every interaction works as a plain form POST that redirects; HTMX only swaps
fragments (named blocks of the same templates)."""

import time
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts.principal import Principal, submitter_public
from app.comments import access as comments_access
from app.comments import repository as comments_repo
from app.comments import service as comments_service
from app.config import get_settings
from app.core import signing
from app.core.subjects import Subject
from app.deps import DbSession, Public, client_ip
from app.errors import InvalidInput, NotFound
from app.follows import access as follows_access
from app.follows import repository as follows_repo
from app.i18n import N_, _
from app.ideas import access as ideas_access
from app.ideas import reference
from app.ideas import repository as repo
from app.ideas import service as ideas
from app.ideas.repository import BoardFilters, Sort
from app.ideas.schemas import BENEFIT_MAX, DESCRIPTION_MAX, TITLE_MAX, IdeaInput
from app.models import Idea, IdeaStatus
from app.models.base import ID_MAX
from app.moderation import access as moderation_access
from app.projects import service as idea_projects
from app.safeguarding import access as safeguarding_access
from app.safeguarding import repository as safeguarding_repo
from app.units import service as units
from app.votes import access as votes_access
from app.web import notices
from app.web.forms import FormValues, field_error, rejected, validate
from app.web.params import RowId
from app.web.render import page, render
from app.web.responses import redirect
from app.web.routing import Router, on_event_loop
from app.web.urls import absolute_url, url_for

router = Router()

notices.register(idea_received=N_("Thank you. Your idea has been received."))

PAGE_SIZE = 20

SORT_LABELS = {
    Sort.top: N_("Most supported"),
    Sort.new: N_("Newest"),
    Sort.trending: N_("Trending (last 14 days)"),
    Sort.discussed: N_("Most discussed"),
}


# --- board --------------------------------------------------------------------------------


def board_filters(db: Session, params: dict[str, str]) -> tuple[BoardFilters, dict[str, str]]:
    """Filters from query parameters; unknown values are ignored (the board still shows)."""
    try:
        sort = Sort(params.get("sort") or Sort.top)
    except ValueError:
        sort = Sort.top
    unit = units.by_slug(db, params["unit"]) if params.get("unit") else None
    category = repo.category_by_slug(db, params["category"]) if params.get("category") else None
    try:
        status = IdeaStatus(params["status"]) if params.get("status") else None
    except ValueError:
        status = None
    q = (params.get("q") or "").strip()[:200]
    chosen = {
        "q": q,
        "sort": sort.value,
        "unit": unit.slug if unit else "",
        "category": category.slug if category else "",
        "status": status.value if status else "",
    }
    return BoardFilters(q=q, unit=unit, category=category, status=status, sort=sort), chosen


@router.get("/ideas", name="board")
@on_event_loop
def board(request: Request, db: DbSession, principal: Public) -> Response:
    filters, chosen = board_filters(db, dict(request.query_params))
    cursor = request.query_params.get("cursor")
    user_id = principal.user.id if principal else None
    results = repo.board(db, filters=filters, limit=PAGE_SIZE, cursor=cursor, voter_id=user_id)
    context = {
        "page": results,
        "voted": {r.idea.id for r in results.rows if r.voted},
        "chosen": chosen,
        "sort_choices": [(value, _(label)) for value, label in SORT_LABELS.items()],
        "categories": reference.categories(db),
        "tree": units.tree(db),
        "cursor": cursor,
    }
    return page(request, "ideas/board.html", context, fragment="results")


# --- submit -------------------------------------------------------------------------------


def form_context(
    db: Session, principal: Principal | None, values: dict[str, Any], errors: list[dict[str, Any]]
) -> dict[str, Any]:
    started = values.get("started") or str(int(time.time()))
    token = values.get("form_token", "")
    if not ideas.is_form_token(token):
        token = ideas.new_form_token()
    return {
        "values": values,
        "errors": errors,
        "tree": units.tree(db),
        "categories": reference.categories(db),
        "form_token": token,
        "started": started,
        "started_sig": _timer_signature(token, started),
        "can_help": bool(principal and principal.is_staff),
        "limits": {"title": TITLE_MAX, "description": DESCRIPTION_MAX, "benefit": BENEFIT_MAX},
    }


@router.get("/ideas/new", name="new_idea")
def new_idea(request: Request, db: DbSession, principal: Public) -> Response:
    values: dict[str, Any] = {}
    if slug := request.query_params.get("unit"):
        unit = units.by_slug(db, slug)
        if unit is not None:
            values["unit_id"] = str(unit.id)
    if principal:
        values["submitted_as"] = principal.user.identity
    return render(request, "ideas/new.html", form_context(db, principal, values, []))


def _matching_units(db: Session, typed: str) -> list[units.TreeRow]:
    needle = typed.strip().lower()
    return [row for row in units.tree(db) if needle in row.unit.name.lower()]


def _picker(
    request: Request, db: Session, principal: Principal | None, values: dict[str, str]
) -> Response:
    typed = values.get("unit_q", "")[:100]
    context = form_context(db, principal, {**values, "unit_q": typed}, [])
    context["tree"] = _matching_units(db, typed)
    return page(request, "ideas/new.html", context, fragment="unit_picker")


@router.get("/ideas/new/units", name="unit_picker")
def unit_picker(request: Request, db: DbSession, principal: Public) -> Response:
    """HTMX, while typing: the unit picker narrowed to names matching what was typed."""
    return _picker(request, db, principal, dict(request.query_params))


@router.post("/ideas/new/units", name="unit_search")
def unit_search(request: Request, db: DbSession, principal: Public, values: FormValues) -> Response:
    """The "Find" button (and Enter in the place search, which presses it): the whole form
    again, everything typed kept, with the places narrowed. Nothing is sent or stored."""
    return _picker(request, db, principal, values)


@router.get("/ideas/similar", name="similar_ideas")
def similar(request: Request, db: DbSession, principal: Public) -> Response:
    """HTMX: published ideas like the one being typed, to support instead of repeating."""
    text = " ".join(
        [request.query_params.get("title", ""), request.query_params.get("description", "")]
    )[:600]
    matches = repo.similar(db, text, limit=3)
    return render(request, "ideas/new.html", {"similar": matches}, block="similar")


def _timer_signature(form_token: str, started: str) -> str:
    # Bound to this form's token: a signature cannot be copied to another form and reused.
    return signing.sign("form-start", f"{form_token}:{started}")


def _spam_problems(values: dict[str, str]) -> list[dict[str, Any]]:
    """A minimum time to fill the form in, signed (with the form's token) so it cannot be
    forged or reused."""
    started = values.get("started", "")
    token = values.get("form_token", "")
    signed = ideas.is_form_token(token) and signing.verify(
        "form-start", f"{token}:{started}", values.get("started_sig", "")
    )
    too_fast = (
        signed
        and started.isdecimal()
        and (time.time() - int(started) < get_settings().idea_form_min_seconds)
    )
    if signed and not too_fast:
        return []
    values["started"] = ""  # the clock starts again from this page
    return [field_error("title", _("Please check your idea, then send it again."))]


@router.post("/ideas", name="submit_idea")
def submit_idea(request: Request, db: DbSession, principal: Public, values: FormValues) -> Response:
    # Spam without a CAPTCHA: a field people never see, and a minimum time to fill the form.
    if values.get("website"):
        return redirect(request, url_for("board") + "?notice=idea-received")
    helped = values.get("helped") == "yes"
    form_values = {
        k: v for k, v in values.items() if v != "" or k not in ("unit_id", "submitted_as")
    }
    with rejected(
        "ideas/new.html",
        lambda errors: form_context(db, principal, values, errors),
        db=db,
        rate_field="title",
    ):
        problems: list[dict[str, Any]] = []
        data: IdeaInput | None = None
        try:
            data = validate(IdeaInput, form_values)
        except InvalidInput as exc:
            problems += exc.errors
        if helped and values.get("consent") != "yes":
            problems.append(
                field_error("consent", _("Confirm the person agreed to you sending this for them"))
            )
        # The timer's message only when nothing else is wrong: a real problem deserves its own.
        spam = _spam_problems(values)
        if problems or spam or data is None:
            raise InvalidInput(errors=problems or spam)
        # Identifying details: the author sees the text as it would be public, and sends it
        # like that or changes it (a risk of harm is never kept waiting for this).
        preview = None if values.get("confirm") == "redacted" else ideas.redacted_preview(db, data)
        if preview is not None:
            context = form_context(db, principal, values, [])
            return render(request, "ideas/new.html", context | {"preview": preview})
        result = ideas.submit(
            db,
            data=data,
            form_token=values.get("form_token", ""),
            author=principal,
            helped=helped,
            ip_address=client_ip(request),
        )
        db.commit()
    return redirect(request, url_for("receipt", receipt=result.receipt) + "?sent=1")


def receipt_context(db: Session, request: Request, receipt: str) -> dict[str, Any]:
    idea = ideas.by_receipt(db, receipt=receipt)
    assert idea.id is not None
    return {
        "idea": idea,
        "receipt": receipt,
        "receipt_link": absolute_url("receipt", receipt=receipt),
        "just_sent": request.query_params.get("sent") == "1",
        "events": repo.events(db, idea.id),
        "response_days": get_settings().response_target_working_days,
        "own": {
            "edit": ideas_access.can_edit_idea(None, idea, has_receipt=True),
            "withdraw": ideas_access.can_withdraw_idea(None, idea, has_receipt=True),
        },
    }


@router.get("/ideas/receipt/{receipt}", name="receipt")
def receipt(request: Request, receipt: str, db: DbSession, principal: Public) -> Response:
    return render(request, "ideas/receipt.html", receipt_context(db, request, receipt))


# --- the idea page ------------------------------------------------------------------------


def idea_context(
    db: Session,
    request: Request,
    idea_id: int,
    principal: Principal | None,
    *,
    errors: list[dict[str, Any]] | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the idea page shows; what the viewer may do comes from the access modules."""
    found = repo.idea_seen_by(db, idea_id, viewer=principal) if 1 <= idea_id <= ID_MAX else None
    if found is None:
        raise NotFound()
    idea, unit, category = found.idea, found.unit, found.category
    subject = Subject.of(idea)
    newest_first = request.query_params.get("comments") != "oldest"
    user_id = principal.user.id if principal else None
    comments = list(comments_repo.published(db, subject, newest_first=newest_first))
    # The projects that took the idea up, their latest outcome and "tried elsewhere".
    from_projects = idea_projects.for_idea_page(db, idea=idea, unit=unit, viewer=principal)
    return {
        **from_projects,
        "idea": idea,
        "unit": unit,
        "category": category,
        "events": sorted(
            [*repo.events(db, idea_id), *from_projects["project_events"]],  # type: ignore[misc]
            key=lambda e: e.id or 0,
        ),
        "threads": comments_service.threads(comments),
        "comment_order": "newest" if newest_first else "oldest",
        "voted": found.voted,
        "following": follows_repo.is_following(db, subject, user_id),
        "voting_open": votes_access.voting_open(idea),
        "may": {
            "vote": votes_access.can_vote(principal, idea),
            "comment": comments_access.can_comment(principal, idea),
            "follow": follows_access.can_follow(principal, idea),
            "report": moderation_access.offers_report(principal, idea),
        },
        "own": {
            "edit": ideas_access.can_edit_idea(principal, idea),
            "withdraw": ideas_access.can_withdraw_idea(principal, idea),
        },
        "editable": {c.id for c in comments if comments_access.can_edit_comment(principal, c)},
        "deletable": {c.id for c in comments if comments_access.can_delete_comment(principal, c)},
        "submitted_by": submitter_public(idea.submitted_as, verified_staff=idea.submitted_by_staff),
        # What the author typed before identifying details were removed: staff who read held
        # items only (app/safeguarding/access.py).
        "original": (
            safeguarding_repo.original_of(db, idea_id=idea_id)
            if safeguarding_access.can_see_original(principal)
            else None
        ),
        "comment_originals": (
            safeguarding_repo.comment_originals(db, comment_ids=[c.id for c in comments if c.id])
            if safeguarding_access.can_see_original(principal)
            else {}
        ),
        "errors": errors or [],
        "values": values or {},
    }


def rejected_on_idea_page(
    db: Session, request: Request, idea_id: int, principal: Principal | None, values: dict[str, Any]
) -> Any:
    """The idea page again, with a rejected form's errors (comments are posted from it)."""
    return rejected(
        "ideas/detail.html",
        lambda errors: idea_context(db, request, idea_id, principal, errors=errors, values=values),
        db=db,
    )


def toggle(
    db: Session, idea_id: int, principal: Principal, values: dict[str, str], *, off: str
) -> tuple[Idea, bool]:
    """A button that turns something on or off for an idea (support, follow): the idea, if
    the person may see it, and whether it is being turned on (``action`` is not ``off``)."""
    return ideas.visible_idea(db, idea_id=idea_id, viewer=principal), values.get("action") != off


@router.get("/ideas/{idea_id}", name="idea_page")
def idea_page(request: Request, idea_id: RowId, db: DbSession, principal: Public) -> Response:
    try:
        context = idea_context(db, request, idea_id, principal)
    except NotFound:
        if ideas.was_withdrawn(db, idea_id=idea_id):
            # Links to it (from emails, other sites) say what happened, and nothing of it.
            return render(request, "ideas/withdrawn.html", status_code=410)
        raise
    ideas.record_read(
        db,
        idea=context["idea"],
        viewer=principal,
        ip_address=client_ip(request),
        via="page",
        originals_shown=bool(context["original"]) + len(context["comment_originals"]),
    )
    return render(request, "ideas/detail.html", context)
