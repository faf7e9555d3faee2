"""Reports in the JSON API: /api/v1/reports/{funnel,fairness,reach,coproduction,contribution}.

Each takes ``from`` and ``to`` (ISO dates, England's days, both included; the twelve months
to today by default) and ``unit`` (an id or a slug; sub-units included). Improvement leads
and admins read every unit; other staff the units they work in."""

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import Query
from sqlmodel import Session

from app.accounts.principal import Principal
from app.deps import DbSession, require_roles
from app.models import utcnow
from app.reports import access
from app.reports import service as reports
from app.reports.schemas import ReportOut
from app.web.api import problems
from app.web.routing import Router

router = Router(prefix="/api/v1/reports", tags=["reports"])

Reporter = Annotated[Principal, require_roles(*access.REPORTERS)]
From = Annotated[date | None, Query(alias="from", description="First day (ISO date), included")]
To = Annotated[date | None, Query(description="Last day (ISO date), included")]
UnitRef = Annotated[
    str | None, Query(max_length=140, description="A unit's id or slug; sub-units included")
]


def _report(
    db: Session,
    principal: Principal,
    build: Callable[[Session, reports.Subject], reports.Report],
    unit: str | None,
    first: date | None,
    last: date | None,
) -> ReportOut:
    subject = reports.subject(db, principal=principal, unit_ref=unit, first=first, last=last)
    return ReportOut.of(build(db, subject), generated_at=utcnow())


_RESPONSES = problems(401, 403, 404, 422)


@router.get("/funnel", response_model=ReportOut, responses=_RESPONSES, name="api_report_funnel")
def funnel(
    db: DbSession, principal: Reporter, unit: UnitRef = None, first: From = None, to: To = None
) -> ReportOut:
    """Submitted → answered → accepted → in progress → done, and not taken forward, by
    sub-unit; the median time to the first public response and the share within the deadline."""
    return _report(db, principal, reports.funnel, unit, first, to)


@router.get("/fairness", response_model=ReportOut, responses=_RESPONSES, name="api_report_fairness")
def fairness(
    db: DbSession, principal: Reporter, unit: UnitRef = None, first: From = None, to: To = None
) -> ReportOut:
    """Answer, adoption and done rates and the median response time by contributor type,
    ethnic group and age band."""
    return _report(db, principal, reports.fairness, unit, first, to)


@router.get("/reach", response_model=ReportOut, responses=_RESPONSES, name="api_report_reach")
def reach(
    db: DbSession, principal: Reporter, unit: UnitRef = None, first: From = None, to: To = None
) -> ReportOut:
    """People who sent ideas by ethnic group, against the population the unit serves."""
    return _report(db, principal, reports.reach, unit, first, to)


@router.get(
    "/coproduction",
    response_model=ReportOut,
    responses=_RESPONSES,
    name="api_report_coproduction",
)
def coproduction(
    db: DbSession, principal: Reporter, unit: UnitRef = None, first: From = None, to: To = None
) -> ReportOut:
    """Projects by rung of the ladder and stage, Big I involvement, hours and recognition."""
    return _report(db, principal, reports.coproduction, unit, first, to)


@router.get(
    "/contribution",
    response_model=ReportOut,
    responses=_RESPONSES,
    name="api_report_contribution",
)
def contribution(
    db: DbSession, principal: Reporter, unit: UnitRef = None, first: From = None, to: To = None
) -> ReportOut:
    """Ideas, votes and comments by contributor type."""
    return _report(db, principal, reports.contribution, unit, first, to)
