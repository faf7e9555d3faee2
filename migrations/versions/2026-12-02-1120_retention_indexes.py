"""Indexes for the retention jobs and the audit log's filters: each retention pass and each
admin filter by person or address reads an index instead of the whole table.

Plain CREATE INDEX on both databases (no table rebuild: the audit log's triggers stay).

Revision ID: f1b7d3a9c2e5
Revises: c6e1a9d4f7b2
Create Date: 2026-12-02 11:20:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f1b7d3a9c2e5"
down_revision: str | None = "c6e1a9d4f7b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("audit_event", "ip_address"),
    ("audit_event", "subject_user_id"),
    ("auth_session", "last_seen_at"),
    ("auth_session", "revoked_at"),
    ("password_reset_token", "expires_at"),
    ("rate_event", "at"),
    ("report", "resolved_at"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
