"""Admin pages: people and roles, units, the outbox (development) and the audit log."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from app.accounts import repository as accounts_repo
from app.accounts import service as accounts
from app.config import get_settings
from app.deps import AdminOnly, DbSession
from app.errors import InvalidInput, NotFound
from app.forms import FormMulti, FormValues
from app.models import AuditEvent, OutboxEmail, Role, UnitKind, User
from app.notices import notice_from
from app.templating import render
from app.units import service as units

router = APIRouter(prefix="/admin")

ROLE_LABELS = {
    Role.service_user: "Service user",
    Role.carer: "Carer",
    Role.staff: "Staff",
    Role.moderator: "Moderator",
    Role.safeguarding_lead: "Safeguarding lead",
    Role.improvement_lead: "Improvement lead",
    Role.admin: "Admin",
}


@router.get("")
def admin_home(request: Request, principal: AdminOnly) -> Response:
    return render(request, "admin/index.html", {"outbox_visible": not get_settings().is_production})


@router.get("/users")
def users(request: Request, db: DbSession, principal: AdminOnly) -> Response:
    query = request.query_params.get("q", "").strip()[:100]
    people = list(accounts_repo.users_page(db, query=query, limit=100))
    roles = accounts_repo.roles_for_users(db, [u.id for u in people if u.id is not None])
    return render(
        request,
        "admin/users.html",
        {"people": people, "roles": roles, "q": query, "role_labels": ROLE_LABELS},
    )


def _user_or_404(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound()
    return user


def _user_page(
    request: Request, db: Session, user: User, *, errors: list | None = None, status_code: int = 200
) -> Response:
    assert user.id is not None
    return render(
        request,
        "admin/user.html",
        {
            "person": user,
            "person_roles": accounts_repo.roles_of(db, user.id),
            "role_labels": ROLE_LABELS,
            "tree": units.tree(db),
            "member_of": units.memberships(db, user_id=user.id),
            "errors": errors or [],
            "notice": notice_from(request),
        },
        status_code=status_code,
    )


@router.get("/users/{user_id}")
def user_detail(request: Request, user_id: int, db: DbSession, principal: AdminOnly) -> Response:
    return _user_page(request, db, _user_or_404(db, user_id))


@router.post("/users/{user_id}/roles")
def user_roles(
    request: Request,
    user_id: int,
    db: DbSession,
    principal: AdminOnly,
    form: FormMulti,
) -> Response:
    user = _user_or_404(db, user_id)
    chosen = {
        Role(v) for v in form.getlist("roles") if isinstance(v, str) and v in Role.__members__
    }
    accounts.set_roles(db, user=user, roles=chosen, actor=principal.user)
    db.commit()
    return RedirectResponse(f"/admin/users/{user_id}?notice=profile-saved", status_code=303)


@router.post("/users/{user_id}/units")
def user_units(
    request: Request,
    user_id: int,
    db: DbSession,
    principal: AdminOnly,
    form: FormMulti,
) -> Response:
    user = _user_or_404(db, user_id)
    ids = {int(v) for v in form.getlist("units") if isinstance(v, str) and v.isdigit()}
    assert user.id is not None
    units.set_memberships(db, user_id=user.id, unit_ids=ids, actor_id=principal.user.id)
    db.commit()
    return RedirectResponse(f"/admin/users/{user_id}?notice=profile-saved", status_code=303)


def _units_page(
    request: Request,
    db: Session,
    *,
    errors: list | None = None,
    values: dict | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/units.html",
        {
            "tree": units.tree(db),
            "kinds": [k for k in UnitKind if k is not UnitKind.organisation],
            "errors": errors or [],
            "values": values or {},
            "notice": notice_from(request),
        },
        status_code=status_code,
    )


@router.get("/units")
def units_page(request: Request, db: DbSession, principal: AdminOnly) -> Response:
    return _units_page(request, db)


@router.post("/units")
def unit_create(
    request: Request, db: DbSession, principal: AdminOnly, values: FormValues
) -> Response:
    try:
        kind = UnitKind(values.get("kind", ""))
    except ValueError:
        return _units_page(
            request,
            db,
            errors=[{"field": "kind", "msg": "Select the kind of unit"}],
            values=values,
            status_code=422,
        )
    parent = values.get("parent_id", "")
    try:
        units.create(
            db,
            name=values.get("name", ""),
            kind=kind,
            parent_id=int(parent) if parent.isdigit() else 0,
            actor_id=principal.user.id,
        )
        db.commit()
    except InvalidInput as exc:
        db.rollback()
        return _units_page(request, db, errors=exc.errors, values=values, status_code=422)
    return RedirectResponse("/admin/units?notice=profile-saved", status_code=303)


@router.post("/units/{unit_id}")
def unit_update(
    request: Request,
    unit_id: int,
    db: DbSession,
    principal: AdminOnly,
    values: FormValues,
) -> Response:
    try:
        units.rename(db, unit_id=unit_id, name=values.get("name", ""), actor_id=principal.user.id)
        parent = values.get("parent_id", "")
        if parent.isdigit():
            units.move(db, unit_id=unit_id, parent_id=int(parent), actor_id=principal.user.id)
        db.commit()
    except InvalidInput as exc:
        db.rollback()
        return _units_page(request, db, errors=exc.errors, values=values, status_code=422)
    return RedirectResponse("/admin/units?notice=profile-saved", status_code=303)


@router.get("/outbox")
def outbox(request: Request, db: DbSession, principal: AdminOnly) -> Response:
    # Emails hold password-reset links: readable here only outside production.
    if get_settings().is_production:
        raise NotFound()
    messages = db.scalars(select(OutboxEmail).order_by(col(OutboxEmail.id).desc()).limit(50)).all()
    return render(request, "admin/outbox.html", {"messages": messages})


@router.get("/audit")
def audit_log(request: Request, db: DbSession, principal: AdminOnly) -> Response:
    events = db.scalars(select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(200)).all()
    return render(request, "admin/audit.html", {"events": events})
