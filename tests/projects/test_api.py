"""The JSON API for projects and measures: the same conventions as the ideas API (problem JSON,
401 without credentials, 403 for the wrong role, 404 unknown or not visible, 422 saying
where), and the names other tools rely on."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import DriverKind, IdeaStatus, ProjectStatus, Role
from tests.factories import create_unit, create_user
from tests.ideas.factories import create_idea
from tests.projects.factories import (
    EARLIER,
    LATER,
    create_driver,
    create_measure,
    create_project,
    lead,
)
from tests.projects.helpers import token_for
from tests.security.helpers import assert_problem

PROJECTS = "/api/v1/projects"


@pytest.fixture
def lead_headers(db: Session) -> dict[str, str]:
    return token_for(db, lead(db).user)


def new_project(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post(
        PROJECTS,
        json={"title": "Calmer evenings", "aim": "Fewer incidents.", **body},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


class TestCreateProject:
    def test_a_project_is_active_unless_told_otherwise(
        self, client: TestClient, db: Session, lead_headers: dict[str, str]
    ) -> None:
        ward = create_unit(db, name="Willow Ward")
        body = new_project(
            client,
            lead_headers,
            unit=ward.slug,
            aim_parts={"what": "Fewer incidents", "where": "Willow Ward"},
            coproduction={"defining": "co_production", "testing": "engagement"},
        )
        assert body["status"] == "active"
        assert body["unit"] == "Willow Ward"
        assert body["aim"] == "Fewer incidents."
        assert body["aim_parts"]["where"] == "Willow Ward"
        assert body["coproduction"] == {
            "defining": "co_production",
            "designing": None,
            "testing": "engagement",
            "evaluating": None,
        }
        assert body["started_at"] is not None
        proposed = new_project(client, lead_headers, status="proposed", unit=ward.id)
        assert proposed["status"] == "proposed"
        assert proposed["started_at"] is None

    def test_without_credentials(self, client: TestClient) -> None:
        response = client.post(PROJECTS, json={"title": "x", "aim": "y"})
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"

    @pytest.mark.parametrize("roles", [{Role.service_user}, {Role.staff}, {Role.moderator}])
    def test_the_wrong_role(self, client: TestClient, db: Session, roles: set[Role]) -> None:
        headers = token_for(db, create_user(db, roles=roles))
        assert_problem(client.post(PROJECTS, json={"title": "x", "aim": "y"}, headers=headers), 403)

    def test_an_admin_may(self, client: TestClient, db: Session) -> None:
        headers = token_for(db, create_user(db, roles={Role.admin}))
        assert (
            client.post(PROJECTS, json={"title": "x", "aim": "y"}, headers=headers).status_code
            == 201
        )

    @pytest.mark.parametrize(
        ("body", "where"),
        [
            ({"aim": "y"}, ["body", "title"]),
            ({"title": "x", "aim": "y", "status": "finished"}, ["body", "status"]),
            (
                {"title": "x", "aim": "y", "coproduction": {"defining": "partnership"}},
                ["body", "coproduction", "defining"],
            ),
            (
                {"title": "x", "aim": "y", "coproduction": {"dreaming": "co_design"}},
                ["body", "coproduction", "dreaming"],
            ),
        ],
    )
    def test_invalid_input_says_where(
        self,
        client: TestClient,
        lead_headers: dict[str, str],
        body: dict[str, Any],
        where: list[str],
    ) -> None:
        problem = assert_problem(client.post(PROJECTS, json=body, headers=lead_headers), 422)
        assert [e["loc"] for e in problem["errors"]] == [where]

    def test_an_unknown_unit_or_a_stopped_start(
        self, client: TestClient, lead_headers: dict[str, str]
    ) -> None:
        problem = assert_problem(
            client.post(
                PROJECTS, json={"title": "x", "aim": "y", "unit": "nowhere"}, headers=lead_headers
            ),
            422,
        )
        assert problem["errors"] == [{"field": "unit", "msg": "There is no such unit"}]
        problem = assert_problem(
            client.post(
                PROJECTS, json={"title": "x", "aim": "y", "status": "stopped"}, headers=lead_headers
            ),
            422,
        )
        assert problem["errors"][0]["field"] == "status"


class TestReadProject:
    def test_the_public_reads_a_published_project(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db, title="Quiet room", status=IdeaStatus.accepted)
        project = create_project(db, ideas=[idea])
        top = create_driver(db, project, text="Somewhere quiet")
        create_driver(db, project, kind=DriverKind.change_idea, parents=[top], text="Open the room")
        create_measure(db, project, name="Incidents", values=EARLIER + LATER)
        body = client.get(f"{PROJECTS}/{project.id}").json()
        assert body["ideas"] == [{"id": idea.id, "title": "Quiet room", "status": "in_progress"}]
        assert [(d["kind"], d["text"], d["parent_ids"]) for d in body["drivers"]] == [
            ("primary", "Somewhere quiet", []),
            ("change_idea", "Open the room", [top.id]),
        ]
        (measure,) = body["measures"]
        assert (measure["name"], measure["variation_icon"], measure["point_count"]) == (
            "Incidents",
            "improvement_low",
            24,
        )
        assert measure["summary"].startswith("Special cause improvement")

    def test_unknown_and_not_visible_are_both_404(self, client: TestClient, db: Session) -> None:
        hidden = create_project(db, status=ProjectStatus.proposed)
        assert_problem(client.get(f"{PROJECTS}/{hidden.id}"), 404)
        assert_problem(client.get(f"{PROJECTS}/99999"), 404)
        staff = token_for(db, create_user(db, roles={Role.staff}))
        assert client.get(f"{PROJECTS}/{hidden.id}", headers=staff).status_code == 200


class TestLinkIdea:
    def test_link_then_link_again(
        self, client: TestClient, db: Session, lead_headers: dict[str, str]
    ) -> None:
        project = create_project(db)
        idea = create_idea(db)
        first = client.post(
            f"{PROJECTS}/{project.id}/ideas", json={"idea_id": idea.id}, headers=lead_headers
        )
        assert first.status_code == 201
        assert first.json()["ideas"] == [
            {"id": idea.id, "title": idea.title, "status": "in_progress"}
        ]
        again = client.post(
            f"{PROJECTS}/{project.id}/ideas", json={"idea_id": idea.id}, headers=lead_headers
        )
        assert again.status_code == 200

    def test_problems(self, client: TestClient, db: Session, lead_headers: dict[str, str]) -> None:
        project = create_project(db)
        refused = create_idea(db, status=IdeaStatus.not_taken_forward)
        path = f"{PROJECTS}/{project.id}/ideas"
        assert_problem(client.post(path, json={"idea_id": refused.id}, headers=lead_headers), 409)
        problem = assert_problem(
            client.post(path, json={"idea_id": 99999}, headers=lead_headers), 422
        )
        assert problem["errors"] == [
            {"field": "idea_id", "msg": "There is no idea with this number"}
        ]
        assert_problem(
            client.post(
                f"{PROJECTS}/99999/ideas", json={"idea_id": refused.id}, headers=lead_headers
            ),
            404,
        )
        user = token_for(db, create_user(db))
        assert_problem(client.post(path, json={"idea_id": refused.id}, headers=user), 403)


class TestPDSA:
    def test_a_cycle_under_a_change_idea_or_the_aim(
        self, client: TestClient, db: Session, lead_headers: dict[str, str]
    ) -> None:
        project = create_project(db)
        change = create_driver(
            db, project, kind=DriverKind.change_idea, parents=[create_driver(db, project)]
        )
        path = f"{PROJECTS}/{project.id}/pdsa"
        under = client.post(
            path,
            json={
                "title": "Texts",
                "plan": {"objective": "Fewer missed", "who": "Reception"},
                "change_idea_id": change.id,
            },
            headers=lead_headers,
        )
        assert under.status_code == 201, under.text
        body = under.json()
        assert (body["number"], body["label"], body["status"], body["change_idea_id"]) == (
            1,
            "PDSA 1",
            "planning",
            change.id,
        )
        assert body["plan"]["objective"] == "Fewer missed"
        assert body["plan"]["who"] == "Reception"
        aim = client.post(path, json={"title": "Posters"}, headers=lead_headers).json()
        assert (aim["change_idea_id"], aim["number"], aim["label"]) == (None, 1, "PDSA 2.1")

    def test_a_change_idea_of_another_project(
        self, client: TestClient, db: Session, lead_headers: dict[str, str]
    ) -> None:
        other = create_project(db)
        change = create_driver(
            db, other, kind=DriverKind.change_idea, parents=[create_driver(db, other)]
        )
        project = create_project(db)
        problem = assert_problem(
            client.post(
                f"{PROJECTS}/{project.id}/pdsa",
                json={"title": "x", "change_idea_id": change.id},
                headers=lead_headers,
            ),
            422,
        )
        assert problem["errors"][0]["field"] == "change_idea_id"


class TestMeasures:
    def test_define_add_data_and_read_the_spc(
        self, client: TestClient, db: Session, lead_headers: dict[str, str]
    ) -> None:
        project = create_project(db)
        created = client.post(
            f"{PROJECTS}/{project.id}/measures",
            json={
                "name": "Missed",
                "kind": "outcome",
                "direction": "down",
                "target": 10,
                "unit_label": "%",
            },
            headers=lead_headers,
        )
        assert created.status_code == 201, created.text
        measure_id = created.json()["id"]
        assert created.json()["rule_set"] == "mdc_2024"
        points = [
            {"date": f"2026-{1 + i // 4:02d}-{1 + 7 * (i % 4):02d}", "value": v}
            for i, v in enumerate(EARLIER + LATER)
        ]
        added = client.post(
            f"/api/v1/measures/{measure_id}/data", json={"points": points}, headers=lead_headers
        )
        assert added.status_code == 201, added.text
        assert added.json()["point_count"] == 24
        assert added.json()["variation_icon"] == "improvement_low"
        spc = client.get(f"/api/v1/measures/{measure_id}/spc").json()
        assert spc["chart"] == "xmr"
        assert spc["variation_icon"] == "improvement_low"
        assert spc["assurance_icon"] == "fail"
        assert spc["summary"].startswith("Special cause improvement: 9 points below the mean")
        assert len(spc["points"]) == 24
        assert spc["points"][-1]["special_cause"] == "improvement"
        assert {"start", "end", "mean", "ucl", "lcl", "upper_two_sigma", "lower_two_sigma"} <= set(
            spc["segments"][0]
        )
        assert spc["run_chart"] is None

    def test_adding_data_is_all_or_nothing(
        self, client: TestClient, db: Session, lead_headers: dict[str, str]
    ) -> None:
        measure = create_measure(db, create_project(db), values=[5])
        body = {
            "points": [
                {"date": "2026-03-02", "value": 1},
                {"date": "2026-01-05", "value": 2},
                {"date": "2026-03-02", "value": 3},
            ]
        }
        problem = assert_problem(
            client.post(f"/api/v1/measures/{measure.id}/data", json=body, headers=lead_headers), 422
        )
        assert problem["errors"] == [
            {"field": "points[1].date", "msg": "There is already a value for this date"},
            {"field": "points[2].date", "msg": "The same date is given twice"},
        ]
        assert client.get(f"/api/v1/measures/{measure.id}/spc").json()["n_points"] == 1

    @pytest.mark.parametrize(
        "points",
        [[], [{"date": "2026-02-30", "value": 1}], [{"date": "2026-02-02", "value": "lots"}]],
    )
    def test_invalid_points_say_where(
        self, client: TestClient, db: Session, lead_headers: dict[str, str], points: list[Any]
    ) -> None:
        measure = create_measure(db, create_project(db))
        problem = assert_problem(
            client.post(
                f"/api/v1/measures/{measure.id}/data", json={"points": points}, headers=lead_headers
            ),
            422,
        )
        assert problem["errors"][0]["loc"][:2] == ["body", "points"]

    def test_the_wrong_role_and_the_hidden_measure(self, client: TestClient, db: Session) -> None:
        measure = create_measure(db, create_project(db, status=ProjectStatus.proposed), values=[1])
        user = token_for(db, create_user(db))
        assert_problem(
            client.post(
                f"/api/v1/measures/{measure.id}/data",
                json={"points": [{"date": "2026-01-01", "value": 1}]},
                headers=user,
            ),
            403,
        )
        assert_problem(client.get(f"/api/v1/measures/{measure.id}/spc"), 404)
        assert_problem(client.get("/api/v1/measures/99999/spc"), 404)

    def test_a_run_chart_measure_also_gives_its_run_chart(
        self, client: TestClient, db: Session, lead_headers: dict[str, str]
    ) -> None:
        measure = create_measure(db, create_project(db), values=EARLIER[:10])
        spc = client.get(f"/api/v1/measures/{measure.id}/spc").json()
        assert spc["enough_points"] is False
        assert spc["variation_icon"] is None
        assert spc["run_chart"]["chart"] == "run"
        assert spc["run_chart"]["n_points"] == 10
