"""Triage: internal notes staff keep about an idea. They never leave staff pages (the
idea's owner and first response are columns of ``idea``)."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import timestamp


class StaffNote(SQLModel, table=True):
    """A note between the staff who triage an idea: never public, never in the API."""

    __tablename__ = "staff_note"

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    author_id: int = Field(foreign_key="user_account.id")
    body: str = Field(max_length=5000)
    created_at: datetime = timestamp()
