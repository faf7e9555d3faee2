"""Supporting an idea: one vote per person, even when many arrive at once."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from app import db as app_db
from app.main import create_app
from app.models import Idea, IdeaStatus, User, Vote
from app.votes import service as votes
from tests.factories import PASSWORD, create_user, sign_in
from tests.helpers import soup_of
from tests.ideas.factories import create_idea, create_vote, principal_for, run_together


def vote_rows(db: Session, idea: Idea) -> int:
    return int(
        db.scalar(select(func.count()).select_from(Vote).where(col(Vote.idea_id) == idea.id)) or 0
    )


def vote_count(db: Session, idea: Idea) -> int:
    return int(db.scalar(select(Idea.vote_count).where(col(Idea.id) == idea.id)) or 0)


def vote_in_own_transaction(engine: Engine, *, idea_id: int, user_id: int) -> bool:
    with app_db.open_session(write=True, engine=engine) as session:
        idea = session.get(Idea, idea_id)
        user = session.get(User, user_id)
        assert idea is not None
        assert user is not None
        added = votes.vote(session, idea=idea, principal=principal_for(session, user))
        session.commit()
        return added


@pytest.mark.slow
class TestConcurrentVotes:
    def test_one_person_voting_20_times_at_once_counts_once(
        self, engine: Engine, db: Session
    ) -> None:
        idea = create_idea(db)
        person = create_user(db)
        assert idea.id is not None
        assert person.id is not None
        idea_id, user_id = idea.id, person.id

        added = run_together(
            20,
            lambda _i: vote_in_own_transaction(engine, idea_id=idea_id, user_id=user_id),
        )

        assert added.count(True) == 1
        assert vote_rows(db, idea) == 1
        assert vote_count(db, idea) == 1

    def test_20_people_voting_at_once_all_count(self, engine: Engine, db: Session) -> None:
        idea = create_idea(db)
        people = [create_user(db) for _ in range(20)]
        assert idea.id is not None
        idea_id = idea.id
        user_ids: list[int] = []
        for person in people:
            assert person.id is not None
            user_ids.append(person.id)

        added = run_together(
            20,
            lambda i: vote_in_own_transaction(engine, idea_id=idea_id, user_id=user_ids[i]),
        )

        assert added == [True] * 20
        assert vote_rows(db, idea) == 20
        assert vote_count(db, idea) == 20

    def test_votes_and_unvotes_at_once_keep_the_count_true(
        self, engine: Engine, db: Session
    ) -> None:
        idea = create_idea(db)
        people = [create_user(db) for _ in range(10)]
        for person in people[:5]:
            create_vote(db, idea=idea, user=person)

        def flip(i: int) -> None:
            with app_db.open_session(write=True, engine=engine) as session:
                loaded = session.get(Idea, idea.id)
                user = session.get(User, people[i % 10].id)
                assert loaded is not None
                assert user is not None
                # The first five take their vote back; the rest vote (each twice over).
                if i % 10 < 5:
                    votes.unvote(session, idea=loaded, principal=principal_for(session, user))
                else:
                    votes.vote(session, idea=loaded, principal=principal_for(session, user))
                session.commit()

        run_together(20, flip)

        assert vote_rows(db, idea) == 5
        assert vote_count(db, idea) == 5

    def test_one_person_through_the_web_from_many_tabs(self, engine: Engine, db: Session) -> None:
        idea = create_idea(db)
        person = create_user(db)
        clients = [TestClient(create_app()) for _ in range(8)]
        try:
            for c in clients:
                sign_in(c, person)
            responses = run_together(
                8,
                lambda i: clients[i].post(
                    f"/ideas/{idea.id}/vote", data={"action": "vote"}, follow_redirects=False
                ),
            )
        finally:
            for c in clients:
                c.close()

        assert [r.status_code for r in responses] == [303] * 8
        assert vote_rows(db, idea) == 1
        assert vote_count(db, idea) == 1


class TestVoteService:
    def test_voting_twice_changes_nothing(self, db: Session) -> None:
        idea = create_idea(db)
        person = create_user(db)
        assert votes.vote(db, idea=idea, principal=principal_for(db, person)) is True
        db.commit()
        assert votes.vote(db, idea=idea, principal=principal_for(db, person)) is False
        db.commit()
        assert vote_rows(db, idea) == vote_count(db, idea) == 1

    def test_unvote_removes_only_that_persons_vote(self, db: Session) -> None:
        idea = create_idea(db)
        me, other = create_user(db), create_user(db)
        create_vote(db, idea=idea, user=me)
        create_vote(db, idea=idea, user=other)

        assert votes.unvote(db, idea=idea, principal=principal_for(db, me)) is True
        db.commit()
        assert votes.unvote(db, idea=idea, principal=principal_for(db, me)) is False
        db.commit()
        assert vote_rows(db, idea) == vote_count(db, idea) == 1


class TestVotePages:
    def test_vote_and_unvote_without_javascript(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        sign_in(client, create_user(db))

        response = client.post(
            f"/ideas/{idea.id}/vote", data={"action": "vote"}, follow_redirects=False
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"/ideas/{idea.id}#vote"
        page = soup_of(client.get(f"/ideas/{idea.id}").text)
        button = page.select_one("#vote button")
        assert button["aria-pressed"] == "true"
        assert "You support this" in button.get_text()
        assert page.select_one("#vote input[name=action]")["value"] == "unvote"
        assert vote_count(db, idea) == 1

        response = client.post(
            f"/ideas/{idea.id}/vote", data={"action": "unvote"}, follow_redirects=False
        )
        assert response.status_code == 303
        page = soup_of(client.get(f"/ideas/{idea.id}").text)
        assert page.select_one("#vote button")["aria-pressed"] == "false"
        assert vote_rows(db, idea) == vote_count(db, idea) == 0

    def test_vote_and_unvote_with_htmx(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        sign_in(client, create_user(db))
        htmx = {"HX-Request": "true"}

        response = client.post(f"/ideas/{idea.id}/vote", data={"action": "vote"}, headers=htmx)
        assert response.status_code == 200
        assert "<html" not in response.text
        fragment = soup_of(response.text)
        assert fragment.select_one("#vote button")["aria-pressed"] == "true"
        assert fragment.select_one("#vote .fc-vote__count").get_text(" ", strip=True) == (
            "1 supporter"
        )
        status = fragment.select_one("#vote-status")
        assert status["hx-swap-oob"] == "true"
        assert status["aria-live"] == "polite"
        assert status.get_text(" ", strip=True) == "You support this idea. 1 supporter"

        response = client.post(f"/ideas/{idea.id}/vote", data={"action": "unvote"}, headers=htmx)
        fragment = soup_of(response.text)
        assert fragment.select_one("#vote button")["aria-pressed"] == "false"
        assert fragment.select_one("#vote-status").get_text(" ", strip=True) == (
            "You no longer support this idea. 0 supporters"
        )
        assert vote_rows(db, idea) == vote_count(db, idea) == 0

    @pytest.mark.parametrize(
        "status", [IdeaStatus.done, IdeaStatus.not_taken_forward, IdeaStatus.duplicate]
    )
    def test_voting_is_closed_on_finished_ideas(
        self, client: TestClient, db: Session, status: IdeaStatus
    ) -> None:
        idea = create_idea(db, status=status)
        sign_in(client, create_user(db))

        page = soup_of(client.get(f"/ideas/{idea.id}").text)
        assert page.select_one("#vote button") is None
        assert "Support is closed" in page.select_one("#vote").get_text()
        for action in ("vote", "unvote"):
            response = client.post(
                f"/ideas/{idea.id}/vote", data={"action": action}, follow_redirects=False
            )
            assert response.status_code == 409
        assert vote_rows(db, idea) == 0

    def test_signing_in_to_vote_then_carrying_on(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        person = create_user(db)

        response = client.post(f"/ideas/{idea.id}/vote", data={"action": "vote"})
        assert response.status_code == 401
        form = soup_of(response.text).select_one('form[action="/login"]')
        assert form is not None
        fields = {str(i["name"]): str(i.get("value", "")) for i in form.select("input[name]")}
        fields.update(email=person.email, password=PASSWORD)
        assert vote_rows(db, idea) == 0

        resume = client.post("/login", data=fields)
        assert resume.status_code == 200
        carry_on = soup_of(resume.text).select_one(f'form[action="/ideas/{idea.id}/vote"]')
        assert carry_on is not None
        kept = {str(i["name"]): str(i["value"]) for i in carry_on.select("input[type=hidden]")}
        assert kept == {"action": "vote"}

        response = client.post(f"/ideas/{idea.id}/vote", data=kept, follow_redirects=False)
        assert response.status_code == 303
        assert vote_rows(db, idea) == vote_count(db, idea) == 1
        assert person.id in set(db.scalars(select(Vote.user_id)))
