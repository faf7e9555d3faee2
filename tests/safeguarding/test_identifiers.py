"""Identifying details are never public (HAZ-03): a phone number, an NHS number and a member of
staff's name are published as labels, and what was typed is kept for moderators and
safeguarding leads only. Comments the same."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.models import Comment, Idea, Project, Role, ScreenedText, SubjectKind, Visibility
from tests.factories import create_user, sign_in
from tests.helpers import idea_form, soup_of
from tests.ideas.factories import create_comment, create_idea
from tests.projects.factories import create_project
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
        typed = {"body": "Ring me on 07700 900123"}
        shown = client.post(f"/comments/{comment.id}/edit", data=typed)
        assert shown.status_code == 200
        assert "[phone number]" in preview_text(shown.text)
        db.refresh(comment)
        assert comment.body == "Lovely staff"  # nothing changes until the author sends it
        client.post(f"/comments/{comment.id}/edit", data=typed | {"confirm": "redacted"})
        db.refresh(comment)
        assert comment.body == "Ring me on [phone number]"
        assert comment.visibility == Visibility.published


def preview_text(html: str) -> str:
    preview = soup_of(html).select_one("#preview")
    assert preview is not None, "no preview of the public text"
    text = preview.get_text(" ")
    for typed in IDENTIFIERS:
        assert typed not in text
    return text


def sends(html: str, form_id: str) -> None:
    """The preview's button sends the form ``form_id`` (which is on the page) as it is."""
    page = soup_of(html)
    button = page.select_one("#preview button[name=confirm]")
    assert button is not None
    assert (button["form"], button["value"]) == (form_id, "redacted")
    assert page.select_one(f"form#{form_id}") is not None


def comments_on(db: Session, subject: Idea | Project) -> list[Comment]:
    kind = SubjectKind.idea if isinstance(subject, Idea) else SubjectKind.project
    rows = select(Comment).where(
        col(Comment.subject_kind) == kind, col(Comment.subject_id) == subject.id
    )
    return list(db.scalars(rows))


def sent_as_shown(
    client: TestClient, db: Session, path: str, subject: Idea | Project
) -> list[Comment]:
    """Post ``TYPED`` again with "send it like this"; the subject's comments afterwards."""
    sent = client.post(path, data={"body": TYPED, "confirm": "redacted"}, follow_redirects=False)
    assert sent.status_code == 303
    return comments_on(db, subject)


class TestTheCommentPreview:
    """A comment's author sees its public text first too, and posts it like that or changes it;
    a reply the same, in its own box."""

    def test_a_comment_shows_the_public_text_first(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        sign_in(client, create_user(db))
        shown = client.post(f"/ideas/{idea.id}/comments", data={"body": TYPED})
        assert shown.status_code == 200
        for label in LABELS:
            assert label in preview_text(shown.text)
        assert comments_on(db, idea) == []
        sends(shown.text, "comment-form")
        # What was typed stays in the box, to change it.
        assert "07700 900123" in soup_of(shown.text).select_one("#body").get_text()
        change = soup_of(shown.text).select_one("#preview a.nhsuk-button--secondary")
        assert change["href"] == "#body"

        (comment,) = sent_as_shown(client, db, f"/ideas/{idea.id}/comments", idea)
        assert "[phone number]" in comment.body
        assert "07700 900123" not in comment.body

    def test_a_reply_opens_again_in_its_own_box(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        parent = create_comment(db, idea=idea, author=create_user(db), body="The lounge")
        sign_in(client, create_user(db))
        data = {"body": TYPED, "parent_id": str(parent.id)}
        shown = client.post(f"/ideas/{idea.id}/comments", data=data)
        assert shown.status_code == 200
        preview_text(shown.text)
        sends(shown.text, f"reply-form-{parent.id}")
        page = soup_of(shown.text)
        box = page.select_one(f"#reply-{parent.id}")
        assert "07700 900123" in box.get_text()
        assert box.find_parent("details").has_attr("open")
        assert "07700 900123" not in page.select_one("#body").get_text()

        client.post(f"/ideas/{idea.id}/comments", data=data | {"confirm": "redacted"})
        reply = next(c for c in comments_on(db, idea) if c.parent_id == parent.id)
        assert "[phone number]" in reply.body

    def test_a_reply_with_a_problem_keeps_its_text(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        parent = create_comment(db, idea=idea, author=create_user(db), body="The lounge")
        sign_in(client, create_user(db))
        long = "word " * 1001
        data = {"body": long, "parent_id": str(parent.id)}
        response = client.post(f"/ideas/{idea.id}/comments", data=data)
        assert response.status_code == 422
        page = soup_of(response.text)
        links = [a["href"] for a in page.select(".nhsuk-error-summary a")]
        assert links == [f"#reply-{parent.id}"]
        box = page.select_one(f"#reply-{parent.id}")
        assert box.get_text().strip() == long.strip()
        assert box["aria-describedby"] == f"reply-{parent.id}-error"
        assert "5,000 characters" in page.select_one(f"#reply-{parent.id}-error").get_text()

    def test_a_risk_is_never_kept_waiting_for_the_preview(
        self, client: TestClient, db: Session
    ) -> None:
        idea = create_idea(db)
        sign_in(client, create_user(db))
        body = RISKY + " My number is 07700 900123."
        sent = client.post(
            f"/ideas/{idea.id}/comments", data={"body": body}, follow_redirects=False
        )
        assert sent.status_code == 303
        assert "/waiting" in sent.headers["location"]
        (comment,) = comments_on(db, idea)
        assert comment.visibility == Visibility.held
        assert queue(db)[0].comment_id == comment.id

    def test_a_project_comment_the_same(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        sign_in(client, create_user(db))
        shown = client.post(f"/projects/{project.id}/comments", data={"body": TYPED})
        assert shown.status_code == 200
        preview_text(shown.text)
        sends(shown.text, "comment-form")
        (comment,) = sent_as_shown(client, db, f"/projects/{project.id}/comments", project)
        assert "[phone number]" in comment.body


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
