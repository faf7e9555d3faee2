"""Safeguarding API shapes."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.models import SafeguardingLevel, SafeguardingStatus


class SafeguardingItemPublic(BaseModel):
    """One item of the queue (the text itself is on the item's page, not in the API)."""

    id: int
    idea_id: int | None
    comment_id: int | None
    level: SafeguardingLevel
    status: SafeguardingStatus
    reasons: list[str]
    created_at: datetime


class SafeguardingList(BaseModel):
    items: list[SafeguardingItemPublic]


class SafeguardingUpdate(BaseModel):
    """POST /api/v1/safeguarding/{id}: acknowledge, or close with a note of what was done."""

    status: Literal["acknowledged", "closed"]
    note: str | None = Field(default=None, max_length=5000)
