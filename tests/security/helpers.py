"""Shared helpers for the security tests: parsing pages, reading the database afresh, and
the strings an attacker (or a careless log line) would use."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.sql import Executable
from sqlmodel import Session, select

from app import db as app_db
from app.config import get_settings
from app.models import AuditEvent, User

SCRIPT_XSS = "<script>alert(1)</script>"
ATTR_XSS = '"><img src=x onerror=alert(1)>'

#: What must never reach a person's screen on an error page.
TRACEBACK_MARKERS = (
    "Traceback",
    'File "',
    "sqlalchemy",
    "psycopg",
    "sqlite3",
    "starlette",
    "RuntimeError",
)


#: Pages anyone can open, checked by several security sweeps.
PUBLIC_PAGES = [
    "/",
    "/help",
    "/privacy",
    "/accessibility",
    "/terms",
    "/login",
    "/register",
    "/password-reset",
    "/logout",
]


def page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def assert_nhs_page(response: httpx.Response) -> BeautifulSoup:
    """The page is a whole NHS-styled page: header, crisis link and one heading."""
    assert response.headers["content-type"].startswith("text/html"), response.headers
    soup = page(response)
    assert soup.select_one("header.nhsuk-header") is not None, response.text[:500]
    help_links = [a for a in soup.find_all("a", href="/help") if "Need help now?" in a.text]
    assert help_links, "no 'Need help now?' link"
    assert len(soup.find_all("h1")) == 1
    return soup


def assert_no_traceback(text: str) -> None:
    for marker in TRACEBACK_MARKERS:
        assert marker not in text, f"{marker!r} leaked into the page"


def assert_sign_in_page(response: httpx.Response) -> BeautifulSoup:
    """The response is the sign-in page (401), not the content that was asked for."""
    assert response.status_code == 401, (response.status_code, response.text[:300])
    soup = page(response)
    form = soup.find("form", action="/login")
    assert form is not None, response.text[:500]
    assert form.find("input", attrs={"name": "password"}) is not None
    assert soup.h1 is not None
    assert soup.h1.get_text(strip=True) == "Sign in"
    return soup


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert all(isinstance(body[k], str) and body[k] for k in ("type", "title", "detail"))
    return body


def error_summary(soup: BeautifulSoup) -> str:
    summary = soup.select_one(".nhsuk-error-summary")
    assert summary is not None, "no NHS error summary"
    return summary.get_text(" ", strip=True)


def cookie_name() -> str:
    return get_settings().session_cookie_name


def session_cookie(client: TestClient) -> str | None:
    return client.cookies.get(cookie_name())


def set_session_cookie(client: TestClient, value: str) -> None:
    """Replace the browser's session cookie, as someone holding a copied cookie would."""
    client.cookies.clear()
    # http.cookiejar files cookies for a dotless host such as "testserver" under ".local".
    client.cookies.set(cookie_name(), value, domain=f"{client.base_url.host}.local")


def fetch(engine: Engine, stmt: Executable) -> Sequence[Any]:
    """Rows as committed now (a fresh session, so nothing stale from an identity map)."""
    with Session(engine) as session:
        return session.scalars(stmt).all()


def execute(engine: Engine, stmt: Executable) -> None:
    """A committed change made behind the app's back (to backdate a session, say)."""
    with app_db.open_session(write=True, engine=engine) as session:
        session.execute(stmt)
        session.commit()


def user_row(engine: Engine, user_id: int) -> User:
    (user,) = fetch(engine, select(User).where(User.id == user_id))
    return user


def audit_events(engine: Engine, event: str | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.id)  # type: ignore[arg-type]
    if event is not None:
        stmt = stmt.where(AuditEvent.event == event)
    return list(fetch(engine, stmt))


@dataclass(frozen=True)
class Endpoint:
    """One route as the app serves it (prefixes and router-level dependencies applied)."""

    path: str
    methods: frozenset[str]
    params: tuple[str, ...]
    dependant: Dependant | None  # None for routes that are not FastAPI routes (Mount, ...)

    @property
    def markers(self) -> list[str]:
        return list(access_markers(self.dependant)) if self.dependant else []

    def concrete_path(self, value: str = "1") -> str:
        path = self.path
        for name in self.params:
            path = path.replace("{" + name + "}", value)
        return path

    def __str__(self) -> str:
        return f"{','.join(sorted(self.methods))} {self.path}"


def endpoints(app: FastAPI) -> list[Endpoint]:
    try:  # FastAPI >= 0.16x keeps included routers whole; this lists their routes.
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI copies every route into app.routes
        contexts: list[Any] = list(app.routes)
        originals: list[Any] = contexts
    else:
        contexts = list(iter_route_contexts(app.routes))
        originals = [c.original_route for c in contexts]
    out = []
    for context, original in zip(contexts, originals, strict=True):
        is_api = isinstance(original, APIRoute)
        out.append(
            Endpoint(
                path=context.path,
                methods=frozenset(getattr(context, "methods", None) or ()),
                params=tuple(getattr(context, "param_convertors", {})),
                dependant=context.dependant if is_api else None,
            )
        )
    return out


def access_markers(dependant: Dependant) -> Iterator[str]:
    for dependency in dependant.dependencies:
        marker = getattr(dependency.call, "__access__", None)
        if marker is not None:
            yield marker
        yield from access_markers(dependency)


def get_pages(app: FastAPI) -> list[str]:
    """A concrete path for every GET route that could answer with a page (not the API, the
    static files or the probes); path parameters are 1."""
    from app.main import UNGUARDED_PATHS

    return sorted(
        {
            e.concrete_path()
            for e in endpoints(app)
            if e.dependant is not None
            and "GET" in e.methods
            and e.path not in UNGUARDED_PATHS
            and not e.path.startswith("/api/")
        }
    )


def new_client(app: Any = None, **kwargs: Any) -> TestClient:
    """Another browser on the same site (its own cookie jar)."""
    from app.main import create_app

    return TestClient(app or create_app(), base_url="http://testserver", **kwargs)
