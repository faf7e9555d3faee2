"""Notifications: confirmed email sign-ups (double opt-in) and staff digests.

Revision ID: e4f7b1d5a3c6
Revises: d3e6a9c4f2b5
Create Date: 2026-12-02 12:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4f7b1d5a3c6"
down_revision: str | None = "d3e6a9c4f2b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "email_subscription",
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "email_subscription",
        sa.Column("confirmation_sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    # Sign-ups from before double opt-in have been getting updates: they keep getting them
    # (each email has a link to stop). Every new one is confirmed by its owner first.
    op.execute("UPDATE email_subscription SET confirmed_at = created_at")
    op.add_column(
        "user_account",
        sa.Column("email_updates", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column(
        "user_account",
        sa.Column("digest_daily", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "user_account",
        sa.Column("digest_sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_notification_user_id_read_at", "notification", ["user_id", "read_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_notification_user_id_read_at", table_name="notification")
    op.drop_column("user_account", "digest_sent_at")
    op.drop_column("user_account", "digest_daily")
    op.drop_column("user_account", "email_updates")
    op.drop_column("email_subscription", "confirmation_sent_at")
    op.drop_column("email_subscription", "confirmed_at")
