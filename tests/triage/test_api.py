"""POST /api/v1/ideas/{id}/status: who may use it (role, unit, owner and token scope), the
transition table (an illegal move is a 409), the messages and originals it needs (422), and
the idea it answers with (the ideas API's shape)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.ideas import states
from app.ideas.schemas import IdeaPublic
from app.models import Follow, IdeaStatus, Role, SubjectKind, TimelineEvent, TokenScope, Vote
from tests.factories import create_user
from tests.ideas.factories import create_follow, create_idea, create_vote
from tests.triage.helpers import People, Place, audit_rows, bearer, fresh, set_owner

URL = "/api/v1/ideas/{}/status"
WRITE = {TokenScope.read, TokenScope.write}


def post(client: TestClient, idea_id: int, headers: dict[str, str], **body: Any) -> Any:
    return client.post(URL.format(idea_id), json=body, headers=headers)


class TestWhoMay:
    def test_nobody_signed_in_gets_401(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        response = client.post(URL.format(idea.id), json={"status": "under_review"})
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")

    @pytest.mark.parametrize("role", [Role.service_user, Role.carer])
    def test_people_without_a_staff_role_get_403(
        self, client: TestClient, db: Session, role: Role
    ) -> None:
        idea = create_idea(db)
        assert idea.id is not None
        headers = bearer(db, create_user(db, roles={role}))
        response = post(client, idea.id, headers, status="accepted")
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
        assert fresh(db, idea).status == IdeaStatus.submitted

    def test_a_read_only_token_is_refused(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        idea = create_idea(db)
        headers = bearer(db, people.admin, {TokenScope.read})
        assert post(client, idea.id, headers, status="accepted").status_code == 403  # type: ignore[arg-type]

    def test_staff_of_another_unit_are_refused_once_someone_owns_it(
        self, client: TestClient, db: Session, place: Place, people: People
    ) -> None:
        idea = create_idea(db, unit=place.willow)
        assert idea.id is not None
        headers = bearer(db, people.cedar_staff, WRITE)
        set_owner(db, idea, people.willow_staff)
        refused = post(client, idea.id, headers, status="under_review")
        assert refused.status_code == 403
        assert fresh(db, idea).status == IdeaStatus.submitted
        # While nobody owns it, any member of staff may.
        set_owner(db, idea, None)
        assert post(client, idea.id, headers, status="under_review").status_code == 200

    @pytest.mark.parametrize("who", ["willow_staff", "directorate_staff", "moderator", "admin"])
    def test_staff_of_its_unit_or_above_moderators_and_admins_may(
        self, client: TestClient, db: Session, place: Place, people: People, who: str
    ) -> None:
        idea = create_idea(db, unit=place.willow)
        assert idea.id is not None
        set_owner(db, idea, people.cedar_staff)
        scopes = {*WRITE, TokenScope.moderate} if who == "moderator" else None
        if who == "admin":
            scopes = {*WRITE, TokenScope.admin}
        response = post(
            client, idea.id, bearer(db, getattr(people, who), scopes), status="accepted"
        )
        assert response.status_code == 200, response.text
        assert fresh(db, idea).status == IdeaStatus.accepted

    def test_a_moderator_token_without_the_moderate_scope_is_only_staff(
        self, client: TestClient, db: Session, place: Place, people: People
    ) -> None:
        idea = create_idea(db, unit=place.willow)
        assert idea.id is not None
        set_owner(db, idea, people.cedar_staff)
        mod = create_user(db, roles={Role.moderator})
        assert post(client, idea.id, bearer(db, mod, WRITE), status="accepted").status_code == 403

    @pytest.mark.parametrize("idea_id", ["999999", "99999999999999999999", "0", "abc"])
    def test_no_such_idea(
        self, client: TestClient, db: Session, people: People, idea_id: str
    ) -> None:
        headers = bearer(db, people.admin, {*WRITE, TokenScope.admin})
        response = client.post(URL.format(idea_id), json={"status": "accepted"}, headers=headers)
        assert response.status_code in (404, 422)
        assert response.status_code != 500
        if idea_id == "999999":
            assert response.status_code == 404

    def test_an_idea_that_is_not_published_is_not_in_triage(
        self, client: TestClient, db: Session, people: People
    ) -> None:
        idea = create_idea(db)
        idea.visibility = "held"  # type: ignore[assignment]
        db.add(idea)
        db.commit()
        headers = bearer(db, people.admin, {*WRITE, TokenScope.admin})
        assert post(client, idea.id, headers, status="accepted").status_code == 404  # type: ignore[arg-type]


ILLEGAL = [
    (frm, to) for frm in IdeaStatus for to in IdeaStatus if to not in states.STATUS.allowed(frm)
]


class TestMoves:
    @pytest.fixture
    def admin(self, db: Session, people: People) -> dict[str, str]:
        return bearer(db, people.admin, {*WRITE, TokenScope.admin})

    @pytest.mark.parametrize(("frm", "to"), ILLEGAL, ids=lambda s: str(s))
    def test_every_illegal_move_is_a_409(
        self,
        client: TestClient,
        db: Session,
        admin: dict[str, str],
        frm: IdeaStatus,
        to: IdeaStatus,
    ) -> None:
        idea = create_idea(db, status=frm)
        assert idea.id is not None
        original = create_idea(db)
        response = post(
            client, idea.id, admin, status=to, message="Because.", duplicate_of=original.id
        )
        assert response.status_code == 409, (frm, to, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert fresh(db, idea).status == frm

    def test_a_legal_move_answers_with_the_idea(
        self, client: TestClient, db: Session, admin: dict[str, str], people: People
    ) -> None:
        idea = create_idea(db)
        assert idea.id is not None
        response = post(client, idea.id, admin, status="under_review", message="We are looking.")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == set(IdeaPublic.model_fields)
        assert body["status"] == "under_review"
        assert body["id"] == idea.id
        assert fresh(db, idea).first_response_at is not None
        rows = audit_rows(db, "triage.status")
        assert [(r.actor_id, r.details["idea_id"], r.details["to_status"]) for r in rows] == [
            (people.admin.id, idea.id, "under_review")
        ]
        assert "We are looking" not in str(rows[0].details)

    @pytest.mark.parametrize(
        ("path", "to"),
        [
            (IdeaStatus.submitted, IdeaStatus.not_taken_forward),
            (IdeaStatus.in_progress, IdeaStatus.done),
            (IdeaStatus.accepted, IdeaStatus.done),
        ],
    )
    def test_not_taken_forward_and_done_need_a_message(
        self,
        client: TestClient,
        db: Session,
        admin: dict[str, str],
        path: IdeaStatus,
        to: IdeaStatus,
    ) -> None:
        idea = create_idea(db, status=path)
        assert idea.id is not None
        for message in (None, "", "   "):
            response = post(client, idea.id, admin, status=to, message=message)
            assert response.status_code == 422, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert [e["field"] for e in response.json()["errors"]] == ["message"]
        assert fresh(db, idea).status == path
        done = post(client, idea.id, admin, status=to, message="New chairs are in the lounge.")
        assert done.status_code == 200

    def test_a_message_with_identifying_details_is_published_without_them(
        self, client: TestClient, db: Session, admin: dict[str, str]
    ) -> None:
        idea = create_idea(db)
        assert idea.id is not None
        message = "Please ring me on 07700 900123 to talk about it."
        assert (
            post(client, idea.id, admin, status="under_review", message=message).status_code == 200
        )
        notes = db.scalars(
            select(TimelineEvent.note).where(
                col(TimelineEvent.subject_id) == idea.id, col(TimelineEvent.kind) == "status"
            )
        ).all()
        assert notes == ["Please ring me on [phone number] to talk about it."]

    @pytest.mark.parametrize("original", [None, 99999999, 10**30, "self", "duplicate", "held"])
    def test_a_duplicate_needs_a_published_original(
        self, client: TestClient, db: Session, admin: dict[str, str], original: Any
    ) -> None:
        idea = create_idea(db)
        assert idea.id is not None
        if original == "self":
            original = idea.id
        elif original == "duplicate":
            original = create_idea(db, status=IdeaStatus.duplicate).id
        elif original == "held":
            held = create_idea(db)
            held.visibility = "held"  # type: ignore[assignment]
            db.add(held)
            db.commit()
            original = held.id
        response = post(client, idea.id, admin, status="duplicate", duplicate_of=original)
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["duplicate_of"]
        assert fresh(db, idea).status == IdeaStatus.submitted

    def test_a_duplicate_moves_votes_and_followers_to_the_original(
        self, client: TestClient, db: Session, admin: dict[str, str]
    ) -> None:
        original, duplicate = create_idea(db), create_idea(db)
        assert duplicate.id is not None
        both, only_dup = create_user(db), create_user(db)
        create_vote(db, idea=original, user=both)
        create_vote(db, idea=duplicate, user=both)
        create_vote(db, idea=duplicate, user=only_dup)
        create_follow(db, idea=duplicate, user=only_dup)
        response = post(client, duplicate.id, admin, status="duplicate", duplicate_of=original.id)
        assert response.status_code == 200
        assert response.json()["vote_count"] == 0
        voters = set(db.scalars(select(Vote.user_id).where(col(Vote.idea_id) == original.id)))
        assert voters == {both.id, only_dup.id}
        assert fresh(db, original).vote_count == 2
        assert db.get(Follow, (SubjectKind.idea, original.id, only_dup.id)) is not None
        assert fresh(db, duplicate).merged_into_id == original.id
        rows = audit_rows(db, "triage.status")
        assert rows[-1].details["merged_into_id"] == original.id

    def test_an_unknown_status_is_a_422(
        self, client: TestClient, db: Session, admin: dict[str, str]
    ) -> None:
        idea = create_idea(db)
        assert post(client, idea.id, admin, status="binned").status_code == 422  # type: ignore[arg-type]
