"""Admin pages: people and roles, staff verification, units, the outbox (development) and the
audit log."""

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts import mfa, verification
from app.accounts import repository as accounts_repo
from app.accounts import service as accounts
from app.config import get_settings
from app.core import audit, email_address, mail
from app.core import repository as core_repo
from app.deps import AdminOnly, DbSession, client_ip
from app.errors import InvalidInput, NotFound
from app.i18n import N_, _
from app.models import Role, UnitKind, User
from app.units import service as units
from app.web import notices
from app.web.forms import FormMulti, FormValues, field_error, rejected
from app.web.params import RowId, as_id
from app.web.render import render
from app.web.responses import redirect
from app.web.routing import Router
from app.web.urls import url_for

router = Router(prefix="/admin")

notices.register(
    verification_approved=N_("Approved: they now have the staff role, and have been emailed."),
    verification_declined=N_("Declined: they have been emailed, with your note if you wrote one."),
    two_step_reset=N_(
        "Two-step sign-in has been reset: they have been signed out everywhere and emailed."
    ),
)


@router.get("", name="admin_home")
def admin_home(request: Request, db: DbSession, principal: AdminOnly) -> Response:
    return render(
        request,
        "admin/index.html",
        {
            "outbox_visible": not get_settings().is_production,
            "outbox": mail.health(db),
            "failed_mail": core_repo.failed_mail(db, limit=20),
            "pending_verifications": accounts_repo.pending_verification_count(db),
        },
    )


def _verification_context(db: Session, values: dict[str, str]) -> dict[str, Any]:
    names = {row.unit.id: row.unit.name for row in units.tree(db)}
    return {"requests": verification.pending(db), "unit_names": names, "values": values}


@router.get("/verification", name="admin_verification")
def verification_queue(request: Request, db: DbSession, principal: AdminOnly) -> Response:
    return render(request, "admin/verification.html", _verification_context(db, {}))


@router.post("/verification/{request_id}", name="admin_verification_decide")
def verification_decide(
    request: Request, request_id: RowId, db: DbSession, principal: AdminOnly, values: FormValues
) -> Response:
    decision = values.get("decision", "")
    with rejected(
        "admin/verification.html", lambda errors: _verification_context(db, values), db=db
    ):
        if decision not in ("approve", "decline"):
            raise InvalidInput(
                errors=[field_error(f"decision-{request_id}", _("Choose approve or decline"))]
            )
        verification.decide(
            db,
            request_id=request_id,
            approve=decision == "approve",
            note=values.get("note", ""),
            actor=principal,
        )
        db.commit()
    notice = "verification-approved" if decision == "approve" else "verification-declined"
    return redirect(request, url_for("admin_verification") + f"?notice={notice}")


@router.get("/users", name="admin_users")
def users(request: Request, db: DbSession, principal: AdminOnly) -> Response:
    query = request.query_params.get("q", "").strip()[:100]
    people = list(accounts_repo.users_page(db, query=query, limit=100))
    roles = accounts_repo.roles_for_users(db, [u.id for u in people if u.id is not None])
    return render(request, "admin/users.html", {"people": people, "roles": roles, "q": query})


def _user_or_404(db: Session, user_id: int) -> User:
    user = accounts.get_user(db, user_id)
    if user is None:
        raise NotFound()
    return user


@router.get("/users/{user_id}", name="admin_user")
def user_detail(request: Request, user_id: RowId, db: DbSession, principal: AdminOnly) -> Response:
    user = _user_or_404(db, user_id)
    assert user.id is not None
    audit.record_read(
        db,
        event=audit.READ_ADMIN_USER,
        actor_id=principal.user_id,
        subject_user_id=user.id,
        ip_address=client_ip(request),
    )
    roles = accounts_repo.roles_of(db, user.id)
    return render(
        request,
        "admin/user.html",
        {
            "person": user,
            "person_roles": roles,
            "tree": units.tree(db),
            "member_of": units.memberships(db, user_id=user.id),
            "two_step": mfa.status(db, user_id=user.id, roles=roles),
        },
    )


