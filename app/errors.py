"""One error hierarchy, rendered three ways: JSON problem details for /api, a fragment for
HTMX, a full NHS-styled page otherwise. No traceback ever reaches a user."""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from app.i18n import _

log = logging.getLogger("fullcircle.errors")

PROBLEM_JSON = "application/problem+json"


class AppError(Exception):
    status_code = 400
    title = "Something is wrong with this request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = dict(headers or {})
        self.errors = errors or []


class NotFound(AppError):
    status_code = 404
    title = "Page not found"


class Forbidden(AppError):
    status_code = 403
    title = "You do not have permission to do this"


class Unauthorized(AppError):
    status_code = 401
    title = "You need to sign in"


class SignInRequired(Unauthorized):
    """Raised for HTML requests: the handler shows the sign-in page and keeps any typed text."""

    def __init__(self, *, next_path: str, keep_form: bool = False) -> None:
        super().__init__()
        self.next_path = next_path
        self.keep_form = keep_form


#: Form fields never carried through a forced re-sign-in.
NOT_RESUMABLE = frozenset({"password", "current_password", "new_password", "confirm_password"})


class Conflict(AppError):
    status_code = 409
    title = "This cannot be done in the current state"


class RateLimited(AppError):
    status_code = 429
    title = "Too many attempts"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = max(1, retry_after)


class InvalidInput(AppError):
    status_code = 422
    title = "Check what you entered"


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(
        body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_JSON
    )


_PAGE_TITLES = {
    400: "Something is wrong with this request",
    401: "You need to sign in",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "Page not found",
    409: "This cannot be done in the current state",
    413: "What you sent is too large",
    422: "Check what you entered",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}


def _page(request: Request, status: int, detail: str, headers: Mapping[str, str]) -> Response:
    from app.templating import render

    title = _(_PAGE_TITLES.get(status, _PAGE_TITLES[400]))
    is_htmx = request.headers.get("HX-Request") == "true"
    extra = dict(headers)
    if is_htmx:
        extra |= {"HX-Retarget": "#maincontent", "HX-Reswap": "innerHTML"}
    try:
        return render(
            request,
            "errors/error.html",
            {"status": status, "title": title, "detail": detail},
            status_code=status,
            block="content" if is_htmx else None,
            headers=extra,
        )
    except Exception:  # a broken template must not turn a 404 into a traceback
        log.exception("error page failed to render")
        return Response(title, status_code=status, media_type="text/plain", headers=extra)


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    if isinstance(exc, SignInRequired) and not wants_json(request):
        from app.accounts.routes import sign_in_page

        resume: dict[str, str] = {}
        if exc.keep_form:
            # The route never read the body (its access check failed first), so it is here.
            form = await request.form()
            resume = {
                k: v for k, v in form.items() if isinstance(v, str) and k not in NOT_RESUMABLE
            }
        return sign_in_page(request, next_path=exc.next_path, resume=resume, status_code=401)
    if wants_json(request):
        headers = dict(exc.headers)
        if exc.status_code == 401:
            headers.setdefault("WWW-Authenticate", "Bearer")
        return problem(exc.status_code, exc.title, exc.detail, headers=headers, errors=exc.errors)
    return _page(request, exc.status_code, exc.detail, exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    title = _PAGE_TITLES.get(status, "Error")
    detail = exc.detail if isinstance(exc.detail, str) and status != 500 else title
    headers = dict(exc.headers or {})
    if wants_json(request):
        return problem(status, title, detail, headers=headers)
    if status == 404:
        detail = _(
            "If you typed the web address, check it is correct. "
            "If you pasted the web address, check you copied the entire address."
        )
    return _page(request, status, detail, headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # Report where and why, never the submitted value (it may be health information).
    errors = [
        {
            "loc": [str(p) for p in err.get("loc", ())],
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        }
        for err in exc.errors()
    ]
    if wants_json(request):
        return problem(422, "Check what you entered", "The request is not valid.", errors=errors)
    return _page(request, 422, _("Something in the request was missing or not valid."), {})


def server_error_response(request: Request) -> Response:
    """The 500 answer (SecurityMiddleware sends it, so it carries the security headers)."""
    if wants_json(request):
        return problem(500, "Internal error", "Sorry, there is a problem with the service.")
    return _page(request, 500, _("Try again later."), {})


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
