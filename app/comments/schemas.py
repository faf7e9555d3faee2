"""Comment shapes for the JSON API."""

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from app.ideas.schemas import DESCRIPTION_MAX, clean_text
from app.models.base import ID_MAX


class CommentCreate(BaseModel):
    body: str = Field(min_length=1, max_length=DESCRIPTION_MAX)
    parent_id: int | None = Field(default=None, ge=1, le=ID_MAX)

    _clean = field_validator("body", mode="before")(clean_text)


class CommentPublic(BaseModel):
    id: int
    idea_id: int
    parent_id: int | None
    body: str
    author_role: str
    created_at: datetime
    edited_at: datetime | None
    removed: bool
