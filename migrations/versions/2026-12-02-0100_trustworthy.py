"""Trustworthy under pressure: the outbox retries with back-off and marks what it gave up on.

Revision ID: 7c2e5d1a8b90
Revises: 5b1f0c2a9d3e
Create Date: 2026-12-02 01:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c2e5d1a8b90"
down_revision: str | None = "5b1f0c2a9d3e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_email") as batch:
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_email") as batch:
        batch.drop_column("failed_at")
        batch.drop_column("next_attempt_at")
