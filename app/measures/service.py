"""The rules of a measure: defining it, entering its data (one point, a CSV file that imports
everything or nothing, or the API), ghosting points, recalculation dates and annotations, and
reading it the Making Data Count way.

Every change to a measure's data or settings re-reads it (``refresh``): the latest value, the
variation and assurance icons and the sentence are kept on the measure row, so lists and the
SPC matrix need no data. The first time an outcome measure of a public project shows
special-cause improvement, the followers of the project and of the ideas it took up hear.
"""

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup
from sqlmodel import Session

from app.accounts.principal import Principal
from app.core.subjects import Subject
from app.errors import InvalidInput, NotFound
from app.i18n import N_, _
from app.measures import csvdata
from app.measures import repository as repo
from app.measures.schemas import MeasureFields
from app.models import (
    Measure,
    MeasureAnnotation,
    MeasureKind,
    MeasurePoint,
    MeasureRecalculation,
    MeasureRuleSet,
    PDSACycle,
    Project,
    utcnow,
)
from app.models.base import ID_MAX
from app.notifications import service as notifications
from app.projects import access as projects_access
from app.projects import pdsa, states
from app.projects import repository as projects_repo
from app.projects import service as projects
from app.qi import chart, spc
from app.qi.chart import assurance_icon_svg, variation_icon_svg
from app.qi.runchart import RunChartResult, run_chart
from app.qi.spc import SPCResult
from app.qi.words import describe, describe_run_chart, format_number

IMPROVEMENT_ICONS = frozenset({"improvement_high", "improvement_low"})


@dataclass(frozen=True)
class Analysis:
    """What a measure's data says: the SPC result (always), the run chart drawn instead (for
    ``run_chart`` measures and below the minimum points), the icons and the sentence."""

    spc: SPCResult
    run: RunChartResult | None
    summary: str
    variation_icon: str | None
    assurance_icon: str | None

    @property
    def drawn(self) -> SPCResult | RunChartResult:
        return self.run if self.run is not None else self.spc


def row_of(dates: Sequence[date], on: date) -> int | None:
    """The first row on or after ``on`` (None when every row is before it)."""
    index = bisect_left(dates, on)
    return index if index < len(dates) else None


def analyse(
    measure: Measure,
    points: Sequence[MeasurePoint],
    recalculations: Sequence[MeasureRecalculation] = (),
) -> Analysis:
    """Read a measure's points (in date order) with its rule set."""
    values = [p.value for p in points]
    dates = [p.on_date for p in points]
    ghosted = [i for i, p in enumerate(points) if p.ghosted]
    recalculate_at = sorted(
        {i for r in recalculations if (i := row_of(dates, r.on_date)) is not None and i > 0}
    )
    rules = spc.RULE_SETS.get(measure.rule_set, spc.RULE_SETS[spc.DEFAULT_RULE_SET])
    baseline = measure.baseline_points
    result = spc.analyse(
        values,
        dates=dates,
        direction=measure.direction,
        target=measure.target,
        baseline_points=baseline if baseline and baseline >= spc.MINIMUM_BASELINE_POINTS else None,
        recalculate_at=recalculate_at,
        ghosted=ghosted,
        shift_length=rules.shift_length,
        trend_length=rules.trend_length,
    )
    unit_label = measure.unit_label or ""
    if measure.rule_set == MeasureRuleSet.run_chart:
        run = run_chart(values, dates=dates, direction=measure.direction, ghosted=ghosted)
        last = run.last_point
        icon = None
        if last is not None:
            icon = (
                f"{last.special_cause.value}_{last.side.value}"
                if last.special_cause is not None and last.side is not None
                else "common_cause"
            )
        summary = describe_run_chart(run, direction=measure.direction, unit_label=unit_label)
        return Analysis(result, run, summary, icon, None)
    summary = describe(result, direction=measure.direction, unit_label=unit_label)
    if not result.enough_points:
        run = run_chart(values, dates=dates, direction=measure.direction, ghosted=ghosted)
        return Analysis(result, run, summary, None, None)
    return Analysis(
        result,
        None,
        summary,
        result.variation_icon.value if result.variation_icon else None,
        result.assurance_icon.value if result.assurance_icon else None,
    )


