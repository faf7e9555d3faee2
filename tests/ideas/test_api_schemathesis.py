"""The JSON API against its own OpenAPI document: generated requests (valid and not) never get
a 5xx, and every answer has a documented status, media type, headers and shape."""

from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from sqlmodel import Session

from app.accounts import service as accounts
from app.config import get_settings
from app.main import create_app
from app.models import IdeaStatus
from app.models.base import ID_MAX
from tests.factories import create_unit, create_user
from tests.ideas.factories import create_idea, set_counts

pytestmark = pytest.mark.slow

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app()).include(
    path_regex=r"^/api/v1/"
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
    idea_ids: list[int]


@pytest.fixture
def seeded(db: Session, monkeypatch: pytest.MonkeyPatch) -> Fixture:
    """A signed-in person and a few ideas for generated requests to find."""
    # Generous limits, so most generated writes get past the rate limits to the rules.
    settings_ = get_settings()
    monkeypatch.setattr(settings_, "ideas_per_user_per_day", 1000)
    monkeypatch.setattr(settings_, "comments_per_user_per_hour", 1000)
    monkeypatch.setattr(settings_, "votes_per_user_per_minute", 1000)
    ward = create_unit(db, name="Oak Ward")
    ideas = [
        create_idea(db, title="A garden walk", unit=ward, category="activities"),
        create_idea(db, title="Fresh fruit", category="food"),
        create_idea(db, title="Quiet room", status=IdeaStatus.done),
    ]
    set_counts(db, ideas[1], votes=2, comments=1)
    _row, secret = accounts.create_api_token(db, user=create_user(db), name="schemathesis")
    db.commit()
    return Fixture(
        headers={"Authorization": f"Bearer {secret}"},
        idea_ids=[i.id for i in ideas if i.id is not None],
    )


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
    idea_id = case.path_parameters.get("idea_id") if case.path_parameters else None
    # Most valid ids are steered to ideas that exist, so more than the 404 path is explored.
    if type(idea_id) is int and 1 <= idea_id <= ID_MAX and idea_id % 4:
        case.path_parameters["idea_id"] = seeded.idea_ids[idea_id % len(seeded.idea_ids)]
    case.call_and_validate(headers=seeded.headers, checks=CHECKS)