@router.post("/users/{user_id}/two-step-reset", name="admin_user_mfa_reset")
def user_mfa_reset(
    request: Request, user_id: RowId, db: DbSession, principal: AdminOnly
) -> Response:
    user = _user_or_404(db, user_id)
    mfa.reset(db, user=user, actor_id=principal.user_id, ip_address=client_ip(request))
    db.commit()
    return redirect(request, url_for("admin_user", user_id=user_id) + "?notice=two-step-reset")


def _chosen(form: FormMulti, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)]


@router.post("/users/{user_id}/roles", name="admin_user_roles")
def user_roles(
    request: Request, user_id: RowId, db: DbSession, principal: AdminOnly, form: FormMulti
) -> Response:
    user = _user_or_404(db, user_id)
    chosen = {Role(v) for v in _chosen(form, "roles") if v in Role.__members__}
    accounts.set_roles(db, user=user, roles=chosen, actor=principal.user)
    db.commit()
    return redirect(request, url_for("admin_user", user_id=user_id) + "?notice=profile-saved")


@router.post("/users/{user_id}/units", name="admin_user_units")
def user_units(
    request: Request, user_id: RowId, db: DbSession, principal: AdminOnly, form: FormMulti
) -> Response:
    user = _user_or_404(db, user_id)
    ids = {unit for v in _chosen(form, "units") if (unit := as_id(v)) is not None}
    assert user.id is not None
    units.set_memberships(db, user_id=user.id, unit_ids=ids, actor_id=principal.user.id)
    db.commit()
    return redirect(request, url_for("admin_user", user_id=user_id) + "?notice=profile-saved")


def _units_context(db: Session, values: dict[str, str]) -> dict[str, Any]:
    return {
        "tree": units.tree(db),
        "kinds": [k for k in UnitKind if k is not UnitKind.organisation],
        "values": values,
    }


def _unit_id(value: str) -> int:
    return as_id(value) or 0


@router.get("/units", name="admin_units")
def units_page(request: Request, db: DbSession, principal: AdminOnly) -> Response:
    return render(request, "admin/units.html", _units_context(db, {}))


@router.post("/units", name="admin_unit_create")
def unit_create(
    request: Request, db: DbSession, principal: AdminOnly, values: FormValues
) -> Response:
    with rejected("admin/units.html", lambda errors: _units_context(db, values), db=db):
        try:
            kind = UnitKind(values.get("kind", ""))
        except ValueError:
            raise InvalidInput(errors=[field_error("kind", _("Select the kind of unit"))]) from None
        units.create(
            db,
            name=values.get("name", ""),
            kind=kind,
            parent_id=_unit_id(values.get("parent_id", "")),
            actor_id=principal.user.id,
        )
        db.commit()
    return redirect(request, url_for("admin_units") + "?notice=profile-saved")


@router.post("/units/{unit_id}", name="admin_unit_update")
def unit_update(
    request: Request, unit_id: RowId, db: DbSession, principal: AdminOnly, values: FormValues
) -> Response:
    with rejected("admin/units.html", lambda errors: _units_context(db, values), db=db):
        units.rename(db, unit_id=unit_id, name=values.get("name", ""), actor_id=principal.user.id)
        if parent := _unit_id(values.get("parent_id", "")):
            units.move(db, unit_id=unit_id, parent_id=parent, actor_id=principal.user.id)
        db.commit()
    return redirect(request, url_for("admin_units") + "?notice=profile-saved")


@router.get("/outbox", name="admin_outbox")
def outbox(request: Request, db: DbSession, principal: AdminOnly) -> Response:
    # Emails hold password-reset links: readable here only outside production.
    if get_settings().is_production:
        raise NotFound()
    return render(request, "admin/outbox.html", {"messages": core_repo.latest_mail(db, limit=50)})


# --- the audit log ----------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50
#: The most rows one CSV download holds (narrow the filters to reach older ones).
AUDIT_CSV_MAX = 10_000
_AUDIT_FIELDS = ("event", "person", "from", "to", "address", "record", "number")


def _audit_date(chosen: dict[str, str], name: str, errors: list[dict[str, Any]]) -> datetime | None:
    if not chosen[name]:
        return None
    try:
        day = date.fromisoformat(chosen[name])
    except ValueError:
        message = _("Enter the date as year, month and day, like 2026-12-01")
        errors.append(field_error(name, message))
        return None
    return datetime.combine(day, time(), tzinfo=UTC)


