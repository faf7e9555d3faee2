"""Crisis help: the national numbers everywhere they appear, and the organisation's own line
first when it is configured."""

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import get_settings
from app.web.render import environment
from tests.factories import create_unit

NATIONAL = {"tel:111", "tel:999", "tel:116123", "tel:08001111"}


def tel_links(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [str(a["href"]) for a in soup.select(".fc-crisis-list a[href^='tel:']")]


class TestCrisisContacts:
    def test_help_page_and_poster_list_the_national_numbers(
        self, client: TestClient, db: Session
    ) -> None:
        unit = create_unit(db, name="Willow Ward")
        for path in ("/help", f"/units/{unit.slug}/poster"):
            assert set(tel_links(client.get(path).text)) >= NATIONAL, path

    def test_the_organisations_own_line_comes_first(
        self, client: TestClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The line is a setting of the deployment: the environment is built with it.
        settings = get_settings()
        monkeypatch.setattr(settings, "crisis_line_name", "Northshire 24-hour line")
        monkeypatch.setattr(settings, "crisis_line_phone", "0800 123 4567")
        environment.cache_clear()
        try:
            html = client.get("/help").text
        finally:
            monkeypatch.undo()
            environment.cache_clear()
        assert tel_links(html)[0] == "tel:08001234567"
        assert "Northshire 24-hour line" in html
        assert get_settings().crisis_line_name is None  # configured per deployment
