"""PostgreSQL's full-text indexes keep at most 64 KB of not-yet-merged entries.

A GIN index adds new entries to a "pending list" that every search reads in full, until a
vacuum or 4 MB of entries merges it. Every vote writes a new version of its idea's row (the
counter is in the board's "top" index, so the update cannot be a HOT one), and each new row
version adds its words to both full-text indexes. After seeding 3,000 ideas with 10 votes
each, 67 pending pages made "tried elsewhere" on an idea page take 7.2 ms instead of 3.3 ms
(docs/performance.md); at 4 MB (512 pages) it would be far slower, until autovacuum came.
With a 64 KB limit the list is merged every few dozen votes, and 600 counter updates took no
longer than with 4 MB (45 ms against 52 ms) while ``fastupdate = off`` took 180 ms.

Revision ID: 3d5f7a9c1e2b
Revises: 2c4e6a8b0d1f
Create Date: 2026-12-07 15:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3d5f7a9c1e2b"
down_revision: str | None = "2c4e6a8b0d1f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = ("ix_idea_search", "ix_idea_search_done")
#: Kilobytes.
PENDING_LIST_LIMIT = 64


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for index in INDEXES:
            op.execute(f"ALTER INDEX {index} SET (gin_pending_list_limit = {PENDING_LIST_LIMIT})")
            # Merge what is pending now, rather than at the next vacuum.
            op.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for index in INDEXES:
            op.execute(f"ALTER INDEX {index} RESET (gin_pending_list_limit)")