def audit_filters(
    db: Session, params: Mapping[str, str]
) -> tuple[core_repo.AuditFilters, dict[str, str], list[dict[str, Any]]]:
    """The filters in the query string, as typed (for the form), and what could not be used."""
    chosen = {name: (params.get(name) or "").strip()[:254] for name in _AUDIT_FIELDS}
    errors: list[dict[str, Any]] = []
    person_id = None
    if typed := chosen["person"]:
        person_id = as_id(typed.removeprefix("#"))
        if person_id is None:
            try:
                found = accounts_repo.user_by_email(db, email_address.normalise(typed))
            except ValueError:
                found = None
            person_id = found.id if found else None
            if person_id is None:
                message = _("Enter an account number, or the email address of an account")
                errors.append(field_error("person", message))
    record = None
    if chosen["record"] or chosen["number"]:
        kind = audit.RECORD_KINDS.get(chosen["record"])
        number = as_id(chosen["number"].removeprefix("#"))
        if kind is None:
            errors.append(field_error("record", _("Choose what kind of record the number is")))
        elif number is None:
            errors.append(field_error("number", _("Enter the record's number, like 12")))
        else:
            record = (kind[1], number)
    since, until = _audit_date(chosen, "from", errors), _audit_date(chosen, "to", errors)
    if until is not None:
        until += timedelta(days=1)  # "to" is the last day shown, all of it
    if since is not None and until is not None and since >= until:
        errors.append(field_error("to", _("The end date must be the same as or after the start")))
    filters = core_repo.AuditFilters(
        event=chosen["event"] or None,
        person_id=person_id,
        since=since,
        until=until,
        ip_address=chosen["address"][:45] or None,
        record=record,
    )
    return filters, chosen, errors


def _audit_page(
    request: Request, db: Session, chosen: dict[str, str], errors: list[dict[str, Any]], **more: Any
) -> Response:
    names = sorted({*audit.EVENT_LABELS, *core_repo.audit_event_names(db)}, key=audit.event_label)
    context = {
        "audit_filters": chosen,
        "event_options": [(name, audit.event_label(name)) for name in names],
        "event_labels": {name: audit.event_label(name) for name in names},
        "record_options": [(key, _(label)) for key, (label, _keys) in audit.RECORD_KINDS.items()],
        "filter_query": urlencode({k: v for k, v in chosen.items() if v}),
        "errors": errors,
        "audit_rows": [],
        "emails": {},
        "next_before": None,
        "paged": False,
        **more,
    }
    return render(request, "admin/audit.html", context, status_code=422 if errors else 200)


@router.get("/audit", name="admin_audit")
def audit_log(request: Request, db: DbSession, principal: AdminOnly) -> Response:
    filters, chosen, errors = audit_filters(db, request.query_params)
    if errors:
        return _audit_page(request, db, chosen, errors)
    before = as_id(request.query_params.get("before"))
    rows = core_repo.audit_events(db, filters=filters, before_id=before, limit=AUDIT_PAGE_SIZE + 1)
    more = len(rows) > AUDIT_PAGE_SIZE
    rows = rows[:AUDIT_PAGE_SIZE]
    people = {e.actor_id for e in rows} | {e.subject_user_id for e in rows}
    return _audit_page(
        request,
        db,
        chosen,
        errors,
        audit_rows=[(e, audit.described(e.details)) for e in rows],
        emails=accounts_repo.emails_of(db, {p for p in people if p is not None}),
        next_before=rows[-1].id if more else None,
        paged=before is not None,
    )


@router.get("/audit.csv", name="admin_audit_csv")
def audit_log_csv(request: Request, db: DbSession, principal: AdminOnly) -> Response:
    filters, chosen, errors = audit_filters(db, request.query_params)
    if errors:
        return _audit_page(request, db, chosen, errors)
    rows = core_repo.audit_events(db, filters=filters, limit=AUDIT_CSV_MAX)
    audit.record_read(
        db,
        event=audit.READ_AUDIT_EXPORT,
        actor_id=principal.user_id,
        ip_address=client_ip(request),
        rows=len(rows),
        event_filter=filters.event if filters.event in audit.EVENT_LABELS else None,
        person_id=filters.person_id,
    )
    return Response(
        audit.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="fullcircle-audit-log.csv"'},
    )
