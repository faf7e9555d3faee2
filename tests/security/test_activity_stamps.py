"""Reading writes nothing: a signed-in or token GET stamps "last seen" at most once a minute,
in its own short write (never in the read's transaction), and skips it rather than queue
behind writers. The stamp is really saved (a token's used never to be)."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, update
from sqlmodel import Session, col, select

from app.accounts import service as accounts
from app.models import ApiToken, AuthSession, utcnow
from tests.factories import create_user, sign_in
from tests.helpers import IS_POSTGRES, lock_held


@contextmanager
def writes(engine: Engine) -> Iterator[list[str]]:
    """The data-changing statements the app sends inside the block."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def backdate(db: Session, model: type[AuthSession] | type[ApiToken], column: str) -> None:
    db.execute(update(model).values({column: utcnow() - timedelta(minutes=5)}))
    db.commit()


class TestSessions:
    def test_a_fresh_signed_in_read_writes_nothing(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        sign_in(client, create_user(db))
        with writes(engine) as seen:
            assert client.get("/ideas").status_code == 200
            assert client.get("/account").status_code == 200
        assert seen == []

    def test_a_stale_session_is_stamped_once_and_saved(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        sign_in(client, create_user(db))
        backdate(db, AuthSession, "last_seen_at")
        with writes(engine) as seen:
            client.get("/ideas")
            client.get("/ideas")
        assert len([s for s in seen if "auth_session" in s]) == 1
        (session,) = db.scalars(select(AuthSession)).all()
        assert utcnow() - session.last_seen_at < timedelta(minutes=1)


class TestTokens:
    def test_a_tokens_last_use_is_saved_at_most_once_a_minute(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db)
        _row, secret = accounts.create_api_token(db, user=user, name="dashboard")
        db.commit()
        headers = {"Authorization": f"Bearer {secret}"}
        with writes(engine) as seen:
            for _ in range(3):
                assert client.get("/api/v1/ideas", headers=headers).status_code == 200
        assert len([s for s in seen if "api_token" in s]) == 1
        db.expire_all()
        token = db.scalars(select(ApiToken).where(col(ApiToken.user_id) == user.id)).one()
        assert token.last_used_at is not None
        assert utcnow() - token.last_used_at < timedelta(minutes=1)

    def test_a_bad_token_writes_nothing(self, client: TestClient, engine: Engine) -> None:
        with writes(engine) as seen:
            response = client.get("/api/v1/ideas", headers={"Authorization": "Bearer fc_nope"})
        assert response.status_code == 401
        assert seen == []

    def test_a_stamp_never_waits_for_the_writers_lock(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        if IS_POSTGRES:
            pytest.skip("the writers' lock is SQLite's")
        sign_in(client, create_user(db))
        backdate(db, AuthSession, "last_seen_at")
        with lock_held(engine):
            started = time.monotonic()
            assert client.get("/ideas").status_code == 200
            assert time.monotonic() - started < 2
        (session,) = db.scalars(select(AuthSession)).all()
        assert utcnow() - session.last_seen_at > timedelta(minutes=4)  # skipped, not queued


def test_a_stamp_never_queues_behind_a_row_lock_on_postgresql(
    client: TestClient, db: Session, engine: Engine
) -> None:
    """PostgreSQL has no writers' lock, but the stamp's UPDATE could wait for another
    transaction writing the same session row: it skips the locked row instead (FOR UPDATE
    SKIP LOCKED), on a read on the event loop as in the thread pool, and the page is served."""
    if not IS_POSTGRES:
        pytest.skip("SQLite's writers' lock is tested above")
    sign_in(client, create_user(db))
    backdate(db, AuthSession, "last_seen_at")
    holder = engine.connect()
    try:
        holder.execute(select(AuthSession).with_for_update())  # holds the row lock
        # Released after a while even if the stamp waits, so a failure is slow, not a hang.
        timer = threading.Timer(10, holder.rollback)
        timer.start()
        started = time.monotonic()
        for path in ("/ideas", "/account"):  # a read on the event loop, and in the pool
            assert client.get(path).status_code == 200
        assert time.monotonic() - started < 3
        timer.cancel()
    finally:
        holder.rollback()
        holder.close()
    db.expire_all()
    (session,) = db.scalars(select(AuthSession)).all()
    assert utcnow() - session.last_seen_at > timedelta(minutes=4)  # skipped, not queued
