"""Registration that cannot be farmed and does not say who has an account: limited per address,
the same answer for a new and an existing email, and an address confirmed by a link before the
account's support counts or its ideas skip moderation."""

import re
from datetime import timedelta

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.accounts import repository as repo
from app.accounts import service as accounts
from app.config import get_settings
from app.core import signing
from app.models import Idea, OutboxEmail, Role, User, Visibility, Vote
from tests.factories import PASSWORD, create_user, sign_in
from tests.helpers import error_summary, idea_form, soup_of
from tests.ideas.factories import create_idea
from tests.security.helpers import audit_events, session_cookie


def register(client: TestClient, email: str, **fields: str) -> httpx.Response:
    data = {
        "email": email,
        "display_name": "Jo",
        "identity": "service_user",
        "password": PASSWORD,
    } | fields
    return client.post("/register", data=data, follow_redirects=False)


def mail_to(db: Session, address: str) -> list[OutboxEmail]:
    return list(
        db.scalars(
            select(OutboxEmail)
            .where(col(OutboxEmail.to_address) == address)
            .order_by(col(OutboxEmail.id))
        )
    )


def confirm_path(message: OutboxEmail) -> str:
    match = re.search(r"https?://[^/\s]+(/confirm-email/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def main_text(html: str) -> str:
    main = BeautifulSoup(html, "html.parser").select_one("main")
    assert main is not None
    return main.get_text(" ", strip=True)


def fresh_user(db: Session, email: str) -> User:
    db.expire_all()
    user = repo.user_by_email(db, email)
    assert user is not None
    return user


class TestNewAccount:
    def test_registering_sends_a_link_and_signs_nobody_in(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        response = register(client, "Jo@Example.org")
        assert response.status_code == 200
        assert "Check your email" in main_text(response.text)
        assert session_cookie(client) is None
        user = fresh_user(db, "jo@example.org")
        assert user.email_confirmed_at is None
        assert user.id is not None
        assert repo.roles_of(db, user.id) == {Role.service_user}
        (message,) = mail_to(db, "jo@example.org")
        assert "Confirm your email address" in message.subject
        assert "not monitored 24 hours a day" in message.body_text
        assert len(audit_events(engine, "account.registered")) == 1

    def test_saying_staff_does_not_grant_a_staff_role(
        self, client: TestClient, db: Session
    ) -> None:
        register(client, "ade@example.org", identity="staff")
        user = fresh_user(db, "ade@example.org")
        assert user.id is not None
        assert repo.roles_of(db, user.id) == frozenset()

    def test_the_link_confirms_the_address_after_a_button_press(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        register(client, "kim@example.org")
        path = confirm_path(mail_to(db, "kim@example.org")[0])
        # Opening the link (as mail scanners do) changes nothing.
        page = client.get(path)
        assert page.status_code == 200
        assert soup_of(page).select_one(f'form[action="{path}"] button') is not None
        assert fresh_user(db, "kim@example.org").email_confirmed_at is None

        done = client.post(path, follow_redirects=False)
        assert done.status_code == 303
        assert done.headers["location"] == "/login?notice=email-confirmed"
        assert fresh_user(db, "kim@example.org").email_confirmed_at is not None
        assert len(audit_events(engine, "account.email_confirmed")) == 1
        # A second press changes nothing and says the same.
        assert client.post(path, follow_redirects=False).status_code == 303
        assert len(audit_events(engine, "account.email_confirmed")) == 1

    def test_confirming_while_signed_in_goes_back_to_the_account(
        self, client: TestClient, db: Session
    ) -> None:
        register(client, "lee@example.org")
        sign_in(client, fresh_user(db, "lee@example.org"))
        account = client.get("/account")
        assert "Confirm your email address" in soup_of(account).select_one("#confirm-email").text
        response = client.post(confirm_path(mail_to(db, "lee@example.org")[0]))
        assert response.url.path == "/account"
        assert "Your email address is confirmed" in response.text
        assert soup_of(response).select_one("#confirm-email") is None

    @pytest.mark.parametrize("change", ["signature", "id", "expiry", "garbage", "huge id"])
    def test_a_tampered_link_confirms_nothing(
        self, client: TestClient, db: Session, change: str
    ) -> None:
        register(client, "sam@example.org")
        path = confirm_path(mail_to(db, "sam@example.org")[0])
        user_id, expires, sig = path.removeprefix("/confirm-email/").split("-")
        other = create_user(db)
        token = {
            "signature": f"{user_id}-{expires}-{'0' * len(sig)}",
            "id": f"{other.id}-{expires}-{sig}",
            "expiry": f"{user_id}-{int(expires) + 86400}-{sig}",
            "garbage": "not-a-token",
            "huge id": f"{'9' * 40}-{expires}-{sig}",
        }[change]
        assert client.get(f"/confirm-email/{token}").status_code == 404
        response = client.post(f"/confirm-email/{token}")
        assert response.status_code == 404
        assert "has expired or is not complete" in response.text
        assert fresh_user(db, "sam@example.org").email_confirmed_at is None

    def test_an_expired_link_confirms_nothing(self, client: TestClient, db: Session) -> None:
        register(client, "old@example.org")
        user = fresh_user(db, "old@example.org")
        assert user.id is not None
        token = signing.expiring(
            "confirm-email", user.id, user.email, lifetime=timedelta(seconds=-1)
        )
        assert client.post(f"/confirm-email/{token}").status_code == 404
        assert fresh_user(db, "old@example.org").email_confirmed_at is None

    def test_a_link_for_an_old_address_confirms_nothing(self) -> None:
        token = signing.expiring("confirm-email", 7, "old@example.org", lifetime=timedelta(days=1))
        assert signing.verify_expiring("confirm-email", token, "old@example.org")
        assert not signing.verify_expiring("confirm-email", token, "new@example.org")
        assert not signing.verify_expiring("password-reset", token, "old@example.org")

    def test_the_link_can_be_sent_again_a_few_times_an_hour(
        self, client: TestClient, db: Session
    ) -> None:
        register(client, "again@example.org")
        sign_in(client, fresh_user(db, "again@example.org"))
        for _ in range(3):
            response = client.post("/account/confirm-email", follow_redirects=False)
            assert response.status_code == 303
        assert len(mail_to(db, "again@example.org")) == 4
        response = client.post("/account/confirm-email")
        assert response.status_code == 429
        assert "Check your spam folder" in error_summary(response)[0]
        assert len(mail_to(db, "again@example.org")) == 4
        # The newest link works like the first.
        assert client.post(confirm_path(mail_to(db, "again@example.org")[-1])).status_code == 200


class TestExistingAddress:
    def test_the_answer_is_the_same_and_the_owner_is_told(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        owner = create_user(db, email="taken@example.org")
        new = register(client, "fresh@example.org")
        taken = register(client, "TAKEN@example.org", display_name="Jo")
        assert taken.status_code == new.status_code == 200
        assert main_text(taken.text) == main_text(new.text).replace(
            "fresh@example.org", "taken@example.org"
        )
        assert session_cookie(client) is None
        # Nothing about the existing account changed, and there is still only one.
        assert fresh_user(db, "taken@example.org").password_hash == owner.password_hash
        assert len(db.scalars(select(User).where(col(User.email) == owner.email)).all()) == 1
        (message,) = mail_to(db, "taken@example.org")
        assert "already have an account" in message.body_text
        assert "/login" in message.body_text
        assert "/password-reset" in message.body_text
        (event,) = audit_events(engine, "account.register_existing")
        assert event.subject_user_id == owner.id

    def test_the_owner_is_not_flooded(self, client: TestClient, db: Session) -> None:
        create_user(db, email="popular@example.org")
        for _ in range(6):
            assert register(client, "popular@example.org").status_code == 200
        assert len(mail_to(db, "popular@example.org")) == 3

    def test_a_weak_password_is_refused_either_way(self, client: TestClient, db: Session) -> None:
        create_user(db, email="weak@example.org")
        for email in ("weak@example.org", "weaker@example.org"):
            response = client.post(
                "/register",
                data={
                    "email": email,
                    "display_name": "W",
                    "identity": "carer",
                    "password": "short",
                },
            )
            assert response.status_code == 422
            assert any("12 characters" in e for e in error_summary(response))
        assert mail_to(db, "weak@example.org") == []


class TestPerAddressLimit:
    def test_the_eleventh_registration_in_an_hour_is_refused_with_the_form_kept(
        self, client: TestClient, db: Session
    ) -> None:
        for n in range(10):
            assert register(client, f"farm{n}@example.org").status_code == 200
        response = register(client, "farm10@example.org")
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) > 0
        assert "Many accounts have been made from here" in error_summary(response)[0]
        assert soup_of(response).select_one("#email")["value"] == "farm10@example.org"
        assert repo.user_by_email(db, "farm10@example.org") is None

    def test_the_limit_is_a_setting(
        self, client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "registrations_per_ip_per_hour", 1)
        register(client, "one@example.org")
        assert register(client, "two@example.org").status_code == 429


class TestUntilConfirmed:
    @pytest.fixture
    def unconfirmed(self, client: TestClient, db: Session) -> User:
        register(client, "new@example.org")
        user = fresh_user(db, "new@example.org")
        sign_in(client, user)
        return user

    def test_support_does_not_count(
        self, client: TestClient, db: Session, unconfirmed: User
    ) -> None:
        idea = create_idea(db)
        page = soup_of(client.get(f"/ideas/{idea.id}"))
        assert page.select_one("#vote-button") is None
        link = page.select_one('#vote a[href="/account#confirm-email"]')
        assert link is not None
        assert "Confirm your email address" in link.text
        response = client.post(f"/ideas/{idea.id}/vote", data={"action": "vote"})
        assert response.status_code == 403
        assert "Confirm your email address" in response.text
        assert db.scalars(select(Vote)).all() == []

    def test_support_through_the_api_does_not_count(
        self, client: TestClient, db: Session, unconfirmed: User
    ) -> None:
        _, secret = accounts.create_api_token(db, user=unconfirmed, name="script")
        db.commit()
        headers = {"Authorization": f"Bearer {secret}"}
        assert client.get("/api/v1/me", headers=headers).json()["email_confirmed"] is False
        idea = create_idea(db)
        response = client.put(
            f"/api/v1/ideas/{idea.id}/vote", headers={"Authorization": f"Bearer {secret}"}
        )
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
        assert db.scalars(select(Vote)).all() == []

    def test_ideas_wait_for_a_moderator(
        self, client: TestClient, db: Session, unconfirmed: User
    ) -> None:
        response = client.post("/ideas", data=idea_form(client))
        assert response.status_code == 200
        assert "Once checked, your idea appears" in response.text
        idea = db.scalars(select(Idea)).one()
        assert idea.visibility == Visibility.pending_moderation
        client.cookies.clear()
        assert client.get(f"/ideas/{idea.id}").status_code == 404

    def test_once_confirmed_support_counts_and_ideas_appear(
        self, client: TestClient, db: Session, unconfirmed: User
    ) -> None:
        client.post(confirm_path(mail_to(db, "new@example.org")[0]))
        idea = create_idea(db)
        response = client.post(
            f"/ideas/{idea.id}/vote", data={"action": "vote"}, follow_redirects=False
        )
        assert response.status_code == 303
        assert len(db.scalars(select(Vote)).all()) == 1
        client.post("/ideas", data=idea_form(client, title="Confirmed idea"))
        mine = db.scalars(select(Idea).where(col(Idea.title) == "Confirmed idea")).one()
        assert mine.visibility == Visibility.published


def test_accounts_made_by_an_admin_or_the_cli_are_confirmed(db: Session) -> None:
    assert create_user(db).email_confirmed_at is not None
