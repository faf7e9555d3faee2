"""Bad input gets a clear answer, never a 500: the five causes found by hand, then a
property-based sweep (hypothesis) over every HTML route from the route inventory, with every
form field and query parameter the pages use, as nobody, a service user and an admin."""

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from app.config import get_settings
from app.main import UNGUARDED_PATHS, create_app
from app.models import Role
from app.web.render import TEMPLATE_DIR
from tests.factories import create_user, sign_in
from tests.helpers import soup_of
from tests.ideas.factories import create_idea
from tests.security.helpers import Endpoint, assert_no_traceback, endpoints

HUGE = str(2**63)  # one more than SQLite's largest integer
HTML_ENDPOINTS = [
    e
    for e in endpoints(create_app())
    if e.dependant is not None and not e.path.startswith("/api/") and e.path not in UNGUARDED_PATHS
]

#: Routes with a row id in their path.
ID_ENDPOINTS = [e for e in HTML_ENDPOINTS if any(p.endswith("_id") for p in e.params)]


def error_summary_text(response: httpx.Response) -> str:
    summary = soup_of(response).select_one(".nhsuk-error-summary")
    return summary.get_text(" ", strip=True) if summary else ""


class TestTheFiveCauses:
    @pytest.mark.parametrize("email", ["jo@gmail", "jo@", "jo@example..org", "jo@@x.org"])
    def test_registration_with_a_mistyped_email_says_so(
        self, client: TestClient, email: str
    ) -> None:
        response = client.post(
            "/register",
            data={
                "email": email,
                "display_name": "Jo",
                "password": "violet engine meadow quarry",
                "identity": "service_user",
            },
        )
        assert response.status_code == 422
        assert "Enter an email address in the correct format" in error_summary_text(response)
        assert 'value="Jo"' in response.text  # what was typed is kept

    @pytest.mark.parametrize("endpoint", ID_ENDPOINTS, ids=str)
    def test_an_id_too_large_for_any_row_is_not_found(
        self, client: TestClient, db: Session, endpoint: Endpoint
    ) -> None:
        sign_in(client, create_user(db, roles={Role.admin}))
        for method in sorted(endpoint.methods):
            response = client.request(method, endpoint.concrete_path(HUGE), data={"x": "1"})
            assert response.status_code in (404, 405), (method, endpoint, response.status_code)
            assert_no_traceback(response.text)

    @pytest.mark.parametrize("value", ["²", "١٢٣", "9" * 40, "-1", "0", " 3", "3\n"])
    def test_unusual_digits_in_form_fields_are_not_ids(
        self, client: TestClient, db: Session, value: str
    ) -> None:
        idea = create_idea(db)
        sign_in(client, create_user(db))
        reply = client.post(
            f"/ideas/{idea.id}/comments",
            data={"body": "Hi", "parent_id": value},
            follow_redirects=False,
        )
        assert reply.status_code == 422  # names no comment: "the comment you replied to has gone"
        assert "has gone" in error_summary_text(reply)
        report = client.post(
            f"/ideas/{idea.id}/report",
            data={"reason": "other", "comment_id": value},
            follow_redirects=False,
        )
        assert report.status_code == 404  # names no comment on this idea

    def test_a_deeply_nested_cursor_is_just_not_a_cursor(self, client: TestClient) -> None:
        cursor = base64.urlsafe_b64encode(b"[" * 3000).decode()
        assert client.get("/ideas", params={"cursor": cursor}).status_code == 200
        api = client.get("/api/v1/ideas", params={"cursor": cursor[:200]})
        assert api.status_code == 422

    @pytest.mark.parametrize("signature", ["é" * 40, "🙂", "\u0000", ""])
    def test_signatures_with_any_characters_are_refused_not_crashed(
        self, client: TestClient, signature: str
    ) -> None:
        form = {
            "title": "A title",
            "description": "Words",
            "started": "1",
            "started_sig": signature,
        }
        assert client.post("/ideas", data=form).status_code == 422
        page = client.post(f"/unsubscribe/1-{quote(signature)}")
        assert page.status_code == 404

    def test_a_body_larger_than_the_cap_is_refused_before_it_is_read(
        self, client: TestClient, db: Session
    ) -> None:
        cap = get_settings().max_body_bytes
        sign_in(client, create_user(db))
        big = b'{"title": "' + b"x" * (cap + 1) + b'"}'
        api = client.post(
            "/api/v1/ideas", content=big, headers={"Content-Type": "application/json"}
        )
        assert api.status_code == 413
        assert api.headers["content-type"] == "application/problem+json"
        form = client.post("/ideas", data={"title": "x" * (cap + 1)})
        assert form.status_code == 413
        assert soup_of(form).h1.get_text(strip=True) == "What you sent is too large"

    def test_a_body_without_a_length_is_stopped_at_the_cap(
        self, client: TestClient, db: Session
    ) -> None:
        cap = get_settings().max_body_bytes
        sign_in(client, create_user(db))

        def chunks() -> Iterator[bytes]:
            yield b'{"title": "'
            for _ in range(cap // 65536 + 2):
                yield b"x" * 65536
            yield b'"}'

        response = client.post(
            "/api/v1/ideas", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413


# --- the sweep ----------------------------------------------------------------------------


def form_field_names() -> list[str]:
    """Every form field name the templates use (inputs, and the NHS macros' "name" keys)."""
    names: set[str] = set()
    for path in Path(TEMPLATE_DIR).rglob("*.html"):
        text = path.read_text()
        names |= set(re.findall(r'name="([a-z_]+)"', text))
        names |= set(re.findall(r'"name": "([a-z_]+)"', text))
    return sorted(names)


QUERY_NAMES = [
    "q",
    "sort",
    "unit",
    "category",
    "status",
    "cursor",
    "comments",
    "notice",
    "sent",
    "unit_q",
    "unit_id",
    "title",
    "description",
    "next",
    "comment",
]
FIELD_NAMES = form_field_names()
NASTY = st.sampled_from(
    [
        HUGE,
        "-1",
        "0",
        "²",
        "١٢٣",
        "9" * 400,
        "1e309",
        "NaN",
        "",
        " ",
        "\r\n",
        "\x00",
        "%00",
        "../../etc/passwd",
        "<script>",
        "'; DROP TABLE idea; --",
        "🙂" * 50,
        "[" * 2000,
        "{" * 2000,
        "a" * 6000,
        "\u202e",
        "service_user",
        "admin",
        "published",
    ]
)
VALUES = st.one_of(NASTY, st.text(max_size=300), st.integers().map(str))
PATH_VALUES = st.one_of(
    st.sampled_from([HUGE, "-1", "0", "²", "1.5", "%2F", "9" * 30, "abc", "1"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=20),
)


def _concrete(endpoint: Endpoint, value: str) -> str:
    return endpoint.concrete_path(quote(value, safe="") or "x")


@pytest.mark.slow
class TestSweep:
    @pytest.mark.parametrize("endpoint", HTML_ENDPOINTS, ids=str)
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        path_value=PATH_VALUES,
        query=st.dictionaries(st.sampled_from(QUERY_NAMES), VALUES, max_size=4),
        form=st.dictionaries(st.sampled_from(FIELD_NAMES), VALUES, max_size=6),
        who=st.sampled_from(["nobody", "service_user", "admin"]),
    )
    def test_no_html_route_answers_5xx_to_anything(
        self,
        client: TestClient,
        db: Session,
        endpoint: Endpoint,
        path_value: str,
        query: dict[str, str],
        form: dict[str, str],
        who: str,
    ) -> None:
        client.cookies.clear()
        if who != "nobody":
            role = Role.admin if who == "admin" else Role.service_user
            sign_in(client, create_user(db, roles={role}))
        path = _concrete(endpoint, path_value)
        for method in sorted(endpoint.methods):
            response = client.request(
                method, path, params=query, data=form if method != "GET" else None
            )
            assert response.status_code < 500 or response.status_code == 503, (
                method,
                endpoint.path,
                response.status_code,
            )
            assert_no_traceback(response.text)
