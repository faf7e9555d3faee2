"""Printable posters for wards and clinics: /units and /units/{slug}/poster."""

import re

import pytest
import segno
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import get_settings
from app.models import UnitKind
from tests.factories import create_unit


def _page(client: TestClient, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    return BeautifulSoup(response.text, "html.parser")


def _qr_path(svg: str) -> str:
    """The path that draws the dark modules (the light background is a separate path)."""
    dark = BeautifulSoup(svg, "html.parser").select('path[stroke="#000"]')
    assert len(dark) == 1, svg[:300]
    return str(dark[0]["d"])


def test_poster_shows_the_unit_and_a_qr_code_for_its_idea_form(
    client: TestClient, db: Session
) -> None:
    unit = create_unit(db, name="Willow Ward")
    soup = _page(client, f"/units/{unit.slug}/poster")

    title = soup.select_one(".fc-poster__title")
    assert title is not None
    assert "Help us improve" in title.get_text()
    assert "Willow Ward" in title.get_text()

    expected_url = f"{get_settings().base_url.rstrip('/')}/ideas/new?unit={unit.slug}"
    svg = soup.select_one(".fc-poster svg.fc-poster__qr-code")
    assert svg is not None
    assert svg["role"] == "img"
    assert svg["aria-label"] == f"QR code linking to {expected_url}"
    assert svg.title is not None
    assert svg.title.get_text() == f"QR code linking to {expected_url}"
    # segno cannot decode, so check the modules are exactly those of the expected URL's code.
    expected = segno.make(expected_url, error="m").svg_inline(scale=1, dark="#000")
    assert _qr_path(str(svg)) == _qr_path(expected)
    other = segno.make(expected_url + "x", error="m").svg_inline(scale=1, dark="#000")
    assert _qr_path(str(svg)) != _qr_path(other)

    # For people who cannot scan: the address written out, and a link to it.
    url_text = soup.select_one(".fc-poster__url")
    assert url_text is not None
    assert url_text.get_text(strip=True) == expected_url.removeprefix("https://")
    assert url_text.a is not None
    assert url_text.a["href"] == expected_url


def test_poster_says_what_to_suggest_anonymity_and_replies(client: TestClient, db: Session) -> None:
    unit = create_unit(db, name="Cedar Ward")
    text = _page(client, f"/units/{unit.slug}/poster").select_one(".fc-poster").get_text(" ")
    text = " ".join(text.split())
    for example in ("ward environment", "activities", "food", "how we talk with you"):
        assert example in text
    assert "anonymous" in text
    assert "You do not need an account, and you do not need to give your name." in text
    assert "Staff read every idea and reply publicly" in text


def test_poster_has_crisis_help_with_phone_links(client: TestClient, db: Session) -> None:
    unit = create_unit(db)
    soup = _page(client, f"/units/{unit.slug}/poster")
    help_box = soup.select_one(".fc-poster .fc-poster__help")
    assert help_box is not None
    text = " ".join(help_box.get_text(" ").split())
    assert "If you need help now" in text
    assert "and select the mental health option (24 hours, all ages)" in text
    assert "call 999 or go to A&E" in text
    assert "This site is not monitored 24 hours a day" in text
    hrefs = {a["href"] for a in help_box.find_all("a")}
    assert {"tel:111", "tel:999", "tel:116123", "tel:08001111"} <= hrefs
    assert any(str(h).startswith("sms:85258") for h in hrefs)


def test_poster_loads_the_print_stylesheet_and_a_nonced_print_script(
    client: TestClient, db: Session
) -> None:
    unit = create_unit(db)
    response = client.get(f"/units/{unit.slug}/poster")
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.select_one('head link[rel="stylesheet"][href*="/css/print.css"]') is not None
    script = soup.select_one('script[src*="/js/print.js"]')
    assert script is not None
    nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"])
    assert nonce
    assert script["nonce"] == nonce.group(1)
    # Without JavaScript the print button stays hidden; the page says how to print instead.
    button = soup.select_one("[data-fc-print]")
    assert button is not None
    assert button.has_attr("hidden")
    assert "print option" in soup.get_text()
    assert client.get("/static/css/print.css").status_code == 200
    assert client.get("/static/js/print.js").status_code == 200


def test_poster_escapes_the_unit_name(client: TestClient, db: Session) -> None:
    unit = create_unit(db, name="<script>alert(1)</script>")
    response = client.get(f"/units/{unit.slug}/poster")
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    # The name never goes into the QR code's markup, escaped or not (only the slug does).
    svg = BeautifulSoup(response.text, "html.parser").select_one("svg.fc-poster__qr-code")
    assert svg is not None
    assert "alert(1)" not in str(svg)
    assert "script&gt;" not in str(svg)


def test_poster_for_an_unknown_unit_is_not_found(client: TestClient) -> None:
    assert client.get("/units/no-such-ward/poster").status_code == 404


@pytest.mark.parametrize("slug", ["%00", "ward%00a", "WARD", "a" * 141, "ward%20a", "%C3%A9"])
def test_a_poster_for_text_that_cannot_be_a_slug_is_not_found(
    client: TestClient, db: Session, slug: str
) -> None:
    """Found by the PostgreSQL fuzz sweep: a NUL in the slug reached the query, which
    PostgreSQL refuses with an error (a 500)."""
    create_unit(db, name="Ward A")
    assert client.get(f"/units/{slug}/poster").status_code == 404


def test_units_page_lists_every_unit_with_its_poster(client: TestClient, db: Session) -> None:
    service = create_unit(db, name="Adult Inpatients", kind=UnitKind.service)
    ward = create_unit(db, name="Birch Ward", parent=service)
    soup = _page(client, "/units")
    links = {a.get_text(" ", strip=True): a["href"] for a in soup.select(".fc-tree a")}
    assert links["Birch Ward poster"] == f"/units/{ward.slug}/poster"
    assert links["Adult Inpatients poster"] == f"/units/{service.slug}/poster"
    # Indented as a tree: the ward sits deeper than its service.
    ward_item = soup.find("a", href=f"/units/{ward.slug}/poster").find_parent("li")
    service_item = soup.find("a", href=f"/units/{service.slug}/poster").find_parent("li")
    assert ward_item["class"] != service_item["class"]
    assert client.get(ward_item.a["href"]).status_code == 200
