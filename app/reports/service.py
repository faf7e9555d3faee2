"""The reports: who may read which, the period and unit they cover, and each report's tables
built from the repository's aggregates. Every table leaves through ``suppression.suppress``.

Definitions (docs/domain.md, "Reports"): an idea is *answered* when it has an official
public response or a status beyond under review; *accepted* counts accepted, in progress and
done; the response time is the triage clock (``idea.first_response_at``: the first official
response or the first move beyond submitted); *within the deadline* means that first
response came on or before its due day (``triage.service.due_at``), of the ideas answered or
already past due.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from markupsafe import Markup
from sqlmodel import Session

from app.accounts.principal import Principal
from app.errors import Forbidden, InvalidInput, NotFound
from app.i18n import N_, _, ngettext
from app.models import (
    AgeBand,
    CoproductionRung,
    CoproductionStage,
    EthnicGroup,
    Identity,
    Recognition,
    Unit,
    utcnow,
)
from app.qi import chart, spc
from app.qi.words import describe
from app.reports import access
from app.reports import repository as repo
from app.reports.suppression import Column, Kind, RawRow, RawTable, Table, suppress
from app.triage import service as triage
from app.units import service as units

DAY = 86400.0


def days_text(value: float) -> str:
    return ngettext("%(num)s day", "%(num)s days", 1 if value == 1 else 2) % {
        "num": f"{value:,.1f}"
    }


def hours_text(value: float) -> str:
    return f"{value:,.1f}"


# --- the period and the unit -----------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """England's days ``first`` to ``last``, both included."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=repo.zone()).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(
            self.last + timedelta(days=1), time(0), tzinfo=repo.zone()
        ).astimezone(UTC)


def today() -> date:
    return triage.today()


