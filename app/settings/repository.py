"""Site settings queries: named settings, local terms, and how much a person has published."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import Comment, Idea, LocalTerm, SiteSetting, Visibility, utcnow


def get_setting(db: Session, key: str) -> SiteSetting | None:
    return db.get(SiteSetting, key)


def save_setting(db: Session, *, key: str, value: dict[str, Any], actor_id: int | None) -> None:
    row = db.get(SiteSetting, key) or SiteSetting(key=key)
    row.value = value
    row.updated_at = utcnow()
    row.updated_by_id = actor_id
    db.add(row)


def local_terms(db: Session) -> Sequence[LocalTerm]:
    return db.scalars(select(LocalTerm).order_by(col(LocalTerm.kind), col(LocalTerm.id))).all()


def get_term(db: Session, term_id: int) -> LocalTerm | None:
    return db.get(LocalTerm, term_id)


def delete_term(db: Session, term: LocalTerm) -> None:
    db.delete(term)


def published_count(db: Session, *, user_id: int) -> int:
    """Ideas and comments of this person that are published (what makes them not new)."""
    ideas = db.scalar(
        select(func.count())
        .select_from(Idea)
        .where(col(Idea.author_id) == user_id, col(Idea.visibility) == Visibility.published)
    )
    comments = db.scalar(
        select(func.count())
        .select_from(Comment)
        .where(
            col(Comment.author_id) == user_id,
            col(Comment.visibility) == Visibility.published,
            col(Comment.deleted_at).is_(None),
        )
    )
    return (ideas or 0) + (comments or 0)
