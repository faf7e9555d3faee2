"""Project input and output shapes: the HTML forms and the JSON API."""

from datetime import date, datetime
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.ideas.schemas import SLUG_PATTERN, clean_text
from app.measures.schemas import MeasurePublic
from app.models import (
    CoproductionRung,
    DriverKind,
    IdeaStatus,
    Involvement,
    PDSADecision,
    PDSAStatus,
    ProgressScore,
    ProjectStatus,
    Recognition,
    TeamRole,
)
from app.models.base import ID_MAX
from app.projects.text import empty_to_none, one_line

TITLE_MAX = 120
AIM_MAX = 1000
LONG_MAX = 2000
PLAN_MAX = 500

Id = Annotated[int, Field(ge=1, le=ID_MAX)]


# --- the aim ---------------------------------------------------------------------------------


class AimParts(BaseModel):
    """DOMAIN.md section 5: what, how much, by when, for or with whom, and where."""

    model_config = ConfigDict(extra="forbid")

    what: str | None = Field(default=None, max_length=300)
    how_much: str | None = Field(default=None, max_length=200)
    by_when: str | None = Field(default=None, max_length=100)
    for_whom: str | None = Field(default=None, max_length=200)
    where: str | None = Field(default=None, max_length=200)

    _clean = field_validator("what", "how_much", "by_when", "for_whom", "where", mode="before")(
        one_line
    )
    _none = field_validator("what", "how_much", "by_when", "for_whom", "where")(empty_to_none)


def compose_aim(parts: AimParts) -> str:
    """The aim as one sentence: "Reduce missed first appointments from 1 in 4 to 1 in 10 by
    March 2027, for people referred to the team, in Riverside CMHT." Empty parts are left out
    with their joining words."""
    text = parts.what or ""
    if parts.how_much:
        text += f" {parts.how_much}"
    if parts.by_when:
        text += f" by {parts.by_when}"
    if parts.for_whom:
        text += f", for {parts.for_whom}"
    if parts.where:
        text += f", in {parts.where}"
    text = text.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text[:1].upper() + text[1:]


class Coproduction(BaseModel):
    """The co-production rung reached at each stage (DOMAIN.md section 4)."""

    model_config = ConfigDict(extra="forbid")

    defining: CoproductionRung | None = None
    designing: CoproductionRung | None = None
    testing: CoproductionRung | None = None
    evaluating: CoproductionRung | None = None


# --- forms -----------------------------------------------------------------------------------


class ProjectForm(BaseModel):
    """The project form (create and edit): the aim in parts, composed into one statement."""

    MISSING: ClassVar[dict[str, str]] = {
        "title": "Enter a title for the project",
        "aim_what": "Enter what the project will change",
        "unit_id": "Select where the project is",
        "status": "Select whether the project is starting now or proposed",
    }

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    aim_what: str = Field(min_length=1, max_length=300)
    aim_how_much: str | None = Field(default=None, max_length=200)
    aim_by_when: str | None = Field(default=None, max_length=100)
    aim_for_whom: str | None = Field(default=None, max_length=200)
    aim_where: str | None = Field(default=None, max_length=200)
    unit_id: Id
    status: ProjectStatus = ProjectStatus.active
    rung_defining: CoproductionRung | None = None
    rung_designing: CoproductionRung | None = None
    rung_testing: CoproductionRung | None = None
    rung_evaluating: CoproductionRung | None = None
    what_changed: str | None = Field(default=None, max_length=LONG_MAX)

    _clean = field_validator(
        "title",
        "aim_what",
        "aim_how_much",
        "aim_by_when",
        "aim_for_whom",
        "aim_where",
        mode="before",
    )(one_line)
    _none = field_validator(
        "aim_how_much",
        "aim_by_when",
        "aim_for_whom",
        "aim_where",
        "what_changed",
        "rung_defining",
        "rung_designing",
        "rung_testing",
        "rung_evaluating",
        mode="before",
    )(empty_to_none)

    def parts(self) -> AimParts:
        return AimParts(
            what=self.aim_what,
            how_much=self.aim_how_much,
            by_when=self.aim_by_when,
            for_whom=self.aim_for_whom,
            where=self.aim_where,
        )

    def coproduction(self) -> Coproduction:
        return Coproduction(
            defining=self.rung_defining,
            designing=self.rung_designing,
            testing=self.rung_testing,
            evaluating=self.rung_evaluating,
        )


