"""The voluntary demographics form: signed in (/demographics) or through an idea's receipt
link (/demographics/receipt/{receipt}). Each page says why we ask and who sees the answers;
every question may be skipped, and the answers can be changed or deleted."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.demographics import service as demographics
from app.demographics.schemas import DemographicsForm
from app.deps import DbSession, Public, SignedIn
from app.i18n import N_
from app.ideas import service as ideas
from app.models import (
    ETHNICITY_GROUP,
    AgeBand,
    Contributor,
    Disability,
    EthnicGroup,
    Ethnicity,
    GenderSameAsSex,
    Sex,
)
from app.web import notices
from app.web.forms import FormValues, rejected, validate
from app.web.render import render
from app.web.responses import redirect
from app.web.routing import Router
from app.web.urls import url_for

router = Router()

TEMPLATE = "demographics/form.html"

notices.register(
    demographics_saved=N_("Thank you. Your answers are saved. You can change or delete them here."),
    demographics_deleted=N_("Your answers are deleted."),
)


def ethnicity_groups() -> list[tuple[EthnicGroup, list[Ethnicity]]]:
    """The ONS 2021 categories under their five groups, in the census's order."""
    groups: dict[EthnicGroup, list[Ethnicity]] = {}
    for e in Ethnicity:
        group = ETHNICITY_GROUP[e]
        if group is not EthnicGroup.not_stated:
            groups.setdefault(group, []).append(e)
    order = [
        EthnicGroup.asian,
        EthnicGroup.black,
        EthnicGroup.mixed,
        EthnicGroup.white,
        EthnicGroup.other,
    ]
    return [(g, groups[g]) for g in order]


def _context(
    *,
    action: str,
    delete_action: str,
    contributor: Contributor | None,
    db: Session,
    values: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    via_receipt: bool = False,
) -> dict[str, Any]:
    row = demographics.answers(db, contributor)
    saved = (
        {
            "ethnicity": row.ethnicity or "",
            "age_band": row.age_band or "",
            "sex": row.sex or "",
            "gender_same_as_sex": row.gender_same_as_sex or "",
            "disability": row.disability or "",
        }
        if row is not None
        else {}
    )
    return {
        "action": action,
        "delete_action": delete_action,
        "values": values if values is not None else saved,
        "has_answers": row is not None,
        "errors": errors or [],
        "via_receipt": via_receipt,
        "ethnicity_groups": ethnicity_groups(),
        "prefer_not": Ethnicity.prefer_not,
        "enums": {
            "AgeBand": AgeBand,
            "Sex": Sex,
            "GenderSameAsSex": GenderSameAsSex,
            "Disability": Disability,
        },
    }


# --- signed in -------------------------------------------------------------------------------


@router.get("/demographics", name="demographics")
def form(request: Request, db: DbSession, principal: SignedIn) -> Response:
    contributor = demographics.contributor_of_user(db, user_id=principal.user_id)
    return render(
        request,
        TEMPLATE,
        _context(
            action=url_for("demographics_save"),
            delete_action=url_for("demographics_delete"),
            contributor=contributor,
            db=db,
        ),
    )


@router.post("/demographics", name="demographics_save")
def save(request: Request, db: DbSession, principal: SignedIn, values: FormValues) -> Response:
    def again(errors: list[dict[str, Any]]) -> dict[str, Any]:
        return _context(
            action=url_for("demographics_save"),
            delete_action=url_for("demographics_delete"),
            contributor=demographics.contributor_of_user(db, user_id=principal.user_id),
            db=db,
            values=values,
            errors=errors,
        )

    with rejected(TEMPLATE, again, db=db):
        data = validate(DemographicsForm, values)
        contributor = demographics.contributor_of_user(db, user_id=principal.user_id, create=True)
        assert contributor is not None
        demographics.save(db, contributor=contributor, form=data)
    db.commit()
    return redirect(request, url_for("demographics") + "?notice=demographics-saved")


@router.post("/demographics/delete", name="demographics_delete")
def delete(request: Request, db: DbSession, principal: SignedIn) -> Response:
    contributor = demographics.contributor_of_user(db, user_id=principal.user_id)
    if contributor is not None:
        demographics.delete(db, contributor=contributor)
    db.commit()
    return redirect(request, url_for("demographics") + "?notice=demographics-deleted")


# --- through a receipt link ------------------------------------------------------------------


@router.get("/demographics/receipt/{receipt}", name="demographics_receipt")
def receipt_form(request: Request, receipt: str, db: DbSession, principal: Public) -> Response:
    idea = ideas.by_receipt(db, receipt=receipt)
    contributor = demographics.contributor_of_idea(db, idea=idea)
    return render(
        request,
        TEMPLATE,
        _context(
            action=url_for("demographics_receipt_save", receipt=receipt),
            delete_action=url_for("demographics_receipt_delete", receipt=receipt),
            contributor=contributor,
            db=db,
            via_receipt=True,
        ),
    )


@router.post("/demographics/receipt/{receipt}", name="demographics_receipt_save")
def receipt_save(
    request: Request, receipt: str, db: DbSession, principal: Public, values: FormValues
) -> Response:
    idea = ideas.by_receipt(db, receipt=receipt)

    def again(errors: list[dict[str, Any]]) -> dict[str, Any]:
        return _context(
            action=url_for("demographics_receipt_save", receipt=receipt),
            delete_action=url_for("demographics_receipt_delete", receipt=receipt),
            contributor=demographics.contributor_of_idea(
                db, idea=ideas.by_receipt(db, receipt=receipt)
            ),
            db=db,
            values=values,
            errors=errors,
            via_receipt=True,
        )

    with rejected(TEMPLATE, again, db=db):
        data = validate(DemographicsForm, values)
        contributor = demographics.contributor_of_idea(db, idea=idea, create=True)
        assert contributor is not None
        demographics.save(db, contributor=contributor, form=data)
    db.commit()
    return redirect(
        request, url_for("demographics_receipt", receipt=receipt) + "?notice=demographics-saved"
    )


@router.post("/demographics/receipt/{receipt}/delete", name="demographics_receipt_delete")
def receipt_delete(request: Request, receipt: str, db: DbSession, principal: Public) -> Response:
    idea = ideas.by_receipt(db, receipt=receipt)
    contributor = demographics.contributor_of_idea(db, idea=idea)
    if contributor is not None:
        demographics.delete(db, contributor=contributor)
    db.commit()
    return redirect(
        request, url_for("demographics_receipt", receipt=receipt) + "?notice=demographics-deleted"
    )
