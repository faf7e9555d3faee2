"""Migrations: from empty to head, no drift between models and migrations (alembic check),
and down to base and back up, on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from app.db import make_engine
from app.migrations_state import alembic_config
from tests.helpers import IS_POSTGRES, TEST_DATABASE_URL


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

    def test_subjects_migration_keeps_every_comment_follow_and_event(
        self, empty_database_url: str
    ) -> None:
        """Rows about ideas written before comments could have other subjects survive the
        change of shape, both ways."""
        config = alembic_config(empty_database_url)
        command.upgrade(config, "cbd3d838340c")
        engine = make_engine(empty_database_url)
        now = "2026-11-30 12:00:00"
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO user_account (id, email, display_name, identity, created_at,"
                    " updated_at) VALUES (7, 'a@example.org', 'A', 'carer', :now, :now)"
                ),
                {"now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO idea (id, title, description, unit_id, category_id,"
                    " submitted_as, status, visibility, vote_count, comment_count, form_token,"
                    " receipt_hash, created_at, updated_at) VALUES (3, 't', 'd', 1, 1, 'carer',"
                    " 'submitted', 'published', 0, 1, 'ft', 'rh', :now, :now)"
                ),
                {"now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO comment (id, idea_id, author_id, author_identity,"
                    " author_is_staff, body, visibility, created_at) VALUES (5, 3, 7, 'carer',"
                    " false, 'hello', 'published', :now)"
                ),
                {"now": now},
            )
            conn.execute(
                text("INSERT INTO follow (idea_id, user_id, created_at) VALUES (3, 7, :now)"),
                {"now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO notification (id, user_id, idea_id, kind, created_at)"
                    " VALUES (9, 7, 3, 'comment', :now)"
                ),
                {"now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO idea_event (id, idea_id, at, kind, to_status, actor_role)"
                    " VALUES (11, 3, :now, 'submitted', 'submitted', 'a carer')"
                ),
                {"now": now},
            )

        command.upgrade(config, "head")
        with engine.connect() as conn:
            for table, key in (
                ("comment", 5),
                ("notification", 9),
                ("timeline_event", 11),
            ):
                row = conn.execute(
                    text(f"SELECT subject_kind, subject_id FROM {table} WHERE id = :id"),
                    {"id": key},
                ).one()
                assert tuple(row) == ("idea", 3), table
            follow = conn.execute(text("SELECT subject_kind, subject_id, user_id FROM follow"))
            assert [tuple(r) for r in follow] == [("idea", 3, 7)]

        command.downgrade(config, "cbd3d838340c")
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT idea_id FROM comment WHERE id = 5")) == 3
            assert conn.scalar(text("SELECT idea_id FROM idea_event WHERE id = 11")) == 3
            assert [
                tuple(r) for r in conn.execute(text("SELECT idea_id, user_id FROM follow"))
            ] == [(3, 7)]
        engine.dispose()

    def test_verified_staff_migration_trusts_only_role_holders(
        self, empty_database_url: str
    ) -> None:
        """Existing ideas "from staff" stay so only if the author holds a staff role; the
        others (and their timeline) say "not verified". Existing accounts count as confirmed."""
        config = alembic_config(empty_database_url)
        command.upgrade(config, "9d3f6a2b4c81")
        engine = make_engine(empty_database_url)
        now = "2026-12-01 12:00:00"
        with engine.begin() as conn:
            for user_id, email in ((1, "real@example.org"), (2, "claims@example.org")):
                conn.execute(
                    text(
                        "INSERT INTO user_account (id, email, display_name, identity,"
                        " created_at, updated_at) VALUES (:id, :email, 'S', 'staff', :now, :now)"
                    ),
                    {"id": user_id, "email": email, "now": now},
                )
            conn.execute(
                text("INSERT INTO user_role (user_id, role, granted_at) VALUES (1, 'staff', :now)"),
                {"now": now},
            )
            for idea_id, author in ((10, 1), (20, 2)):
                conn.execute(
                    text(
                        "INSERT INTO idea (id, title, description, unit_id, category_id,"
                        " submitted_as, author_id, status, visibility, vote_count,"
                        " comment_count, form_token, receipt_hash, created_at, updated_at)"
                        " VALUES (:id, 't', 'd', 1, 1, 'staff', :author, 'submitted',"
                        " 'published', 0, 0, :ft, :rh, :now, :now)"
                    ),
                    {
                        "id": idea_id,
                        "author": author,
                        "ft": f"f{idea_id}",
                        "rh": f"r{idea_id}",
                        "now": now,
                    },
                )
                conn.execute(
                    text(
                        "INSERT INTO timeline_event (subject_kind, subject_id, at, kind,"
                        " to_status, actor_role) VALUES ('idea', :id, :now, 'submitted',"
                        " 'submitted', 'staff')"
                    ),
                    {"id": idea_id, "now": now},
                )

        command.upgrade(config, "head")
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT i.id, i.submitted_by_staff, e.actor_role FROM idea i JOIN"
                    " timeline_event e ON e.subject_id = i.id ORDER BY i.id"
                )
            )
            assert [(r[0], bool(r[1]), r[2]) for r in rows] == [
                (10, True, "staff"),
                (20, False, "someone who works here (not verified)"),
            ]
            unconfirmed = conn.scalar(
                text("SELECT count(*) FROM user_account WHERE email_confirmed_at IS NULL")
            )
            assert unconfirmed == 0

        command.downgrade(config, "9d3f6a2b4c81")
        with engine.connect() as conn:
            roles = conn.execute(text("SELECT actor_role FROM timeline_event ORDER BY id"))
            assert [r[0] for r in roles] == ["staff", "staff"]
        engine.dispose()

    def test_old_tokens_get_scopes_and_an_end(self, empty_database_url: str) -> None:
        """Tokens made before scopes keep reading and writing, for 90 days from the upgrade;
        sessions count as proved when they began."""
        config = alembic_config(empty_database_url)
        command.upgrade(config, "b5d8f0a3e2c4")
        engine = make_engine(empty_database_url)
        made = "2026-01-01 09:00:00"
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO user_account (id, email, display_name, identity, created_at,"
                    " updated_at) VALUES (1, 'a@example.org', 'A', 'carer', :t, :t)"
                ),
                {"t": made},
            )
            conn.execute(
                text(
                    "INSERT INTO api_token (user_id, name, token_hash, prefix, created_at)"
                    " VALUES (1, 'old', 'h1', 'fc_old', :t)"
                ),
                {"t": made},
            )
            conn.execute(
                text(
                    "INSERT INTO auth_session (token_hash, user_id, created_at, last_seen_at,"
                    " user_agent, ip_address) VALUES ('s1', 1, :t, :t, '', '')"
                ),
                {"t": made},
            )

        command.upgrade(config, "e8a3c1d6f9b4")
        with engine.connect() as conn:
            scopes, ends = conn.execute(text("SELECT scopes, expires_at FROM api_token")).one()
            assert scopes == "read write"
            ends = ends if isinstance(ends, datetime) else datetime.fromisoformat(ends)
            expected = datetime.now(UTC) + timedelta(days=90)
            ends = ends.astimezone(UTC) if ends.tzinfo else ends.replace(tzinfo=UTC)
            assert abs(ends - expected) < timedelta(minutes=5)
            proved = conn.scalar(
                text("SELECT count(*) FROM auth_session WHERE reauthenticated_at = created_at")
            )
            assert proved == 1
        command.downgrade(config, "b5d8f0a3e2c4")
        engine.dispose()
