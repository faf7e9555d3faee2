"""Account pages: register, sign in and out, password reset, and the account page."""

import json
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.accounts import mfa, schemas, verification
from app.accounts import repository as repo
from app.accounts import scopes as token_scopes
from app.accounts import service as accounts
from app.accounts.principal import Principal
from app.accounts.scopes import DAY_CHOICES
from app.config import get_settings
from app.deps import DbSession, Public, SignedIn, client_ip
from app.errors import InvalidInput, NotFound, RateLimited
from app.i18n import N_, _, ngettext
from app.models import Role, TokenScope, User, utcnow
from app.units import service as units
from app.web import errors as web_errors
from app.web import notices
from app.web.forms import FormMulti, FormValues, rejected, validate
from app.web.params import RowId, as_id
from app.web.render import choices, render
from app.web.responses import redirect, safe_next
from app.web.routing import Router
from app.web.templated import show_template
from app.web.urls import url_for

router = Router()


notices.register(
    signed_out=N_("You have signed out"),
    password_changed=N_("Your password has been changed. Other devices have been signed out."),
    password_reset=N_("Your password has been reset. Sign in with your new password."),
    profile_saved=N_("Your changes have been saved"),
    sessions_ended=N_("You have been signed out everywhere else"),
    token_revoked=N_("The API token has been revoked"),
    deleted=N_("Your account has been deleted. What you contributed stays, without your name."),
    email_confirmed=N_("Your email address is confirmed. Thank you."),
    verification_asked=N_("Thank you. An admin will check that you work here."),
    confirm_sent=N_("We have sent you a new link. Open it to confirm your email address."),
)


def _set_session_cookie(response: Response, token: str, *, max_age: int) -> None:
    settings = get_settings()
    response.set_cookie(
        settings.session_cookie_name,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.is_production,
    )


def _signed_out(url: str) -> Response:
    """A redirect to ``url`` that also clears the session cookie."""
    settings = get_settings()
    response = RedirectResponse(url, status_code=303)
    response.delete_cookie(
        settings.session_cookie_name,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.is_production,
    )
    return response


def _signed_in(response: Response, token: str, roles: frozenset[Any]) -> Response:
    max_age = int(accounts.session_lifetimes(roles)[1].total_seconds())
    _set_session_cookie(response, token, max_age=max_age)
    return response


def sign_in_context(
    next_path: str = "/account",
    resume: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "next": safe_next(next_path, "/account"),
        "resume_json": json.dumps(resume) if resume else "",
        "resumed": bool(resume),
        "values": values or {},
    }


def sign_in_page(request: Request, next_path: str, resume: dict[str, str]) -> Response:
    """The sign-in page a ``SignInRequired`` shows (401), keeping a form's typed fields."""
    return render(
        request, "accounts/sign_in.html", sign_in_context(next_path, resume), status_code=401
    )


web_errors.register_sign_in_page(sign_in_page)


# --- register -------------------------------------------------------------------------------


def _register_context(values: dict[str, str], errors: list[dict[str, Any]]) -> dict[str, Any]:
    password = values.pop("password", "")
    if password and not any(e["field"] == "password" for e in errors):
        # Say everything that needs fixing at once, not one field per attempt.
        errors += [
            {"field": "password", "msg": m}
            for m in accounts.password_problems(
                password,
                email=values.get("email", ""),
                display_name=values.get("display_name", ""),
            )
        ]
    return {"values": values}


@router.get("/register", name="register_form")
def register_form(request: Request, principal: Public) -> Response:
    if principal:
        return RedirectResponse(url_for("account"), status_code=303)
    return render(request, "accounts/register.html")


