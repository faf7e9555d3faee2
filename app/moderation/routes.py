"""Reporting an idea or a comment to the moderators, and the moderation queue (moderators and
admins): what waits, oldest first, with screening's reasons and the reports; approve, edit
and approve, reject with a reason its author sees, send to safeguarding, approve many."""

from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts.principal import Principal
from app.deps import DbSession, Public, client_ip, require_roles
from app.errors import InvalidInput
from app.i18n import N_, _
from app.ideas import access as ideas_access
from app.ideas import service as ideas
from app.models import Idea, ReportReason
from app.moderation import access
from app.moderation import service as moderation
from app.web import notices
from app.web.forms import FormMulti, FormValues, field_error, rejected
from app.web.params import RowId, as_id
from app.web.render import render
from app.web.responses import redirect
from app.web.routing import Router
from app.web.urls import url_for

router = Router()

Moderator = Annotated[Principal, require_roles(*access.MODERATORS)]

notices.register(
    reported=N_("Thank you. A moderator will look at this."),
    already_reported=N_("You have already reported this. A moderator will look at it."),
    moderation_published=N_("Published."),
    moderation_redacted=N_("Your changes are saved and it is published."),
    moderation_rejected=N_("It is not published. Its author has been told why."),
    moderation_escalated=N_("It is hidden and in the safeguarding queue."),
    moderation_approved=N_(
        "The items you chose are published. Anything another moderator had already decided "
        "was left as it was."
    ),
)

#: Where each decision's notice comes from.
_DONE = {
    moderation.Decision.publish: "moderation-published",
    moderation.Decision.reject: "moderation-rejected",
    moderation.Decision.escalate: "moderation-escalated",
}


# --- reports ----------------------------------------------------------------------------------


def _context(idea: Idea, values: dict[str, str], comment_id: str) -> dict[str, Any]:
    return {"idea": idea, "reasons": ReportReason, "values": values, "comment_id": comment_id}


@router.get("/ideas/{idea_id}/report", name="report_form")
def report_form(request: Request, idea_id: RowId, db: DbSession, principal: Public) -> Response:
    idea = ideas.visible_idea(db, idea_id=idea_id, viewer=principal)
    comment_id = request.query_params.get("comment", "")
    return render(request, "moderation/report.html", _context(idea, {}, comment_id))


def _reason(values: dict[str, str]) -> ReportReason:
    try:
        return ReportReason(values.get("reason", ""))
    except ValueError:
        raise InvalidInput(
            errors=[field_error("reason", _("Select why you are reporting this"))]
        ) from None


@router.post("/ideas/{idea_id}/report", name="report")
def report(
    request: Request, idea_id: RowId, db: DbSession, principal: Public, values: FormValues
) -> Response:
    idea = ideas.visible_idea(db, idea_id=idea_id, viewer=principal)
    comment_id = values.get("comment_id", "")
    with rejected(
        "moderation/report.html",
        lambda errors: _context(idea, values, comment_id),
        db=db,
        rate_field="reason",
    ):
        result = moderation.report(
            db,
            idea=idea,
            reason=_reason(values),
            details=values.get("details"),
            reporter=principal,
            ip_address=client_ip(request),
            comment_id=(as_id(comment_id) or 0) if comment_id else None,
        )
        db.commit()
    notice = "already-reported" if result.already else "reported"
    if not ideas_access.can_see_idea(principal, idea):
        # The report took the idea down for review: its page is gone for this reader.
        return redirect(request, url_for("board") + f"?notice={notice}")
    return redirect(request, url_for("idea_page", idea_id=idea_id) + f"?notice={notice}")


# --- the queue --------------------------------------------------------------------------------


def _queue_context(db: Session, errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"entries": moderation.queue(db), "errors": errors}


@router.get("/moderation", name="moderation_queue")
def queue(request: Request, db: DbSession, principal: Moderator) -> Response:
    return render(request, "moderation/queue.html", _queue_context(db, []))


@router.post("/moderation/approve", name="moderation_approve")
def approve_many(
    request: Request, db: DbSession, principal: Moderator, form: FormMulti
) -> Response:
    targets = [str(v) for v in form.getlist("item") if isinstance(v, str)]
    with rejected("moderation/queue.html", lambda errors: _queue_context(db, errors), db=db):
        moderation.approve_many(db, targets=targets, actor=principal)
        db.commit()
    return redirect(request, url_for("moderation_queue") + "?notice=moderation-approved")


