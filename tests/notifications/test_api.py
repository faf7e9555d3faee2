"""``GET /api/v1/me/notifications`` (signed in, or any token) and
``POST /api/v1/me/notifications/read`` (a token needs the write scope)."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts import service as accounts
from app.core.subjects import Subject
from app.models import Notification, TokenScope, User, Visibility
from app.notifications import repository as notifications_repo
from tests.factories import create_user, sign_in
from tests.ideas.factories import create_idea
from tests.notifications.helpers import set_visibility
from tests.projects.factories import create_project


def token_headers(db: Session, user: User, *scopes: TokenScope) -> dict[str, str]:
    _row, secret = accounts.create_api_token(
        db, user=user, name="tests", scopes=list(scopes) or [TokenScope.read]
    )
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


def notify(db: Session, user: User, *subjects: Subject, kind: str = "status") -> None:
    for subject in subjects:
        notifications_repo.add_many(db, subject=subject, kind=kind, user_ids=[user.id or 0])
    db.commit()


class TestList:
    def test_the_shape_newest_first_and_ideas_only(self, client: TestClient, db: Session) -> None:
        person = create_user(db)
        first, second = create_idea(db), create_idea(db)
        for idea in (first, second):
            set_visibility(db, idea, Visibility.published)
        notify(db, person, Subject.of(first), Subject.of(second))
        notify(db, person, Subject.of(create_project(db)), kind="project_status")
        sign_in(client, person)

        body = client.get("/api/v1/me/notifications").json()

        assert list(body) == ["items"]
        assert [set(item) for item in body["items"]] == [
            {"id", "idea_id", "kind", "created_at", "read"}
        ] * 2
        assert [i["idea_id"] for i in body["items"]] == [second.id, first.id]
        assert all(i["kind"] == "status" and i["read"] is False for i in body["items"])

    def test_a_read_only_token_may_list(self, client: TestClient, db: Session) -> None:
        person = create_user(db)
        idea = create_idea(db)
        set_visibility(db, idea, Visibility.published)
        notify(db, person, Subject.of(idea))
        response = client.get(
            "/api/v1/me/notifications", headers=token_headers(db, person, TokenScope.read)
        )
        assert response.status_code == 200
        assert len(response.json()["items"]) == 1

    def test_only_your_own(self, client: TestClient, db: Session) -> None:
        person, other = create_user(db), create_user(db)
        idea = create_idea(db)
        set_visibility(db, idea, Visibility.published)
        notify(db, other, Subject.of(idea))
        sign_in(client, person)
        assert client.get("/api/v1/me/notifications").json() == {"items": []}

    def test_anonymous_gets_401_problem(self, client: TestClient) -> None:
        response = client.get("/api/v1/me/notifications")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")

    def test_a_bad_token_gets_401(self, client: TestClient) -> None:
        response = client.get(
            "/api/v1/me/notifications", headers={"Authorization": "Bearer not-a-token"}
        )
        assert response.status_code == 401


class TestMarkRead:
    def test_marks_all_read_and_says_how_many(self, client: TestClient, db: Session) -> None:
        person = create_user(db)
        idea = create_idea(db)
        set_visibility(db, idea, Visibility.published)
        notify(db, person, Subject.of(idea), Subject.of(idea))
        headers = token_headers(db, person, TokenScope.write)
        response = client.post("/api/v1/me/notifications/read", headers=headers)
        assert response.status_code == 200
        assert response.json() == {"marked": 2}
        items = client.get("/api/v1/me/notifications", headers=headers).json()["items"]
        assert [i["read"] for i in items] == [True, True]
        assert client.post("/api/v1/me/notifications/read", headers=headers).json() == {"marked": 0}

    def test_a_read_only_token_is_refused(self, client: TestClient, db: Session) -> None:
        person = create_user(db)
        idea = create_idea(db)
        notify(db, person, Subject.of(idea))
        response = client.post(
            "/api/v1/me/notifications/read", headers=token_headers(db, person, TokenScope.read)
        )
        assert response.status_code == 403
        db.expire_all()
        assert db.scalars(select(Notification.read_at)).one() is None

    def test_anonymous_gets_401(self, client: TestClient) -> None:
        assert client.post("/api/v1/me/notifications/read").status_code == 401
