"""Following a subject: people who follow hear when something changes."""

from sqlmodel import Session

from app.core.subjects import Subject
from app.follows import repository as repo
from app.models import Follow


def follow(db: Session, *, subject: Subject, user_id: int) -> None:
    if repo.get(db, subject, user_id) is None:
        db.add(Follow(subject_kind=subject.kind, subject_id=subject.id, user_id=user_id))


def unfollow(db: Session, *, subject: Subject, user_id: int) -> None:
    row = repo.get(db, subject, user_id)
    if row is not None:
        db.delete(row)


def set_following(db: Session, *, subject: Subject, user_id: int, following: bool) -> None:
    if following:
        follow(db, subject=subject, user_id=user_id)
    else:
        unfollow(db, subject=subject, user_id=user_id)
