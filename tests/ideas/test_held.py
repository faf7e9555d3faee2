"""An idea held for safeguarding is invisible to everyone but its author, moderators and
safeguarding leads: on its page, in the API, the board and its search, the similar-ideas
panel, the home page's recent activity and every count."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.ideas import service as ideas
from app.models import Idea, Role, User, Visibility
from tests.factories import create_user, sign_in
from tests.helpers import soup_of
from tests.ideas.factories import create_idea, principal_for

TITLE = "Pebbles marmalade tangerine"  # words no other idea uses


@pytest.fixture
def author(db: Session) -> User:
    return create_user(db)


@pytest.fixture
def held(db: Session, author: User) -> Idea:
    idea = create_idea(db, title=TITLE, description="Pebbles marmalade tangerine", author=author)
    moderator = create_user(db, roles={Role.moderator})
    ideas.set_visibility(db, idea=idea, to=Visibility.held, actor=principal_for(db, moderator))
    db.commit()
    return idea


def board_text(client: TestClient, query: str = "") -> str:
    return soup_of(client.get("/ideas", params={"q": query})).select_one("#results").get_text()


class TestHeldIdeas:
    @pytest.mark.parametrize("role", [Role.staff, Role.improvement_lead, Role.service_user])
    def test_plain_staff_and_the_public_cannot_find_it_anywhere(
        self, client: TestClient, db: Session, held: Idea, role: Role
    ) -> None:
        sign_in(client, create_user(db, roles={role}))
        assert client.get(f"/ideas/{held.id}").status_code == 404
        assert client.get(f"/ideas/{held.id}/report").status_code == 404
        assert client.get(f"/api/v1/ideas/{held.id}").status_code == 404
        assert client.get(f"/api/v1/ideas/{held.id}/comments").status_code == 404
        assert client.post(f"/ideas/{held.id}/vote").status_code == 404
        assert client.post(f"/ideas/{held.id}/comments", data={"body": "hi"}).status_code == 404
        assert TITLE not in board_text(client)
        assert "No ideas match" in board_text(client, "marmalade tangerine")
        api = client.get("/api/v1/ideas", params={"q": "marmalade"}).json()
        assert api["items"] == []
        similar = client.get("/ideas/similar", params={"title": "marmalade tangerine"})
        assert TITLE not in similar.text
        assert TITLE not in client.get("/").text

    def test_anonymous_visitors_cannot_see_it(self, client: TestClient, held: Idea) -> None:
        assert client.get(f"/ideas/{held.id}").status_code == 404
        assert client.get(f"/api/v1/ideas/{held.id}").status_code == 404
        assert TITLE not in client.get("/").text

    @pytest.mark.parametrize("role", [Role.moderator, Role.safeguarding_lead, Role.admin])
    def test_moderators_and_safeguarding_leads_can_read_it(
        self, client: TestClient, db: Session, held: Idea, role: Role
    ) -> None:
        sign_in(client, create_user(db, roles={role}))
        page = client.get(f"/ideas/{held.id}")
        assert page.status_code == 200
        assert TITLE in page.text
        assert client.get(f"/api/v1/ideas/{held.id}").status_code == 200
        # Still never on the public board.
        assert TITLE not in board_text(client)

    def test_its_author_can_read_it(self, client: TestClient, author: User, held: Idea) -> None:
        sign_in(client, author)
        assert client.get(f"/ideas/{held.id}").status_code == 200
        assert TITLE in client.get("/me").text

    def test_it_is_not_counted(self, client: TestClient, db: Session, held: Idea) -> None:
        create_idea(db, title="An ordinary idea")
        status = soup_of(client.get("/ideas")).select_one("#results p")
        assert status is not None
        assert "Showing 1 idea." in status.get_text()
