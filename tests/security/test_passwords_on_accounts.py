"""Passwords as accounts use them: argon2id at OWASP's parameters, rehashing of older hashes
on sign-in, and the length and common-password rules on registration."""

import unicodedata

import httpx
import pytest
from argon2 import PasswordHasher
from argon2 import Type as Argon2Type
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from app.accounts import passwords
from app.models import User
from tests.factories import PASSWORD, create_user
from tests.security.helpers import (
    assert_nhs_page,
    audit_events,
    error_summary,
    execute,
    fetch,
    new_client,
    page,
    user_row,
)

OWASP_PARAMETERS = "$argon2id$v=19$m=19456,t=2,p=1$"
# Long enough to slice any accepted length from, with nothing common, repeated or personal.
PHRASE = (
    "marmalade lighthouse quietly juggles seventeen purple umbrellas while a sleepy "
    "heron counts pebbles beside the copper kettle near eleven windswept orchards and "
    "gold lanterns"
)
assert len(PHRASE) > 129


def register(
    client: TestClient, *, password: str, email: str = "new.person@example.org"
) -> httpx.Response:
    return client.post(
        "/register",
        data={
            "email": email,
            "display_name": "Robin Quill",
            "password": password,
            "identity": "service_user",
        },
        follow_redirects=False,
    )


def registered(response: httpx.Response) -> bool:
    """Registration accepted: the "check your email" page, not the form again."""
    h1 = page(response).find("h1")
    return response.status_code == 200 and h1 is not None and "Check your email" in h1.text


def stored_hash(engine: Engine, email: str) -> str:
    (value,) = fetch(engine, select(User.password_hash).where(User.email == email))
    return value


class TestStoredHash:
    def test_argon2id_with_owasp_parameters(self, client: TestClient, engine: Engine) -> None:
        assert registered(register(client, password=PHRASE[:20]))
        hashed = stored_hash(engine, "new.person@example.org")
        assert hashed.startswith(OWASP_PARAMETERS)
        assert PHRASE[:20] not in hashed

    def test_weaker_hash_is_upgraded_on_sign_in(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db)
        weak = PasswordHasher(
            time_cost=1, memory_cost=8192, parallelism=1, type=Argon2Type.ID
        ).hash(PASSWORD)
        execute(engine, update(User).where(User.id == user.id).values(password_hash=weak))  # type: ignore[arg-type]

        response = client.post(
            "/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False
        )
        assert response.status_code == 303
        assert user.id is not None
        upgraded = user_row(engine, user.id).password_hash
        assert upgraded is not None
        assert upgraded.startswith(OWASP_PARAMETERS)
        assert passwords.verify_password(PASSWORD, upgraded) == (True, None)
        (event,) = audit_events(engine, "password.rehashed")
        assert event.subject_user_id == user.id

    def test_current_hash_is_left_alone(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db)
        assert user.id is not None
        before = user_row(engine, user.id).password_hash
        client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert user_row(engine, user.id).password_hash == before
        assert audit_events(engine, "password.rehashed") == []


class TestRegistrationRules:
    @pytest.mark.parametrize(
        ("password", "message"),
        [
            (PHRASE[:11], "12 characters or more"),
            (PHRASE[:129], "128 characters or fewer"),
            ("password1234", "too common"),
            ("qwertyuiop!!", "too common"),
        ],
        ids=["11-characters", "129-characters", "common", "keyboard-walk"],
    )
    def test_refused(self, client: TestClient, engine: Engine, password: str, message: str) -> None:
        response = register(client, password=password)
        assert response.status_code == 422
        soup = assert_nhs_page(response)
        assert message in error_summary(soup)
        # What was typed is kept, except the password.
        assert soup.find("input", id="email")["value"] == "new.person@example.org"
        assert soup.find("input", id="display_name")["value"] == "Robin Quill"
        assert not soup.find("input", id="password").get("value")
        assert password not in response.text
        assert fetch(engine, select(User)) == []

    @pytest.mark.parametrize(
        "password",
        [PHRASE[:12], PHRASE[:64], PHRASE[:128], "Ĉu ŝi manĝas ĉokoladon? 🌻 ñandú"],
        ids=["12-characters", "64-characters", "128-characters", "unicode"],
    )
    def test_accepted(self, client: TestClient, password: str) -> None:
        assert len(password) in (12, 64, 128) or not password.isascii()
        response = register(client, password=password)
        assert registered(response), page(response).get_text(" ", strip=True)[:400]
        with new_client() as other:
            again = sign_in_with(other, "new.person@example.org", password)
            assert again.status_code == 303

    def test_unicode_password_matches_however_it_is_composed(self, client: TestClient) -> None:
        composed = unicodedata.normalize("NFC", "Élodie’s café señorita naïve")
        assert registered(register(client, password=composed))
        decomposed = unicodedata.normalize("NFD", composed)
        assert decomposed != composed
        with new_client() as other:
            assert sign_in_with(other, "new.person@example.org", decomposed).status_code == 303


def sign_in_with(client: TestClient, email: str, password: str) -> httpx.Response:
    return client.post(
        "/login", data={"email": email, "password": password}, follow_redirects=False
    )
