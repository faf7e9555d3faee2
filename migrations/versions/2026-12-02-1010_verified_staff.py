"""Verified staff: "Staff" in public only for accounts an admin has given a staff role.

Ideas record whether their author held a staff role when they submitted as staff (existing
ones: whether the author holds one now). A self-described member of staff without one is named
"someone who works here (not verified)" on the timeline too, and can ask an admin to verify
them (the new staff_verification_request table).

Revision ID: b5d8f0a3e2c4
Revises: a4c7e9f2d1b3
Create Date: 2026-12-02 10:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b5d8f0a3e2c4"
down_revision: str | None = "a4c7e9f2d1b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAFF_ROLES = "('staff', 'moderator', 'safeguarding_lead', 'improvement_lead', 'admin')"
UNVERIFIED = "someone who works here (not verified)"


def upgrade() -> None:
    # Plain ALTER TABLE, never batch mode, on idea: SQLite's batch rebuilds the table and
    # would drop the full-text search triggers on it.
    op.add_column(
        "idea",
        sa.Column("submitted_by_staff", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute(
        "UPDATE idea SET submitted_by_staff = true WHERE submitted_as = 'staff' AND helped_by_id"
        " IS NULL AND author_id IN (SELECT user_id FROM user_role WHERE role IN "
        f"{STAFF_ROLES})"
    )
    # The timeline said "staff" for whoever chose it; now only for the verified.
    op.execute(
        f"UPDATE timeline_event SET actor_role = '{UNVERIFIED}' WHERE kind = 'submitted' AND "
        "actor_role = 'staff' AND subject_kind = 'idea' AND subject_id IN (SELECT id FROM idea "
        "WHERE NOT submitted_by_staff)"
    )
    op.create_table(
        "staff_verification_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("job_title", sa.String(length=120), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_staff_verification_request_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_staff_verification_request_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_staff_verification_request_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_verification_request")),
    )
    for column in ("status", "user_id"):
        op.create_index(
            op.f(f"ix_staff_verification_request_{column}"),
            "staff_verification_request",
            [column],
        )


def downgrade() -> None:
    for column in ("user_id", "status"):
        op.drop_index(op.f(f"ix_staff_verification_request_{column}"), "staff_verification_request")
    op.drop_table("staff_verification_request")
    op.execute(f"UPDATE timeline_event SET actor_role = 'staff' WHERE actor_role = '{UNVERIFIED}'")
    op.drop_column("idea", "submitted_by_staff")
