"""Updates by email for people without an account (from their receipt), stopping them, and
marking in-app notifications read."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts.schemas import EmailForm
from app.deps import DbSession, Public, SignedIn, client_ip
from app.errors import NotFound
from app.i18n import N_, _
from app.ideas import routes as idea_pages
from app.ideas import service as ideas
from app.notifications import service as notifications
from app.web import notices
from app.web.forms import FormValues, rejected, validate
from app.web.render import render
from app.web.responses import redirect
from app.web.urls import url_for

router = APIRouter()

notices.register(email_saved=N_("We will email you when there is news about this idea."))


@router.post("/ideas/receipt/{receipt}/email", name="receipt_email")
def receipt_email(
    request: Request, receipt: str, db: DbSession, principal: Public, values: FormValues
) -> Response:
    with rejected(
        "ideas/receipt.html",
        lambda errors: idea_pages.receipt_context(db, request, receipt) | {"values": values},
        db=db,
        rate_field="email",
    ):
        email = validate(EmailForm, values).email
        notifications.subscribe(
            db,
            idea=ideas.by_receipt(db, receipt=receipt),
            email=email,
            ip_address=client_ip(request),
        )
        db.commit()
    return redirect(request, url_for("receipt", receipt=receipt) + "?notice=email-saved")


@router.get("/unsubscribe/{token}", name="unsubscribe_page")
def unsubscribe_page(request: Request, token: str, principal: Public) -> Response:
    # Email programs open links to preview them: stopping emails takes a button press.
    return render(request, "notifications/unsubscribe.html", {"token": token, "done": False})


@router.post("/unsubscribe/{token}", name="unsubscribe")
def unsubscribe(request: Request, token: str, db: DbSession, principal: Public) -> Response:
    if not notifications.unsubscribe(db, token=token):
        raise NotFound(_("This unsubscribe link is not valid. Check you copied all of it."))
    db.commit()
    return render(request, "notifications/unsubscribe.html", {"token": token, "done": True})


@router.post("/me/notifications/read", name="notifications_read")
def notifications_read(request: Request, db: DbSession, principal: SignedIn) -> Response:
    notifications.mark_all_read(db, user_id=principal.user_id)
    db.commit()
    return redirect(request, url_for("my_activity") + "#notifications")