@dataclass
class MeasureView:
    """A measure ready for a page: its data, its analysis and its chart's annotations."""

    measure: Measure
    points: list[MeasurePoint]
    analysis: Analysis
    notes: list[MeasureAnnotation] = field(default_factory=list)
    recalculations: list[MeasureRecalculation] = field(default_factory=list)
    annotations: list[chart.Annotation] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return self.analysis.summary

    def svg(self, *, compact: bool = False, suffix: str = "") -> Markup:
        m = self.measure
        return Markup(  # noqa: S704 (chart_svg escapes every value it writes)
            chart.chart_svg(
                self.analysis.drawn,
                title=m.name,
                description=self.analysis.summary,
                dates=[p.on_date for p in self.points],
                target=m.target,
                annotations=[] if compact else self.annotations,
                unit_label=m.unit_label or "",
                variation_icon=self.analysis.variation_icon,
                assurance_icon=self.analysis.assurance_icon,
                id_prefix=f"measure-{m.id}{suffix}",
                compact=compact,
            )
        )

    def table(self) -> list[dict[str, object]]:
        """The data table under the chart: each row's date, value and reading, as text."""
        unit = self.measure.unit_label
        return [
            {
                "point": r.point,
                "value": amount(r.point.value, unit),
                "centre": amount(r.centre, unit),
                "lower": amount(r.lower, unit),
                "upper": amount(r.upper, unit),
                "reading": cause_text(r.cause, r.rules, ghosted=r.point.ghosted),
            }
            for r in self.rows()
        ]

    @property
    def target_text(self) -> str:
        return amount(self.measure.target, self.measure.unit_label)

    @property
    def is_run_chart(self) -> bool:
        return self.analysis.run is not None

    def rows(self) -> list["DataRow"]:
        """One row per point for the data table and the CSV: the value and what the chart
        says about it."""
        drawn = self.analysis.drawn
        out = []
        for point, p in zip(self.points, drawn.points, strict=True):
            if isinstance(drawn, RunChartResult):
                centre, low, high = drawn.median, None, None
            else:
                segment = drawn.segments[drawn.points[p.index].segment]
                centre, low, high = segment.mean, segment.lcl, segment.ucl
            out.append(
                DataRow(
                    point=point,
                    centre=centre,
                    lower=low,
                    upper=high,
                    cause=p.special_cause.value if p.special_cause else None,
                    rules=tuple(r.value for r in p.rules),
                )
            )
        return out


@dataclass(frozen=True)
class DataRow:
    point: MeasurePoint
    centre: float | None
    lower: float | None
    upper: float | None
    cause: str | None
    rules: tuple[str, ...]


_CAUSE_TEXT = {
    "improvement": N_("Special cause improvement"),
    "concern": N_("Special cause concern"),
    "neither": N_("Special cause variation"),
}
_RULE_TEXT = {
    "single_point": N_("beyond a process limit"),
    "shift": N_("a shift"),
    "trend": N_("a trend"),
    "two_of_three": N_("two of three close to a limit"),
}


def cause_text(cause: str | None, rules: Sequence[str], *, ghosted: bool) -> str:
    """What the chart says about one point, in words."""
    if ghosted:
        return _("Ghosted: left out of the calculations")
    if cause is None:
        return _("Common cause")
    because = ", ".join(_(_RULE_TEXT[r]) for r in rules if r in _RULE_TEXT)
    return f"{_(_CAUSE_TEXT[cause])} ({because})" if because else _(_CAUSE_TEXT[cause])


def amount(value: float | None, unit_label: str | None = None) -> str:
    """A number as the pages show it (at most two decimal places), with its unit."""
    if value is None:
        return ""
    number = format_number(value)
    if not unit_label:
        return number
    return f"{number}{unit_label}" if not unit_label[0].isalnum() else f"{number} {unit_label}"


def _annotations(
    dates: Sequence[date],
    notes: Sequence[MeasureAnnotation],
    cycles: Sequence[PDSACycle],
    labels: dict[int, str],
) -> list[chart.Annotation]:
    found: list[tuple[int, date, str]] = []
    for note in notes:
        if (index := row_of(dates, note.on_date)) is not None:
            found.append((index, note.on_date, note.text))
    for cycle in cycles:
        if cycle.started_on is None or cycle.id is None:
            continue
        if (index := row_of(dates, cycle.started_on)) is not None:
            text = _("%(label)s started") % {"label": labels[cycle.id]}
            found.append((index, cycle.started_on, text))
    found.sort(key=lambda a: (a[0], a[1]))
    return [chart.Annotation(index, text, on) for index, on, text in found]


def views(
    db: Session, measures: Sequence[Measure], cycles: Sequence[PDSACycle]
) -> list[MeasureView]:
    """Every measure of a page with its data and annotations (three statements in all)."""
    ids = [m.id for m in measures if m.id is not None]
    all_points = repo.points(db, ids)
    all_notes = repo.annotations(db, ids)
    all_recalcs = repo.recalculations(db, ids)
    labels = pdsa.labels(cycles)
    out = []
    for m in measures:
        assert m.id is not None
        points = all_points.get(m.id, [])
        recalcs = all_recalcs.get(m.id, [])
        notes = all_notes.get(m.id, [])
        project_cycles = [c for c in cycles if c.project_id == m.project_id]
        out.append(
            MeasureView(
                measure=m,
                points=points,
                analysis=analyse(m, points, recalcs),
                notes=notes,
                recalculations=recalcs,
                annotations=_annotations(
                    [p.on_date for p in points], notes, project_cycles, labels
                ),
            )
        )
    return out


