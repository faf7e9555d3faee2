"""Nobody appears as staff by saying so: the "Staff" label (and its tag) only for accounts an
admin has given a staff role; anyone else who says they work here is "someone who works here
(not verified)" and can ask an admin to verify them."""

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.accounts import repository as repo
from app.accounts import service as accounts
from app.models import (
    Idea,
    Identity,
    OutboxEmail,
    Role,
    StaffVerificationRequest,
    TimelineEvent,
    User,
    VerificationStatus,
)
from app.units import service as units
from tests.factories import create_unit, create_user, sign_in
from tests.helpers import error_summary, idea_form, soup_of
from tests.ideas.factories import create_idea
from tests.security.helpers import audit_events

UNVERIFIED = "someone who works here (not verified)"


def comment_on(client: TestClient, idea_id: int, body: str) -> None:
    response = client.post(f"/ideas/{idea_id}/comments", data={"body": body})
    assert response.status_code == 200, response.text


def author_label(client: TestClient, idea_id: int, body: str) -> tuple[str, bool]:
    """How the comment with this body is signed on the idea page, and whether as a tag."""
    page = soup_of(client.get(f"/ideas/{idea_id}"))
    for comment in page.select(".fc-comment"):
        if body in comment.get_text():
            meta = comment.select_one(".fc-comment__meta strong")
            assert meta is not None
            return meta.get_text(strip=True), "nhsuk-tag" in (meta.get("class") or [])
    raise AssertionError(f"no comment {body!r}")


def self_described_staff(db: Session, email: str | None = None) -> User:
    return create_user(db, roles=set(), identity=Identity.staff, email=email)


def new_idea(db: Session) -> int:
    idea = create_idea(db)
    assert idea.id is not None
    return idea.id


class TestPublicLabels:
    def test_a_self_described_member_of_staff_is_not_labelled_staff(
        self, client: TestClient, db: Session
    ) -> None:
        idea_id = new_idea(db)
        sign_in(client, self_described_staff(db))
        comment_on(client, idea_id, "I run the groups on this ward")
        label, tagged = author_label(client, idea_id, "I run the groups")
        assert label == "Someone who works here (not verified)"
        assert not tagged
        listed = client.get(f"/api/v1/ideas/{idea_id}/comments").json()
        assert [c["author_role"] for c in listed] == [UNVERIFIED]

    def test_staff_an_admin_verified_are_labelled_with_the_staff_tag(
        self, client: TestClient, db: Session
    ) -> None:
        idea_id = new_idea(db)
        sign_in(client, create_user(db, roles={Role.staff}))
        comment_on(client, idea_id, "We will look at this")
        assert author_label(client, idea_id, "We will look") == ("Staff", True)
        listed = client.get(f"/api/v1/ideas/{idea_id}/comments").json()
        assert [c["author_role"] for c in listed] == ["staff"]

    @pytest.mark.parametrize("who", ["anonymous", "self-described"])
    def test_an_idea_said_to_be_from_staff_is_not_shown_as_staff(
        self, client: TestClient, db: Session, who: str
    ) -> None:
        if who == "self-described":
            sign_in(client, self_described_staff(db))
        response = client.post("/ideas", data=idea_form(client, submitted_as="staff"))
        assert response.status_code == 200
        idea = db.scalars(select(Idea)).one()
        assert idea.submitted_by_staff is False
        page = client.get(f"/ideas/{idea.id}").text
        assert f"Suggested by {UNVERIFIED}" in page
        assert "Suggested by staff" not in page
        event = db.scalars(select(TimelineEvent)).one()
        assert event.actor_role == UNVERIFIED
        body = client.get(f"/api/v1/ideas/{idea.id}").json()
        assert (body["submitted_as"], body["submitted_by_staff"]) == ("staff", False)

    def test_an_idea_from_verified_staff_is_shown_as_staff(
        self, client: TestClient, db: Session
    ) -> None:
        sign_in(client, create_user(db, roles={Role.staff}))
        client.post("/ideas", data=idea_form(client, submitted_as="staff"))
        idea = db.scalars(select(Idea)).one()
        assert idea.submitted_by_staff is True
        assert "Suggested by staff" in client.get(f"/ideas/{idea.id}").text
        assert client.get(f"/api/v1/ideas/{idea.id}").json()["submitted_by_staff"] is True

    def test_staff_describing_themselves_as_a_carer_are_not_shown_as_staff(
        self, client: TestClient, db: Session
    ) -> None:
        sign_in(client, create_user(db, roles={Role.staff}))
        client.post("/ideas", data=idea_form(client, submitted_as="carer"))
        idea = db.scalars(select(Idea)).one()
        assert idea.submitted_by_staff is False
        assert "Suggested by a carer" in client.get(f"/ideas/{idea.id}").text


