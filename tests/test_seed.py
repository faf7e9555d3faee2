"""Demo and bulk seeding on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL); the
data files they read; and the bulk loader's status walks and full-text trigger lookup."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, text
from sqlmodel import Session, SQLModel, col, select

from app import seed
from app.ideas import repository as ideas_repo
from app.ideas.states import NEEDS_PUBLIC_REASON, STATUS
from app.models import (
    Category,
    Comment,
    Idea,
    IdeaStatus,
    Identity,
    RateEvent,
    Role,
    SubjectKind,
    TimelineEvent,
    Unit,
    UnitKind,
    User,
    UserRole,
    Visibility,
    Vote,
    utcnow,
)
from app.projects.repository import IDEA_EVENT_KINDS
from app.seed.bulk import (
    _BULK_UNITS,
    _STATUS_MIX,
    _WORDS,
    WALKS,
    _in_windows,
    _paused,
    _voting_windows,
    status_walks,
)
from app.seed.demo import (
    ANONYMOUS,
    DEMO_IDEAS,
    DEMO_PEOPLE,
    DEMO_UNITS,
    DUPLICATE_NOTE,
    GROUPS,
    HELPED,
    NAMED,
    STANDARD_NOTE,
    fields,
)
from app.seed.repository import full_text_insert_triggers, table_of
from app.votes.access import VOTING_CLOSED

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
    models: list[type[SQLModel]] = [Unit, User, UserRole, Idea, TimelineEvent, Vote, Comment]
    return {m.__name__: count(db, m) for m in models}


def assert_counters_match_rows(db: Session) -> None:
    votes = Counter(db.scalars(select(Vote.idea_id)))
    comments = Counter(db.scalars(select(Comment.subject_id)))
    for idea in db.scalars(select(Idea)):
        assert idea.vote_count == votes[idea.id], idea.title
        assert idea.comment_count == comments[idea.id], idea.title


def assert_timelines_follow_transitions(db: Session) -> None:
    """Each idea: one "submitted" event, then status moves allowed by the transition table, in time
    order, ending at the idea's status."""
    events: dict[int, list[TimelineEvent]] = {}
    for event in db.scalars(
        select(TimelineEvent)
        .where(TimelineEvent.subject_kind == SubjectKind.idea)
        .order_by(col(TimelineEvent.at), col(TimelineEvent.id))
    ):
        events.setdefault(event.subject_id, []).append(event)
    for idea in db.scalars(select(Idea)):
        timeline = events[idea.id]
        # Besides status moves, an idea's timeline may say a project adopted its change.
        first = timeline[0]
        moves = [e for e in timeline[1:] if e.kind not in IDEA_EVENT_KINDS]
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
            assert IdeaStatus(event.to_status) in STATUS.transitions[current], (idea.title, event)
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
        e.subject_id: e.at
        for e in db.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.subject_kind == SubjectKind.idea)
            .where(col(TimelineEvent.to_status).in_(list(VOTING_CLOSED)))
            .order_by(col(TimelineEvent.at))
        )
    }
    for vote in db.scalars(select(Vote)):
        idea = ideas[vote.idea_id]
        assert idea.created_at <= vote.created_at <= now
        if idea.status in VOTING_CLOSED:
            assert vote.created_at <= closed_at[vote.idea_id]
    comments = {
        c.id: c for c in db.scalars(select(Comment).where(Comment.subject_kind == SubjectKind.idea))
    }
    for comment in comments.values():
        assert ideas[comment.subject_id].created_at <= comment.created_at <= now
        if comment.parent_id is not None:
            parent = comments[comment.parent_id]
            assert parent.parent_id is None
            assert parent.subject_id == comment.subject_id
            assert parent.created_at <= comment.created_at
    for event in db.scalars(
        select(TimelineEvent).where(TimelineEvent.subject_kind == SubjectKind.idea)
    ):
        assert ideas[event.subject_id].created_at <= event.at <= now


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
            select(TimelineEvent.note)
            .where(TimelineEvent.subject_kind == SubjectKind.idea)
            .where(col(TimelineEvent.to_status) == IdeaStatus.done)
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

        clause = ideas_repo.match_clause(db, "garden")
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


