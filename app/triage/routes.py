"""Triage pages (staff): the queue of ideas waiting for a decision, and one idea's page with
its assign, status, response and staff-note forms. Every form is a plain POST that redirects;
a response that may be hard to read, or that holds identifying details, is shown again with
the warning first (no JavaScript needed)."""

import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts.principal import Principal
from app.deps import DbSession, require_roles
from app.errors import InvalidInput
from app.i18n import N_, _
from app.ideas import reference as ideas_reference
from app.ideas import repository as ideas_repo
from app.ideas import states as idea_states
from app.models import IdeaStatus
from app.triage import access
from app.triage import repository as repo
from app.triage import service as triage
from app.units import service as units
from app.web import notices
from app.web.forms import FormValues, field_error, rejected
from app.web.params import RowId, as_id
from app.web.render import render
from app.web.responses import redirect
from app.web.routing import Router
from app.web.urls import url_for

router = Router()

Triager = Annotated[Principal, require_roles(*access.TRIAGERS)]

PER_PAGE = 50

notices.register(
    triage_assigned=N_("The idea's place and owner are saved."),
    triage_status=N_("The status is changed and the idea's followers have been told."),
    triage_response=N_("Your response is published and the idea's followers have been told."),
    triage_note=N_("Your note is saved. Only staff who triage this idea can read it."),
)

SORT_LABELS = {
    repo.Sort.oldest: N_("Oldest first"),
    repo.Sort.supported: N_("Most supported"),
    repo.Sort.due: N_("Response due soonest"),
}


# --- the queue ------------------------------------------------------------------------------


def _queue_filters(
    db: Session, params: dict[str, str], only: list[str], principal: Principal
) -> tuple[repo.QueueFilters, dict[str, Any], int]:
    """Filters from the query; unknown values are ignored (the queue still shows)."""
    try:
        sort = repo.Sort(params.get("sort") or repo.Sort.oldest)
    except ValueError:
        sort = repo.Sort.oldest
    unit = units.by_slug(db, params["unit"]) if params.get("unit") else None
    category = (
        ideas_repo.category_by_slug(db, params["category"]) if params.get("category") else None
    )
    status = params.get("status") or ""
    chosen_status = IdeaStatus(status) if status in repo.QUEUE_STATUSES else None
    overdue, mine = "overdue" in only, "mine" in only
    page = as_id(params.get("page")) or 1
    filters = repo.QueueFilters(
        unit=unit,
        category=category,
        status=chosen_status,
        overdue_before=(
            triage.overdue_before(triage.today(), triage.response_days()) if overdue else None
        ),
        owner_id=principal.user_id if mine else None,
        sort=sort,
    )
    chosen = {
        "unit": unit.slug if unit else "",
        "category": category.slug if category else "",
        "status": chosen_status.value if chosen_status else "",
        "only": [name for name, on in (("overdue", overdue), ("mine", mine)) if on],
        "sort": sort.value,
    }
    return filters, chosen, page


@router.get("/triage", name="triage_queue")
def queue(request: Request, db: DbSession, principal: Triager) -> Response:
    params = request.query_params
    filters, chosen, page = _queue_filters(db, dict(params), params.getlist("only"), principal)
    results = triage.queue(db, principal=principal, filters=filters, page=page, per_page=PER_PAGE)
    query = urlencode([(k, v) for k, v in chosen.items() if v and k != "only"])
    query += "".join(f"&only={name}" for name in chosen["only"])
    return render(
        request,
        "triage/queue.html",
        {
            "queue": results,
            "chosen": chosen,
            "filter_query": query,
            "tree": units.tree(db),
            "categories": ideas_reference.categories(db),
            "queue_statuses": repo.QUEUE_STATUSES,
            "sort_choices": [(value.value, _(label)) for value, label in SORT_LABELS.items()],
            "response_days": triage.response_days(),
        },
    )


# --- one idea -------------------------------------------------------------------------------


def _idea_context(
    db: Session,
    idea_id: int,
    principal: Principal,
    *,
    values: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    check: triage.TextCheck | None = None,
    check_form: str = "",
) -> dict[str, Any]:
    found = triage.triage_idea(db, idea_id=idea_id, principal=principal)
    idea = found.idea
    original = ideas_repo.get(db, idea.merged_into_id) if idea.merged_into_id is not None else None
    return {
        "triaged": found,
        "idea": idea,
        "events": ideas_repo.events(db, idea_id),
        "notes": triage.notes(db, idea=idea),
        "staff": triage.staff_choices(db),
        "tree": units.tree(db),
        "moves": sorted(idea_states.STATUS.allowed(idea.status)),
        "needs_message": sorted(idea_states.NEEDS_PUBLIC_REASON),
        "original": original,
        "response_days": triage.response_days(),
        "values": values or {},
        "errors": errors or [],
        "check": check,
        "check_form": check_form,
    }


@router.get("/triage/ideas/{idea_id}", name="triage_idea")
def idea_page(request: Request, idea_id: RowId, db: DbSession, principal: Triager) -> Response:
    return render(request, "triage/idea.html", _idea_context(db, idea_id, principal))


