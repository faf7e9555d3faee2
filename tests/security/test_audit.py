"""The security audit log: a row for every security event, and a table the database itself
refuses to change or empty."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from app.models import ApiToken, AuditEvent, Role
from tests.factories import PASSWORD, create_user, sign_in
from tests.security.helpers import audit_events, fetch, page


def only_event(engine: Engine, event: str) -> AuditEvent:
    events = audit_events(engine, event)
    assert len(events) == 1, [e.event for e in audit_events(engine)]
    return events[0]


class TestEventsAreRecorded:
    def test_sign_in_success_and_failure(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db)
        client.post("/login", data={"email": user.email, "password": "not the password!"})
        client.post("/login", data={"email": "nobody@example.org", "password": "whatever it is"})
        sign_in(client, user)

        failed = audit_events(engine, "signin.failed")
        assert [e.subject_user_id for e in failed] == [user.id, None]
        assert all(e.ip_address == "testclient" for e in failed)
        succeeded = only_event(engine, "signin.succeeded")
        assert (succeeded.actor_id, succeeded.subject_user_id) == (user.id, user.id)
        assert succeeded.at is not None

    def test_role_change(self, client: TestClient, db: Session, engine: Engine) -> None:
        admin = create_user(db, roles={Role.admin})
        person = create_user(db, roles={Role.service_user})
        sign_in(client, admin)
        client.post(f"/admin/users/{person.id}/roles", data={"roles": ["moderator"]})
        event = only_event(engine, "roles.changed")
        assert (event.actor_id, event.subject_user_id) == (admin.id, person.id)
        assert event.details == {
            "added": ["moderator"],
            "removed": ["service_user"],
            "via": "admin pages",
        }

    def test_unchanged_roles_are_not_logged(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        admin = create_user(db, roles={Role.admin})
        person = create_user(db, roles={Role.carer})
        sign_in(client, admin)
        client.post(f"/admin/users/{person.id}/roles", data={"roles": ["carer"]})
        assert audit_events(engine, "roles.changed") == []

    def test_token_create_and_revoke(self, client: TestClient, db: Session, engine: Engine) -> None:
        user = create_user(db)
        sign_in(client, user)
        response = client.post("/account/tokens", data={"name": "ward dashboard"})
        secret = page(response).find(id="new-token").get_text(strip=True)
        (token,) = fetch(engine, select(ApiToken))
        client.post(f"/account/tokens/{token.id}/revoke")

        created = only_event(engine, "token.created")
        revoked = only_event(engine, "token.revoked")
        assert created.details == {"token_id": token.id, "scopes": "read", "days": 90}
        assert revoked.details == {"token_id": token.id}
        assert revoked.actor_id == user.id
        assert secret not in str(created.details)

    def test_export(self, client: TestClient, db: Session, engine: Engine) -> None:
        user = create_user(db)
        sign_in(client, user)
        assert client.get("/account/export").status_code == 200
        event = only_event(engine, "read.data_export")
        assert (event.actor_id, event.subject_user_id) == (user.id, user.id)
        assert event.ip_address == "testclient"

    def test_deletion(self, client: TestClient, db: Session, engine: Engine) -> None:
        user = create_user(db)
        sign_in(client, user)
        client.post("/account/delete", data={"password": PASSWORD})
        event = only_event(engine, "account.deleted")
        assert (event.actor_id, event.subject_user_id) == (user.id, user.id)

    def test_a_failed_deletion_is_not_logged_as_done(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        sign_in(client, create_user(db))
        client.post("/account/delete", data={"password": "not the password!"})
        assert audit_events(engine, "account.deleted") == []


class TestAppendOnly:
    @pytest.fixture
    def event_id(self, client: TestClient, db: Session, engine: Engine) -> int:
        sign_in(client, create_user(db))
        event = only_event(engine, "signin.succeeded")
        assert event.id is not None
        return event.id

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE audit_event SET event = 'nothing.happened' WHERE id = :id",
            "UPDATE audit_event SET actor_id = NULL WHERE id = :id",
            "DELETE FROM audit_event WHERE id = :id",
            "DELETE FROM audit_event",
        ],
    )
    def test_the_database_refuses(self, engine: Engine, event_id: int, statement: str) -> None:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement), {"id": event_id})
        assert only_event(engine, "signin.succeeded").id == event_id

    def test_adding_rows_still_works(self, engine: Engine, event_id: int) -> None:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_event (at, event, ip_address, details) "
                    "VALUES (CURRENT_TIMESTAMP, 'test.added', '', '{}')"
                )
            )
        assert len(audit_events(engine)) == 3  # account.created, signin.succeeded, test.added
