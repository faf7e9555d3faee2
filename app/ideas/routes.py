"""Idea pages: the board, the form, receipts, the idea page, votes, follows, comments,
reports and "my activity". Every interaction works as a plain form POST that redirects back;
HTMX only swaps fragments (named blocks of the same templates)."""

import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.accounts.routes import safe_next
from app.accounts.service import Principal
from app.comments import service as comments_service
from app.config import get_settings
from app.core import signing
from app.deps import DbSession, Public, SignedIn, client_ip
from app.errors import InvalidInput, NotFound, RateLimited
from app.forms import FormValues, validate
from app.i18n import _
from app.ideas import repository as repo
from app.ideas import service as ideas
from app.ideas.repository import BoardFilters, Sort
from app.ideas.schemas import BENEFIT_MAX, DESCRIPTION_MAX, TITLE_MAX, IdeaInput
from app.models import Comment, IdeaStatus, Identity, ReportReason
from app.notices import notice_from
from app.notifications import service as notifications
from app.templating import render
from app.units import service as units
from app.votes import service as votes

router = APIRouter()

PAGE_SIZE = 20

SORT_LABELS = {
    Sort.top: "Most supported",
    Sort.new: "Newest",
    Sort.trending: "Trending (last 14 days)",
    Sort.discussed: "Most discussed",
}
REPORT_REASONS = [
    (ReportReason.personal_details, "It includes someone's personal details"),
    (ReportReason.abusive, "It is abusive or offensive"),
    (ReportReason.risk, "Someone may be at risk of harm"),
    (ReportReason.not_relevant, "It is not about our services"),
    (ReportReason.other, "Something else"),
]
IDENTITY_CHOICES = [
    (Identity.service_user, "Someone who uses our services"),
    (Identity.carer, "A carer, family member or friend"),
    (Identity.staff, "Staff"),
    (Identity.other, "Other"),
]


