"""Triage: owners, staff notes and official responses.

Revision ID: b1c4e7a2d9f3
Revises: a9d2e6f4b1c8
Create Date: 2026-12-02 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "b1c4e7a2d9f3"
down_revision: str | None = "a9d2e6f4b1c8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE, never batch mode, on idea: SQLite's batch rebuilds the table and
    # would drop the full-text search triggers on it. SQLite has no ALTER ... ADD CONSTRAINT,
    # so there the foreign key goes in the ADD COLUMN itself (``inline_references``: REFERENCES,
    # accepted for a nullable column); PostgreSQL adds it as its own named constraint.
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column(
        "idea",
        sa.Column(
            "owner_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id", name="fk_idea_owner_id_user_account"),
            nullable=True,
        ),
        inline_references=sqlite,
    )
    op.create_index(op.f("ix_idea_owner_id"), "idea", ["owner_id"], unique=False)
    op.add_column("idea", sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True))
    # Ideas already past "submitted" have had their first response (the status change).
    op.execute(
        "UPDATE idea SET first_response_at = (SELECT MIN(at) FROM timeline_event WHERE "
        "timeline_event.subject_kind = 'idea' AND timeline_event.subject_id = idea.id AND "
        "timeline_event.kind = 'status') WHERE status != 'submitted'"
    )
    op.create_table(
        "staff_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_staff_note_author_id_user_account")
        ),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"], name=op.f("fk_staff_note_idea_id_idea")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_note")),
    )
    op.create_index(op.f("ix_staff_note_idea_id"), "staff_note", ["idea_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_note_idea_id"), table_name="staff_note")
    op.drop_table("staff_note")
    op.drop_column("idea", "first_response_at")
    op.drop_index(op.f("ix_idea_owner_id"), table_name="idea")
    # Dropping the column drops its foreign key too, on both databases.
    op.drop_column("idea", "owner_id")
