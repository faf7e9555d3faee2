"""Settings: docs/operations.md documents every one, and the secret-key rules hold."""

import os
import re
import stat
from enum import Enum
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import AliasChoices, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, select

from app import config
from app.config import Environment, Settings
from app.core import mail
from app.db import open_session
from app.main import create_app
from app.models import OutboxEmail

OPERATIONS_MD = Path(__file__).resolve().parent.parent / "docs" / "operations.md"
_ROW = re.compile(r"^\|\s*`(?P<name>[A-Z][A-Z0-9_]*)`\s*\|(?P<default>[^|]*)\|")


def documented_settings() -> dict[str, str]:
    """Environment variable -> default cell, from the table under "## Settings"."""
    text = OPERATIONS_MD.read_text(encoding="utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        match = _ROW.match(line.strip())
        if match:
            assert match["name"] not in rows, f"{match['name']} is documented twice"
            rows[match["name"]] = match["default"].strip()
    return rows


def env_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"FULLCIRCLE_{field.upper()}"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No setting from the test run's environment leaks into the Settings built here."""
    for name in list(os.environ):
        if name.startswith("FULLCIRCLE_") or name in ("DATABASE_URL", "SECRET_KEY"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


class TestOperationsDocs:
    def test_every_setting_is_documented_and_nothing_else(self) -> None:
        expected = {env_name(field) for field in Settings.model_fields}
        assert set(documented_settings()) == expected

    def test_database_url_and_secret_key_have_no_prefix(self) -> None:
        assert env_name("database_url") == "DATABASE_URL"
        assert env_name("secret_key") == "SECRET_KEY"

    def test_documented_defaults_match_the_code(self) -> None:
        documented = documented_settings()
        for field, info in Settings.model_fields.items():
            default = info.default
            if default is None or isinstance(default, list):
                assert documented[env_name(field)].lower().startswith("none"), field
                continue
            if isinstance(default, bool):
                shown = str(default).lower()
            elif isinstance(default, Enum):
                shown = str(default.value)
            else:
                shown = str(default)
            assert documented[env_name(field)] == f"`{shown}`", field


class TestProductionSettings:
    def test_database_url_and_secret_key_are_enough(self, clean_env: pytest.MonkeyPatch) -> None:
        clean_env.setenv("FULLCIRCLE_ENV", "production")
        clean_env.setenv("DATABASE_URL", "postgresql+psycopg://fc:pw@db.internal/fullcircle")
        clean_env.setenv("SECRET_KEY", "a-long-random-production-secret")

        settings = Settings()

        assert settings.is_production
        assert settings.database_url == "postgresql+psycopg://fc:pw@db.internal/fullcircle"
        assert settings.secret_key == "a-long-random-production-secret"
        assert not settings.smtp_configured
        assert settings.safeguarding_emails == []
        assert settings.session_cookie_name == "__Host-fullcircle_session"

    def test_prefixed_aliases_are_accepted(self, clean_env: pytest.MonkeyPatch) -> None:
        clean_env.setenv("FULLCIRCLE_ENV", "production")
        clean_env.setenv("FULLCIRCLE_DATABASE_URL", "sqlite:///./other.db")
        clean_env.setenv("FULLCIRCLE_SECRET_KEY", "prefixed-secret")

        settings = Settings()

        assert settings.database_url == "sqlite:///./other.db"
        assert settings.secret_key == "prefixed-secret"

    def test_missing_secret_key_is_a_clear_error(self, clean_env: pytest.MonkeyPatch) -> None:
        clean_env.setenv("FULLCIRCLE_ENV", "production")
        clean_env.setenv("DATABASE_URL", "postgresql+psycopg://fc:pw@db.internal/fullcircle")

        with pytest.raises(ValidationError, match="SECRET_KEY must be set in production"):
            Settings()

    def test_no_secret_key_file_is_written_in_production(
        self, clean_env: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        clean_env.setenv("FULLCIRCLE_ENV", "production")
        clean_env.setenv("FULLCIRCLE_INSTANCE_DIR", str(tmp_path / "instance"))

        with pytest.raises(ValidationError):
            Settings()

        assert not (tmp_path / "instance").exists()

    @pytest.mark.parametrize("value", ["0", "-1", "41", "two"])
    def test_write_threads_outside_one_to_forty_is_a_clear_error(
        self, clean_env: pytest.MonkeyPatch, value: str
    ) -> None:
        """Zero turns would refuse every write (503) and more than the thread pool's 40 would
        let writes take every reader's thread: refused at start-up, naming the setting."""
        clean_env.setenv("FULLCIRCLE_WRITE_THREADS", value)
        with pytest.raises(ValidationError, match="write_threads"):
            Settings()

    @pytest.mark.parametrize(
        ("url", "setting", "turns"),
        [
            ("sqlite:///./x.db", None, 1),
            ("postgresql+psycopg://fc:pw@db.internal/fullcircle", None, 2),
            ("postgresql+psycopg://fc:pw@db.internal/fullcircle", "3", 3),
            ("sqlite:///./x.db", "2", 2),
        ],
    )
    def test_writes_at_once_default_to_one_on_sqlite_and_two_on_postgresql(
        self, clean_env: pytest.MonkeyPatch, url: str, setting: str | None, turns: int
    ) -> None:
        clean_env.setenv("DATABASE_URL", url)
        if setting is not None:
            clean_env.setenv("FULLCIRCLE_WRITE_THREADS", setting)
        assert Settings().write_turns == turns

    def test_safeguarding_emails_are_comma_separated(self, clean_env: pytest.MonkeyPatch) -> None:
        clean_env.setenv("FULLCIRCLE_ENV", "production")
        clean_env.setenv("SECRET_KEY", "s")
        clean_env.setenv("FULLCIRCLE_SAFEGUARDING_EMAILS", " a@example.org, b@example.org ,")

        assert Settings().safeguarding_emails == ["a@example.org", "b@example.org"]

    def test_the_site_starts_and_mail_waits_in_the_outbox(
        self, engine: Engine, clean_env: pytest.MonkeyPatch
    ) -> None:
        clean_env.setenv("FULLCIRCLE_ENV", "production")
        clean_env.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
        clean_env.setenv("SECRET_KEY", "a-long-random-production-secret")
        config.get_settings.cache_clear()
        try:
            with TestClient(create_app(), base_url="https://testserver") as client:
                assert client.get("/healthz").json() == {"status": "ok"}
                assert client.get("/readyz").json() == {"status": "ok"}
                home = client.get("/")
            assert home.status_code == 200
            assert "Strict-Transport-Security" in home.headers

            with open_session(write=True) as db:
                mail.queue(db, to="someone@example.org", subject="Hello", body="Body")
                db.commit()
                assert mail.deliver_pending(db, settings=config.get_settings()) == 0
            with Session(engine) as db:
                waiting = db.scalars(select(OutboxEmail)).one()
            assert waiting.sent_at is None
            assert waiting.attempts == 0
        finally:
            config.get_settings.cache_clear()


class TestDevelopmentSecretKey:
    def test_generated_once_into_the_instance_dir_and_reused(
        self, clean_env: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        instance = tmp_path / "instance"
        clean_env.setenv("FULLCIRCLE_ENV", "development")
        clean_env.setenv("FULLCIRCLE_INSTANCE_DIR", str(instance))

        first = Settings()
        second = Settings()

        key_file = instance / "secret_key"
        assert first.env is Environment.development
        assert first.secret_key
        assert len(first.secret_key) >= 48
        assert second.secret_key == first.secret_key
        assert key_file.read_text().strip() == first.secret_key
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    def test_an_explicit_key_wins_and_no_file_is_written(
        self, clean_env: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        instance = tmp_path / "instance"
        clean_env.setenv("FULLCIRCLE_ENV", "development")
        clean_env.setenv("FULLCIRCLE_INSTANCE_DIR", str(instance))
        clean_env.setenv("SECRET_KEY", "chosen-by-hand")

        assert Settings().secret_key == "chosen-by-hand"
        assert not instance.exists()

    def test_each_instance_dir_gets_its_own_key(
        self, clean_env: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        clean_env.setenv("FULLCIRCLE_ENV", "development")
        clean_env.setenv("FULLCIRCLE_INSTANCE_DIR", str(tmp_path / "one"))
        one = Settings().secret_key
        clean_env.setenv("FULLCIRCLE_INSTANCE_DIR", str(tmp_path / "two"))
        two = Settings().secret_key

        assert one != two