# --- one idea or comment ----------------------------------------------------------------------


def _item_context(
    db: Session, kind: str, item_id: int, values: dict[str, Any], errors: list[dict[str, Any]]
) -> dict[str, Any]:
    item = moderation.get_item(db, kind=kind, item_id=item_id)
    current = moderation.entry(db, item)
    text = {name: values.get(name, value) for name, value in item.fields().items()}
    ids = {f"{kind}_id": item_id}
    return {
        "decide_url": url_for(f"moderation_{kind}_decide", **ids),
        "redact_url": url_for(f"moderation_{kind}_redact", **ids),
        "entry": current,
        "item": item,
        "original": moderation.original_of(db, item),
        "reject_reasons": moderation.RejectReason,
        "report_reasons": ReportReason,
        "text": text,
        "values": values,
        "errors": errors,
    }


def _item_page(
    request: Request, db: Session, kind: str, item_id: int, principal: Principal
) -> Response:
    context = _item_context(db, kind, item_id, {}, [])
    item: moderation.Item = context["item"]
    if item.idea is not None:
        ideas.record_read(
            db,
            idea=item.idea,
            viewer=principal,
            ip_address=client_ip(request),
            via="moderation",
            originals_shown=int(context["original"] is not None),
        )
    elif context["original"] is not None:
        moderation.record_original_read(
            db, item=item, viewer=principal, ip_address=client_ip(request)
        )
    return render(request, "moderation/item.html", context)


def _decide(
    request: Request,
    db: Session,
    kind: str,
    item_id: int,
    principal: Principal,
    values: dict[str, str],
) -> Response:
    with rejected(
        "moderation/item.html",
        lambda errors: _item_context(db, kind, item_id, values, errors),
        db=db,
    ):
        try:
            decision = moderation.Decision(values.get("decision", ""))
        except ValueError:
            raise InvalidInput(
                errors=[field_error("decision", _("Choose what to do with it"))]
            ) from None
        item = moderation.get_item(db, kind=kind, item_id=item_id)
        moderation.decide(
            db,
            item=item,
            decision=decision,
            actor=principal,
            reason=values.get("reason"),
            note=values.get("note"),
        )
        db.commit()
    return redirect(request, url_for("moderation_queue") + f"?notice={_DONE[decision]}")


def _redact(
    request: Request,
    db: Session,
    kind: str,
    item_id: int,
    principal: Principal,
    values: dict[str, str],
) -> Response:
    with rejected(
        "moderation/item.html",
        lambda errors: _item_context(db, kind, item_id, values, errors),
        db=db,
    ):
        item = moderation.get_item(db, kind=kind, item_id=item_id)
        moderation.redact_and_publish(db, item=item, values=values, actor=principal)
        db.commit()
    return redirect(request, url_for("moderation_queue") + "?notice=moderation-redacted")


@router.get("/moderation/ideas/{idea_id}", name="moderation_idea")
def idea_page(request: Request, idea_id: RowId, db: DbSession, principal: Moderator) -> Response:
    return _item_page(request, db, "idea", idea_id, principal)


@router.get("/moderation/comments/{comment_id}", name="moderation_comment")
def comment_page(
    request: Request, comment_id: RowId, db: DbSession, principal: Moderator
) -> Response:
    return _item_page(request, db, "comment", comment_id, principal)


@router.post("/moderation/ideas/{idea_id}/decision", name="moderation_idea_decide")
def decide_idea(
    request: Request, idea_id: RowId, db: DbSession, principal: Moderator, values: FormValues
) -> Response:
    return _decide(request, db, "idea", idea_id, principal, values)


@router.post("/moderation/comments/{comment_id}/decision", name="moderation_comment_decide")
def decide_comment(
    request: Request, comment_id: RowId, db: DbSession, principal: Moderator, values: FormValues
) -> Response:
    return _decide(request, db, "comment", comment_id, principal, values)


@router.post("/moderation/ideas/{idea_id}/redact", name="moderation_idea_redact")
def redact_idea(
    request: Request, idea_id: RowId, db: DbSession, principal: Moderator, values: FormValues
) -> Response:
    return _redact(request, db, "idea", idea_id, principal, values)


@router.post("/moderation/comments/{comment_id}/redact", name="moderation_comment_redact")
def redact_comment(
    request: Request, comment_id: RowId, db: DbSession, principal: Moderator, values: FormValues
) -> Response:
    return _redact(request, db, "comment", comment_id, principal, values)
