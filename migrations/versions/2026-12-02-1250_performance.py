"""Fast for everyone: version counters that a cache checks instead of trusting a clock.

``content_version`` holds one counter per kind of content. Triggers on every table whose rows
the public pages show bump ``public`` in the writing transaction (and ``categories`` or
``units`` for those tables, whose rows each process holds), so a cached copy is used only while nothing it shows has changed. On
PostgreSQL the trigger runs once per statement, *before* the statement locks any rows: every
writer takes the counter's row lock before any content row lock, so two writers never wait
for each other in opposite orders.

Revision ID: 0a7c3e9f1b2d
Revises: f5a8c2e6b4d7
Create Date: 2026-12-02 12:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0a7c3e9f1b2d"
down_revision: str | None = "f5a8c2e6b4d7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Tables whose rows an anonymous page or the public API shows.
#: Counters of their own for reference data held in each process.
REFERENCE = {"category": "categories", "unit": "units"}

PUBLIC_TABLES = (
    "idea",
    "comment",
    "timeline_event",
    "category",
    "unit",
    "follow",
    "project",
    "project_idea",
)


def upgrade() -> None:
    # --- votes: rate allowances (issue 12, build item 4) ----------------------------------
    # One row per (limit, key) instead of one rate_event row per vote (app/core/ratelimit.py).
    op.create_table(
        "rate_allowance",
        sa.Column("bucket", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("refilled_at_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "key", name=op.f("pk_rate_allowance")),
    )
    # --- end of votes: rate allowances ----------------------------------------------------
    op.create_table(
        "content_version",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_content_version")),
    )
    op.execute(
        "INSERT INTO content_version (key, version) "
        "VALUES ('public', 0), ('categories', 0), ('units', 0)"
    )
    if op.get_bind().dialect.name == "sqlite":
        for table in PUBLIC_TABLES:
            keys = f"('public', '{REFERENCE[table]}')" if table in REFERENCE else "('public')"
            for verb in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_version_{verb.lower()} AFTER {verb} ON {table} "
                    f"BEGIN UPDATE content_version SET version = version + 1 "
                    f"WHERE key IN {keys}; END"
                )
        return
    # Once per transaction and counter set: a transaction that writes many rows (a bulk
    # load, a merge) bumps once, not once per statement (every update of one row in one
    # transaction leaves a row version the next must step over: quadratic in a bulk load).
    op.execute(
        "CREATE FUNCTION fullcircle_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE flag text := 'fullcircle.bumped_' || array_to_string(TG_ARGV, '_'); "
        "BEGIN "
        "IF coalesce(current_setting(flag, true), '') <> 'yes' THEN "
        "UPDATE content_version SET version = version + 1 WHERE key = ANY (TG_ARGV); "
        "PERFORM set_config(flag, 'yes', true); "
        "END IF; "
        "RETURN NULL; END $$"
    )
    for table in PUBLIC_TABLES:
        args = f"'public', '{REFERENCE[table]}'" if table in REFERENCE else "'public'"
        op.execute(
            f"CREATE TRIGGER {table}_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION fullcircle_bump_version({args})"
        )


def downgrade() -> None:
    # --- votes: rate allowances -----------------------------------------------------------
    op.drop_table("rate_allowance")
    # --- end of votes: rate allowances ----------------------------------------------------
    if op.get_bind().dialect.name == "sqlite":
        for table in PUBLIC_TABLES:
            for verb in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_version_{verb}")
    else:
        for table in PUBLIC_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS fullcircle_bump_version()")
    op.drop_table("content_version")
