"""Safeguarding: items in the restricted queue, and the original text of anything screening
changed or held (read by moderators and safeguarding leads only: app/safeguarding/access.py)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, String
from sqlmodel import Field, SQLModel

from app.core.states import N_, LabelledEnum
from app.models.base import timestamp


class SafeguardingLevel(LabelledEnum):
    """How soon a person must read it (the screening levels that hold an item)."""

    urgent = "urgent", N_("Urgent"), "red"
    concern = "concern", N_("Concern"), "orange"


class SafeguardingStatus(LabelledEnum):
    """open -> acknowledged -> closed (moves: app/safeguarding/states.py)."""

    open = "open", N_("Open"), "blue"
    acknowledged = "acknowledged", N_("Acknowledged"), "yellow"
    closed = "closed", N_("Closed"), "green"


class SafeguardingItem(SQLModel, table=True):
    """A possible risk of harm in an idea or a comment, for a person to act on. Raised by
    screening or by a report with the reason "risk"."""

    __tablename__ = "safeguarding_item"
    __table_args__ = (
        # The queue: what is not closed, urgent first, then oldest.
        Index("ix_safeguarding_item_queue", "status", "level", "id"),
        CheckConstraint(
            "(idea_id IS NOT NULL) OR (comment_id IS NOT NULL)", name="idea_or_comment"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int | None = Field(default=None, foreign_key="idea.id", index=True)
    comment_id: int | None = Field(default=None, foreign_key="comment.id", index=True)
    level: SafeguardingLevel = Field(sa_type=String(20))
    status: SafeguardingStatus = Field(default=SafeguardingStatus.open, sa_type=String(20))
    #: "screening" or "report".
    source: str = Field(default="screening", max_length=20)
    #: The reasons in plain words (screening's, or the report's reason), never the text.
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    report_id: int | None = Field(default=None, foreign_key="report.id")
    created_at: datetime = timestamp()
    acknowledged_at: datetime | None = timestamp(nullable=True, default=False)
    acknowledged_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    closed_at: datetime | None = timestamp(nullable=True, default=False)
    closed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    #: What was done (required to close). Staff-only, never public.
    action_note: str | None = Field(default=None, max_length=5000)
    #: When the backup contacts were told an urgent item was still not acknowledged.
    escalated_at: datetime | None = timestamp(nullable=True, default=False)


class ScreenedText(SQLModel, table=True):
    """What the author wrote, before identifying details were removed from the public text.
    One row per idea or comment; only moderators and safeguarding leads read it."""

    __tablename__ = "screened_text"
    __table_args__ = (
        CheckConstraint(
            "(idea_id IS NOT NULL) OR (comment_id IS NOT NULL)", name="idea_or_comment"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int | None = Field(default=None, foreign_key="idea.id", unique=True)
    comment_id: int | None = Field(default=None, foreign_key="comment.id", unique=True)
    #: {"title": ..., "description": ..., "benefit": ...} or {"body": ...}: the fields as typed.
    original: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
