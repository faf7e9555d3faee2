"""Ideas, votes and comments made through the real services, with keyword overrides. Each
commits, like a finished request."""

import itertools
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from app.accounts import repository as accounts_repo
from app.accounts.principal import Principal
from app.comments import service as comments_service
from app.core.subjects import Subject
from app.follows import service as follows_service
from app.ideas import service as ideas_service
from app.ideas.schemas import IdeaInput
from app.ideas.states import NEEDS_PUBLIC_REASON
from app.models import Comment, Idea, IdeaStatus, Identity, Role, Unit, User, Vote
from app.votes import service as votes_service
from tests.factories import create_user

_seq = itertools.count(1)

STAFF_EMAIL = "improvement.lead@example.org"
REASON = "Not something we can do this year."

#: How to walk an idea from "submitted" to each status (DOMAIN.md's allowed moves).
_PATHS: dict[IdeaStatus, list[IdeaStatus]] = {
    IdeaStatus.submitted: [],
    IdeaStatus.under_review: [IdeaStatus.under_review],
    IdeaStatus.accepted: [IdeaStatus.accepted],
    IdeaStatus.in_progress: [IdeaStatus.accepted, IdeaStatus.in_progress],
    IdeaStatus.done: [IdeaStatus.accepted, IdeaStatus.in_progress, IdeaStatus.done],
    IdeaStatus.not_taken_forward: [IdeaStatus.not_taken_forward],
    IdeaStatus.duplicate: [IdeaStatus.duplicate],
}


def principal_for(db: Session, user: User) -> Principal:
    assert user.id is not None
    return Principal(user=user, roles=frozenset(accounts_repo.roles_of(db, user.id)))


def staff_principal(db: Session) -> Principal:
    """The improvement lead who moves ideas along (one per test database)."""
    user = accounts_repo.user_by_email(db, STAFF_EMAIL)
    if user is None:
        user = create_user(db, email=STAFF_EMAIL, roles={Role.improvement_lead})
    return principal_for(db, user)


def create_idea(
    db: Session,
    *,
    title: str | None = None,
    description: str | None = None,
    unit: Unit | None = None,
    category: str = "other",
    author: User | None = None,
    status: IdeaStatus = IdeaStatus.submitted,
    submitted_as: Identity | None = None,
    benefit: str | None = None,
    ip_address: str | None = None,
) -> Idea:
    n = next(_seq)
    data = IdeaInput(
        title=title or f"Idea number {n}",
        description=description or f"A description of idea number {n}.",
        benefit=benefit,
        unit_id=unit.id if unit else None,
        category=category,
        submitted_as=submitted_as,
    )
    result = ideas_service.submit(
        db,
        data=data,
        form_token=ideas_service.new_form_token(),
        author=principal_for(db, author) if author else None,
        # Each anonymous idea from its own address, so the per-IP limit never gets in the way.
        ip_address=ip_address or f"192.0.2.{n % 250}-{n}",
    )
    db.commit()
    idea = result.idea
    if status is not IdeaStatus.submitted:
        actor = staff_principal(db)
        for step in _PATHS[status]:
            ideas_service.change_status(
                db,
                idea=idea,
                to=step,
                actor=actor,
                note=REASON if step in NEEDS_PUBLIC_REASON else None,
                merged_into=create_idea(db) if step is IdeaStatus.duplicate else None,
            )
            db.commit()
    return idea


def create_vote(db: Session, *, idea: Idea, user: User, created_at: datetime | None = None) -> None:
    """``user`` supports ``idea``; ``created_at`` backdates the vote (for trending)."""
    votes_service.vote(db, idea=idea, principal=principal_for(db, user))
    db.commit()
    if created_at is not None:
        db.execute(
            update(Vote)
            .where(col(Vote.idea_id) == idea.id, col(Vote.user_id) == user.id)
            .values(created_at=created_at)
        )
        db.commit()


def create_comment(
    db: Session,
    *,
    idea: Idea,
    author: User,
    body: str | None = None,
    parent: Comment | None = None,
) -> Comment:
    comment = comments_service.add(
        db,
        subject=Subject.of(idea),
        principal=principal_for(db, author),
        body=body or f"Comment number {next(_seq)}",
        parent_id=parent.id if parent else None,
    )
    db.commit()
    return comment


def create_follow(db: Session, *, idea: Idea, user: User) -> None:
    """``user`` follows ``idea``."""
    assert user.id is not None
    follows_service.follow(db, subject=Subject.of(idea), user_id=user.id)
    db.commit()


def set_counts(
    db: Session, idea: Idea, *, votes: int | None = None, comments: int | None = None
) -> None:
    """Set the denormalised counts directly: for ordering tests that need many distinct values."""
    values: dict[str, int] = {}
    if votes is not None:
        values["vote_count"] = votes
    if comments is not None:
        values["comment_count"] = comments
    db.execute(update(Idea).where(col(Idea.id) == idea.id).values(**values))
    db.commit()


def run_together(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Call ``work(0..n-1)`` on n threads released at the same moment; returns the results."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread never finished"
    assert errors == [], errors
    return results
