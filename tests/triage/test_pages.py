"""The triage pages: who may use them, the queue (what it lists, filters, sorts, the overdue
flag, a fixed number of statements), and one idea's forms: assign, status, response (with
the editor's warnings) and staff notes, each audited, with what the public sees."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from app.models import (
    Idea,
    IdeaStatus,
    Notification,
    Role,
    TimelineEvent,
    Visibility,
    utcnow,
)
from tests.factories import create_user, sign_in
from tests.helpers import error_summary, soup_of
from tests.ideas.factories import create_follow, create_idea, set_counts
from tests.projects.helpers import count_statements
from tests.triage.helpers import People, Place, audit_rows, fresh, set_owner

PLAIN = "Thank you. We will put new chairs in the day room next month."
HARD = (
    "Following comprehensive multidisciplinary consideration, implementation necessitates "
    "organisational prioritisation."
)
PHONE = "Please ring me on 07700 900123 to talk about it."
NOTE = "Spoke to the ward manager: chairs are on order."


def queue_titles(client: TestClient, query: str = "") -> list[str]:
    page = client.get("/triage" + query)
    assert page.status_code == 200, page.text[:300]
    return [
        a.get_text(strip=True)
        for a in soup_of(page).select(".fc-triage-row a[href^='/triage/ideas/']")
    ]


def backdate(db: Session, idea: Idea, days: int) -> None:
    db.execute(
        update(Idea)
        .where(col(Idea.id) == idea.id)
        .values(created_at=utcnow() - timedelta(days=days))
    )
    db.commit()


class TestWhoMayUseIt:
    def test_nobody_signed_in_is_asked_to_sign_in(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        assert client.get("/triage").status_code == 401
        assert client.get(f"/triage/ideas/{idea.id}").status_code == 401
        posted = client.post(f"/triage/ideas/{idea.id}/notes", data={"body": NOTE})
        assert posted.status_code == 401
        assert "Sign in" in posted.text

    @pytest.mark.parametrize("role", [Role.service_user, Role.carer])
    def test_service_users_and_carers_are_refused(
        self, client: TestClient, db: Session, role: Role
    ) -> None:
        idea = create_idea(db)
        sign_in(client, create_user(db, roles={role}))
        assert client.get("/triage").status_code == 403
        assert client.get(f"/triage/ideas/{idea.id}").status_code == 403
        assert client.post(f"/triage/ideas/{idea.id}/notes", data={"body": NOTE}).status_code == 403
        assert audit_rows(db, "triage.note") == []
        assert "Triage" not in [
            a.get_text(strip=True) for a in soup_of(client.get("/")).select("nav a")
        ]

    @pytest.mark.parametrize(
        ("who", "allowed"),
        [
            ("willow_staff", True),
            ("directorate_staff", True),
            ("cedar_staff", False),
            ("moderator", True),
            ("admin", True),
        ],
    )
    def test_an_owned_idea_is_for_its_places_staff_moderators_and_admins(
        self, client: TestClient, db: Session, place: Place, people: People, who: str, allowed: bool
    ) -> None:
        idea = create_idea(db, title="Quieter evenings", unit=place.willow)
        set_owner(db, idea, people.willow_staff)
        sign_in(client, getattr(people, who))
        page = client.get(f"/triage/ideas/{idea.id}")
        assert page.status_code == (200 if allowed else 403)
        assert ("Quieter evenings" in queue_titles(client)) is allowed
        assert "Triage" in [a.get_text(strip=True) for a in soup_of(page).select("nav a")]

    def test_any_staff_while_nobody_owns_it(
        self, client: TestClient, db: Session, place: Place, people: People
    ) -> None:
        create_idea(db, title="Fresh fruit", unit=place.willow)
        sign_in(client, people.cedar_staff)
        assert queue_titles(client) == ["Fresh fruit"]

    @pytest.mark.parametrize("path", ["/triage/ideas/999999", "/triage/ideas/99999999999999"])
    def test_no_such_idea_is_a_404(
        self, client: TestClient, db: Session, people: People, path: str
    ) -> None:
        sign_in(client, people.admin)
        assert client.get(path).status_code == 404

    @pytest.mark.parametrize("visibility", [Visibility.held, Visibility.pending_moderation])
    def test_ideas_moderation_has_are_not_in_triage(
        self, client: TestClient, db: Session, people: People, visibility: Visibility
    ) -> None:
        idea = create_idea(db, title="Not yet public")
        idea.visibility = visibility
        db.add(idea)
        db.commit()
        sign_in(client, people.admin)
        assert "Not yet public" not in queue_titles(client)
        assert client.get(f"/triage/ideas/{idea.id}").status_code == 404


class TestTheQueue:
    def test_lists_ideas_waiting_for_a_decision_with_their_details(
        self,
        client: TestClient,
        db: Session,
        place: Place,
        people: People,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        waiting = create_idea(db, title="Quiet room", unit=place.willow, category="environment")
        create_idea(db, title="Under review", status=IdeaStatus.under_review)
        create_idea(db, title="Already accepted", status=IdeaStatus.accepted)
        backdate(db, waiting, 30)
        set_counts(db, waiting, votes=7)
        sign_in(client, people.moderator)
        page = soup_of(client.get("/triage"))
        titles = [
            a.get_text(strip=True) for a in page.select(".fc-triage-row a[href^='/triage/ideas/']")
        ]
        assert titles == ["Quiet room", "Under review"]
        row = page.select("tbody tr")[0].get_text(" ", strip=True)
        assert "Willow Ward" in row
        assert "30 days" in row
        assert "7" in row
        assert "Overdue" in row
        assert "Nobody owns it yet" in row
        # The one under review has had its first response: nothing is due.
        assert "Responded" in page.select("tbody tr")[1].get_text(" ", strip=True)
        assert "2 ideas are waiting" in page.get_text(" ", strip=True)

    def test_filters(self, client: TestClient, db: Session, place: Place, people: People) -> None:
        willow = create_idea(db, title="Willow idea", unit=place.willow, category="food")
        create_idea(db, title="Cedar idea", unit=place.cedar)
        create_idea(db, title="Reviewed idea", unit=place.cedar, status=IdeaStatus.under_review)
        backdate(db, willow, 40)
        set_owner(db, willow, people.directorate_staff)
        sign_in(client, people.directorate_staff)
        assert queue_titles(client, f"?unit={place.directorate.slug}") == ["Willow idea"]
        assert queue_titles(client, f"?unit={place.cedar.slug}") == ["Cedar idea", "Reviewed idea"]
        assert queue_titles(client, "?category=food") == ["Willow idea"]
        assert queue_titles(client, "?status=under_review") == ["Reviewed idea"]
        assert queue_titles(client, "?only=overdue") == ["Willow idea"]
        assert queue_titles(client, "?only=mine") == ["Willow idea"]
        # Unknown values are ignored.
        assert len(queue_titles(client, "?status=done&unit=nowhere&sort=x")) == 3

    def test_sorts(self, client: TestClient, db: Session, people: People) -> None:
        old = create_idea(db, title="Old")
        popular = create_idea(db, title="Popular")
        reviewed = create_idea(db, title="Reviewed", status=IdeaStatus.under_review)
        backdate(db, old, 20)
        backdate(db, popular, 5)
        backdate(db, reviewed, 30)
        set_counts(db, popular, votes=9)
        sign_in(client, people.admin)
        assert queue_titles(client) == ["Reviewed", "Old", "Popular"]
        assert queue_titles(client, "?sort=supported") == ["Popular", "Old", "Reviewed"]
        # Due soonest: ideas still waiting for a first response, oldest first.
        assert queue_titles(client, "?sort=due") == ["Old", "Popular", "Reviewed"]

    def test_the_statement_count_does_not_grow_with_the_queue(
        self, client: TestClient, db: Session, engine: Engine, place: Place, people: People
    ) -> None:
        sign_in(client, people.willow_staff)
        counts = []
        for n in (2, 12):
            for _ in range(n):  # bounded: a broken page must fail, not loop
                if len(queue_titles(client)) >= n:
                    break
                idea = create_idea(db, unit=place.willow)
                set_owner(db, idea, people.directorate_staff)
            assert len(queue_titles(client)) == n
            with count_statements(engine) as statements:
                assert client.get("/triage").status_code == 200
            counts.append(len(statements))
        assert counts[0] == counts[1]


class TestAssign:
    def test_a_unit_and_an_owner_are_saved_and_audited(
        self, client: TestClient, db: Session, place: Place, people: People
    ) -> None:
        idea = create_idea(db)
        sign_in(client, people.moderator)
        response = client.post(
            f"/triage/ideas/{idea.id}/assign",
            data={"unit_id": str(place.willow.id), "owner_id": str(people.willow_staff.id)},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert fresh(db, idea).unit_id == place.willow.id
        assert fresh(db, idea).owner_id == people.willow_staff.id
        rows = audit_rows(db, "triage.assign")
        assert [(r.actor_id, r.details["idea_id"], r.details["owner_id"]) for r in rows] == [
            (people.moderator.id, idea.id, people.willow_staff.id)
        ]
        page = client.get(response.headers["location"])
        assert "Wendy Willow" in page.text

    @pytest.mark.parametrize("owner", ["service_user", "999999", "99999999999999", "x"])
    def test_only_staff_may_own_an_idea(
        self, client: TestClient, db: Session, place: Place, people: People, owner: str
    ) -> None:
        idea = create_idea(db)
        owner_id = str(people.service_user.id) if owner == "service_user" else owner
        sign_in(client, people.moderator)
        response = client.post(
            f"/triage/ideas/{idea.id}/assign",
            data={"unit_id": str(place.willow.id), "owner_id": owner_id},
        )
        assert response.status_code == 422
        assert error_summary(response) == ["Choose a member of staff to own it"]
        assert fresh(db, idea).owner_id is None
        assert audit_rows(db, "triage.assign") == []


class TestStatus:
    def test_a_change_is_public_told_to_followers_and_audited(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        follower = create_user(db)
        idea = create_idea(db)
        create_follow(db, idea=idea, user=follower)
        sign_in(client, people.willow_staff)
        response = client.post(
            f"/triage/ideas/{idea.id}/status",
            data={"status": "under_review", "message": PLAIN},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert fresh(db, idea).status == IdeaStatus.under_review
        kinds = db.scalars(
            select(Notification.kind).where(col(Notification.user_id) == follower.id)
        ).all()
        assert kinds == ["status"]
        assert len(audit_rows(db, "triage.status")) == 1
        public = soup_of(client.get(f"/ideas/{idea.id}"))
        card = public.select_one(".fc-official-response")
        assert card is not None
        assert "Response from staff" in card.get_text(" ", strip=True)
        assert PLAIN in card.get_text(" ", strip=True)

    def test_an_illegal_move_is_refused(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        idea = create_idea(db)
        sign_in(client, people.admin)
        response = client.post(
            f"/triage/ideas/{idea.id}/status", data={"status": "done", "message": PLAIN}
        )
        assert response.status_code == 409
        assert fresh(db, idea).status == IdeaStatus.submitted

    def test_not_taken_forward_needs_a_message(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        idea = create_idea(db)
        sign_in(client, people.admin)
        response = client.post(
            f"/triage/ideas/{idea.id}/status",
            data={"status": "not_taken_forward", "form": "status"},
        )
        assert response.status_code == 422
        assert error_summary(response) == [
            "Enter a public message saying why it is not going ahead"
        ]
        link = soup_of(response).select_one(".nhsuk-error-summary a")
        assert link is not None
        assert link["href"] == "#status-message"
        assert soup_of(response).select_one("#status-message") is not None

    def test_a_duplicate_by_link_merges_and_its_page_links_to_the_original(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        original, duplicate = create_idea(db, title="The original"), create_idea(db)
        sign_in(client, people.admin)
        response = client.post(
            f"/triage/ideas/{duplicate.id}/status",
            data={"status": "duplicate", "duplicate_of": f"http://testserver/ideas/{original.id}"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text[:500]
        assert fresh(db, duplicate).merged_into_id == original.id
        client.cookies.clear()
        page = soup_of(client.get(f"/ideas/{duplicate.id}"))
        merged = page.select_one(".fc-merged-into")
        assert merged is not None
        assert merged.select_one("a")["href"] == f"/ideas/{original.id}"

    def test_a_duplicate_of_nothing_is_refused(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        idea = create_idea(db)
        sign_in(client, people.admin)
        for value in ("", "not a number", str(idea.id)):
            response = client.post(
                f"/triage/ideas/{idea.id}/status",
                data={"status": "duplicate", "duplicate_of": value, "form": "status"},
            )
            assert response.status_code == 422
        assert fresh(db, idea).status == IdeaStatus.submitted


class TestResponse:
    def test_a_response_shows_on_the_idea_by_role_never_by_name(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        follower = create_user(db)
        idea = create_idea(db)
        create_follow(db, idea=idea, user=follower)
        sign_in(client, people.willow_staff)
        response = client.post(
            f"/triage/ideas/{idea.id}/response", data={"message": PLAIN}, follow_redirects=False
        )
        assert response.status_code == 303
        assert fresh(db, idea).first_response_at is not None
        assert fresh(db, idea).status == IdeaStatus.submitted
        client.cookies.clear()
        page = client.get(f"/ideas/{idea.id}")
        card = soup_of(page).select_one(".fc-official-response")
        assert card is not None
        assert "Response from staff" in card.get_text(" ", strip=True)
        assert PLAIN in card.get_text(" ", strip=True)
        # A reply about services is never to be read as advice about someone's care (HAZ-12).
        assert "not advice about anyone's care" in card.get_text(" ", strip=True)
        assert card.select_one("a[href='/help']") is not None
        assert "Wendy" not in page.text
        timeline = soup_of(page).select_one(".fc-timeline").get_text(" ", strip=True)
        assert "Response from staff" in timeline
        kinds = db.scalars(
            select(Notification.kind).where(col(Notification.user_id) == follower.id)
        ).all()
        assert kinds == ["response"]
        rows = audit_rows(db, "triage.response")
        assert [(r.actor_id, r.details["idea_id"]) for r in rows] == [
            (people.willow_staff.id, idea.id)
        ]
        assert PLAIN not in str(rows[0].details)

    def test_a_moderators_response_names_a_moderator(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        idea = create_idea(db)
        sign_in(client, people.moderator)
        client.post(f"/triage/ideas/{idea.id}/response", data={"message": PLAIN})
        card = soup_of(client.get(f"/ideas/{idea.id}")).select_one(".fc-official-response")
        assert card is not None
        assert "Response from a moderator" in card.get_text(" ", strip=True)

    def test_hard_reading_is_warned_about_until_confirmed(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        idea = create_idea(db)
        sign_in(client, people.willow_staff)
        url = f"/triage/ideas/{idea.id}/response"
        warned = client.post(url, data={"message": HARD, "form": "response"})
        assert warned.status_code == 200
        warning = soup_of(warned).select_one(".fc-warning-reading")
        assert warning is not None
        assert "This may be hard to read" in warning.get_text(" ", strip=True)
        assert "very hard to read" in warning.get_text(" ", strip=True)
        # Flesch gives this text less than zero; staff read a score out of 100.
        assert "It scores 0 out of 100" in warning.get_text(" ", strip=True)
        assert soup_of(warned).select_one("#message").get_text() == HARD
        assert audit_rows(db, "triage.response") == []
        sent = client.post(
            url,
            data={"message": HARD, "form": "response", "confirm_reading": "yes"},
            follow_redirects=False,
        )
        assert sent.status_code == 303
        assert len(audit_rows(db, "triage.response")) == 1

    def test_plain_english_is_not_warned_about(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        idea = create_idea(db)
        sign_in(client, people.willow_staff)
        sent = client.post(
            f"/triage/ideas/{idea.id}/response", data={"message": PLAIN}, follow_redirects=False
        )
        assert sent.status_code == 303

    def test_identifying_details_are_never_published(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        idea = create_idea(db)
        sign_in(client, people.willow_staff)
        url = f"/triage/ideas/{idea.id}/response"
        warned = client.post(url, data={"message": PHONE, "form": "response"})
        assert warned.status_code == 200
        warning = soup_of(warned).select_one(".fc-warning-details")
        assert warning is not None
        assert "phone number" in warning.get_text(" ", strip=True)
        assert "[phone number]" in warning.get_text(" ", strip=True)
        assert audit_rows(db, "triage.response") == []
        sent = client.post(
            url,
            data={"message": PHONE, "form": "response", "confirm_removed": "yes"},
            follow_redirects=False,
        )
        assert sent.status_code == 303
        public = client.get(f"/ideas/{idea.id}").text
        assert "07700 900123" not in public
        assert "Please ring me on [phone number]" in public
        assert audit_rows(db, "triage.response")[0].details["details_removed"] is True

    def test_an_empty_response_is_refused(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        idea = create_idea(db)
        sign_in(client, people.willow_staff)
        response = client.post(
            f"/triage/ideas/{idea.id}/response", data={"message": "  ", "form": "response"}
        )
        assert response.status_code == 422
        assert error_summary(response) == ["Enter your response"]

    def test_staff_are_told_responses_are_public_and_not_clinical_advice(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        idea = create_idea(db)
        sign_in(client, people.willow_staff)
        text = soup_of(client.get(f"/triage/ideas/{idea.id}")).select_one(".fc-public-note")
        assert text is not None
        assert "public" in text.get_text()
        assert "clinical advice" in text.get_text()


class TestStaffNotes:
    def test_notes_stay_on_staff_pages(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        author = create_user(db)
        idea = create_idea(db, author=author)
        sign_in(client, people.willow_staff)
        response = client.post(
            f"/triage/ideas/{idea.id}/notes", data={"body": NOTE}, follow_redirects=False
        )
        assert response.status_code == 303
        assert NOTE in client.get(f"/triage/ideas/{idea.id}").text
        # Not on the public page, even for staff; not in the API.
        assert NOTE not in client.get(f"/ideas/{idea.id}").text
        assert NOTE not in client.get(f"/api/v1/ideas/{idea.id}").text
        rows = audit_rows(db, "triage.note")
        assert [(r.actor_id, r.details["idea_id"]) for r in rows] == [
            (people.willow_staff.id, idea.id)
        ]
        assert NOTE not in str(rows[0].details)
        # Nor to its author, nor to anyone else.
        client.cookies.clear()
        assert NOTE not in client.get(f"/ideas/{idea.id}").text
        sign_in(client, author)
        assert NOTE not in client.get(f"/ideas/{idea.id}").text
        assert client.get(f"/triage/ideas/{idea.id}").status_code == 403
        assert NOTE not in client.get("/activity").text

    def test_an_empty_note_is_refused(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        idea = create_idea(db)
        sign_in(client, people.willow_staff)
        response = client.post(f"/triage/ideas/{idea.id}/notes", data={"body": "", "form": "note"})
        assert response.status_code == 422
        assert error_summary(response) == ["Enter your note"]
        long = client.post(
            f"/triage/ideas/{idea.id}/notes", data={"body": "x" * 5001, "form": "note"}
        )
        assert long.status_code == 422
        assert (
            db.scalars(select(TimelineEvent).where(col(TimelineEvent.kind) == "note")).all() == []
        )
