"""The ``fullcircle`` command, run against each test's own migrated database."""

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, text
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from app.accounts import passwords
from app.accounts import repository as accounts_repo
from app.cli import app as cli
from app.config import get_settings
from app.db import open_session
from app.migrations_state import alembic_config, migrations_at_head
from app.models import AuditEvent, AuthSession, Identity, Role, Unit, User, UserRole, utcnow
from app.seed import DEMO_PASSWORD
from tests import factories
from tests.helpers import IS_POSTGRES

GOOD_PASSWORD = "violet engine meadow quarry"


Run = Callable[..., Result]


@pytest.fixture
def run(engine: Engine) -> Run:
    """``run("create-user", "--email", ...)`` invokes the CLI in-process."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args))

    return invoke


@pytest.fixture
def reader(engine: Engine) -> Iterator[Session]:
    """A fresh session for checking what a command left behind."""
    with open_session(write=False, engine=engine) as session:
        yield session


def count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def roles_of(engine: Engine, email: str) -> set[Role]:
    with open_session(write=False, engine=engine) as db:
        user = accounts_repo.user_by_email(db, email)
        assert user is not None
        assert user.id is not None
        return set(accounts_repo.roles_of(db, user.id))


class TestCreateUser:
    def test_a_weak_password_is_refused_and_nothing_is_created(
        self, run: Run, reader: Session
    ) -> None:
        result = run(
            "create-user", "--email", "new@example.org", "--password", "short", "--role", "admin"
        )

        assert result.exit_code == 1
        assert "Error: Password must be 12 characters or more" in result.stderr
        assert count(reader, User) == 0
        assert count(reader, UserRole) == 0

    def test_a_common_password_is_refused(self, run: Run, reader: Session) -> None:
        result = run(
            "create-user", "--email", "new@example.org", "--password", "password1234",
            "--role", "staff",
        )  # fmt: skip

        assert result.exit_code == 1
        assert "too common" in result.stderr
        assert count(reader, User) == 0

    def test_a_good_password_creates_the_user_with_its_roles(
        self, run: Run, engine: Engine, reader: Session
    ) -> None:
        result = run(
            "create-user", "--email", " Alex.Admin@Example.org ", "--password", GOOD_PASSWORD,
            "--role", "admin", "--role", "staff", "--name", "Alex Admin",
        )  # fmt: skip

        assert result.exit_code == 0, result.output
        assert "alex.admin@example.org" in result.stdout
        assert "admin, staff" in result.stdout
        user = accounts_repo.user_by_email(reader, "alex.admin@example.org")
        assert user is not None
        assert user.display_name == "Alex Admin"
        assert user.identity == Identity.staff
        assert passwords.verify_password(GOOD_PASSWORD, user.password_hash)[0]
        assert roles_of(engine, "alex.admin@example.org") == {Role.admin, Role.staff}
        assert reader.scalars(select(AuditEvent.event)).all() == ["account.created"]

    def test_an_email_already_in_use_is_refused(
        self, run: Run, db: Session, reader: Session
    ) -> None:
        factories.create_user(db, email="taken@example.org")

        result = run(
            "create-user", "--email", "taken@example.org", "--password", GOOD_PASSWORD,
            "--role", "staff",
        )  # fmt: skip

        assert result.exit_code == 1
        assert "already uses this email address" in result.stderr
        assert count(reader, User) == 1

    def test_an_unknown_role_is_a_usage_error(self, run: Run, reader: Session) -> None:
        result = run(
            "create-user", "--email", "new@example.org", "--password", GOOD_PASSWORD,
            "--role", "superuser",
        )  # fmt: skip

        assert result.exit_code == 2
        assert count(reader, User) == 0


class TestTokenCreate:
    def test_the_last_line_is_a_token_that_works_on_the_api(
        self, run: Run, db: Session, client: TestClient
    ) -> None:
        user = factories.create_user(db, email="api@example.org", roles={Role.improvement_lead})

        result = run("token", "create", "--email", "api@example.org", "--name", "reporting")

        assert result.exit_code == 0, result.output
        token = result.stdout.strip().splitlines()[-1]
        assert token.startswith("fc_")
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
        assert me.json()["id"] == user.id
        assert me.json()["roles"] == ["improvement_lead"]
        assert me.json()["email_confirmed"] is True  # made by an admin: vouched for

    def test_each_token_is_new(self, run: Run, db: Session) -> None:
        factories.create_user(db, email="api@example.org")

        first = run("token", "create", "--email", "api@example.org")
        second = run("token", "create", "--email", "api@example.org")

        assert first.stdout.splitlines()[-1] != second.stdout.splitlines()[-1]

    def test_without_scope_every_scope_the_roles_allow(
        self, run: Run, db: Session, client: TestClient
    ) -> None:
        factories.create_user(db, email="api@example.org", roles={Role.admin})
        result = run("token", "create", "--email", "api@example.org")
        assert result.exit_code == 0, result.output
        me = client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {result.stdout.splitlines()[-1]}"}
        ).json()
        assert me["token_scopes"] == ["admin", "moderate", "read", "write"]

    def test_scopes_and_days_as_asked(self, run: Run, db: Session, client: TestClient) -> None:
        factories.create_user(db, email="api@example.org", roles={Role.admin})
        result = run(
            "token", "create", "--email", "api@example.org", "--scope", "read", "--days", "7"
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "scopes read, until" in result.stdout
        me = client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {result.stdout.splitlines()[-1]}"}
        ).json()
        assert me["token_scopes"] == ["read"]
        assert me["roles"] == []
        ends = datetime.fromisoformat(me["token_expires_at"])
        assert abs(ends - (utcnow() + timedelta(days=7))) < timedelta(minutes=1)

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("--scope", "admin"), "do not allow"),
            (("--scope", "root"), "unknown scope: root"),
            (("--days", "400"), "1 to 365 days"),
        ],
    )
    def test_what_the_roles_do_not_allow_is_refused(
        self, run: Run, db: Session, args: tuple[str, ...], message: str
    ) -> None:
        factories.create_user(db, email="api@example.org")
        result = run("token", "create", "--email", "api@example.org", *args)
        assert result.exit_code == 2
        assert message in result.stderr
        assert "fc_" not in result.stdout

    def test_an_unknown_email_is_an_error(self, run: Run) -> None:
        result = run("token", "create", "--email", "nobody@example.org")

        assert result.exit_code == 1
        assert "no account with email nobody@example.org" in result.stderr


class TestSetRoles:
    def test_roles_are_replaced_and_sessions_end(
        self, run: Run, db: Session, engine: Engine, client: TestClient, reader: Session
    ) -> None:
        user = factories.create_user(db, email="nurse@example.org", roles={Role.staff})
        factories.sign_in(client, user)
        assert client.get("/api/v1/me").status_code == 200

        result = run(
            "set-roles", "--email", "Nurse@Example.org", "--role", "moderator", "--role", "staff"
        )

        assert result.exit_code == 0, result.output
        assert "moderator, staff" in result.stdout
        assert roles_of(engine, "nurse@example.org") == {Role.moderator, Role.staff}
        assert client.get("/api/v1/me").status_code == 401
        sessions = reader.scalars(select(AuthSession).where(AuthSession.user_id == user.id)).all()
        assert sessions
        assert all(s.revoked_at is not None for s in sessions)
        change = reader.scalars(select(AuditEvent).where(AuditEvent.event == "roles.changed")).one()
        assert change.subject_user_id == user.id
        assert change.details["added"] == ["moderator"]
        assert change.details["removed"] == []

    def test_no_role_removes_them_all(self, run: Run, db: Session, engine: Engine) -> None:
        factories.create_user(db, email="leaver@example.org", roles={Role.staff, Role.admin})

        result = run("set-roles", "--email", "leaver@example.org")

        assert result.exit_code == 0, result.output
        assert "none" in result.stdout
        assert roles_of(engine, "leaver@example.org") == set()

    def test_an_unknown_email_is_an_error(self, run: Run) -> None:
        result = run("set-roles", "--email", "nobody@example.org", "--role", "staff")

        assert result.exit_code == 1
        assert "no account with email nobody@example.org" in result.stderr


class TestSeedDemo:
    def test_seeds_units_and_people_of_every_role_once(self, run: Run, engine: Engine) -> None:
        first = run("seed-demo")

        assert first.exit_code == 0, first.output
        assert "Seeded 11 units and 30 people" in first.stdout
        with open_session(write=False, engine=engine) as db:
            units, people = count(db, Unit), count(db, User)
            roles = set(db.scalars(select(UserRole.role).distinct()))
        assert units == 11  # the organisation and 10 units beneath it
        assert people == 30
        assert roles == set(Role)

        second = run("seed-demo")

        assert second.exit_code == 0, second.output
        assert "nothing to do" in second.stdout
        with open_session(write=False, engine=engine) as db:
            assert (count(db, Unit), count(db, User)) == (units, people)

    def test_demo_accounts_can_sign_in(self, run: Run, engine: Engine, client: TestClient) -> None:
        assert run("seed-demo").exit_code == 0
        with open_session(write=False, engine=engine) as db:
            admin = accounts_repo.user_by_email(db, "admin@example.org")
        assert admin is not None

        factories.sign_in(client, admin, password=DEMO_PASSWORD)
        assert client.get("/admin").status_code == 200


class TestMigrate:
    def test_a_brand_new_database_is_created_and_migrated(
        self, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        if IS_POSTGRES:
            pytest.skip("a brand-new database is a new SQLite file")
        url = f"sqlite:///{tmp_path / 'new.db'}"
        monkeypatch.setattr(get_settings(), "database_url", url)
        result = run("migrate")
        assert result.exit_code == 0, result.output
        heads = len(list(ScriptDirectory.from_config(alembic_config(url)).walk_revisions()))
        assert f"Created the database and applied {heads} migrations." in result.stdout

    def test_upgrading_an_up_to_date_database_changes_nothing(
        self, run: Run, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # `migrate` reads DATABASE_URL through Settings, not app.db.use_engine().
        url = engine.url.render_as_string(hide_password=False)
        monkeypatch.setattr(get_settings(), "database_url", url)

        for _ in range(2):
            result = run("migrate")
            assert result.exit_code == 0, result.output
            assert "Database is up to date." in result.stdout

        with engine.connect() as conn:
            assert migrations_at_head(conn)
            assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 1
            assert conn.scalar(text("SELECT count(*) FROM unit")) == 1
