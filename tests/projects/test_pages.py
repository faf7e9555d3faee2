"""Project pages through the real app: the library, the project page, the forms that run a
project (with HTMX and without), comments and follows, "you said, we did", "tried elsewhere"
and an idea's projects; who may use them; and a fixed number of SQL statements per page."""

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.ideas import service as ideas_service
from app.models import (
    Comment,
    DriverKind,
    DriverNode,
    Follow,
    IdeaStatus,
    MeasureKind,
    PDSACycle,
    PDSADecision,
    Project,
    ProjectMember,
    ProjectStatus,
    Role,
    UnitKind,
)
from app.projects import repository as repo
from app.projects import service as projects
from app.projects.schemas import MemberForm
from tests.factories import create_unit, create_user, sign_in
from tests.helpers import error_summary, soup_of
from tests.ideas.factories import create_idea
from tests.projects.factories import (
    EARLIER,
    LATER,
    create_cycle,
    create_driver,
    create_measure,
    create_project,
    lead,
)
from tests.projects.helpers import count_statements, sign_in_lead

HTMX = {"HX-Request": "true"}


def titles(response: Response) -> list[str]:
    assert response.status_code == 200, response.text[:500]
    return [a.get_text(strip=True) for a in soup_of(response).select("#results h3 a")]


