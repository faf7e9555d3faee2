"""Comments, follows, notifications and the timeline attach to a subject (kind + id), not only
to an idea: the projects domain will give them projects too. Existing rows become subject
kind "idea" with the same id; nothing is lost. ``idea_event`` becomes ``timeline_event``.

Revision ID: 5b1f0c2a9d3e
Revises: cbd3d838340c
Create Date: 2026-12-01 23:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b1f0c2a9d3e"
down_revision: str | None = "cbd3d838340c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND_CHECK = "subject_kind IN ('idea')"


def _kind_column() -> sa.Column:
    # The server default fills the existing rows; it is dropped again below (the models
    # always say the kind).
    return sa.Column("subject_kind", sa.String(length=20), nullable=False, server_default="idea")


def _to_subject(table: str, *, fk: str, index: str | None, new_index: list[str] | None) -> None:
    with op.batch_alter_table(table) as batch:
        batch.add_column(_kind_column())
        if index:
            batch.drop_index(index)
        batch.drop_constraint(fk, type_="foreignkey")
        batch.alter_column("idea_id", new_column_name="subject_id", existing_type=sa.Integer())
        batch.create_check_constraint("subject_kind", KIND_CHECK)
    with op.batch_alter_table(table) as batch:
        batch.alter_column("subject_kind", server_default=None, existing_type=sa.String(20))
        if new_index:
            batch.create_index(f"ix_{table}_subject", new_index, unique=False)


def upgrade() -> None:
    _to_subject(
        "comment",
        fk="fk_comment_idea_id_idea",
        index="ix_comment_idea_id_id",
        new_index=["subject_kind", "subject_id", "id"],
    )
    _to_subject("notification", fk="fk_notification_idea_id_idea", index=None, new_index=None)

    # A new primary key: built as a new table and copied, the same way on both databases.
    # (PostgreSQL names a primary key's index in the schema: the old one steps aside first.)
    _rename_primary_key("follow", "pk_follow", "pk_follow_old")
    op.create_table(
        "follow_subject",
        sa.Column("subject_kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(KIND_CHECK, name=op.f("ck_follow_subject_kind")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_follow_user_id_user_account"
        ),
        sa.PrimaryKeyConstraint("subject_kind", "subject_id", "user_id", name="pk_follow"),
    )
    op.execute(
        "INSERT INTO follow_subject (subject_kind, subject_id, user_id, created_at) "
        "SELECT 'idea', idea_id, user_id, created_at FROM follow"
    )
    op.drop_index("ix_follow_user_id", table_name="follow")
    op.drop_table("follow")
    op.rename_table("follow_subject", "follow")
    op.create_index("ix_follow_user_id", "follow", ["user_id"], unique=False)

    op.rename_table("idea_event", "timeline_event")
    with op.batch_alter_table("timeline_event") as batch:
        batch.add_column(_kind_column())
        batch.drop_index("ix_idea_event_idea_id")
        batch.drop_constraint("fk_idea_event_idea_id_idea", type_="foreignkey")
        batch.drop_constraint("fk_idea_event_actor_id_user_account", type_="foreignkey")
        batch.alter_column("idea_id", new_column_name="subject_id", existing_type=sa.Integer())
        batch.alter_column(
            "actor_role", type_=sa.String(length=60), existing_type=sa.String(length=30)
        )
        batch.create_foreign_key(
            "fk_timeline_event_actor_id_user_account", "user_account", ["actor_id"], ["id"]
        )
        batch.create_check_constraint("subject_kind", KIND_CHECK)
    with op.batch_alter_table("timeline_event") as batch:
        batch.alter_column("subject_kind", server_default=None, existing_type=sa.String(20))
        batch.create_index(
            "ix_timeline_event_subject", ["subject_kind", "subject_id", "id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE timeline_event RENAME CONSTRAINT pk_idea_event TO pk_timeline_event")
        op.execute("ALTER SEQUENCE idea_event_id_seq RENAME TO timeline_event_id_seq")


def _rename_primary_key(table: str, old: str, new: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {old} TO {new}")


def _to_idea(table: str, *, fk: str, index: str | None, old_index: list[str] | None) -> None:
    with op.batch_alter_table(table) as batch:
        if index:
            batch.drop_index(index)
        batch.drop_constraint("subject_kind", type_="check")
        batch.alter_column("subject_id", new_column_name="idea_id", existing_type=sa.Integer())
        batch.drop_column("subject_kind")
    with op.batch_alter_table(table) as batch:
        batch.create_foreign_key(fk, "idea", ["idea_id"], ["id"])
        if old_index:
            batch.create_index(f"ix_{table}_idea_id_id", old_index, unique=False)


def downgrade() -> None:
    # Only ideas had comments, follows and timelines before this migration: rows about any
    # other kind of subject cannot go back and are refused by the foreign keys.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER SEQUENCE timeline_event_id_seq RENAME TO idea_event_id_seq")
        op.execute("ALTER TABLE timeline_event RENAME CONSTRAINT pk_timeline_event TO pk_idea_event")
    with op.batch_alter_table("timeline_event") as batch:
        batch.drop_index("ix_timeline_event_subject")
        batch.drop_constraint("subject_kind", type_="check")
        batch.drop_constraint("fk_timeline_event_actor_id_user_account", type_="foreignkey")
        batch.alter_column("subject_id", new_column_name="idea_id", existing_type=sa.Integer())
        batch.alter_column(
            "actor_role", type_=sa.String(length=30), existing_type=sa.String(length=60)
        )
        batch.drop_column("subject_kind")
    with op.batch_alter_table("timeline_event") as batch:
        batch.create_foreign_key("fk_idea_event_idea_id_idea", "idea", ["idea_id"], ["id"])
        batch.create_foreign_key(
            "fk_idea_event_actor_id_user_account", "user_account", ["actor_id"], ["id"]
        )
        batch.create_index("ix_idea_event_idea_id", ["idea_id"], unique=False)
    op.rename_table("timeline_event", "idea_event")

    _rename_primary_key("follow", "pk_follow", "pk_follow_old")
    op.create_table(
        "follow_idea",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"], name="fk_follow_idea_id_idea"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_follow_user_id_user_account"
        ),
        sa.PrimaryKeyConstraint("idea_id", "user_id", name="pk_follow"),
    )
    op.execute(
        "INSERT INTO follow_idea (idea_id, user_id, created_at) "
        "SELECT subject_id, user_id, created_at FROM follow WHERE subject_kind = 'idea'"
    )
    op.drop_index("ix_follow_user_id", table_name="follow")
    op.drop_table("follow")
    op.rename_table("follow_idea", "follow")
    op.create_index("ix_follow_user_id", "follow", ["user_id"], unique=False)

    _to_idea("notification", fk="fk_notification_idea_id_idea", index=None, old_index=None)
    _to_idea(
        "comment",
        fk="fk_comment_idea_id_idea",
        index="ix_comment_subject",
        old_index=["idea_id", "id"],
    )
