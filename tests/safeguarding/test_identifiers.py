"""Identifying details are never public (HAZ-03): a phone number, an NHS number and a member of
staff's name are published as labels, and what was typed is kept for moderators and
safeguarding leads only. Comments the same."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.models import Comment, Idea, Role, ScreenedText, Visibility
from tests.factories import create_user, sign_in
from tests.helpers import idea_form, soup_of
from tests.ideas.factories import create_comment, create_idea
from tests.safeguarding.helpers import RISKY, queue
from tests.security.helpers import audit_events

TYPED = (
    "Nurse Kelly Brown on the ward was brilliant. Call me on 07700 900123, "
    "my NHS number is 943 476 5919."
)
IDENTIFIERS = ("Kelly Brown", "07700 900123", "943 476 5919")
LABELS = ("[name]", "[phone number]", "[NHS number]")


@pytest.fixture
def idea(db: Session) -> Idea:
    return create_idea(db, title="Thanks to the night staff", description=TYPED)


@pytest.fixture
def comment(db: Session) -> Comment:
    return create_comment(db, idea=create_idea(db), author=create_user(db), body=TYPED)


class TestIdeas:
    def test_it_is_published_with_labels_and_raises_no_item(
        self, client: TestClient, db: Session, idea: Idea
    ) -> None:
        assert idea.visibility == Visibility.published
        page = client.get(f"/ideas/{idea.id}")
        api = client.get(f"/api/v1/ideas/{idea.id}").text
        for text in (page.text, api):
            for typed in IDENTIFIERS:
                assert typed not in text
        for label in LABELS:
            assert label in idea.description
        assert idea.screening_reasons == [
            "removed: name",
            "removed: phone number",
            "removed: nhs number",
        ]
        assert queue(db) == []

    def test_the_original_is_kept(self, db: Session, idea: Idea) -> None:
        row = db.exec(select(ScreenedText).where(col(ScreenedText.idea_id) == idea.id)).one()
        assert row.original["description"] == TYPED

    @pytest.mark.parametrize("role", [Role.moderator, Role.safeguarding_lead, Role.admin])
    def test_moderators_and_safeguarding_leads_read_the_original(
        self, client: TestClient, db: Session, idea: Idea, role: Role
    ) -> None:
        sign_in(client, create_user(db, roles={role}))
        page = client.get(f"/ideas/{idea.id}")
        assert "07700 900123" in page.text
        assert "What the author typed" in page.text

    def test_reading_the_original_is_audited(
        self, client: TestClient, db: Session, engine: Engine, idea: Idea
    ) -> None:
        moderator = create_user(db, roles={Role.moderator})
        sign_in(client, moderator)
        client.get(f"/ideas/{idea.id}")
        (row,) = audit_events(engine, "read.screened_original")
        assert (row.actor_id, row.details["idea_id"], row.details["texts"]) == (
            moderator.id,
            idea.id,
            1,
        )
        assert row.ip_address

    def test_a_page_with_nothing_removed_writes_no_read(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        plain = create_idea(db, title="More chairs", description="The day room needs chairs.")
        sign_in(client, create_user(db, roles={Role.moderator}))
        client.get(f"/ideas/{plain.id}")
        assert audit_events(engine, "read.screened_original") == []

    @pytest.mark.parametrize(
        "role", [Role.staff, Role.improvement_lead, Role.service_user, Role.carer]
    )
    def test_nobody_else_does(
        self, client: TestClient, db: Session, engine: Engine, idea: Idea, role: Role
    ) -> None:
        sign_in(client, create_user(db, roles={role}))
        page = client.get(f"/ideas/{idea.id}")
        for typed in IDENTIFIERS:
            assert typed not in page.text
        assert audit_events(engine, "read.screened_original") == []


class TestComments:
    def test_a_comment_is_published_with_labels(
        self, client: TestClient, db: Session, comment: Comment
    ) -> None:
        assert comment.visibility == Visibility.published
        page = client.get(f"/ideas/{comment.subject_id}").text
        api = client.get(f"/api/v1/ideas/{comment.subject_id}/comments").text
        for text in (page, api):
            for typed in IDENTIFIERS:
                assert typed not in text
            assert "[phone number]" in text

    def test_moderators_read_the_original_and_others_do_not(
        self, client: TestClient, db: Session, comment: Comment
    ) -> None:
        sign_in(client, create_user(db, roles={Role.moderator}))
        assert "07700 900123" in client.get(f"/ideas/{comment.subject_id}").text
        client.cookies.clear()
        sign_in(client, create_user(db, roles={Role.staff}))
        assert "07700 900123" not in client.get(f"/ideas/{comment.subject_id}").text

    def test_an_edit_is_screened_again(self, client: TestClient, db: Session) -> None:
        author = create_user(db)
        comment = create_comment(db, idea=create_idea(db), author=author, body="Lovely staff")
        sign_in(client, author)
        client.post(f"/comments/{comment.id}/edit", data={"body": "Ring me on 07700 900123"})
        db.refresh(comment)
        assert comment.body == "Ring me on [phone number]"
        assert comment.visibility == Visibility.published


class TestThePreview:
    """On the form the author sees the public text first, and sends it like that or changes it."""

    def test_the_form_shows_the_redacted_text_first(self, client: TestClient, db: Session) -> None:
        form = idea_form(client, title="Thanks to the night staff", description=TYPED)
        shown = client.post("/ideas", data=form, follow_redirects=False)
        assert shown.status_code == 200
        preview = soup_of(shown).select_one("#preview")
        assert preview is not None
        text = preview.get_text(" ")
        assert "[phone number]" in text
        for typed in IDENTIFIERS:
            assert typed not in text
        assert db.exec(select(Idea).where(col(Idea.title) == form["title"])).first() is None
        # What was typed stays in the form, to change it.
        assert "07700 900123" in soup_of(shown).select_one("#description").get_text()

        sent = client.post("/ideas", data=form | {"confirm": "redacted"}, follow_redirects=False)
        assert sent.status_code == 303
        idea = db.exec(select(Idea).where(col(Idea.title) == form["title"])).one()
        assert "[phone number]" in idea.description

    def test_a_risk_is_never_kept_waiting_for_the_preview(
        self, client: TestClient, db: Session
    ) -> None:
        form = idea_form(client, title="Help", description=RISKY + " My number is 07700 900123.")
        sent = client.post("/ideas", data=form, follow_redirects=False)
        assert sent.status_code == 303
        assert queue(db)[0].level == "urgent"
