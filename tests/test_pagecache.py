"""The anonymous microcache: repeat reads within a few seconds skip the database, every
response still gets its own CSP nonce, and signed-in people always see fresh pages."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import get_settings
from app.main import create_app
from tests.factories import create_user, sign_in
from tests.ideas.factories import create_idea


def nonce_of(html: str) -> str:
    match = re.search(r'<script nonce="([^"]+)"', html)
    assert match
    return match.group(1)


@pytest.fixture
def cached(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setattr(get_settings(), "public_cache_seconds", 60.0)
    monkeypatch.setattr(get_settings(), "expose_sql_count", True)
    return TestClient(create_app())


class TestPublicPageCache:
    def test_a_repeat_read_skips_the_database_but_gets_a_new_nonce(
        self, cached: TestClient, db
    ) -> None:
        create_idea(db, title="Quiet room in the evenings")
        first, second = cached.get("/ideas"), cached.get("/ideas")
        assert int(first.headers["x-sql-statements"]) > 0
        assert int(second.headers["x-sql-statements"]) == 0
        assert "Quiet room in the evenings" in second.text
        assert nonce_of(first.text) != nonce_of(second.text)
        assert nonce_of(second.text) in second.headers["content-security-policy"]

    def test_pages_are_stale_for_at_most_the_configured_time(
        self, cached: TestClient, db, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        cached.get("/ideas")
        create_idea(db, title="Brand new idea about gardens")
        assert "Brand new idea about gardens" not in cached.get("/ideas").text
        import app.core.pagecache as pagecache

        real = pagecache.time.monotonic
        monkeypatch.setattr(pagecache.time, "monotonic", lambda: real() + 61)
        assert "Brand new idea about gardens" in cached.get("/ideas").text

    def test_signed_in_people_always_get_fresh_pages(self, cached: TestClient, db) -> None:
        sign_in(cached, create_user(db))
        cached.get("/ideas")
        assert int(cached.get("/ideas").headers["x-sql-statements"]) > 0

    def test_htmx_fragments_and_full_pages_are_cached_apart(self, cached: TestClient) -> None:
        full = cached.get("/ideas")
        fragment = cached.get("/ideas", headers={"HX-Request": "true"})
        assert "<html" in full.text
        assert "<html" not in fragment.text

    def test_errors_are_not_cached(self, cached: TestClient) -> None:
        cached.get("/ideas/999999")
        assert int(cached.get("/ideas/999999").headers["x-sql-statements"]) > 0