def default_period(on: date | None = None) -> Period:
    """The twelve months up to and including ``on`` (today)."""
    last = on or today()
    try:
        first = last.replace(year=last.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February
        first = last.replace(year=last.year - 1, day=28) + timedelta(days=1)
    return Period(first, last)


def period(first: date | None, last: date | None) -> Period:
    default = default_period(last)
    chosen = Period(first or default.first, last or default.last)
    if chosen.first > chosen.last:
        msg = _("The start must be on or before the end.")
        raise InvalidInput(msg, errors=[{"field": "from", "msg": msg}])
    if (chosen.last - chosen.first).days > 366 * 10:
        msg = _("Choose a period of at most 10 years.")
        raise InvalidInput(msg, errors=[{"field": "from", "msg": msg}])
    return chosen


@dataclass(frozen=True)
class Subject:
    """What a report covers: the period, the unit (None: everywhere the reader may see) and
    the rows of the funnel (sub-units: key, path, name)."""

    period: Period
    unit: Unit | None
    paths: tuple[str, ...]
    rows: tuple[tuple[str, str, str], ...]
    label: str
    #: The reader sees every unit (the unit filter offers the whole tree).
    everywhere: bool = False

    @property
    def scope(self) -> repo.Scope:
        return repo.Scope(self.period.start, self.period.end, self.paths)


def _outermost(paths: Sequence[str]) -> list[str]:
    ordered = sorted(set(paths), key=len)
    kept: list[str] = []
    for path in ordered:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return sorted(kept)


def subject(
    db: Session,
    *,
    principal: Principal | None,
    unit_ref: str | None,
    first: date | None = None,
    last: date | None = None,
) -> Subject:
    """What ``principal`` asked to see, or Forbidden (NotFound for a unit that is not)."""
    paths = triage.member_paths(db, principal=principal) if principal else frozenset()
    if not access.can_see_reports(principal, member_paths=paths):
        raise Forbidden(_("Reports are for improvement leads, admins and staff of a unit."))
    chosen = period(first, last)
    everywhere = access.sees_every_unit(principal)
    unit = units.by_ref(db, unit_ref) if unit_ref else None
    if unit_ref and unit is None:
        raise NotFound(_("There is no such unit."))
    if unit is not None:
        if not access.can_see_unit_reports(principal, unit.path, member_paths=paths):
            raise Forbidden(_("You can read the reports of the places you work in."))
        assert unit.id is not None
        children = repo.unit_children(db, parent_id=unit.id)
        rows = tuple((c.slug, c.path, c.name) for c in children)
        return Subject(chosen, unit, (unit.path,), rows, unit.name, everywhere)
    if everywhere:
        root = units.root(db)
        assert root.id is not None
        children = repo.unit_children(db, parent_id=root.id)
        rows = tuple((c.slug, c.path, c.name) for c in children)
        return Subject(chosen, None, (), rows, root.name, everywhere)
    mine = _outermost(list(paths))
    member_units = repo.units_by_paths(db, mine)
    rows = tuple((u.slug, u.path, u.name) for u in member_units)
    label = ", ".join(u.name for u in member_units)
    return Subject(chosen, None, tuple(mine), rows, label, everywhere)


# --- tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    key: str
    title: str
    subject: Subject
    tables: list[Table]
    charts: list["SPCChart"] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _count(key: str, label: str) -> Column:
    return Column(key, label)


def _rate(key: str, label: str, numerator: str, denominator: str, row: str | None = None) -> Column:
    return Column(
        key, label, Kind.rate, numerator=numerator, denominator=denominator, denominator_row=row
    )


def _median(key: str = "median_days", label: str | None = None) -> Column:
    return Column(
        key,
        label or _("Median time to first response"),
        Kind.stat,
        based_on="responded",
        fmt=days_text,
    )


def _within(
    db: Session, subject_: Subject, buckets: Sequence[tuple[str, str]]
) -> dict[str, tuple[int, int]]:
    """By row: (ideas answered by their due day, ideas answered or already past due)."""
    n_days = triage.response_days()
    first_day = subject_.period.first - timedelta(days=1)
    span = (subject_.period.last - first_day).days + 2
    lags = "".join(
        chr(
            48
            + (_due(first_day + timedelta(days=i), n_days) - (first_day + timedelta(days=i))).days
        )
        for i in range(span)
    )
    return repo.deadline_counts(
        db, subject_.scope, buckets, first_day=first_day, lags=lags, today=today()
    )


@lru_cache(maxsize=4096)
def _due(sent: date, working_days: int) -> date:
    """The due day of an idea sent on ``sent`` (the bank-holiday calendar is slow to ask)."""
    return triage.add_working_days(sent, working_days)


STAGES = (
    ("submitted", N_("Submitted")),
    ("answered", N_("Answered")),
    ("accepted", N_("Accepted")),
    ("in_progress", N_("In progress")),
    ("done", N_("Done")),
    ("not_taken_forward", N_("Not taken forward")),
)


def _outcome_values(found: dict[str, Any] | None) -> dict[str, float | int | None]:
    """A row's raw values from ``repo.outcomes``: the counts, the median in days and how many
    responses it is of."""
    f = found or {}
    v: dict[str, float | int | None] = {k: int(f.get(k) or 0) for k, _l in STAGES}
    median = f.get("median")
    v["median_days"] = float(median) / DAY if median is not None else None
    v["responded"] = int(f.get("responded") or 0)
    return v


def funnel(db: Session, subject_: Subject) -> Report:
    """From submitted to done, by sub-unit, with response times and the deadline share."""
    scope = subject_.scope
    buckets = [(key, path) for key, path, _name in subject_.rows]
    found = repo.funnel_outcomes(db, scope, buckets)
    within = _within(db, subject_, buckets)
    labels = [(key, name) for key, _path, name in subject_.rows]
    if subject_.unit is not None:
        labels.insert(0, (repo.SELF, _("%(unit)s itself") % {"unit": subject_.unit.name}))
    elif subject_.everywhere:
        labels.insert(0, (repo.SELF, _("%(unit)s itself") % {"unit": subject_.label}))

    def values(key: str) -> dict[str, float | int | None]:
        v = _outcome_values(found.get(("unit", key)))
        v["on_time"], v["due"] = within.get(key, (0, 0))
        return v

    rows = [RawRow(key, label, values(key)) for key, label in labels]
    totals = _outcome_values(found.get(("all", repo.TOTAL)))
    totals["on_time"] = sum(int(r.values["on_time"] or 0) for r in rows)
    totals["due"] = sum(int(r.values["due"] or 0) for r in rows)
    rows.append(RawRow(repo.TOTAL, _("Total"), totals))
    columns = [_count(k, _(label)) for k, label in STAGES]
    columns += [
        _count("on_time", _("Answered within the deadline")),
        _rate("on_time_share", _("Share within the deadline"), "on_time", "due"),
        _median(),
    ]
    table = suppress(RawTable("funnel", _("From idea to outcome"), columns, rows, _("Where")))
    return Report(
        "funnel",
        _("Funnel"),
        subject_,
        [table],
        notes=[
            ngettext(
                "The deadline is %(num)d working day after an idea is sent.",
                "The deadline is %(num)d working days after an idea is sent.",
                triage.response_days(),
            )
            % {"num": triage.response_days()}
        ],
    )


IDENTITY_ROWS = [(i.value, i.label) for i in Identity]
GROUP_ROWS = [(g.value, g.label) for g in EthnicGroup]
AGE_ROWS = [(a.value, a.label) for a in AgeBand if a is not AgeBand.prefer_not] + [
    ("not_stated", N_("Not stated"))
]

FAIRNESS_DIMS = (
    ("contributor_type", N_("By contributor type"), N_("Contributor type"), IDENTITY_ROWS),
    ("ethnic_group", N_("By ethnic group"), N_("Ethnic group"), GROUP_ROWS),
    ("age_band", N_("By age band"), N_("Age band"), AGE_ROWS),
)


def fairness(db: Session, subject_: Subject) -> Report:
    """Whose ideas are answered, adopted and done, and how fast."""
    found = repo.fairness_outcomes(db, subject_.scope)
    tables = []
    for dim, title, heading, groups in FAIRNESS_DIMS:
        rows = [
            RawRow(key, _(label), _outcome_values(found.get((dim, key)))) for key, label in groups
        ]
        rows.append(RawRow(repo.TOTAL, _("Total"), _outcome_values(found.get(("all", repo.TOTAL)))))
        columns = [
            _count("submitted", _("Ideas")),
            _count("answered", _("Answered")),
            _count("accepted", _("Accepted")),
            _count("done", _("Done")),
            _rate("answer_rate", _("Answer rate"), "answered", "submitted"),
            _rate("adoption_rate", _("Adoption rate"), "accepted", "submitted"),
            _rate("done_rate", _("Done rate"), "done", "submitted"),
            _median(),
        ]
        tables.append(suppress(RawTable(f"fairness_{dim}", _(title), columns, rows, _(heading))))
    return Report("fairness", _("Fairness of outcome"), subject_, tables)


def contribution(db: Session, subject_: Subject) -> Report:
    """Ideas, votes and comments by contributor type."""
    found: dict[tuple[str, str], int] = {}
    for what, grp, n in repo.contribution_counts(db, subject_.scope):
        found[(what, grp)] = found.get((what, grp), 0) + n
    whats = ("ideas", "votes", "comments")
    rows = [
        RawRow(key, _(label), {w: found.get((w, key), 0) for w in whats})
        for key, label in IDENTITY_ROWS
    ]
    rows.append(
        RawRow(repo.TOTAL, _("Total"), {w: sum(int(r.values[w] or 0) for r in rows) for w in whats})
    )
    columns = [
        _count("ideas", _("Ideas")),
        _count("votes", _("Votes")),
        _count("comments", _("Comments")),
    ]
    table = suppress(
        RawTable("contribution", _("Contribution"), columns, rows, _("Contributor type"))
    )
    return Report("contribution", _("Contribution"), subject_, [table])


def _population(db: Session, subject_: Subject) -> dict[str, int]:
    """The population served: the unit's own figures, else the sum of the outermost units
    under it that have figures (never a unit and one above it)."""
    top: str | None
    if subject_.unit is not None:
        top = subject_.unit.path
        paths = [top]
    elif subject_.everywhere:
        top = units.root(db).path
        paths = [top]
    else:
        top, paths = None, list(subject_.paths)
    rows = [row for path in paths for row in repo.populations(db, path=path)]
    if top is not None and any(p == top for _u, p, _g, _n in rows):
        picked = [(g, n) for _u, p, g, n in rows if p == top]
    else:
        outer = _outermost([p for _u, p, _g, _n in rows])
        picked = [(g, n) for _u, p, g, n in rows if p in outer]
    total: dict[str, int] = {}
    for g, n in picked:
        total[g] = total.get(g, 0) + n
    return total


def reach(db: Session, subject_: Subject) -> Report:
    """Who contributes, by ethnic group, against the population served."""
    found = repo.reach_counts(db, subject_.scope)
    population = _population(db, subject_)
    rows = [
        RawRow(
            key, _(label), {"contributors": found.get(key, 0), "population": population.get(key, 0)}
        )
        for key, label in GROUP_ROWS
    ]
    rows.append(
        RawRow(
            repo.TOTAL,
            _("Total"),
            {
                "contributors": sum(int(r.values["contributors"] or 0) for r in rows),
                "population": sum(int(r.values["population"] or 0) for r in rows),
            },
        )
    )
    columns = [
        _count("contributors", _("People who sent ideas")),
        _rate(
            "contributor_share",
            _("Share of contributors"),
            "contributors",
            "contributors",
            repo.TOTAL,
        ),
        Column("population", _("Population served"), Kind.public),
        _rate("population_share", _("Share of population"), "population", "population", repo.TOTAL),
    ]
    table = suppress(
        RawTable("reach", _("Reach by ethnic group"), columns, rows, _("Ethnic group"))
    )
    notes = [] if population else [_("No population figures have been entered for this unit.")]
    return Report("reach", _("Reach"), subject_, [table], notes=notes)


RUNG_ROWS = [(r.value, r.label) for r in CoproductionRung] + [("none", N_("Not recorded"))]
STAGE_COLUMNS = [(s.value, s.label) for s in CoproductionStage]


def coproduction(db: Session, subject_: Subject) -> Report:
    """Projects by ladder rung and stage, Big I partners, hours and recognition."""
    scope = subject_.scope
    grid: dict[tuple[str, str], int] = {}
    for stage, rung, n in repo.rungs(db, scope):
        key = (rung or "none", stage)
        grid[key] = grid.get(key, 0) + n
    rung_rows = [
        RawRow(key, _(label), {s: grid.get((key, s), 0) for s, _l in STAGE_COLUMNS})
        for key, label in RUNG_ROWS
    ]
    rung_table = suppress(
        RawTable(
            "coproduction_rungs",
            _("Projects by rung of the ladder of co-production, at each stage"),
            [_count(s, _(label)) for s, label in STAGE_COLUMNS],
            rung_rows,
            _("Rung"),
        )
    )
    total, partnered = repo.project_counts(db, scope)
    projects_table = suppress(
        RawTable(
            "coproduction_projects",
            _("Big I involvement"),
            [
                _count("projects", _("Projects started")),
                _count("partnered", _("With a Big I service-user or carer partner")),
                _rate(
                    "partnered_share", _("Share with Big I involvement"), "partnered", "projects"
                ),
            ],
            [RawRow("projects", _("Projects"), {"projects": total, "partnered": partnered})],
            "",
        )
    )
    by_recognition = {r: (n, h, p) for r, n, h, p in repo.contributions(db, scope)}
    rec_rows = []
    for rec in Recognition:
        n, h, p = by_recognition.get(rec.value, (0, 0.0, 0))
        rec_rows.append(RawRow(rec.value, _(rec.label), {"entries": n, "people": p, "hours": h}))
    rec_rows.append(
        RawRow(
            repo.TOTAL,
            _("Total"),
            {
                "entries": sum(int(r.values["entries"] or 0) for r in rec_rows),
                "people": None,
                "hours": sum(float(r.values["hours"] or 0) for r in rec_rows),
            },
        )
    )
    rec_table = suppress(
        RawTable(
            "coproduction_contributions",
            _("Hours contributed and how they were recognised"),
            [
                _count("entries", _("Contributions logged")),
                Column("hours", _("Hours"), Kind.stat, based_on="entries", fmt=hours_text),
            ],
            rec_rows,
            _("Recognition"),
        )
    )
    return Report(
        "coproduction",
        _("Co-production"),
        subject_,
        [rung_table, projects_table, rec_table],
        notes=[_("Projects started in the period; contributions logged in the period.")],
    )


# --- SPC charts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SPCChart:
    key: str
    title: str
    summary: str
    svg: Markup | None
    table: Table
    #: Why the chart is not drawn (too few points, or small numbers), if it is not.
    withheld: str | None = None


def _months(p: Period) -> list[str]:
    months, y, m = [], p.first.year, p.first.month
    while (y, m) <= (p.last.year, p.last.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _chart(
    key: str, title: str, values: list[float], dates: list[str], direction: str, unit_label: str
) -> tuple[str, Markup | None]:
    if len(values) < 2:
        return _("There are not enough months to draw a chart."), None
    result = spc.analyse(values, dates=dates, direction=direction)
    summary = describe(result, direction=direction, unit_label=unit_label)
    svg = Markup(  # noqa: S704 (chart_svg escapes every value it writes)
        chart.chart_svg(
            result,
            title=title,
            description=summary,
            dates=dates,
            unit_label=unit_label,
            variation_icon=result.variation_icon.value if result.variation_icon else None,
            assurance_icon=result.assurance_icon.value if result.assurance_icon else None,
            id_prefix=f"report-{key}",
        )
    )
    return summary, svg


def charts(db: Session, subject_: Subject) -> list[SPCChart]:
    """Monthly submissions and the monthly median response time, as SPC charts, each with its
    data as a suppressed table (months with small numbers are never drawn)."""
    scope = subject_.scope
    months = _months(subject_.period)
    found = repo.outcomes(db, scope, [("month", repo.month(db, scope))])
    rows = []
    for m in months:
        v = _outcome_values(found.get(("month", m)))
        rows.append(RawRow(m, m, {"submitted": v["submitted"], **v}))
    table = suppress(
        RawTable(
            "monthly",
            _("Ideas sent and the median time to first response, each month"),
            [_count("submitted", _("Ideas sent")), _median()],
            rows,
            _("Month"),
        )
    )
    out = []
    counts = [r.cells[0] for r in table.rows]
    title = _("Ideas sent each month")
    if any(c.value is None for c in counts):
        out.append(
            SPCChart(
                "submissions",
                title,
                "",
                None,
                table,
                _("The chart is not drawn because some months had fewer than 10 ideas."),
            )
        )
    else:
        summary, svg = _chart(
            "submissions", title, [float(c.value or 0) for c in counts], months, "neither", ""
        )
        out.append(
            SPCChart(
                "submissions", title, summary if svg else "", svg, table, None if svg else summary
            )
        )
    shown = [(r.key, r.cells[1].value) for r in table.rows if r.cells[1].value is not None]
    title = _("Median days to first response, by month sent")
    summary, svg = _chart(
        "response",
        title,
        [float(v or 0) for _k, v in shown],
        [k for k, _v in shown],
        "down",
        _("days"),
    )
    note = None if svg else summary
    if svg and len(shown) < len(months):
        note = _("Months with fewer than 10 responses are left out of the chart.")
    out.append(SPCChart("response", title, summary if svg else "", svg, table, note))
    return out


# --- the public transparency page ------------------------------------------------------------


@dataclass(frozen=True)
class Transparency:
    period: Period
    headline: Table
    reach: Table
    fairness: Table


def transparency(db: Session) -> Transparency:
    """The public figures for the whole organisation over the last twelve months."""
    root = units.root(db)
    p = default_period()
    everywhere = Subject(p, None, (), (), root.name, True)
    scope = everywhere.scope
    found = repo.outcomes(db, scope, [("all", repo.total())])
    received = int(found.get(("all", repo.TOTAL), {}).get("submitted") or 0)
    on_time, due = _within(db, everywhere, []).get(repo.SELF, (0, 0))
    _total, partnered = repo.project_counts(db, scope, listed_only=True)
    year_start = datetime.combine(date(p.last.year, 1, 1), time(0), tzinfo=repo.zone())
    done = repo.done_between(db, start=year_start.astimezone(UTC), end=utcnow())
    headline = suppress(
        RawTable(
            "transparency",
            _("Ideas and what happened to them"),
            [
                _count("received", _("Ideas received")),
                _count("on_time", _("Answered within the deadline")),
                _rate("on_time_share", _("Share answered within the deadline"), "on_time", "due"),
                _count("done", _("Ideas done since 1 January")),
                _count("partnered", _("Projects with service-user or carer partners")),
            ],
            [
                RawRow(
                    "all",
                    root.name,
                    {
                        "received": received,
                        "on_time": on_time,
                        "due": due,
                        "done": done,
                        "partnered": partnered,
                    },
                )
            ],
            "",
        )
    )
    return Transparency(
        p, headline, reach(db, everywhere).tables[0], fairness(db, everywhere).tables[1]
    )


REPORTS = {
    "funnel": funnel,
    "fairness": fairness,
    "reach": reach,
    "coproduction": coproduction,
    "contribution": contribution,
}


# --- populations -----------------------------------------------------------------------------

POPULATION_MAX = 100_000_000


def set_population(db: Session, *, unit: Unit, values: dict[str, str], actor: Principal) -> None:
    """The population ``unit`` serves by ethnic group (admins; blank is none)."""
    if not access.can_enter_populations(actor):
        raise Forbidden(_("Only admins enter population figures."))
    people: dict[str, int] = {}
    errors = []
    for group in EthnicGroup:
        if group is EthnicGroup.not_stated:
            continue
        raw = (values.get(group.value) or "").strip().replace(",", "")
        if not raw:
            continue
        if not raw.isdecimal() or int(raw) > POPULATION_MAX:
            errors.append(
                {"field": group.value, "msg": _("Enter a whole number of people, like 1200")}
            )
            continue
        people[group.value] = int(raw)
    if errors:
        raise InvalidInput(errors=errors)
    assert unit.id is not None
    repo.set_population(db, unit_id=unit.id, people=people, actor_id=actor.user_id)
