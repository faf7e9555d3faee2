"""Account journeys through the real app: register, reset a password, tokens, export, delete."""

import json
import re

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.accounts import repository as repo
from app.accounts import service
from app.models import ApiToken, AuditEvent, OutboxEmail, User
from tests.factories import PASSWORD, create_user, sign_in


def _error_summary(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    summary = soup.select_one(".nhsuk-error-summary")
    return [a.get_text(strip=True) for a in summary.select("a")] if summary else []


class TestRegister:
    """The rest of registration: tests/accounts/test_registration.py."""

    def test_missing_fields_show_the_error_summary_and_keep_input(self, client: TestClient) -> None:
        response = client.post("/register", data={"email": "kim@example.org", "password": "short"})
        assert response.status_code == 422
        errors = _error_summary(response.text)
        assert "Enter a display name" in errors
        assert "Select who you are" in errors
        assert any("12 characters" in e for e in errors)
        soup = BeautifulSoup(response.text, "html.parser")
        assert soup.select_one("#email")["value"] == "kim@example.org"
        password = soup.select_one("#password")
        assert password is not None
        assert password.get("value", "") == ""  # absent or empty: the password is not echoed


class TestPasswordReset:
    def test_emailed_single_use_link_sets_a_new_password(
        self, client: TestClient, db: Session
    ) -> None:
        user = create_user(db, email="reset@example.org")
        response = client.post("/password-reset", data={"email": "reset@example.org"})
        assert response.status_code == 200
        mail = db.scalars(select(OutboxEmail)).one()
        assert mail.to_address == "reset@example.org"
        assert "not monitored 24 hours a day" in mail.body_text
        match = re.search(r"/password-reset/(\S+)", mail.body_text)
        assert match
        link = f"/password-reset/{match.group(1)}"

        new_password = "a brand new sailing boat"
        response = client.post(link, data={"new_password": new_password}, follow_redirects=False)
        assert response.status_code == 303
        sign_in(client, user, password=new_password)
        # Single use: the same link no longer works.
        assert client.get(link).status_code == 404
        assert (
            client.post(link, data={"new_password": "another fine sailing boat"}).status_code == 404
        )

    def test_unknown_address_looks_the_same_and_sends_nothing(
        self, client: TestClient, db: Session
    ) -> None:
        response = client.post("/password-reset", data={"email": "nobody@example.org"})
        assert response.status_code == 200
        assert "Check your email" in response.text
        assert db.scalars(select(OutboxEmail)).first() is None

    def test_expired_link_is_refused(self, client: TestClient, db: Session) -> None:
        from datetime import timedelta

        from app.models import PasswordResetToken

        create_user(db, email="late@example.org")
        client.post("/password-reset", data={"email": "late@example.org"})
        mail = db.scalars(select(OutboxEmail)).one()
        token = re.search(r"/password-reset/(\S+)", mail.body_text)
        assert token
        row = db.scalars(select(PasswordResetToken)).one()
        row.expires_at = row.created_at - timedelta(minutes=1)
        db.commit()
        assert client.get(f"/password-reset/{token.group(1)}").status_code == 404

    def _reset_link(self, db: Session, nth: int) -> str:
        mails = db.scalars(select(OutboxEmail).order_by(col(OutboxEmail.id))).all()
        match = re.search(r"/password-reset/(\S+)", mails[nth].body_text)
        assert match
        return f"/password-reset/{match.group(1)}"

    def test_using_one_link_ends_every_other_link_sent(
        self, client: TestClient, db: Session
    ) -> None:
        create_user(db, email="twice@example.org")
        client.post("/password-reset", data={"email": "twice@example.org"})
        client.post("/password-reset", data={"email": "twice@example.org"})
        first, second = self._reset_link(db, 0), self._reset_link(db, 1)
        response = client.post(
            second, data={"new_password": "a brand new sailing boat"}, follow_redirects=False
        )
        assert response.status_code == 303
        assert client.get(first).status_code == 404

    def test_a_reset_ends_api_tokens_made_with_the_old_password(
        self, client: TestClient, db: Session
    ) -> None:
        user = create_user(db, email="tokens@example.org")
        _, secret = service.create_api_token(db, user=user, name="laptop")
        db.commit()
        headers = {"Authorization": f"Bearer {secret}"}
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        client.post("/password-reset", data={"email": "tokens@example.org"})
        client.post(self._reset_link(db, 0), data={"new_password": "a brand new sailing boat"})
        assert client.get("/api/v1/me", headers=headers).status_code == 401

    def test_many_resets_from_one_address_are_refused(
        self, client: TestClient, db: Session
    ) -> None:
        for n in range(20):
            response = client.post("/password-reset", data={"email": f"n{n}@example.org"})
            assert response.status_code == 200
        response = client.post("/password-reset", data={"email": "n21@example.org"})
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) > 0
        assert any("Wait a while" in e for e in _error_summary(response.text))
        soup = BeautifulSoup(response.text, "html.parser")
        assert soup.select_one("#email")["value"] == "n21@example.org"


