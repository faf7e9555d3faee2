"""Test fixtures: a real database per test (SQLite by default, PostgreSQL with
TEST_DATABASE_URL), migrated by Alembic once per run, and a client for the real app."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["FULLCIRCLE_ENV"] = "test"
# Tests read their own writes at once; the microcache has its own tests (tests/test_pagecache.py).
os.environ.setdefault("FULLCIRCLE_PUBLIC_CACHE_SECONDS", "0")
# Tests run the background jobs themselves (tests/notifications/test_worker.py starts the
# server's own worker thread where it is the subject).
os.environ.setdefault("FULLCIRCLE_EMBEDDED_WORKER", "false")
os.environ.setdefault(
    "DATABASE_URL", os.environ.get("TEST_DATABASE_URL") or "sqlite:///./test-unused.db"
)

from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

from app import db as app_db  # noqa: E402
from app.config import get_settings  # noqa: E402
from app.main import create_app  # noqa: E402
from app.migrations_state import upgrade  # noqa: E402
from app.settings import service as site_settings  # noqa: E402
from app.settings.schemas import Policy  # noqa: E402
from tests.helpers import IS_POSTGRES, TEST_DATABASE_URL, SmtpServer  # noqa: E402

# The suite makes no timing assertions, and Hypothesis's per-example deadline is one: it
# failed at random on a loaded machine when the first example built the Jinja environment
# (463 ms against a 200 ms deadline, on PostgreSQL in CI-like conditions).
hypothesis_settings.register_profile("fullcircle", deadline=None)
hypothesis_settings.load_profile("fullcircle")


@pytest.fixture(autouse=True)
def publish_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run with the moderation policy from before it was a setting: only accounts whose
    email is not confirmed wait. The policy's own tests (tests/settings) override this fixture
    and check the real defaults (anonymous authors and new accounts wait)."""
    monkeypatch.setattr(
        site_settings, "DEFAULT_POLICY", Policy(anonymous_wait=False, new_accounts_wait=False)
    )


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Run every migration once; SQLite tests copy the resulting file, PostgreSQL truncates."""
    if IS_POSTGRES:
        engine = app_db.make_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


def _truncate_postgres(engine: Engine) -> None:
    # Rows the migrations create (the root unit, the seeded categories, the content version
    # counters) are kept.
    kept = {"category", "content_version"}
    tables = [t.name for t in SQLModel.metadata.sorted_tables if t.name not in kept]
    with engine.begin() as conn:
        root = (
            conn.execute(
                text("SELECT id, kind, name, slug, path, created_at FROM unit WHERE id = 1")
            )
            .mappings()
            .first()
        )
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        if root:
            conn.execute(
                text(
                    "INSERT INTO unit (id, kind, name, slug, path, created_at) "
                    "VALUES (:id, :kind, :name, :slug, :path, :created_at)"
                ),
                dict(root),
            )
            conn.execute(text("SELECT setval(pg_get_serial_sequence('unit', 'id'), 1)"))
        conn.execute(text("DELETE FROM category WHERE id > 8"))


@pytest.fixture
def engine(migrated_template: str, tmp_path: Path) -> Iterator[Engine]:
    if IS_POSTGRES:
        engine = app_db.make_engine(TEST_DATABASE_URL, pool_size=25, max_overflow=10)
        _truncate_postgres(engine)
    else:
        path = tmp_path / "test.db"
        shutil.copyfile(migrated_template, path)
        engine = app_db.make_engine(f"sqlite:///{path}")
    app_db.use_engine(engine)
    yield engine
    app_db.use_engine(None)
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    # A read session: on SQLite each statement sees what the app has committed (so tests can
    # check the app's writes without ending a snapshot); factories' writes commit as they go.
    # PostgreSQL's read sessions run in autocommit, where factories could not use savepoints:
    # a plain session there (READ COMMITTED, so it too sees each commit of the app's).
    if engine.dialect.name == "postgresql":
        with Session(bind=engine, expire_on_commit=False) as session:
            yield session
        return
    with app_db.open_session(write=False, engine=engine) as session:
        yield session


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A real SMTP server on loopback, with the app's settings pointing at it."""
    server = SmtpServer()
    server.start()
    settings = get_settings()
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", server.port)
    monkeypatch.setattr(settings, "smtp_starttls", False)
    yield server
    server.stop()
