"""Two-step sign-in: setting it up with an authenticator app, signing in with a code or a
recovery code, throttling and replay, roles that require it, turning it off, the admin's
reset, and that no secret or code ever reaches a log or the audit table."""

import json
import logging
import re
import secrets
import time
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.accounts import mfa
from app.accounts import repository as repo
from app.accounts import service as accounts
from app.cli import app as cli
from app.config import Environment, Settings, get_settings
from app.models import (
    AuthSession,
    OutboxEmail,
    RecoveryCode,
    Role,
    TotpCredential,
    User,
    utcnow,
)
from app.web.urls import url_for
from tests.factories import PASSWORD, create_user, sign_in
from tests.helpers import error_summary, soup_of
from tests.security.helpers import audit_events, fetch, new_client

SETUP = "/account/two-step-sign-in"
#: Time frozen in the middle of a 30-second step, so a test never straddles two steps.
FROZEN = int(time.time()) // 30 * 30 + 15


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> float:
    """The time two-step sign-in reads, frozen (codes are made for it with ``code_at``)."""
    monkeypatch.setattr(mfa, "time", SimpleNamespace(time=lambda: FROZEN))
    return FROZEN


def code_at(secret: str, steps: int = 0) -> str:
    """The app's code ``steps`` time steps from the frozen now."""
    return pyotp.TOTP(secret).at(FROZEN + 30 * steps)


def wrong_code(secret: str) -> str:
    """A well-formed code that no step in the accepted window has."""
    near = {code_at(secret, s) for s in range(-3, 4)}
    while (code := f"{secrets.randbelow(10**6):06d}") in near:
        pass
    return code