@router.post("/register", name="register")
def register(request: Request, db: DbSession, principal: Public, values: FormValues) -> Response:
    with rejected(
        "accounts/register.html",
        lambda errors: _register_context(values, errors),
        db=db,
        rate_field="email",
    ):
        form = validate(schemas.RegisterForm, values)
        accounts.register(
            db,
            email=form.email,
            display_name=form.display_name,
            password=form.password,
            identity=form.identity,
            ip_address=client_ip(request),
        )
        db.commit()
    # The same page whether or not the address had an account already, and nobody is signed
    # in: the email (a confirmation link, or a note to the existing owner) says what is next.
    return render(request, "accounts/register_sent.html", {"email": form.email})


@router.get("/confirm-email/{token}", name="confirm_email_form")
def confirm_email_form(request: Request, token: str, db: DbSession, principal: Public) -> Response:
    # Email programs open links to preview them: confirming takes a button press.
    user = accounts.user_for_confirmation(db, token=token)
    if user is None:
        raise NotFound(_(accounts.CONFIRM_LINK_GONE))
    return render(request, "accounts/confirm_email.html", {"token": token, "email": user.email})


@router.post("/confirm-email/{token}", name="confirm_email")
def confirm_email(request: Request, token: str, db: DbSession, principal: Public) -> Response:
    user = accounts.confirm_email(db, token=token, ip_address=client_ip(request))
    db.commit()
    if principal is not None and principal.user_id == user.id:
        return RedirectResponse(url_for("account") + "?notice=email-confirmed", status_code=303)
    return RedirectResponse(url_for("login_form") + "?notice=email-confirmed", status_code=303)


# --- sign in / out --------------------------------------------------------------------------


@router.get("/login", name="login_form")
def login_form(request: Request, principal: Public) -> Response:
    next_path = safe_next(request.query_params.get("next"), "/account")
    if principal:
        return RedirectResponse(next_path, status_code=303)
    return render(request, "accounts/sign_in.html", sign_in_context(next_path))


def _resume_fields(raw: str) -> dict[str, str]:
    try:
        loaded = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


@router.post("/login", name="login")
def login(request: Request, db: DbSession, principal: Public, values: FormValues) -> Response:
    next_path = safe_next(values.get("next"), "/account")
    resume = _resume_fields(values.get("resume", ""))
    context = sign_in_context(next_path, resume, {"email": values.get("email", "")})
    try:
        form = validate(schemas.SignInForm, values)
        user = accounts.authenticate(
            db, email=form.email, password=form.password, ip_address=client_ip(request)
        )
        assert user.id is not None
        # With two-step sign-in, the right password alone starts no session.
        pending = mfa.begin_sign_in(user) if mfa.is_enabled(db, user_id=user.id) else None
        if pending is None:
            token, roles = _start_session(request, db, user)
        db.commit()
    except (RateLimited, InvalidInput) as exc:
        # Unlike other forms, the failure is kept: the failed-attempt count and audit row.
        db.commit()
        errors = [{"field": "email", "msg": exc.detail}] if isinstance(exc, RateLimited) else []
        status = 429 if isinstance(exc, RateLimited) else 422
        return render(
            request,
            "accounts/sign_in.html",
            {**context, "errors": errors or exc.errors},
            status_code=status,
            headers=exc.headers,
        )
    if pending is not None:
        return _second_step(request, pending, next_path, resume)
    return _after_sign_in(request, token, roles, next_path, resume)


