"""Routes that only show a template: the policy pages, a sign-out button, a form's first view."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.web.render import render


def show_template(router: APIRouter, path: str, template: str, *, name: str, access: Any) -> None:
    """Add ``GET path`` to ``router``: ``template`` rendered with the standard context.

    ``access`` is the route's access dependency (``Public`` or ``SignedIn`` from app.deps), so
    the route inventory sees it like any other route's.
    """

    def show(request: Request, principal: access) -> Response:
        return render(request, template)

    show.__name__ = show.__qualname__ = name
    router.add_api_route(path, show, methods=["GET"], name=name)
