"""Safeguarding: the restricted queue's items, the original of screened text, and what
screening said about each idea and comment.

The new columns on ``idea`` and ``comment`` are added with plain ADD COLUMN (never a batch
rebuild, which on SQLite would drop the idea table's full-text-search triggers).

Revision ID: a9d2e6f4b1c8
Revises: f1b7d3a9c2e5
Create Date: 2026-12-02 11:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "a9d2e6f4b1c8"
down_revision: str | None = "f1b7d3a9c2e5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCREENED = ("idea", "comment")


def upgrade() -> None:
    for table in SCREENED:
        op.add_column(
            table,
            sa.Column(
                "screening_level",
                sqlmodel.sql.sqltypes.AutoString(length=10),
                server_default="none",
                nullable=False,
            ),
        )
        op.add_column(
            table, sa.Column("screening_reasons", sa.JSON(), server_default="[]", nullable=False)
        )
    op.create_table(
        "safeguarding_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("action_note", sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(idea_id IS NOT NULL) OR (comment_id IS NOT NULL)",
            name=op.f("ck_safeguarding_item_idea_or_comment"),
        ),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["user_account.id"],
            name=op.f("fk_safeguarding_item_acknowledged_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["user_account.id"],
            name=op.f("fk_safeguarding_item_closed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name=op.f("fk_safeguarding_item_comment_id_comment")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_safeguarding_item_idea_id_idea")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_safeguarding_item_report_id_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safeguarding_item")),
    )
    op.create_index(
        op.f("ix_safeguarding_item_comment_id"), "safeguarding_item", ["comment_id"], unique=False
    )
    op.create_index(
        op.f("ix_safeguarding_item_idea_id"), "safeguarding_item", ["idea_id"], unique=False
    )
    op.create_index(
        "ix_safeguarding_item_queue", "safeguarding_item", ["status", "level", "id"], unique=False
    )
    op.create_table(
        "screened_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("original", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(idea_id IS NOT NULL) OR (comment_id IS NOT NULL)",
            name=op.f("ck_screened_text_idea_or_comment"),
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name=op.f("fk_screened_text_comment_id_comment")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_screened_text_idea_id_idea")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screened_text")),
        sa.UniqueConstraint("comment_id", name=op.f("uq_screened_text_comment_id")),
        sa.UniqueConstraint("idea_id", name=op.f("uq_screened_text_idea_id")),
    )


def downgrade() -> None:
    op.drop_table("screened_text")
    op.drop_index("ix_safeguarding_item_queue", table_name="safeguarding_item")
    op.drop_index(op.f("ix_safeguarding_item_idea_id"), table_name="safeguarding_item")
    op.drop_index(op.f("ix_safeguarding_item_comment_id"), table_name="safeguarding_item")
    op.drop_table("safeguarding_item")
    for table in reversed(SCREENED):
        # Plain DROP COLUMN (SQLite 3.35+), for the same reason as above: no batch rebuild.
        op.drop_column(table, "screening_reasons")
        op.drop_column(table, "screening_level")
