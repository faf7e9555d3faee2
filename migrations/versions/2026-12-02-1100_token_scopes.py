"""Scoped, expiring API tokens, and when a session last proved who its owner is.

Tokens made before scopes existed keep working for 90 days from this migration, with the
scopes a token could sensibly have had (read, and write for people who can vote or comment);
after that their owners make new ones. Sessions count as re-authenticated when they began.

Revision ID: e8a3c1d6f9b4
Revises: b5d8f0a3e2c4
Create Date: 2026-12-02 11:00:00+00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "e8a3c1d6f9b4"
down_revision: str | None = "b5d8f0a3e2c4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "api_token",
        sa.Column("scopes", sa.String(length=64), nullable=False, server_default="read write"),
    )
    op.add_column(
        "api_token", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True)
    )
    bind = op.get_bind()
    until = datetime.now(UTC) + timedelta(days=90)
    if bind.dialect.name == "sqlite":  # stored naive, in UTC, like every other timestamp
        until = until.replace(tzinfo=None)
    bind.execute(sa.text("UPDATE api_token SET expires_at = :until"), {"until": until})
    with op.batch_alter_table("api_token") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.alter_column("scopes", server_default=None)
    op.add_column(
        "auth_session",
        sa.Column("reauthenticated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.execute("UPDATE auth_session SET reauthenticated_at = created_at")


def downgrade() -> None:
    op.drop_column("auth_session", "reauthenticated_at")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("scopes")
