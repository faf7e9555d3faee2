"""The anonymous microcache: a repeat read costs one primary-key read (the content version),
every response still gets its own CSP nonce, nobody ever reads a page older than the last
write (in one process or across two), and signed-in people always see fresh pages."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import get_settings
from app.main import create_app
from tests.factories import api_token, create_user, sign_in
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
        assert int(first.headers["x-sql-statements"]) > 1
        # Only the content version is read: the page itself comes from the cache.
        assert int(second.headers["x-sql-statements"]) == 1
        assert "Quiet room in the evenings" in second.text
        assert nonce_of(first.text) != nonce_of(second.text)
        assert nonce_of(second.text) in second.headers["content-security-policy"]

    def test_an_unchanged_page_is_rendered_again_after_the_configured_time(
        self, cached: TestClient, db, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        cached.get("/ideas")
        import app.core.pagecache as pagecache

        real = pagecache.time.monotonic
        monkeypatch.setattr(pagecache.time, "monotonic", lambda: real() + 61)
        assert int(cached.get("/ideas").headers["x-sql-statements"]) > 1

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


class TestReadYourWrites:
    """Whatever writes, the next anonymous read sees it: the cache is checked against the
    content version, never trusted for its remaining seconds."""

    def test_a_new_idea_shows_at_once(self, cached: TestClient, db) -> None:
        cached.get("/ideas")
        cached.get("/api/v1/ideas")
        create_idea(db, title="Brand new idea about gardens")
        assert "Brand new idea about gardens" in cached.get("/ideas").text
        titles = [i["title"] for i in cached.get("/api/v1/ideas").json()["items"]]
        assert "Brand new idea about gardens" in titles

    def test_a_vote_through_the_api_shows_on_the_next_anonymous_read(
        self, cached: TestClient, db, engine: Engine
    ) -> None:
        idea = create_idea(db, title="Hot drinks after nine")
        voter = create_user(db)
        token = api_token(db, voter)
        before = cached.get(f"/api/v1/ideas/{idea.id}").json()["vote_count"]
        assert f"<strong>{before}</strong> supporter" in cached.get(f"/ideas/{idea.id}").text
        voted = cached.put(
            f"/api/v1/ideas/{idea.id}/vote", headers={"Authorization": f"Bearer {token}"}
        )
        assert voted.status_code == 200
        assert cached.get(f"/api/v1/ideas/{idea.id}").json()["vote_count"] == before + 1
        assert f"<strong>{before + 1}</strong> supporter" in cached.get(f"/ideas/{idea.id}").text

    def test_a_write_in_one_process_is_seen_by_the_other(
        self, engine: Engine, db, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "public_cache_seconds", 60.0)
        # Two apps, two caches: as two server workers share one database.
        first, second = TestClient(create_app()), TestClient(create_app())
        idea = create_idea(db, title="Clearer letters")
        assert "Clearer letters" in second.get("/ideas").text
        token = api_token(db, create_user(db))
        edited = first.put(
            f"/api/v1/ideas/{idea.id}/vote", headers={"Authorization": f"Bearer {token}"}
        )
        assert edited.status_code == 200
        assert second.get(f"/api/v1/ideas/{idea.id}").json()["vote_count"] == 1
        create_idea(db, title="More activities at weekends")
        assert "More activities at weekends" in second.get("/ideas").text

    def test_the_transparency_page_is_cached_until_a_population_changes(
        self, cached: TestClient, db
    ) -> None:
        from app.models import EthnicGroup, UnitPopulation

        cached.get("/transparency")
        assert int(cached.get("/transparency").headers["x-sql-statements"]) == 1
        db.add(UnitPopulation(unit_id=1, ethnic_group=list(EthnicGroup)[0], people=38_000))
        db.commit()
        fresh = cached.get("/transparency")
        assert int(fresh.headers["x-sql-statements"]) > 1
        assert "38,000" in fresh.text