@pytest.fixture
def require_roles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Moderators, safeguarding leads and admins must use two-step sign-in (as in production)."""
    monkeypatch.setattr(
        get_settings(),
        "mfa_required_roles",
        [Role.moderator, Role.safeguarding_lead, Role.admin],
    )


def setup_key(response: httpx.Response) -> str:
    """The secret as the set-up page shows it for typing in by hand."""
    key = soup_of(response).select_one("#setup-key")
    assert key is not None, response.text[:500]
    return "".join(key.get_text().replace("Setup key:", "").split())


def recovery_codes(response: httpx.Response) -> list[str]:
    return [c.get_text(strip=True) for c in soup_of(response).select("#recovery-codes code")]


def turn_on(client: TestClient) -> tuple[str, list[str]]:
    """Set up two-step sign-in through the pages, as a person would; (secret, recovery codes)."""
    started = client.post(f"{SETUP}/start", follow_redirects=False)
    assert started.status_code == 303, started.text[:300]
    page = client.get(SETUP)
    assert page.status_code == 200
    secret = setup_key(page)
    done = client.post(SETUP, data={"code": code_at(secret)})
    assert done.status_code == 200, done.text[:500]
    codes = recovery_codes(done)
    assert len(codes) == 10
    return secret, codes


def password_step(client: TestClient, user: User, next_path: str = "/account") -> httpx.Response:
    return client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "next": next_path},
        follow_redirects=False,
    )


def code_step(
    client: TestClient, code: str, *, method: str = "app", next_path: str = "/account"
) -> httpx.Response:
    return client.post(
        "/login/code",
        data={"code": code, "method": method, "next": next_path},
        follow_redirects=False,
    )


def session_cookie(client: TestClient) -> str | None:
    return client.cookies.get(get_settings().session_cookie_name)


def with_two_step(
    client: TestClient, db: Session, *, roles: set[Role] | None = None
) -> tuple[User, str, list[str]]:
    """A person who has set up two-step sign-in, then signed out."""
    user = create_user(db, roles=roles)
    sign_in(client, user)
    secret, codes = turn_on(client)
    client.post("/logout")
    client.cookies.clear()
    return user, secret, codes


def credential(engine: Engine, user_id: int) -> TotpCredential | None:
    rows = fetch(engine, select(TotpCredential).where(col(TotpCredential.user_id) == user_id))
    return rows[0] if rows else None


def unused_codes(engine: Engine, user_id: int) -> int:
    rows = fetch(
        engine,
        select(RecoveryCode).where(
            col(RecoveryCode.user_id) == user_id, col(RecoveryCode.used_at).is_(None)
        ),
    )
    return len(rows)


class TestSettingUp:
    def test_the_account_page_offers_it(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db))
        section = soup_of(client.get("/account")).find(id="two-step")
        assert section is not None
        link = soup_of(client.get("/account")).find("a", href=SETUP)
        assert link is not None
        assert "Set up two-step sign-in" in link.get_text()

    def test_first_it_says_what_is_needed_then_shows_the_qr_code(
        self, client: TestClient, db: Session
    ) -> None:
        user = create_user(db)
        sign_in(client, user)
        intro = soup_of(client.get(SETUP))
        assert "authenticator app" in intro.get_text()
        assert intro.select_one("figure.fc-mfa-qr") is None
        client.post(f"{SETUP}/start")
        page = client.get(SETUP)
        soup = soup_of(page)
        qr = soup.select_one("figure.fc-mfa-qr svg[role=img]")
        assert qr is not None
        assert qr["aria-label"] == "QR code to scan with your authenticator app"
        secret = setup_key(page)
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        # The key is shown in groups of four for typing by hand.
        shown = soup.select_one("#setup-key").get_text()
        assert re.search(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", shown)
        link = soup.find("a", href=re.compile("^otpauth://"))
        assert link is not None
        uri = urlsplit(str(link["href"]))
        query = parse_qs(uri.query)
        assert query["secret"] == [secret]
        assert query["issuer"] == [get_settings().organisation_name]
        assert user.email in uri.path.replace("%40", "@")

    def test_a_code_from_the_app_turns_it_on(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db)
        sign_in(client, user)
        secret, codes = turn_on(client)

        stored = credential(engine, user.id or 0)
        assert stored is not None
        assert stored.confirmed_at is not None
        assert stored.secret == secret
        assert len(set(codes)) == 10
        assert all(re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", c) for c in codes)
        hashes = fetch(
            engine,
            select(RecoveryCode.code_hash).where(col(RecoveryCode.user_id) == user.id),
        )
        assert len(hashes) == 10
        assert not set(codes) & set(hashes)
        (enrolled,) = audit_events(engine, "mfa.enrolled")
        assert enrolled.subject_user_id == user.id
        assert enrolled.actor_id == user.id

        account = soup_of(client.get("/account"))
        assert "Since" in account.find(id="two-step").find_next("p").get_text()
        assert (
            account.find(id="recovery-codes-left")
            .get_text(strip=True)
            .startswith("You have 10 recovery codes left.")
        )

    def test_the_secret_is_never_shown_again(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db))
        secret, codes = turn_on(client)
        again = client.get(SETUP, follow_redirects=False)
        assert again.status_code == 303
        assert again.headers["location"] == "/account#two-step"
        account = client.get("/account").text
        assert secret not in account
        assert not any(code in account for code in codes)
        assert client.post(f"{SETUP}/start").status_code == 409

    def test_a_wrong_code_leaves_it_off(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db)
        sign_in(client, user)
        client.post(f"{SETUP}/start")
        secret = setup_key(client.get(SETUP))

        response = client.post(SETUP, data={"code": wrong_code(secret)})

        assert response.status_code == 422
        assert error_summary(response) == [
            "The code is not right. Check the time on your phone is right, and type the code "
            "your app shows now."
        ]
        assert setup_key(response) == secret  # the same QR code, to try again
        stored = credential(engine, user.id or 0)
        assert stored is not None
        assert stored.confirmed_at is None
        assert unused_codes(engine, user.id or 0) == 0

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("", "Enter the 6-digit code from your authenticator app"),
            ("12345", "The code is 6 numbers, like 123456"),
            ("12345a", "The code is 6 numbers, like 123456"),
            ("١٢٣٤٥٦", "The code is 6 numbers, like 123456"),
        ],
    )
    def test_a_mistyped_code_says_what_is_wrong(
        self, client: TestClient, db: Session, typed: str, message: str
    ) -> None:
        sign_in(client, create_user(db))
        client.post(f"{SETUP}/start")
        response = client.post(SETUP, data={"code": typed})
        assert response.status_code == 422
        assert error_summary(response) == [message]

    def test_a_code_with_a_space_is_fine(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db))
        client.post(f"{SETUP}/start")
        code = code_at(setup_key(client.get(SETUP)))
        assert client.post(SETUP, data={"code": f"{code[:3]} {code[3:]}"}).status_code == 200

    def test_starting_again_makes_a_new_secret(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db))
        client.post(f"{SETUP}/start")
        first = setup_key(client.get(SETUP))
        client.post(f"{SETUP}/start")
        second = setup_key(client.get(SETUP))
        assert first != second
        assert client.post(SETUP, data={"code": code_at(first)}).status_code == 422

    def test_confirming_without_starting_is_refused(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db))
        assert client.post(SETUP, data={"code": "123456"}).status_code == 409


class TestSigningIn:
    def test_the_password_alone_starts_no_session(self, client: TestClient, db: Session) -> None:
        user, _secret, _codes = with_two_step(client, db)

        response = password_step(client, user, next_path="/ideas")

        assert response.status_code == 303
        assert response.headers["location"] == "/login/code?next=/ideas"
        assert session_cookie(client) is None
        assert client.get("/account").status_code == 401
        page = soup_of(client.get("/login/code?next=/ideas"))
        assert page.h1 is not None
        assert page.h1.get_text(strip=True) == "Enter the code from your authenticator app"
        code_field = page.select_one("input#code")
        assert code_field is not None
        assert code_field["autocomplete"] == "one-time-code"
        assert code_field["inputmode"] == "numeric"

    def test_then_the_code_signs_in(self, client: TestClient, db: Session, engine: Engine) -> None:
        user, secret, _codes = with_two_step(client, db)
        password_step(client, user, next_path="/ideas")

        response = code_step(client, code_at(secret, 1), next_path="/ideas")

        assert response.status_code == 303
        assert response.headers["location"] == "/ideas"
        assert session_cookie(client)
        assert client.cookies.get("fullcircle_two_step") is None
        assert client.get("/account").status_code == 200
        (session,) = fetch(
            engine,
            select(AuthSession).where(
                col(AuthSession.user_id) == user.id, col(AuthSession.revoked_at).is_(None)
            ),
        )
        assert session.reauthenticated_at is not None

    def test_a_code_from_the_step_before_or_after_is_accepted(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db)
        secret = pyotp.random_base32()
        with Session(engine) as write:
            write.add(TotpCredential(user_id=user.id or 0, secret=secret, confirmed_at=utcnow()))
            write.commit()
        password_step(client, user)
        assert code_step(client, code_at(secret, -2)).status_code == 422
        assert code_step(client, code_at(secret, -1)).status_code == 303

        client.post("/logout")
        password_step(client, user)
        assert code_step(client, code_at(secret, 2)).status_code == 422
        assert code_step(client, code_at(secret, 1)).status_code == 303

    def test_a_code_is_accepted_once(self, client: TestClient, db: Session) -> None:
        user, secret, _codes = with_two_step(client, db)
        code = code_at(secret, 1)
        password_step(client, user)
        assert code_step(client, code).status_code == 303
        client.post("/logout")

        password_step(client, user)
        replayed = code_step(client, code)

        assert replayed.status_code == 422
        assert session_cookie(client) is None
        # The code used to set it up (this step) is spent too.
        assert code_step(client, code_at(secret)).status_code == 422

    def test_a_wrong_code_is_refused_and_audited(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user, secret, _codes = with_two_step(client, db)
        password_step(client, user)
        typed = wrong_code(secret)

        response = code_step(client, typed)

        assert response.status_code == 422
        assert error_summary(response) == [
            "The code is not right. Type the code your authenticator app shows now, or use "
            "a recovery code."
        ]
        assert session_cookie(client) is None
        (failed,) = audit_events(engine, "mfa.failed")
        assert failed.subject_user_id == user.id
        assert failed.details == {"method": "app", "reason": "wrong_code"}

    def test_a_recovery_code_works_once(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user, _secret, codes = with_two_step(client, db)
        password_step(client, user)

        used = code_step(client, codes[0].upper().replace("-", " "), method="recovery")

        assert used.status_code == 303
        assert used.headers["location"] == "/account?notice=recovery-code-used#two-step"
        account = client.get(used.headers["location"])
        assert "You signed in with a recovery code. It will not work again." in account.text
        assert "You have 9 recovery codes left." in account.text
        (event,) = audit_events(engine, "mfa.recovery_code_used")
        assert event.details == {"codes_left": 9}

        client.post("/logout")
        password_step(client, user)
        again = code_step(client, codes[0], method="recovery")
        assert again.status_code == 422
        assert error_summary(again) == [
            "This recovery code is not right, or it has been used already"
        ]
        assert code_step(client, codes[1], method="recovery").status_code == 303

    def test_someone_elses_recovery_code_does_not_work(
        self, client: TestClient, db: Session
    ) -> None:
        user, _secret, _codes = with_two_step(client, db)
        _other, _other_secret, other_codes = with_two_step(client, db)
        password_step(client, user)
        assert code_step(client, other_codes[0], method="recovery").status_code == 422

    def test_use_a_recovery_code_instead_keeps_the_page_working_without_javascript(
        self, client: TestClient, db: Session
    ) -> None:
        user, _secret, _codes = with_two_step(client, db)
        password_step(client, user, next_path="/ideas")
        page = soup_of(client.get("/login/code?next=/ideas"))
        switch = page.select_one('form[action="/login/code"] button[name=switch]')
        assert switch is not None
        assert switch.get_text(strip=True) == "Use a recovery code instead"

        response = client.post(
            "/login/code", data={"switch": "recovery", "next": "/ideas", "code": ""}
        )

        assert response.status_code == 200
        soup = soup_of(response)
        assert soup.h1 is not None
        assert soup.h1.get_text(strip=True) == "Enter a recovery code"
        assert soup.select_one("input[name=method]")["value"] == "recovery"
        assert soup.select_one("input[name=next]")["value"] == "/ideas"

    def test_without_a_pending_sign_in_it_is_the_sign_in_page(self, client: TestClient) -> None:
        response = code_step(client, "123456")
        assert response.status_code == 401
        assert "Sign in again" in " ".join(error_summary(response))
        assert client.get("/login/code").status_code == 401

    def test_a_forged_pending_sign_in_is_refused(self, client: TestClient, db: Session) -> None:
        user, secret, _codes = with_two_step(client, db)
        forged = f"made-up.{user.id}-{int(time.time()) + 300}-{'0' * 40}"
        client.cookies.set("fullcircle_two_step", forged, domain="testserver.local")
        assert code_step(client, code_at(secret, 1)).status_code == 401
        assert session_cookie(client) is None

    def test_a_pending_sign_in_expires(
        self, client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        user, secret, _codes = with_two_step(client, db)
        monkeypatch.setattr(mfa, "PENDING_LIFETIME", timedelta(seconds=-1))
        password_step(client, user)
        response = code_step(client, code_at(secret, 1))
        assert response.status_code == 401
        assert session_cookie(client) is None

    def test_changing_the_password_ends_a_pending_sign_in(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user, secret, _codes = with_two_step(client, db)
        password_step(client, user)
        with Session(engine) as write:
            person = write.get(User, user.id)
            assert person is not None
            accounts.change_password(
                write,
                user=person,
                current=PASSWORD,
                new="a completely different passphrase",
                keep_session_id=None,
            )
            write.commit()
        assert code_step(client, code_at(secret, 1)).status_code == 401

    def test_a_form_waiting_to_be_sent_is_carried_through(
        self, client: TestClient, db: Session
    ) -> None:
        user, secret, _codes = with_two_step(client, db)
        resume = json.dumps({"display_name": "Kept through both steps"})
        asked = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "next": "/account/profile",
                  "resume": resume},
        )  # fmt: skip
        assert asked.status_code == 200
        soup = soup_of(asked)
        assert soup.select_one("input[name=resume]")["value"] == resume
        done = client.post(
            "/login/code",
            data={"code": code_at(secret, 1), "method": "app", "next": "/account/profile",
                  "resume": resume},
        )  # fmt: skip
        assert done.status_code == 200
        assert "Kept through both steps" in done.text
        assert session_cookie(client)

    def test_accounts_without_it_sign_in_with_the_password(
        self, client: TestClient, db: Session
    ) -> None:
        user = create_user(db, roles={Role.moderator})
        response = password_step(client, user)
        assert response.status_code == 303
        assert response.headers["location"] == "/account"
        assert session_cookie(client)


class TestThrottling:
    def test_five_wrong_codes_end_a_pending_sign_in(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user, secret, _codes = with_two_step(client, db)
        password_step(client, user)
        for _ in range(5):
            assert code_step(client, wrong_code(secret)).status_code == 422

        refused = code_step(client, code_at(secret, 1))

        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert "Sign in again" in error_summary(refused)[0]
        assert session_cookie(client) is None
        assert any(e.details.get("reason") == "throttled" for e in audit_events(engine))
        # A new sign-in with the password gets new tries.
        password_step(client, user)
        assert code_step(client, code_at(secret, 1)).status_code == 303

    def test_ten_wrong_codes_for_an_account_from_anywhere(
        self, client: TestClient, db: Session
    ) -> None:
        user, secret, _codes = with_two_step(client, db)
        for _ in range(2):
            browser = new_client(client.app)
            password_step(browser, user)
            for _ in range(5):
                assert code_step(browser, wrong_code(secret)).status_code == 422

        password_step(client, user)
        refused = code_step(client, code_at(secret, 1))

        assert refused.status_code == 429
        assert "too many wrong codes for this account" in error_summary(refused)[0]
        assert session_cookie(client) is None

    def test_recovery_codes_count_too(self, client: TestClient, db: Session) -> None:
        user, _secret, codes = with_two_step(client, db)
        password_step(client, user)
        for _ in range(5):
            attempt = code_step(client, "aaaa-bbbb-cccc-dddd", method="recovery")
            assert attempt.status_code == 422
        assert code_step(client, codes[0], method="recovery").status_code == 429

    def test_mistyped_codes_are_not_counted(self, client: TestClient, db: Session) -> None:
        user, secret, _codes = with_two_step(client, db)
        password_step(client, user)
        for _ in range(8):
            assert code_step(client, "12").status_code == 422
        assert code_step(client, code_at(secret, 1)).status_code == 303


class TestTheSetting:
    def test_production_requires_it_of_moderators_safeguarding_leads_and_admins(self) -> None:
        settings = Settings(env=Environment.production, secret_key="s")
        assert settings.mfa_required_roles is None
        assert settings.mfa_roles == {Role.moderator, Role.safeguarding_lead, Role.admin}

    @pytest.mark.parametrize("env", [Environment.development, Environment.test])
    def test_nobody_needs_it_outside_production(self, env: Environment) -> None:
        assert Settings(env=env, secret_key="s").mfa_roles == frozenset()

    def test_it_can_name_other_staff_roles_or_nobody(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("FULLCIRCLE_MFA_REQUIRED_ROLES", "staff, improvement_lead,admin")
        chosen = Settings(env=Environment.production, secret_key="s")
        assert chosen.mfa_roles == {Role.staff, Role.improvement_lead, Role.admin}
        monkeypatch.setenv("FULLCIRCLE_MFA_REQUIRED_ROLES", "")
        assert Settings(env=Environment.production, secret_key="s").mfa_roles == frozenset()

    @pytest.mark.parametrize("value", ["service_user", "moderators", "admin,carer"])
    def test_anything_else_stops_the_app_starting(
        self, monkeypatch: pytest.MonkeyPatch, value: str
    ) -> None:
        monkeypatch.setenv("FULLCIRCLE_MFA_REQUIRED_ROLES", value)
        with pytest.raises(ValidationError):
            Settings(env=Environment.production, secret_key="s")


@pytest.mark.usefixtures("require_roles")
class TestRequiredRoles:
    def test_a_moderator_without_it_can_only_set_it_up(
        self, client: TestClient, db: Session
    ) -> None:
        sign_in(client, create_user(db, roles={Role.moderator}))

        for path in ("/account", "/ideas", "/", "/account/two-step-sign-in/turn-off"):
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 303, path
            assert response.headers["location"] == f"{SETUP}?next={path}"
        htmx = client.get("/ideas", headers={"HX-Request": "true"}, follow_redirects=False)
        assert htmx.headers["HX-Redirect"] == f"{SETUP}?next=/ideas"
        posted = client.post("/account/profile", data={"display_name": "X"}, follow_redirects=False)
        assert posted.status_code == 303
        assert posted.headers["location"] == SETUP
        api = client.get("/api/v1/me")
        assert api.status_code == 403
        assert api.headers["content-type"] == "application/problem+json"
        # The crisis help and the policy pages stay open; so does signing out.
        assert client.get("/help").status_code == 200
        assert client.get("/privacy").status_code == 200
        page = client.get(SETUP)
        assert page.status_code == 200
        assert "Your role needs two-step sign-in" in page.text
        assert client.post("/logout", follow_redirects=False).status_code == 303

    def test_after_setting_it_up_they_carry_on_where_they_were_going(
        self, client: TestClient, db: Session
    ) -> None:
        sign_in(client, create_user(db, roles={Role.safeguarding_lead}))
        client.get("/ideas", follow_redirects=False)
        started = client.post(f"{SETUP}/start", data={"next": "/ideas"}, follow_redirects=False)
        assert started.headers["location"] == f"{SETUP}?next=/ideas#scan"
        page = client.get(f"{SETUP}?next=/ideas")
        secret = setup_key(page)
        done = client.post(SETUP, data={"code": code_at(secret), "next": "/ideas"})
        assert done.status_code == 200
        saved = soup_of(done).find("a", string=re.compile("I have saved these codes"))
        assert saved is not None
        assert saved["href"] == "/ideas"
        assert client.get("/ideas", follow_redirects=False).status_code == 200
        assert client.get("/account", follow_redirects=False).status_code == 200

    @pytest.mark.parametrize("name", sorted(mfa.SETUP_PAGES))
    def test_the_pages_left_open_exist(self, client: TestClient, name: str) -> None:
        assert url_for(name).startswith("/")

    def test_api_tokens_are_not_affected(self, client: TestClient, db: Session) -> None:
        moderator = create_user(db, roles={Role.moderator})
        _token, secret = accounts.create_api_token(db, user=moderator, name="dashboard")
        db.commit()
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert me.status_code == 200

    @pytest.mark.parametrize("roles", [{Role.service_user}, {Role.staff}, {Role.improvement_lead}])
    def test_other_roles_are_not_affected(
        self, client: TestClient, db: Session, roles: set[Role]
    ) -> None:
        sign_in(client, create_user(db, roles=roles))
        assert client.get("/account", follow_redirects=False).status_code == 200

    def test_turning_it_off_means_setting_it_up_again(
        self, client: TestClient, db: Session
    ) -> None:
        sign_in(client, create_user(db, roles={Role.admin}))
        turn_on(client)
        form = client.get("/account/two-step-sign-in/turn-off")
        assert "Your role needs two-step sign-in" in form.text
        client.post("/account/two-step-sign-in/turn-off", data={"password": PASSWORD})
        response = client.get("/account", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith(SETUP)

    def test_signing_in_asks_for_the_code(self, client: TestClient, db: Session) -> None:
        user, secret, _codes = with_two_step(client, db, roles={Role.moderator})
        assert password_step(client, user).headers["location"].startswith("/login/code")
        assert code_step(client, code_at(secret, 1)).status_code == 303
        assert client.get("/account", follow_redirects=False).status_code == 200


class TestTurningOff:
    def test_it_needs_the_password(self, client: TestClient, db: Session, engine: Engine) -> None:
        user = create_user(db)
        sign_in(client, user)
        turn_on(client)

        wrong = client.post("/account/two-step-sign-in/turn-off", data={"password": "nope"})
        assert wrong.status_code == 422
        assert error_summary(wrong) == ["Your password is not right"]
        empty = client.post("/account/two-step-sign-in/turn-off", data={})
        assert error_summary(empty) == ["Enter your password to confirm"]
        assert credential(engine, user.id or 0) is not None

        done = client.post(
            "/account/two-step-sign-in/turn-off",
            data={"password": PASSWORD},
            follow_redirects=False,
        )

        assert done.status_code == 303
        assert done.headers["location"] == "/account?notice=two-step-off#two-step"
        assert credential(engine, user.id or 0) is None
        assert unused_codes(engine, user.id or 0) == 0
        (event,) = audit_events(engine, "mfa.disabled")
        assert event.subject_user_id == user.id
        (mail,) = fetch(
            engine, select(OutboxEmail).where(col(OutboxEmail.subject).contains("Two-step"))
        )
        assert mail.to_address == user.email
        client.post("/logout")
        assert password_step(client, user).headers["location"] == "/account"

    def test_new_recovery_codes_replace_the_old_ones(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db)
        sign_in(client, user)
        _secret, old = turn_on(client)
        assert client.post(
            "/account/two-step-sign-in/recovery-codes", data={"password": "nope"}
        ).status_code == 422  # fmt: skip

        response = client.post(
            "/account/two-step-sign-in/recovery-codes", data={"password": PASSWORD}
        )

        new = recovery_codes(response)
        assert len(new) == 10
        assert not set(new) & set(old)
        assert len(audit_events(engine, "mfa.recovery_codes_replaced")) == 1
        client.post("/logout")
        password_step(client, user)
        assert code_step(client, old[0], method="recovery").status_code == 422
        assert code_step(client, new[0], method="recovery").status_code == 303

    def test_the_pages_send_someone_without_it_to_the_account(
        self, client: TestClient, db: Session
    ) -> None:
        sign_in(client, create_user(db))
        for path in ("turn-off", "recovery-codes"):
            response = client.get(f"{SETUP}/{path}", follow_redirects=False)
            assert response.headers["location"] == "/account#two-step"
        assert client.post(f"{SETUP}/turn-off", data={"password": PASSWORD}).status_code == 409


class TestAdminReset:
    def test_an_admin_resets_it_audited_and_the_person_is_signed_out(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        person, secret, _codes = with_two_step(client, db, roles={Role.staff})
        theirs = new_client(client.app)
        password_step(theirs, person)
        code_step(theirs, code_at(secret, 1))
        assert theirs.get("/account").status_code == 200
        admin = create_user(db, roles={Role.admin})
        sign_in(client, admin)
        page = soup_of(client.get(f"/admin/users/{person.id}"))
        assert "Since" in page.find(id="two-step").find_next("p").get_text()

        response = client.post(f"/admin/users/{person.id}/two-step-reset", follow_redirects=False)

        assert response.status_code == 303
        assert response.headers["location"] == f"/admin/users/{person.id}?notice=two-step-reset"
        assert credential(engine, person.id or 0) is None
        assert unused_codes(engine, person.id or 0) == 0
        assert theirs.get("/account").status_code == 401
        (event,) = audit_events(engine, "mfa.reset")
        assert event.actor_id == admin.id
        assert event.subject_user_id == person.id
        assert event.details == {"sessions_ended": 1, "via": "admin pages"}
        (mail,) = fetch(
            engine, select(OutboxEmail).where(col(OutboxEmail.subject).contains("Two-step"))
        )
        assert mail.to_address == person.email
        assert "An admin has reset two-step sign-in" in mail.body_text
        after = soup_of(client.get(f"/admin/users/{person.id}"))
        assert "They sign in with their password alone." in after.get_text()
        # They sign in with the password alone now (their roles do not need it here).
        assert password_step(theirs, person).headers["location"] == "/account"

    @pytest.mark.parametrize("role", [Role.moderator, Role.safeguarding_lead, Role.staff])
    def test_only_admins_may_reset(
        self, client: TestClient, db: Session, engine: Engine, role: Role
    ) -> None:
        person, _secret, _codes = with_two_step(client, db)
        sign_in(client, create_user(db, roles={role}))
        response = client.post(f"/admin/users/{person.id}/two-step-reset")
        assert response.status_code == 403
        assert credential(engine, person.id or 0) is not None
        assert audit_events(engine, "mfa.reset") == []

    def test_not_ones_own(self, client: TestClient, db: Session, engine: Engine) -> None:
        admin = create_user(db, roles={Role.admin})
        sign_in(client, admin)
        turn_on(client)
        page = client.get(f"/admin/users/{admin.id}")
        assert "You cannot reset your own" in page.text
        assert client.post(f"/admin/users/{admin.id}/two-step-reset").status_code == 409
        assert credential(engine, admin.id or 0) is not None

    def test_someone_without_it(self, client: TestClient, db: Session) -> None:
        person = create_user(db)
        sign_in(client, create_user(db, roles={Role.admin}))
        assert client.post(f"/admin/users/{person.id}/two-step-reset").status_code == 404


class TestTheCommandLine:
    def test_reset_two_step_when_no_admin_can(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        person, _secret, _codes = with_two_step(client, db, roles={Role.admin})

        result = CliRunner().invoke(cli, ["reset-two-step", "--email", person.email])

        assert result.exit_code == 0, result.output
        assert credential(engine, person.id or 0) is None
        (event,) = audit_events(engine, "mfa.reset")
        assert event.actor_id is None
        assert event.details["via"] == "command line"
        again = CliRunner().invoke(cli, ["reset-two-step", "--email", person.email])
        assert again.exit_code == 1
        assert "has not set up two-step sign-in" in again.stderr


class TestReplayInTheDatabase:
    def test_a_step_is_taken_once_even_by_requests_at_the_same_moment(
        self, db: Session, engine: Engine
    ) -> None:
        user = create_user(db)
        with Session(engine) as write:
            write.add(TotpCredential(user_id=user.id or 0, secret=pyotp.random_base32()))
            write.commit()
            assert repo.take_totp_step(write, user.id or 0, 100)
            assert not repo.take_totp_step(write, user.id or 0, 100)
            assert not repo.take_totp_step(write, user.id or 0, 99)
            assert repo.take_totp_step(write, user.id or 0, 101)


class TestNothingSecretIsRecorded:
    def test_a_whole_journey(
        self, client: TestClient, db: Session, engine: Engine, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        user = create_user(db, roles={Role.staff})
        sign_in(client, user)
        client.post(f"{SETUP}/start")
        secret = setup_key(client.get(SETUP))
        client.post(SETUP, data={"code": wrong_code(secret)})
        first = code_at(secret)
        codes = recovery_codes(client.post(SETUP, data={"code": first}))
        client.post("/logout")
        password_step(client, user)
        pending = client.cookies.get("fullcircle_two_step")
        assert pending
        wrong = wrong_code(secret)
        code_step(client, wrong)
        code_step(client, codes[0], method="recovery")
        client.post("/logout")
        password_step(client, user)
        second = code_at(secret, 1)
        assert code_step(client, second).status_code == 303
        client.post(f"{SETUP}/recovery-codes", data={"password": PASSWORD})

        secrets_seen = [secret, mfa.grouped(secret), first, wrong, second, pending, *codes]
        server_records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
        assert server_records  # the access log saw the journey
        for record in server_records:
            text = f"{record.getMessage()} {record.exc_text or ''}"
            for value in secrets_seen:
                assert value not in text, f"{record.name} logged a secret"
        audit_json = json.dumps([(e.event, e.details, e.ip_address) for e in audit_events(engine)])
        assert "mfa.enrolled" in audit_json
        assert "mfa.failed" in audit_json
        assert "mfa.recovery_code_used" in audit_json
        for value in secrets_seen:
            assert value not in audit_json
        for body in fetch(engine, select(OutboxEmail.body_text)):
            assert not any(value in body for value in secrets_seen)


class TestConfirmItIsYou:
    """Before the data export, someone with two-step sign-in gives their code as well: a
    phished password and a session left open are not enough."""

    def test_the_password_alone_is_not_enough(self, client: TestClient, db: Session) -> None:
        user = create_user(db)
        sign_in(client, user)
        secret, _codes = turn_on(client)
        form = soup_of(client.get("/account/confirm-it-is-you?next=/account/export"))
        assert form.select_one("input#code") is not None

        wrong = client.post(
            "/account/confirm-it-is-you",
            data={"password": PASSWORD, "code": wrong_code(secret), "next": "/account/export"},
        )
        assert wrong.status_code == 422
        assert any("The code is not right" in m for m in error_summary(wrong))

        right = client.post(
            "/account/confirm-it-is-you",
            data={"password": PASSWORD, "code": code_at(secret, 1), "next": "/account/export"},
            follow_redirects=False,
        )
        assert right.status_code == 303
        assert right.headers["location"] == "/account/export"

    def test_without_two_step_sign_in_no_code_is_asked(
        self, client: TestClient, db: Session
    ) -> None:
        sign_in(client, create_user(db))
        form = soup_of(client.get("/account/confirm-it-is-you"))
        assert form.select_one("input#code") is None
