"""Admin pages: people and roles, staff verification, units, the outbox (development) and the
audit log."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts import repository as accounts_repo
from app.accounts import service as accounts
from app.accounts import verification
from app.config import get_settings
from app.core import mail
from app.core import repository as core_repo
from app.deps import AdminOnly, DbSession
from app.errors import InvalidInput, NotFound
from app.i18n import N_, _
from app.models import Role, UnitKind, User
from app.units import service as units
from app.web import notices
from app.web.forms import FormMulti, FormValues, field_error, rejected
from app.web.params import RowId, as_id
from app.web.render import render
from app.web.responses import redirect
from app.web.urls import url_for

router = APIRouter(prefix="/admin")

notices.register(
    verification_approved=N_("Approved: they now have the staff role, and have been emailed."),
    verification_declined=N_("Declined: they have been emailed, with your note if you wrote one."),
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
    return render(
        request,
        "admin/user.html",
        {
            "person": user,
            "person_roles": accounts_repo.roles_of(db, user.id),
            "tree": units.tree(db),
            "member_of": units.memberships(db, user_id=user.id),
        },
    )


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


@router.get("/audit", name="admin_audit")
def audit_log(request: Request, db: DbSession, principal: AdminOnly) -> Response:
    events = core_repo.latest_audit_events(db, limit=200)
    return render(request, "admin/audit.html", {"events": events})
