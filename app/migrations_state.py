"""Running Alembic migrations from code (the CLI, tests) and checking the database is at head."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from app.db import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (about 12 MB with Mako and Pygments) is imported by the functions that use it: a
# server worker needs it only when /readyz is asked.

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str | None = None) -> "Config":
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["configure_logger"] = False
    if url:
        config.attributes["database_url"] = url
    return config


def upgrade(url: str | None = None) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


@dataclass(frozen=True)
class Upgraded:
    """What ``migrate`` did: how many migrations ran, and whether the database was new."""

    applied: int
    created: bool

    def describe(self) -> str:
        if self.created:
            return f"Created the database and applied {self.applied} migrations."
        if self.applied:
            noun = "migration" if self.applied == 1 else "migrations"
            return f"Applied {self.applied} {noun}. Database is up to date."
        return "Database is up to date."


def upgrade_and_report(url: str) -> Upgraded:
    """Upgrade to head, saying how many migrations were applied to what was there before."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            before = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    script = ScriptDirectory.from_config(alembic_config(url))
    # From the heads down to (not including) what the database has; "base" for a new one.
    pending = list(script.iterate_revisions("heads", tuple(before) or "base"))
    upgrade(url)
    return Upgraded(applied=len(pending), created=not before)


@cache
def _heads() -> frozenset[str]:
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def migrations_at_head(conn: Connection) -> bool:
    from alembic.runtime.migration import MigrationContext

    current = set(MigrationContext.configure(conn).get_current_heads())
    return current == _heads()
