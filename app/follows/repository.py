"""Follow queries: who follows a subject, and what a person follows."""

from collections.abc import Sequence

from sqlalchemy import delete, literal
from sqlmodel import Session, col, select

from app.core.subjects import Subject
from app.models import Follow, Idea, SubjectKind


def get(db: Session, subject: Subject, user_id: int) -> Follow | None:
    return db.get(Follow, (subject.kind, subject.id, user_id))


def is_following(db: Session, subject: Subject, user_id: int | None) -> bool:
    return user_id is not None and get(db, subject, user_id) is not None


def follower_ids(db: Session, subject: Subject) -> list[int]:
    return list(
        db.scalars(
            select(Follow.user_id).where(
                col(Follow.subject_kind) == subject.kind, col(Follow.subject_id) == subject.id
            )
        )
    )


def ideas_followed_by(db: Session, *, user_id: int, limit: int = 100) -> Sequence[Idea]:
    return db.scalars(
        select(Idea)
        .join(
            Follow,
            (col(Follow.subject_id) == col(Idea.id))
            & (col(Follow.subject_kind) == SubjectKind.idea),
        )
        .where(col(Follow.user_id) == user_id)
        .order_by(col(Follow.created_at).desc())
        .limit(limit)
    ).all()


def of_user(db: Session, *, user_id: int) -> Sequence[Follow]:
    return db.scalars(select(Follow).where(col(Follow.user_id) == user_id)).all()


def move(db: Session, *, source: Subject, target: Subject) -> None:
    """Followers of ``source`` follow ``target`` instead (once per person)."""
    table = Follow.__table__  # type: ignore[attr-defined]
    already = select(table.c.user_id).where(
        table.c.subject_kind == target.kind, table.c.subject_id == target.id
    )
    moved = select(
        literal(str(target.kind)), literal(target.id), table.c.user_id, table.c.created_at
    ).where(
        table.c.subject_kind == source.kind,
        table.c.subject_id == source.id,
        table.c.user_id.not_in(already),
    )
    db.execute(
        table.insert().from_select(["subject_kind", "subject_id", "user_id", "created_at"], moved)
    )
    db.execute(
        delete(table).where(table.c.subject_kind == source.kind, table.c.subject_id == source.id)
    )