def is_fragment_request(request: Request) -> bool:
    """HTMX swaps get a fragment; a history restore or a pushed URL gets the full page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _redirect_back(request: Request, default: str) -> Response:
    target = safe_next(request.headers.get("referer", "").split(request.url.netloc, 1)[-1], default)
    return RedirectResponse(target, status_code=303)


# --- board --------------------------------------------------------------------------------


def board_filters(db: Session, params: dict[str, str]) -> tuple[BoardFilters, dict[str, str]]:
    """Filters from query parameters; unknown values are ignored (the board still shows)."""
    chosen: dict[str, str] = {}
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


@router.get("/ideas")
def board(request: Request, db: DbSession, principal: Public) -> Response:
    filters, chosen = board_filters(db, dict(request.query_params))
    page = repo.board(
        db, filters=filters, limit=PAGE_SIZE, cursor=request.query_params.get("cursor")
    )
    ids = [r.idea.id for r in page.rows if r.idea.id is not None]
    context = {
        "page": page,
        "voted": repo.voted_ids(db, user_id=principal.user.id if principal else None, idea_ids=ids),
        "chosen": chosen,
        "sort_labels": SORT_LABELS,
        "status_labels": ideas.STATUS_LABELS,
        "categories": repo.categories(db),
        "tree": units.tree(db),
        "notice": notice_from(request),
        "cursor": request.query_params.get("cursor"),
    }
    fragment = is_fragment_request(request)
    return render(request, "ideas/board.html", context, block="results" if fragment else None)


# --- submit -------------------------------------------------------------------------------


def _form_context(
    db: Session, principal: Principal | None, values: dict[str, Any], errors: list[dict[str, Any]]
) -> dict[str, Any]:
    started = values.get("started") or str(int(time.time()))
    return {
        "values": values,
        "errors": errors,
        "tree": units.tree(db),
        "categories": repo.categories(db),
        "identities": IDENTITY_CHOICES,
        "form_token": values.get("form_token") or ideas.new_form_token(),
        "started": started,
        "started_sig": signing.sign("form-start", started),
        "can_help": bool(principal and principal.is_staff),
        "limits": {"title": TITLE_MAX, "description": DESCRIPTION_MAX, "benefit": BENEFIT_MAX},
    }


@router.get("/ideas/new")
def new_idea(request: Request, db: DbSession, principal: Public) -> Response:
    values: dict[str, Any] = {}
    if slug := request.query_params.get("unit"):
        unit = units.by_slug(db, slug)
        if unit is not None:
            values["unit_id"] = str(unit.id)
    if principal:
        values["submitted_as"] = principal.user.identity
    return render(request, "ideas/new.html", _form_context(db, principal, values, []))


@router.get("/ideas/new/units")
def unit_picker(request: Request, db: DbSession, principal: Public) -> Response:
    """HTMX: the unit picker narrowed to names matching what was typed."""
    typed = request.query_params.get("unit_q", "")[:100]
    values = {"unit_id": request.query_params.get("unit_id", ""), "unit_q": typed}
    context = _form_context(db, principal, values, [])
    if needle := typed.strip().lower():
        context["tree"] = [row for row in context["tree"] if needle in row.unit.name.lower()]
    return render(request, "ideas/new.html", context, block="unit_picker")


@router.get("/ideas/similar")
def similar(request: Request, db: DbSession, principal: Public) -> Response:
    """HTMX: published ideas like the one being typed, to support instead of repeating."""
    text = " ".join(
        [request.query_params.get("title", ""), request.query_params.get("description", "")]
    )[:600]
    matches = repo.similar(db, text, limit=3)
    return render(
        request, "ideas/new.html", {"similar": matches, "errors": [], "values": {}}, block="similar"
    )


@router.post("/ideas")
def submit_idea(request: Request, db: DbSession, principal: Public, values: FormValues) -> Response:
    settings = get_settings()
    # Spam without a CAPTCHA: a field people never see, and a minimum time to fill the form.
    if values.get("website"):
        return RedirectResponse("/ideas?notice=idea-received", status_code=303)
    started = values.get("started", "")
    signed = signing.verify("form-start", started, values.get("started_sig", ""))
    too_fast = (
        signed
        and started.isdigit()
        and (time.time() - int(started) < settings.idea_form_min_seconds)
    )
    helped = values.get("helped") == "yes"
    form_values = {
        k: v for k, v in values.items() if v != "" or k not in ("unit_id", "submitted_as")
    }
    problems: list[dict[str, Any]] = []
    data: IdeaInput | None = None
    try:
        data = validate(IdeaInput, form_values)
    except InvalidInput as exc:
        problems += exc.errors
    if helped and values.get("consent") != "yes":
        problems.append(
            {"field": "consent", "msg": _("Confirm the person agreed to you sending this for them")}
        )
    if not signed or too_fast:
        values["started"] = ""  # the clock starts again from this page
        if not problems:
            # Only when nothing else is wrong: a real problem deserves its own message.
            problems.append(
                {"field": "title", "msg": _("Please check your idea, then send it again.")}
            )
    try:
        if problems or data is None:
            raise InvalidInput(errors=problems)
        result = ideas.submit(
            db,
            data=data,
            form_token=values.get("form_token", ""),
            author=principal,
            helped=helped,
            ip_address=client_ip(request),
        )
        db.commit()
    except InvalidInput as exc:
        db.rollback()
        return render(
            request,
            "ideas/new.html",
            _form_context(db, principal, values, exc.errors),
            status_code=422,
        )
    except RateLimited as exc:
        db.rollback()
        return render(
            request,
            "ideas/new.html",
            _form_context(db, principal, values, [{"field": "title", "msg": exc.detail}]),
            status_code=429,
            headers=exc.headers,
        )
    return RedirectResponse(f"/ideas/receipt/{result.receipt}?sent=1", status_code=303)


def _receipt_page(
    request: Request,
    db: Session,
    receipt: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    idea = ideas.by_receipt(db, receipt=receipt)
    assert idea.id is not None
    return render(
        request,
        "ideas/receipt.html",
        {
            "idea": idea,
            "receipt": receipt,
            "just_sent": request.query_params.get("sent") == "1",
            "status_labels": ideas.STATUS_LABELS,
            "events": repo.events(db, idea.id),
            "response_days": get_settings().response_target_working_days,
            "errors": errors or [],
            "values": values or {},
            "notice": notice_from(request),
        },
        status_code=status_code,
    )


@router.get("/ideas/receipt/{receipt}")
def receipt(request: Request, receipt: str, db: DbSession, principal: Public) -> Response:
    return _receipt_page(request, db, receipt)


@router.post("/ideas/receipt/{receipt}/email")
def receipt_email(
    request: Request,
    receipt: str,
    db: DbSession,
    principal: Public,
    values: FormValues,
) -> Response:
    email = values.get("email", "").strip()
    if "@" not in email or len(email) > 320 or " " in email:
        message = _("Enter an email address in the correct format, like name@example.com")
        return _receipt_page(
            request,
            db,
            receipt,
            values=values,
            status_code=422,
            errors=[{"field": "email", "msg": message}],
        )
    notifications.subscribe(db, idea=ideas.by_receipt(db, receipt=receipt), email=email)
    db.commit()
    return RedirectResponse(f"/ideas/receipt/{receipt}?notice=email-saved", status_code=303)


@router.get("/unsubscribe/{token}")
def unsubscribe_page(request: Request, token: str, principal: Public) -> Response:
    # Email programs open links to preview them: stopping emails takes a button press.
    return render(request, "ideas/unsubscribe.html", {"token": token, "done": False})


@router.post("/unsubscribe/{token}")
def unsubscribe(request: Request, token: str, db: DbSession, principal: Public) -> Response:
    if not notifications.unsubscribe(db, token=token):
        raise NotFound(_("This unsubscribe link is not valid. Check you copied all of it."))
    db.commit()
    return render(request, "ideas/unsubscribe.html", {"token": token, "done": True})


# --- the idea page ------------------------------------------------------------------------


def _threads(comments: list[Comment]) -> list[tuple[Comment, list[Comment]]]:
    replies: dict[int, list[Comment]] = {}
    tops: list[Comment] = []
    for c in comments:
        if c.parent_id is None:
            tops.append(c)
        else:
            replies.setdefault(c.parent_id, []).append(c)
    for thread in replies.values():
        thread.sort(key=lambda c: c.id or 0)
    return [(c, replies.get(c.id or 0, [])) for c in tops]


def idea_context(
    db: Session, request: Request, idea_id: int, principal: Principal | None
) -> dict[str, Any]:
    idea = ideas.visible_idea(db, idea_id=idea_id, viewer=principal)
    found = repo.idea_with_names(db, idea_id)
    assert found is not None
    _idea, unit, category = found
    newest_first = request.query_params.get("comments") != "oldest"
    user_id = principal.user.id if principal else None
    return {
        "idea": idea,
        "unit": unit,
        "category": category,
        "events": repo.events(db, idea_id),
        "threads": _threads(list(repo.comments(db, idea_id, newest_first=newest_first))),
        "comment_order": "newest" if newest_first else "oldest",
        "voted": bool(repo.voted_ids(db, user_id=user_id, idea_ids=[idea_id])),
        "following": repo.is_following(db, idea_id=idea_id, user_id=user_id),
        "voting_open": idea.status not in ideas.VOTING_CLOSED,
        "status_labels": ideas.STATUS_LABELS,
        "identity_public": ideas.IDENTITY_PUBLIC,
        "can_edit": comments_service.can_edit,
        "notice": notice_from(request),
        "errors": [],
        "values": {},
    }


@router.get("/ideas/{idea_id}")
def idea_page(request: Request, idea_id: int, db: DbSession, principal: Public) -> Response:
    return render(request, "ideas/detail.html", idea_context(db, request, idea_id, principal))


@router.post("/ideas/{idea_id}/vote")
def vote(
    request: Request, idea_id: int, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    idea = ideas.visible_idea(db, idea_id=idea_id, viewer=principal)
    if values.get("action") == "unvote":
        votes.unvote(db, idea=idea, user=principal.user)
    else:
        votes.vote(db, idea=idea, user=principal.user)
    db.commit()
    if is_fragment_request(request):
        return render(
            request,
            "ideas/detail.html",
            {
                "idea": idea,
                "voted": values.get("action") != "unvote",
                "voting_open": True,
                "announce": True,
            },
            block="vote",
        )
    return RedirectResponse(f"/ideas/{idea_id}#vote", status_code=303)


@router.post("/ideas/{idea_id}/follow")
def follow(
    request: Request, idea_id: int, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    idea = ideas.visible_idea(db, idea_id=idea_id, viewer=principal)
    if values.get("action") == "unfollow":
        ideas.unfollow(db, idea=idea, user=principal.user)
        notice = "unfollowed"
    else:
        ideas.follow(db, idea=idea, user=principal.user)
        notice = "followed"
    db.commit()
    return RedirectResponse(f"/ideas/{idea_id}?notice={notice}#follow", status_code=303)


@router.post("/ideas/{idea_id}/comments")
def add_comment(
    request: Request,
    idea_id: int,
    db: DbSession,
    principal: SignedIn,
    values: FormValues,
) -> Response:
    idea = ideas.visible_idea(db, idea_id=idea_id, viewer=principal)
    parent = values.get("parent_id", "")
    try:
        comment = comments_service.add(
            db,
            idea=idea,
            principal=principal,
            body=values.get("body", ""),
            parent_id=int(parent) if parent.isdigit() else None,
        )
        db.commit()
    except InvalidInput as exc:
        db.rollback()
        context = idea_context(db, request, idea_id, principal)
        context.update(errors=exc.errors, values=values)
        return render(request, "ideas/detail.html", context, status_code=422)
    return RedirectResponse(
        f"/ideas/{idea_id}?notice=comment-added#comment-{comment.id}", status_code=303
    )


@router.get("/comments/{comment_id}/edit")
def edit_comment_form(
    request: Request, comment_id: int, db: DbSession, principal: SignedIn
) -> Response:
    comment = db.get(Comment, comment_id)
    if comment is None or comment.author_id != principal.user.id or comment.deleted_at:
        raise NotFound()
    return render(
        request,
        "ideas/comment_edit.html",
        {
            "comment": comment,
            "errors": [],
            "values": {"body": comment.body},
            "can_edit": comments_service.can_edit(comment),
        },
    )


@router.post("/comments/{comment_id}/edit")
def edit_comment(
    request: Request,
    comment_id: int,
    db: DbSession,
    principal: SignedIn,
    values: FormValues,
) -> Response:
    try:
        comment = comments_service.edit(
            db, comment_id=comment_id, principal=principal, body=values.get("body", "")
        )
        db.commit()
    except InvalidInput as exc:
        db.rollback()
        existing = db.get(Comment, comment_id)
        return render(
            request,
            "ideas/comment_edit.html",
            {"comment": existing, "errors": exc.errors, "values": values, "can_edit": True},
            status_code=422,
        )
    return RedirectResponse(f"/ideas/{comment.idea_id}#comment-{comment.id}", status_code=303)


@router.post("/comments/{comment_id}/delete")
def delete_comment(comment_id: int, db: DbSession, principal: SignedIn) -> Response:
    comment = comments_service.delete(db, comment_id=comment_id, principal=principal)
    db.commit()
    return RedirectResponse(
        f"/ideas/{comment.idea_id}?notice=comment-removed#comments", status_code=303
    )


@router.get("/ideas/{idea_id}/report")
def report_form(request: Request, idea_id: int, db: DbSession, principal: Public) -> Response:
    idea = ideas.visible_idea(db, idea_id=idea_id, viewer=principal)
    return render(
        request,
        "ideas/report.html",
        {
            "idea": idea,
            "reasons": REPORT_REASONS,
            "errors": [],
            "values": {},
            "comment_id": request.query_params.get("comment", ""),
        },
    )


@router.post("/ideas/{idea_id}/report")
def report(
    request: Request, idea_id: int, db: DbSession, principal: Public, values: FormValues
) -> Response:
    idea = ideas.visible_idea(db, idea_id=idea_id, viewer=principal)
    try:
        reason = ReportReason(values.get("reason", ""))
    except ValueError:
        return render(
            request,
            "ideas/report.html",
            {
                "idea": idea,
                "reasons": REPORT_REASONS,
                "values": values,
                "comment_id": values.get("comment_id", ""),
                "errors": [{"field": "reason", "msg": _("Select why you are reporting this")}],
            },
            status_code=422,
        )
    comment_id = values.get("comment_id", "")
    ideas.report(
        db,
        idea=idea,
        reason=reason,
        details=values.get("details"),
        reporter=principal.user if principal else None,
        comment_id=int(comment_id) if comment_id.isdigit() else None,
    )
    db.commit()
    return RedirectResponse(f"/ideas/{idea_id}?notice=reported", status_code=303)


# --- my activity --------------------------------------------------------------------------


@router.get("/me")
def my_activity(request: Request, db: DbSession, principal: SignedIn) -> Response:
    user_id = principal.user.id
    assert user_id is not None
    return render(
        request,
        "ideas/me.html",
        {
            "mine": repo.ideas_of(db, user_id=user_id),
            "voted": repo.voted_by(db, user_id=user_id),
            "following": repo.followed_by(db, user_id=user_id),
            "notifications": notifications.for_user(db, user_id=user_id),
            "status_labels": ideas.STATUS_LABELS,
            "notice": notice_from(request),
        },
    )


@router.post("/me/notifications/read")
def notifications_read(db: DbSession, principal: SignedIn) -> Response:
    assert principal.user.id is not None
    notifications.mark_all_read(db, user_id=principal.user.id)
    db.commit()
    return RedirectResponse("/me#notifications", status_code=303)
