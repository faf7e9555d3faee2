"""Authors stay in control: the person who suggested an idea changes its words while it is
``submitted`` and withdraws it, signed in or through the private receipt link (which proves
it is theirs without an account). The rules are in ``ideas.service`` and ``ideas.access``."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts.principal import Principal
from app.deps import DbSession, Public, SignedIn
from app.i18n import N_
from app.ideas import access
from app.ideas import service as ideas
from app.ideas.schemas import BENEFIT_MAX, DESCRIPTION_MAX, TITLE_MAX, IdeaText
from app.models import Idea
from app.web import notices
from app.web.forms import FormValues, rejected, validate
from app.web.params import RowId
from app.web.render import render
from app.web.responses import redirect
from app.web.routing import Router
from app.web.urls import url_for

router = Router()

notices.register(
    idea_changed=N_("Your changes are saved."),
    idea_withdrawn=N_("Your idea has been withdrawn. Nobody else can see it now."),
)

LIMITS = {"title": TITLE_MAX, "description": DESCRIPTION_MAX, "benefit": BENEFIT_MAX}


class Own:
    """An idea as its author reaches it: by account (``receipt`` None) or by receipt link."""

    def __init__(self, idea: Idea, receipt: str | None) -> None:
        self.idea = idea
        self.receipt = receipt

    def author(self, principal: Principal | None) -> Principal | None:
        """Who is acting as its author: the signed-in person if it is theirs; otherwise
        whoever holds the receipt, who is anonymous (being signed in as someone else does not
        make them its author)."""
        if principal is not None and self.idea.author_id == principal.user.id:
            return principal
        return None

    @property
    def has_receipt(self) -> bool:
        return self.receipt is not None

    def url(self, name: str) -> str:
        """The page ``name`` (``edit``, ``withdraw`` or ``back``) on the same route in."""
        if self.receipt is not None:
            names = {"edit": "receipt_edit", "withdraw": "receipt_withdraw", "back": "receipt"}
            return url_for(names[name], receipt=self.receipt)
        assert self.idea.id is not None
        names = {"edit": "idea_edit", "withdraw": "idea_withdraw", "back": "idea_page"}
        return url_for(names[name], idea_id=self.idea.id)


def _by_account(db: Session, idea_id: int, principal: Principal) -> Own:
    return Own(ideas.own_idea(db, idea_id=idea_id, author=principal), None)


def _by_receipt(db: Session, receipt: str) -> Own:
    return Own(ideas.by_receipt(db, receipt=receipt), receipt)


def _text_values(idea: Idea) -> dict[str, str]:
    return {"title": idea.title, "description": idea.description, "benefit": idea.benefit or ""}


def _edit_context(own: Own, values: dict[str, Any], errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "idea": own.idea,
        "values": values,
        "errors": errors,
        "limits": LIMITS,
        "action": own.url("edit"),
        "back": own.url("back"),
    }


def _edit_form(request: Request, own: Own, principal: Principal | None) -> Response:
    if not access.can_edit_idea(own.author(principal), own.idea, has_receipt=own.has_receipt):
        raise ideas.not_editable()
    return render(request, "ideas/edit.html", _edit_context(own, _text_values(own.idea), []))


def _edit(
    request: Request, db: Session, own: Own, principal: Principal | None, values: dict[str, str]
) -> Response:
    with rejected("ideas/edit.html", lambda errors: _edit_context(own, values, errors), db=db):
        data = validate(IdeaText, values)
        # Identifying details: the author sees the text as it would be public first.
        preview = None if values.get("confirm") == "redacted" else ideas.redacted_preview(db, data)
        if preview is not None:
            return render(
                request, "ideas/edit.html", _edit_context(own, values, []) | {"preview": preview}
            )
        author = own.author(principal)
        ideas.edit_text(db, idea=own.idea, data=data, author=author, has_receipt=own.has_receipt)
        db.commit()
    return redirect(request, own.url("back") + "?notice=idea-changed")


def _withdraw_form(request: Request, own: Own, principal: Principal | None) -> Response:
    if not access.can_withdraw_idea(own.author(principal), own.idea, has_receipt=own.has_receipt):
        raise ideas.not_withdrawable()
    context = {"idea": own.idea, "action": own.url("withdraw"), "back": own.url("back")}
    return render(request, "ideas/withdraw.html", context)


def _withdraw(request: Request, db: Session, own: Own, principal: Principal | None) -> Response:
    ideas.withdraw(db, idea=own.idea, author=own.author(principal), has_receipt=own.has_receipt)
    db.commit()
    return redirect(request, own.url("back") + "?notice=idea-withdrawn")


@router.get("/ideas/{idea_id}/edit", name="idea_edit_form")
def idea_edit_form(
    request: Request, idea_id: RowId, db: DbSession, principal: SignedIn
) -> Response:
    return _edit_form(request, _by_account(db, idea_id, principal), principal)


@router.post("/ideas/{idea_id}/edit", name="idea_edit")
def idea_edit(
    request: Request, idea_id: RowId, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    return _edit(request, db, _by_account(db, idea_id, principal), principal, values)


@router.get("/ideas/receipt/{receipt}/edit", name="receipt_edit_form")
def receipt_edit_form(request: Request, receipt: str, db: DbSession, principal: Public) -> Response:
    return _edit_form(request, _by_receipt(db, receipt), principal)


@router.post("/ideas/receipt/{receipt}/edit", name="receipt_edit")
def receipt_edit(
    request: Request, receipt: str, db: DbSession, principal: Public, values: FormValues
) -> Response:
    return _edit(request, db, _by_receipt(db, receipt), principal, values)


@router.get("/ideas/{idea_id}/withdraw", name="idea_withdraw_form")
def idea_withdraw_form(
    request: Request, idea_id: RowId, db: DbSession, principal: SignedIn
) -> Response:
    return _withdraw_form(request, _by_account(db, idea_id, principal), principal)


@router.post("/ideas/{idea_id}/withdraw", name="idea_withdraw")
def idea_withdraw(request: Request, idea_id: RowId, db: DbSession, principal: SignedIn) -> Response:
    return _withdraw(request, db, _by_account(db, idea_id, principal), principal)


@router.get("/ideas/receipt/{receipt}/withdraw", name="receipt_withdraw_form")
def receipt_withdraw_form(
    request: Request, receipt: str, db: DbSession, principal: Public
) -> Response:
    return _withdraw_form(request, _by_receipt(db, receipt), principal)


@router.post("/ideas/receipt/{receipt}/withdraw", name="receipt_withdraw")
def receipt_withdraw(request: Request, receipt: str, db: DbSession, principal: Public) -> Response:
    return _withdraw(request, db, _by_receipt(db, receipt), principal)
