"""The safeguarding queue and its items, on pages and in the API: who may use them, the order,
acknowledging and closing (a note is required), and the audit row of every view and action."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.accounts import service as accounts
from app.models import AuditEvent, Role, SafeguardingStatus, TokenScope, User
from tests.factories import create_user, sign_in
from tests.helpers import error_summary, soup_of
from tests.safeguarding.helpers import RISKY, idea_titled, post_idea, queue

WRONG_ROLES = [Role.staff, Role.improvement_lead, Role.service_user, Role.carer]
RIGHT_ROLES = [Role.moderator, Role.safeguarding_lead, Role.admin]


def audit_rows(db: Session, event: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.exec(select(AuditEvent).where(col(AuditEvent.event) == event)).all())


def bearer(db: Session, user: User, scopes: set[TokenScope] | None = None) -> dict[str, str]:
    _row, secret = accounts.create_api_token(db, user=user, name="tests", scopes=scopes)
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def item_id(client: TestClient, db: Session) -> int:
    """The issue's example sent anonymously, and the urgent item it raised."""
    post_idea(client, title="Please read", description=RISKY)
    client.cookies.clear()
    return queue(db)[0].id  # type: ignore[return-value]


class TestWhoMayUseIt:
    @pytest.mark.parametrize("role", WRONG_ROLES)
    def test_other_roles_are_refused(
        self, client: TestClient, db: Session, item_id: int, role: Role
    ) -> None:
        user = create_user(db, roles={role})
        sign_in(client, user)
        assert client.get("/safeguarding").status_code == 403
        assert client.get(f"/safeguarding/{item_id}").status_code == 403
        assert client.post(f"/safeguarding/{item_id}/acknowledge").status_code == 403
        client.cookies.clear()
        headers = bearer(db, user)
        assert client.get("/api/v1/safeguarding", headers=headers).status_code == 403
        response = client.post(
            f"/api/v1/safeguarding/{item_id}", json={"status": "acknowledged"}, headers=headers
        )
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
        assert queue(db)[0].status == SafeguardingStatus.open

    def test_nobody_signed_out(self, client: TestClient, item_id: int) -> None:
        assert client.get("/safeguarding").status_code == 401  # the sign-in page
        response = client.get("/api/v1/safeguarding")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")

    @pytest.mark.parametrize("role", RIGHT_ROLES)
    def test_moderators_safeguarding_leads_and_admins_may(
        self, client: TestClient, db: Session, item_id: int, role: Role
    ) -> None:
        sign_in(client, create_user(db, roles={role}))
        page = client.get("/safeguarding")
        assert page.status_code == 200
        assert RISKY in page.text or RISKY.replace("'", "&#39;") in page.text
        assert client.get(f"/safeguarding/{item_id}").status_code == 200

    def test_a_token_needs_the_moderate_scope(
        self, client: TestClient, db: Session, lead: User, item_id: int
    ) -> None:
        read_only = bearer(db, lead, {TokenScope.read})
        assert client.get("/api/v1/safeguarding", headers=read_only).status_code == 403
        moderate = bearer(db, lead, {TokenScope.read, TokenScope.moderate})
        assert client.get("/api/v1/safeguarding", headers=moderate).status_code == 200
        # Changing an item is a write: the write scope too.
        response = client.post(
            f"/api/v1/safeguarding/{item_id}", json={"status": "acknowledged"}, headers=moderate
        )
        assert response.status_code == 403


