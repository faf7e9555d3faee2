"""Moderation queue: decisions, reason templates and report rules.

- ``idea.moderation_reason`` and ``comment.moderation_reason``: why a moderator did not publish
  it, in the words its author sees. Plain ADD COLUMN (a batch rebuild of ``idea`` would drop
  its full-text-search triggers).
- ``report.target`` ("idea:5" or "comment:9", never null) and ``report.reporter_key`` (an HMAC
  naming the person or, signed out, their network address), unique together: one report per
  person per idea or comment. Reports made before this have no key and limit nothing.

Revision ID: c2d5f8b3e1a4
Revises: b1c4e7a2d9f3
Create Date: 2026-12-02 12:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c2d5f8b3e1a4"
down_revision: str | None = "b1c4e7a2d9f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MODERATED = ("idea", "comment")


def upgrade() -> None:
    for table in MODERATED:
        op.add_column(
            table,
            sa.Column(
                "moderation_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True
            ),
        )
    op.add_column(
        "report", sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
    )
    op.add_column(
        "report",
        sa.Column("reporter_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.execute(
        "UPDATE report SET target = CASE WHEN comment_id IS NULL "
        "THEN 'idea:' || CAST(idea_id AS VARCHAR) "
        "ELSE 'comment:' || CAST(comment_id AS VARCHAR) END"
    )
    # ``report`` has no triggers: a batch rebuild on SQLite is safe here.
    with op.batch_alter_table("report") as batch:
        batch.alter_column(
            "target", existing_type=sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False
        )
    op.create_index("ix_report_target", "report", ["target"], unique=False)
    op.create_index(
        "uq_report_reporter_key_target", "report", ["reporter_key", "target"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_report_reporter_key_target", table_name="report")
    op.drop_index("ix_report_target", table_name="report")
    with op.batch_alter_table("report") as batch:
        batch.drop_column("reporter_key")
        batch.drop_column("target")
    for table in reversed(MODERATED):
        # Plain DROP COLUMN (SQLite 3.35+): no batch rebuild of ``idea``.
        op.drop_column(table, "moderation_reason")
