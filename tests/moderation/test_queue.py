"""The moderation queue, on its page and in the API: who may use it, what it shows (screening's
reasons, the moderation flags, reports and their details), the order, and a fixed number of
statements whatever its length."""

import secrets

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col

from app.models import Idea, Report, ReportReason, Role, TokenScope, Visibility
from tests.factories import create_user, sign_in
from tests.helpers import soup_of
from tests.moderation.helpers import (
    WRONG_ROLES,
    bearer,
    count_statements,
    moderator,
    published_idea,
    waiting_comment,
    waiting_idea,
)

PAGES = ["/moderation", "/moderation/ideas/{idea}", "/moderation/comments/{comment}"]
POSTS = [
    "/moderation/approve",
    "/moderation/ideas/{idea}/decision",
    "/moderation/ideas/{idea}/redact",
    "/moderation/comments/{comment}/decision",
    "/moderation/comments/{comment}/redact",
]


def report(db: Session, idea: Idea, reason: ReportReason, *, details: str | None = None) -> None:
    row = Report(
        idea_id=idea.id,  # type: ignore[arg-type]
        target=f"idea:{idea.id}",
        reporter_key=secrets.token_hex(8),
        reason=reason,
        details=details,
    )
    db.add(row)
    db.commit()


@pytest.fixture
def things(db: Session) -> dict[str, int]:
    idea = waiting_idea(db)
    comment = waiting_comment(db, published_idea(db), create_user(db))
    assert idea.id is not None
    assert comment.id is not None
    return {"idea": idea.id, "comment": comment.id}


class TestWhoMayUseIt:
    @pytest.mark.parametrize("role", WRONG_ROLES)
    def test_other_roles_are_refused_everywhere(
        self, client: TestClient, db: Session, things: dict[str, int], role: Role
    ) -> None:
        user = create_user(db, roles={role})
        sign_in(client, user)
        for path in PAGES:
            assert client.get(path.format(**things)).status_code == 403, path
        for path in POSTS:
            response = client.post(path.format(**things), data={"decision": "publish"})
            assert response.status_code == 403, path
        client.cookies.clear()
        headers = bearer(db, user)
        response = client.get("/api/v1/moderation", headers=headers)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
        for kind in ("idea", "comment"):
            response = client.post(
                f"/api/v1/{kind}s/{things[kind]}/moderation",
                json={"decision": "publish"},
                headers=headers,
            )
            assert response.status_code == 403
        db.expire_all()
        assert db.get(Idea, things["idea"]).visibility == Visibility.pending_moderation

    def test_nobody_signed_out(self, client: TestClient, things: dict[str, int]) -> None:
        for path in PAGES:
            response = client.get(path.format(**things))
            assert response.status_code == 401
            assert soup_of(response).h1.get_text(strip=True) == "Sign in"
        for path in POSTS:
            assert client.post(path.format(**things)).status_code == 401
        response = client.get("/api/v1/moderation")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        response = client.post(f"/api/v1/ideas/{things['idea']}/moderation", json={})
        assert response.status_code == 401

    @pytest.mark.parametrize("role", [Role.moderator, Role.admin])
    def test_moderators_and_admins_may(
        self, client: TestClient, db: Session, things: dict[str, int], role: Role
    ) -> None:
        user = create_user(db, roles={role})
        sign_in(client, user)
        for path in PAGES:
            assert client.get(path.format(**things)).status_code == 200, path
        nav = soup_of(client.get("/")).select(".nhsuk-header__navigation a")
        assert "Moderation" in [a.get_text(strip=True) for a in nav]
        client.cookies.clear()
        response = client.get("/api/v1/moderation", headers=bearer(db, user))
        assert response.status_code == 200
        kinds = {(i["kind"], i["id"]) for i in response.json()["items"]}
        assert kinds == {("idea", things["idea"]), ("comment", things["comment"])}

    def test_other_people_see_no_link(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db, roles={Role.safeguarding_lead}))
        nav = soup_of(client.get("/")).select(".nhsuk-header__navigation a")
        assert "Moderation" not in [a.get_text(strip=True) for a in nav]

    def test_a_token_needs_the_moderate_scope(
        self, client: TestClient, db: Session, things: dict[str, int]
    ) -> None:
        user = moderator(db)
        read_only = bearer(db, user, {TokenScope.read})
        assert client.get("/api/v1/moderation", headers=read_only).status_code == 403
        moderate = bearer(db, user, {TokenScope.read, TokenScope.moderate})
        assert client.get("/api/v1/moderation", headers=moderate).status_code == 200
        # A decision is a write: it needs the write scope as well.
        path = f"/api/v1/ideas/{things['idea']}/moderation"
        assert client.post(path, json={"decision": "publish"}, headers=moderate).status_code == 403
        both = bearer(db, user, {TokenScope.read, TokenScope.write, TokenScope.moderate})
        assert client.post(path, json={"decision": "publish"}, headers=both).status_code == 200

    def test_huge_ids_are_not_found(self, client: TestClient, db: Session) -> None:
        user = moderator(db)
        sign_in(client, user)
        for path in ("/moderation/ideas/99999999999", "/moderation/comments/2147483648"):
            assert client.get(path).status_code == 404
            assert client.post(path + "/decision", data={"decision": "publish"}).status_code == 404
        assert client.get("/moderation/ideas/999999").status_code == 404
        client.cookies.clear()
        headers = bearer(db, user, {TokenScope.read, TokenScope.write, TokenScope.moderate})
        for path in ("/api/v1/ideas/99999999999/moderation", "/api/v1/comments/999999/moderation"):
            response = client.post(path, json={"decision": "publish"}, headers=headers)
            assert response.status_code in (404, 422), path
            assert response.headers["content-type"].startswith("application/problem+json")
        response = client.post(
            "/api/v1/comments/999999/moderation", json={"decision": "publish"}, headers=headers
        )
        assert response.status_code == 404


