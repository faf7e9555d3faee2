"""Change ideas and what people do with them: votes, comments, follows, reports, events and
notifications."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.accounts import Identity
from app.models.base import timestamp


class IdeaStatus(StrEnum):
    submitted = "submitted"
    under_review = "under_review"
    accepted = "accepted"
    not_taken_forward = "not_taken_forward"
    duplicate = "duplicate"
    in_progress = "in_progress"
    done = "done"


class Visibility(StrEnum):
    pending_moderation = "pending_moderation"
    published = "published"
    hidden = "hidden"
    held = "held"


class ReportReason(StrEnum):
    personal_details = "personal_details"
    abusive = "abusive"
    risk = "risk"
    not_relevant = "not_relevant"
    other = "other"


class Category(SQLModel, table=True):
    __tablename__ = "category"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=80)
    position: int = 0
    active: bool = True


class Idea(SQLModel, table=True):
    __tablename__ = "idea"
    __table_args__ = (
        # Keyset pagination for each board sort: (sort key, id) both descending.
        Index("ix_idea_board_top", "visibility", "vote_count", "id"),
        Index("ix_idea_board_discussed", "visibility", "comment_count", "id"),
        Index("ix_idea_board_new", "visibility", "id"),
        Index("ix_idea_unit_status", "unit_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    description: str = Field(max_length=5000)
    benefit: str | None = Field(default=None, max_length=2000)
    unit_id: int = Field(foreign_key="unit.id")
    category_id: int = Field(foreign_key="category.id", index=True)
    submitted_as: Identity = Field(sa_type=String(20))
    author_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    #: Staff member who typed it in for a service user (with the person's consent recorded).
    helped_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    status: IdeaStatus = Field(default=IdeaStatus.submitted, sa_type=String(30), index=True)
    visibility: Visibility = Field(default=Visibility.published, sa_type=String(30))
    vote_count: int = 0
    comment_count: int = 0
    #: The one-time form token: a double submit of the same form creates one idea.
    form_token: str = Field(max_length=64, unique=True)
    receipt_hash: str = Field(max_length=64, unique=True)
    merged_into_id: int | None = Field(default=None, foreign_key="idea.id")
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class IdeaEvent(SQLModel, table=True):
    """One entry of an idea's public timeline."""

    __tablename__ = "idea_event"

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    at: datetime = timestamp()
    kind: str = Field(max_length=30)
    from_status: str | None = Field(default=None, max_length=30)
    to_status: str | None = Field(default=None, max_length=30)
    #: Shown publicly instead of a name ("a moderator", "staff").
    actor_role: str = Field(max_length=30)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    note: str | None = Field(default=None, max_length=5000)


class Vote(SQLModel, table=True):
    __tablename__ = "vote"
    __table_args__ = (
        UniqueConstraint("idea_id", "user_id", name="uq_vote_idea_id_user_id"),
        Index("ix_vote_created_at_idea_id", "created_at", "idea_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id")
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = timestamp()


class Comment(SQLModel, table=True):
    __tablename__ = "comment"
    __table_args__ = (Index("ix_comment_idea_id_id", "idea_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id")
    author_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    #: Replies are one level deep: a reply's parent is always a top-level comment.
    parent_id: int | None = Field(default=None, foreign_key="comment.id")
    author_identity: Identity = Field(sa_type=String(20))
    author_is_staff: bool = False
    body: str = Field(max_length=5000)
    visibility: Visibility = Field(default=Visibility.published, sa_type=String(30))
    created_at: datetime = timestamp()
    edited_at: datetime | None = timestamp(nullable=True, default=False)
    deleted_at: datetime | None = timestamp(nullable=True, default=False)


class Follow(SQLModel, table=True):
    __tablename__ = "follow"

    idea_id: int = Field(foreign_key="idea.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True, index=True)
    created_at: datetime = timestamp()


class Report(SQLModel, table=True):
    """Someone flagged an idea or comment; the moderation queue reads these."""

    __tablename__ = "report"

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    comment_id: int | None = Field(default=None, foreign_key="comment.id")
    reason: ReportReason = Field(sa_type=String(30))
    details: str | None = Field(default=None, max_length=2000)
    reporter_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = timestamp()
    resolved_at: datetime | None = timestamp(nullable=True, default=False)


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_id_id", "user_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    idea_id: int = Field(foreign_key="idea.id")
    kind: str = Field(max_length=30)
    created_at: datetime = timestamp()
    read_at: datetime | None = timestamp(nullable=True, default=False)


class EmailSubscription(SQLModel, table=True):
    """Email updates about one idea for someone without an account (from the receipt page)."""

    __tablename__ = "email_subscription"
    __table_args__ = (
        UniqueConstraint("idea_id", "email", name="uq_email_subscription_idea_email"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    email: str = Field(max_length=320)
    created_at: datetime = timestamp()
