"""Updates by email for people without an account (from their receipt): asking, confirming
(double opt-in) and stopping them; marking in-app notifications read; and a person's choice of
emails on their account page."""

from fastapi import Request
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
from app.web.routing import Router
from app.web.urls import url_for

router = Router()

notices.register(
    email_saved=N_(
        "We have sent you an email. Open the link in it to start getting updates about this idea."
    ),
    email_settings_saved=N_("Your email settings have been saved"),
)

CONFIRM_LINK_GONE = N_(
    "This link to start email updates has expired or is not complete. Check you copied all of "
    "it, or ask for updates again from your receipt page."
)


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


@router.get("/updates/confirm/{token}", name="subscription_confirm_form")
def subscription_confirm_form(
    request: Request, token: str, db: DbSession, principal: Public
) -> Response:
    # Email programs open links to preview them: starting the emails takes a button press.
    if notifications.subscription_for_confirmation(db, token=token) is None:
        raise NotFound(_(CONFIRM_LINK_GONE))
    return render(request, "notifications/confirm.html", {"token": token, "done": False})


@router.post("/updates/confirm/{token}", name="subscription_confirm")
def subscription_confirm(
    request: Request, token: str, db: DbSession, principal: Public
) -> Response:
    if notifications.confirm_subscription(db, token=token) is None:
        raise NotFound(_(CONFIRM_LINK_GONE))
    db.commit()
    return render(request, "notifications/confirm.html", {"token": token, "done": True})


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


@router.post("/account/email-settings", name="account_email_settings")
def account_email_settings(
    request: Request, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    notifications.set_preferences(
        db,
        principal=principal,
        email_updates=values.get("email_updates") == "yes",
        digest_daily=values.get("digest_daily") == "yes",
    )
    db.commit()
    return redirect(request, url_for("account") + "?notice=email-settings-saved#email-updates")
