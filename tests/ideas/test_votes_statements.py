"""What a vote costs (issue 12): the principal's lookup, the rate limit, the vote with its
counter, and the read-back: four statements, through the API and the HTML button alike; and
the rate limit keeps one row per person, not one per vote."""

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func
from sqlmodel import Session, col, select

from app import db as app_db
from app.config import get_settings
from app.core import ratelimit
from app.main import create_app
from app.models import Idea, IdeaStatus, RateAllowance, RateEvent, Visibility, Vote
from app.votes import access
from app.votes import service as votes
from tests.factories import create_user, sign_in
from tests.ideas.factories import create_idea, principal_for, run_together
from tests.ideas.test_api import IDEAS, person

#: The principal's lookup, the rate limit, the insert (or delete), the counter's update with
#: the read-back in its RETURNING (or, when nothing changed, one read of the idea).
VOTE_STATEMENTS = 4


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent, without transaction control (SQLite's BEGIN IMMEDIATE)."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def stored_count(db: Session, idea: Idea) -> int:
    db.expire_all()
    return int(db.scalar(select(Idea.vote_count).where(col(Idea.id) == idea.id)) or 0)


class TestVoteStatementCount:
    def test_the_api_votes_and_repeats_in_four_statements(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        idea = create_idea(db)
        _user, headers = person(db)
        url = f"{IDEAS}/{idea.id}/vote"
        client.delete(url, headers=headers)  # the token's first use is stamped (not a vote's)
        counts = []
        for method, expected in [
            ("PUT", (1, True)),
            ("PUT", (1, True)),
            ("DELETE", (0, False)),
            ("DELETE", (0, False)),
        ]:
            with count_statements(engine) as seen:
                response = client.request(method, url, headers=headers)
            assert response.status_code == 200, response.text
            body = response.json()
            assert (body["vote_count"], body["voted_by_me"]) == expected
            assert stored_count(db, idea) == expected[0]
            counts.append(len(seen))
        assert counts == [VOTE_STATEMENTS] * 4

    @pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "form"])
    def test_the_button_votes_in_four_statements(
        self, client: TestClient, db: Session, engine: Engine, htmx: bool
    ) -> None:
        idea = create_idea(db)
        sign_in(client, create_user(db))
        headers = {"HX-Request": "true"} if htmx else {}
        counts = []
        for action, count in [("vote", 1), ("vote", 1), ("unvote", 0), ("unvote", 0)]:
            with count_statements(engine) as seen:
                response = client.post(
                    f"/ideas/{idea.id}/vote",
                    data={"action": action},
                    headers=headers,
                    follow_redirects=False,
                )
            assert response.status_code == (200 if htmx else 303)
            counts.append(len(seen))
            assert stored_count(db, idea) == count
        assert counts == [VOTE_STATEMENTS] * 4, seen


