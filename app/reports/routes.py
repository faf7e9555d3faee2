"""Report pages: /reports (staff: every report on one page, filtered by period and unit, each
table downloadable as CSV and XLSX; it prints as a board pack), /transparency (the public
figures) and /reports/populations (admins enter the population each unit serves)."""

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts.principal import Principal
from app.deps import AdminOnly, DbSession, Public, require_roles
from app.errors import InvalidInput, NotFound
from app.i18n import N_, _
from app.models import EthnicGroup, utcnow
from app.reports import access, exports
from app.reports import repository as repo
from app.reports import service as reports
from app.triage import service as triage
from app.units import service as units
from app.web import notices
from app.web.forms import FormValues, field_error, rejected
from app.web.params import RowId
from app.web.render import render
from app.web.responses import redirect
from app.web.routing import Router
from app.web.urls import url_for

router = Router()

Reporter = Annotated[Principal, require_roles(*access.REPORTERS)]

notices.register(population_saved=N_("The population figures are saved."))

#: The report sections of /reports, in the order they are shown (and printed).
SECTIONS = ("funnel", "fairness", "reach", "coproduction", "contribution")


def _day(params: dict[str, str], name: str, errors: list[dict[str, str]]) -> date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(field_error(name, _("Enter a date like 2026-04-01")))
        return None


def _subject(db: Session, principal: Principal, params: dict[str, str]) -> reports.Subject:
    errors: list[dict[str, str]] = []
    first, last = _day(params, "from", errors), _day(params, "to", errors)
    if errors:
        raise InvalidInput(errors=errors)
    return reports.subject(
        db, principal=principal, unit_ref=params.get("unit") or None, first=first, last=last
    )


def _tree(db: Session, principal: Principal) -> list[units.TreeRow]:
    rows = units.tree(db)
    if access.sees_every_unit(principal):
        return rows
    paths = triage.member_paths(db, principal=principal)
    return [r for r in rows if any(r.unit.path.startswith(p) for p in paths)]


def _filter_query(subject: reports.Subject) -> str:
    return urlencode(
        {
            "from": subject.period.first.isoformat(),
            "to": subject.period.last.isoformat(),
            **({"unit": subject.unit.slug} if subject.unit else {}),
        }
    )


def _chosen(params: dict[str, str], subject: reports.Subject | None) -> dict[str, str]:
    if subject is None:
        return {k: params.get(k, "") for k in ("from", "to", "unit")}
    return {
        "from": subject.period.first.isoformat(),
        "to": subject.period.last.isoformat(),
        "unit": subject.unit.slug if subject.unit else "",
    }


@router.get("/reports", name="reports")
def index(request: Request, db: DbSession, principal: Reporter) -> Response:
    params = dict(request.query_params)

    def with_errors(errors: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "errors": errors,
            "chosen": _chosen(params, None),
            "tree": _tree(db, principal),
            "everywhere": access.sees_every_unit(principal),
            "sections": [],
            "charts": [],
        }

    with rejected("reports/index.html", with_errors, db=db):
        subject = _subject(db, principal, params)
    sections = [reports.REPORTS[key](db, subject) for key in SECTIONS]
    return render(
        request,
        "reports/index.html",
        {
            "subject": subject,
            "sections": sections,
            "charts": reports.charts(db, subject),
            "chosen": _chosen(params, subject),
            "tree": _tree(db, principal),
            "everywhere": subject.everywhere,
            "filter_query": _filter_query(subject),
            "generated": utcnow(),
            "errors": [],
        },
    )


#: Every downloadable table: its key and the report that makes it.
TABLES = {
    "funnel": "funnel",
    "fairness_contributor_type": "fairness",
    "fairness_ethnic_group": "fairness",
    "fairness_age_band": "fairness",
    "reach": "reach",
    "coproduction_rungs": "coproduction",
    "coproduction_projects": "coproduction",
    "coproduction_contributions": "coproduction",
    "contribution": "contribution",
}


