"""Measure input and output shapes: the forms, the JSON API, and the SPC result as JSON."""

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.ideas.schemas import clean_text
from app.models import MeasureDirection, MeasureKind, MeasureRuleSet
from app.projects.text import empty_to_none, one_line

NAME_MAX = 120
#: The most points one request or one file may hold.
POINTS_MAX = 5000
VALUE_LIMIT = 1e12

Value = Annotated[float, Field(allow_inf_nan=False, ge=-VALUE_LIMIT, le=VALUE_LIMIT)]


class MeasureFields(BaseModel):
    """What defines a measure (DOMAIN.md section 5), for the form and the API alike."""

    MISSING: ClassVar[dict[str, str]] = {
        "name": "Enter a name for the measure",
        "kind": "Select outcome, process or balancing",
        "direction": "Select which way is better",
        "rule_set": "Select the rules to read the chart by",
        "target": "Enter the target as a number, like 15 or 12.5",
        "baseline_points": "Enter the number of points to freeze the limits on: 12 or more",
    }

    name: str = Field(min_length=1, max_length=NAME_MAX)
    kind: MeasureKind
    direction: MeasureDirection
    target: Value | None = None
    definition: str | None = Field(default=None, max_length=1000)
    unit_label: str | None = Field(default=None, max_length=40)
    data_source: str | None = Field(default=None, max_length=300)
    rule_set: MeasureRuleSet = MeasureRuleSet.mdc_2024
    baseline_points: int | None = Field(default=None, ge=12, le=10000)

    _clean = field_validator("name", "unit_label", mode="before")(one_line)
    _text = field_validator("definition", "data_source", mode="before")(clean_text)
    _none = field_validator(
        "definition", "unit_label", "data_source", "target", "baseline_points", mode="before"
    )(empty_to_none)


class MeasureCreate(MeasureFields):
    """POST /api/v1/projects/{id}/measures."""

    model_config = ConfigDict(extra="forbid")


class PointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date
    value: Value


class PointsCreate(BaseModel):
    """POST /api/v1/measures/{id}/data: every point is added, or none is."""

    model_config = ConfigDict(extra="forbid")

    points: list[PointIn] = Field(min_length=1, max_length=POINTS_MAX)


class PointForm(BaseModel):
    MISSING: ClassVar[dict[str, str]] = {
        "on_date": "Enter the date, like 2026-03-02",
        "value": "Enter the value as a number, like 15 or 12.5",
    }

    on_date: date
    value: Value


class AnnotationForm(BaseModel):
    MISSING: ClassVar[dict[str, str]] = {
        "on_date": "Enter the date, like 2026-03-02",
        "text": "Enter what happened, in a few words",
    }

    on_date: date
    text: str = Field(min_length=1, max_length=80)

    _clean = field_validator("text", mode="before")(one_line)


class RecalculationForm(BaseModel):
    MISSING: ClassVar[dict[str, str]] = {"on_date": "Enter the date, like 2026-03-02"}

    on_date: date
    reason: str | None = Field(default=None, max_length=200)

    _clean = field_validator("reason", mode="before")(one_line)
    _none = field_validator("reason")(empty_to_none)


class MeasurePublic(BaseModel):
    id: int
    project_id: int
    name: str
    kind: MeasureKind
    direction: MeasureDirection
    target: float | None
    definition: str | None
    unit_label: str | None
    data_source: str | None
    rule_set: MeasureRuleSet
    baseline_points: int | None
    point_count: int
    latest_value: float | None
    latest_date: date | None
    variation_icon: str | None
    assurance_icon: str | None
    summary: str | None


# --- the SPC result (app.qi.spc.SPCResult.as_dict()) -------------------------------------------

SpecialCauseName = Literal["improvement", "concern", "neither"]
RuleName = Literal["single_point", "shift", "trend", "two_of_three"]
SideName = Literal["high", "low"]


class SPCPoint(BaseModel):
    index: int
    value: float
    date: str | None
    ghosted: bool
    special_cause: SpecialCauseName | None
    rules: list[RuleName]
    side: SideName | None
    conflict: bool
    segment: int
    moving_range: float | None


class SPCSegment(BaseModel):
    index: int
    start: int
    end: int
    n_points: int
    mean: float | None
    ucl: float | None
    lcl: float | None
    upper_two_sigma: float | None
    lower_two_sigma: float | None
    upper_one_sigma: float | None
    lower_one_sigma: float | None
    mr_mean: float | None
    mr_ucl: float | None
    baseline: bool
    carried_forward: bool


class RunChartPointOut(BaseModel):
    index: int
    value: float
    date: str | None
    ghosted: bool
    special_cause: SpecialCauseName | None
    rules: list[Literal["shift", "trend"]]
    side: SideName | None
    conflict: bool
    on_median: bool
    median_side: SideName | None


class RunChartOut(BaseModel):
    """``app.qi.runchart.RunChartResult.as_dict()``: what the page draws for a run chart."""

    chart: Literal["run"]
    points: list[RunChartPointOut]
    median: float | None
    direction: Literal["up", "down", "neither"]
    n_points: int
    useful_observations: int
    runs: int
    runs_lower_limit: int | None
    runs_upper_limit: int | None
    too_few_runs: bool | None
    too_many_runs: bool | None
    shift: bool
    trend: bool
    shift_length: int
    trend_length: int
    tie: Literal["improvement", "concern"]
    signals: list[str]


class MeasureSPC(BaseModel):
    """GET /api/v1/measures/{id}/spc: the measure's ``SPCResult`` (``app.qi.spc.analyse``)
    with the measure's id, rule set and the sentence the chart says. ``run_chart`` is the run
    chart the page draws instead, for ``run_chart`` measures and charts below the minimum."""

    measure_id: int
    rule_set: MeasureRuleSet
    summary: str
    chart: Literal["xmr"]
    points: list[SPCPoint]
    segments: list[SPCSegment]
    variation_icon: (
        Literal[
            "common_cause",
            "improvement_high",
            "improvement_low",
            "concern_high",
            "concern_low",
            "neither_high",
            "neither_low",
        ]
        | None
    )
    assurance_icon: Literal["pass", "fail", "hit_or_miss"] | None
    direction: Literal["up", "down", "neither"]
    target: float | None
    enough_points: bool
    n_points: int
    minimum_points: int
    shift_length: int
    trend_length: int
    tie: Literal["improvement", "concern"]
    screen_moving_ranges: bool
    baseline_points: int | None
    run_chart: RunChartOut | None
