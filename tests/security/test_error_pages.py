"""Every error is an NHS-styled page (or, under /api, RFC 9457 problem details) and never
shows a traceback or anything about the code behind it."""

from collections.abc import Iterator

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.main import create_app
from app.models import Role
from tests.factories import create_user, sign_in
from tests.security.helpers import (
    assert_nhs_page,
    assert_no_traceback,
    assert_problem,
    error_summary,
)

# An exception message written to look like everything that must not leak.
LEAKY_MESSAGE = 'Traceback File "/srv/app.py" sqlalchemy.exc.OperationalError psycopg sqlite3'


def assert_error_page(response: httpx.Response, status: int) -> None:
    assert response.status_code == status
    assert_nhs_page(response)
    assert_no_traceback(response.text)


@pytest.fixture
def broken_app(engine: Engine) -> FastAPI:
    """The real app with routes that fail in ways the real routes should not."""
    app = create_app()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError(LEAKY_MESSAGE)

    @app.get("/api/v1/boom")
    def api_boom() -> None:
        raise RuntimeError(LEAKY_MESSAGE)

    @app.get("/api/v1/numbers/{n}")
    def api_number(n: int) -> dict[str, int]:
        return {"n": n}

    return app


@pytest.fixture
def broken_client(broken_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(broken_app, raise_server_exceptions=False) as c:
        yield c


class TestPages:
    def test_404(self, client: TestClient) -> None:
        assert_error_page(client.get("/no-such-page"), 404)

    def test_404_raised_by_a_route_for_a_signed_in_admin(
        self, client: TestClient, db: Session
    ) -> None:
        sign_in(client, create_user(db, roles={Role.admin}))
        response = client.get("/admin/users/999999")
        assert_error_page(response, 404)

    @pytest.mark.parametrize("path", ["/no-such-page", "/ideas/999999", "/ideas/receipt/nope"])
    def test_every_error_page_knows_who_is_signed_in(
        self, client: TestClient, db: Session, path: str
    ) -> None:
        # A 404 from routing (no access check ran) as well as one raised by a route.
        sign_in(client, create_user(db, display_name="Jo Service"))
        response = client.get(path)
        assert_error_page(response, 404)
        header = BeautifulSoup(response.text, "html.parser").select_one("header")
        assert header is not None
        assert "Jo Service" in header.get_text()
        assert "Sign in" not in header.get_text()
        assert "Create an account" not in header.get_text()

    def test_a_forged_cookie_on_an_error_page_is_nobody(self, client: TestClient) -> None:
        client.cookies.set("fullcircle_session", "forged-" + "x" * 40)
        response = client.get("/no-such-page")
        assert_error_page(response, 404)
        assert "Sign in" in response.text

    def test_403_for_a_service_user_on_admin(self, client: TestClient, db: Session) -> None:
        user = create_user(db, display_name="Jo Service")
        sign_in(client, user)
        response = client.get("/admin")
        assert_error_page(response, 403)
        # Still a signed-in page: the header shows who is signed in.
        assert "Jo Service" in response.text

    def test_405(self, client: TestClient) -> None:
        assert_error_page(client.get("/account/profile"), 405)
        assert_error_page(client.put("/login"), 405)

    def test_422_invalid_form_value(self, client: TestClient) -> None:
        response = client.post(
            "/register",
            data={
                "email": "someone@example.org",
                "display_name": "Someone",
                "password": "lantern orchard pebble 41",
                "identity": "<script>alert(1)</script>",
            },
        )
        assert_error_page(response, 422)
        assert "Select who you are" in error_summary(assert_nhs_page(response))
        assert "<script>alert(1)</script>" not in response.text

    def test_an_address_naming_no_row_is_not_found(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db))
        response = client.post("/account/tokens/not-a-number/revoke")
        assert_error_page(response, 404)
        assert "not-a-number" not in response.text

    def test_429(self, client: TestClient, db: Session) -> None:
        user = create_user(db)
        for _ in range(10):
            client.post("/login", data={"email": user.email, "password": "not the password!"})
        response = client.post("/login", data={"email": user.email, "password": "whatever!"})
        assert_error_page(response, 429)

    def test_500(self, broken_client: TestClient) -> None:
        response = broken_client.get("/boom")
        assert_error_page(response, 500)
        assert "Try again later" in response.text

    def test_500_for_htmx_is_a_fragment(self, broken_client: TestClient) -> None:
        response = broken_client.get("/boom", headers={"HX-Request": "true"})
        assert response.status_code == 500
        assert response.headers["hx-retarget"] == "#maincontent"
        assert "<h1>" in response.text
        assert "<html" not in response.text
        assert_no_traceback(response.text)

    def test_500_is_logged_without_the_message(
        self, broken_client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        broken_client.get("/boom")
        (logged,) = [r for r in caplog.records if r.name == "fullcircle.errors"]
        text = logged.getMessage()
        assert text.startswith("unhandled RuntimeError on GET /boom")
        # The message could quote submitted text: the log keeps the type and the place only.
        assert LEAKY_MESSAGE not in text
        assert "OperationalError" not in text

    def test_500_page_has_the_security_headers(self, broken_client: TestClient) -> None:
        response = broken_client.get("/boom")
        assert "nonce-" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"


class TestApi:
    def test_404(self, client: TestClient) -> None:
        assert_problem(client.get("/api/v1/no-such-thing"), 404)

    def test_401(self, client: TestClient) -> None:
        response = client.get("/api/v1/me")
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")

    def test_405(self, client: TestClient) -> None:
        assert_problem(client.delete("/api/v1/me"), 405)

    def test_422(self, broken_client: TestClient) -> None:
        body = assert_problem(broken_client.get("/api/v1/numbers/seven"), 422)
        assert body["errors"][0]["loc"] == ["path", "n"]
        # Where and why, never the submitted value.
        assert "seven" not in broken_client.get("/api/v1/numbers/seven").text

    def test_500(self, broken_client: TestClient) -> None:
        response = broken_client.get("/api/v1/boom")
        body = assert_problem(response, 500)
        assert_no_traceback(response.text)
        assert "OperationalError" not in body["detail"]