def view(db: Session, measure: Measure) -> MeasureView:
    cycles = projects_repo.cycles(db, measure.project_id)
    return views(db, [measure], cycles)[0]


def matrix_rows(rows: Sequence[tuple[Measure, Project, str]]) -> list[dict[str, object]]:
    """The SPC matrix: each measure's latest value, its icons (with their text alternatives)
    and the sentence, from what ``refresh`` keeps on the measure."""
    return [
        {
            "measure": m,
            "project": p,
            "unit_name": unit_name,
            "latest": amount(m.latest_value, m.unit_label),
            "variation": Markup(  # noqa: S704 (the icon escapes what it writes)
                variation_icon_svg(m.latest_variation, id_prefix=f"m{m.id}-variation")
            ),
            "assurance": Markup(  # noqa: S704
                assurance_icon_svg(m.latest_assurance, id_prefix=f"m{m.id}-assurance")
            ),
        }
        for m, p, unit_name in rows
    ]


# --- defining a measure ------------------------------------------------------------------------


def _apply(measure: Measure, data: MeasureFields) -> None:
    for name in MeasureFields.model_fields:
        setattr(measure, name, getattr(data, name))


def create(db: Session, *, project: Project, data: MeasureFields, actor: Principal) -> Measure:
    assert project.id is not None
    measure = Measure(
        project_id=project.id, name=data.name, kind=data.kind, direction=data.direction
    )
    _apply(measure, data)
    db.add(measure)
    db.flush()
    states.project_event(db, project, kind="measure_added", actor=actor, note=measure.name)
    refresh(db, measure=measure, project=project, actor=actor)
    return measure


def update(
    db: Session, *, measure: Measure, project: Project, data: MeasureFields, actor: Principal
) -> Measure:
    _apply(measure, data)
    refresh(db, measure=measure, project=project, actor=actor)
    return measure


def visible_measure(
    db: Session, *, measure_id: int, viewer: Principal | None
) -> tuple[Measure, Project]:
    found = repo.with_project(db, measure_id, viewer=viewer) if 1 <= measure_id <= ID_MAX else None
    if found is None:
        raise NotFound(_("There is no measure with this number."))
    return found[0], found[1]


# --- data ------------------------------------------------------------------------------------


def add_points(
    db: Session,
    *,
    measure: Measure,
    project: Project,
    points: Sequence[tuple[date, float]],
    actor: Principal,
    field_of: str = "points[%(index)d].date",
) -> int:
    """Add every point, or none: a date that already has a value, or that comes twice, is
    refused with where it is."""
    assert measure.id is not None
    existing = repo.dates_of(db, measure.id)
    seen: dict[date, int] = {}
    errors = []
    for index, (on, _value) in enumerate(points):
        if on in existing:
            message = _("There is already a value for this date")
        elif on in seen:
            message = _("The same date is given twice")
        else:
            seen[on] = index
            continue
        errors.append({"field": field_of % {"index": index}, "msg": message})
    if errors:
        raise InvalidInput(errors=errors)
    repo.add_points(db, measure.id, [(on, value, False) for on, value in points])
    refresh(db, measure=measure, project=project, actor=actor)
    return len(points)


def import_csv(
    db: Session,
    *,
    measure: Measure,
    project: Project,
    raw: bytes,
    actor: Principal,
    replace: bool = False,
) -> int:
    """Import a CSV file: every row, or (with any problem) none, each problem listed with its
    row and column. ``replace`` swaps all the measure's data for the file's."""
    assert measure.id is not None
    parsed = csvdata.parse(raw, existing=() if replace else repo.dates_of(db, measure.id))
    if parsed.problems:
        raise InvalidInput(errors=[{"field": "file", "msg": p} for p in parsed.problems])
    if not parsed.rows:
        raise InvalidInput(errors=[{"field": "file", "msg": _("The file has no rows of data")}])
    if replace:
        repo.remove_points(db, measure.id)
    repo.add_points(db, measure.id, [(r.on_date, r.value, r.ghosted) for r in parsed.rows])
    refresh(db, measure=measure, project=project, actor=actor)
    return len(parsed.rows)


def _point_of(db: Session, measure: Measure, point_id: int) -> MeasurePoint:
    point = repo.point(db, point_id) if 1 <= point_id <= ID_MAX else None
    if point is None or point.measure_id != measure.id:
        raise NotFound()
    return point


def set_ghosted(
    db: Session,
    *,
    measure: Measure,
    project: Project,
    point_id: int,
    ghosted: bool,
    actor: Principal,
) -> None:
    """Ghost a point (shown, but left out of every calculation), or bring it back."""
    _point_of(db, measure, point_id).ghosted = ghosted
    refresh(db, measure=measure, project=project, actor=actor)


