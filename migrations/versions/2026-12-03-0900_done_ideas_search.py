""""Tried elsewhere" searches only done ideas: a PostgreSQL full-text index of them alone.

The idea page and the idea form rank done ideas like the one being read or typed. Ranking
every idea and keeping the done ones was slow with many ideas (1.8 s at 100k) and could miss a
done idea ranked below the first few hundred others. This partial GIN index lets the ranking
look at done, published ideas only. SQLite's FTS5 table needs no change (the ranking joins the
idea table there).

Revision ID: 2c4e6a8b0d1f
Revises: 1b8d4f0a2c3e
Create Date: 2026-12-03 09:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2c4e6a8b0d1f"
down_revision: str | None = "1b8d4f0a2c3e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_idea_search_done ON idea USING gin (search_vector) "
            "WHERE status = 'done' AND visibility = 'published'"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_idea_search_done")