class MemberForm(BaseModel):
    MISSING: ClassVar[dict[str, str]] = {
        "role": "Select the person's role in the team",
        "involvement": "Select Big I or little i",
    }

    email: str | None = Field(default=None, max_length=320)
    name: str | None = Field(default=None, max_length=120)
    role: TeamRole
    involvement: Involvement = Involvement.big_i

    _clean = field_validator("email", "name", mode="before")(one_line)
    _none = field_validator("email", "name")(empty_to_none)


class ContributionForm(BaseModel):
    MISSING: ClassVar[dict[str, str]] = {
        "member_id": "Select who contributed",
        "on_date": "Enter the date, like 2026-03-02",
        "hours": "Enter the hours, like 1.5",
        "recognition": "Select how it was recognised",
    }

    member_id: Id
    on_date: date
    hours: float = Field(ge=0, le=1000)
    training: str | None = Field(default=None, max_length=300)
    recognition: Recognition = Recognition.none
    benefits_advice: str | None = None

    _clean = field_validator("training", mode="before")(one_line)
    _none = field_validator("training", "benefits_advice", mode="before")(empty_to_none)


class DriverForm(BaseModel):
    MISSING: ClassVar[dict[str, str]] = {
        "kind": "Select what kind of driver or change idea this is",
        "text": "Enter the driver or change idea",
    }

    kind: DriverKind
    text: str = Field(min_length=1, max_length=300)
    idea_id: Id | None = None

    _clean = field_validator("text", mode="before")(one_line)
    _none = field_validator("idea_id", mode="before")(empty_to_none)


class PDSAPlan(BaseModel):
    """Plan: the objective, the change, the question, the prediction, who does what, when and
    where, and how data will be collected."""

    model_config = ConfigDict(extra="forbid")

    objective: str | None = Field(default=None, max_length=LONG_MAX)
    change: str | None = Field(default=None, max_length=LONG_MAX)
    question: str | None = Field(default=None, max_length=LONG_MAX)
    prediction: str | None = Field(default=None, max_length=LONG_MAX)
    who: str | None = Field(default=None, max_length=PLAN_MAX)
    what: str | None = Field(default=None, max_length=PLAN_MAX)
    when: str | None = Field(default=None, max_length=PLAN_MAX)
    where: str | None = Field(default=None, max_length=PLAN_MAX)
    data_plan: str | None = Field(default=None, max_length=LONG_MAX)

    _clean = field_validator("*", mode="before")(clean_text)
    _none = field_validator("*")(empty_to_none)


