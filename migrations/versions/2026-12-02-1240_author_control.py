"""Authors stay in control: edits of a submitted idea and withdrawal by its author.

Revision ID: f5a8c2e6b4d7
Revises: e4f7b1d5a3c6
Create Date: 2026-12-02 12:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "f5a8c2e6b4d7"
down_revision: str | None = "e4f7b1d5a3c6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch rebuild of ``idea`` would drop its full-text-search triggers.
    op.add_column("idea", sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("idea", sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("idea", "withdrawn_at")
    op.drop_column("idea", "edited_at")
