"""Demo and bulk seeding on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, text
from sqlmodel import Session, SQLModel, col, select

from app import seed
from app.ideas import search
from app.ideas.service import TRANSITIONS, VOTING_CLOSED
from app.models import (
    Category,
    Comment,
    Idea,
    IdeaEvent,
    IdeaStatus,
    RateEvent,
    Role,
    Unit,
    UnitKind,
    User,
    UserRole,
    Visibility,
    Vote,
    utcnow,
)

CATEGORY_SLUGS = {
    "environment",
    "activities",
    "communication",
    "care-and-treatment",
    "access-and-waiting",
    "food",
    "staff-and-support",
    "other",
}


def count(db: Session, model: type[SQLModel]) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def table_counts(db: Session) -> dict[str, int]:
    models: list[type[SQLModel]] = [Unit, User, UserRole, Idea, IdeaEvent, Vote, Comment]
    return {m.__name__: count(db, m) for m in models}


def assert_counters_match_rows(db: Session) -> None:
    votes = Counter(db.scalars(select(Vote.idea_id)))
    comments = Counter(db.scalars(select(Comment.idea_id)))
    for idea in db.scalars(select(Idea)):
        assert idea.vote_count == votes[idea.id], idea.title
        assert idea.comment_count == comments[idea.id], idea.title


def assert_timelines_follow_transitions(db: Session) -> None:
    """Each idea: one "submitted" event, then status moves allowed by TRANSITIONS, in time
    order, ending at the idea's status."""
    events: dict[int, list[IdeaEvent]] = {}
    for event in db.scalars(select(IdeaEvent).order_by(col(IdeaEvent.at), col(IdeaEvent.id))):
        events.setdefault(event.idea_id, []).append(event)
    for idea in db.scalars(select(Idea)):
        timeline = events[idea.id]
        first, moves = timeline[0], timeline[1:]
        assert (first.kind, first.to_status, first.at) == (
            "submitted",
            IdeaStatus.submitted,
            idea.created_at,
        )
        assert all(e.kind == "status" for e in moves)
        current = IdeaStatus.submitted
        for event in moves:
            assert event.from_status == current
            assert event.to_status is not None
            assert IdeaStatus(event.to_status) in TRANSITIONS[current], (idea.title, event)
            current = IdeaStatus(event.to_status)
        assert current == idea.status, idea.title
        if idea.status != IdeaStatus.submitted:
            assert moves, idea.title
        if idea.status == IdeaStatus.not_taken_forward:
            assert (moves[-1].note or "").strip()
        if idea.status == IdeaStatus.duplicate:
            target = db.get(Idea, idea.merged_into_id)
            assert target is not None
            assert target.status != IdeaStatus.duplicate


def assert_activity_after_its_idea(db: Session) -> None:
    """Votes and comments come after their idea, votes before voting closed, replies after
    (and one level below) what they answer, nothing in the future."""
    now = utcnow()
    ideas = {i.id: i for i in db.scalars(select(Idea))}
    closed_at = {
        e.idea_id: e.at
        for e in db.scalars(
            select(IdeaEvent)
            .where(col(IdeaEvent.to_status).in_(list(VOTING_CLOSED)))
            .order_by(col(IdeaEvent.at))
        )
    }
    for vote in db.scalars(select(Vote)):
        idea = ideas[vote.idea_id]
        assert idea.created_at <= vote.created_at <= now
        if idea.status in VOTING_CLOSED:
            assert vote.created_at <= closed_at[vote.idea_id]
    comments = {c.id: c for c in db.scalars(select(Comment))}
    for comment in comments.values():
        assert ideas[comment.idea_id].created_at <= comment.created_at <= now
        if comment.parent_id is not None:
            parent = comments[comment.parent_id]
            assert parent.parent_id is None
            assert parent.idea_id == comment.idea_id
            assert parent.created_at <= comment.created_at
    for event in db.scalars(select(IdeaEvent)):
        assert ideas[event.idea_id].created_at <= event.at <= now


