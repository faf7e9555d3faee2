"""From idea to outcome: improvement projects (team, contribution log, linked ideas, progress
scores), driver diagrams, PDSA cycles, and measures with their data, annotations and
recalculation dates. Projects become a kind of subject, so comments, follows, notifications
and the timeline can attach to them: the four subject-kind CHECK constraints allow "project".

Revision ID: 9d3f6a2b4c81
Revises: 7c2e5d1a8b90
Create Date: 2026-12-02 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9d3f6a2b4c81"
down_revision: str | None = "7c2e5d1a8b90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The tables whose rows name a subject, each with a CHECK constraint on its kind.
SUBJECT_TABLES = ("comment", "follow", "notification", "timeline_event")
KINDS_BEFORE = "subject_kind IN ('idea')"
KINDS_AFTER = "subject_kind IN ('idea', 'project')"


def _subject_kinds(check: str) -> None:
    # Batch mode: SQLite rebuilds each table with the new constraint (named by the metadata
    # convention, ck_<table>_subject_kind); PostgreSQL drops and adds it in place.
    for table in SUBJECT_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint("subject_kind", type_="check")
            batch.create_check_constraint("subject_kind", check)


def upgrade() -> None:
    _subject_kinds(KINDS_AFTER)
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("aim", sa.String(length=1000), nullable=False),
        sa.Column("aim_what", sa.String(length=300), nullable=True),
        sa.Column("aim_how_much", sa.String(length=200), nullable=True),
        sa.Column("aim_by_when", sa.String(length=100), nullable=True),
        sa.Column("aim_for_whom", sa.String(length=200), nullable=True),
        sa.Column("aim_where", sa.String(length=200), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress_score", sa.String(length=3), nullable=True),
        sa.Column("rung_defining", sa.String(length=20), nullable=True),
        sa.Column("rung_designing", sa.String(length=20), nullable=True),
        sa.Column("rung_testing", sa.String(length=20), nullable=True),
        sa.Column("rung_evaluating", sa.String(length=20), nullable=True),
        sa.Column("what_changed", sa.String(length=2000), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_project_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_project_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
    )
    op.create_index("ix_project_status_id", "project", ["status", "id"], unique=False)
    op.create_index("ix_project_unit_id", "project", ["unit_id"], unique=False)

    op.create_table(
        "driver_node",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"], name=op.f("fk_driver_node_idea_id_idea")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_driver_node_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driver_node")),
    )
    op.create_index("ix_driver_node_idea_id", "driver_node", ["idea_id"], unique=False)
    op.create_index("ix_driver_node_project_id", "driver_node", ["project_id"], unique=False)

    op.create_table(
        "measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("definition", sa.String(length=1000), nullable=True),
        sa.Column("unit_label", sa.String(length=40), nullable=True),
        sa.Column("data_source", sa.String(length=300), nullable=True),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("rule_set", sa.String(length=20), nullable=False),
        sa.Column("baseline_points", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("point_count", sa.Integer(), nullable=False),
        sa.Column("latest_value", sa.Float(), nullable=True),
        sa.Column("latest_on", sa.Date(), nullable=True),
        sa.Column("latest_variation", sa.String(length=20), nullable=True),
        sa.Column("latest_assurance", sa.String(length=20), nullable=True),
        sa.Column("latest_summary", sa.String(length=1000), nullable=True),
        sa.Column("improvement_shown_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_measure_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure")),
    )
    op.create_index("ix_measure_project_id", "measure", ["project_id"], unique=False)

    op.create_table(
        "project_idea",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_project_idea_idea_id_idea")
        ),
        sa.ForeignKeyConstraint(
            ["linked_by_id"],
            ["user_account.id"],
            name=op.f("fk_project_idea_linked_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_project_idea_project_id_project")
        ),
        sa.PrimaryKeyConstraint("project_id", "idea_id", name=op.f("pk_project_idea")),
    )
    op.create_index("ix_project_idea_idea_id", "project_idea", ["idea_id"], unique=False)

    op.create_table(
        "project_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("involvement", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "user_id IS NOT NULL OR name IS NOT NULL", name=op.f("ck_project_member_someone")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_project_member_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_project_member_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_member")),
    )
    op.create_index("ix_project_member_project_id", "project_member", ["project_id"], unique=False)
    op.create_index("ix_project_member_user_id", "project_member", ["user_id"], unique=False)

    op.create_table(
        "project_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.String(length=3), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_project_progress_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_project_progress_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_progress")),
    )
    op.create_index(
        "ix_project_progress_project_id", "project_progress", ["project_id"], unique=False
    )

    op.create_table(
        "driver_link",
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["driver_node.id"], name=op.f("fk_driver_link_child_id_driver_node")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["driver_node.id"], name=op.f("fk_driver_link_parent_id_driver_node")
        ),
        sa.PrimaryKeyConstraint("parent_id", "child_id", name=op.f("pk_driver_link")),
    )
    op.create_index("ix_driver_link_child_id", "driver_link", ["child_id"], unique=False)

    op.create_table(
        "measure_annotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("text", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_measure_annotation_measure_id_measure")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_annotation")),
    )
    op.create_index(
        "ix_measure_annotation_measure_id", "measure_annotation", ["measure_id"], unique=False
    )

    op.create_table(
        "measure_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("ghosted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_measure_point_measure_id_measure")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_point")),
        sa.UniqueConstraint("measure_id", "on_date", name="uq_measure_point_measure_id_on_date"),
    )
    op.create_table(
        "measure_recalculation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_measure_recalculation_measure_id_measure")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_recalculation")),
        sa.UniqueConstraint(
            "measure_id", "on_date", name="uq_measure_recalculation_measure_id_on_date"
        ),
    )
    op.create_table(
        "pdsa_cycle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("change_idea_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("objective", sa.String(length=2000), nullable=True),
        sa.Column("change", sa.String(length=2000), nullable=True),
        sa.Column("question", sa.String(length=2000), nullable=True),
        sa.Column("prediction", sa.String(length=2000), nullable=True),
        sa.Column("plan_who", sa.String(length=500), nullable=True),
        sa.Column("plan_what", sa.String(length=500), nullable=True),
        sa.Column("plan_when", sa.String(length=500), nullable=True),
        sa.Column("plan_where", sa.String(length=500), nullable=True),
        sa.Column("data_plan", sa.String(length=2000), nullable=True),
        sa.Column("what_happened", sa.String(length=2000), nullable=True),
        sa.Column("observations", sa.String(length=2000), nullable=True),
        sa.Column("problems", sa.String(length=2000), nullable=True),
        sa.Column("result", sa.String(length=2000), nullable=True),
        sa.Column("learning", sa.String(length=2000), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("next_step", sa.String(length=2000), nullable=True),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("finished_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_idea_id"],
            ["driver_node.id"],
            name=op.f("fk_pdsa_cycle_change_idea_id_driver_node"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_pdsa_cycle_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pdsa_cycle")),
    )
    op.create_index("ix_pdsa_cycle_change_idea_id", "pdsa_cycle", ["change_idea_id"], unique=False)
    op.create_index("ix_pdsa_cycle_project_id", "pdsa_cycle", ["project_id"], unique=False)

    op.create_table(
        "project_contribution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("training", sa.String(length=300), nullable=True),
        sa.Column("recognition", sa.String(length=20), nullable=False),
        sa.Column("benefits_advice_offered", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["project_member.id"],
            name=op.f("fk_project_contribution_member_id_project_member"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_project_contribution_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_project_contribution_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_contribution")),
    )
    op.create_index(
        "ix_project_contribution_member_id", "project_contribution", ["member_id"], unique=False
    )
    op.create_index(
        "ix_project_contribution_project_id", "project_contribution", ["project_id"], unique=False
    )


def downgrade() -> None:
    # Comments, follows, notifications and timeline entries about projects go with the
    # projects: the older schema has no kind of subject for them.
    for table in SUBJECT_TABLES:
        op.execute(f"DELETE FROM {table} WHERE subject_kind = 'project'")
    _subject_kinds(KINDS_BEFORE)
    op.drop_index("ix_project_contribution_project_id", table_name="project_contribution")
    op.drop_index("ix_project_contribution_member_id", table_name="project_contribution")

    op.drop_table("project_contribution")
    op.drop_index("ix_pdsa_cycle_project_id", table_name="pdsa_cycle")
    op.drop_index("ix_pdsa_cycle_change_idea_id", table_name="pdsa_cycle")

    op.drop_table("pdsa_cycle")
    op.drop_table("measure_recalculation")
    op.drop_table("measure_point")
    op.drop_index("ix_measure_annotation_measure_id", table_name="measure_annotation")

    op.drop_table("measure_annotation")
    op.drop_index("ix_driver_link_child_id", table_name="driver_link")

    op.drop_table("driver_link")
    op.drop_index("ix_project_progress_project_id", table_name="project_progress")

    op.drop_table("project_progress")
    op.drop_index("ix_project_member_user_id", table_name="project_member")
    op.drop_index("ix_project_member_project_id", table_name="project_member")

    op.drop_table("project_member")
    op.drop_index("ix_project_idea_idea_id", table_name="project_idea")

    op.drop_table("project_idea")
    op.drop_index("ix_measure_project_id", table_name="measure")

    op.drop_table("measure")
    op.drop_index("ix_driver_node_project_id", table_name="driver_node")
    op.drop_index("ix_driver_node_idea_id", table_name="driver_node")

    op.drop_table("driver_node")
    op.drop_index("ix_project_unit_id", table_name="project")
    op.drop_index("ix_project_status_id", table_name="project")

    op.drop_table("project")
