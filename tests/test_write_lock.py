"""SQLite's writers' lock: a write that cannot get it soon enough is told to try again (503
with Retry-After, the NHS "sorry" page), never a 500; readers never wait for it; a junk
cookie costs no write; and a "last seen" stamp never queues behind writers."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app import db as app_db
from app.config import get_settings
from app.main import create_app
from tests.factories import create_user, sign_in
from tests.helpers import IS_POSTGRES, lock_held, soup_of
from tests.ideas.factories import create_idea

pytestmark = pytest.mark.skipif(IS_POSTGRES, reason="the writers' lock is SQLite's")


@pytest.fixture
def quick_engine(
    migrated_template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """An engine whose writers wait at most 0.2 s, and only one at a time."""
    monkeypatch.setattr(get_settings(), "write_lock_wait_seconds", 0.2)
    monkeypatch.setattr(get_settings(), "write_lock_max_waiting", 1)
    path = tmp_path / "lock.db"
    shutil.copyfile(migrated_template, path)
    engine = app_db.make_engine(f"sqlite:///{path}")
    app_db.use_engine(engine)
    yield engine
    app_db.use_engine(None)
    engine.dispose()


def test_each_connection_keeps_a_small_page_cache(engine: Engine) -> None:
    """SQLite: a worker keeps many connections, each with a page cache of its own; the
    default 2 MB each was a fifth of a worker's memory (docs/performance.md)."""
    with engine.connect() as connection:
        size = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    assert size == -app_db.SQLITE_CACHE_KIB
    assert app_db.SQLITE_CACHE_KIB <= 1024


class TestWritersLock:
    def test_a_write_that_cannot_get_the_lock_is_asked_to_try_again(
        self, quick_engine: Engine
    ) -> None:
        with app_db.open_session(write=False, engine=quick_engine) as db:
            idea = create_idea(db)
            user = create_user(db)
        with TestClient(create_app()) as client:
            sign_in(client, user)
            with lock_held(quick_engine):
                response = client.post(f"/ideas/{idea.id}/vote", data={"action": "vote"})
                api = client.put(f"/api/v1/ideas/{idea.id}/vote")
                # Readers are served while the lock is held.
                board = client.get("/ideas")
        assert response.status_code == 503
        assert int(response.headers["retry-after"]) >= 1
        assert soup_of(response).h1.get_text(strip=True) == "Sorry, the service is busy"
        assert "Nothing was saved" in response.text
        assert api.status_code == 503
        assert api.headers["content-type"] == "application/problem+json"
        assert board.status_code == 200

    def test_a_junk_cookie_takes_no_lock(self, quick_engine: Engine) -> None:
        with app_db.open_session(write=False, engine=quick_engine) as db:
            idea = create_idea(db)
        with TestClient(create_app()) as client, lock_held(quick_engine):
            client.cookies.set("fullcircle_session", "junk" * 10)
            # Refused for who it is (401), not made to wait for the lock (503).
            response = client.post(f"/ideas/{idea.id}/vote", data={"action": "vote"})
        assert response.status_code == 401


def test_a_requests_wait_for_its_turn_counts_against_the_locks_wait(tmp_path: Path) -> None:
    """A write that already waited for its write turn (app.db.write_turn) waits for the lock
    only until the request's deadline, not for a whole ``write_lock_wait_seconds`` more."""
    import threading
    import time

    from app.errors import ServiceBusy

    lock = app_db._WriteLock(str(tmp_path / "turns.db"), wait_seconds=60, max_waiting=4)
    lock.acquire()  # another writer holds it throughout
    outcome: list[str] = []

    def waiter() -> None:
        app_db.WRITE_DEADLINE.set(time.monotonic() + 0.1)
        try:
            lock.acquire()
            outcome.append("acquired")
        except ServiceBusy:
            outcome.append("busy")

    thread = threading.Thread(target=waiter)
    thread.start()
    thread.join(timeout=10)
    try:
        assert outcome == ["busy"]
    finally:
        lock.release()
        thread.join()
