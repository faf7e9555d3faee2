"""Plain create_* functions with keyword overrides. They commit, like a finished request."""

import itertools

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts import service as accounts
from app.models import Identity, Role, Unit, UnitKind, User
from app.units import service as units

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def create_user(
    db: Session,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    roles: set[Role] | None = None,
    display_name: str | None = None,
    identity: Identity | None = None,
) -> User:
    n = next(_seq)
    user = accounts.create_user(
        db,
        email=email or f"person{n}@example.org",
        password=password,
        roles=roles if roles is not None else {Role.service_user},
        display_name=display_name or f"Person {n}",
        identity=identity,
    )
    db.commit()
    return user


def create_unit(
    db: Session,
    *,
    name: str | None = None,
    kind: UnitKind = UnitKind.team,
    parent: Unit | None = None,
) -> Unit:
    parent = parent or units.root(db)
    assert parent.id is not None
    unit = units.create(
        db, name=name or f"Unit {next(_seq)}", kind=kind, parent_id=parent.id, actor_id=None
    )
    db.commit()
    return unit


def sign_in(client: TestClient, user: User, *, password: str = PASSWORD) -> None:
    response = client.post(
        "/login", data={"email": user.email, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:500]


def api_token(db: Session, user: User) -> str:
    """A new API token's secret for ``user``, with every scope their roles allow (committed,
    so a server sees it)."""
    _row, secret = accounts.create_api_token(db, user=user, name="tests")
    db.commit()
    return secret
