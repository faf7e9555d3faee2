"""/reports, its downloads, /transparency and the population form."""

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from app.models import Role
from app.reports import repository as repo
from app.reports.exports import neutralise
from tests.factories import create_unit, create_user, sign_in
from tests.helpers import error_summary, soup_of
from tests.reports.helpers import QUERY, SENT, World, add_idea
from tests.triage.helpers import member


@pytest.fixture
def signed_in_lead(client: TestClient, db: Session) -> None:
    sign_in(client, create_user(db, roles={Role.improvement_lead}))


class TestAccess:
    def test_signed_out_is_asked_to_sign_in(self, client: TestClient) -> None:
        assert client.get("/reports").status_code == 401
        assert client.get("/reports/tables/funnel.csv").status_code == 401

    def test_the_public_is_refused(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db, roles={Role.service_user}))
        assert client.get("/reports").status_code == 403
        assert client.get("/reports/tables/funnel.xlsx").status_code == 403

    def test_staff_see_their_units_in_the_filter(
        self, client: TestClient, db: Session, world: World
    ) -> None:
        sign_in(client, member(db, create_user(db, roles={Role.staff}), world.south))
        page = soup_of(client.get("/reports", params=QUERY))
        slugs = [o["value"] for o in page.select("#unit option")]
        assert slugs == ["", world.south.slug]
        assert client.get("/reports", params={"unit": world.north.slug}).status_code == 403

    def test_nav_link_for_staff_only(self, client: TestClient, db: Session) -> None:
        assert "/reports" not in [
            a.get("href") for a in soup_of(client.get("/")).select("header a")
        ]
        assert "/transparency" in [
            a.get("href") for a in soup_of(client.get("/")).select("footer a")
        ]
        sign_in(client, create_user(db, roles={Role.staff}))
        assert "/reports" in [a.get("href") for a in soup_of(client.get("/")).select("header a")]


class TestPage:
    @pytest.mark.usefixtures("signed_in_lead")
    def test_every_section_and_table(self, client: TestClient, world: World) -> None:
        response = client.get("/reports", params=QUERY)
        assert response.status_code == 200
        page = soup_of(response)
        assert [s["id"] for s in page.select("section.fc-report-section")] == [
            "funnel", "fairness", "reach", "coproduction", "contribution", "charts",
        ]  # fmt: skip
        funnel = page.select_one("#table-funnel")
        cells = [td.get_text(" ", strip=True) for td in funnel.select("tbody tr")[1].select("td")]
        assert cells[0].endswith("12")  # North: 12 ideas
        assert any(c.endswith("<10") for c in cells)
        # Charts: an SVG with a title and description, or why it is not drawn.
        assert page.select("#charts figure")
        assert page.select_one("#table-monthly")
        # The print header says what, when and where.
        header = page.select_one(".fc-print-header")
        assert "1 January 2026" in header.get_text()
        assert "30 June 2026" in header.get_text()
        assert page.select_one('link[media="print"]')["href"].startswith("/static/css/report-print")

    @pytest.mark.usefixtures("signed_in_lead")
    def test_charts_are_svg_with_their_words_when_no_month_is_small(
        self, client: TestClient, db: Session, world: World
    ) -> None:
        # February: 10 ideas, each answered in 2 days; March has the world's 23.
        for _ in range(10):
            add_idea(db, unit=world.south, sent=SENT - timedelta(days=28), responded_after_days=2)
        page = soup_of(client.get("/reports", params=QUERY))
        for key in ("submissions", "response"):
            svg = page.select_one(f"#chart-{key} svg[role=img]")
            assert svg is not None, key
            assert svg.select_one("title").get_text(strip=True)
            assert svg.select_one("desc").get_text(strip=True)
            # The same words are on the page, and the data is a table.
            assert page.select_one(f"#chart-{key} .fc-chart__summary").get_text(strip=True)
        months = [th.get_text(strip=True) for th in page.select("#table-monthly tbody th")]
        assert months == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]

    @pytest.mark.usefixtures("signed_in_lead")
    def test_a_bad_date_is_shown_with_the_error_summary(self, client: TestClient) -> None:
        response = client.get("/reports", params={"from": "last week"})
        assert response.status_code == 422
        assert error_summary(response) == ["Enter a date like 2026-04-01"]

    @pytest.mark.usefixtures("signed_in_lead")
    def test_an_unknown_table_is_404(self, client: TestClient) -> None:
        assert client.get("/reports/tables/nothing.csv").status_code == 404


class TestDownloads:
    @pytest.mark.usefixtures("signed_in_lead")
    def test_csv_is_what_the_page_shows(self, client: TestClient, world: World) -> None:
        response = client.get("/reports/tables/funnel.csv", params=QUERY)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == ["From idea to outcome"]
        assert rows[1][1] == "2026-01-01 to 2026-06-30"
        north = next(r for r in rows if r and r[0] == "North")
        assert north[1:4] == ["12", "—", "<10"]

    @pytest.mark.usefixtures("signed_in_lead")
    def test_xlsx_has_numbers_and_suppressed_text(self, client: TestClient, world: World) -> None:
        response = client.get("/reports/tables/fairness_ethnic_group.xlsx", params=QUERY)
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        asian = next(r for r in values if r[0] == "Asian, Asian British or Asian Welsh")
        assert asian[1:5] == [10, 10, "<10", "<10"]

    @pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
    def test_neutralise(self, start: str) -> None:
        assert neutralise(f"{start}cmd|' /C calc'!A0") == f"'{start}cmd|' /C calc'!A0"
        assert neutralise("North Ward") == "North Ward"

    def test_formulas_in_unit_names_are_neutralised(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db, roles={Role.improvement_lead}))
        evil = create_unit(db, name='=HYPERLINK("http://evil.example","x")')
        for _ in range(12):
            add_idea(db, unit=evil)
        rows = list(
            csv.reader(io.StringIO(client.get("/reports/tables/funnel.csv", params=QUERY).text))
        )
        assert ["'" + evil.name] == [r[0] for r in rows if "HYPERLINK" in (r[0] if r else "")]
        book = load_workbook(
            io.BytesIO(client.get("/reports/tables/funnel.xlsx", params=QUERY).content)
        )
        texts = [
            c.value for row in book.active.iter_rows() for c in row if isinstance(c.value, str)
        ]
        assert "'" + evil.name in texts
        assert not any(t.startswith("=") for t in texts)


class TestTransparency:
    def test_public_and_suppressed(self, client: TestClient, db: Session, world: World) -> None:
        response = client.get("/transparency")
        assert response.status_code == 200
        page = soup_of(response)
        assert page.select_one("#table-transparency")
        assert page.select_one("#table-reach")
        assert page.select_one("#table-fairness_ethnic_group")
        # No download links on the public page.
        assert not page.select(".fc-report__downloads")


class TestPopulations:
    def test_admins_only(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db, roles={Role.improvement_lead}))
        assert client.get("/reports/populations").status_code == 403

    def test_enter_and_show(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db, roles={Role.admin}))
        unit = create_unit(db, name="West")
        bad = client.post(f"/reports/populations/{unit.id}", data={"asian": "lots"})
        assert bad.status_code == 422
        assert error_summary(bad) == ["Enter a whole number of people, like 1200"]
        saved = client.post(
            f"/reports/populations/{unit.id}",
            data={"asian": "1,200", "white": "5000", "black": ""},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        assert unit.id is not None
        assert repo.population_of(db, unit_id=unit.id) == {"asian": 1200, "white": 5000}
        page = soup_of(client.get(saved.headers["location"]))
        assert page.select_one("#asian")["value"] == "1200"
