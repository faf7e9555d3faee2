"""Triage request shapes: a status change in the JSON API (the response is the ideas API's
``IdeaPublic``)."""

from pydantic import BaseModel, Field, field_validator

from app.ideas.schemas import clean_text
from app.models import IdeaStatus
from app.triage.service import MESSAGE_MAX


class StatusChange(BaseModel):
    """POST /api/v1/ideas/{id}/status."""

    status: IdeaStatus
    message: str | None = Field(
        default=None,
        max_length=MESSAGE_MAX,
        description="Published on the idea's timeline (identifying details are removed). "
        "Needed for `not_taken_forward` (why) and `done` (what was done).",
    )
    duplicate_of: int | None = Field(
        default=None,
        description="For `duplicate`: the id of the published idea this one duplicates. Its "
        "supporters and followers move there.",
    )

    _clean = field_validator("message", mode="before")(clean_text)
