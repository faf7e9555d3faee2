"""JSON API for improvement projects under /api/v1 (measures: app/measures/api.py).

Improvement leads and admins write; anyone reads a published project (staff read proposed
ones too). Errors are problem JSON, as for ideas (app/web/api.py).
"""

from typing import Annotated, Any

from fastapi import Path, Response
from sqlmodel import Session

from app.accounts.principal import Principal
from app.deps import DbSession, Public, require_roles
from app.errors import InvalidInput, NotFound
from app.i18n import _
from app.measures import repository as measures_repo
from app.measures.schemas import MeasurePublic
from app.models import Measure, PDSACycle, Project, Role, Unit
from app.models.base import ID_MAX
from app.projects import drivers, pdsa
from app.projects import repository as repo
from app.projects import service as projects
from app.projects.schemas import (
    AimParts,
    Coproduction,
    DriverPublic,
    IdeaLinkCreate,
    LinkedIdeaPublic,
    PDSACreate,
    PDSAPublic,
    ProjectCreate,
    ProjectPublic,
    TeamMemberPublic,
)
from app.units import service as units
from app.web.api import problems
from app.web.routing import Router

router = Router(prefix="/api/v1", tags=["projects"])

Lead = Annotated[Principal, require_roles(Role.improvement_lead)]
ProjectId = Annotated[int, Path(ge=1, le=ID_MAX, description="The project's id.")]

