"""Migrations: from empty to head, no drift between models and migrations (alembic check),
and down to base and back up, on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from app.db import make_engine
from app.migrations_state import alembic_config
from tests.conftest import IS_POSTGRES, TEST_DATABASE_URL


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    if not IS_POSTGRES:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = "fullcircle_migrations_test"
    admin = make_engine(TEST_DATABASE_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


class TestMigrations:
    def test_upgrade_from_empty_check_and_round_trip(self, empty_database_url: str) -> None:
        config = alembic_config(empty_database_url)
        command.upgrade(config, "head")
        command.check(config)  # raises if the models and the migrations disagree

        engine = make_engine(empty_database_url)
        with engine.connect() as conn:
            assert "user_account" in inspect(conn).get_table_names()
            root = conn.execute(text("SELECT kind, path FROM unit WHERE parent_id IS NULL")).one()
            assert tuple(root) == ("organisation", "/1/")

        command.downgrade(config, "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}

        command.upgrade(config, "head")
        command.check(config)
        engine.dispose()
