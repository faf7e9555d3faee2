"""Alembic environment: the URL comes from app settings; every model is imported via app.models."""

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Engine
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table)
from app.config import get_settings
from app.db import make_engine
from app.models.base import UTCDateTime

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata

# Tables that belong to the database's full-text machinery (SQLite FTS5 shadow tables), not
# to our models: autogenerate must neither create nor drop them.
FTS_TABLE_PREFIXES = ("idea_fts",)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave the full-text machinery to the migrations that create it by hand."""
    if type_ == "table" and name and name.startswith(FTS_TABLE_PREFIXES):
        return False
    if type_ == "column" and name == "search_vector":  # PostgreSQL generated tsvector
        return False
    return not (type_ == "index" and name and name.startswith("ix_idea_search"))


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_item=render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=config.attributes.get("database_url") or get_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        include_object=include_object,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine: Engine = make_engine(
        config.attributes.get("database_url") or get_settings().database_url
    )
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
