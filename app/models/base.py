"""Shared column types and the metadata naming convention (set before any model exists)."""

from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Column, DateTime, Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: The largest id a row can have (PostgreSQL ``integer``); a bigger number names nothing.
ID_MAX = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite stores them naive, so we restore the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use app.models.base.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def timestamp(*, index: bool = False, nullable: bool = False, default: bool = True) -> Any:
    """A UTC timestamp column; defaults to now unless told otherwise."""
    return Field(
        default_factory=utcnow if default else lambda: None,
        sa_column=Column(UTCDateTime(), nullable=nullable, index=index),
    )


M = TypeVar("M", bound=SQLModel)


def detached_copy(row: M) -> M:
    """A copy of a table row that belongs to no session, for data held across requests (a
    row from a session expires or is bound to it; a copy is a plain value)."""
    return type(row)(**{name: getattr(row, name) for name in type(row).model_fields})
