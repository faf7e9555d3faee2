"""Comment queries, for any subject."""

from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.core.subjects import Subject
from app.models import Comment, Idea, SubjectKind, Visibility, utcnow


def get(db: Session, comment_id: int) -> Comment | None:
    return db.get(Comment, comment_id)


def published(db: Session, subject: Subject, *, newest_first: bool) -> Sequence[Comment]:
    order = col(Comment.id).desc() if newest_first else col(Comment.id)
    return db.scalars(
        select(Comment)
        .where(
            col(Comment.subject_kind) == subject.kind,
            col(Comment.subject_id) == subject.id,
            col(Comment.visibility) == Visibility.published,
        )
        .order_by(order)
    ).all()


def of_user(db: Session, *, user_id: int) -> Sequence[Comment]:
    return db.scalars(
        select(Comment).where(col(Comment.author_id) == user_id).order_by(col(Comment.id))
    ).all()


#: Subjects that keep a denormalised comment count: (table, column).
_COUNTERS = {SubjectKind.idea: (Idea, "comment_count")}


def bump_count(db: Session, subject: Subject, delta: int) -> None:
    counter = _COUNTERS.get(subject.kind)
    if counter is None:
        return
    model, column = counter
    values = {column: getattr(model, column) + delta}
    if delta > 0:
        values["updated_at"] = utcnow()
    db.execute(
        update(model)
        .where(col(model.id) == subject.id)
        .values(values)
        .execution_options(synchronize_session=False)
    )
