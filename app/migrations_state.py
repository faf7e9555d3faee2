"""Running Alembic migrations from code (the CLI, tests) and checking the database is at head."""

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["configure_logger"] = False
    if url:
        config.attributes["database_url"] = url
    return config


def upgrade(url: str | None = None) -> None:
    command.upgrade(alembic_config(url), "head")


@cache
def _heads() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def migrations_at_head(conn: Connection) -> bool:
    current = set(MigrationContext.configure(conn).get_current_heads())
    return current == _heads()
