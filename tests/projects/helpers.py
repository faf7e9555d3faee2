"""Helpers the project and measure tests share: counting SQL statements, signing in as the
improvement lead, and an API token."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session

from app.accounts import service as accounts
from app.models import User
from tests.factories import sign_in
from tests.ideas.factories import STAFF_EMAIL
from tests.projects.factories import lead


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def sign_in_lead(client: TestClient, db: Session) -> User:
    """Sign in as the improvement lead the factories act as."""
    user = lead(db).user
    assert user.email == STAFF_EMAIL
    sign_in(client, user)
    return user


def token_for(db: Session, user: User) -> dict[str, str]:
    _row, secret = accounts.create_api_token(db, user=user, name="tests")
    db.commit()
    return {"Authorization": f"Bearer {secret}"}
