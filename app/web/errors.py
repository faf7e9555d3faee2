"""The error handlers: each ``AppError`` rendered one of three ways.

- under ``/api/``: RFC 9457 problem JSON (``application/problem+json``), with
  ``WWW-Authenticate: Bearer`` on 401s;
- for HTMX (``HX-Request: true``): the ``content`` block of ``errors/error.html``, retargeted to
  ``#maincontent``;
- otherwise: the full NHS-styled page. It always includes the crisis line, and knows who is
  signed in (so a 404 never offers "Sign in" to someone who is).

A rejected form (``FormRejected``) is its own template again, at 422. ``SignInRequired`` shows
the sign-in page, which the accounts domain registers here (``register_sign_in_page``).
``TwoStepSetupRequired`` sends a page to the two-step set-up page (303, or ``HX-Redirect``).
"""

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from app.errors import (
    NOT_RESUMABLE,
    AppError,
    FormRejected,
    SignInRequired,
    TwoStepSetupRequired,
    wants_json,
)
from app.i18n import _
from app.web.render import render
from app.web.responses import redirect

log = logging.getLogger("fullcircle.errors")

PROBLEM_JSON = "application/problem+json"

#: Shows the sign-in page: (request, next_path, resume fields) -> response.
SignInPage = Callable[[Request, str, dict[str, str]], Response]
_sign_in_page: SignInPage | None = None
#: Finds who is signed in for an error page when no access check ran (a 404 from routing).
_identify: Callable[[Request], None] | None = None


def register_sign_in_page(page: SignInPage) -> None:
    global _sign_in_page
    _sign_in_page = page


def register_identify(identify: Callable[[Request], None]) -> None:
    global _identify
    _identify = identify


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
    503: "Sorry, the service is busy",
}


_NOT_FOUND_DETAIL = (
    "If you typed the web address, check it is correct. "
    "If you pasted the web address, check you copied the entire address."
)


async def _who(request: Request) -> None:
    """Resolve the signed-in person for a page no access check has seen (off the event loop:
    it reads the database)."""
    if _identify is not None and not hasattr(request.state, "principal"):
        try:
            await run_in_threadpool(_identify, request)
        except Exception:  # an error page must render even if the database cannot answer
            log.warning("could not identify the person for an error page")


def _page(request: Request, status: int, detail: str, headers: Mapping[str, str]) -> Response:
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
    if isinstance(exc, FormRejected) and not wants_json(request):
        return render(
            request,
            exc.template,
            exc.context,
            status_code=exc.status_code,
            block=exc.block,
            headers=exc.headers,
        )
    if isinstance(exc, TwoStepSetupRequired) and not wants_json(request):
        return redirect(request, exc.location)
    if isinstance(exc, SignInRequired) and not wants_json(request) and _sign_in_page:
        resume: dict[str, str] = {}
        if exc.keep_form:
            # The route never read the body (its access check failed first), so it is here.
            form = await request.form()
            resume = {
                k: v for k, v in form.items() if isinstance(v, str) and k not in NOT_RESUMABLE
            }
        return _sign_in_page(request, exc.next_path, resume)
    if wants_json(request):
        headers = dict(exc.headers)
        if exc.status_code == 401:
            headers.setdefault("WWW-Authenticate", "Bearer")
        return problem(exc.status_code, exc.title, exc.detail, headers=headers, errors=exc.errors)
    await _who(request)
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
        detail = _(_NOT_FOUND_DETAIL)
    await _who(request)
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
    await _who(request)
    if errors and all(e["loc"][:1] == ["path"] for e in errors):
        # An address naming no row (an id that is not a number, or out of range): not found.
        return _page(request, 404, _(_NOT_FOUND_DETAIL), {})
    return _page(request, 422, _("Something in the request was missing or not valid."), {})


def server_error_response(request: Request) -> Response:
    """The 500 answer (SecurityMiddleware sends it, so it carries the security headers)."""
    if wants_json(request):
        return problem(500, "Internal error", "Sorry, there is a problem with the service.")
    return _page(request, 500, _("Try again later."), {})


def too_large_response(request: Request) -> Response:
    """A body longer than FULLCIRCLE_MAX_BODY_BYTES, refused before it is read (413)."""
    detail = _("What you sent is too large. Send less at once, or a smaller file.")
    if wants_json(request):
        return problem(413, "Payload too large", detail)
    return _page(request, 413, detail, {})


def refused_response(request: Request, reason: str) -> Response:
    """A cross-site form refused by the CSRF check (403)."""
    if wants_json(request):
        return problem(403, "Forbidden", reason)
    return render(
        request,
        "errors/error.html",
        {
            "status": 403,
            "title": _("This request was refused"),
            "detail": _(
                "The form was sent from another website, so it was not accepted. "
                "Go back to the page on this site and try again."
            ),
        },
        status_code=403,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
