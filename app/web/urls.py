"""``url_for``: every path in templates and emails comes from a route's name.

``create_app()`` binds its router here. Code that renders outside a request, such as the seed
or a test calling a service directly, gets the route table built once from ``app.main`` (a
late import: the web layer sits below the domains whose routes it names).
"""

from contextvars import ContextVar
from typing import Any
from urllib.parse import quote

from starlette.routing import BaseRoute, NoMatchFound, Router

from app.config import Environment, get_settings

_router: Router | None = None
#: Each route by its name (the first of a name, as Starlette's own search finds it), and how
#: many routes the index was built from. Starlette asks every route in turn, each refusal an
#: exception: a page with 25 links raised thousands.
_by_name: dict[str, BaseRoute] = {}
_indexed = -1

#: The address this request was served on, in development (see ``base_url``).
request_base: ContextVar[str | None] = ContextVar("request_base", default=None)


def bind(router: Router) -> None:
    global _router, _indexed
    _router = router
    _indexed = -1


def _routes() -> Router:
    global _router
    if _router is None:
        from app.main import create_app  # noqa: PLC0415 (late: see the module docstring)

        _router = create_app().router
    return _router


def url_for(name: str, /, **params: Any) -> str:
    """The path of the route called ``name``, e.g. ``url_for("idea_page", idea_id=3)``.

    Parameters are percent-encoded, so any text (a slug, a token) makes a working address.
    """
    quoted = {k: quote(str(v), safe="") for k, v in params.items()}
    router = _routes()
    route = _route_named(router, name)
    if route is not None:
        try:
            return str(route.url_path_for(name, **quoted))
        except NoMatchFound:
            pass  # another route of the same name may take these parameters
    return str(router.url_path_for(name, **quoted))


def _route_named(router: Router, name: str) -> BaseRoute | None:
    global _indexed
    if _indexed != len(router.routes):  # built on first use, and again if routes were added
        _by_name.clear()
        for route in router.routes:
            route_name = getattr(route, "name", None)
            if route_name:
                _by_name.setdefault(route_name, route)
        _indexed = len(router.routes)
    return _by_name.get(name)


def base_url() -> str:
    """Where the site is, for links in emails, receipts and posters.

    Production (and tests) use ``FULLCIRCLE_BASE_URL`` (a Host header is the client's to
    choose). In development the address being served wins, so ``make run PORT=8080`` links
    to 8080.
    """
    settings = get_settings()
    served = request_base.get()
    if served and settings.env == Environment.development:
        return served.rstrip("/")
    return settings.base_url.rstrip("/")


def absolute_url(name: str, /, **params: Any) -> str:
    return base_url() + url_for(name, **params)


def sign_in_url(next_path: str) -> str:
    """The sign-in page, returning to ``next_path`` (a path on this site) afterwards."""
    return url_for("login_form") + "?next=" + quote(next_path, safe="/")