def asker_roles(db: Session) -> frozenset[Role]:
    person = repo.user_by_email(db, "asker@example.org")
    assert person is not None
    assert person.id is not None
    return repo.roles_of(db, person.id)


def ask(client: TestClient, **fields: str) -> httpx.Response:
    return client.post(
        "/account/staff-verification",
        data={"job_title": "Staff nurse"} | fields,
        follow_redirects=False,
    )


class TestAsking:
    def test_a_self_described_member_of_staff_can_ask(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        person = self_described_staff(db)
        ward = create_unit(db, name="Maple Ward")
        sign_in(client, person)
        page = soup_of(client.get("/account"))
        form = page.select_one('form[action="/account/staff-verification"]')
        assert form is not None
        assert form.select_one(f'select[name="unit_id"] option[value="{ward.id}"]') is not None

        response = ask(client, job_title="  Staff   nurse ", unit_id=str(ward.id))
        assert response.status_code == 303
        row = db.scalars(select(StaffVerificationRequest)).one()
        assert (row.user_id, row.job_title, row.unit_id, row.status) == (
            person.id,
            "Staff nurse",
            ward.id,
            VerificationStatus.pending,
        )
        (event,) = audit_events(engine, "staff_verification.requested")
        assert event.subject_user_id == person.id
        page = client.get("/account")
        assert "An admin will check and email you" in page.text
        assert soup_of(page).select_one('form[action="/account/staff-verification"]') is None
        # Asking twice while waiting changes nothing.
        assert ask(client).status_code == 409
        assert len(db.scalars(select(StaffVerificationRequest)).all()) == 1

    def test_a_job_title_is_needed_and_the_form_is_kept(
        self, client: TestClient, db: Session
    ) -> None:
        sign_in(client, self_described_staff(db))
        response = client.post("/account/staff-verification", data={"job_title": " "})
        assert response.status_code == 422
        assert error_summary(response) == ["Enter your job title"]
        long = client.post("/account/staff-verification", data={"job_title": "x" * 121})
        assert long.status_code == 422
        assert soup_of(long).select_one("#job_title")["value"] == "x" * 121

    @pytest.mark.parametrize("unit_id", ["999999", "9" * 30, "²", "-1"])
    def test_an_unknown_place_is_refused(
        self, client: TestClient, db: Session, unit_id: str
    ) -> None:
        sign_in(client, self_described_staff(db))
        response = client.post(
            "/account/staff-verification", data={"job_title": "Nurse", "unit_id": unit_id}
        )
        assert response.status_code == 422
        assert db.scalars(select(StaffVerificationRequest)).all() == []

    @pytest.mark.parametrize("who", ["service user", "real staff"])
    def test_only_self_described_staff_without_a_role_can_ask(
        self, client: TestClient, db: Session, who: str
    ) -> None:
        user = create_user(db) if who == "service user" else create_user(db, roles={Role.staff})
        sign_in(client, user)
        assert soup_of(client.get("/account")).select_one("#staff") is None
        assert ask(client).status_code == 409
        assert db.scalars(select(StaffVerificationRequest)).all() == []

    def test_an_unconfirmed_address_must_be_confirmed_first(
        self, client: TestClient, db: Session
    ) -> None:
        client.post(
            "/register",
            data={
                "email": "new@example.org",
                "display_name": "N",
                "identity": "staff",
                "password": "correct horse battery staple",
            },
        )
        user = repo.user_by_email(db, "new@example.org")
        assert user is not None
        sign_in(client, user)
        staff = soup_of(client.get("/account")).select_one("#staff")
        assert staff is not None
        assert "Confirm your email address first" in staff.find_parent().get_text()
        assert ask(client).status_code == 409

    def test_signed_out_cannot_ask(self, client: TestClient, db: Session) -> None:
        assert ask(client).status_code == 401
        assert db.scalars(select(StaffVerificationRequest)).all() == []


class TestAdminDecides:
    @pytest.fixture
    def asked(self, client: TestClient, db: Session) -> StaffVerificationRequest:
        person = self_described_staff(db, email="asker@example.org")
        ward = create_unit(db, name="Birch Ward")
        sign_in(client, person)
        ask(client, unit_id=str(ward.id))
        client.cookies.clear()
        return db.scalars(select(StaffVerificationRequest)).one()

    def decide(self, client: TestClient, request_id: int | None, **data: str) -> httpx.Response:
        return client.post(f"/admin/verification/{request_id}", data=data, follow_redirects=False)

    def test_approving_grants_the_staff_role_and_the_unit(
        self,
        client: TestClient,
        db: Session,
        engine: Engine,
        asked: StaffVerificationRequest,
    ) -> None:
        # The person is signed in elsewhere: approval ends those sessions (staff rules apply).
        other = TestClient(client.app)
        person = repo.user_by_email(db, "asker@example.org")
        assert person is not None
        assert person.id is not None
        sign_in(other, person)

        admin = create_user(db, roles={Role.admin})
        sign_in(client, admin)
        home = soup_of(client.get("/admin"))
        assert "1 waiting" in home.select_one('a[href="/admin/verification"]').parent.get_text()
        queue = soup_of(client.get("/admin/verification"))
        card = queue.select_one(f"#request-{asked.id}")
        assert card is not None
        assert "asker@example.org" in card.get_text()
        assert "Birch Ward" in card.get_text()

        response = self.decide(client, asked.id, decision="approve")
        assert response.status_code == 303
        db.expire_all()
        assert Role.staff in repo.roles_of(db, person.id)
        assert asked.unit_id in units.memberships(db, user_id=person.id)
        row = db.get(StaffVerificationRequest, asked.id)
        assert row is not None
        assert (row.status, row.decided_by_id) == (VerificationStatus.approved, admin.id)
        assert other.get("/account", follow_redirects=False).status_code == 401
        (event,) = audit_events(engine, "staff_verification.approved")
        assert (event.actor_id, event.subject_user_id) == (admin.id, person.id)
        assert audit_events(engine, "roles.changed")[-1].subject_user_id == person.id
        mail = db.scalars(
            select(OutboxEmail).where(col(OutboxEmail.to_address) == "asker@example.org")
        ).one()
        assert "You are verified as staff" in mail.subject
        # From now on what they write is labelled staff.
        idea_id = new_idea(db)
        sign_in(other, person)
        comment_on(other, idea_id, "Now verified")
        assert author_label(other, idea_id, "Now verified") == ("Staff", True)
        assert "Nobody is waiting" in client.get("/admin/verification").text

    def test_declining_tells_them_why_and_they_may_ask_again(
        self,
        client: TestClient,
        db: Session,
        engine: Engine,
        asked: StaffVerificationRequest,
    ) -> None:
        sign_in(client, create_user(db, roles={Role.admin}))
        response = self.decide(
            client,
            asked.id,
            decision="decline",
            note="We could not find you in the staff directory.",
        )
        assert response.status_code == 303
        assert Role.staff not in asker_roles(db)
        assert len(audit_events(engine, "staff_verification.declined")) == 1
        mail = db.scalars(
            select(OutboxEmail).where(col(OutboxEmail.to_address) == "asker@example.org")
        ).one()
        assert "staff directory" in mail.body_text
        assert "not monitored 24 hours a day" in mail.body_text

        client.cookies.clear()
        person = repo.user_by_email(db, "asker@example.org")
        assert person is not None
        sign_in(client, person)
        staff = soup_of(client.get("/account")).select_one("#staff")
        assert staff is not None
        assert "staff directory" in staff.find_parent().get_text()
        assert ask(client).status_code == 303

    def test_a_decision_is_made_once(
        self, client: TestClient, db: Session, asked: StaffVerificationRequest
    ) -> None:
        sign_in(client, create_user(db, roles={Role.admin}))
        self.decide(client, asked.id, decision="decline")
        again = self.decide(client, asked.id, decision="approve")
        assert again.status_code == 409
        assert Role.staff not in asker_roles(db)

    @pytest.mark.parametrize("decision", ["", "grant", "APPROVE"])
    def test_a_decision_must_be_chosen(
        self, client: TestClient, db: Session, asked: StaffVerificationRequest, decision: str
    ) -> None:
        sign_in(client, create_user(db, roles={Role.admin}))
        response = self.decide(client, asked.id, decision=decision)
        assert response.status_code == 422
        assert error_summary(response) == ["Choose approve or decline"]

    @pytest.mark.parametrize("request_id", ["999999", "9" * 30])
    def test_an_unknown_request_is_not_found(
        self, client: TestClient, db: Session, request_id: str
    ) -> None:
        sign_in(client, create_user(db, roles={Role.admin}))
        response = client.post(f"/admin/verification/{request_id}", data={"decision": "approve"})
        assert response.status_code == 404

    @pytest.mark.parametrize(
        "roles", [set(), {Role.staff}, {Role.moderator}, {Role.improvement_lead}]
    )
    def test_only_admins_see_or_decide(
        self,
        client: TestClient,
        db: Session,
        asked: StaffVerificationRequest,
        roles: set[Role],
    ) -> None:
        sign_in(client, create_user(db, roles=roles))
        assert client.get("/admin/verification").status_code == 403
        assert self.decide(client, asked.id, decision="approve").status_code == 403
        assert Role.staff not in asker_roles(db)


def test_the_cli_can_still_make_staff_directly(db: Session) -> None:
    user = accounts.create_user(
        db, email="cli@example.org", password="correct horse battery staple", roles={Role.staff}
    )
    assert user.identity == Identity.staff
