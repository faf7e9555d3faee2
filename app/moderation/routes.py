"""Reporting an idea or a comment to the moderators."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.deps import DbSession, Public, client_ip
from app.errors import InvalidInput
from app.i18n import N_, _
from app.ideas import service as ideas
from app.models import Idea, ReportReason
from app.moderation import service as moderation
from app.web import notices
from app.web.forms import FormValues, field_error, rejected
from app.web.params import RowId, as_id
from app.web.render import render
from app.web.responses import redirect
from app.web.urls import url_for

router = APIRouter()

notices.register(reported=N_("Thank you. A moderator will look at this."))


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
        moderation.report(
            db,
            idea=idea,
            reason=_reason(values),
            details=values.get("details"),
            reporter=principal.user if principal else None,
            ip_address=client_ip(request),
            comment_id=(as_id(comment_id) or 0) if comment_id else None,
        )
        db.commit()
    return redirect(request, url_for("idea_page", idea_id=idea_id) + "?notice=reported")
