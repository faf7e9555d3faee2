"""Request dependencies: the database session and who is asking.

Every route declares its access with exactly one of ``Public``, ``SignedIn`` or
``require_roles(...)`` (tests/test_route_inventory.py checks). Each also resolves the
principal, so pages can show who is signed in, and sends someone who must set up two-step
sign-in (and has not) to the set-up page, whatever they asked for (``_two_step_gate``).
"""

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from app.accounts import mfa
from app.accounts import scopes as token_scopes
from app.accounts import service as accounts
from app.accounts.principal import Principal
from app.config import get_settings
from app.db import loop_engine, open_session, takes_write_lock
from app.errors import (
    Forbidden,
    ServiceBusy,
    SignInRequired,
    TwoStepSetupRequired,
    Unauthorized,
    wants_json,
)
from app.models import Role, TokenScope
from app.security.middleware import UNSAFE_METHODS
from app.web.routing import Deferred, runs_on_loop
from app.web.urls import url_for

log = logging.getLogger("fullcircle.access")


async def get_db(request: Request) -> AsyncIterator[Session]:
    # Async only to save a thread-pool hop: making a Session does no I/O (the first query,
    # in a thread-pool dependency or route, opens the connection).
    write = request.method in UNSAFE_METHODS
    engine = loop_engine() if not write and runs_on_loop(request) else None
    with open_session(write=write, engine=engine) as db:
        try:
            yield db
        except Exception:
            # Detach what was loaded first: a rollback expires it, and the error page that
            # follows (after this session is closed) still shows who is signed in.
            db.expunge_all()
            db.rollback()
            raise


DbSession = Annotated[Session, Depends(get_db)]


API_PREFIX = "/api/"


def may_write(principal: Principal) -> bool:
    """A browser session may make changes; a token only with the ``write`` scope."""
    return principal.token is None or TokenScope.write in token_scopes.parse(principal.token.scopes)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _lookup(request: Request, db: Session) -> tuple[Principal | None, bool]:
    """Who the credentials name, reading only; and whether their last use needs stamping."""
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        # Tokens are for the API only: managing tokens, signing out everywhere, the data
        # export and deleting the account need the person, in a browser.
        if not request.scope["path"].startswith(API_PREFIX):
            raise Unauthorized("API tokens work only on the API. Sign in with a browser for this.")
        principal, stale = accounts.resolve_api_token(db, secret=authorization[7:].strip())
        if principal is None:
            raise Unauthorized("The API token is not valid, has expired or has been revoked.")
        if request.method in UNSAFE_METHODS and not may_write(principal):
            raise Forbidden("This token may only read. Make a token with the write scope.")
        return principal, stale
    token = request.cookies.get(get_settings().session_cookie_name)
    if not token:
        return None, False
    return accounts.resolve_session(db, token=token, unread=_wants_unread(request))


def _resolve(request: Request, db: Session, *, touch: bool = True) -> Principal | None:
    """The principal, once per request (cached on ``request.state``).

    On SQLite a write request looks it up on a separate read connection: its own session
    would take the write lock at the first statement, here in the access check, and hold it
    while the route waits for a worker thread (under a burst, every thread then waits for the
    lock and the server stalls). The person's row is then attached to the request's session
    without a query, so a route can change it. PostgreSQL takes no lock for a read, so there
    the lookup is the write transaction's first statement (a second connection, session and
    merge were about a tenth of a vote's CPU, bench/cpu.py).
    """
    if hasattr(request.state, "principal"):
        return request.state.principal
    if request.method in UNSAFE_METHODS and takes_write_lock(db):
        with open_session(write=False) as lookup:
            principal, stale = _lookup(request, lookup)
            lookup.expunge_all()
        if principal is not None:
            principal = replace(principal, user=db.merge(principal.user, load=False))
    else:
        principal, stale = _lookup(request, db)
    if touch and stale and principal is not None:
        _stamp(principal, engine=loop_engine() if runs_on_loop(request) else None)
    request.state.principal = principal
    request.state.user = principal.user if principal else None
    request.state.roles = principal.roles if principal else frozenset()
    request.state.unread = principal.unread if principal else None
    return principal