class PDSAForm(BaseModel):
    """The whole cycle as one form: each stage's section is filled in as it happens."""

    MISSING: ClassVar[dict[str, str]] = {
        "title": "Enter a short name for the test of change",
        "planned_start": "Enter the date, like 2026-03-02",
    }

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    change_idea_id: Id | None = None
    planned_start: date | None = None
    objective: str | None = Field(default=None, max_length=LONG_MAX)
    change: str | None = Field(default=None, max_length=LONG_MAX)
    question: str | None = Field(default=None, max_length=LONG_MAX)
    prediction: str | None = Field(default=None, max_length=LONG_MAX)
    plan_who: str | None = Field(default=None, max_length=PLAN_MAX)
    plan_what: str | None = Field(default=None, max_length=PLAN_MAX)
    plan_when: str | None = Field(default=None, max_length=PLAN_MAX)
    plan_where: str | None = Field(default=None, max_length=PLAN_MAX)
    data_plan: str | None = Field(default=None, max_length=LONG_MAX)
    what_happened: str | None = Field(default=None, max_length=LONG_MAX)
    observations: str | None = Field(default=None, max_length=LONG_MAX)
    problems: str | None = Field(default=None, max_length=LONG_MAX)
    result: str | None = Field(default=None, max_length=LONG_MAX)
    learning: str | None = Field(default=None, max_length=LONG_MAX)
    decision: PDSADecision | None = None
    next_step: str | None = Field(default=None, max_length=LONG_MAX)

    _title = field_validator("title", mode="before")(one_line)
    _clean = field_validator(
        "objective",
        "change",
        "question",
        "prediction",
        "plan_who",
        "plan_what",
        "plan_when",
        "plan_where",
        "data_plan",
        "what_happened",
        "observations",
        "problems",
        "result",
        "learning",
        "next_step",
        mode="before",
    )(clean_text)
    _none = field_validator(
        "change_idea_id",
        "planned_start",
        "objective",
        "change",
        "question",
        "prediction",
        "plan_who",
        "plan_what",
        "plan_when",
        "plan_where",
        "data_plan",
        "what_happened",
        "observations",
        "problems",
        "result",
        "learning",
        "decision",
        "next_step",
        mode="before",
    )(empty_to_none)

    #: The cycle's text fields, in the order of the form (every one but the title).
    TEXT: ClassVar[tuple[str, ...]] = (
        "objective", "change", "question", "prediction", "plan_who", "plan_what", "plan_when",
        "plan_where", "data_plan", "what_happened", "observations", "problems", "result",
        "learning", "next_step",
    )  # fmt: skip


# --- the API ---------------------------------------------------------------------------------


class ProjectCreate(BaseModel):
    """POST /api/v1/projects. ``unit`` is a unit id or slug (the organisation by default);
    a project is ``active`` (public) unless another status is given."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    aim: str = Field(min_length=1, max_length=AIM_MAX, description="The aim as one statement.")
    aim_parts: AimParts | None = None
    unit: (
        Annotated[int, Field(ge=1, le=ID_MAX)]
        | Annotated[str, Field(max_length=100, pattern=SLUG_PATTERN)]
        | None
    ) = None
    status: ProjectStatus = ProjectStatus.active
    coproduction: Coproduction | None = None

    _clean = field_validator("title", "aim", mode="before")(one_line)


class IdeaLinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idea_id: Id


class PDSACreate(BaseModel):
    """POST /api/v1/projects/{id}/pdsa. Without ``change_idea_id`` the cycle sits under the
    project's aim."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    plan: PDSAPlan = Field(default_factory=PDSAPlan)
    change_idea_id: Id | None = None
    planned_start: date | None = None

    _clean = field_validator("title", mode="before")(one_line)


class TeamMemberPublic(BaseModel):
    role: TeamRole
    involvement: Involvement


class LinkedIdeaPublic(BaseModel):
    id: int
    title: str
    status: IdeaStatus


class DriverPublic(BaseModel):
    id: int
    kind: DriverKind
    text: str
    parent_ids: list[int]
    idea_id: int | None


class PDSAPublic(BaseModel):
    id: int
    project_id: int
    change_idea_id: int | None
    number: int
    label: str
    title: str
    status: PDSAStatus
    decision: PDSADecision | None
    plan: PDSAPlan
    planned_start: date | None
    started_on: date | None
    finished_on: date | None


class ProjectPublic(BaseModel):
    id: int
    title: str
    aim: str
    aim_parts: AimParts
    unit: str
    unit_id: int
    status: ProjectStatus
    progress_score: ProgressScore | None
    coproduction: Coproduction
    team: list[TeamMemberPublic]
    ideas: list[LinkedIdeaPublic]
    drivers: list[DriverPublic]
    pdsa_cycles: list[PDSAPublic]
    measures: list[MeasurePublic]
    what_changed: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