class TestAccountPage:
    def test_change_password_needs_the_current_one(self, client: TestClient, db: Session) -> None:
        user = create_user(db)
        sign_in(client, user)
        response = client.post(
            "/account/password",
            data={
                "current_password": "wrong wrong wrong",
                "new_password": "lovely long new phrase",
            },
        )
        assert response.status_code == 422
        assert "Your current password is not right" in _error_summary(response.text)
        response = client.post(
            "/account/password",
            data={"current_password": PASSWORD, "new_password": "lovely long new phrase"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        # This device stays signed in.
        assert client.get("/account").status_code == 200

    def test_api_token_is_shown_once_works_and_can_be_revoked(
        self, client: TestClient, db: Session
    ) -> None:
        user = create_user(db)
        sign_in(client, user)
        page = client.post("/account/tokens", data={"name": "ward dashboard"})
        secret = (
            BeautifulSoup(page.text, "html.parser").select_one("#new-token").get_text(strip=True)
        )
        assert secret.startswith("fc_")
        stored = db.scalars(select(ApiToken)).one()
        assert secret not in (stored.token_hash, stored.prefix)

        anon = TestClient(client.app)
        me = anon.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert me.status_code == 200
        assert me.json()["display_name"] == user.display_name
        assert secret not in client.get("/account").text

        client.post(f"/account/tokens/{stored.id}/revoke")
        assert (
            anon.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
        )

    def test_download_my_data_is_json_about_me(self, client: TestClient, db: Session) -> None:
        user = create_user(db, email="mine@example.org")
        sign_in(client, user)
        response = client.get("/account/export")
        assert response.headers["content-type"].startswith("application/json")
        assert "attachment" in response.headers["content-disposition"]
        data = json.loads(response.text)
        assert data["account"]["email"] == "mine@example.org"
        assert any(e["event"] == "signin.succeeded" for e in data["security_events"])
        assert "password_hash" not in response.text

    def test_delete_anonymises_and_signs_out(self, client: TestClient, db: Session) -> None:
        user = create_user(db, email="leaving@example.org", display_name="Leaving Person")
        sign_in(client, user)
        wrong = client.post("/account/delete", data={"password": "not my password at all"})
        assert wrong.status_code == 422
        response = client.post(
            "/account/delete", data={"password": PASSWORD}, follow_redirects=False
        )
        assert response.status_code == 303
        db.expire_all()
        row = db.get(User, user.id)
        assert row is not None
        assert row.deleted_at is not None
        assert "leaving" not in row.email
        assert row.display_name == "Deleted account"
        assert row.password_hash is None
        assert client.get("/account").status_code == 401
        events = db.scalars(
            select(AuditEvent.event).where(col(AuditEvent.subject_user_id) == user.id)
        ).all()
        assert "account.deleted" in events
        # The address is free to register again.
        assert repo.user_by_email(db, "leaving@example.org") is None


class TestExportIncludesContributions:
    def test_ideas_comments_votes_and_follows_are_in_my_data(
        self, client: TestClient, db: Session
    ) -> None:
        from tests.ideas.factories import create_comment, create_idea, create_vote

        user = create_user(db)
        idea = create_idea(db, title="Hot drinks after nine", author=user)
        other = create_idea(db, title="Clearer letters")
        create_vote(db, idea=other, user=user)
        create_comment(db, idea=other, author=user, body="Yes please, plain English")
        sign_in(client, user)
        data = client.get("/account/export").json()
        assert [i["title"] for i in data["ideas"]] == ["Hot drinks after nine"]
        assert [c["body"] for c in data["comments"]] == ["Yes please, plain English"]
        assert [v["idea_id"] for v in data["votes"]] == [other.id]
        assert set(data["following"]) == {idea.id, other.id}