class TestDemo:
    def test_builds_a_trust_with_ideas_in_every_status(self, engine: Engine, db: Session) -> None:
        summary = seed.demo()

        assert summary.startswith("Seeded 11 units and 30 people")
        assert summary.splitlines()[-1] == f"with the password: {seed.DEMO_PASSWORD}"
        assert "Sign in at http://127.0.0.1:8000/login as admin@example.org" in summary
        assert count(db, Unit) >= 8
        directorates = db.scalars(select(Unit).where(col(Unit.kind) == UnitKind.directorate))
        assert len(list(directorates)) == 3
        assert count(db, User) == 30
        assert set(db.scalars(select(UserRole.role).distinct())) == set(Role)

        ideas = list(db.scalars(select(Idea).order_by(col(Idea.id))))
        assert len(ideas) == 40
        assert {i.status for i in ideas} == set(IdeaStatus)
        slugs = {c.slug: c.id for c in db.scalars(select(Category))}
        assert {i.category_id for i in ideas} == {slugs[s] for s in CATEGORY_SLUGS}
        assert all(i.visibility == Visibility.published for i in ideas)
        assert len({i.unit_id for i in ideas}) >= 8
        assert any(i.author_id is None and i.helped_by_id is None for i in ideas)  # anonymous
        assert any(i.helped_by_id is not None for i in ideas)
        # "New" sorts by id: ids follow the (back-dated) submission times.
        created = [i.created_at for i in ideas]
        assert created == sorted(created)
        assert created[-1] - created[0] > timedelta(days=150)

        assert 180 <= count(db, Vote) <= 220
        assert 55 <= count(db, Comment) <= 65
        assert_counters_match_rows(db)
        assert_timelines_follow_transitions(db)
        assert_activity_after_its_idea(db)

        replies = list(db.scalars(select(Comment).where(col(Comment.parent_id).is_not(None))))
        assert replies
        assert any(r.author_is_staff for r in replies)
        done_notes = db.scalars(
            select(IdeaEvent.note).where(col(IdeaEvent.to_status) == IdeaStatus.done)
        )
        assert all(n and "You said" in n and "We did" in n for n in done_notes)
        # The board's "trending" (votes in the last 14 days) has something to show.
        recent = select(func.count()).where(col(Vote.created_at) >= utcnow() - timedelta(days=14))
        assert db.scalar(recent.select_from(Vote))
        # Seeding does not leave people rate-limited.
        assert count(db, RateEvent) == 0

    def test_second_run_changes_nothing(self, engine: Engine, db: Session) -> None:
        seed.demo()
        before = table_counts(db)

        assert seed.demo() == "Demo data already present: nothing to do."

        assert table_counts(db) == before


class TestBulk:
    def test_adds_exactly_the_rows_asked_for_with_counters_in_step(
        self, engine: Engine, db: Session
    ) -> None:
        summary = seed.bulk(ideas=500, votes=3000, comments=200)

        assert "500 ideas, 3,000 votes, 200 comments" in summary
        assert (count(db, Idea), count(db, Vote), count(db, Comment)) == (500, 3000, 200)
        assert count(db, Unit) >= 6
        assert_counters_match_rows(db)
        assert_timelines_follow_transitions(db)
        assert_activity_after_its_idea(db)
        pairs = db.execute(select(Vote.idea_id, Vote.user_id)).all()
        assert len(set(pairs)) == len(pairs)
        ideas = list(db.scalars(select(Idea)))
        assert {i.status for i in ideas} == set(IdeaStatus)
        published = sum(i.visibility == Visibility.published for i in ideas)
        assert published > 0.9 * len(ideas)
        assert max(i.vote_count for i in ideas) > 5 * (3000 / 500)  # some are popular
        assert db.scalar(select(func.count()).where(col(Comment.parent_id).is_not(None)))

    def test_full_text_search_finds_bulk_ideas(self, engine: Engine, db: Session) -> None:
        seed.bulk(ideas=300, votes=0, comments=0)
        idea = db.scalars(select(Idea).where(col(Idea.title).contains("garden"))).first()
        assert idea is not None

        clause = search.match_clause(db, "garden")
        assert clause is not None
        found = set(db.scalars(select(Idea.id).where(clause)))
        assert idea.id in found
        with_word = db.scalar(
            select(func.count())
            .select_from(Idea)
            .where(col(Idea.title).contains("garden") | col(Idea.description).contains("garden"))
        )
        assert len(found) >= (with_word or 0) > 0
        if engine.dialect.name == "sqlite":
            n = db.scalar(text("SELECT count(*) FROM idea_fts WHERE idea_fts MATCH 'garden'"))
            assert n == len(found)
            # The index agrees with the table, and the insert trigger is back for new ideas.
            db.execute(text("INSERT INTO idea_fts(idea_fts, rank) VALUES('integrity-check', 1)"))
            triggers = db.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            assert "idea_fts_ai" in set(triggers)

    def test_adds_to_a_seeded_database(self, engine: Engine, db: Session) -> None:
        seed.demo()
        before = table_counts(db)

        seed.bulk(ideas=60, votes=400, comments=30)

        assert count(db, Idea) == before["Idea"] + 60
        assert count(db, Vote) == before["Vote"] + 400
        assert count(db, Comment) == before["Comment"] + 30
        assert count(db, Unit) == before["Unit"]  # the demo units are reused
        assert_counters_match_rows(db)
        assert_timelines_follow_transitions(db)

        seed.bulk(ideas=10, votes=20, comments=0)  # and again: new people, no clashes

        assert count(db, Idea) == before["Idea"] + 70

    def test_needs_ideas_for_votes(self, engine: Engine) -> None:
        with pytest.raises(ValueError, match="ideas"):
            seed.bulk(ideas=0, votes=10, comments=0)
