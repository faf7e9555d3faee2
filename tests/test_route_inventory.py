"""Every route declares who may use it, and behaves accordingly.

Each API route has exactly one access dependency (``public_access``, ``signed_in_access`` or
``require_roles(...)``, marked with ``__access__``); anything else is listed, with a reason,
in ``app.main.UNGUARDED_PATHS``.
"""

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.main import UNGUARDED_PATHS, create_app
from app.models import Role
from tests.factories import create_user, sign_in
from tests.security.helpers import Endpoint, endpoints

APP = create_app()


def api_endpoints(app: FastAPI) -> list[Endpoint]:
    return [e for e in endpoints(app) if e.dependant is not None]


def requests_for(access: str) -> list[tuple[str, str]]:
    """(method, concrete path) for every route with this access, path parameters set to 1."""
    out: list[tuple[str, str]] = []
    for endpoint in api_endpoints(APP):
        if endpoint.markers and endpoint.markers[0].startswith(access):
            path = endpoint.concrete_path()
            out.extend((method, path) for method in sorted(endpoint.methods))
    return out


def request_id(value: tuple[str, str]) -> str:
    return f"{value[0]} {value[1]}"


SIGNED_IN_REQUESTS = requests_for("signed_in") + requests_for("roles:")
ADMIN_REQUESTS = requests_for("roles:admin")


class TestInventory:
    def test_the_app_has_routes_of_every_kind(self) -> None:
        assert SIGNED_IN_REQUESTS
        assert ADMIN_REQUESTS
        assert requests_for("public")

    @pytest.mark.parametrize("endpoint", api_endpoints(APP), ids=str)
    def test_each_route_declares_its_access_once(self, endpoint: Endpoint) -> None:
        if endpoint.path in UNGUARDED_PATHS:
            assert endpoint.markers == [], f"{endpoint} is listed as unguarded"
        else:
            assert len(endpoint.markers) == 1, f"{endpoint}: {endpoint.markers}"

    def test_other_routes_are_listed_as_unguarded(self) -> None:
        others = [e for e in endpoints(APP) if e.dependant is None]
        assert {e.path for e in others} >= {"/static", "/openapi.json"}
        for endpoint in others:
            assert endpoint.path in UNGUARDED_PATHS, f"{endpoint} has no access declared"

    def test_every_unguarded_path_exists(self) -> None:
        paths = {e.path for e in endpoints(APP)}
        for path, reason in UNGUARDED_PATHS.items():
            assert path in paths, f"{path} is listed but no such route exists"
            assert reason.strip()

    @pytest.mark.parametrize(
        "endpoint", [e for e in api_endpoints(APP) if e.path.startswith("/admin")], ids=str
    )
    def test_admin_routes_need_the_admin_role(self, endpoint: Endpoint) -> None:
        assert endpoint.markers == ["roles:admin"]

    def test_the_inventory_sees_a_missing_declaration(self) -> None:
        app = create_app()

        @app.get("/forgotten")
        def forgotten() -> dict[str, str]:
            return {}

        (endpoint,) = [e for e in endpoints(app) if e.path == "/forgotten"]
        assert endpoint.markers == []


class TestAccessIsEnforced:
    @pytest.mark.parametrize("request_", SIGNED_IN_REQUESTS, ids=request_id)
    def test_anonymous_gets_the_sign_in_page(
        self, client: TestClient, request_: tuple[str, str]
    ) -> None:
        method, path = request_
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code == 401, (method, path, response.status_code)
        if path.startswith("/api/"):
            assert response.headers["content-type"] == "application/problem+json"
            return
        soup = BeautifulSoup(response.text, "html.parser")
        assert soup.h1 is not None
        assert soup.h1.get_text(strip=True) == "Sign in"
        form = soup.find("form", action="/login")
        assert form is not None
        assert form.find("input", attrs={"name": "password"}) is not None
        # Only the sign-in page: no content from the page asked for.
        assert soup.select("main form") == [form]

    @pytest.mark.parametrize("request_", ADMIN_REQUESTS, ids=request_id)
    def test_service_user_is_forbidden_from_admin(
        self, client: TestClient, db: Session, request_: tuple[str, str]
    ) -> None:
        method, path = request_
        sign_in(client, create_user(db, roles={Role.service_user, Role.carer}))
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)
        soup = BeautifulSoup(response.text, "html.parser")
        assert soup.select("main form") == []

    @pytest.mark.parametrize("role", [Role.staff, Role.moderator, Role.improvement_lead])
    def test_other_staff_roles_are_forbidden_from_admin(
        self, client: TestClient, db: Session, role: Role
    ) -> None:
        sign_in(client, create_user(db, roles={role}))
        for method, path in ADMIN_REQUESTS:
            response = client.request(method, path, follow_redirects=False)
            assert response.status_code == 403, (role, method, path)
