"""Shared pieces of the JSON API under /api/v1: problem responses for OpenAPI, id parameters.

Errors are RFC 9457 problem details (app/web/errors.py). Every route lists the problem
statuses it can answer with, so the OpenAPI document describes every response (schemathesis
checks this).
"""

from typing import Annotated, Any

from fastapi import Path, Response
from pydantic import BaseModel, Field

from app.models.base import ID_MAX
from app.web.errors import PROBLEM_JSON


def json_body(body: BaseModel, *, status_code: int = 200) -> Response:
    """``body`` as JSON, serialised once by pydantic's own (Rust) serialiser.

    Returning the model itself would make FastAPI validate our own output against the
    ``response_model`` a second time and serialise through ``jsonable_encoder``: on the
    busiest reads (the list and one idea) that was a fifth of the request's CPU. The route
    keeps ``response_model`` for the OpenAPI document; tests check the two agree.
    """
    return Response(body.model_dump_json(), status_code=status_code, media_type="application/json")


PAGE_DEFAULT = 20
PAGE_MAX = 100


class ProblemDetails(BaseModel):
    """An RFC 9457 problem: every error from /api answers with one of these."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = Field(
        default=None,
        description="What was wrong with the input: each has `msg`, and either `loc` and "
        "`type` (the request's shape) or `field` (a rule about its content). Never the value.",
    )


_PROBLEM_SCHEMA = ProblemDetails.model_json_schema()
_PROBLEMS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("The body could not be read (it is not UTF-8 text)", {}),
    401: (
        "No credentials (a Bearer token or a session cookie), or a token that is not valid",
        {"WWW-Authenticate": {"schema": {"type": "string"}}},
    ),
    403: ("Not allowed, or a cross-site request carrying a session cookie", {}),
    404: ("There is no such idea, or it is not published", {}),
    409: ("Not possible in the idea's current state, such as voting after it closed", {}),
    422: ("The input is not valid; `errors` says where", {}),
    429: (
        "Too many requests from this account; try again after Retry-After seconds",
        {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
    ),
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these problem statuses, as application/problem+json."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in statuses:
        description, headers = _PROBLEMS[code]
        out[code] = {
            "description": description,
            "content": {PROBLEM_JSON: {"schema": _PROBLEM_SCHEMA}},
        }
        if headers:
            out[code]["headers"] = headers
    return out


IdeaId = Annotated[int, Path(ge=1, le=ID_MAX, description="The idea's id.")]
