"""A moderator's decisions, from the page and the API: approve, edit and approve, reject with a
reason its author sees, send to safeguarding, approve several at once. Every decision is
audited; moves that are not possible are refused (409), bad input is 422."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.ideas import service as ideas_service
from app.ideas.schemas import IdeaInput
from app.models import (
    Comment,
    Idea,
    Report,
    ReportReason,
    SafeguardingItem,
    ScreenedText,
    TokenScope,
    User,
    Visibility,
)
from tests.factories import create_user, sign_in
from tests.helpers import error_summary, soup_of
from tests.ideas.factories import principal_for
from tests.moderation.helpers import (
    audit_rows,
    bearer,
    moderator,
    notifications_of,
    published_comment,
    published_idea,
    waiting_comment,
    waiting_idea,
)

ALL_SCOPES = {TokenScope.read, TokenScope.write, TokenScope.moderate}


def fresh(db: Session, row: Any) -> Any:
    db.expire_all()
    db.refresh(row)
    return row


def decide(client: TestClient, path: str, **data: str) -> Any:
    return client.post(path, data=data, follow_redirects=False)


@pytest.fixture
def mod(client: TestClient, db: Session) -> User:
    user = moderator(db)
    sign_in(client, user)
    return user


def submitted(db: Session, author: User, **fields: str) -> tuple[Idea, str]:
    """An idea sent by ``author`` through the real service, waiting, and its receipt."""
    data = IdeaInput(
        title=fields.get("title", "Later visiting on Sundays"),
        description=fields.get("description", "Families work in the week. Sundays would help."),
        category="other",
    )
    result = ideas_service.submit(
        db,
        data=data,
        form_token=ideas_service.new_form_token(),
        author=principal_for(db, author),
        ip_address="192.0.2.7",
    )
    db.commit()
    idea = result.idea
    db.execute(
        update(Idea).where(col(Idea.id) == idea.id).values(visibility=Visibility.pending_moderation)
    )
    db.commit()
    return fresh(db, idea), result.receipt


class TestApprove:
    def test_from_the_page(self, client: TestClient, db: Session, mod: User) -> None:
        author = create_user(db)
        idea, _receipt = submitted(db, author)
        response = decide(client, f"/moderation/ideas/{idea.id}/decision", decision="publish")
        assert response.status_code == 303
        assert response.headers["location"] == "/moderation?notice=moderation-published"
        assert fresh(db, idea).visibility == Visibility.published
        [row] = audit_rows(db, "moderation.published")
        assert (row.actor_id, row.details) == (mod.id, {"idea_id": idea.id, "reports": 0})
        [move] = audit_rows(db, "idea.visibility")
        assert move.details["to_visibility"] == "published"
        assert [n.kind for n in notifications_of(db, author)] == ["moderation"]
        client.cookies.clear()
        assert client.get(f"/ideas/{idea.id}").status_code == 200

    def test_from_the_api(self, client: TestClient, db: Session) -> None:
        idea = waiting_idea(db)
        headers = bearer(db, moderator(db), ALL_SCOPES)
        response = client.post(
            f"/api/v1/ideas/{idea.id}/moderation", json={"decision": "publish"}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["kind"], body["id"], body["visibility"]) == ("idea", idea.id, "published")
        assert len(audit_rows(db, "moderation.published")) == 1

    def test_approving_a_reported_idea_resolves_its_reports(
        self, client: TestClient, db: Session, mod: User
    ) -> None:
        idea = published_idea(db)
        author_reports = [
            Report(idea_id=idea.id, target=f"idea:{idea.id}", reporter_key=k, reason="abusive")  # type: ignore[arg-type]
            for k in ("a", "b")
        ]
        db.add_all(author_reports)
        db.commit()
        decide(client, f"/moderation/ideas/{idea.id}/decision", decision="publish")
        db.expire_all()
        assert all(r.resolved_at is not None for r in db.exec(select(Report)).all())
        [row] = audit_rows(db, "moderation.published")
        assert row.details["reports"] == 2
        assert "A reported" not in client.get("/moderation").text
        assert soup_of(client.get("/moderation")).select(".fc-moderation-item") == []

    def test_a_comment_is_published_counted_and_its_followers_told(
        self, client: TestClient, db: Session, mod: User
    ) -> None:
        idea = published_idea(db)
        follower = create_user(db)
        published_comment(db, idea, follower)  # commenting follows the idea
        count = fresh(db, idea).comment_count
        writer = create_user(db)
        comment = waiting_comment(db, idea, writer, body="Sundays suit my dad too")
        before = len(notifications_of(db, follower))
        decide(client, f"/moderation/comments/{comment.id}/decision", decision="publish")
        assert fresh(db, comment).visibility == Visibility.published
        assert fresh(db, idea).comment_count == count + 1
        assert len(notifications_of(db, follower)) == before + 1
        assert [n.kind for n in notifications_of(db, writer)][-1] == "moderation"
        [move] = audit_rows(db, "comment.visibility")
        assert move.details["to_visibility"] == "published"


class TestReject:
    def test_the_author_sees_the_reason_and_nobody_else_does(
        self, client: TestClient, db: Session, mod: User
    ) -> None:
        author = create_user(db)
        idea, receipt = submitted(db, author)
        response = decide(
            client,
            f"/moderation/ideas/{idea.id}/decision",
            decision="reject",
            reason="complaint",
        )
        assert response.headers["location"] == "/moderation?notice=moderation-rejected"
        idea = fresh(db, idea)
        assert idea.visibility == Visibility.hidden
        assert "Patient Advice and Liaison Service (PALS)" in (idea.moderation_reason or "")
        [row] = audit_rows(db, "moderation.rejected")
        assert row.details == {"idea_id": idea.id, "reason": "complaint", "reports": 0}
        assert [n.kind for n in notifications_of(db, author)] == ["moderation"]

        client.cookies.clear()
        on_receipt = soup_of(client.get(f"/ideas/receipt/{receipt}")).select_one(
            "#moderation-outcome"
        )
        assert on_receipt is not None
        assert "PALS" in on_receipt.text
        assert client.get(f"/ideas/{idea.id}").status_code == 404
        sign_in(client, author)
        on_page = soup_of(client.get(f"/ideas/{idea.id}")).select_one("#moderation-outcome")
        assert on_page is not None
        assert "PALS" in on_page.text

    def test_another_reason_needs_the_words_the_author_will_see(
        self, client: TestClient, db: Session, mod: User
    ) -> None:
        idea = waiting_idea(db)
        path = f"/moderation/ideas/{idea.id}/decision"
        response = decide(client, path, decision="reject", reason="other")
        assert response.status_code == 422
        assert error_summary(response) == ["Write the reason its author will see"]
        response = decide(client, path, decision="reject")
        assert response.status_code == 422
        assert error_summary(response) == ["Select why it cannot be published"]
        assert fresh(db, idea).visibility == Visibility.pending_moderation
        decide(client, path, decision="reject", reason="other", note="We are already doing this.")
        assert fresh(db, idea).moderation_reason == "We are already doing this."

    def test_from_the_api(self, client: TestClient, db: Session) -> None:
        idea = waiting_idea(db)
        headers = bearer(db, moderator(db), ALL_SCOPES)
        path = f"/api/v1/ideas/{idea.id}/moderation"
        missing = client.post(path, json={"decision": "reject"}, headers=headers)
        assert missing.status_code == 422
        assert missing.headers["content-type"].startswith("application/problem+json")
        bad = client.post(path, json={"decision": "delete"}, headers=headers)
        assert bad.status_code == 422
        response = client.post(
            path, json={"decision": "reject", "reason": "duplicate"}, headers=headers
        )
        assert response.status_code == 200
        assert response.json()["visibility"] == "hidden"
        assert "Someone has already suggested this" in (fresh(db, idea).moderation_reason or "")
        words = client.post(
            f"/api/v1/ideas/{waiting_idea(db).id}/moderation",
            json={"decision": "reject", "reason": "This is a question for the ward manager."},
            headers=headers,
        )
        assert words.status_code == 200
        assert [r.details["reason"] for r in audit_rows(db, "moderation.rejected")] == [
            "duplicate",
            "other",
        ]

    def test_a_comment_is_hidden_and_its_author_told(self, client: TestClient, db: Session) -> None:
        idea = published_idea(db)
        writer = create_user(db)
        comment = published_comment(db, idea, writer, body="Something unkind")
        count = fresh(db, idea).comment_count
        db.add(
            Report(
                idea_id=idea.id,  # type: ignore[arg-type]
                comment_id=comment.id,
                target=f"comment:{comment.id}",
                reporter_key="k",
                reason=ReportReason.abusive,
            )
        )
        db.commit()
        headers = bearer(db, moderator(db), ALL_SCOPES)
        response = client.post(
            f"/api/v1/comments/{comment.id}/moderation",
            json={"decision": "reject", "reason": "abusive"},
            headers=headers,
        )
        assert response.status_code == 200
        assert response.json()["reports"] == {"count": 0, "reasons": {}}
        assert fresh(db, comment).visibility == Visibility.hidden
        assert fresh(db, idea).comment_count == count - 1
        assert [n.kind for n in notifications_of(db, writer)] == ["moderation"]
        [row] = audit_rows(db, "moderation.rejected")
        assert row.details == {"comment_id": comment.id, "reason": "abusive", "reports": 1}


class TestEscalate:
    def test_from_the_page(self, client: TestClient, db: Session, mod: User) -> None:
        idea = waiting_idea(db)
        response = decide(client, f"/moderation/ideas/{idea.id}/decision", decision="escalate")
        assert response.headers["location"] == "/moderation?notice=moderation-escalated"
        assert fresh(db, idea).visibility == Visibility.held
        db.expire_all()
        [item] = db.exec(select(SafeguardingItem)).all()
        assert (item.idea_id, item.level, item.source) == (idea.id, "concern", "moderation")
        [row] = audit_rows(db, "moderation.escalated")
        assert row.details == {"idea_id": idea.id, "level": "concern", "reports": 0}
        assert len(audit_rows(db, "safeguarding.raised")) == 1
        # Held items are the safeguarding queue's: not in this one.
        assert soup_of(client.get("/moderation")).select(".fc-moderation-item") == []

    def test_urgent_when_screening_said_so(self, client: TestClient, db: Session) -> None:
        idea = waiting_idea(db)
        db.execute(update(Idea).where(col(Idea.id) == idea.id).values(screening_level="urgent"))
        db.commit()
        headers = bearer(db, moderator(db), ALL_SCOPES)
        response = client.post(
            f"/api/v1/ideas/{idea.id}/moderation", json={"decision": "escalate"}, headers=headers
        )
        assert response.status_code == 200
        assert response.json()["visibility"] == "held"
        assert response.json()["with_safeguarding"] is True
        db.expire_all()
        [item] = db.exec(select(SafeguardingItem)).all()
        assert item.level == "urgent"


class TestRefused:
    def test_publishing_a_held_item_is_safeguardings_call(
        self, client: TestClient, db: Session, mod: User
    ) -> None:
        idea = waiting_idea(db)
        db.execute(update(Idea).where(col(Idea.id) == idea.id).values(visibility=Visibility.held))
        db.commit()
        page = decide(client, f"/moderation/ideas/{idea.id}/decision", decision="publish")
        assert page.status_code == 409
        client.cookies.clear()
        headers = bearer(db, mod, ALL_SCOPES)
        for decision in ("publish", "reject", "escalate"):
            response = client.post(
                f"/api/v1/ideas/{idea.id}/moderation",
                json={"decision": decision, "reason": "abusive"},
                headers=headers,
            )
            assert response.status_code == 409, decision
            assert response.headers["content-type"].startswith("application/problem+json")
        assert fresh(db, idea).visibility == Visibility.held
        assert audit_rows(db, "moderation.published") == []

    def test_nothing_to_decide_on_a_published_item_without_reports(
        self, client: TestClient, db: Session
    ) -> None:
        idea = published_idea(db)
        headers = bearer(db, moderator(db), ALL_SCOPES)
        response = client.post(
            f"/api/v1/ideas/{idea.id}/moderation",
            json={"decision": "reject", "reason": "abusive"},
            headers=headers,
        )
        assert response.status_code == 409
        assert fresh(db, idea).visibility == Visibility.published

    def test_a_decided_item_cannot_be_decided_again(
        self, client: TestClient, db: Session, mod: User
    ) -> None:
        idea = waiting_idea(db)
        path = f"/moderation/ideas/{idea.id}/decision"
        decide(client, path, decision="reject", reason="abusive")
        assert decide(client, path, decision="publish").status_code == 409
        assert fresh(db, idea).visibility == Visibility.hidden

    def test_an_unknown_decision_from_the_page(
        self, client: TestClient, db: Session, mod: User
    ) -> None:
        idea = waiting_idea(db)
        response = decide(client, f"/moderation/ideas/{idea.id}/decision", decision="burn")
        assert response.status_code == 422
        assert error_summary(response) == ["Choose what to do with it"]


class TestEditAndApprove:
    def test_an_identifier_is_removed_and_the_original_kept_for_moderators(
        self, client: TestClient, db: Session, mod: User
    ) -> None:
        author = create_user(db)
        typed = "Ask for Bobbo at reception, she is lovely."
        idea, _receipt = submitted(db, author, description=typed)
        assert fresh(db, idea).description == typed  # screening did not catch it
        page = soup_of(client.get(f"/moderation/ideas/{idea.id}"))
        form = page.select_one(f'form[action="/moderation/ideas/{idea.id}/redact"]')
        assert form is not None
        assert form.select_one("textarea#description").get_text() == typed
        response = decide(
            client,
            f"/moderation/ideas/{idea.id}/redact",
            title=idea.title,
            description="Ask at reception, she is lovely. Or ring 07700 900123.",
        )
        assert response.status_code == 303, response.text[:500]
        assert response.headers["location"] == "/moderation?notice=moderation-redacted"
        idea = fresh(db, idea)
        assert idea.visibility == Visibility.published
        assert idea.description == "Ask at reception, she is lovely. Or ring [phone number]."
        assert "edited by a moderator" in idea.screening_reasons
        db.expire_all()
        [kept] = db.exec(select(ScreenedText).where(col(ScreenedText.idea_id) == idea.id)).all()
        assert kept.original["description"] == typed
        [row] = audit_rows(db, "moderation.redacted")
        assert row.details == {"idea_id": idea.id, "reports": 0}

        # Moderators read what was typed (and that read is audited); nobody else does.
        reads = len(audit_rows(db, "read.screened_original"))
        moderator_view = client.get(f"/ideas/{idea.id}")
        assert "Bobbo" in moderator_view.text
        assert len(audit_rows(db, "read.screened_original")) == reads + 1
        client.cookies.clear()
        public = client.get(f"/ideas/{idea.id}")
        assert public.status_code == 200
        assert "Bobbo" not in public.text
        assert "07700" not in public.text
        sign_in(client, create_user(db))
        assert "Bobbo" not in client.get(f"/ideas/{idea.id}").text

    def test_a_comment(self, client: TestClient, db: Session, mod: User) -> None:
        idea = published_idea(db)
        comment = waiting_comment(db, idea, create_user(db), body="Ring me on 07700 900123 x")
        response = decide(client, f"/moderation/comments/{comment.id}/redact", body="Thank you!")
        assert response.status_code == 303
        comment = fresh(db, comment)
        assert (comment.body, comment.visibility) == ("Thank you!", Visibility.published)

    def test_the_text_cannot_be_emptied(self, client: TestClient, db: Session, mod: User) -> None:
        idea = waiting_idea(db)
        response = decide(
            client, f"/moderation/ideas/{idea.id}/redact", title="", description="Still here"
        )
        assert response.status_code == 422
        assert error_summary(response) == ["Enter a title"]
        assert fresh(db, idea).visibility == Visibility.pending_moderation


class TestApproveMany:
    def test_approves_every_ticked_item_still_waiting(
        self, client: TestClient, db: Session, mod: User
    ) -> None:
        first, second = waiting_idea(db), waiting_idea(db)
        comment = waiting_comment(db, published_idea(db), create_user(db))
        held = waiting_idea(db)
        db.execute(update(Idea).where(col(Idea.id) == held.id).values(visibility=Visibility.held))
        db.commit()
        page = soup_of(client.get("/moderation"))
        ticks = [i["value"] for i in page.select('input[name="item"]')]
        assert ticks == [f"idea:{first.id}", f"idea:{second.id}", f"comment:{comment.id}"]
        response = client.post(
            "/moderation/approve",
            data={"item": [*ticks, f"idea:{held.id}", "idea:nonsense"]},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/moderation?notice=moderation-approved"
        assert [fresh(db, r).visibility for r in (first, second, comment, held)] == [
            Visibility.published,
            Visibility.published,
            Visibility.published,
            Visibility.held,
        ]
        assert len(audit_rows(db, "moderation.published")) == 3

    def test_nothing_ticked(self, client: TestClient, db: Session, mod: User) -> None:
        waiting_idea(db)
        response = client.post("/moderation/approve", data={}, follow_redirects=False)
        assert response.status_code == 422
        assert error_summary(response) == ["Select at least one item to approve"]


class TestItemPage:
    def test_reading_a_waiting_idea_is_audited(
        self, client: TestClient, db: Session, mod: User
    ) -> None:
        idea = waiting_idea(db)
        assert client.get(f"/moderation/ideas/{idea.id}").status_code == 200
        [row] = audit_rows(db, "read.held_idea")
        assert row.details["via"] == "moderation"

    def test_the_edit_form_shows_no_benefit_as_empty_not_none(
        self, client: TestClient, db: Session, mod: User
    ) -> None:
        idea = waiting_idea(db)
        assert idea.benefit is None
        page = soup_of(client.get(f"/moderation/ideas/{idea.id}"))
        assert page.select_one("textarea#benefit").text.strip() == ""

    def test_a_comments_original_is_shown_and_the_read_audited(
        self, client: TestClient, db: Session, mod: User
    ) -> None:
        idea = published_idea(db)
        comment = waiting_comment(db, idea, create_user(db), body="Call 07700 900123 please")
        db.expire_all()
        assert "[phone number]" in fresh(db, comment).body
        page = client.get(f"/moderation/comments/{comment.id}")
        original = soup_of(page).select_one("#original-text")
        assert original is not None
        assert "07700 900123" in original.text
        [row] = audit_rows(db, "read.screened_original")
        assert row.details["comment_id"] == comment.id

    def test_a_held_item_shows_it_is_with_safeguarding(
        self, client: TestClient, db: Session, mod: User
    ) -> None:
        comment = waiting_comment(db, published_idea(db), create_user(db))
        db.execute(
            update(Comment).where(col(Comment.id) == comment.id).values(visibility=Visibility.held)
        )
        db.commit()
        page = soup_of(client.get(f"/moderation/comments/{comment.id}"))
        assert "the safeguarding team decides" in page.text
        assert page.select("main form") == []
