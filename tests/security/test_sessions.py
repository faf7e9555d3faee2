"""Server-side sessions: cookie attributes, a new id on every sign-in, revocation on sign-out,
role change and deletion, idle and absolute timeouts, and keeping typed text through a
forced re-sign-in."""

import json
from datetime import timedelta
from http.cookies import SimpleCookie

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from app.accounts import service as accounts
from app.models import AuthSession, Role, UserRole, utcnow
from tests.factories import PASSWORD, create_user, sign_in
from tests.security.helpers import (
    assert_problem,
    assert_sign_in_page,
    execute,
    fetch,
    new_client,
    page,
    session_cookie,
    set_session_cookie,
    user_row,
)


def set_cookie_morsel(response: httpx.Response, name: str) -> dict[str, str]:
    headers = response.headers.get_list("set-cookie")
    assert len(headers) == 1, headers
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(headers[0])
    assert list(cookie) == [name], headers
    morsel = cookie[name]
    return {key: str(morsel[key]) for key in morsel if morsel[key]} | {"value": morsel.value}


def post_login(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return client.post(
        "/login", data={"email": email, "password": password}, follow_redirects=False
    )


def age_sessions(engine: Engine, user_id: int, *, idle: timedelta, age: timedelta) -> None:
    now = utcnow()
    execute(
        engine,
        update(AuthSession)
        .where(AuthSession.user_id == user_id)  # type: ignore[arg-type]
        .values(last_seen_at=now - idle, created_at=now - age),
    )


def is_signed_in(client: TestClient) -> bool:
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert_sign_in_page(response)
    return False


class TestSessionCookie:
    def test_attributes_outside_production(self, client: TestClient, db: Session) -> None:
        response = post_login(client, create_user(db).email)
        morsel = set_cookie_morsel(response, "fullcircle_session")
        assert morsel["httponly"] is not None
        assert morsel["samesite"].lower() == "lax"
        assert morsel["path"] == "/"
        assert "secure" not in morsel
        assert "domain" not in morsel
        # A service user's cookie lasts as long as the session's absolute lifetime.
        assert int(morsel["max-age"]) == int(timedelta(days=30).total_seconds())
        assert len(morsel["value"]) >= 43  # 32 random bytes

    def test_staff_cookie_is_short_lived(self, client: TestClient, db: Session) -> None:
        response = post_login(client, create_user(db, roles={Role.staff}).email)
        morsel = set_cookie_morsel(response, "fullcircle_session")
        assert int(morsel["max-age"]) == int(timedelta(hours=12).total_seconds())

    def test_attributes_in_production(self, production_client: TestClient, db: Session) -> None:
        response = post_login(production_client, create_user(db).email)
        assert response.status_code == 303
        morsel = set_cookie_morsel(response, "__Host-fullcircle_session")
        assert "secure" in morsel
        assert morsel["httponly"] is not None
        assert morsel["samesite"].lower() == "lax"
        assert morsel["path"] == "/"
        assert "domain" not in morsel
        assert production_client.get("/account").status_code == 200

    def test_sign_out_clears_the_production_cookie(
        self, production_client: TestClient, db: Session
    ) -> None:
        post_login(production_client, create_user(db).email)
        response = production_client.post("/logout", follow_redirects=False)
        morsel = set_cookie_morsel(response, "__Host-fullcircle_session")
        # Browsers ignore a __Host- cookie (even one that deletes) without Secure and Path=/.
        assert "secure" in morsel
        assert morsel["path"] == "/"
        assert int(morsel["max-age"]) <= 0
        assert production_client.cookies.get("__Host-fullcircle_session") is None


class TestSignInRotation:
    def test_a_planted_session_id_is_replaced(self, client: TestClient, db: Session) -> None:
        set_session_cookie(client, "chosen-by-an-attacker")
        assert post_login(client, create_user(db).email).status_code == 303
        assert session_cookie(client) not in (None, "chosen-by-an-attacker")

    def test_signing_in_again_ends_the_earlier_session(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db)
        sign_in(client, user)
        first = session_cookie(client)
        sign_in(client, user)
        second = session_cookie(client)
        assert first
        assert second
        assert first != second
        assert is_signed_in(client)
        set_session_cookie(client, first)
        assert not is_signed_in(client)
        live = fetch(engine, select(AuthSession).where(AuthSession.revoked_at.is_(None)))
        assert [s.token_hash for s in live] == [accounts.digest(second)]

    @pytest.mark.parametrize(
        "next_path", ["https://evil.example/", "//evil.example/", "/\\evil.example", "account"]
    )
    def test_never_redirects_off_site(
        self, client: TestClient, db: Session, next_path: str
    ) -> None:
        response = client.post(
            "/login",
            data={"email": create_user(db).email, "password": PASSWORD, "next": next_path},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/account"


class TestSignOut:
    def test_sign_out_revokes_the_session_on_the_server(
        self, client: TestClient, db: Session
    ) -> None:
        sign_in(client, create_user(db))
        old = session_cookie(client)
        assert old
        response = client.post("/logout", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
        # A copy of the cookie kept by someone else is now worthless.
        set_session_cookie(client, old)
        assert not is_signed_in(client)
        assert_problem(client.get("/api/v1/me"), 401)

    def test_sign_out_everywhere(self, client: TestClient, db: Session) -> None:
        user = create_user(db)
        with new_client() as phone:
            sign_in(client, user)
            sign_in(phone, user)
            assert is_signed_in(phone)
            response = client.post("/account/sessions/end-all", follow_redirects=False)
            assert response.status_code == 303
            assert not is_signed_in(phone)
        assert not is_signed_in(client)

    def test_role_change_ends_the_persons_sessions(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        admin = create_user(db, roles={Role.admin})
        person = create_user(db, roles={Role.service_user})
        with new_client() as theirs:
            sign_in(theirs, person)
            sign_in(client, admin)
            response = client.post(
                f"/admin/users/{person.id}/roles",
                data={"roles": ["service_user", "staff"]},
                follow_redirects=False,
            )
            assert response.status_code == 303
            assert not is_signed_in(theirs)
            # Signing in again picks up the new role.
            sign_in(theirs, person)
            assert is_signed_in(theirs)
        roles = fetch(engine, select(UserRole.role).where(UserRole.user_id == person.id))
        assert sorted(roles) == ["service_user", "staff"]
        assert is_signed_in(client), "the admin's own session is untouched"

    def test_deleting_an_account_ends_sessions_and_anonymises(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db, email="leaving@example.org", display_name="Leaving Person")
        assert user.id is not None
        _token, secret = accounts.create_api_token(db, user=user, name="script")
        db.commit()
        with new_client() as tablet:
            sign_in(client, user)
            sign_in(tablet, user)
            response = client.post(
                "/account/delete", data={"password": PASSWORD}, follow_redirects=False
            )
            assert response.status_code == 303
            assert not is_signed_in(tablet)
        assert not is_signed_in(client)
        bearer = {"authorization": f"Bearer {secret}"}
        assert_problem(client.get("/api/v1/me", headers=bearer), 401)

        row = user_row(engine, user.id)
        assert row.deleted_at is not None
        assert row.email.endswith("@deleted.invalid")
        assert "leaving" not in row.email
        assert row.display_name == "Deleted account"
        assert row.password_hash is None
        assert fetch(engine, select(UserRole).where(UserRole.user_id == user.id)) == []
        assert post_login(client, "leaving@example.org").status_code == 422

    def test_deletion_needs_the_password(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db))
        response = client.post("/account/delete", data={"password": "not my password at all"})
        assert response.status_code == 422
        assert is_signed_in(client)


class TestTimeouts:
    @pytest.mark.parametrize(
        ("roles", "idle", "age", "signed_in"),
        [
            ({Role.staff}, timedelta(minutes=29), timedelta(hours=1), True),
            ({Role.staff}, timedelta(minutes=31), timedelta(hours=1), False),
            ({Role.admin}, timedelta(minutes=31), timedelta(hours=1), False),
            ({Role.staff}, timedelta(minutes=1), timedelta(hours=12, minutes=1), False),
            ({Role.service_user}, timedelta(minutes=31), timedelta(hours=1), True),
            ({Role.carer}, timedelta(hours=71), timedelta(days=3), True),
            ({Role.service_user}, timedelta(hours=73), timedelta(days=4), False),
            ({Role.service_user}, timedelta(minutes=1), timedelta(days=29), True),
            ({Role.service_user}, timedelta(minutes=1), timedelta(days=30, minutes=1), False),
        ],
        ids=[
            "staff-idle-29m",
            "staff-idle-31m",
            "admin-idle-31m",
            "staff-older-than-12h",
            "service-user-idle-31m",
            "carer-idle-71h",
            "service-user-idle-73h",
            "service-user-29-days-old",
            "service-user-older-than-30-days",
        ],
    )
    def test_session_lifetime(
        self,
        client: TestClient,
        db: Session,
        engine: Engine,
        roles: set[Role],
        idle: timedelta,
        age: timedelta,
        signed_in: bool,
    ) -> None:
        user = create_user(db, roles=roles)
        assert user.id is not None
        sign_in(client, user)
        age_sessions(engine, user.id, idle=idle, age=age)
        assert is_signed_in(client) is signed_in

    def test_activity_keeps_a_staff_session_alive(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db, roles={Role.staff})
        assert user.id is not None
        sign_in(client, user)
        age_sessions(engine, user.id, idle=timedelta(minutes=20), age=timedelta(hours=1))
        assert is_signed_in(client)
        (session,) = fetch(engine, select(AuthSession).where(AuthSession.user_id == user.id))
        assert utcnow() - session.last_seen_at < timedelta(minutes=1)


class TestResumeAfterForcedSignIn:
    TEXT = "Sam, who uses the Willow ward"

    def test_typed_text_survives_but_passwords_do_not(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db, roles={Role.service_user})
        assert user.id is not None
        sign_in(client, user)
        age_sessions(engine, user.id, idle=timedelta(days=4), age=timedelta(days=5))

        response = client.post(
            "/account/profile",
            data={
                "display_name": self.TEXT,
                "identity": "carer",
                "password": "typed-in-the-wrong-box-1",
                "current_password": "typed-in-the-wrong-box-2",
            },
        )
        soup = assert_sign_in_page(response)
        form = soup.find("form", action="/login")
        assert form.find("input", attrs={"name": "next"})["value"] == "/account/profile"
        resume_input = form.find("input", attrs={"name": "resume", "type": "hidden"})
        resume = str(resume_input["value"])
        assert json.loads(resume) == {"display_name": self.TEXT, "identity": "carer"}
        assert "typed-in-the-wrong-box" not in response.text
        for field in soup.find_all("input", attrs={"type": "password"}):
            assert not field.get("value")

        response = client.post(
            "/login",
            data={
                "email": user.email,
                "password": PASSWORD,
                "next": "/account/profile",
                "resume": resume,
            },
        )
        assert response.status_code == 200
        resumed = page(response).find("form", action="/account/profile")
        assert resumed is not None
        fields = {i["name"]: i["value"] for i in resumed.find_all("input", type="hidden")}
        assert fields == {"display_name": self.TEXT, "identity": "carer"}
        assert "typed-in-the-wrong-box" not in response.text

        response = client.post("/account/profile", data=fields, follow_redirects=False)
        assert response.status_code == 303
        saved = user_row(engine, user.id)
        assert saved.display_name == self.TEXT
        assert saved.identity == "carer"

    def test_a_wrong_password_keeps_the_text(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db)
        resume = json.dumps({"display_name": self.TEXT})
        response = client.post(
            "/login",
            data={
                "email": user.email,
                "password": "not the right password",
                "next": "/account/profile",
                "resume": resume,
            },
        )
        assert response.status_code == 422
        kept = page(response).find("input", attrs={"name": "resume"})
        assert json.loads(str(kept["value"])) == {"display_name": self.TEXT}
