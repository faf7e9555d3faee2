"""Show the loop is closed: voluntary demographics and unit populations for reports.

Revision ID: 1b8d4f0a2c3e
Revises: 0a7c3e9f1b2d
Create Date: 2026-12-02 13:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "1b8d4f0a2c3e"
down_revision: str | None = "0a7c3e9f1b2d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


#: Tables whose rows the public transparency page counts.
VERSIONED = ("contributor", "demographic_answer", "unit_population")


def upgrade() -> None:
    op.create_table(
        "contributor",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_contributor_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contributor")),
        sa.UniqueConstraint("user_id", name=op.f("uq_contributor_user_id")),
    )
    op.create_table(
        "demographic_answer",
        sa.Column("contributor_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("ethnicity", sa.String(length=30), nullable=True),
        sa.Column("age_band", sa.String(length=20), nullable=True),
        sa.Column("sex", sa.String(length=20), nullable=True),
        sa.Column("gender_same_as_sex", sa.String(length=20), nullable=True),
        sa.Column("disability", sa.String(length=20), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contributor_id"],
            ["contributor.id"],
            name=op.f("fk_demographic_answer_contributor_id_contributor"),
        ),
        sa.PrimaryKeyConstraint("contributor_id", name=op.f("pk_demographic_answer")),
    )
    op.create_table(
        "unit_population",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("ethnic_group", sa.String(length=20), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("people >= 0", name=op.f("ck_unit_population_people_not_negative")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_unit_population_unit_id_unit")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_unit_population_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("unit_id", "ethnic_group", name=op.f("pk_unit_population")),
    )
    # Plain ALTER TABLE, never batch mode, on idea (a rebuild would drop its full-text search
    # triggers); on SQLite the foreign key goes in the ADD COLUMN itself (see the triage
    # migration).
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column(
        "idea",
        sa.Column(
            "contributor_id",
            sqlmodel.sql.sqltypes.AutoString(length=32),
            sa.ForeignKey("contributor.id", name="fk_idea_contributor_id_contributor"),
            nullable=True,
        ),
        inline_references=sqlite,
    )
    op.create_index(op.f("ix_idea_contributor_id"), "idea", ["contributor_id"], unique=False)
    # /transparency shows figures from these tables: they bump the ``public`` content version
    # as the idea tables do (2026-12-02-1250_performance), so a cached copy is never older
    # than the last answer or population entered.
    for table in VERSIONED:
        if sqlite:
            for verb in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_version_{verb.lower()} AFTER {verb} ON {table} "
                    "BEGIN UPDATE content_version SET version = version + 1 "
                    "WHERE key IN ('public'); END"
                )
        else:
            op.execute(
                f"CREATE TRIGGER {table}_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION fullcircle_bump_version('public')"
            )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in VERSIONED:
        if sqlite:
            for verb in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_version_{verb}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
    op.drop_index(op.f("ix_idea_contributor_id"), table_name="idea")
    op.drop_column("idea", "contributor_id")
    op.drop_table("unit_population")
    op.drop_table("demographic_answer")
    op.drop_table("contributor")
