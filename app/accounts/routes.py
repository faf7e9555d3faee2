"""Account pages: register, sign in and out, password reset, and the account page."""

import json
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.accounts import repository as repo
from app.accounts import schemas
from app.accounts import service as accounts
from app.config import get_settings
from app.deps import DbSession, Public, SignedIn, client_ip
from app.errors import InvalidInput, NotFound, RateLimited
from app.forms import FormValues, validate
from app.i18n import _
from app.models import Identity
from app.notices import notice_from
from app.templating import render

router = APIRouter()


IDENTITY_CHOICES = [
    (Identity.service_user, "Someone who uses mental health services"),
    (Identity.carer, "A carer, family member or friend"),
    (Identity.staff, "Staff"),
    (Identity.other, "Other"),
]


def safe_next(value: str | None, default: str = "/") -> str:
    """Only same-site relative paths: never an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value if not urlsplit(value).netloc else default


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


def _clear_session_cookie(response: Response) -> None:
    settings = get_settings()
    response.delete_cookie(
        settings.session_cookie_name,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.is_production,
    )


def sign_in_page(
    request: Request,
    *,
    next_path: str = "/account",
    resume: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "accounts/sign_in.html",
        {
            "next": safe_next(next_path, "/account"),
            "resume_json": json.dumps(resume) if resume else "",
            "resumed": bool(resume),
            "values": values or {},
            "errors": errors or [],
            "notice": notice_from(request),
        },
        status_code=status_code,
        headers=headers,
    )


# --- register -------------------------------------------------------------------------------


@router.get("/register")
def register_form(request: Request, principal: Public) -> Response:
    if principal:
        return RedirectResponse("/account", status_code=303)
    return render(
        request,
        "accounts/register.html",
        {"values": {}, "errors": [], "identities": IDENTITY_CHOICES},
    )


@router.post("/register")
def register(request: Request, db: DbSession, principal: Public, values: FormValues) -> Response:
    try:
        form = validate(schemas.RegisterForm, values)
        user = accounts.register(
            db,
            email=form.email,
            display_name=form.display_name,
            password=form.password,
            identity=form.identity,
            ip_address=client_ip(request),
        )
        token = accounts.start_session(
            db,
            user=user,
            ip_address=client_ip(request),
            user_agent=request.headers.get("user-agent", ""),
        )
        roles = repo.roles_of(db, user.id) if user.id else frozenset()
        db.commit()
    except InvalidInput as exc:
        db.rollback()
        errors = exc.errors
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
        return render(
            request,
            "accounts/register.html",
            {"values": values, "errors": errors, "identities": IDENTITY_CHOICES},
            status_code=422,
        )
    response = RedirectResponse("/account?notice=registered", status_code=303)
    _set_session_cookie(
        response, token, max_age=int(accounts.session_lifetimes(roles)[1].total_seconds())
    )
    return response


# --- sign in / out --------------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request, principal: Public) -> Response:
    next_path = safe_next(request.query_params.get("next"), "/account")
    if principal:
        return RedirectResponse(next_path, status_code=303)
    return sign_in_page(request, next_path=next_path)


@router.post("/login")
def login(request: Request, db: DbSession, principal: Public, values: FormValues) -> Response:
    next_path = safe_next(values.get("next"), "/account")
    resume: dict[str, str] = {}
    if values.get("resume"):
        try:
            loaded = json.loads(values["resume"])
            resume = {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
        except ValueError:
            resume = {}
    try:
        form = validate(schemas.SignInForm, values)
        user = accounts.authenticate(
            db, email=form.email, password=form.password, ip_address=client_ip(request)
        )
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
        roles = repo.roles_of(db, user.id)
        db.commit()
    except RateLimited as exc:
        db.commit()  # keep the audit row
        return sign_in_page(
            request,
            next_path=next_path,
            resume=resume,
            values={"email": values.get("email", "")},
            errors=[{"field": "email", "msg": exc.detail}],
            status_code=429,
            headers=exc.headers,
        )
    except InvalidInput as exc:
        db.commit()  # keep the failed-attempt count and audit row
        return sign_in_page(
            request,
            next_path=next_path,
            resume=resume,
            values={"email": values.get("email", "")},
            errors=exc.errors,
            status_code=422,
        )
    max_age = int(accounts.session_lifetimes(roles)[1].total_seconds())
    if resume:
        # The person was signed out while filling in a form: offer to send it now.
        response: Response = render(
            request, "accounts/resume.html", {"action": next_path, "fields": resume}
        )
    else:
        response = RedirectResponse(next_path, status_code=303)
    _set_session_cookie(response, token, max_age=max_age)
    return response


@router.post("/logout")
def logout(request: Request, db: DbSession, principal: Public) -> Response:
    token = request.cookies.get(get_settings().session_cookie_name)
    if token:
        accounts.end_session(db, token=token)
        db.commit()
    response = RedirectResponse("/login?notice=signed-out", status_code=303)
    _clear_session_cookie(response)
    return response


@router.get("/logout")
def logout_page(request: Request, principal: Public) -> Response:
    # Signing out changes state, so it is a POST; this page offers the button.
    return render(request, "accounts/sign_out.html", {})


# --- password reset -------------------------------------------------------------------------


@router.get("/password-reset")
def reset_request_form(request: Request, principal: Public) -> Response:
    return render(request, "accounts/reset_request.html", {"values": {}, "errors": []})


@router.post("/password-reset")
def reset_request(
    request: Request, db: DbSession, principal: Public, values: FormValues
) -> Response:
    try:
        form = validate(schemas.ResetRequestForm, values)
    except InvalidInput as exc:
        return render(
            request,
            "accounts/reset_request.html",
            {"values": values, "errors": exc.errors},
            status_code=422,
        )
    accounts.request_password_reset(db, email=form.email, ip_address=client_ip(request))
    db.commit()
    return render(request, "accounts/reset_sent.html", {"email": form.email})


@router.get("/password-reset/{token}")
def reset_form(request: Request, token: str, db: DbSession, principal: Public) -> Response:
    if accounts.valid_reset_token(db, token=token) is None:
        raise NotFound(
            _(
                "This link to reset your password has expired or has already been "
                "used. You can ask for a new one."
            )
        )
    return render(request, "accounts/reset.html", {"errors": [], "token": token})


@router.post("/password-reset/{token}")
def reset(
    request: Request, token: str, db: DbSession, principal: Public, values: FormValues
) -> Response:
    try:
        form = validate(schemas.ResetForm, values)
        accounts.reset_password(
            db, token=token, new=form.new_password, ip_address=client_ip(request)
        )
        db.commit()
    except InvalidInput as exc:
        db.rollback()
        return render(
            request, "accounts/reset.html", {"errors": exc.errors, "token": token}, status_code=422
        )
    response = RedirectResponse("/login?notice=password-reset", status_code=303)
    _clear_session_cookie(response)
    return response


# --- account page ---------------------------------------------------------------------------


def _account_page(
    request: Request,
    db: Session,
    principal: accounts.Principal,
    *,
    errors: list[dict[str, Any]] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
    new_token: str | None = None,
) -> Response:
    user = principal.user
    assert user.id is not None
    return render(
        request,
        "accounts/account.html",
        {
            "user": user,
            "roles": sorted(principal.roles),
            "sessions": accounts.active_sessions(db, user=user),
            "this_session_id": principal.session.id if principal.session else None,
            "tokens": list(repo.api_tokens(db, user.id)),
            "identities": IDENTITY_CHOICES,
            "errors": errors or [],
            "values": values or {"display_name": user.display_name, "identity": user.identity},
            "notice": notice_from(request),
            "new_token": new_token,
        },
        status_code=status_code,
    )


@router.get("/account")
def account(request: Request, db: DbSession, principal: SignedIn) -> Response:
    return _account_page(request, db, principal)


@router.post("/account/profile")
def account_profile(
    request: Request, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    try:
        form = validate(schemas.ProfileForm, values)
        accounts.update_profile(
            db, user=principal.user, display_name=form.display_name, identity=form.identity
        )
        db.commit()
    except InvalidInput as exc:
        db.rollback()
        return _account_page(
            request, db, principal, errors=exc.errors, values=values, status_code=422
        )
    return RedirectResponse("/account?notice=profile-saved", status_code=303)


@router.post("/account/password")
def account_password(
    request: Request, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    try:
        form = validate(schemas.ChangePasswordForm, values)
        accounts.change_password(
            db,
            user=principal.user,
            current=form.current_password,
            new=form.new_password,
            keep_session_id=principal.session.id if principal.session else None,
        )
        db.commit()
    except InvalidInput as exc:
        db.rollback()
        return _account_page(request, db, principal, errors=exc.errors, status_code=422)
    return RedirectResponse("/account?notice=password-changed", status_code=303)


@router.post("/account/sessions/end-all")
def account_end_sessions(request: Request, db: DbSession, principal: SignedIn) -> Response:
    accounts.end_all_sessions(db, user=principal.user, reason="user signed out everywhere")
    db.commit()
    response = RedirectResponse("/login?notice=signed-out", status_code=303)
    _clear_session_cookie(response)
    return response


@router.get("/account/export")
def account_export(request: Request, db: DbSession, principal: SignedIn) -> Response:
    data = accounts.export_data(db, user=principal.user)
    db.commit()
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False, default=str),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="fullcircle-my-data.json"'},
    )


@router.get("/account/delete")
def account_delete_form(request: Request, principal: SignedIn) -> Response:
    return render(request, "accounts/delete.html", {"errors": []})


@router.post("/account/delete")
def account_delete(
    request: Request, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    try:
        form = validate(schemas.DeleteForm, values)
        accounts.delete_account(
            db, user=principal.user, password=form.password, ip_address=client_ip(request)
        )
        db.commit()
    except InvalidInput as exc:
        db.rollback()
        return render(request, "accounts/delete.html", {"errors": exc.errors}, status_code=422)
    response = RedirectResponse("/?notice=deleted", status_code=303)
    _clear_session_cookie(response)
    return response


@router.post("/account/tokens")
def account_token_create(
    request: Request, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    try:
        form = validate(schemas.TokenForm, values)
    except InvalidInput as exc:
        return _account_page(request, db, principal, errors=exc.errors, status_code=422)
    _token, secret = accounts.create_api_token(db, user=principal.user, name=form.name)
    db.commit()
    # Shown once, on this response only (which is never cached).
    return _account_page(request, db, principal, new_token=secret)


@router.post("/account/tokens/{token_id}/revoke")
def account_token_revoke(token_id: int, db: DbSession, principal: SignedIn) -> Response:
    accounts.revoke_api_token(db, user=principal.user, token_id=token_id)
    db.commit()
    return RedirectResponse("/account?notice=token-revoked#tokens", status_code=303)