class TestThePages:
    def test_urgent_first_then_oldest_with_the_text_and_reasons(
        self, client: TestClient, db: Session, lead: User
    ) -> None:
        post_idea(client, title="First worry", description="I want to die")
        post_idea(
            client, title="Second worry", description="everyone would be better off without me"
        )
        post_idea(client, title="The urgent one", description=RISKY)
        client.cookies.clear()
        sign_in(client, lead)
        page = soup_of(client.get("/safeguarding"))
        cards = page.select(".fc-safeguarding-item")
        headings = [c.select_one("h2").get_text(" ", strip=True) for c in cards]
        assert [h.split(": ", 1)[1] for h in headings] == [
            "The urgent one",
            "First worry",
            "Second worry",
        ]
        assert "Urgent" in cards[0].get_text()
        assert "or mentions a plan, the means or a time" in cards[0].get_text()

    def test_an_item_is_acknowledged_then_closed_with_a_note(
        self, client: TestClient, db: Session, lead: User, item_id: int
    ) -> None:
        sign_in(client, lead)
        page = client.get(f"/safeguarding/{item_id}")
        assert "pills saved up" in page.text
        reads = audit_rows(db, "read.safeguarding_item")
        assert [(r.actor_id, r.details.get("item_id")) for r in reads] == [(lead.id, item_id)]

        done = client.post(f"/safeguarding/{item_id}/acknowledge", follow_redirects=False)
        assert done.status_code == 303
        assert queue(db)[0].status == SafeguardingStatus.acknowledged
        assert queue(db)[0].acknowledged_by_id == lead.id
        assert [r.actor_id for r in audit_rows(db, "safeguarding.acknowledged")] == [lead.id]

        refused = client.post(f"/safeguarding/{item_id}/close", data={"note": "  "})
        assert refused.status_code == 422
        assert error_summary(refused) == ["Enter what was done before closing it"]
        assert queue(db)[0].status == SafeguardingStatus.acknowledged

        note = "Rang the crisis team, who contacted the person."
        closed = client.post(
            f"/safeguarding/{item_id}/close", data={"note": note}, follow_redirects=False
        )
        assert closed.status_code == 303
        assert queue(db) == []  # closed items leave the queue
        rows = audit_rows(db, "safeguarding.closed")
        assert [(r.actor_id, r.details["item_id"]) for r in rows] == [(lead.id, item_id)]
        assert note not in str(rows[0].details)  # free text stays on the item
        assert note in client.get(f"/safeguarding/{item_id}").text

    def test_closed_items_are_kept_with_who_acted(
        self, client: TestClient, db: Session, lead: User, item_id: int
    ) -> None:
        colleague = create_user(db, roles={Role.moderator}, display_name="Sam Moderator")
        sign_in(client, colleague)
        client.post(f"/safeguarding/{item_id}/acknowledge")
        sign_in(client, lead)
        item_page = soup_of(client.get(f"/safeguarding/{item_id}"))
        assert "Sam Moderator" in item_page.select_one(".nhsuk-summary-list").get_text()
        client.post(f"/safeguarding/{item_id}/close", data={"note": "Called the crisis team."})

        waiting = soup_of(client.get("/safeguarding"))
        assert not waiting.select(f"#item-{item_id}")
        history = soup_of(client.get("/safeguarding?show=closed"))
        assert history.h1.get_text() == "Closed safeguarding items"
        card = history.select_one(f"#item-{item_id}")
        assert card is not None
        assert lead.display_name in card.get_text()
        summary = soup_of(client.get(f"/safeguarding/{item_id}")).select_one(".nhsuk-summary-list")
        assert {"Sam Moderator", lead.display_name} <= {
            part.strip() for row in summary.select("dd") for part in row.get_text().split("–")
        }
        # Reading the history is audited like reading the queue.
        assert [r.details["via"] for r in audit_rows(db, "read.safeguarding_item")][-2:] == [
            "history",
            "item",
        ]

    def test_the_history_is_for_the_same_people_as_the_queue(
        self, client: TestClient, db: Session
    ) -> None:
        sign_in(client, create_user(db, roles={Role.staff}))
        assert client.get("/safeguarding?show=closed").status_code == 403

    def test_an_item_that_is_not_there(self, client: TestClient, db: Session, lead: User) -> None:
        sign_in(client, lead)
        assert client.get("/safeguarding/999999").status_code == 404


class TestTheApi:
    def test_the_list(self, client: TestClient, db: Session, lead: User) -> None:
        post_idea(client, title="A worry", description="I want to die")
        post_idea(client, title="Urgent", description=RISKY)
        client.cookies.clear()
        body = client.get("/api/v1/safeguarding", headers=bearer(db, lead)).json()
        items: list[dict[str, Any]] = body["items"]
        assert [i["level"] for i in items] == ["urgent", "concern"]
        assert set(items[0]) == {
            "id",
            "idea_id",
            "comment_id",
            "level",
            "status",
            "reasons",
            "created_at",
        }
        assert items[0]["idea_id"] == idea_titled(db, "Urgent").id
        assert items[0]["comment_id"] is None
        assert items[0]["status"] == "open"
        assert "pills" not in str(body)
        assert audit_rows(db, "read.safeguarding_item")[0].details["via"] == "api"

    def test_acknowledge_and_close(
        self, client: TestClient, db: Session, lead: User, item_id: int
    ) -> None:
        headers = bearer(db, lead)
        url = f"/api/v1/safeguarding/{item_id}"
        too_soon = client.post(url, json={"status": "closed", "note": "done"}, headers=headers)
        assert too_soon.status_code == 409
        assert too_soon.headers["content-type"].startswith("application/problem+json")
        ack = client.post(url, json={"status": "acknowledged"}, headers=headers)
        assert ack.status_code == 200
        assert ack.json()["status"] == "acknowledged"
        again = client.post(url, json={"status": "acknowledged"}, headers=headers)
        assert again.status_code == 409
        no_note = client.post(url, json={"status": "closed"}, headers=headers)
        assert no_note.status_code == 422
        assert no_note.headers["content-type"].startswith("application/problem+json")
        assert no_note.json()["errors"][0]["field"] == "note"
        closed = client.post(url, json={"status": "closed", "note": "Called 999."}, headers=headers)
        assert closed.status_code == 200
        assert closed.json()["status"] == "closed"
        assert len(audit_rows(db, "safeguarding.acknowledged")) == 1
        assert len(audit_rows(db, "safeguarding.closed")) == 1

    def test_a_status_that_is_not_a_move(
        self, client: TestClient, db: Session, lead: User, item_id: int
    ) -> None:
        response = client.post(
            f"/api/v1/safeguarding/{item_id}", json={"status": "open"}, headers=bearer(db, lead)
        )
        assert response.status_code == 422
        missing = client.post(
            "/api/v1/safeguarding/999999", json={"status": "acknowledged"}, headers=bearer(db, lead)
        )
        assert missing.status_code == 404
