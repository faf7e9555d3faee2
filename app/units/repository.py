"""Unit queries: the organisation tree and who works where."""

from collections.abc import Sequence

from sqlalchemy import Select, delete
from sqlmodel import Session, col, select

from app.models import Unit, UserUnit


def get(db: Session, unit_id: int) -> Unit | None:
    return db.get(Unit, unit_id)


def root(db: Session) -> Unit | None:
    return db.scalars(
        select(Unit).where(col(Unit.parent_id).is_(None)).order_by(col(Unit.id))
    ).first()


def by_slug(db: Session, slug: str) -> Unit | None:
    return db.scalars(select(Unit).where(col(Unit.slug) == slug)).first()


def slug_taken(db: Session, slug: str) -> bool:
    return db.scalars(select(Unit.id).where(col(Unit.slug) == slug)).first() is not None


def all_units(db: Session) -> Sequence[Unit]:
    return db.scalars(select(Unit).order_by(col(Unit.path))).all()


def under(db: Session, path: str) -> Sequence[Unit]:
    """The unit with this path and every unit beneath it."""
    return db.scalars(select(Unit).where(col(Unit.path).startswith(path))).all()


def descendant_ids(unit: Unit) -> Select[tuple[int]]:
    """A subquery of this unit's id and every unit beneath it (one indexed prefix match)."""
    return select(col(Unit.id)).where(col(Unit.path).startswith(unit.path))


def existing_ids(db: Session, ids: set[int]) -> set[int]:
    return set(db.scalars(select(Unit.id).where(col(Unit.id).in_(ids)))) if ids else set()


def membership_ids(db: Session, *, user_id: int) -> set[int]:
    return set(db.scalars(select(UserUnit.unit_id).where(col(UserUnit.user_id) == user_id)))


def member_unit_names(db: Session, *, user_id: int) -> Sequence[str]:
    return db.scalars(
        select(Unit.name)
        .join(UserUnit, col(UserUnit.unit_id) == col(Unit.id))
        .where(col(UserUnit.user_id) == user_id)
    ).all()


def remove_membership(db: Session, *, user_id: int, unit_id: int) -> None:
    db.execute(
        delete(UserUnit).where(col(UserUnit.user_id) == user_id, col(UserUnit.unit_id) == unit_id)
    )