class TestVoteConnections:
    def test_the_lookup_shares_the_votes_connection_except_under_sqlites_lock(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        """On PostgreSQL the principal's lookup is the vote's transaction's first statement;
        on SQLite it reads on a connection of its own, because the vote's first statement
        takes the writers' lock (tests/test_write_lock.py says why)."""
        idea = create_idea(db)
        _user, headers = person(db)
        url = f"{IDEAS}/{idea.id}/vote"
        client.delete(url, headers=headers)  # the token's first use is stamped
        checkouts: list[object] = []

        def checked_out(dbapi_connection: object, *_args: object) -> None:
            checkouts.append(dbapi_connection)

        event.listen(engine, "checkout", checked_out)
        try:
            assert client.put(url, headers=headers).status_code == 200
        finally:
            event.remove(engine, "checkout", checked_out)
        assert len(checkouts) == (2 if engine.dialect.name == "sqlite" else 1)
        assert stored_count(db, idea) == 1


class TestVoteRules:
    """The errors of a vote come in the same order as before it was made cheap."""

    def test_an_unconfirmed_person_on_a_missing_idea_gets_404_then_403(
        self, client: TestClient, db: Session
    ) -> None:
        user, headers = person(db)
        user.email_confirmed_at = None
        db.add(user)
        db.commit()
        assert client.put(f"{IDEAS}/424242/vote", headers=headers).status_code == 404
        idea = create_idea(db)
        assert client.put(f"{IDEAS}/{idea.id}/vote", headers=headers).status_code == 403
        assert stored_count(db, idea) == 0

    def test_over_the_limit_a_closed_idea_is_still_409_and_a_missing_one_404(
        self, client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "votes_per_user_per_minute", 1)
        idea, done = create_idea(db), create_idea(db, status=IdeaStatus.done)
        _user, headers = person(db)
        assert client.put(f"{IDEAS}/{idea.id}/vote", headers=headers).status_code == 200
        assert client.put(f"{IDEAS}/{done.id}/vote", headers=headers).status_code == 409
        assert client.put(f"{IDEAS}/424242/vote", headers=headers).status_code == 404
        assert client.put(f"{IDEAS}/{idea.id}/vote", headers=headers).status_code == 429

    def test_a_held_idea_is_404_to_people_who_may_not_see_it(
        self, client: TestClient, db: Session
    ) -> None:
        idea = create_idea(db)
        idea.visibility = Visibility.held
        db.add(idea)
        db.commit()
        _user, headers = person(db)
        assert client.put(f"{IDEAS}/{idea.id}/vote", headers=headers).status_code == 404
        assert client.delete(f"{IDEAS}/{idea.id}/vote", headers=headers).status_code == 404
        assert stored_count(db, idea) == 0

    def test_the_open_clause_says_what_voting_open_says(self, db: Session) -> None:
        made = []
        for visibility, status in itertools.product(Visibility, IdeaStatus):
            idea = create_idea(db)
            idea.visibility, idea.status = visibility, status
            db.add(idea)
            made.append(idea)
        db.commit()
        found = set(
            db.scalars(
                select(Idea.id).where(
                    col(Idea.id).in_([i.id for i in made]), access.voting_open_clause()
                )
            )
        )
        assert found == {i.id for i in made if access.voting_open(i)}
        assert found  # some are open, and not all of them
        assert len(found) < len(made)

    def test_a_vote_refreshes_the_idea_passed_in(self, db: Session) -> None:
        idea = create_idea(db)
        principal = principal_for(db, create_user(db))
        assert votes.vote(db, idea=idea, principal=principal) is True
        assert idea.vote_count == 1
        assert votes.unvote(db, idea=idea, principal=principal) is True
        assert idea.vote_count == 0
        db.commit()
        assert idea.id is not None
        left = select(Vote).where(
            col(Vote.idea_id) == idea.id, col(Vote.user_id) == principal.user_id
        )
        assert db.exec(left).all() == []


class TestVoteRateAllowance:
    def test_the_limit_keeps_one_row_per_person_and_no_events(
        self, client: TestClient, db: Session
    ) -> None:
        ideas = [create_idea(db) for _ in range(5)]
        _user, headers = person(db)
        for idea in ideas:
            assert client.put(f"{IDEAS}/{idea.id}/vote", headers=headers).status_code == 200
            assert client.delete(f"{IDEAS}/{idea.id}/vote", headers=headers).status_code == 200
        assert db.scalar(select(func.count()).select_from(RateAllowance)) == 1
        events = select(func.count()).where(col(RateEvent.bucket) == ratelimit.VOTE_USER.name)
        assert db.scalar(events.select_from(RateEvent)) == 0

    def test_a_burst_up_to_the_limit_then_the_limits_rate(
        self, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "votes_per_user_per_minute", 3)
        now = ratelimit.utcnow()
        clock = {"now": now}
        monkeypatch.setattr(ratelimit, "utcnow", lambda: clock["now"])
        spend = lambda: ratelimit.spend(db, ratelimit.VOTE_USER, "key-a")  # noqa: E731
        assert [spend(), spend(), spend()] == [None, None, None]
        assert spend() == 20  # one share of the minute
        assert spend() == 20  # a refused event takes nothing
        clock["now"] = now + timedelta(seconds=19)
        assert spend() == 1
        clock["now"] = now + timedelta(seconds=20)
        assert spend() is None
        assert spend() == 20
        # Another key is not held back; a quiet minute restores the whole allowance.
        assert ratelimit.spend(db, ratelimit.VOTE_USER, "key-b") is None
        clock["now"] = now + timedelta(minutes=2)
        assert [spend(), spend(), spend(), spend()] == [None, None, None, 20]

    def test_allowances_already_whole_again_are_pruned(
        self, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        now = ratelimit.utcnow()
        assert ratelimit.spend(db, ratelimit.VOTE_USER, "old") is None
        monkeypatch.setattr(ratelimit, "utcnow", lambda: now + timedelta(minutes=5))
        assert ratelimit.spend(db, ratelimit.VOTE_USER, "recent") is None
        db.commit()
        assert ratelimit.prune(db) == 1
        keys = set(db.scalars(select(RateAllowance.key)))
        assert keys == {"recent"}


@pytest.mark.slow
class TestConcurrentAllowance:
    def test_twenty_at_once_against_a_limit_of_five_allow_exactly_five(
        self, engine: Engine, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "votes_per_user_per_minute", 5)

        def spend(_i: int) -> int | None:
            with app_db.open_session(write=True, engine=engine) as session:
                wait = ratelimit.spend(session, ratelimit.VOTE_USER, "together")
                session.commit()
                return wait

        waits = run_together(20, spend)
        assert waits.count(None) == 5
        assert all(w is not None and 1 <= w <= 60 for w in waits if w is not None)

    def test_one_person_voting_through_the_api_from_ten_threads_counts_once(
        self, engine: Engine, db: Session
    ) -> None:
        idea = create_idea(db)
        _user, headers = person(db)
        clients = [TestClient(create_app()) for _ in range(10)]
        try:
            responses = run_together(
                10, lambda i: clients[i].put(f"{IDEAS}/{idea.id}/vote", headers=headers)
            )
        finally:
            for c in clients:
                c.close()
        assert [r.status_code for r in responses] == [200] * 10
        assert {(r.json()["vote_count"], r.json()["voted_by_me"]) for r in responses} == {(1, True)}
        assert stored_count(db, idea) == 1
        assert db.scalar(select(func.count()).select_from(Vote)) == 1