class TestDemoData:
    """ideas.toml, people.toml and units.toml: what the demo needs of them, checked without
    running it."""

    def test_every_name_an_idea_uses_exists(self) -> None:
        unit_names = [directorate for directorate, _services in DEMO_UNITS] + [
            name
            for _directorate, services in DEMO_UNITS
            for service, teams in services
            for name in [service, *teams]
        ]
        assert len(set(unit_names)) == len(unit_names)  # the demo finds units by name
        titles = [idea.title for idea in DEMO_IDEAS]
        assert len(set(titles)) == len(titles)  # and ideas by title
        emails = {email for email, _name, _identity, _roles in DEMO_PEOPLE}
        assert set(NAMED.values()) <= emails
        assert not set(NAMED) & set(GROUPS)
        commenters = set(NAMED) | set(GROUPS)

        for idea in DEMO_IDEAS:
            assert idea.unit is None or idea.unit in unit_names, idea.title
            assert (
                idea.author in commenters
                or idea.author == HELPED
                or (
                    idea.author.startswith(ANONYMOUS)
                    and Identity(idea.author.removeprefix(ANONYMOUS))
                )
            ), idea.title
            assert idea.days_ago > 0, idea.title
            assert idea.votes >= 0, idea.title
            for i, comment in enumerate(idea.comments):
                assert comment.who in commenters, (idea.title, i)
                if comment.reply_to is not None:
                    # An earlier comment, itself not a reply: threads are one level deep.
                    assert 0 <= comment.reply_to < i, (idea.title, i)
                    assert idea.comments[comment.reply_to].reply_to is None, (idea.title, i)

    def test_every_move_sequence_is_legal(self) -> None:
        by_title = {idea.title: idea for idea in DEMO_IDEAS}
        for idea in DEMO_IDEAS:
            current = IdeaStatus.submitted
            for status, note in idea.moves:
                assert status in STATUS.transitions[current], (idea.title, current, status)
                if status in NEEDS_PUBLIC_REASON:
                    assert (note or STANDARD_NOTE.get(status) or "").strip(), idea.title
                current = status
            duplicate = IdeaStatus.duplicate in [status for status, _note in idea.moves]
            assert duplicate == (idea.merged_into is not None), idea.title
            if idea.merged_into is not None:
                target = by_title[idea.merged_into]
                assert target is not idea
                assert IdeaStatus.duplicate not in [s for s, _n in target.moves], idea.title
        assert "{title}" in DUPLICATE_NOTE

    def test_categories_are_the_migrations(self, engine: Engine, db: Session) -> None:
        slugs = set(db.scalars(select(Category.slug)))
        assert {idea.category for idea in DEMO_IDEAS} <= slugs

    def test_a_misspelt_key_fails_naming_the_place(self) -> None:
        with pytest.raises(ValueError, match=r"ideas.toml: 'A': missing keys \['who'\]"):
            fields({"wh0": "su"}, "ideas.toml: 'A'", {"who": str})
        with pytest.raises(ValueError, match="votes should be of type int"):
            fields({"votes": True}, "x", {"votes": int})


class TestBulkWords:
    def test_every_template_fills_from_the_lists(self) -> None:
        words = {
            "thing": _WORDS["things"][0],
            "place": _WORDS["places"][0],
            "people": _WORDS["people"][0],
            "feeling": _WORDS["feelings"][0],
            "season": _WORDS["seasons"][0],
        }
        for key in ("openers", "middles", "closers"):
            for template in _WORDS[key]:
                assert "{" not in template.format(**words), template
        for template in _WORDS["we_did"]:
            assert "{" not in template.format(thing="a", place="b", n=7), template
        assert all(_WORDS.values())
        assert all(teams for _directorate, teams in _BULK_UNITS)


class TestBulkWalks:
    """The ways bulk ideas reach their statuses come from the transition table."""

    def test_every_walk_is_legal_and_every_status_reachable(self) -> None:
        assert set(WALKS) == set(IdeaStatus)
        for status, walks in WALKS.items():
            assert walks, status
            assert len(set(walks)) == len(walks)
            for walk in walks:
                current = IdeaStatus.submitted
                for move in walk:
                    assert move in STATUS.transitions[current], (status, walk)
                    current = move
                assert current is status, walk
                assert len(set(walk)) == len(walk)
                assert IdeaStatus.submitted not in walk
        assert WALKS[IdeaStatus.submitted] == [()]
        for _age, mix in _STATUS_MIX:
            assert all(WALKS[status] for status in mix)

    def test_walks_are_every_simple_path_in_a_fixed_order(self) -> None:
        s = IdeaStatus
        table = {
            s.submitted: frozenset({s.under_review, s.accepted}),
            s.under_review: frozenset({s.accepted, s.submitted}),
            s.accepted: frozenset({s.done, s.under_review}),
        }
        assert status_walks(table, s.done) == [
            (s.accepted, s.done),
            (s.under_review, s.accepted, s.done),
        ]
        assert status_walks(table, s.under_review) == [
            (s.under_review,),
            (s.accepted, s.under_review),
        ]
        assert status_walks(table, s.duplicate) == []
        assert status_walks(STATUS.transitions, s.done) == WALKS[s.done]

    def test_no_votes_while_an_idea_is_closed(self) -> None:
        s = IdeaStatus
        moves = [(s.not_taken_forward, 10.0), (s.under_review, 20.0), (s.done, 30.0)]
        assert _paused(moves) == ((10.0, 20.0),)
        windows = _voting_windows(0.0, 30.0, _paused(moves))
        assert windows == [(0.0, 10.0), (20.0, 30.0)]
        assert [_in_windows(windows, u) for u in (0.0, 0.25, 0.5, 0.75)] == [0, 5, 10, 25]
        assert _paused([(s.under_review, 10.0), (s.done, 20.0)]) == ()

    def test_finds_the_full_text_insert_trigger_in_the_schema(self, engine: Engine) -> None:
        idea = table_of(Idea)
        with engine.connect() as conn:
            triggers = full_text_insert_triggers(conn, idea, idea.c.form_token)
        if engine.dialect.name != "sqlite":
            assert triggers == []
            return
        assert [t.name for t in triggers] == ["idea_fts_ai"]
        assert triggers[0].batch.startswith("INSERT INTO idea_fts(")
