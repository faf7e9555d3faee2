"""Redirects that work for plain forms and for HTMX, and only ever to this site."""

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response


def safe_next(value: str | None, default: str = "/") -> str:
    """Only same-site relative paths: never an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value if not urlsplit(value).netloc else default


def redirect(request: Request, url: str) -> Response:
    """After a successful POST: ``HX-Redirect`` for HTMX (which would otherwise swap the next
    page into a fragment), 303 See Other for a plain form."""
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)