class TestWhatItShows:
    def test_oldest_first_with_reasons_flags_and_reports(
        self, client: TestClient, db: Session
    ) -> None:
        first = waiting_idea(db, title="First waiting idea")
        db.execute(
            update(Idea)
            .where(col(Idea.id) == first.id)
            .values(
                moderation_flags=["many from one address"],
                screening_reasons=["removed: phone number"],
            )
        )
        db.commit()
        reported = published_idea(db, title="A reported idea")
        report(db, reported, ReportReason.abusive, details="Rude about the night staff")
        report(db, reported, ReportReason.abusive)
        report(db, reported, ReportReason.not_relevant)
        published_idea(db, title="A quiet published idea")
        held = waiting_idea(db, title="A held idea")
        db.execute(update(Idea).where(col(Idea.id) == held.id).values(visibility=Visibility.held))
        db.commit()
        user = moderator(db)
        sign_in(client, user)
        page = soup_of(client.get("/moderation"))
        cards = page.select(".fc-moderation-item")
        headings = [c.select_one("h2").get_text(" ", strip=True) for c in cards]
        assert [h.split(": ", 1)[1] for h in headings] == ["First waiting idea", "A reported idea"]
        first_card, reported_card = cards
        assert "many from one address" in first_card.text
        assert "removed: phone number" in first_card.text
        counts = [
            li.get_text(" ", strip=True) for li in reported_card.select(".fc-report-counts li")
        ]
        assert counts == ["It is abusive or offensive: 2", "It is not about our services: 1"]
        assert "Rude about the night staff" in reported_card.text

        client.cookies.clear()
        items = client.get("/api/v1/moderation", headers=bearer(db, user)).json()["items"]
        assert [i["title"] for i in items] == ["First waiting idea", "A reported idea"]
        assert items[0]["moderation_flags"] == ["many from one address"]
        assert items[0]["screening_reasons"] == ["removed: phone number"]
        assert items[0]["reports"] == {"count": 0, "reasons": {}}
        assert items[1]["reports"] == {"count": 3, "reasons": {"abusive": 2, "not_relevant": 1}}
        assert items[1]["visibility"] == "published"
        assert "details" not in str(items[1])

    def test_a_comment_shows_what_it_is_about(self, client: TestClient, db: Session) -> None:
        idea = published_idea(db, title="Menus in large print")
        comment = waiting_comment(db, idea, create_user(db), body="Yes please, and in Polish")
        sign_in(client, moderator(db))
        card = soup_of(client.get("/moderation")).select_one(f"#comment-{comment.id}")
        assert card is not None
        assert "Menus in large print" in card.text
        assert "Yes please, and in Polish" in card.text

    def test_the_queue_runs_a_fixed_number_of_statements(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        sign_in(client, moderator(db))

        def count() -> int:
            with count_statements(engine) as statements:
                response = client.get("/moderation")
            assert response.status_code == 200
            return len(statements)

        idea = waiting_idea(db)
        waiting_comment(db, published_idea(db), create_user(db))
        report(db, published_idea(db), ReportReason.abusive)
        few = count()
        for _ in range(4):
            waiting_idea(db)
            report(db, published_idea(db), ReportReason.other, details="More")
            waiting_comment(db, idea, create_user(db))
        assert count() == few
