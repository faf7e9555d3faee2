"""Measure pages: defining a measure, entering data by form and by CSV file (all or nothing,
each bad row listed), ghosting, notes and recalculations, downloads, the SPC matrix of a unit
and who may see it, and a fixed number of SQL statements per page."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.models import Measure, MeasurePoint, ProjectStatus, Role, Unit, UnitKind, UserUnit
from tests.factories import create_unit, create_user, sign_in
from tests.helpers import error_summary, soup_of
from tests.projects.factories import EARLIER, LATER, create_measure, create_project, weekly
from tests.projects.helpers import count_statements, sign_in_lead


def good_csv(values: list[int]) -> bytes:
    rows = "\n".join(f"{d:%d/%m/%Y},{v}" for d, v in zip(weekly(len(values)), values, strict=True))
    return f"date,value\n{rows}\n".encode()


class TestDefiningAMeasure:
    def test_add_a_measure(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        sign_in_lead(client, db)
        response = client.post(
            f"/projects/{project.id}/measures",
            data={
                "name": "Missed appointments",
                "kind": "outcome",
                "direction": "down",
                "target": "10",
                "unit_label": "%",
                "rule_set": "mdc_legacy_7",
                "baseline_points": "",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        measure = db.scalars(select(Measure)).one()
        assert (
            measure.name,
            measure.kind,
            measure.direction,
            measure.target,
            measure.rule_set,
        ) == (
            "Missed appointments",
            "outcome",
            "down",
            10,
            "mdc_legacy_7",
        )
        assert response.headers["location"] == f"/measures/{measure.id}?notice=measure-created"

    def test_problems_are_listed_and_what_was_typed_kept(
        self, client: TestClient, db: Session
    ) -> None:
        project = create_project(db)
        sign_in_lead(client, db)
        response = client.post(
            f"/projects/{project.id}/measures",
            data={
                "name": "",
                "kind": "outcome",
                "target": "lots",
                "baseline_points": "5",
                "definition": "Weekly count",
            },
        )
        assert response.status_code == 422
        assert error_summary(response) == [
            "Enter a name for the measure",
            "Select which way is better",
            "Enter the target as a number, like 15 or 12.5",
            "Enter the number of points to freeze the limits on: 12 or more",
        ]
        assert soup_of(response).select_one("#definition").get_text() == "Weekly count"

    @pytest.mark.parametrize("role", [Role.service_user, Role.staff, Role.moderator])
    def test_only_improvement_leads_and_admins(
        self, client: TestClient, db: Session, role: Role
    ) -> None:
        project = create_project(db)
        measure = create_measure(db, project, values=[1, 2])
        sign_in(client, create_user(db, roles={role}))
        assert client.get(f"/projects/{project.id}/measures/new").status_code == 403
        for path in ("edit", "points", "upload", "annotations", "recalculations"):
            assert client.post(f"/measures/{measure.id}/{path}", data={}).status_code == 403, path
        point = db.scalars(select(MeasurePoint)).first()
        assert point is not None
        assert (
            client.post(
                f"/measures/{measure.id}/points/change", data={"ghost": str(point.id)}
            ).status_code
            == 403
        )

    def test_an_admin_may(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        sign_in(client, create_user(db, roles={Role.admin}))
        assert client.get(f"/projects/{project.id}/measures/new").status_code == 200


class TestEnteringData:
    def test_one_value(self, client: TestClient, db: Session) -> None:
        measure = create_measure(db, create_project(db))
        sign_in_lead(client, db)
        response = client.post(
            f"/measures/{measure.id}/points",
            data={"on_date": "2026-03-02", "value": "12.5"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        db.refresh(measure)
        assert measure.latest_value == 12.5

    def test_one_value_with_problems(self, client: TestClient, db: Session) -> None:
        measure = create_measure(db, create_project(db), values=[4])
        sign_in_lead(client, db)
        response = client.post(f"/measures/{measure.id}/points", data={"on_date": "", "value": "x"})
        assert response.status_code == 422
        assert error_summary(response) == [
            "Enter the date, like 2026-03-02",
            "Enter the value as a number, like 15 or 12.5",
        ]
        response = client.post(
            f"/measures/{measure.id}/points", data={"on_date": "2026-01-05", "value": "3"}
        )
        assert error_summary(response) == ["There is already a value for this date"]

    def test_a_csv_file_with_bad_rows_imports_nothing_and_lists_each(
        self, client: TestClient, db: Session
    ) -> None:
        measure = create_measure(db, create_project(db))
        sign_in_lead(client, db)
        raw = b"date,value\n02/03/2026,4\n30/02/2026,5\n16/03/2026,five\n"
        response = client.post(
            f"/measures/{measure.id}/upload", files={"file": ("data.csv", raw, "text/csv")}
        )
        assert response.status_code == 422
        problems = [
            "Row 3, date: enter a real date, like 2026-03-02 or 02/03/2026",
            "Row 4, value: enter a number, like 15 or 12.5",
        ]
        assert error_summary(response) == problems
        listed = soup_of(response).select("#file-error li")
        assert [li.get_text(strip=True) for li in listed] == problems
        assert db.scalars(select(MeasurePoint)).all() == []

    def test_a_good_csv_file_draws_the_chart(self, client: TestClient, db: Session) -> None:
        measure = create_measure(db, create_project(db))
        sign_in_lead(client, db)
        response = client.post(
            f"/measures/{measure.id}/upload",
            files={"file": ("data.csv", good_csv(EARLIER + LATER), "text/csv")},
            follow_redirects=False,
        )
        assert response.status_code == 303
        page = soup_of(client.get(f"/measures/{measure.id}"))
        assert (
            page.select_one(".fc-chart__summary").get_text().startswith("Special cause improvement")
        )
        rows = page.select(".fc-chart__data tbody tr")
        assert len(rows) == 24
        last = rows[-1].select("td")[-1]
        assert last.select_one(".nhsuk-table-responsive__heading").get_text(strip=True) == (
            "What it shows"
        )
        assert str(last.contents[-1]).startswith("Special cause improvement")

    def test_no_file_chosen(self, client: TestClient, db: Session) -> None:
        measure = create_measure(db, create_project(db))
        sign_in_lead(client, db)
        response = client.post(f"/measures/{measure.id}/upload", data={"replace": "yes"})
        assert response.status_code == 422
        assert error_summary(response) == ["Choose a CSV file to upload"]

    def test_ghost_a_point_and_bring_it_back(self, client: TestClient, db: Session) -> None:
        measure = create_measure(db, create_project(db), values=[*EARLIER, 90])
        sign_in_lead(client, db)
        last = db.scalars(select(MeasurePoint).order_by(col(MeasurePoint.on_date).desc())).first()
        assert last is not None
        client.post(f"/measures/{measure.id}/points/change", data={"ghost": str(last.id)})
        db.refresh(measure)
        assert measure.latest_value == EARLIER[-1]
        client.post(f"/measures/{measure.id}/points/change", data={"unghost": str(last.id)})
        db.refresh(measure)
        assert measure.latest_value == 90
        client.post(f"/measures/{measure.id}/points/change", data={"remove": str(last.id)})
        db.refresh(measure)
        assert measure.point_count == len(EARLIER)
        assert (
            client.post(
                f"/measures/{measure.id}/points/change", data={"remove": "99999"}
            ).status_code
            == 404
        )

    def test_notes_and_recalculations(self, client: TestClient, db: Session) -> None:
        measure = create_measure(db, create_project(db), values=EARLIER + LATER)
        sign_in_lead(client, db)
        response = client.post(
            f"/measures/{measure.id}/annotations", data={"note_date": "", "text": ""}
        )
        assert error_summary(response) == [
            "Enter the date, like 2026-03-02",
            "Enter what happened, in a few words",
        ]
        assert soup_of(response).select(".nhsuk-error-summary a")[0]["href"] == "#note_date"
        client.post(
            f"/measures/{measure.id}/annotations",
            data={"note_date": "2026-04-20", "text": "New rota"},
        )
        client.post(f"/measures/{measure.id}/recalculations", data={"recalc_date": "2026-04-20"})
        page = soup_of(client.get(f"/measures/{measure.id}"))
        notes = page.select_one("#notes + ul").get_text(" ", strip=True)
        assert "New rota" in notes
        assert "limits recalculated from here" in notes
        assert "New rota" in page.select_one(".fc-chart svg").get_text()


class TestDownloads:
    def test_svg_png_and_csv(self, client: TestClient, db: Session) -> None:
        measure = create_measure(db, create_project(db), name="Missed", values=EARLIER + LATER)
        svg = client.get(f"/measures/{measure.id}/chart.svg")
        assert svg.headers["content-type"] == "image/svg+xml"
        assert (
            svg.headers["content-disposition"] == f'attachment; filename="measure-{measure.id}.svg"'
        )
        assert svg.text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns=')
        assert "<desc" in svg.text
        png = client.get(f"/measures/{measure.id}/chart.png")
        assert png.headers["content-type"] == "image/png"
        assert png.content.startswith(b"\x89PNG")
        data = client.get(f"/measures/{measure.id}/data.csv")
        assert data.headers["content-type"] == "text/csv; charset=utf-8"
        assert len(data.text.splitlines()) == 25

    def test_a_proposed_projects_measures_are_not_public(
        self, client: TestClient, db: Session
    ) -> None:
        measure = create_measure(db, create_project(db, status=ProjectStatus.proposed), values=[1])
        for path in ("", "/chart.svg", "/chart.png", "/data.csv"):
            assert client.get(f"/measures/{measure.id}{path}").status_code == 404, path


class TestMeasurePage:
    def test_the_statement_count_does_not_grow_with_the_data(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        project = create_project(db)
        few = create_measure(db, project, values=EARLIER)
        many = create_measure(db, project, values=(EARLIER + LATER) * 4)
        sign_in_lead(client, db)

        def count(measure: Measure) -> int:
            client.get(f"/measures/{measure.id}")
            with count_statements(engine) as statements:
                assert client.get(f"/measures/{measure.id}").status_code == 200
            return len(statements)

        assert count(few) == count(many)


class TestMatrix:
    def setup_units(self, db: Session) -> tuple[Unit, Unit, Unit]:
        adults = create_unit(db, name="Adult Services", kind=UnitKind.directorate)
        willow = create_unit(db, name="Willow Ward", parent=adults)
        camhs = create_unit(db, name="CAMHS")
        mine = create_project(db, title="Calmer evenings", unit=willow)
        create_measure(db, mine, name="Evening incidents", values=EARLIER + LATER)
        theirs = create_project(db, title="Young people", unit=camhs)
        create_measure(db, theirs, name="Missed appointments", values=EARLIER)
        return adults, willow, camhs

    def test_an_improvement_lead_sees_a_unit_and_everything_under_it(
        self, client: TestClient, db: Session
    ) -> None:
        adults, _willow, _camhs = self.setup_units(db)
        sign_in_lead(client, db)
        everything = soup_of(client.get("/measures/matrix"))
        assert {a.get_text(strip=True) for a in everything.select("tbody td:first-child a")} == {
            "Evening incidents",
            "Missed appointments",
        }
        page = soup_of(client.get(f"/measures/matrix?unit={adults.slug}"))
        rows = page.select("tbody tr")
        assert [r.select_one("td a").get_text(strip=True) for r in rows] == ["Evening incidents"]
        icons = [t.get_text() for t in rows[0].select("svg title")]
        assert icons == ["Special cause improvement – low", "Assurance: not assessed"]
        words = rows[0].select_one(".fc-matrix__words > span:last-child").get_text()
        assert words.startswith("Special cause improvement")

    def test_the_key_shows_every_icon_with_its_words(self, client: TestClient, db: Session) -> None:
        sign_in_lead(client, db)
        key = soup_of(client.get("/measures/matrix")).select(".fc-icon-key li")
        assert len(key) == 10
        assert all(li.svg.title.get_text() == li.span.get_text() for li in key)

    def test_staff_of_the_unit_see_it_and_other_staff_do_not(
        self, client: TestClient, db: Session
    ) -> None:
        adults, willow, camhs = self.setup_units(db)
        nurse = create_user(db, roles={Role.staff})
        db.add(UserUnit(user_id=nurse.id or 0, unit_id=adults.id or 0))
        db.commit()
        sign_in(client, nurse)
        assert client.get("/measures/matrix").status_code == 200  # their own unit by default
        assert client.get(f"/measures/matrix?unit={willow.slug}").status_code == 200
        assert client.get(f"/measures/matrix?unit={camhs.slug}").status_code == 403

    @pytest.mark.parametrize("roles", [{Role.service_user}, {Role.carer}, {Role.staff}])
    def test_people_outside_the_team_may_not(
        self, client: TestClient, db: Session, roles: set[Role]
    ) -> None:
        sign_in(client, create_user(db, roles=roles))
        assert client.get("/measures/matrix").status_code == 403

    def test_anonymous_is_asked_to_sign_in(self, client: TestClient) -> None:
        assert client.get("/measures/matrix").status_code == 401