def _start_session(request: Request, db: Session, user: User) -> tuple[str, frozenset[Role]]:
    # A new session id on every sign-in; any session the browser already had is ended.
    old = request.cookies.get(get_settings().session_cookie_name)
    if old:
        accounts.end_session(db, token=old)
    token = accounts.start_session(
        db,
        user=user,
        ip_address=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    assert user.id is not None
    return token, repo.roles_of(db, user.id)


def _after_sign_in(
    request: Request,
    token: str,
    roles: frozenset[Role],
    next_path: str,
    resume: dict[str, str],
) -> Response:
    if resume:
        # The person was signed out while filling in a form: offer to send it now.
        response: Response = render(
            request, "accounts/resume.html", {"action": next_path, "fields": resume}
        )
    else:
        response = RedirectResponse(next_path, status_code=303)
    return _signed_in(response, token, roles)


@router.post("/logout", name="logout")
def logout(request: Request, db: DbSession, principal: Public) -> Response:
    token = request.cookies.get(get_settings().session_cookie_name)
    if token:
        accounts.end_session(db, token=token)
        db.commit()
    return _signed_out(url_for("login_form") + "?notice=signed-out")


# Signing out changes state, so it is a POST; this page offers the button.
show_template(router, "/logout", "accounts/sign_out.html", name="logout_page", access=Public)


# --- password reset -------------------------------------------------------------------------


show_template(
    router,
    "/password-reset",
    "accounts/reset_request.html",
    name="reset_request_form",
    access=Public,
)


@router.post("/password-reset", name="reset_request")
def reset_request(
    request: Request, db: DbSession, principal: Public, values: FormValues
) -> Response:
    with rejected(
        "accounts/reset_request.html", lambda errors: {"values": values}, db=db, rate_field="email"
    ):
        form = validate(schemas.ResetRequestForm, values)
        accounts.request_password_reset(db, email=form.email, ip_address=client_ip(request))
    db.commit()
    return render(request, "accounts/reset_sent.html", {"email": form.email})


@router.get("/password-reset/{token}", name="reset_form")
def reset_form(request: Request, token: str, db: DbSession, principal: Public) -> Response:
    if accounts.valid_reset_token(db, token=token) is None:
        raise NotFound(
            _(
                "This link to reset your password has expired or has already been "
                "used. You can ask for a new one."
            )
        )
    return render(request, "accounts/reset.html", {"token": token})


@router.post("/password-reset/{token}", name="reset")
def reset(
    request: Request, token: str, db: DbSession, principal: Public, values: FormValues
) -> Response:
    with rejected("accounts/reset.html", lambda errors: {"token": token}, db=db):
        form = validate(schemas.ResetForm, values)
        accounts.reset_password(
            db, token=token, new=form.new_password, ip_address=client_ip(request)
        )
        db.commit()
    return _signed_out(url_for("login_form") + "?notice=password-reset")


# --- account page ---------------------------------------------------------------------------


def _profile_values(principal: Principal) -> dict[str, str]:
    user = principal.user
    return {"display_name": user.display_name, "identity": user.identity}


def account_context(
    db: Session,
    principal: Principal,
    *,
    values: dict[str, str] | None = None,
    new_token: str | None = None,
) -> dict[str, Any]:
    user = principal.user
    return {
        "verification": {
            "may_ask": verification.may_ask(principal),
            "latest": verification.latest(db, user_id=principal.user_id),
            "tree": units.tree(db) if verification.may_ask(principal) else [],
        },
        "user": user,
        "roles": sorted(principal.roles),
        "sessions": accounts.active_sessions(db, user=user),
        "two_step": mfa.status(db, user_id=principal.user_id, roles=principal.roles),
        "this_session_id": principal.session.id if principal.session else None,
        "tokens": list(repo.api_tokens(db, principal.user_id)),
        "token_scope_items": choices(
            [
                (scope.value, _(token_scopes.LABELS[scope]))
                for scope in token_scopes.allowed(principal.roles)
                if scope != TokenScope.read
            ],
            selected=[TokenScope.write.value],
        ),
        "token_day_items": choices(
            [(d, ngettext("%(num)d day", "%(num)d days", d) % {"num": d}) for d in DAY_CHOICES],
            selected=token_scopes.DEFAULT_DAYS,
        ),
        "now": utcnow(),
        "values": values or _profile_values(principal),
        "new_token": new_token,
    }


def _on_account_page(
    db: Session,
    principal: Principal,
    values: dict[str, str] | None = None,
    *,
    rate_field: str | None = None,
) -> AbstractContextManager[None]:
    """A form on the account page, shown again there when it is rejected."""
    return rejected(
        "accounts/account.html",
        lambda errors: account_context(db, principal, values=values),
        db=db,
        rate_field=rate_field,
    )


@router.get("/account", name="account")
def account(request: Request, db: DbSession, principal: SignedIn) -> Response:
    return render(request, "accounts/account.html", account_context(db, principal))


@router.post("/account/confirm-email", name="account_confirm_resend")
def account_confirm_resend(request: Request, db: DbSession, principal: SignedIn) -> Response:
    with _on_account_page(db, principal, rate_field="confirm-email"):
        accounts.resend_confirmation(db, user=principal.user)
        db.commit()
    return RedirectResponse(url_for("account") + "?notice=confirm-sent", status_code=303)


@router.post("/account/staff-verification", name="account_staff_verification")
def account_staff_verification(
    request: Request, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    with _on_account_page(db, principal, values=_profile_values(principal) | values):
        verification.ask(
            db,
            principal=principal,
            job_title=values.get("job_title", ""),
            # A place that is not a real id is refused like an unknown one (0 names none).
            unit_id=(as_id(values["unit_id"]) or 0) if values.get("unit_id") else None,
        )
        db.commit()
    return RedirectResponse(
        url_for("account") + "?notice=verification-asked#staff", status_code=303
    )


@router.post("/account/profile", name="account_profile")
def account_profile(
    request: Request, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    with _on_account_page(db, principal, values=values):
        form = validate(schemas.ProfileForm, values)
        accounts.update_profile(
            db, user=principal.user, display_name=form.display_name, identity=form.identity
        )
        db.commit()
    return RedirectResponse(url_for("account") + "?notice=profile-saved", status_code=303)


@router.post("/account/password", name="account_password")
def account_password(
    request: Request, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    with _on_account_page(db, principal):
        form = validate(schemas.ChangePasswordForm, values)
        accounts.change_password(
            db,
            user=principal.user,
            current=form.current_password,
            new=form.new_password,
            keep_session_id=principal.session.id if principal.session else None,
        )
        db.commit()
    return RedirectResponse(url_for("account") + "?notice=password-changed", status_code=303)


@router.post("/account/sessions/end-all", name="account_end_sessions")
def account_end_sessions(request: Request, db: DbSession, principal: SignedIn) -> Response:
    accounts.end_all_sessions(db, user=principal.user, reason="user signed out everywhere")
    db.commit()
    return _signed_out(url_for("login_form") + "?notice=signed-out")


def _confirm_context(db: Session, principal: Principal, next_path: str) -> dict[str, Any]:
    return {
        "next": safe_next(next_path, "/account"),
        # With two-step sign-in, the code from the app too: a phished password is not enough.
        "asks_code": mfa.is_enabled(db, user_id=principal.user_id),
    }


@router.get("/account/confirm-it-is-you", name="reauthenticate_form")
def reauthenticate_form(request: Request, db: DbSession, principal: SignedIn) -> Response:
    return render(
        request,
        "accounts/reauthenticate.html",
        _confirm_context(db, principal, request.query_params.get("next", "")),
    )


@router.post("/account/confirm-it-is-you", name="reauthenticate")
def reauthenticate(
    request: Request, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    context = _confirm_context(db, principal, values.get("next", ""))
    code = values.get("code", "")
    try:
        form = validate(schemas.ConfirmPasswordForm, values)
        accounts.reauthenticate(
            db,
            principal=principal,
            password=form.password,
            ip_address=client_ip(request),
            second_step=(
                (lambda: mfa.use_app_code(db, user_id=principal.user_id, code=code))
                if context["asks_code"]
                else None
            ),
        )
        db.commit()
    except (RateLimited, InvalidInput) as exc:
        # Like signing in, a wrong password is kept: the count and the audit row.
        db.commit()
        errors = (
            [{"field": "password", "msg": exc.detail}]
            if isinstance(exc, RateLimited)
            else exc.errors
        )
        return render(
            request,
            "accounts/reauthenticate.html",
            {**context, "errors": errors},
            status_code=429 if isinstance(exc, RateLimited) else 422,
            headers=exc.headers,
        )
    return RedirectResponse(context["next"], status_code=303)


@router.get("/account/export", name="account_export")
def account_export(request: Request, db: DbSession, principal: SignedIn) -> Response:
    if not accounts.recently_reauthenticated(principal):
        target = url_for("reauthenticate_form") + "?next=" + url_for("account_export")
        return RedirectResponse(target, status_code=303)
    data = accounts.export_data(db, user=principal.user, ip_address=client_ip(request))
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False, default=str),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="fullcircle-my-data.json"'},
    )


show_template(
    router, "/account/delete", "accounts/delete.html", name="account_delete_form", access=SignedIn
)


@router.post("/account/delete", name="account_delete")
def account_delete(
    request: Request, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    with rejected("accounts/delete.html", lambda errors: {}, db=db):
        form = validate(schemas.ConfirmPasswordForm, values)
        accounts.delete_account(
            db, user=principal.user, password=form.password, ip_address=client_ip(request)
        )
        db.commit()
    return _signed_out(url_for("home") + "?notice=deleted")


@router.post("/account/tokens", name="account_token_create")
def account_token_create(
    request: Request, db: DbSession, principal: SignedIn, form: FormMulti
) -> Response:
    values = {
        "name": str(form.get("name", "")).replace("\x00", ""),
        "days": str(form.get("days", "")) or str(token_scopes.DEFAULT_DAYS),
        "scopes": [str(v) for v in form.getlist("scopes")],
    }
    with _on_account_page(db, principal):
        chosen = validate(schemas.TokenForm, values)
        token, secret = accounts.create_api_token(
            db, user=principal.user, name=chosen.name, scopes=chosen.scopes, days=chosen.days
        )
        db.commit()
    # Shown once, on this response only (which is never cached).
    return render(
        request,
        "accounts/account.html",
        account_context(db, principal, new_token=secret) | {"new_token_row": token},
    )


@router.post("/account/tokens/{token_id}/revoke", name="account_token_revoke")
def account_token_revoke(
    request: Request, token_id: RowId, db: DbSession, principal: SignedIn
) -> Response:
    accounts.revoke_api_token(db, user=principal.user, token_id=token_id)
    db.commit()
    return RedirectResponse(url_for("account") + "?notice=token-revoked#tokens", status_code=303)


# --- two-step sign-in -------------------------------------------------------------------------

notices.register(
    two_step_on=N_("Two-step sign-in is on. You will need your authenticator app to sign in."),
    two_step_off=N_("Two-step sign-in is off. You will sign in with your password alone."),
    recovery_code_used=N_("You signed in with a recovery code. It will not work again."),
)


def _pending_cookie_name() -> str:
    # The __Host- prefix makes browsers insist on Secure, Path=/ and no Domain.
    return "__Host-fullcircle_two_step" if get_settings().is_production else "fullcircle_two_step"


def _pending(request: Request, db: Session) -> mfa.Pending | None:
    value = request.cookies.get(_pending_cookie_name())
    return mfa.pending_sign_in(db, value) if value else None


def _forget_pending(response: Response) -> Response:
    response.delete_cookie(
        _pending_cookie_name(),
        path="/",
        httponly=True,
        samesite="lax",
        secure=get_settings().is_production,
    )
    return response


def _code_context(
    next_path: str, resume: dict[str, str], *, recovery: bool = False
) -> dict[str, Any]:
    return {
        "next": next_path,
        "resume_json": json.dumps(resume) if resume else "",
        "recovery": recovery,
    }


def _second_step(
    request: Request, pending: str, next_path: str, resume: dict[str, str]
) -> Response:
    """The password was right: ask for the code (the page itself when a form is waiting to
    be sent, so what was typed stays out of the address bar)."""
    if resume:
        response: Response = render(
            request, "accounts/mfa_code.html", _code_context(next_path, resume)
        )
    else:
        target = url_for("mfa_challenge_form") + "?next=" + quote(next_path, safe="/")
        response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        _pending_cookie_name(),
        pending,
        max_age=int(mfa.PENDING_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=get_settings().is_production,
    )
    return response


def _start_again(request: Request, next_path: str, resume: dict[str, str]) -> Response:
    """The sign-in page again, when the sign-in waiting for a code has expired or gone."""
    message = _("You took too long to type the code, or signed in somewhere else. Sign in again.")
    response = render(
        request,
        "accounts/sign_in.html",
        sign_in_context(next_path, resume) | {"errors": [{"field": "email", "msg": message}]},
        status_code=401,
    )
    return _forget_pending(response)


@router.get("/login/code", name="mfa_challenge_form")
def mfa_challenge_form(request: Request, db: DbSession, principal: Public) -> Response:
    next_path = safe_next(request.query_params.get("next"), "/account")
    if principal:
        return RedirectResponse(next_path, status_code=303)
    if _pending(request, db) is None:
        return _start_again(request, next_path, {})
    return render(request, "accounts/mfa_code.html", _code_context(next_path, {}))


@router.post("/login/code", name="mfa_challenge")
def mfa_challenge(
    request: Request, db: DbSession, principal: Public, values: FormValues
) -> Response:
    next_path = safe_next(values.get("next"), "/account")
    resume = _resume_fields(values.get("resume", ""))
    pending = _pending(request, db)
    if pending is None:
        return _start_again(request, next_path, resume)
    switch = values.get("switch")
    if switch in ("app", "recovery"):
        # "Use a recovery code instead" (and back): a button, so the form's fields go too.
        context = _code_context(next_path, resume, recovery=switch == "recovery")
        return render(request, "accounts/mfa_code.html", context)
    recovery = values.get("method") == "recovery"
    context = _code_context(next_path, resume, recovery=recovery)
    code = values.get("code", "")
    try:
        problem = mfa.code_problem(code, recovery=recovery)
        if problem:
            raise InvalidInput(errors=[{"field": "code", "msg": problem}])
        left = mfa.finish_sign_in(
            db, pending=pending, code=code, recovery=recovery, ip_address=client_ip(request)
        )
        token, roles = _start_session(request, db, pending.user)
        db.commit()
    except (RateLimited, InvalidInput) as exc:
        # Like a wrong password, a wrong code is kept: the count and the audit row.
        db.commit()
        limited = isinstance(exc, RateLimited)
        return render(
            request,
            "accounts/mfa_code.html",
            {
                **context,
                "errors": [{"field": "code", "msg": exc.detail}] if limited else exc.errors,
            },
            status_code=429 if limited else 422,
            headers=exc.headers,
        )
    if left is not None and not resume:
        next_path = url_for("account") + "?notice=recovery-code-used#two-step"
    return _forget_pending(_after_sign_in(request, token, roles, next_path, resume))


def _setup_context(db: Session, principal: Principal, next_path: str) -> dict[str, Any]:
    credential = mfa.pending_setup(db, user_id=principal.user_id)
    context: dict[str, Any] = {
        "next": next_path,
        "required": mfa.required_for(principal.roles),
        "setup_started": credential is not None,
    }
    if credential is not None:
        uri = mfa.provisioning_uri(credential.secret, email=principal.user.email)
        context |= {
            "qr_svg": mfa.qr_svg(uri),
            "otpauth_uri": uri,
            "secret_groups": mfa.grouped(credential.secret),
        }
    return context


@router.get("/account/two-step-sign-in", name="mfa_setup_form")
def mfa_setup_form(request: Request, db: DbSession, principal: SignedIn) -> Response:
    if mfa.is_enabled(db, user_id=principal.user_id):
        return RedirectResponse(url_for("account") + "#two-step", status_code=303)
    next_path = safe_next(request.query_params.get("next"), "/account")
    return render(request, "accounts/mfa_setup.html", _setup_context(db, principal, next_path))


@router.post("/account/two-step-sign-in/start", name="mfa_setup_start")
def mfa_setup_start(
    request: Request, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    next_path = safe_next(values.get("next"), "/account")
    mfa.start_setup(db, user=principal.user)
    db.commit()
    target = url_for("mfa_setup_form") + "?next=" + quote(next_path, safe="/") + "#scan"
    return redirect(request, target)


@router.post("/account/two-step-sign-in", name="mfa_setup")
def mfa_setup(request: Request, db: DbSession, principal: SignedIn, values: FormValues) -> Response:
    next_path = safe_next(values.get("next"), "/account")
    code = values.get("code", "")
    with rejected(
        "accounts/mfa_setup.html", lambda errors: _setup_context(db, principal, next_path), db=db
    ):
        problem = mfa.code_problem(code, recovery=False)
        if problem:
            raise InvalidInput(errors=[{"field": "code", "msg": problem}])
        codes = mfa.confirm_setup(db, user=principal.user, code=code, ip_address=client_ip(request))
        db.commit()
    then = url_for("account") + "?notice=two-step-on" if next_path == "/account" else next_path
    return _show_recovery_codes(request, codes, then)


def _show_recovery_codes(request: Request, codes: list[str], continue_to: str) -> Response:
    # Shown once, on this response only (which is never cached: it carries the session).
    context = {"codes": codes, "continue_to": continue_to}
    return render(request, "accounts/mfa_recovery_codes.html", context)


def _needs_two_step_on(db: Session, principal: Principal) -> Response | None:
    if mfa.is_enabled(db, user_id=principal.user_id):
        return None
    return RedirectResponse(url_for("account") + "#two-step", status_code=303)


@router.get("/account/two-step-sign-in/recovery-codes", name="mfa_codes_form")
def mfa_codes_form(request: Request, db: DbSession, principal: SignedIn) -> Response:
    return _needs_two_step_on(db, principal) or render(
        request, "accounts/mfa_confirm.html", {"purpose": "codes"}
    )


@router.post("/account/two-step-sign-in/recovery-codes", name="mfa_codes")
def mfa_codes(request: Request, db: DbSession, principal: SignedIn, values: FormValues) -> Response:
    with rejected("accounts/mfa_confirm.html", lambda errors: {"purpose": "codes"}, db=db):
        form = validate(schemas.ConfirmPasswordForm, values)
        codes = mfa.new_recovery_codes(
            db, user=principal.user, password=form.password, ip_address=client_ip(request)
        )
        db.commit()
    return _show_recovery_codes(request, codes, url_for("account") + "#two-step")


@router.get("/account/two-step-sign-in/turn-off", name="mfa_disable_form")
def mfa_disable_form(request: Request, db: DbSession, principal: SignedIn) -> Response:
    return _needs_two_step_on(db, principal) or render(
        request,
        "accounts/mfa_confirm.html",
        {"purpose": "off", "required": mfa.required_for(principal.roles)},
    )


@router.post("/account/two-step-sign-in/turn-off", name="mfa_disable")
def mfa_disable(
    request: Request, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    context = {"purpose": "off", "required": mfa.required_for(principal.roles)}
    with rejected("accounts/mfa_confirm.html", lambda errors: context, db=db):
        form = validate(schemas.ConfirmPasswordForm, values)
        mfa.turn_off(db, user=principal.user, password=form.password, ip_address=client_ip(request))
        db.commit()
    return redirect(request, url_for("account") + "?notice=two-step-off#two-step")
