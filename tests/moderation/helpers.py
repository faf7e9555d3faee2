"""Helpers of the moderation tests: published ideas and comments to report, moderators, API
tokens, audit rows and counting SQL statements."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, update
from sqlmodel import Session, col, select

from app.accounts import service as accounts
from app.comments import repository as comments_repo
from app.core.subjects import Subject
from app.models import AuditEvent, Comment, Idea, Notification, Role, TokenScope, User, Visibility
from tests.factories import create_user
from tests.ideas.factories import create_comment, create_idea

WRONG_ROLES = [
    Role.service_user,
    Role.carer,
    Role.staff,
    Role.improvement_lead,
    Role.safeguarding_lead,
]


def moderator(db: Session) -> User:
    return create_user(db, roles={Role.moderator, Role.staff})


def _publish(db: Session, model: type[Idea] | type[Comment], row_id: int | None) -> None:
    # Set-up only: the site's policy makes new ideas and comments wait for a moderator.
    db.execute(update(model).where(col(model.id) == row_id).values(visibility=Visibility.published))
    db.commit()


def published_idea(db: Session, **overrides: Any) -> Idea:
    idea = create_idea(db, **overrides)
    _publish(db, Idea, idea.id)
    db.refresh(idea)
    return idea


def waiting_idea(db: Session, **overrides: Any) -> Idea:
    idea = create_idea(db, **overrides)
    db.execute(
        update(Idea).where(col(Idea.id) == idea.id).values(visibility=Visibility.pending_moderation)
    )
    db.commit()
    db.refresh(idea)
    return idea


def _comment(db: Session, idea: Idea, author: User, body: str | None, to: Visibility) -> Comment:
    comment = create_comment(db, idea=idea, author=author, body=body)
    was = comment.visibility
    db.execute(update(Comment).where(col(Comment.id) == comment.id).values(visibility=to))
    # Only published comments are counted: keep the idea's count right.
    if was == Visibility.published and to != Visibility.published:
        comments_repo.bump_count(db, Subject.of(idea), -1)
    elif was != Visibility.published and to == Visibility.published:
        comments_repo.bump_count(db, Subject.of(idea), +1)
    db.commit()
    db.refresh(comment)
    return comment


def published_comment(db: Session, idea: Idea, author: User, body: str | None = None) -> Comment:
    return _comment(db, idea, author, body, Visibility.published)


def waiting_comment(db: Session, idea: Idea, author: User, body: str | None = None) -> Comment:
    return _comment(db, idea, author, body, Visibility.pending_moderation)


def bearer(db: Session, user: User, scopes: set[TokenScope] | None = None) -> dict[str, str]:
    _row, secret = accounts.create_api_token(db, user=user, name="tests", scopes=scopes)
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


def audit_rows(db: Session, event_name: str) -> list[AuditEvent]:
    db.expire_all()
    return list(
        db.exec(
            select(AuditEvent)
            .where(col(AuditEvent.event) == event_name)
            .order_by(col(AuditEvent.id))
        ).all()
    )


def notifications_of(db: Session, user: User) -> list[Notification]:
    return list(db.exec(select(Notification).where(col(Notification.user_id) == user.id)).all())


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
