"""Site settings editable by admins: the pre-moderation policy and screening's local terms.

Revision ID: d3e6a9c4f2b5
Revises: c2d5f8b3e1a4
Create Date: 2026-12-02 12:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "d3e6a9c4f2b5"
down_revision: str | None = "c2d5f8b3e1a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch rebuild of ``idea`` would drop its full-text-search triggers.
    op.add_column(
        "idea", sa.Column("moderation_flags", sa.JSON(), server_default="[]", nullable=False)
    )
    op.add_column(
        "user_account",
        sa.Column("trusted", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "site_setting",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_site_setting_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_site_setting")),
    )
    op.create_table(
        "local_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("phrase", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_local_term_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_term")),
    )
    op.create_index(op.f("ix_local_term_kind"), "local_term", ["kind"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_local_term_kind"), table_name="local_term")
    op.drop_table("local_term")
    op.drop_table("site_setting")
    op.drop_column("user_account", "trusted")
    op.drop_column("idea", "moderation_flags")
