"""Request dependencies: the database session and who is asking.

Every route declares its access with exactly one of ``Public``, ``SignedIn`` or
``require_roles(...)`` (tests/test_route_inventory.py checks). Each also resolves the
principal, so pages can show who is signed in.
"""

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session

from app.accounts import service as accounts
from app.accounts.service import Principal
from app.config import get_settings
from app.db import open_session
from app.errors import Forbidden, SignInRequired, Unauthorized, wants_json
from app.models import Role
from app.security.middleware import UNSAFE_METHODS

#: Form fields never carried through a forced re-sign-in.
_NOT_RESUMABLE = ("password", "current_password", "new_password", "confirm_password")


def get_db(request: Request) -> Iterator[Session]:
    with open_session(write=request.method in UNSAFE_METHODS) as db:
        try:
            yield db
        except Exception:
            # Detach what was loaded first: a rollback expires it, and the error page that
            # follows (after this session is closed) still shows who is signed in.
            db.expunge_all()
            db.rollback()
            raise


DbSession = Annotated[Session, Depends(get_db)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _resolve(request: Request, db: Session) -> Principal | None:
    if hasattr(request.state, "principal"):
        return request.state.principal
    principal: Principal | None = None
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        principal = accounts.resolve_api_token(db, secret=authorization[7:].strip())
        if principal is None:
            raise Unauthorized("The API token is not valid, or has been revoked.")
        if db.dirty:
            db.commit()
    else:
        token = request.cookies.get(get_settings().session_cookie_name)
        if token:
            principal, needs_touch = accounts.resolve_session(db, token=token)
            if principal and needs_touch and principal.session and principal.session.id:
                _touch(principal.session.id)
    request.state.principal = principal
    request.state.user = principal.user if principal else None
    request.state.roles = principal.roles if principal else frozenset()
    return principal


def _touch(session_id: int) -> None:
    # Its own short write transaction, so reading pages stays a read-only transaction.
    with open_session(write=True) as db:
        accounts.touch_session(db, session_id=session_id)
        db.commit()


async def _sign_in_required(request: Request) -> SignInRequired | Unauthorized:
    if wants_json(request):
        return Unauthorized()
    next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    resume: dict[str, str] = {}
    if request.method in UNSAFE_METHODS:
        # Keep what was typed (but never a password) through the sign-in page.
        form = await request.form()
        resume = {k: v for k, v in form.items() if isinstance(v, str) and k not in _NOT_RESUMABLE}
        next_path = request.url.path
    return SignInRequired(next_path=next_path, resume=resume)


def _mark(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__access__ = kind  # type: ignore[attr-defined]
        return fn

    return decorate


@_mark("public")
def public_access(request: Request, db: DbSession) -> Principal | None:
    return _resolve(request, db)


@_mark("signed_in")
async def signed_in_access(request: Request, db: DbSession) -> Principal:
    principal = _resolve(request, db)
    if principal is None:
        raise await _sign_in_required(request)
    return principal


def require_roles(*roles: Role) -> Any:
    """Access for holders of any of ``roles`` (admins pass every role check)."""

    @_mark("roles:" + ",".join(sorted(roles)))
    async def dependency(request: Request, db: DbSession) -> Principal:
        principal = _resolve(request, db)
        if principal is None:
            raise await _sign_in_required(request)
        if not principal.has(*roles):
            raise Forbidden()
        return principal

    return Depends(dependency)


Public = Annotated[Principal | None, Depends(public_access)]
SignedIn = Annotated[Principal, Depends(signed_in_access)]
AdminOnly = Annotated[Principal, require_roles(Role.admin)]