def remove_point(
    db: Session, *, measure: Measure, project: Project, point_id: int, actor: Principal
) -> None:
    repo.delete_row(db, _point_of(db, measure, point_id))
    refresh(db, measure=measure, project=project, actor=actor)


def add_annotation(db: Session, *, measure: Measure, on: date, text: str) -> MeasureAnnotation:
    assert measure.id is not None
    row = MeasureAnnotation(measure_id=measure.id, on_date=on, text=text)
    db.add(row)
    return row


def remove_annotation(db: Session, *, measure: Measure, annotation_id: int) -> None:
    row = repo.annotation(db, annotation_id) if 1 <= annotation_id <= ID_MAX else None
    if row is None or row.measure_id != measure.id:
        raise NotFound()
    repo.delete_row(db, row)


def add_recalculation(
    db: Session,
    *,
    measure: Measure,
    project: Project,
    on: date,
    reason: str | None,
    actor: Principal,
) -> MeasureRecalculation:
    """New limits from this date on."""
    assert measure.id is not None
    if any(r.on_date == on for r in repo.recalculations(db, [measure.id]).get(measure.id, [])):
        raise InvalidInput(
            errors=[
                {"field": "on_date", "msg": _("The limits are already recalculated from this date")}
            ]
        )
    row = MeasureRecalculation(measure_id=measure.id, on_date=on, reason=reason)
    db.add(row)
    db.flush()
    refresh(db, measure=measure, project=project, actor=actor)
    return row


def remove_recalculation(
    db: Session, *, measure: Measure, project: Project, recalculation_id: int, actor: Principal
) -> None:
    row = repo.recalculation(db, recalculation_id) if 1 <= recalculation_id <= ID_MAX else None
    if row is None or row.measure_id != measure.id:
        raise NotFound()
    repo.delete_row(db, row)
    refresh(db, measure=measure, project=project, actor=actor)


def refresh(db: Session, *, measure: Measure, project: Project, actor: Principal | None) -> None:
    """Read the measure again and keep its latest analysis on the row."""
    assert measure.id is not None
    db.flush()
    points = repo.points(db, [measure.id]).get(measure.id, [])
    analysis = analyse(measure, points, repo.recalculations(db, [measure.id]).get(measure.id, []))
    live = [p for p in points if not p.ghosted]
    measure.point_count = len(points)
    measure.latest_value = live[-1].value if live else None
    measure.latest_on = live[-1].on_date if live else None
    measure.latest_variation = analysis.variation_icon
    measure.latest_assurance = analysis.assurance_icon
    measure.latest_summary = analysis.summary[:1000]
    measure.updated_at = utcnow()
    if (
        measure.kind == MeasureKind.outcome
        and analysis.variation_icon in IMPROVEMENT_ICONS
        and measure.improvement_shown_at is None
        and projects_access.is_published(project)
    ):
        _announce_improvement(db, measure=measure, project=project, actor=actor)


def _announce_improvement(
    db: Session, *, measure: Measure, project: Project, actor: Principal | None
) -> None:
    measure.improvement_shown_at = utcnow()
    states.project_event(db, project, kind="outcome_improved", actor=actor, note=measure.name)
    notifications.subject_changed(
        db,
        subject=Subject.of(project),
        kind="outcome_improved",
        actor_id=actor.user.id if actor else None,
    )
    projects.tell_idea_followers(
        db,
        project=project,
        kind="outcome_improved",
        actor=actor,
        text=_(
            "The improvement project \u201c%(project)s\u201d, which took up the idea "
            "\u201c%(idea)s\u201d, is showing an improvement in its results."
        ),
    )


# --- downloads -------------------------------------------------------------------------------

CSV_HEADER = (
    "date", "value", "ghosted", "centre_line", "lower_limit", "upper_limit", "special_cause",
    "rules",
)  # fmt: skip


def data_csv(measure_view: MeasureView) -> str:
    """The measure's data and what the chart says about each point."""

    def number(value: float | None) -> object:
        return "" if value is None else value

    rows = [
        (
            r.point.on_date.isoformat(),
            r.point.value,
            "yes" if r.point.ghosted else "no",
            number(r.centre),
            number(r.lower),
            number(r.upper),
            r.cause or "",
            " ".join(r.rules),
        )
        for r in measure_view.rows()
    ]
    return csvdata.write(rows, CSV_HEADER)


def png_of(svg: str, *, scale: float = 2.0) -> bytes:
    """The chart as a PNG (for board papers), drawn from the same SVG."""
    import cairosvg  # about 17 MB with cairo, cffi and Pillow: only for this download

    png: bytes = cairosvg.svg2png(bytestring=svg.encode(), scale=scale)
    return png
