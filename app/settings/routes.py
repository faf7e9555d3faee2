"""Admin pages for the site's settings: the pre-moderation policy, screening's local terms
(with a box to try a text against them), and marking a person as trusted."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts import service as accounts
from app.deps import AdminOnly, DbSession
from app.errors import InvalidInput, NotFound
from app.i18n import N_, _
from app.models import LocalTermKind
from app.moderation.screening import Screening
from app.settings import service as site_settings
from app.settings.schemas import POLICY_NUMBERS, POLICY_SWITCHES, Policy, policy_from_form
from app.web import notices
from app.web.forms import FormValues, field_error, rejected
from app.web.params import RowId
from app.web.render import render
from app.web.responses import redirect
from app.web.routing import Router
from app.web.urls import url_for

router = Router(prefix="/admin")

notices.register(
    policy_saved=N_(
        "The moderation policy has been saved. It applies to everything sent from now on."
    ),
    term_added=N_("Added. Screening uses it for everything sent from now on."),
    term_removed=N_("Removed. Screening no longer uses it for anything sent from now on."),
    trusted_on=N_("Marked as trusted: what they write now skips the moderation queue."),
    trusted_off=N_("No longer trusted: what they write follows the moderation policy."),
)

#: How long the sample text in the "try it" box may be.
SAMPLE_MAX = 5000


def _policy_values(policy: Policy) -> dict[str, str]:
    values = {name: "yes" if getattr(policy, name) else "no" for name in POLICY_SWITCHES}
    return values | {name: str(getattr(policy, name)) for name in POLICY_NUMBERS}


def _policy_context(db: Session, values: dict[str, str]) -> dict[str, Any]:
    return {"values": values, "soft_limit": site_settings.soft_address_limit()}


@router.get("/settings", name="admin_settings")
def policy_page(request: Request, db: DbSession, principal: AdminOnly) -> Response:
    values = _policy_values(site_settings.policy(db))
    return render(request, "admin/settings.html", _policy_context(db, values))


@router.post("/settings", name="admin_settings_save")
def policy_save(
    request: Request, db: DbSession, principal: AdminOnly, values: FormValues
) -> Response:
    with rejected("admin/settings.html", lambda errors: _policy_context(db, values), db=db):
        site_settings.save_policy(db, policy_from_form(values), actor_id=principal.user_id)
        db.commit()
    return redirect(request, url_for("admin_settings") + "?notice=policy-saved")


def _terms_context(
    db: Session, values: dict[str, str], tried: Screening | None = None
) -> dict[str, Any]:
    return {
        "terms": site_settings.term_rows(db),
        "kinds": list(LocalTermKind),
        "kind_labels": {k.value: k.label for k in LocalTermKind},
        "risk_categories": site_settings.risk_categories(),
        "values": values,
        "tried_screening": tried,
    }


@router.get("/screening-terms", name="admin_terms")
def terms_page(request: Request, db: DbSession, principal: AdminOnly) -> Response:
    return render(request, "admin/screening_terms.html", _terms_context(db, {}))


@router.post("/screening-terms", name="admin_term_add")
def term_add(request: Request, db: DbSession, principal: AdminOnly, values: FormValues) -> Response:
    with rejected("admin/screening_terms.html", lambda errors: _terms_context(db, values), db=db):
        site_settings.add_term(
            db,
            kind=values.get("kind", ""),
            phrase=values.get("phrase", ""),
            level=values.get("level") or None,
            category=values.get("category") or None,
            actor_id=principal.user_id,
        )
        db.commit()
    return redirect(request, url_for("admin_terms") + "?notice=term-added")


@router.post("/screening-terms/{term_id}/remove", name="admin_term_remove")
def term_remove(request: Request, term_id: RowId, db: DbSession, principal: AdminOnly) -> Response:
    site_settings.remove_term(db, term_id=term_id, actor_id=principal.user_id)
    db.commit()
    return redirect(request, url_for("admin_terms") + "?notice=term-removed")


@router.post("/screening-terms/try", name="admin_terms_try")
def terms_try(
    request: Request, db: DbSession, principal: AdminOnly, values: FormValues
) -> Response:
    """What screening would make of a sample text. Nothing is stored or logged."""
    with rejected("admin/screening_terms.html", lambda errors: _terms_context(db, values), db=db):
        sample = values.get("sample", "").strip()
        if not sample:
            raise InvalidInput(errors=[field_error("sample", _("Type a sample text to try"))])
        if len(sample) > SAMPLE_MAX:
            raise InvalidInput(
                errors=[field_error("sample", _("The sample must be 5,000 characters or fewer"))]
            )
        tried = site_settings.try_text(db, sample)
    return render(request, "admin/screening_terms.html", _terms_context(db, values, tried))


@router.post("/users/{user_id}/trusted", name="admin_user_trusted")
def user_trusted(
    request: Request, user_id: RowId, db: DbSession, principal: AdminOnly, values: FormValues
) -> Response:
    user = accounts.get_user(db, user_id)
    if user is None:
        raise NotFound()
    trusted = values.get("trusted") == "yes"
    site_settings.set_trusted(db, user=user, trusted=trusted, actor_id=principal.user_id)
    db.commit()
    notice = "trusted-on" if trusted else "trusted-off"
    return redirect(request, url_for("admin_user", user_id=user_id) + f"?notice={notice}")