_DESCRIPTIONS = {
    404: "There is no such project, or it is not public",
    409: "Not possible in the current state, such as an idea that was not taken forward",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``app.web.api.problems`` with this domain's words for 404 and 409."""
    out = problems(*statuses)
    for code, description in _DESCRIPTIONS.items():
        if code in out:
            out[code] = {**out[code], "description": description}
    return out


def measure_public(measure: Measure) -> MeasurePublic:
    assert measure.id is not None
    return MeasurePublic(
        id=measure.id,
        project_id=measure.project_id,
        name=measure.name,
        kind=measure.kind,
        direction=measure.direction,
        target=measure.target,
        definition=measure.definition,
        unit_label=measure.unit_label,
        data_source=measure.data_source,
        rule_set=measure.rule_set,
        baseline_points=measure.baseline_points,
        point_count=measure.point_count,
        latest_value=measure.latest_value,
        latest_date=measure.latest_on,
        variation_icon=measure.latest_variation,
        assurance_icon=measure.latest_assurance,
        summary=measure.latest_summary,
    )


def pdsa_public(cycle: PDSACycle, label: str) -> PDSAPublic:
    assert cycle.id is not None
    return PDSAPublic(
        id=cycle.id,
        project_id=cycle.project_id,
        change_idea_id=cycle.change_idea_id,
        number=cycle.number,
        label=label,
        title=cycle.title,
        status=cycle.status,
        decision=cycle.decision,
        plan=pdsa.plan_of(cycle),
        planned_start=cycle.planned_start,
        started_on=cycle.started_on,
        finished_on=cycle.finished_on,
    )


def visible(db: Session, project_id: int, principal: Principal | None) -> tuple[Project, Unit]:
    found = repo.with_unit(db, project_id, viewer=principal)
    if found is None:
        raise NotFound(_("There is no project with this id."))
    return found


def show(db: Session, project_id: int, principal: Principal | None) -> ProjectPublic:
    """The project as the API gives it, in a fixed number of statements."""
    project, unit = visible(db, project_id, principal)
    assert project.id is not None
    diagram = drivers.load(db, project.id)
    cycles = list(repo.cycles(db, project.id))
    labels = pdsa.labels(cycles)
    return ProjectPublic(
        id=project.id,
        title=project.title,
        aim=project.aim,
        aim_parts=AimParts(
            what=project.aim_what,
            how_much=project.aim_how_much,
            by_when=project.aim_by_when,
            for_whom=project.aim_for_whom,
            where=project.aim_where,
        ),
        unit=unit.name,
        unit_id=project.unit_id,
        status=project.status,
        progress_score=project.progress_score,
        coproduction=Coproduction(
            defining=project.rung_defining,
            designing=project.rung_designing,
            testing=project.rung_testing,
            evaluating=project.rung_evaluating,
        ),
        team=[
            TeamMemberPublic(role=m.role, involvement=m.involvement)
            for m, _user in repo.members(db, project.id)
        ],
        ideas=[
            LinkedIdeaPublic(id=i.id or 0, title=i.title, status=i.status)
            for i in repo.linked_ideas(db, project.id)
        ],
        drivers=[
            DriverPublic(
                id=n.id or 0,
                kind=n.kind,
                text=n.text,
                parent_ids=diagram.parents.get(n.id or 0, []),
                idea_id=n.idea_id,
            )
            for n in diagram.nodes
        ],
        pdsa_cycles=[pdsa_public(c, labels.get(c.id or 0, "")) for c in cycles],
        measures=[measure_public(m) for m in measures_repo.of_project(db, project.id)],
        what_changed=project.what_changed,
        created_at=project.created_at,
        updated_at=project.updated_at,
        started_at=project.started_at,
    )


@router.post(
    "/projects",
    status_code=201,
    response_model=ProjectPublic,
    responses=responses(400, 401, 403, 422),
    name="api_create_project",
)
def create_project(data: ProjectCreate, principal: Lead, db: DbSession) -> ProjectPublic:
    """Start an improvement project (``active`` unless another status is given)."""
    unit = units.by_ref(db, data.unit) if data.unit is not None else units.root(db)
    if unit is None:
        raise InvalidInput(errors=[{"field": "unit", "msg": _("There is no such unit")}])
    project = projects.create(
        db,
        title=data.title,
        aim=data.aim,
        aim_parts=data.aim_parts,
        unit=unit,
        status=data.status,
        coproduction=data.coproduction,
        actor=principal,
    )
    assert project.id is not None
    body = show(db, project.id, principal)
    db.commit()
    return body


@router.get(
    "/projects/{project_id}",
    response_model=ProjectPublic,
    responses=responses(401, 404, 422),
    name="api_project",
)
def get_project(project_id: ProjectId, principal: Public, db: DbSession) -> ProjectPublic:
    """One project: its aim, team by role, ideas, driver diagram, PDSA cycles and measures."""
    return show(db, project_id, principal)


@router.post(
    "/projects/{project_id}/ideas",
    status_code=201,
    response_model=ProjectPublic,
    responses={
        200: {"model": ProjectPublic, "description": "The idea was already part of the project"},
        **responses(400, 401, 403, 404, 409, 422),
    },
    name="api_link_idea",
)
def link_idea(
    project_id: ProjectId,
    data: IdeaLinkCreate,
    response: Response,
    principal: Lead,
    db: DbSession,
) -> ProjectPublic:
    """Take up an idea: it is accepted if it was not yet, then goes in progress (both on its
    public timeline, and its followers hear)."""
    project, _unit = visible(db, project_id, principal)
    idea = projects.idea_to_link(db, idea_id=data.idea_id, viewer=principal, field="idea_id")
    if not projects.link_idea(db, project=project, idea=idea, actor=principal):
        response.status_code = 200
    body = show(db, project_id, principal)
    db.commit()
    return body


@router.post(
    "/projects/{project_id}/pdsa",
    status_code=201,
    response_model=PDSAPublic,
    responses=responses(400, 401, 403, 404, 422),
    name="api_create_pdsa",
)
def create_pdsa(
    project_id: ProjectId, data: PDSACreate, principal: Lead, db: DbSession
) -> PDSAPublic:
    """Plan a PDSA cycle, under a change idea of the driver diagram or the project's aim."""
    project, _unit = visible(db, project_id, principal)
    cycle = pdsa.create(
        db,
        project=project,
        title=data.title,
        actor=principal,
        change_idea_id=data.change_idea_id,
        plan=data.plan,
        planned_start=data.planned_start,
    )
    labels = pdsa.labels(repo.cycles(db, project_id))
    body = pdsa_public(cycle, labels.get(cycle.id or 0, ""))
    db.commit()
    return body