def project_id_from(response: Response) -> int:
    assert response.status_code == 303, response.text[:800]
    match = re.match(r"/projects/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


# --- the library -------------------------------------------------------------------------------


class TestLibrary:
    def test_the_public_sees_published_projects_and_staff_see_proposed_ones(
        self, client: TestClient, db: Session
    ) -> None:
        create_project(db, title="Calmer evenings")
        create_project(db, title="Stopped early", status=ProjectStatus.completed)
        create_project(db, title="Still an idea", status=ProjectStatus.proposed)
        assert titles(client.get("/projects")) == ["Stopped early", "Calmer evenings"]
        sign_in(client, create_user(db, roles={Role.staff}))
        assert titles(client.get("/projects")) == [
            "Still an idea",
            "Stopped early",
            "Calmer evenings",
        ]

    def test_filters_by_place_status_measure_kind_outcome_and_words(
        self, client: TestClient, db: Session
    ) -> None:
        adults = create_unit(db, name="Adult Services", kind=UnitKind.directorate)
        willow = create_unit(db, name="Willow Ward", parent=adults)
        elsewhere = create_unit(db, name="CAMHS")
        quiet = create_project(db, title="Quiet evenings", what="Calmer evenings", unit=willow)
        create_measure(db, quiet, values=EARLIER + LATER)  # an outcome showing improvement
        food = create_project(
            db,
            title="Fresh fruit",
            what="More fruit",
            unit=elsewhere,
            status=ProjectStatus.sustaining,
        )
        create_measure(db, food, kind=MeasureKind.balancing, values=EARLIER)
        assert titles(client.get(f"/projects?unit={adults.slug}")) == ["Quiet evenings"]
        assert titles(client.get("/projects?status=sustaining")) == ["Fresh fruit"]
        assert titles(client.get("/projects?kind=balancing")) == ["Fresh fruit"]
        assert titles(client.get("/projects?outcome=improvement")) == ["Quiet evenings"]
        assert titles(client.get("/projects?outcome=not_yet")) == ["Fresh fruit"]
        assert titles(client.get("/projects?q=calmer+EVENINGS")) == ["Quiet evenings"]
        assert titles(client.get("/projects?status=nonsense&kind=x&outcome=y")) == [
            "Fresh fruit",
            "Quiet evenings",
        ]
        page = soup_of(client.get("/projects?outcome=improvement"))
        assert page.select_one("#outcome option[selected]")["value"] == "improvement"
        tags = [t.get_text(strip=True) for t in page.select("#results .nhsuk-tag")]
        assert tags == ["Active", "Improvement shown"]

    def test_htmx_gets_only_the_results(self, client: TestClient, db: Session) -> None:
        create_project(db, title="Calmer evenings")
        response = client.get("/projects?q=calmer", headers=HTMX)
        soup = soup_of(response)
        assert soup.select_one("header") is None
        assert soup.select_one("#results") is not None
        assert response.headers["vary"] == "HX-Request"


# --- the project page --------------------------------------------------------------------------


def busy_project(db: Session, *, measures: int, points: int) -> Project:
    idea = create_idea(db, title="Text reminders", status=IdeaStatus.accepted)
    project = create_project(db, title="Fewer missed appointments", ideas=[idea])
    for name, role in (("Marcus", "service_user_partner"), ("Dr Okafor", "sponsor")):
        projects.add_member(db, project=project, data=MemberForm(name=name, role=role))
    top = create_driver(db, project, text="People know when")
    change = create_driver(db, project, kind=DriverKind.change_idea, parents=[top], text="Texts")
    create_cycle(
        db, project, change_idea=change, started=date(2026, 2, 2), decision=PDSADecision.adopt
    )
    create_cycle(db, project, change_idea=change, started=date(2026, 3, 2))
    values = (EARLIER + LATER) * (points // 24 + 1)
    for _n in range(measures):
        create_measure(db, project, values=values[:points])
    db.commit()
    return project


class TestProjectPage:
    def test_the_public_page_shows_the_whole_trace(self, client: TestClient, db: Session) -> None:
        project = busy_project(db, measures=1, points=24)
        page = soup_of(client.get(f"/projects/{project.id}"))
        assert page.h1.get_text(strip=True) == "Fewer missed appointments"
        assert page.select_one(".fc-aim").get_text(strip=True).startswith("Improve thing number")
        assert [a.get_text(strip=True) for a in page.select(".fc-linked-ideas a")] == [
            "Text reminders"
        ]
        team = page.select_one(".fc-team").get_text(" ", strip=True)
        assert "Service-user partner : 1" in team
        assert "Marcus" not in page.text  # the public sees the team by role
        diagram = page.select_one(".fc-diagram__svg")
        assert diagram["role"] == "img"
        assert "Texts" in page.select_one(".fc-drivers").get_text()
        assert [p.get_text(strip=True) for p in page.select(".fc-ramp .fc-timeline__when")][
            0
        ].startswith("PDSA 1")
        chart = page.select_one(".fc-chart")
        summary = chart.select_one(".fc-chart__summary").get_text(strip=True)
        assert summary.startswith("Special cause improvement: 9 points below the mean")
        assert chart.select_one("svg desc").get_text() == summary
        assert chart.select_one("details table") is not None
        assert len(chart.select(".fc-chart__downloads a[download]")) == 3
        assert page.select_one("table .fc-matrix__icon svg title").get_text() == (
            "Special cause improvement – low"
        )
        assert "PDSA 1 started" in chart.select_one("svg").get_text()

    def test_staff_see_the_team_by_name(self, client: TestClient, db: Session) -> None:
        project = busy_project(db, measures=0, points=0)
        sign_in(client, create_user(db, roles={Role.staff}))
        assert "Marcus" in client.get(f"/projects/{project.id}").text

    @pytest.mark.parametrize("who", [None, Role.service_user, Role.carer])
    def test_a_proposed_project_is_not_found_by_the_public(
        self, client: TestClient, db: Session, who: Role | None
    ) -> None:
        project = create_project(db, status=ProjectStatus.proposed)
        if who:
            sign_in(client, create_user(db, roles={who}))
        assert client.get(f"/projects/{project.id}").status_code == 404
        assert client.get(f"/api/v1/projects/{project.id}").status_code == 404

    def test_a_proposed_project_is_seen_by_staff(self, client: TestClient, db: Session) -> None:
        project = create_project(db, status=ProjectStatus.proposed)
        sign_in(client, create_user(db, roles={Role.moderator}))
        page = soup_of(client.get(f"/projects/{project.id}"))
        assert "Only staff can see a proposed project." in page.text

    @pytest.mark.parametrize("path", ["/projects/0", "/projects/99999999999", "/projects/12345"])
    def test_no_such_project(self, client: TestClient, path: str) -> None:
        assert client.get(path).status_code in (404, 422)

    def test_the_statement_count_does_not_grow_with_measures_or_points(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        small = busy_project(db, measures=1, points=20)
        big = busy_project(db, measures=10, points=100)
        sign_in_lead(client, db)

        def count(project: Project) -> int:
            client.get(f"/projects/{project.id}")
            with count_statements(engine) as statements:
                response = client.get(f"/projects/{project.id}")
            assert response.status_code == 200
            return len(statements)

        assert count(small) == count(big)
        assert len(soup_of(client.get(f"/projects/{big.id}")).select(".fc-chart")) == 10


# --- starting and running a project ------------------------------------------------------------


class TestNewProject:
    def test_a_service_user_may_not(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db, roles={Role.service_user}))
        assert client.get("/projects/new").status_code == 403
        assert client.post("/projects", data={"title": "x"}).status_code == 403

    @pytest.mark.parametrize("role", [Role.staff, Role.moderator])
    def test_other_staff_may_not(self, client: TestClient, db: Session, role: Role) -> None:
        sign_in(client, create_user(db, roles={role}))
        assert client.get("/projects/new").status_code == 403

    def test_from_an_adopted_idea(self, client: TestClient, db: Session) -> None:
        ward = create_unit(db, name="Oak Ward")
        idea = create_idea(db, title="Fruit on the ward", unit=ward, status=IdeaStatus.accepted)
        sign_in_lead(client, db)
        idea_page = soup_of(client.get(f"/ideas/{idea.id}"))
        start = idea_page.find("a", string="Start a project from this idea")
        form = soup_of(client.get(start["href"]))
        assert form.select_one("#title")["value"] == "Fruit on the ward"
        assert form.select_one("#unit_id option[selected]")["value"] == str(ward.id)
        assert form.select_one('input[name="idea_id"]')["value"] == str(idea.id)
        response = client.post(
            "/projects",
            data={
                "title": "Fruit on the ward",
                "aim_what": "More people eat fruit",
                "aim_how_much": "from a third to a half",
                "aim_by_when": "spring",
                "unit_id": str(ward.id),
                "status": "active",
                "idea_id": str(idea.id),
                "rung_defining": "co_production",
            },
            follow_redirects=False,
        )
        project_id = project_id_from(response)
        project = db.get(Project, project_id)
        assert project is not None
        assert project.aim == "More people eat fruit from a third to a half by spring."
        assert project.rung_defining == "co_production"
        db.refresh(idea)
        assert idea.status == IdeaStatus.in_progress
        assert repo.linked_idea_ids(db, project_id) == [idea.id]

    def test_a_form_with_problems_keeps_what_was_typed(
        self, client: TestClient, db: Session
    ) -> None:
        sign_in_lead(client, db)
        response = client.post(
            "/projects", data={"title": "", "aim_what": "", "aim_where": "Oak Ward", "unit_id": "1"}
        )
        assert response.status_code == 422
        assert error_summary(response) == [
            "Enter a title for the project",
            "Enter what the project will change",
        ]
        assert soup_of(response).select_one("#aim_where")["value"] == "Oak Ward"


class TestManage:
    def test_taking_up_an_idea_by_its_number(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        idea = create_idea(db, title="Water fountain")
        sign_in_lead(client, db)
        response = client.post(
            f"/projects/{project.id}/ideas", data={"idea_id": f"#{idea.id}"}, follow_redirects=False
        )
        assert response.status_code == 303
        db.refresh(idea)
        assert idea.status == IdeaStatus.in_progress

    def test_an_unknown_idea_number_is_a_form_error(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        sign_in_lead(client, db)
        response = client.post(f"/projects/{project.id}/ideas", data={"idea_id": "99999"})
        assert response.status_code == 422
        assert error_summary(response) == ["There is no idea with this number"]

    def test_an_idea_not_taken_forward_is_refused(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        idea = create_idea(db, status=IdeaStatus.not_taken_forward)
        sign_in_lead(client, db)
        assert (
            client.post(f"/projects/{project.id}/ideas", data={"idea_id": str(idea.id)}).status_code
            == 409
        )

    def test_searching_for_ideas_swaps_only_the_results(
        self, client: TestClient, db: Session
    ) -> None:
        project = create_project(db)
        create_idea(db, title="A water fountain in the garden")
        sign_in_lead(client, db)
        soup = soup_of(client.get(f"/projects/{project.id}/manage?q=fountain", headers=HTMX))
        assert soup.select_one("header") is None
        assert "A water fountain in the garden" in soup.select_one("#idea-search").get_text()
        full = soup_of(client.get(f"/projects/{project.id}/manage?q=fountain"))
        assert full.select_one("header") is not None
        assert (
            full.select_one("#idea-search form button")
            .get_text(" ", strip=True)
            .startswith("Take up this idea")
        )

    def test_the_team_and_the_contribution_log(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        sign_in_lead(client, db)
        response = client.post(
            f"/projects/{project.id}/team",
            data={"name": "Leah", "role": "service_user_partner", "involvement": "big_i"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        member = db.scalars(
            select(ProjectMember).where(col(ProjectMember.project_id) == project.id)
        ).one()
        response = client.post(
            f"/projects/{project.id}/contributions",
            data={
                "member_id": str(member.id),
                "on_date": "2026-03-02",
                "hours": "2",
                "recognition": "payment",
            },
        )
        assert response.status_code == 422
        assert error_summary(response) == [
            "Say whether advice about benefits was offered with the payment"
        ]
        assert soup_of(response).select_one("#hours")["value"] == "2"
        response = client.post(
            f"/projects/{project.id}/contributions",
            data={
                "member_id": str(member.id),
                "on_date": "2026-03-02",
                "hours": "2",
                "recognition": "payment",
                "benefits_advice": "yes",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        page = soup_of(client.get(f"/projects/{project.id}"))
        log = page.select_one("#contributions + p + .fc-table-scroll table").get_text(
            " ", strip=True
        )
        assert "Leah" in log
        assert "Payment" in log
        # Nobody else sees the log.
        client.cookies.clear()
        assert "Contribution log" not in client.get(f"/projects/{project.id}").text

    def test_stopping_needs_a_reason(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        sign_in_lead(client, db)
        response = client.post(f"/projects/{project.id}/status", data={"to": "stopped"})
        assert response.status_code == 422
        assert error_summary(response) == ["Say why the project is stopping"]
        response = client.post(
            f"/projects/{project.id}/status",
            data={"to": "stopped", "reason": "Merged into another"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        db.refresh(project)
        assert project.status == ProjectStatus.stopped

    def test_an_illegal_move_is_a_conflict(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        sign_in_lead(client, db)
        assert (
            client.post(f"/projects/{project.id}/status", data={"to": "completed"}).status_code
            == 409
        )

    def test_the_progress_score(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        sign_in_lead(client, db)
        assert (
            client.post(f"/projects/{project.id}/progress", data={"score": "9"}).status_code == 422
        )
        client.post(
            f"/projects/{project.id}/progress", data={"score": "2.5", "note": "Tests under way"}
        )
        db.refresh(project)
        assert project.progress_score == "2.5"

    def test_a_service_user_may_not_run_a_project(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        sign_in(client, create_user(db, roles={Role.service_user}))
        for path in ("manage", "edit", "drivers", "pdsa/new", "measures/new"):
            assert client.get(f"/projects/{project.id}/{path}").status_code == 403, path
        for path in (
            "status",
            "progress",
            "ideas",
            "team",
            "contributions",
            "drivers",
            "pdsa",
            "measures",
            "edit",
        ):
            assert client.post(f"/projects/{project.id}/{path}", data={}).status_code == 403, path


class TestDriverDiagramPages:
    def test_adding_without_javascript(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        sign_in_lead(client, db)
        client.post(
            f"/projects/{project.id}/drivers", data={"kind": "primary", "text": "Know when"}
        )
        top = db.scalars(select(DriverNode).where(col(DriverNode.project_id) == project.id)).one()
        response = client.post(
            f"/projects/{project.id}/drivers",
            data={"kind": "secondary", "text": "A reminder", "parent_ids": [str(top.id)]},
            follow_redirects=False,
        )
        assert response.status_code == 303
        page = soup_of(client.get(f"/projects/{project.id}/drivers"))
        assert "A reminder" in page.select_one(".fc-drivers").get_text()

    def test_with_htmx_the_editor_is_swapped(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        sign_in_lead(client, db)
        response = client.post(
            f"/projects/{project.id}/drivers",
            data={"kind": "primary", "text": "Know when"},
            headers=HTMX,
        )
        soup = soup_of(response)
        assert response.status_code == 200
        assert soup.select_one("header") is None
        assert soup.select_one("#editor .nhsuk-notification-banner") is not None
        assert "Know when" in soup.select_one("#editor .fc-drivers").get_text()

    def test_a_secondary_driver_without_a_parent_is_shown_again(
        self, client: TestClient, db: Session
    ) -> None:
        project = create_project(db)
        create_driver(db, project, text="Know when")
        sign_in_lead(client, db)
        response = client.post(
            f"/projects/{project.id}/drivers",
            data={"kind": "secondary", "text": "A reminder"},
            headers=HTMX,
        )
        assert response.status_code == 422
        soup = soup_of(response)
        assert soup.select_one("#editor .nhsuk-error-summary") is not None
        assert soup.select_one("#text")["value"] == "A reminder"

    def test_choosing_the_kind_narrows_the_parents(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        top = create_driver(db, project, text="Know when")
        create_driver(db, project, kind=DriverKind.secondary, parents=[top], text="A reminder")
        sign_in_lead(client, db)
        soup = soup_of(client.get(f"/projects/{project.id}/drivers?kind=secondary", headers=HTMX))
        assert [lab.get_text(strip=True) for lab in soup.select("#parents label")] == [
            "Primary driver: Know when"
        ]
        soup = soup_of(client.get(f"/projects/{project.id}/drivers?kind=change_idea", headers=HTMX))
        assert len(soup.select("#parents input[type=checkbox]")) == 2


class TestPDSAPages:
    def test_plan_start_and_finish_a_cycle(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        sign_in_lead(client, db)
        response = client.post(
            f"/projects/{project.id}/pdsa",
            data={
                "title": "Morning texts",
                "objective": "See if texts help",
                "prediction": "Fewer missed",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        cycle = db.scalars(select(PDSACycle)).one()
        path = f"/projects/{project.id}/pdsa/{cycle.id}"
        page = soup_of(client.get(path))
        assert page.h1.get_text(strip=True) == "Morning texts"
        assert "See if texts help" in page.text
        client.post(f"{path}/advance", data={"on_date": "2026-03-02"})
        client.post(f"{path}/advance", data={})
        client.post(f"{path}/advance", data={})
        response = client.post(f"{path}/advance", data={})
        assert response.status_code == 422
        assert error_summary(response) == ["Choose whether to adapt, adopt or abandon the change"]
        response = client.post(
            f"{path}/advance",
            data={"decision": "adopt", "next_step": "Spread"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        db.refresh(cycle)
        assert (cycle.status, cycle.decision, cycle.started_on, cycle.next_step) == (
            "done",
            "adopt",
            date(2026, 3, 2),
            "Spread",
        )

    def test_writing_up_keeps_the_ramp(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        cycle = create_cycle(db, project, title="First go")
        sign_in_lead(client, db)
        response = client.post(
            f"/projects/{project.id}/pdsa/{cycle.id}/edit",
            data={"title": "First go", "what_happened": "It rained", "learning": "Bring umbrellas"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        db.refresh(cycle)
        assert (cycle.what_happened, cycle.learning, cycle.number) == (
            "It rained",
            "Bring umbrellas",
            1,
        )

    def test_the_public_reads_a_cycle_of_a_public_project(
        self, client: TestClient, db: Session
    ) -> None:
        project = create_project(db)
        cycle = create_cycle(db, project, title="First go")
        page = soup_of(client.get(f"/projects/{project.id}/pdsa/{cycle.id}"))
        assert page.h1.get_text(strip=True) == "First go"
        assert page.select_one("form.fc-advance") is None


# --- comments and follows ----------------------------------------------------------------------


class TestConversation:
    def test_comment_and_follow(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        person = create_user(db)
        sign_in(client, person)
        response = client.post(
            f"/projects/{project.id}/comments", data={"body": "Great work"}, follow_redirects=False
        )
        assert response.status_code == 303
        assert response.headers["location"].startswith(
            f"/projects/{project.id}?notice=comment-added#comment-"
        )
        comment = db.scalars(select(Comment)).one()
        assert (comment.subject_kind, comment.subject_id) == ("project", project.id)
        page = soup_of(client.get(f"/projects/{project.id}"))
        assert (
            page.select_one(f"#comment-{comment.id} .fc-idea-text").get_text(strip=True)
            == "Great work"
        )
        # The author follows; editing their comment goes back to the project.
        assert db.get(Follow, ("project", project.id, person.id)) is not None
        response = client.post(
            f"/comments/{comment.id}/edit", data={"body": "Great work!"}, follow_redirects=False
        )
        assert response.headers["location"] == f"/projects/{project.id}#comment-{comment.id}"
        client.post(f"/projects/{project.id}/follow", data={"action": "unfollow"})
        db.expire_all()
        assert db.get(Follow, ("project", project.id, person.id)) is None

    def test_an_empty_comment_is_shown_again(self, client: TestClient, db: Session) -> None:
        project = create_project(db)
        sign_in(client, create_user(db))
        response = client.post(f"/projects/{project.id}/comments", data={"body": " "})
        assert response.status_code == 422
        assert error_summary(response) == ["Write your comment"]

    def test_nobody_comments_on_a_proposed_project(self, client: TestClient, db: Session) -> None:
        project = create_project(db, status=ProjectStatus.proposed)
        sign_in(client, create_user(db, roles={Role.staff}))
        assert (
            client.post(f"/projects/{project.id}/comments", data={"body": "x"}).status_code == 404
        )


# --- "you said, we did", "tried elsewhere", an idea's projects -----------------------------------


class TestYouSaidWeDid:
    def test_ideas_in_progress_and_done_with_what_changed_and_the_outcome(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        ward = create_unit(db, name="Oak Ward")
        taken = create_idea(db, title="Fruit every day", unit=ward, status=IdeaStatus.accepted)
        done = create_idea(db, title="Phone chargers", status=IdeaStatus.in_progress)
        ideas_service.change_status(
            db, idea=done, to=IdeaStatus.done, actor=lead(db), note="Chargers in every lounge."
        )
        db.commit()
        create_idea(db, title="Still waiting", status=IdeaStatus.under_review)
        project = create_project(db, title="Fruit on the wards", ideas=[taken])
        project.what_changed = "A fruit bowl in every lounge."
        db.add(project)
        db.commit()
        create_measure(db, project, name="People eating fruit", values=EARLIER + LATER)
        page = soup_of(client.get("/you-said-we-did"))
        items = page.select(".fc-said")
        assert [i.select_one(".fc-said__title").get_text(strip=True) for i in items] == [
            "Fruit every day",
            "Phone chargers",
        ]
        first = items[0]
        assert "A fruit bowl in every lounge." in first.get_text()
        assert first.select_one(".fc-said__outcome svg")["role"] == "img"
        assert (
            first.select_one(".fc-said__outcome p:last-child")
            .get_text()
            .startswith("Special cause improvement")
        )
        assert items[1].select_one(".fc-idea-text").get_text() == "Chargers in every lounge."
        only_ward = soup_of(client.get(f"/you-said-we-did?unit={ward.slug}"))
        assert len(only_ward.select(".fc-said")) == 1

        client.get("/you-said-we-did")
        with count_statements(engine) as few:
            client.get("/you-said-we-did")
        for n in range(4):
            more = create_idea(db, title=f"Another {n}", status=IdeaStatus.accepted)
            other = create_project(db, ideas=[more])
            create_measure(db, other, values=EARLIER)
        with count_statements(engine) as many:
            client.get("/you-said-we-did")
        assert len(many) == len(few)


class TestTriedElsewhere:
    def test_from_the_idea_form_with_htmx(self, client: TestClient, db: Session) -> None:
        willow = create_unit(db, name="Willow Ward")
        cedar = create_unit(db, name="Cedar Ward")
        create_idea(db, title="Quiet room in the evenings", unit=cedar, status=IdeaStatus.done)
        create_idea(db, title="Quiet room at night", unit=willow, status=IdeaStatus.done)
        create_idea(db, title="Quiet room please", unit=cedar, status=IdeaStatus.accepted)
        create_project(db, title="Quiet evenings", what="A quiet room every evening", unit=cedar)
        response = client.get(
            "/projects/tried-elsewhere",
            params={"title": "A quiet room", "description": "", "unit_id": str(willow.id)},
            headers=HTMX,
        )
        soup = soup_of(response)
        assert soup.select_one("header") is None
        panel = soup.select_one("#tried-elsewhere")
        assert [a.get_text(strip=True) for a in panel.select("li a")] == [
            "Quiet room in the evenings",
            "Quiet evenings",
        ]
        assert panel["hx-get"] == "/projects/tried-elsewhere"
        assert panel.select_one("button[formaction]") is not None

    def test_a_done_idea_is_never_crowded_out_by_undone_ones(
        self, client: TestClient, db: Session
    ) -> None:
        willow = create_unit(db, name="Willow Ward")
        cedar = create_unit(db, name="Cedar Ward")
        # Undone ideas that match the words better, more of them than the ranking looks at.
        for n in range(60):
            create_idea(db, title=f"Quiet room quiet room quiet room {n}", unit=cedar)
        create_idea(
            db,
            title="Headphones on the ward",
            description="Ear defenders and a quiet room for the evenings.",
            unit=cedar,
            status=IdeaStatus.done,
        )
        response = client.get(
            "/projects/tried-elsewhere",
            params={"title": "A quiet room", "description": "", "unit_id": str(willow.id)},
            headers=HTMX,
        )
        panel = soup_of(response).select_one("#tried-elsewhere")
        assert [a.get_text(strip=True) for a in panel.select("li a")] == ["Headphones on the ward"]

    def test_without_javascript_it_is_a_page_of_its_own(
        self, client: TestClient, db: Session
    ) -> None:
        create_idea(db, title="Quiet room in the evenings", status=IdeaStatus.done)
        page = soup_of(
            client.get("/projects/tried-elsewhere", params={"title": "quiet room", "unit_id": "1"})
        )
        assert page.h1.get_text(strip=True) == "Tried elsewhere"
        assert page.select_one("#q")["value"] == "quiet room"
        assert "Quiet room in the evenings" in page.select_one("#tried-elsewhere").get_text()
        # No idea form here, so nothing for the panel to listen to.
        assert not page.select_one("#tried-elsewhere").has_attr("hx-get")

    def test_the_idea_form_offers_it(self, client: TestClient) -> None:
        form = soup_of(client.get("/ideas/new")).select_one('form[action="/ideas"]')
        button = form.select_one("#tried-elsewhere button")
        assert button["formaction"] == "/projects/tried-elsewhere"
        assert button["formmethod"] == "get"
        assert button["formtarget"] == "_blank"
        # The place search's "Find" is still the form's first button (Enter presses it).
        assert form.select("button")[0].get_text(strip=True).startswith("Find")


class TestAnIdeasPage:
    def test_it_shows_its_projects_and_the_latest_outcome(
        self, client: TestClient, db: Session
    ) -> None:
        idea = create_idea(db, title="Text reminders", status=IdeaStatus.accepted)
        project = create_project(db, title="Fewer missed appointments", ideas=[idea])
        create_measure(db, project, name="Missed first appointments", values=EARLIER + LATER)
        create_measure(db, project, name="Calls", kind=MeasureKind.balancing, values=EARLIER)
        create_project(db, title="Hidden plans", status=ProjectStatus.proposed, ideas=[idea])
        page = soup_of(client.get(f"/ideas/{idea.id}"))
        section = page.select_one(".fc-idea-projects")
        assert [a.get_text(strip=True) for a in section.select("ul a")] == [
            "Fewer missed appointments"
        ]
        outcome = section.select_one(".fc-outcome")
        assert outcome.select_one("svg title").get_text() == "Special cause improvement – low"
        assert outcome.select_one("h3 a").get_text(strip=True) == "Missed first appointments"
        assert outcome.select_one("p").get_text().startswith("Special cause improvement")
        timeline = page.select_one(".fc-timeline").get_text(" ", strip=True)
        assert (
            "Taken up by the improvement project \u201cFewer missed appointments\u201d" in timeline
        )

    def test_an_adopted_change_is_on_the_idea_timeline(
        self, client: TestClient, db: Session
    ) -> None:
        idea = create_idea(db, status=IdeaStatus.accepted)
        project = create_project(db, title="Calmer evenings", ideas=[idea])
        create_cycle(
            db, project, title="Quiet room", started=date(2026, 3, 2), decision=PDSADecision.adopt
        )
        timeline = soup_of(client.get(f"/ideas/{idea.id}")).select_one(".fc-timeline")
        last = timeline.select(".fc-timeline__item")[-1].get_text(" ", strip=True)
        assert "A change was adopted by the improvement team" in last
        assert "adopted the change: Quiet room." in last

    def test_the_statement_count_does_not_grow_with_its_projects(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        plain = create_idea(db, title="Quiet garden benches", status=IdeaStatus.accepted)
        busy = create_idea(db, title="Quiet garden seating", status=IdeaStatus.accepted)
        create_idea(db, title="Garden benches", status=IdeaStatus.done)
        for _n in range(3):
            project = create_project(db, ideas=[busy])
            create_measure(db, project, values=EARLIER + LATER)

        def count(idea_id: int | None) -> int:
            client.get(f"/ideas/{idea_id}")
            with count_statements(engine) as statements:
                assert client.get(f"/ideas/{idea_id}").status_code == 200
            return len(statements)

        assert count(plain.id) == count(busy.id)
