"""Idea input and output shapes, for the HTML form and the JSON API."""

from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import BaseModel, Field, field_validator

from app.models import IdeaStatus, Identity
from app.models.base import ID_MAX

TITLE_MAX = 120
DESCRIPTION_MAX = 5000
BENEFIT_MAX = 2000
SLUG_PATTERN = r"^[a-z0-9-]+$"


def clean_text(value: object) -> object:
    """Plain text: trim, unify line endings, drop control characters (line breaks are kept)."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(ch for ch in value if ch in "\n\t" or ch.isprintable())
    return value.strip()


class IdeaText(BaseModel):
    """The words of an idea: what its author may change while it is ``submitted``."""

    MISSING: ClassVar[dict[str, str]] = {
        "title": "Enter a short title for your idea",
        "description": "Enter a description of your idea",
    }

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX)
    benefit: str | None = Field(default=None, max_length=BENEFIT_MAX)

    _clean = field_validator("title", "description", "benefit", mode="before")(clean_text)

    @field_validator("title")
    @classmethod
    def _one_line_title(cls, v: str) -> str:
        return " ".join(v.split())

    @field_validator("benefit")
    @classmethod
    def _empty_benefit(cls, v: str | None) -> str | None:
        return v or None


class IdeaInput(IdeaText):
    """What a person writes. Shared by the form and the API."""

    MISSING: ClassVar[dict[str, str]] = {
        **IdeaText.MISSING,
        "unit_id": "Select where this is about",
        "category": "Select what your idea is about",
        "submitted_as": "Select who you are",
    }

    unit_id: int | None = None
    category: str = "other"
    submitted_as: Identity | None = None


class IdeaCreate(BaseModel):
    """POST /api/v1/ideas. ``unit`` is a unit id or slug; it defaults to the organisation."""

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX)
    unit: (
        Annotated[int, Field(ge=1, le=ID_MAX)]
        | Annotated[str, Field(max_length=100, pattern=SLUG_PATTERN)]
        | None
    ) = None
    category: str | None = Field(default=None, max_length=60, pattern=SLUG_PATTERN)
    submitted_as: Identity | None = None
    benefit: str | None = Field(default=None, max_length=BENEFIT_MAX)

    _clean = field_validator("title", "description", "benefit", mode="before")(clean_text)


class IdeaPublic(BaseModel):
    id: int
    title: str
    description: str
    status: IdeaStatus
    unit: str
    category: str
    #: How the author described themselves (a claim anyone can make).
    submitted_as: Identity
    #: True only when the author held a staff role, given by an admin, when submitting as staff.
    submitted_by_staff: bool
    vote_count: int
    comment_count: int
    voted_by_me: bool
    created_at: datetime
    updated_at: datetime


class IdeaList(BaseModel):
    items: list[IdeaPublic]
    next_cursor: str | None
