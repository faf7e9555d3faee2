"""Confirmed email addresses: an account proves its address before its support counts or its
ideas skip moderation. Accounts that already exist are treated as confirmed (from when they
were made): they were made before confirmation existed, by people or admins we already trust.

Revision ID: a4c7e9f2d1b3
Revises: 9d3f6a2b4c81
Create Date: 2026-12-02 10:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a4c7e9f2d1b3"
down_revision: str | None = "9d3f6a2b4c81"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("email_confirmed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE user_account SET email_confirmed_at = created_at")


def downgrade() -> None:
    op.drop_column("user_account", "email_confirmed_at")
