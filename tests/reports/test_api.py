"""GET /api/v1/reports/...: who may read them, the cells, and a fixed number of statements."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Role
from app.units import service as units
from tests.factories import create_user
from tests.projects.helpers import count_statements
from tests.reports.helpers import QUERY, World, add_idea, build_world
from tests.triage.helpers import bearer, member

REPORTS = ("funnel", "fairness", "reach", "coproduction", "contribution")


class TestAccess:
    @pytest.mark.parametrize("report", REPORTS)
    def test_without_a_token_is_401_problem(self, client: TestClient, report: str) -> None:
        response = client.get(f"/api/v1/reports/{report}")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")

    @pytest.mark.parametrize("role", [Role.service_user, Role.carer])
    def test_the_public_is_403(self, client: TestClient, db: Session, role: Role) -> None:
        headers = bearer(db, create_user(db, roles={role}))
        response = client.get("/api/v1/reports/funnel", headers=headers)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")

    def test_staff_of_no_unit_are_403(self, client: TestClient, db: Session) -> None:
        headers = bearer(db, create_user(db, roles={Role.staff}))
        assert client.get("/api/v1/reports/funnel", headers=headers).status_code == 403

    def test_staff_read_their_own_units_only(
        self, client: TestClient, db: Session, world: World
    ) -> None:
        nurse = member(db, create_user(db, roles={Role.staff}), world.north)
        headers = bearer(db, nurse)
        mine = client.get(
            "/api/v1/reports/funnel",
            params={**QUERY, "unit": world.north_ward.slug},
            headers=headers,
        )
        assert mine.status_code == 200
        assert (
            client.get(
                "/api/v1/reports/funnel",
                params={**QUERY, "unit": world.south.slug},
                headers=headers,
            ).status_code
            == 403
        )
        # Without a unit: the places they work in, never the whole trust.
        body = client.get("/api/v1/reports/funnel", params=QUERY, headers=headers).json()
        assert body["unit_name"] == "North"
        assert [r["key"] for r in body["tables"][0]["rows"]] == [world.north.slug, "__total__"]

    def test_an_unknown_unit_is_404(self, client: TestClient, db: Session) -> None:
        headers = bearer(db, create_user(db, roles={Role.improvement_lead}))
        response = client.get("/api/v1/reports/reach", params={"unit": "nowhere"}, headers=headers)
        assert response.status_code == 404

    def test_a_bad_date_is_422(self, client: TestClient, db: Session) -> None:
        headers = bearer(db, create_user(db, roles={Role.improvement_lead}))
        assert (
            client.get(
                "/api/v1/reports/funnel", params={"from": "soon"}, headers=headers
            ).status_code
            == 422
        )
        backwards = {"from": "2026-06-01", "to": "2026-01-01"}
        assert (
            client.get("/api/v1/reports/funnel", params=backwards, headers=headers).status_code
            == 422
        )


class TestCells:
    def test_funnel_cells(self, client: TestClient, db: Session, world: World) -> None:
        headers = bearer(db, create_user(db, roles={Role.improvement_lead}))
        body = client.get("/api/v1/reports/funnel", params=QUERY, headers=headers).json()
        assert body["report"] == "funnel"
        assert (body["from"], body["to"], body["unit"]) == ("2026-01-01", "2026-06-30", None)
        rows = {r["key"]: r["cells"] for r in body["tables"][0]["rows"]}
        north = rows[world.north.slug]
        assert north["submitted"] == {"value": 12, "display": "12"}
        assert north["accepted"] == {"value": None, "display": "<10"}
        assert north["answered"] == {"value": None, "display": "—"}
        assert rows["__total__"]["on_time_share"] == {"value": 0.4348, "display": "43%"}

    @pytest.mark.parametrize("report", REPORTS)
    def test_no_suppressed_number_ever_leaves(
        self, client: TestClient, db: Session, world: World, report: str
    ) -> None:
        headers = bearer(db, create_user(db, roles={Role.improvement_lead}))
        body = client.get(
            f"/api/v1/reports/{report}",
            params={**QUERY, "unit": str(world.root.id)},
            headers=headers,
        ).json()
        for table in body["tables"]:
            for row in table["rows"]:
                for cell in row["cells"].values():
                    assert set(cell) == {"value", "display"}
                    if cell["display"] in ("<10", "—"):
                        assert cell["value"] is None


class TestStatements:
    @pytest.mark.parametrize("report", REPORTS)
    def test_a_fixed_number_whatever_the_data(
        self, client: TestClient, db: Session, engine: object, report: str
    ) -> None:
        headers = bearer(db, create_user(db, roles={Role.improvement_lead}))

        def statements() -> int:
            with count_statements(engine) as seen:  # type: ignore[arg-type]
                assert (
                    client.get(
                        f"/api/v1/reports/{report}", params=QUERY, headers=headers
                    ).status_code
                    == 200
                )
            return len(seen)

        statements()  # the token's first use is stamped once
        few = statements()
        build_world(db)
        root = units.root(db)
        for _ in range(15):
            add_idea(db, unit=root)
        assert statements() == few
