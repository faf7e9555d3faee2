"""Sign-in throttling, counted before the password is checked, over sliding windows kept in the
database: one account from one address (that address waits), one address across accounts, and
one account from anywhere (slowed, never locked, so the owner still gets in)."""

from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from app.accounts import passwords
from app.config import Settings, get_settings
from app.main import create_app
from app.models import RateEvent, utcnow
from tests.factories import PASSWORD, create_user
from tests.security.helpers import (
    assert_nhs_page,
    audit_events,
    error_summary,
    execute,
    session_cookie,
)

WRONG = "not the right password"


def attempt(client: TestClient, email: str, password: str) -> httpx.Response:
    return client.post(
        "/login", data={"email": email, "password": password}, follow_redirects=False
    )


def fail(client: TestClient, email: str, times: int) -> None:
    for _ in range(times):
        assert attempt(client, email, WRONG).status_code == 422


@pytest.fixture
def verify_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password the sign-in code checks, in order."""
    calls: list[str] = []
    real: Callable[[str, str | None], tuple[bool, str | None]] = passwords.verify_password

    def recording(password: str, stored_hash: str | None) -> tuple[bool, str | None]:
        calls.append(password)
        return real(password, stored_hash)

    monkeypatch.setattr(passwords, "verify_password", recording)
    return calls


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60 * 60
    soup = assert_nhs_page(response)
    assert "too many attempts" in error_summary(soup).lower()


class TestPerAccount:
    def test_eleventh_attempt_is_refused_without_checking_the_password(
        self, client: TestClient, db: Session, engine: Engine, verify_calls: list[str]
    ) -> None:
        user = create_user(db)
        fail(client, user.email, 10)
        assert len(verify_calls) == 10
        response = attempt(client, user.email, PASSWORD)
        assert_throttled(response)
        assert int(response.headers["retry-after"]) <= 15 * 60
        assert len(verify_calls) == 10, "the password was checked while throttled"
        assert session_cookie(client) is None
        assert len(audit_events(engine, "signin.throttled")) == 1

    def test_the_limit_is_per_account(self, client: TestClient, db: Session) -> None:
        throttled, other = create_user(db), create_user(db)
        fail(client, throttled.email, 10)
        assert attempt(client, other.email, PASSWORD).status_code == 303

    def test_the_email_is_matched_however_it_is_typed(
        self, client: TestClient, db: Session
    ) -> None:
        create_user(db, email="case@example.org")
        fail(client, "Case@Example.org", 5)
        fail(client, " case@example.org ", 5)
        assert_throttled(attempt(client, "case@example.org", PASSWORD))

    def test_nine_failures_then_the_right_password(self, client: TestClient, db: Session) -> None:
        user = create_user(db)
        fail(client, user.email, 9)
        assert attempt(client, user.email, PASSWORD).status_code == 303

    def test_failures_older_than_the_window_do_not_count(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db)
        fail(client, user.email, 10)
        execute(
            engine,
            update(RateEvent)
            .where(RateEvent.bucket == "login_account_address")  # type: ignore[arg-type]
            .values(at=utcnow() - timedelta(minutes=16)),
        )
        assert attempt(client, user.email, PASSWORD).status_code == 303

    def test_partly_aged_failures(self, client: TestClient, db: Session, engine: Engine) -> None:
        user = create_user(db)
        fail(client, user.email, 5)
        execute(engine, update(RateEvent).values(at=utcnow() - timedelta(minutes=16)))
        fail(client, user.email, 9)
        assert attempt(client, user.email, PASSWORD).status_code == 303


ELSEWHERE = ("203.0.113.5", 50000)


@pytest.fixture
def elsewhere(engine: Engine) -> Iterator[TestClient]:
    """The account's owner, on another network."""
    with TestClient(create_app(), base_url="http://testserver", client=ELSEWHERE) as c:
        yield c


class TestOwnerElsewhere:
    def test_an_attacker_cannot_lock_the_owner_out(
        self, client: TestClient, elsewhere: TestClient, db: Session
    ) -> None:
        user = create_user(db)
        fail(client, user.email, 10)
        assert_throttled(attempt(client, user.email, PASSWORD))
        assert attempt(elsewhere, user.email, PASSWORD).status_code == 303

    def test_many_failures_from_anywhere_slow_the_account_not_lock_it(
        self,
        client: TestClient,
        elsewhere: TestClient,
        db: Session,
        engine: Engine,
        monkeypatch: pytest.MonkeyPatch,
        verify_calls: list[str],
    ) -> None:
        settings = get_settings()
        monkeypatch.setattr(settings, "login_account_slowdown_after", 4)
        monkeypatch.setattr(settings, "login_slowdown_seconds", 30)
        user = create_user(db)
        fail(client, user.email, 4)
        checked = len(verify_calls)
        # Past the cap, the next try must wait a few seconds, wherever it comes from ...
        response = attempt(elsewhere, user.email, PASSWORD)
        assert_throttled(response)
        assert int(response.headers["retry-after"]) <= 31
        assert "seconds, then try again" in error_summary(assert_nhs_page(response))
        assert len(verify_calls) == checked
        # ... and once those seconds have passed, the owner gets in.
        execute(engine, update(RateEvent).values(at=utcnow() - timedelta(seconds=31)))
        assert attempt(elsewhere, user.email, PASSWORD).status_code == 303


class TestPerAddress:
    @pytest.fixture(autouse=True)
    def _lower_limit(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # The real limit (300) allows for a trust's whole network behind one address.
        monkeypatch.setattr(get_settings(), "login_max_failures_per_ip", 30)

    def test_the_default_allows_for_a_shared_network(self) -> None:
        assert Settings.model_fields["login_max_failures_per_ip"].default >= 100

    def test_thirty_failures_across_accounts_block_the_address(
        self, client: TestClient, db: Session, verify_calls: list[str]
    ) -> None:
        for n in range(30):
            assert attempt(client, f"guess{n}@example.org", WRONG).status_code == 422
        user = create_user(db)
        response = attempt(client, user.email, PASSWORD)
        assert_throttled(response)
        assert len(verify_calls) == 30

    def test_old_failures_from_the_address_do_not_count(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        for n in range(30):
            attempt(client, f"guess{n}@example.org", WRONG)
        execute(
            engine,
            update(RateEvent)
            .where(RateEvent.bucket == "login_ip")  # type: ignore[arg-type]
            .values(at=utcnow() - timedelta(minutes=61)),
        )
        assert attempt(client, create_user(db).email, PASSWORD).status_code == 303
