"""Security headers on every HTML page: CSP with a fresh nonce, no framing, no sniffing,
a referrer policy, no caching of signed-in pages, and HSTS in production only."""

from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Role
from tests.factories import create_user, sign_in
from tests.security.helpers import PUBLIC_PAGES, get_pages, page

SIGNED_IN_PAGES = ["/account", "/account/delete"]
ADMIN_PAGES = [
    "/admin",
    "/admin/users",
    "/admin/users/{me}",
    "/admin/units",
    "/admin/audit",
    "/admin/outbox",
]
SAFE_REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}


def csp_directives(response: httpx.Response) -> dict[str, list[str]]:
    header = response.headers.get("content-security-policy")
    assert header, f"no CSP on {response.request.url}"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name.lower()] = values
    return directives


def csp_nonce(response: httpx.Response) -> str:
    sources = csp_directives(response)["script-src"]
    nonces = [s[len("'nonce-") : -1] for s in sources if s.startswith("'nonce-")]
    assert len(nonces) == 1, sources
    return nonces[0]


def assert_secure_html(response: httpx.Response, *, signed_in: bool) -> None:
    where = str(response.request.url)
    assert response.headers["content-type"].startswith("text/html"), where
    directives = csp_directives(response)
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src is not None, where
    assert "'unsafe-eval'" not in script_src, where
    assert "'unsafe-inline'" not in script_src, where
    assert "'unsafe-inline'" not in directives.get("default-src", []), where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert directives.get("object-src") == ["'none'"], where
    assert response.headers.get("x-content-type-options") == "nosniff", where
    assert response.headers.get("referrer-policy") in SAFE_REFERRER_POLICIES, where

    nonce = csp_nonce(response)
    soup = page(response)
    scripts = soup.find_all("script")
    # Whole pages load our scripts; HTMX fragments have none of their own.
    assert scripts or soup.find("html") is None, f"expected the page's scripts on {where}"
    for script in scripts:
        src = script.get("src")
        if src is None:
            assert script.get("nonce") == nonce, f"inline script without the nonce on {where}"
        else:
            assert isinstance(src, str), src
            parts = urlsplit(src)
            same_origin = not parts.scheme and not parts.netloc and src.startswith("/")
            assert same_origin or script.get("nonce") == nonce, f"{src} on {where}"

    if signed_in:
        assert "no-store" in response.headers.get("cache-control", ""), where


@pytest.fixture
def service_user_client(client: TestClient, db: Session) -> TestClient:
    sign_in(client, create_user(db, roles={Role.service_user}))
    return client


class TestPublicPages:
    @pytest.mark.parametrize("path", PUBLIC_PAGES)
    def test_headers(self, client: TestClient, path: str) -> None:
        response = client.get(path)
        assert response.status_code == 200
        assert_secure_html(response, signed_in=False)

    def test_not_found_page(self, client: TestClient) -> None:
        response = client.get("/no-such-page")
        assert response.status_code == 404
        assert_secure_html(response, signed_in=False)

    def test_sign_in_page_shown_for_a_protected_page(self, client: TestClient) -> None:
        response = client.get("/account")
        assert response.status_code == 401
        assert_secure_html(response, signed_in=False)

    def test_nonce_is_fresh_on_every_request(self, client: TestClient) -> None:
        first, second = client.get("/"), client.get("/")
        assert csp_nonce(first) != csp_nonce(second)
        assert len(csp_nonce(first)) >= 16
        # The page's own scripts follow the header, not a fixed value.
        assert page(second).find("script")["nonce"] == csp_nonce(second)

    def test_no_hsts_outside_production(self, client: TestClient) -> None:
        assert "strict-transport-security" not in client.get("/").headers


class TestSignedInPages:
    @pytest.mark.parametrize("path", SIGNED_IN_PAGES + PUBLIC_PAGES[:3])
    def test_headers(self, service_user_client: TestClient, path: str) -> None:
        response = service_user_client.get(path)
        assert response.status_code == 200
        assert_secure_html(response, signed_in=True)

    def test_forbidden_page(self, service_user_client: TestClient) -> None:
        response = service_user_client.get("/admin")
        assert response.status_code == 403
        assert_secure_html(response, signed_in=True)

    def test_not_found_page(self, service_user_client: TestClient) -> None:
        response = service_user_client.get("/no-such-page")
        assert response.status_code == 404
        assert_secure_html(response, signed_in=True)

    def test_sign_in_response_is_not_cached(self, client: TestClient, db: Session) -> None:
        user = create_user(db)
        response = client.post(
            "/login", data={"email": user.email, "password": "correct horse battery staple"}
        )
        assert response.history[0].status_code == 303
        assert "no-store" in response.history[0].headers["cache-control"]


class TestAdminPages:
    @pytest.mark.parametrize("path", ADMIN_PAGES)
    def test_headers(self, client: TestClient, db: Session, path: str) -> None:
        admin = create_user(db, roles={Role.admin})
        sign_in(client, admin)
        response = client.get(path.format(me=admin.id))
        assert response.status_code == 200
        assert_secure_html(response, signed_in=True)


class TestEveryPage:
    """Whatever pages are added later: every GET route, anonymous and as an admin."""

    def test_anonymous(self, client: TestClient) -> None:
        assert isinstance(client.app, FastAPI)
        checked = 0
        for path in get_pages(client.app):
            response = client.get(path)
            if response.headers.get("content-type", "").startswith("text/html"):
                assert_secure_html(response, signed_in=False)
                checked += 1
        assert checked >= len(PUBLIC_PAGES)

    def test_as_admin(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db, roles={Role.admin}))
        assert isinstance(client.app, FastAPI)
        checked = 0
        for path in get_pages(client.app):
            response = client.get(path)
            assert response.status_code < 500, path
            if response.headers.get("content-type", "").startswith("text/html"):
                assert_secure_html(response, signed_in=True)
                checked += 1
        assert checked >= len(PUBLIC_PAGES + SIGNED_IN_PAGES + ADMIN_PAGES)


class TestProduction:
    def test_hsts_on_every_response(self, production_client: TestClient) -> None:
        for path in ("/", "/login", "/no-such-page", "/healthz"):
            hsts = production_client.get(path).headers.get("strict-transport-security", "")
            max_age = int(hsts.split(";")[0].removeprefix("max-age="))
            assert max_age >= 31_536_000, path
            assert "includesubdomains" in hsts.lower()

    def test_pages_keep_their_headers(self, production_client: TestClient) -> None:
        assert_secure_html(production_client.get("/"), signed_in=False)
