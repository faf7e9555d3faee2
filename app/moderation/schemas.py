"""Moderation API shapes."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.models import Visibility


class ReportSummary(BaseModel):
    """Open reports about it: how many, and how many give each reason (details are on the
    moderation page, not in the API)."""

    count: int
    reasons: dict[str, int]


class ModerationItem(BaseModel):
    """An idea or a comment as the moderation queue shows it (the public text only)."""

    kind: Literal["idea", "comment"]
    id: int
    idea_id: int | None = Field(
        description="The idea itself, or the idea a comment is about (null: a project's comment)"
    )
    title: str | None = Field(default=None, description="Ideas: the public title")
    body: str | None = Field(default=None, description="Comments: the start of the public text")
    visibility: Visibility
    screening_level: str
    screening_reasons: list[str]
    moderation_flags: list[str]
    reports: ReportSummary
    with_safeguarding: bool = Field(description="A safeguarding item about it is not closed")
    created_at: datetime
    waiting_since: datetime


class ModerationList(BaseModel):
    items: list[ModerationItem]


class ModerationDecision(BaseModel):
    """POST /api/v1/ideas/{id}/moderation (or comments): ``publish`` (the page's "Approve"),
    ``reject`` with a ``reason`` (one of personal_details, abusive, not_about_services,
    complaint, duplicate, or the words its author will see), or ``escalate`` to safeguarding."""

    decision: Literal["publish", "reject", "escalate"]
    reason: str | None = Field(default=None, max_length=2000)
