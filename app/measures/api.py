"""JSON API for measures under /api/v1: defining one on a project, adding its data (all or
nothing), and reading its SPC result."""

from typing import Annotated, Any

from fastapi import Path

from app.deps import DbSession, Public
from app.errors import Forbidden
from app.measures import access
from app.measures import service as measures
from app.measures.schemas import MeasureCreate, MeasurePublic, MeasureSPC, PointsCreate
from app.models.base import ID_MAX
from app.projects import api as projects_api
from app.projects.api import Lead, ProjectId, measure_public, responses
from app.web.routing import Router

router = Router(prefix="/api/v1", tags=["measures"])

MeasureId = Annotated[int, Path(ge=1, le=ID_MAX, description="The measure's id.")]


@router.post(
    "/projects/{project_id}/measures",
    status_code=201,
    response_model=MeasurePublic,
    responses=responses(400, 401, 403, 404, 422),
    name="api_create_measure",
)
def create_measure(
    project_id: ProjectId, data: MeasureCreate, principal: Lead, db: DbSession
) -> MeasurePublic:
    """Define a measure of a project: outcome, process or balancing."""
    project, _unit = projects_api.visible(db, project_id, principal)
    if not access.can_edit_measure(principal, project):
        raise Forbidden()
    measure = measures.create(db, project=project, data=data, actor=principal)
    body = measure_public(measure)
    db.commit()
    return body


@router.post(
    "/measures/{measure_id}/data",
    status_code=201,
    response_model=MeasurePublic,
    responses=responses(400, 401, 403, 404, 422),
    name="api_add_data",
)
def add_data(
    measure_id: MeasureId, data: PointsCreate, principal: Lead, db: DbSession
) -> MeasurePublic:
    """Add points to a measure: every one, or (if a date already has a value or comes twice)
    none, with `errors` naming each point that could not be added."""
    measure, project = measures.visible_measure(db, measure_id=measure_id, viewer=principal)
    if not access.can_edit_measure(principal, project):
        raise Forbidden()
    measures.add_points(
        db,
        measure=measure,
        project=project,
        points=[(p.date, p.value) for p in data.points],
        actor=principal,
    )
    body = measure_public(measure)
    db.commit()
    return body


@router.get(
    "/measures/{measure_id}/spc",
    response_model=MeasureSPC,
    responses=responses(401, 404, 422),
    name="api_measure_spc",
)
def measure_spc(measure_id: MeasureId, principal: Public, db: DbSession) -> dict[str, Any]:
    """The measure's SPC result (`app.qi.spc.analyse`, NHS England's Making Data Count rules)
    and the sentence its chart says."""
    measure, _project = measures.visible_measure(db, measure_id=measure_id, viewer=principal)
    analysis = measures.view(db, measure).analysis
    return {
        "measure_id": measure.id,
        "rule_set": measure.rule_set,
        "summary": analysis.summary,
        **analysis.spc.as_dict(),
        "run_chart": analysis.run.as_dict() if analysis.run is not None else None,
    }
