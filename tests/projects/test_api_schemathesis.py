"""The projects and measures API against its own OpenAPI document: generated requests (valid
and not), made as an improvement lead, never get a 5xx, and every answer has a documented
status, media type, headers and shape."""

from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from sqlmodel import Session

from app.main import create_app
from app.models import DriverKind, IdeaStatus
from app.models.base import ID_MAX
from tests.ideas.factories import create_idea
from tests.projects.factories import EARLIER, create_driver, create_measure, create_project, lead
from tests.projects.helpers import token_for

pytestmark = pytest.mark.slow

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app()).include(
    path_regex=r"^/api/v1/(projects|measures)"
)

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@dataclass(frozen=True)
class Fixture:
    headers: dict[str, str]
    project_ids: list[int]
    measure_ids: list[int]


@pytest.fixture
def seeded(db: Session) -> Fixture:
    """An improvement lead with a project, a change idea, ideas and a measure to find."""
    project = create_project(db, ideas=[create_idea(db, status=IdeaStatus.accepted)])
    create_driver(db, project, kind=DriverKind.change_idea, parents=[create_driver(db, project)])
    create_idea(db)
    measure = create_measure(db, project, values=EARLIER)
    return Fixture(
        headers=token_for(db, lead(db).user),
        project_ids=[project.id or 0],
        measure_ids=[measure.id or 0],
    )


def _steer(params: dict[str, object], name: str, ids: list[int]) -> None:
    value = params.get(name)
    if type(value) is int and 1 <= value <= ID_MAX and value % 4:
        params[name] = ids[value % len(ids)]


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_keeps_to_its_openapi_document(case: schemathesis.Case, seeded: Fixture) -> None:
    if case.path_parameters:
        # Most valid ids are steered to rows that exist, so more than the 404 path is explored.
        _steer(case.path_parameters, "project_id", seeded.project_ids)
        _steer(case.path_parameters, "measure_id", seeded.measure_ids)
    case.call_and_validate(headers=seeded.headers, checks=CHECKS)