def _wants_unread(request: Request) -> bool:
    """The page header shows unread notifications on signed-in people's full pages only (not
    the API, HTMX fragments or writes, which redirect): counted in the principal's lookup."""
    return (
        request.method == "GET"
        and not request.scope["path"].startswith(API_PREFIX)
        and request.headers.get("HX-Request") != "true"
    )


def identify(request: Request) -> None:
    """Who is signed in, for a page no access check has seen (an error page after routing
    found nothing). Reads only; an invalid token or cookie is simply nobody."""
    with open_session(write=False) as db:
        try:
            _resolve(request, db, touch=False)
        except (Unauthorized, Forbidden):
            request.state.principal = None
        db.expunge_all()


def _stamp(principal: Principal, *, engine: Engine | None = None) -> None:
    """Record the session's or token's use in its own short write, if the writers' lock is
    free this moment: a read never writes in its own transaction, and never queues behind
    writers for a stamp (the next request, a minute on, tries again)."""
    try:
        with open_session(write=True, wait=False, engine=engine) as db:
            accounts.record_activity(db, principal=principal)
            db.commit()
    except ServiceBusy:
        log.info("activity stamp skipped: the database is busy")


def _sign_in_required(request: Request) -> SignInRequired | Unauthorized:
    if wants_json(request):
        return Unauthorized()
    if request.method in UNSAFE_METHODS:
        # The handler keeps what was typed (never a password) through the sign-in page.
        return SignInRequired(next_path=request.url.path, keep_form=True)
    next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return SignInRequired(next_path=next_path)


def _two_step_gate(request: Request, principal: Principal | None) -> None:
    """Someone who must set up two-step sign-in, and has not, uses the set-up pages only:
    every other page sends them there (afterwards, back to the page they asked for). API
    tokens are not sessions and are not affected."""
    if principal is None or not principal.two_step_missing:
        return
    route = request.scope.get("route")
    if getattr(route, "name", None) in mfa.SETUP_PAGES:
        return
    location = url_for("mfa_setup_form")
    if request.method == "GET" and not wants_json(request):
        location = location + "?next=" + quote(request.url.path, safe="/")
    raise TwoStepSetupRequired(location=location)


def _mark(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__access__ = kind  # type: ignore[attr-defined]
        return fn

    return decorate


def _public(request: Request, db: Session) -> Principal | None:
    principal = _resolve(request, db)
    _two_step_gate(request, principal)
    return principal


def _signed_in(request: Request, db: Session) -> Principal:
    principal = _resolve(request, db)
    if principal is None:
        raise _sign_in_required(request)
    _two_step_gate(request, principal)
    return principal


# The access dependencies do no I/O themselves: each hands back a Deferred check, which the
# route (app.web.routing.OneHopRoute) runs in the endpoint's own worker thread. That keeps
# the database work off the event loop (one request waiting for SQLite's write lock there
# would stall every other request) and costs one thread-pool trip per request, not two.


@_mark("public")
async def public_access(request: Request, db: DbSession) -> Deferred:
    return Deferred(_public, request, db)


@_mark("signed_in")
async def signed_in_access(request: Request, db: DbSession) -> Deferred:
    return Deferred(_signed_in, request, db)


def require_roles(*roles: Role) -> Any:
    """Access for holders of any of ``roles`` (admins pass every role check)."""

    def check(request: Request, db: Session) -> Principal:
        principal = _signed_in(request, db)
        if not principal.has(*roles):
            raise Forbidden()
        return principal

    @_mark("roles:" + ",".join(sorted(roles)))
    async def dependency(request: Request, db: DbSession) -> Deferred:
        return Deferred(check, request, db)

    return Depends(dependency)


Public = Annotated[Principal | None, Depends(public_access)]
SignedIn = Annotated[Principal, Depends(signed_in_access)]
AdminOnly = Annotated[Principal, require_roles(Role.admin)]