def _download(
    request: Request, db: Session, principal: Principal, table: str
) -> tuple[reports.Subject, list[Any]]:
    if table not in TABLES and table != "monthly":
        raise NotFound(_("There is no such table."))
    params = dict(request.query_params)
    subject = _subject(db, principal, params)
    if table == "monthly":
        return subject, [reports.charts(db, subject)[0].table]
    report = reports.REPORTS[TABLES[table]](db, subject)
    return subject, [t for t in report.tables if t.key == table]


def _filename(subject: reports.Subject, table: str, suffix: str) -> str:
    where = subject.unit.slug if subject.unit else "all"
    first, last = subject.period.first.isoformat(), subject.period.last.isoformat()
    return f"{table}-{where}-{first}-{last}.{suffix}"


#: How each download is made and sent: (writer, media type).
_FORMATS = {
    "csv": (lambda found, **kw: exports.as_csv(found[0], **kw), "text/csv; charset=utf-8"),
    "xlsx": (
        lambda found, **kw: exports.as_xlsx(found, **kw),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


def _file(request: Request, db: Session, principal: Principal, table: str, kind: str) -> Response:
    subject, found = _download(request, db, principal, table)
    write, media_type = _FORMATS[kind]
    body = write(
        found,
        period=(subject.period.first, subject.period.last),
        unit=subject.label,
        made=reports.today(),
    )
    disposition = f'attachment; filename="{_filename(subject, table, kind)}"'
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get("/reports/tables/{table}.csv", name="report_csv")
def table_csv(request: Request, table: str, db: DbSession, principal: Reporter) -> Response:
    return _file(request, db, principal, table, "csv")


@router.get("/reports/tables/{table}.xlsx", name="report_xlsx")
def table_xlsx(request: Request, table: str, db: DbSession, principal: Reporter) -> Response:
    return _file(request, db, principal, table, "xlsx")


# --- the public page -------------------------------------------------------------------------


@router.get("/transparency", name="transparency")
def transparency(request: Request, db: DbSession, principal: Public) -> Response:
    return render(
        request,
        "reports/transparency.html",
        {"figures": reports.transparency(db), "generated": utcnow()},
    )


# --- populations (admins) --------------------------------------------------------------------

POPULATION_GROUPS = [g for g in EthnicGroup if g is not EthnicGroup.not_stated]


def _population_context(
    db: Session, unit_id: int | None, values: dict[str, str] | None, errors: list[Any]
) -> dict[str, Any]:
    unit = units.get(db, unit_id) if unit_id else None
    saved = repo.population_of(db, unit_id=unit_id) if unit_id else {}
    return {
        "tree": units.tree(db),
        "unit": unit,
        "groups": POPULATION_GROUPS,
        "values": values if values is not None else {g: str(n) for g, n in saved.items()},
        "errors": errors,
    }


@router.get("/reports/populations", name="report_populations")
def populations(request: Request, db: DbSession, principal: AdminOnly) -> Response:
    ref = request.query_params.get("unit") or ""
    unit = units.by_ref(db, ref) if ref else None
    if ref and unit is None:
        raise NotFound(_("There is no such unit."))
    return render(
        request,
        "reports/populations.html",
        _population_context(db, unit.id if unit else None, None, []),
    )


@router.post("/reports/populations/{unit_id}", name="report_population_save")
def population_save(
    request: Request, unit_id: RowId, db: DbSession, principal: AdminOnly, values: FormValues
) -> Response:
    unit = units.get(db, unit_id)
    if unit is None:
        raise NotFound(_("There is no such unit."))
    with rejected(
        "reports/populations.html",
        lambda errors: _population_context(db, unit_id, values, errors),
        db=db,
    ):
        reports.set_population(db, unit=unit, values=values, actor=principal)
    db.commit()
    return redirect(
        request, url_for("report_populations") + f"?unit={unit.slug}&notice=population-saved"
    )
