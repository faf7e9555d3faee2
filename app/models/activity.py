"""What people do around a subject (an idea or a project): comments, follows, the
public timeline and notifications.

Each row names its subject as ``subject_kind`` + ``subject_id`` rather than with one foreign
key per kind of subject (docs/architecture.md, "Subjects", gives the reasons). The database
checks the kind; the services load the subject before attaching anything to it, and nothing
is ever deleted, so a row cannot point at something that is gone.
"""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, String
from sqlmodel import Field, SQLModel

from app.core.states import N_, LabelledEnum
from app.models.accounts import Identity
from app.models.base import timestamp
from app.models.ideas import Visibility


class SubjectKind(LabelledEnum):
    idea = "idea", N_("idea")
    project = "project", N_("project")


_KIND_CHECK = "subject_kind IN ('" + "', '".join(SubjectKind) + "')"


class TimelineEvent(SQLModel, table=True):
    """One entry of a subject's public timeline (a status change, a response)."""

    __tablename__ = "timeline_event"
    __table_args__ = (
        Index("ix_timeline_event_subject", "subject_kind", "subject_id", "id"),
        CheckConstraint(_KIND_CHECK, name="subject_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject_kind: SubjectKind = Field(default=SubjectKind.idea, sa_type=String(20))
    subject_id: int
    at: datetime = timestamp()
    kind: str = Field(max_length=30)
    from_status: str | None = Field(default=None, max_length=30)
    to_status: str | None = Field(default=None, max_length=30)
    #: Shown publicly instead of a name ("a moderator", "staff").
    actor_role: str = Field(max_length=60)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    note: str | None = Field(default=None, max_length=5000)


class Comment(SQLModel, table=True):
    __tablename__ = "comment"
    __table_args__ = (
        Index("ix_comment_subject", "subject_kind", "subject_id", "id"),
        CheckConstraint(_KIND_CHECK, name="subject_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject_kind: SubjectKind = Field(default=SubjectKind.idea, sa_type=String(20))
    subject_id: int
    author_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    #: Replies are one level deep: a reply's parent is always a top-level comment.
    parent_id: int | None = Field(default=None, foreign_key="comment.id")
    author_identity: Identity = Field(sa_type=String(20))
    author_is_staff: bool = False
    body: str = Field(max_length=5000)
    visibility: Visibility = Field(default=Visibility.published, sa_type=String(30))
    #: What screening said and why (as on ``Idea``); the original text is in ``screened_text``.
    screening_level: str = Field(
        default="none", max_length=10, sa_column_kwargs={"server_default": "none"}
    )
    screening_reasons: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    #: Why a moderator did not publish it, in words its author sees (never shown publicly).
    moderation_reason: str | None = Field(default=None, max_length=2000)
    created_at: datetime = timestamp()
    edited_at: datetime | None = timestamp(nullable=True, default=False)
    deleted_at: datetime | None = timestamp(nullable=True, default=False)


class Follow(SQLModel, table=True):
    __tablename__ = "follow"
    __table_args__ = (CheckConstraint(_KIND_CHECK, name="subject_kind"),)

    subject_kind: SubjectKind = Field(
        default=SubjectKind.idea, sa_type=String(20), primary_key=True
    )
    subject_id: int = Field(primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True, index=True)
    created_at: datetime = timestamp()


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_id_id", "user_id", "id"),
        # The unread count in every signed-in page's header reads this index alone.
        Index("ix_notification_user_id_read_at", "user_id", "read_at"),
        CheckConstraint(_KIND_CHECK, name="subject_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    subject_kind: SubjectKind = Field(default=SubjectKind.idea, sa_type=String(20))
    subject_id: int
    kind: str = Field(max_length=30)
    created_at: datetime = timestamp()
    read_at: datetime | None = timestamp(nullable=True, default=False)
