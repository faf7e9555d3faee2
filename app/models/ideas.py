"""Change ideas and what only ideas have: categories, votes, reports and email updates.

Comments, follows, timeline events and notifications attach to any subject: models/activity.py."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.states import N_, LabelledEnum
from app.models.accounts import Identity
from app.models.base import timestamp


class IdeaStatus(LabelledEnum):
    """The public life of an idea (DOMAIN.md section 3); moves: app/ideas/states.py."""

    submitted = "submitted", N_("Submitted"), "grey"
    under_review = "under_review", N_("Under review"), "blue"
    accepted = "accepted", N_("Accepted"), "aqua-green"
    not_taken_forward = "not_taken_forward", N_("Not taken forward"), "red"
    duplicate = "duplicate", N_("Duplicate"), "white"
    in_progress = "in_progress", N_("In progress"), "yellow"
    done = "done", N_("Done"), "green"


class Visibility(LabelledEnum):
    """Who can see an idea or comment, separate from its status (app/ideas/access.py)."""

    pending_moderation = "pending_moderation", N_("Waiting for a moderator"), "yellow"
    published = "published", N_("Published"), "green"
    hidden = "hidden", N_("Hidden"), "grey"
    held = "held", N_("Held for safeguarding"), "red"


class ReportReason(LabelledEnum):
    personal_details = "personal_details", N_("It includes someone's personal details")
    abusive = "abusive", N_("It is abusive or offensive")
    risk = "risk", N_("Someone may be at risk of harm")
    not_relevant = "not_relevant", N_("It is not about our services")
    other = "other", N_("Something else")


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
    #: The author held a staff role when they submitted it as staff (an admin vouched for
    #: them). ``submitted_as`` alone is only what someone said about themselves.
    submitted_by_staff: bool = False
    author_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    #: Staff member who typed it in for a service user (with the person's consent recorded).
    helped_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    status: IdeaStatus = Field(default=IdeaStatus.submitted, sa_type=String(30), index=True)
    visibility: Visibility = Field(default=Visibility.published, sa_type=String(30))
    #: What screening said (none, concern or urgent) and why, in words: never the text itself.
    #: The original of a text screening changed is in ``screened_text`` (staff only).
    screening_level: str = Field(
        default="none", max_length=10, sa_column_kwargs={"server_default": "none"}
    )
    screening_reasons: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    #: Why it waits for a moderator besides screening (e.g. "many from one address"), in words.
    moderation_flags: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    #: Why a moderator did not publish it, in words its author sees (never shown publicly).
    moderation_reason: str | None = Field(default=None, max_length=2000)
    vote_count: int = 0
    comment_count: int = 0
    #: The one-time form token: a double submit of the same form creates one idea.
    form_token: str = Field(max_length=64, unique=True)
    receipt_hash: str = Field(max_length=64, unique=True)
    merged_into_id: int | None = Field(default=None, foreign_key="idea.id")
    #: The member of staff who owns the response (triage assigns them; app/triage).
    owner_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    #: The first official public response, or the first move beyond submitted: the triage
    #: queue's overdue flag and the response-time reports read it.
    first_response_at: datetime | None = timestamp(nullable=True, default=False)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    #: When its author last changed the text (only while it is ``submitted``).
    edited_at: datetime | None = timestamp(nullable=True, default=False)
    #: When its author withdrew it: hidden from the public, nothing deleted.
    withdrawn_at: datetime | None = timestamp(nullable=True, default=False)
    #: The pseudonymous contributor an anonymous submitter became by answering the voluntary
    #: demographics through the receipt link (app/models/demographics.py). Signed-in authors'
    #: ideas reach theirs through ``contributor.user_id``. Never shown, read only by reports.
    contributor_id: str | None = Field(
        default=None, foreign_key="contributor.id", max_length=32, index=True
    )


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


class Report(SQLModel, table=True):
    """Someone flagged an idea or comment; the moderation queue reads these."""

    __tablename__ = "report"
    __table_args__ = (
        # One report per person per idea or comment (app/moderation/service.py ``report``).
        Index("uq_report_reporter_key_target", "reporter_key", "target", unique=True),
        Index("ix_report_target", "target"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    comment_id: int | None = Field(default=None, foreign_key="comment.id")
    #: What was reported, never null (so the unique index works): "idea:5" or "comment:9".
    target: str = Field(max_length=40)
    #: Who reported it, as an HMAC of "user:<id>" or, signed out, of the network address.
    #: Null only for reports made before reports were limited to one per person.
    reporter_key: str | None = Field(default=None, max_length=64)
    reason: ReportReason = Field(sa_type=String(30))
    details: str | None = Field(default=None, max_length=2000)
    reporter_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = timestamp()
    resolved_at: datetime | None = timestamp(nullable=True, default=False, index=True)


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
    #: When the address's owner pressed the button in the email sent to it (double opt-in):
    #: until then it gets nothing but that one email.
    confirmed_at: datetime | None = timestamp(nullable=True, default=False)
    #: When the confirmation was last sent (it is sent again at most every few minutes).
    confirmation_sent_at: datetime | None = timestamp(nullable=True, default=False)
