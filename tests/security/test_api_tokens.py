"""API tokens are not the whole account (issue 8, finding 4): scopes cut a token down to what
it was made for, every token ends, tokens work on the API only, and the data export asks a
browser session to prove again who it is."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from app.accounts import scopes
from app.accounts import service as accounts
from app.errors import InvalidInput
from app.models import ApiToken, AuthSession, Role, TokenScope, User, utcnow
from tests.factories import PASSWORD, create_user, sign_in
from tests.ideas.factories import create_idea
from tests.security.helpers import (
    assert_nhs_page,
    assert_problem,
    audit_events,
    error_summary,
    execute,
    fetch,
    page,
)


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


def token_for(db: Session, user: User, **kwargs: object) -> tuple[ApiToken, str]:
    token, secret = accounts.create_api_token(db, user=user, name="script", **kwargs)  # type: ignore[arg-type]
    db.commit()
    return token, secret


class TestScopes:
    @pytest.mark.parametrize(
        ("roles", "expected"),
        [
            ({Role.service_user}, ["read", "write"]),
            ({Role.staff, Role.improvement_lead}, ["read", "write"]),
            ({Role.moderator, Role.staff}, ["read", "write", "moderate"]),
            ({Role.safeguarding_lead, Role.staff}, ["read", "write", "moderate"]),
            ({Role.admin}, ["read", "write", "moderate", "admin"]),
        ],
    )
    def test_what_each_role_may_give_a_token(self, roles: set[Role], expected: list[str]) -> None:
        assert [s.value for s in scopes.allowed(roles)] == expected

    def test_without_scopes_a_token_gets_all_the_roles_allow(self, db: Session) -> None:
        token, _secret = token_for(db, create_user(db, roles={Role.moderator, Role.staff}))
        assert token.scopes == "read write moderate"

    def test_a_scope_beyond_the_roles_is_refused(self, db: Session) -> None:
        user = create_user(db, roles={Role.service_user})
        with pytest.raises(InvalidInput) as refused:
            accounts.create_api_token(db, user=user, name="x", scopes=[TokenScope.admin])
        assert "admin" in refused.value.errors[0]["msg"]

    def test_the_roles_a_token_acts_with_are_cut_to_its_scopes(
        self, client: TestClient, db: Session
    ) -> None:
        admin = create_user(db, roles={Role.admin, Role.moderator, Role.staff})
        _row, narrow = token_for(db, admin, scopes=[TokenScope.read])
        _row, wide = token_for(db, admin)

        me = client.get("/api/v1/me", headers=bearer(narrow)).json()
        assert me["roles"] == ["staff"]
        assert me["token_scopes"] == ["read"]
        assert client.get("/api/v1/me", headers=bearer(wide)).json()["roles"] == [
            "admin",
            "moderator",
            "staff",
        ]

    def test_a_moderate_scope_without_admin_still_moderates_for_an_admin(self) -> None:
        assert scopes.roles_for({Role.admin}, {TokenScope.read, TokenScope.moderate}) == {
            Role.moderator,
            Role.safeguarding_lead,
        }

    def test_unknown_words_in_stored_scopes_grant_nothing(self) -> None:
        assert scopes.parse("read superuser write") == {TokenScope.read, TokenScope.write}


class TestWrites:
    def test_a_read_only_token_cannot_change_anything(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        idea = create_idea(db)
        _row, secret = token_for(db, create_user(db), scopes=[TokenScope.read])
        response = client.put(f"/api/v1/ideas/{idea.id}/vote", headers=bearer(secret))
        assert_problem(response, 403)
        assert "only read" in response.json()["detail"]
        assert client.get(f"/api/v1/ideas/{idea.id}", headers=bearer(secret)).status_code == 200

    def test_a_write_token_may(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        _row, secret = token_for(db, create_user(db), scopes=[TokenScope.write])
        response = client.put(f"/api/v1/ideas/{idea.id}/vote", headers=bearer(secret))
        assert response.status_code == 200
        assert response.json()["vote_count"] == 1


class TestExpiry:
    def test_ninety_days_unless_told_otherwise(self, db: Session) -> None:
        token, _secret = token_for(db, create_user(db))
        assert abs(token.expires_at - (utcnow() + timedelta(days=90))) < timedelta(minutes=1)

    @pytest.mark.parametrize("days", [0, -1, 366, 10**6])
    def test_lifetimes_outside_a_year_are_refused(self, db: Session, days: int) -> None:
        with pytest.raises(InvalidInput):
            accounts.create_api_token(db, user=create_user(db), name="x", days=days)

    def test_an_expired_token_is_refused(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        token, secret = token_for(db, create_user(db), days=1)
        assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
        execute(
            engine,
            update(ApiToken)
            .where(ApiToken.id == token.id)  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(seconds=1)),
        )
        response = client.get("/api/v1/me", headers=bearer(secret))
        assert_problem(response, 401)
        assert "expired" in response.json()["detail"]


class TestBrowserOnly:
    """What only the person, in a browser, may do: a token is refused outright there."""

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("post", "/account/tokens"),
            ("post", "/account/sessions/end-all"),
            ("get", "/account/export"),
            ("post", "/account/delete"),
            ("get", "/account"),
            ("post", "/account/password"),
        ],
    )
    def test_a_token_is_not_a_browser(
        self, client: TestClient, db: Session, engine: Engine, method: str, path: str
    ) -> None:
        user = create_user(db, roles={Role.admin})
        _row, secret = token_for(db, user)
        response = client.request(
            method,
            path,
            headers=bearer(secret),
            data={"name": "another", "password": PASSWORD},
            follow_redirects=False,
        )
        assert response.status_code == 401
        assert "API tokens work only on the API" in assert_nhs_page(response).text
        # Nothing happened: no new token, no session ended, the account still there.
        assert len(fetch(engine, select(ApiToken))) == 1
        assert fetch(engine, select(User.deleted_at).where(User.id == user.id)) == [None]


class TestCreatingOnTheAccountPage:
    def test_scopes_and_lifetime_chosen_and_the_end_shown(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        sign_in(client, create_user(db, roles={Role.moderator, Role.staff}))
        form = page(client.get("/account"))
        offered = [i["value"] for i in form.select("input[name=scopes]")]
        assert offered == ["write", "moderate"]
        assert form.select_one("#days option[selected]")["value"] == "90"

        response = client.post(
            "/account/tokens", data={"name": "dashboard", "scopes": ["moderate"], "days": "30"}
        )
        assert response.status_code == 200
        (token,) = fetch(engine, select(ApiToken))
        assert token.scopes == "read moderate"
        assert abs(token.expires_at - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)
        shown = page(response).select_one("#new-token-expiry").text
        assert "read, moderate" in shown
        assert f"{token.expires_at.day} " in shown

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"name": "x", "scopes": ["admin"]}, "admin"),
            ({"name": "x", "scopes": ["everything"]}, "what the token may do"),
            ({"name": "x", "days": "²"}, "how long the token lasts"),
            ({"name": "x", "days": "9999"}, "how long the token lasts"),
        ],
    )
    def test_bad_choices_are_explained(
        self, client: TestClient, db: Session, engine: Engine, data: dict[str, object], field: str
    ) -> None:
        sign_in(client, create_user(db))
        response = client.post("/account/tokens", data=data)
        assert response.status_code == 422
        assert field in error_summary(page(response)).lower()
        assert fetch(engine, select(ApiToken)) == []


class TestExportAsksAgain:
    def backdate(self, engine: Engine, minutes: int) -> None:
        execute(
            engine,
            update(AuthSession).values(reauthenticated_at=utcnow() - timedelta(minutes=minutes)),
        )

    def test_straight_after_signing_in_the_export_downloads(
        self, client: TestClient, db: Session
    ) -> None:
        sign_in(client, create_user(db))
        response = client.get("/account/export")
        assert response.status_code == 200
        assert response.headers["content-disposition"].startswith("attachment")

    def test_later_it_asks_for_the_password_first(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db)
        sign_in(client, user)
        self.backdate(engine, 16)

        response = client.get("/account/export", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/account/confirm-it-is-you?next=/account/export"

        wrong = client.post(
            "/account/confirm-it-is-you", data={"password": "not it", "next": "/account/export"}
        )
        assert wrong.status_code == 422
        assert "Your password is not right" in error_summary(page(wrong))
        assert len(audit_events(engine, "reauth.failed")) == 1
        assert client.get("/account/export", follow_redirects=False).status_code == 303

        right = client.post(
            "/account/confirm-it-is-you",
            data={"password": PASSWORD, "next": "/account/export"},
            follow_redirects=False,
        )
        assert right.status_code == 303
        assert right.headers["location"] == "/account/export"
        assert client.get("/account/export").status_code == 200
        assert len(audit_events(engine, "reauth.succeeded")) == 1

    def test_the_next_address_cannot_leave_the_site(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db))
        response = client.post(
            "/account/confirm-it-is-you",
            data={"password": PASSWORD, "next": "https://evil.example/"},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/account"

    def test_guessing_is_slowed(self, client: TestClient, db: Session, engine: Engine) -> None:
        sign_in(client, create_user(db))
        for _ in range(10):
            client.post("/account/confirm-it-is-you", data={"password": "guess"})
        response = client.post("/account/confirm-it-is-you", data={"password": PASSWORD})
        assert response.status_code == 429
        assert "Too many wrong passwords" in error_summary(page(response))
        assert audit_events(engine, "reauth.succeeded") == []
