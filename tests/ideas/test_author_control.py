"""Authors stay in control (issue 9, part 4): the person who suggested an idea changes its words
while it is ``submitted`` (screened again, like a new one) and withdraws it (hidden from the
public, nothing deleted), signed in or through the private receipt link."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.models import (
    Idea,
    IdeaStatus,
    Role,
    SafeguardingItem,
    SafeguardingStatus,
    ScreenedText,
    TimelineEvent,
    Visibility,
)
from app.settings import service as site_settings
from app.settings.schemas import Policy
from tests.factories import create_user, sign_in
from tests.helpers import soup_of
from tests.ideas.factories import create_idea
from tests.safeguarding.helpers import RISKY, idea_titled, post_idea
from tests.security.helpers import audit_events

TITLE = "Evening quiet room"


def receipt_of(location: str) -> str:
    """``/ideas/receipt/<secret>?sent=1`` -> the receipt path."""
    return location.split("?")[0]


@pytest.fixture
def receipt(client: TestClient) -> str:
    return receipt_of(post_idea(client, title=TITLE, description="The lounge is loud after tea."))


def fresh(db: Session, title: str = TITLE) -> Idea:
    db.expire_all()
    return idea_titled(db, title)


class TestChangingThroughTheReceipt:
    def test_the_receipt_offers_to_change_and_withdraw(
        self, client: TestClient, receipt: str
    ) -> None:
        links = {a["href"] for a in soup_of(client.get(receipt).text).select(".fc-own-actions a")}
        assert links == {f"{receipt}/edit", f"{receipt}/withdraw"}

    def test_the_form_shows_the_idea_as_it_is(self, client: TestClient, receipt: str) -> None:
        page = soup_of(client.get(f"{receipt}/edit").text)
        title = page.select_one("textarea#title")
        assert title is not None
        assert title.text.strip() == TITLE

    def test_a_change_is_saved_and_audited(
        self, client: TestClient, db: Session, engine: Engine, receipt: str
    ) -> None:
        response = client.post(
            f"{receipt}/edit",
            data={"title": TITLE, "description": "Loud after tea: a quiet room would help."},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"{receipt}?notice=idea-changed"
        idea = fresh(db)
        assert idea.description == "Loud after tea: a quiet room would help."
        assert idea.edited_at is not None
        (event,) = audit_events(engine, "idea.edited")
        assert event.actor_id is None
        assert event.details == {"idea_id": idea.id, "via": "receipt"}

    def test_a_missing_description_is_refused_and_what_was_typed_kept(
        self, client: TestClient, db: Session, receipt: str
    ) -> None:
        response = client.post(f"{receipt}/edit", data={"title": "A new title", "description": ""})
        assert response.status_code == 422
        page = soup_of(response.text)
        assert "Enter a description of your idea" in page.select_one(".nhsuk-error-summary").text
        assert page.select_one("textarea#title").text.strip() == "A new title"
        assert fresh(db).title == TITLE

    def test_identifying_details_are_shown_taken_out_before_saving(
        self, client: TestClient, db: Session, receipt: str
    ) -> None:
        typed = "Call Nurse Kelly Brown on 07700 900123 about the quiet room."
        fields = {"title": TITLE, "description": typed}
        preview = client.post(f"{receipt}/edit", data=fields)
        assert preview.status_code == 200
        shown = soup_of(preview.text).select_one("#preview").text
        assert "07700" not in shown
        assert "[phone number]" in shown
        assert fresh(db).description == "The lounge is loud after tea."  # nothing saved yet

        saved = client.post(
            f"{receipt}/edit", data=fields | {"confirm": "redacted"}, follow_redirects=False
        )
        assert saved.status_code == 303
        idea = fresh(db)
        assert "07700" not in idea.description
        assert "Kelly Brown" not in idea.description
        original = db.scalars(
            select(ScreenedText).where(col(ScreenedText.idea_id) == idea.id)
        ).one()
        assert original.original["description"] == typed

    def test_a_change_that_tells_of_a_risk_is_held_and_raised(
        self, client: TestClient, db: Session, receipt: str
    ) -> None:
        client.post(
            f"{receipt}/edit",
            data={"title": TITLE, "description": RISKY},
            follow_redirects=False,
        )
        idea = fresh(db)
        assert idea.visibility == Visibility.held
        items = db.scalars(
            select(SafeguardingItem).where(col(SafeguardingItem.idea_id) == idea.id)
        ).all()
        assert [i.level for i in items] == ["urgent"]
        assert client.get(f"/ideas/{idea.id}").status_code == 404
        # The author sees at once that a person will read it, with the crisis help.
        assert soup_of(client.get(receipt).text).select("#crisis-help a[href^='tel:']")

    def test_no_change_once_staff_have_started(
        self, client: TestClient, db: Session, receipt: str
    ) -> None:
        idea = fresh(db)
        idea.status = IdeaStatus.under_review
        db.add(idea)
        db.commit()
        assert client.get(f"{receipt}/edit").status_code == 409
        response = client.post(f"{receipt}/edit", data={"title": "x", "description": "y"})
        assert response.status_code == 409
        assert "can no longer be changed" in response.text
        assert fresh(db).title == TITLE
        assert not soup_of(client.get(receipt).text).select(f"a[href='{receipt}/edit']")

    def test_a_held_idea_cannot_be_changed(self, client: TestClient, db: Session) -> None:
        risky = receipt_of(post_idea(client, title="Help", description=RISKY))
        response = client.post(f"{risky}/edit", data={"title": "Help", "description": "fine"})
        assert response.status_code == 409
        assert fresh(db, "Help").description == RISKY

    def test_a_made_up_receipt_finds_nothing(self, client: TestClient) -> None:
        assert client.get("/ideas/receipt/not-a-receipt/edit").status_code == 404
        response = client.post(
            "/ideas/receipt/not-a-receipt/withdraw", headers={"Accept": "text/html"}
        )
        assert response.status_code == 404


class TestWithdrawing:
    def test_the_confirmation_page_says_what_happens(
        self, client: TestClient, receipt: str
    ) -> None:
        page = soup_of(client.get(f"{receipt}/withdraw").text)
        assert page.h1.text == "Withdraw your idea?"
        assert "Nothing is deleted" in page.text

    def test_withdrawing_hides_it_and_deletes_nothing(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        author = create_user(db)
        idea = create_idea(db, author=author, title="Fewer televisions on")
        sign_in(client, author)
        response = client.post(f"/ideas/{idea.id}/withdraw", follow_redirects=False)
        assert response.status_code == 303
        idea = fresh(db, "Fewer televisions on")
        assert idea.withdrawn_at is not None
        assert idea.visibility == Visibility.hidden
        kinds = db.scalars(
            select(TimelineEvent.kind).where(col(TimelineEvent.subject_id) == idea.id)
        ).all()
        assert "withdrawn" in kinds
        (event,) = audit_events(engine, "idea.withdrawn")
        assert event.actor_id == author.id
        assert event.details == {"idea_id": idea.id, "via": "account"}
        # Its author still sees it, and what happened.
        assert "Withdrawn by the person who suggested it" in client.get(f"/ideas/{idea.id}").text

        client.cookies.clear()
        gone = client.get(f"/ideas/{idea.id}")
        assert gone.status_code == 410
        assert "Fewer televisions on" not in gone.text
        assert "withdrew it" in gone.text
        assert "Fewer televisions on" not in client.get("/ideas").text
        assert client.get(f"/api/v1/ideas/{idea.id}").status_code == 404
        listed = client.get("/api/v1/ideas").json()["items"]
        assert idea.id not in {i["id"] for i in listed}

    def test_withdrawing_through_the_receipt(
        self, client: TestClient, db: Session, receipt: str
    ) -> None:
        client.post(f"{receipt}/withdraw", follow_redirects=False)
        idea = fresh(db)
        assert idea.withdrawn_at is not None
        page = client.get(receipt).text
        assert "You withdrew this idea" in page
        assert "You withdrew it" in page
        # Only once.
        assert client.post(f"{receipt}/withdraw").status_code == 409

    def test_a_withdrawn_held_idea_stays_with_safeguarding(
        self, client: TestClient, db: Session
    ) -> None:
        risky = receipt_of(post_idea(client, title="Help", description=RISKY))
        assert "A person will still read what you told us" in client.get(f"{risky}/withdraw").text
        client.post(f"{risky}/withdraw", follow_redirects=False)
        idea = fresh(db, "Help")
        assert idea.withdrawn_at is not None
        assert idea.visibility == Visibility.held
        item = db.scalars(
            select(SafeguardingItem).where(col(SafeguardingItem.idea_id) == idea.id)
        ).one()
        assert item.status == SafeguardingStatus.open
        assert idea.description == RISKY
        # The public was never told it exists: still "not found", not "withdrawn" (410).
        client.cookies.clear()
        for path in (f"/ideas/{idea.id}", f"/api/v1/ideas/{idea.id}"):
            assert client.get(path).status_code == 404

    def test_a_done_idea_cannot_be_withdrawn(self, client: TestClient, db: Session) -> None:
        author = create_user(db)
        idea = create_idea(db, author=author, status=IdeaStatus.done)
        sign_in(client, author)
        assert client.get(f"/ideas/{idea.id}/withdraw").status_code == 409
        assert client.post(f"/ideas/{idea.id}/withdraw").status_code == 409
        db.expire_all()
        stored = db.get(Idea, idea.id)
        assert stored is not None
        assert stored.withdrawn_at is None


class TestSignedIn:
    def test_the_author_changes_it_from_its_page(self, client: TestClient, db: Session) -> None:
        author = create_user(db)
        idea = create_idea(db, author=author, title="Later breakfast")
        sign_in(client, author)
        page = soup_of(client.get(f"/ideas/{idea.id}").text)
        assert page.select_one(f"a[href='/ideas/{idea.id}/edit']") is not None
        response = client.post(
            f"/ideas/{idea.id}/edit",
            data={"title": "Later breakfast at weekends", "description": "Nine, not eight."},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert fresh(db, "Later breakfast at weekends").description == "Nine, not eight."
        assert "changed by its author" in client.get(f"/ideas/{idea.id}").text

    @pytest.mark.parametrize("role", [Role.service_user, Role.staff, Role.moderator])
    def test_nobody_else_may_change_or_withdraw_it(
        self, client: TestClient, db: Session, role: Role
    ) -> None:
        idea = create_idea(db, author=create_user(db), title="Not yours")
        idea.visibility = Visibility.published
        db.add(idea)
        db.commit()
        sign_in(client, create_user(db, roles={role}))
        assert not soup_of(client.get(f"/ideas/{idea.id}").text).select(".fc-own-actions")
        for path in (f"/ideas/{idea.id}/edit", f"/ideas/{idea.id}/withdraw"):
            assert client.get(path).status_code == 403
            assert client.post(path, data={"title": "x", "description": "y"}).status_code == 403
        assert fresh(db, "Not yours").withdrawn_at is None

    def test_someone_else_cannot_even_find_a_waiting_idea(
        self, client: TestClient, db: Session
    ) -> None:
        idea = create_idea(db, author=create_user(db), title="Waiting one")
        idea.visibility = Visibility.pending_moderation
        db.add(idea)
        db.commit()
        sign_in(client, create_user(db))
        assert client.get(f"/ideas/{idea.id}/edit").status_code == 404

    def test_signed_out_people_are_asked_to_sign_in(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db, author=create_user(db))
        response = client.get(
            f"/ideas/{idea.id}/edit", headers={"Accept": "text/html"}, follow_redirects=False
        )
        assert response.status_code == 401
        assert soup_of(response.text).select_one("form input[name=password]") is not None

    @pytest.mark.parametrize("idea_id", ["0", "99999999999999999999", "abc"])
    def test_a_strange_id_is_not_found(self, client: TestClient, db: Session, idea_id: str) -> None:
        sign_in(client, create_user(db))
        assert client.get(f"/ideas/{idea_id}/edit").status_code == 404
        assert client.post(f"/ideas/{idea_id}/withdraw").status_code == 404


class TestThePolicyStillApplies:
    def test_changed_words_wait_again_when_the_author_would_wait(
        self, client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A moderator approved it; its anonymous author then changes it. Anonymous authors
        wait (the real default), so the new words wait too: an approval is of the words."""
        monkeypatch.setattr(site_settings, "DEFAULT_POLICY", Policy())
        location = post_idea(client, title="Approved one", description="A first version.")
        idea = fresh(db, "Approved one")
        assert idea.visibility == Visibility.pending_moderation
        idea.visibility = Visibility.published  # as a moderator's approval leaves it
        db.add(idea)
        db.commit()
        client.post(
            f"{receipt_of(location)}/edit",
            data={"title": "Approved one", "description": "A second version."},
            follow_redirects=False,
        )
        idea = fresh(db, "Approved one")
        assert idea.description == "A second version."
        assert idea.visibility == Visibility.pending_moderation