def _rejected(db: Session, idea_id: int, principal: Principal, values: dict[str, str]) -> Any:
    return rejected(
        "triage/idea.html",
        lambda errors: _idea_context(db, idea_id, principal, values=values, errors=errors),
        db=db,
    )


def _done(request: Request, idea_id: int, notice: str) -> Response:
    return redirect(request, url_for("triage_idea", idea_id=idea_id) + f"?notice={notice}")


@router.post("/triage/ideas/{idea_id}/assign", name="triage_assign")
def assign(
    request: Request, idea_id: RowId, db: DbSession, principal: Triager, values: FormValues
) -> Response:
    with _rejected(db, idea_id, principal, values):
        found = triage.triage_idea(db, idea_id=idea_id, principal=principal)
        unit_id = as_id(values.get("unit_id"))
        unit = units.get(db, unit_id) if unit_id else None
        if unit is None:
            raise InvalidInput(
                errors=[field_error("unit_id", _("Select where this idea is about"))]
            )
        owner_id = values.get("owner_id") or ""
        owner = triage.resolve_owner(db, as_id(owner_id) or (-1 if owner_id else None))
        triage.assign(db, idea=found.idea, unit=unit, owner=owner, actor=principal)
        db.commit()
    return _done(request, idea_id, "triage-assigned")


def _needs_confirming(db: Session, values: dict[str, str]) -> triage.TextCheck | None:
    """The warnings about a public message that the person has not yet confirmed: identifying
    details (published removed, or changed) and hard reading (published anyway)."""
    message = (values.get("message") or "").strip()
    if not message:
        return None
    check = triage.check_text(db, message)
    unconfirmed_details = check.has_identifiers and values.get("confirm_removed") != "yes"
    unconfirmed_reading = check.hard_to_read and values.get("confirm_reading") != "yes"
    return check if unconfirmed_details or unconfirmed_reading else None


def _warn(
    request: Request,
    db: Session,
    idea_id: int,
    principal: Principal,
    values: dict[str, str],
    check: triage.TextCheck,
    form: str,
) -> Response:
    # Nothing is saved: the page again with the message as typed and what to check.
    kept = {k: v for k, v in values.items() if not k.startswith("confirm_")}
    context = _idea_context(db, idea_id, principal, values=kept, check=check, check_form=form)
    return render(request, "triage/idea.html", context)


def _duplicate_of(value: str | None) -> int | None:
    """An idea's number, or its page's link (``.../ideas/42``); -1 for anything else."""
    text = (value or "").strip()
    if not text:
        return None
    match = re.fullmatch(r"(?:.*/ideas/)?#?(\d{1,12})/?(?:[?#].*)?", text)
    return int(match.group(1)) if match else -1


@router.post("/triage/ideas/{idea_id}/status", name="triage_status")
def change_status(
    request: Request, idea_id: RowId, db: DbSession, principal: Triager, values: FormValues
) -> Response:
    with _rejected(db, idea_id, principal, values):
        found = triage.triage_idea(db, idea_id=idea_id, principal=principal)
        try:
            to = IdeaStatus(values.get("status") or "")
        except ValueError:
            raise InvalidInput(errors=[field_error("status", _("Choose the new status"))]) from None
        if (check := _needs_confirming(db, values)) is not None:
            idea_states.STATUS.check(found.idea.status, to)
            return _warn(request, db, idea_id, principal, values, check, "status")
        try:
            triage.set_status(
                db,
                idea=found.idea,
                actor=principal,
                to=to,
                message=values.get("message"),
                duplicate_of=_duplicate_of(values.get("duplicate_of")),
            )
        except InvalidInput as exc:
            # This form's message box has its own id (the response form has "message"), so
            # the error summary's link lands on it.
            for error in exc.errors:
                if error.get("field") == "message":
                    error["field"] = "status-message"
            raise
        db.commit()
    return _done(request, idea_id, "triage-status")


@router.post("/triage/ideas/{idea_id}/response", name="triage_respond")
def respond(
    request: Request, idea_id: RowId, db: DbSession, principal: Triager, values: FormValues
) -> Response:
    with _rejected(db, idea_id, principal, values):
        found = triage.triage_idea(db, idea_id=idea_id, principal=principal)
        if (check := _needs_confirming(db, values)) is not None:
            return _warn(request, db, idea_id, principal, values, check, "response")
        triage.respond(db, idea=found.idea, actor=principal, message=values.get("message"))
        db.commit()
    return _done(request, idea_id, "triage-response")


@router.post("/triage/ideas/{idea_id}/notes", name="triage_add_note")
def add_note(
    request: Request, idea_id: RowId, db: DbSession, principal: Triager, values: FormValues
) -> Response:
    with _rejected(db, idea_id, principal, values):
        found = triage.triage_idea(db, idea_id=idea_id, principal=principal)
        triage.add_note(db, idea=found.idea, actor=principal, body=values.get("body"))
        db.commit()
    return _done(request, idea_id, "triage-note")
