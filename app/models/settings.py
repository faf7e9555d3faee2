"""Site settings admins change without a release: named settings (the pre-moderation policy)
and screening's local terms (app/settings/)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel

from app.core.states import N_, LabelledEnum
from app.models.base import timestamp


class SiteSetting(SQLModel, table=True):
    """One named setting; ``value`` is read through its typed schema (app/settings/schemas.py),
    so a row written by an older release still reads, with defaults for what it lacks."""

    __tablename__ = "site_setting"

    key: str = Field(primary_key=True, max_length=60)
    value: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = timestamp()
    updated_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class LocalTermKind(LabelledEnum):
    place = "place", N_("Place name (removed, shown as [place])")
    risk_phrase = "risk_phrase", N_("Risk phrase or local slang (held for a person to read)")
    public_number = "public_number", N_("Public phone number (never removed)")


class LocalTerm(SQLModel, table=True):
    """A word or phrase screening treats specially here (docs/safety/screening.md)."""

    __tablename__ = "local_term"

    id: int | None = Field(default=None, primary_key=True)
    kind: LocalTermKind = Field(sa_type=String(20), index=True)
    phrase: str = Field(max_length=100)
    #: Risk phrases only: "concern" or "urgent".
    level: str | None = Field(default=None, max_length=20)
    #: Risk phrases only: the family it belongs to, in the safeguarding queue's words.
    category: str | None = Field(default=None, max_length=60)
    created_at: datetime = timestamp()
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
