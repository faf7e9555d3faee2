"""Vote queries. The unique constraint plus INSERT ... ON CONFLICT DO NOTHING decides who voted;
the denormalised ``idea.vote_count`` moves in the same statement sequence only when a row was
really inserted or deleted, so it always equals the number of vote rows."""

from collections.abc import Sequence

from sqlalchemy import delete, func, literal, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from app.models import Idea, Vote, utcnow


def insert(db: Session, *, idea_id: int, user_id: int) -> bool:
    """Add the vote; False when the person had already voted."""
    dialect_insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    # RETURNING, not rowcount: an ORM insert on psycopg reports rowcount -1 (which is truthy).
    inserted = db.execute(
        dialect_insert(Vote)
        .values(idea_id=idea_id, user_id=user_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["idea_id", "user_id"])
        .returning(col(Vote.id))
    ).first()
    return inserted is not None


def delete_one(db: Session, *, idea_id: int, user_id: int) -> bool:
    result = db.execute(
        delete(Vote).where(col(Vote.idea_id) == idea_id, col(Vote.user_id) == user_id)
    )
    return bool(getattr(result, "rowcount", 0))


def bump_count(db: Session, idea: Idea, delta: int) -> None:
    db.execute(
        update(Idea)
        .where(col(Idea.id) == idea.id)
        .values(vote_count=col(Idea.vote_count) + delta)
        .execution_options(synchronize_session=False)
    )
    db.refresh(idea, attribute_names=["vote_count"])


def voted_ids(db: Session, *, user_id: int | None, idea_ids: Sequence[int]) -> set[int]:
    """Which of ``idea_ids`` this person supports (one statement for a whole page)."""
    if user_id is None or not idea_ids:
        return set()
    return set(
        db.scalars(
            select(Vote.idea_id).where(
                col(Vote.user_id) == user_id, col(Vote.idea_id).in_(list(idea_ids))
            )
        )
    )


def voted_by(db: Session, *, user_id: int, limit: int = 100) -> Sequence[Idea]:
    return db.scalars(
        select(Idea)
        .join(Vote, col(Vote.idea_id) == col(Idea.id))
        .where(col(Vote.user_id) == user_id)
        .order_by(col(Vote.id).desc())
        .limit(limit)
    ).all()


def of_user(db: Session, *, user_id: int) -> Sequence[Vote]:
    return db.scalars(select(Vote).where(col(Vote.user_id) == user_id).order_by(col(Vote.id))).all()


def move(db: Session, *, source_id: int, target_id: int) -> None:
    """Votes on ``source`` move to ``target`` (once per person), then the counts are recounted."""
    table = Vote.__table__  # type: ignore[attr-defined]
    already = select(table.c.user_id).where(table.c.idea_id == target_id)
    moved = select(literal(target_id), table.c.user_id, table.c.created_at).where(
        table.c.idea_id == source_id, table.c.user_id.not_in(already)
    )
    db.execute(table.insert().from_select(["idea_id", "user_id", "created_at"], moved))
    db.execute(delete(table).where(table.c.idea_id == source_id))
    for idea_id in (source_id, target_id):
        count = select(func.count()).select_from(Vote).where(col(Vote.idea_id) == idea_id)
        db.execute(
            update(Idea)
            .where(col(Idea.id) == idea_id)
            .values(vote_count=count.scalar_subquery())
            .execution_options(synchronize_session=False)
        )
