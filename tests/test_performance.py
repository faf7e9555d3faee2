"""The per-request work behind the speed targets (docs/performance.md): who is asking is one
statement with no write on a read, a token's last use is saved at most once a minute,
reference data is held in each process until an admin changes it, and the fast JSON path
still answers exactly what the OpenAPI document promises. Timings live in bench/, not here."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.accounts import service as accounts_service
from app.ideas.schemas import IdeaList, IdeaPublic
from app.main import create_app
from app.models import ApiToken, Category, Role, utcnow
from tests.factories import api_token, create_user, sign_in
from tests.ideas.factories import create_idea
from tests.projects.helpers import count_statements


def writes(statements: list[str]) -> list[str]:
    return [
        s for s in statements if s.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]


def last_used(engine: Engine) -> list:
    with Session(engine) as db:
        return [t.last_used_at for t in db.exec(select(ApiToken)).all()]


@pytest.fixture
def bearer(db: Session) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(db, create_user(db))}"}


class TestWhoIsAsking:
    def test_a_token_read_is_the_lookup_and_the_page_and_writes_nothing(
        self, client: TestClient, engine: Engine, db: Session, bearer: dict[str, str]
    ) -> None:
        for n in range(3):
            create_idea(db, title=f"Idea number {n}")
        client.get("/api/v1/ideas", headers=bearer)  # the first use is stamped
        with count_statements(engine) as statements:
            assert client.get("/api/v1/ideas", headers=bearer).status_code == 200
        # The token with its person, roles and reference versions; then the page of ideas
        # with whether this person supports each.
        assert len(statements) == 2, statements
        assert writes(statements) == []

    def test_one_idea_with_a_token_is_two_statements(
        self, client: TestClient, engine: Engine, db: Session, bearer: dict[str, str]
    ) -> None:
        idea = create_idea(db, title="Quiet room")
        client.get(f"/api/v1/ideas/{idea.id}", headers=bearer)
        with count_statements(engine) as statements:
            assert client.get(f"/api/v1/ideas/{idea.id}", headers=bearer).status_code == 200
        assert len(statements) == 2, statements

    def test_a_signed_in_board_looks_up_the_person_once_with_their_unread_count(
        self, client: TestClient, engine: Engine, db: Session
    ) -> None:
        for n in range(5):
            create_idea(db, title=f"Idea number {n}")
        sign_in(client, create_user(db))
        client.get("/ideas")
        with count_statements(engine) as statements:
            assert client.get("/ideas").status_code == 200
        # The session with person, roles, two-step state, unread count and versions; the
        # board with this person's votes. Categories and units come from the process.
        assert len(statements) == 2, statements
        assert writes(statements) == []

    def test_whether_two_step_sign_in_is_missing_comes_with_the_lookup(
        self, client: TestClient, engine: Engine, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from app.config import get_settings

        sign_in(client, create_user(db, roles={Role.staff, Role.moderator}))
        monkeypatch.setattr(get_settings(), "mfa_required_roles", [Role.moderator])
        with count_statements(engine) as statements:
            page = client.get("/ideas", follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"].startswith("/account/two-step")
        assert len(statements) == 1, statements

    def test_a_tokens_last_use_is_saved_and_at_most_once_a_minute(
        self,
        client: TestClient,
        engine: Engine,
        bearer: dict[str, str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        assert last_used(engine) == [None]
        client.get("/api/v1/ideas", headers=bearer)
        (first,) = last_used(engine)
        assert first is not None
        client.get("/api/v1/ideas", headers=bearer)
        assert last_used(engine) == [first]
        later = utcnow() + timedelta(seconds=61)
        monkeypatch.setattr(accounts_service, "utcnow", lambda: later)
        client.get("/api/v1/ideas", headers=bearer)
        (second,) = last_used(engine)
        assert second is not None
        assert second > first


class TestReferenceData:
    def test_categories_come_from_the_process_until_one_changes(
        self, engine: Engine, db: Session
    ) -> None:
        first, second = TestClient(create_app()), TestClient(create_app())
        first.get("/ideas")
        second.get("/ideas")
        with count_statements(engine) as statements:
            first.get("/ideas")
        assert not [s for s in statements if "FROM category" in s and "JOIN" not in s]
        db.add(Category(slug="garden", name="Gardens and outdoor space", position=99))
        db.commit()
        # Both processes (two apps here) see the admin's change on their next request.
        assert "Gardens and outdoor space" in first.get("/ideas").text
        assert "Gardens and outdoor space" in second.get("/ideas").text


class TestFastJson:
    def test_the_list_one_idea_and_a_vote_match_their_response_models(
        self, client: TestClient, db: Session, bearer: dict[str, str]
    ) -> None:
        idea = create_idea(db, title="Hot drinks after nine")
        voted = client.put(f"/api/v1/ideas/{idea.id}/vote", headers=bearer)
        assert voted.headers["content-type"] == "application/json"
        after = IdeaPublic.model_validate(voted.json())
        assert (after.vote_count, after.voted_by_me) == (1, True)
        again = IdeaPublic.model_validate(
            client.delete(f"/api/v1/ideas/{idea.id}/vote", headers=bearer).json()
        )
        assert (again.vote_count, again.voted_by_me) == (0, False)
        client.put(f"/api/v1/ideas/{idea.id}/vote", headers=bearer)
        listing = client.get("/api/v1/ideas", headers=bearer)
        assert listing.headers["content-type"] == "application/json"
        parsed = IdeaList.model_validate(listing.json())
        assert [i.title for i in parsed.items] == ["Hot drinks after nine"]
        assert parsed.items[0].voted_by_me is True
        one = IdeaPublic.model_validate(client.get(f"/api/v1/ideas/{idea.id}").json())
        assert one.vote_count == 1
        assert one.voted_by_me is False  # nobody is signed in
