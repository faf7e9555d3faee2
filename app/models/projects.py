"""Improvement projects and what hangs off them (DOMAIN.md sections 4 and 5): the team, the
contribution log, linked ideas, the driver diagram, PDSA cycles, and measures with their data.

Statuses move only through the machines in app/projects/states.py. A measure keeps its latest
analysis beside its definition (``latest_*``), written by app/measures/service.py whenever its
data or settings change, so lists and the SPC matrix read one row per measure.
"""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.states import N_, LabelledEnum
from app.models.base import timestamp


class ProjectStatus(LabelledEnum):
    """A project's life; moves: app/projects/states.py. Public from ``active`` on."""

    proposed = "proposed", N_("Proposed"), "grey"
    active = "active", N_("Active"), "blue"
    sustaining = "sustaining", N_("Sustaining"), "aqua-green"
    completed = "completed", N_("Completed"), "green"
    stopped = "stopped", N_("Stopped"), "red"


class ProgressScore(LabelledEnum):
    """The IHI progress score (DOMAIN.md section 5)."""

    s0_5 = "0.5", N_("0.5: intent to take part")
    s1_0 = "1.0", N_("1.0: team forming")
    s1_5 = "1.5", N_("1.5: planning begun")
    s2_0 = "2.0", N_("2.0: activity, but no changes yet")
    s2_5 = "2.5", N_("2.5: changes tested, no improvement yet")
    s3_0 = "3.0", N_("3.0: modest improvement")
    s3_5 = "3.5", N_("3.5: improvement")
    s4_0 = "4.0", N_("4.0: significant improvement")
    s4_5 = "4.5", N_("4.5: sustainable improvement")
    s5_0 = "5.0", N_("5.0: outstanding sustainable results")


class CoproductionRung(LabelledEnum):
    """The Think Local Act Personal ladder, lowest first (DOMAIN.md section 4)."""

    coercion = "coercion", N_("Coercion"), "red"
    educating = "educating", N_("Educating"), "red"
    informing = "informing", N_("Informing"), "orange"
    consultation = "consultation", N_("Consultation"), "orange"
    engagement = "engagement", N_("Engagement"), "yellow"
    co_design = "co_design", N_("Co-design"), "green"
    co_production = "co_production", N_("Co-production"), "green"


class CoproductionStage(LabelledEnum):
    defining = "defining", N_("Defining the problem")
    designing = "designing", N_("Designing changes")
    testing = "testing", N_("Testing")
    evaluating = "evaluating", N_("Evaluating")


class TeamRole(LabelledEnum):
    lead = "lead", N_("Project lead")
    member = "member", N_("Team member")
    service_user_partner = "service_user_partner", N_("Service-user partner")
    carer_partner = "carer_partner", N_("Carer partner")
    sponsor = "sponsor", N_("Sponsor")
    qi_coach = "qi_coach", N_("QI coach")


class Involvement(LabelledEnum):
    """East London NHS Foundation Trust's distinction (DOMAIN.md section 2)."""

    big_i = "big_i", N_("Big I: a full member of the team")
    little_i = "little_i", N_("little i: asked for ideas and feedback")


class Recognition(LabelledEnum):
    """How a contribution was recognised (Reward and Recognition guidance)."""

    none = "none", N_("None")
    thanks = "thanks", N_("Thanks or a certificate")
    voucher = "voucher", N_("Voucher")
    expenses = "expenses", N_("Expenses paid")
    payment = "payment", N_("Payment")


class DriverKind(LabelledEnum):
    primary = "primary", N_("Primary driver")
    secondary = "secondary", N_("Secondary driver")
    change_idea = "change_idea", N_("Change idea")


class PDSAStatus(LabelledEnum):
    """A PDSA cycle's stage; moves: app/projects/states.py."""

    planning = "planning", N_("Plan"), "grey"
    doing = "doing", N_("Do"), "blue"
    studying = "studying", N_("Study"), "purple"
    acting = "acting", N_("Act"), "orange"
    done = "done", N_("Finished"), "green"


class PDSADecision(LabelledEnum):
    adapt = "adapt", N_("Adapt"), "yellow"
    adopt = "adopt", N_("Adopt"), "green"
    abandon = "abandon", N_("Abandon"), "red"


class MeasureKind(LabelledEnum):
    outcome = "outcome", N_("Outcome"), "blue"
    process = "process", N_("Process"), "aqua-green"
    balancing = "balancing", N_("Balancing"), "purple"


class MeasureDirection(LabelledEnum):
    up = "up", N_("Higher is better")
    down = "down", N_("Lower is better")
    neither = "neither", N_("Neither higher nor lower is better")


class MeasureRuleSet(LabelledEnum):
    mdc_2024 = "mdc_2024", N_("Making Data Count (runs of 6)")
    mdc_legacy_7 = "mdc_legacy_7", N_("Making Data Count, older rules (runs of 7)")
    run_chart = "run_chart", N_("Run chart (median, IHI rules)")


class Project(SQLModel, table=True):
    __tablename__ = "project"
    __table_args__ = (Index("ix_project_status_id", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    #: The aim as one statement (composed from the parts below when they are given).
    aim: str = Field(max_length=1000)
    aim_what: str | None = Field(default=None, max_length=300)
    aim_how_much: str | None = Field(default=None, max_length=200)
    aim_by_when: str | None = Field(default=None, max_length=100)
    aim_for_whom: str | None = Field(default=None, max_length=200)
    aim_where: str | None = Field(default=None, max_length=200)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    status: ProjectStatus = Field(default=ProjectStatus.proposed, sa_type=String(20))
    progress_score: ProgressScore | None = Field(default=None, sa_type=String(3))
    #: The co-production rung reached at each stage (CoproductionRung values).
    rung_defining: CoproductionRung | None = Field(default=None, sa_type=String(20))
    rung_designing: CoproductionRung | None = Field(default=None, sa_type=String(20))
    rung_testing: CoproductionRung | None = Field(default=None, sa_type=String(20))
    rung_evaluating: CoproductionRung | None = Field(default=None, sa_type=String(20))
    #: "We did": what changed, in plain words, for the public pages.
    what_changed: str | None = Field(default=None, max_length=2000)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    started_at: datetime | None = timestamp(nullable=True, default=False)


class ProjectProgress(SQLModel, table=True):
    """Each IHI progress score given to a project, in order (its history)."""

    __tablename__ = "project_progress"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    score: ProgressScore = Field(sa_type=String(3))
    note: str | None = Field(default=None, max_length=500)
    recorded_at: datetime = timestamp()
    recorded_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class ProjectMember(SQLModel, table=True):
    """Someone on the team: an account, or a named person without one."""

    __tablename__ = "project_member"
    __table_args__ = (CheckConstraint("user_id IS NOT NULL OR name IS NOT NULL", name="someone"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    name: str | None = Field(default=None, max_length=120)
    role: TeamRole = Field(sa_type=String(30))
    involvement: Involvement = Field(default=Involvement.big_i, sa_type=String(10))
    created_at: datetime = timestamp()


class ProjectContribution(SQLModel, table=True):
    """The contribution log: time given, training, and how it was recognised or paid."""

    __tablename__ = "project_contribution"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    member_id: int = Field(foreign_key="project_member.id", index=True)
    on_date: date
    hours: float = 0
    training: str | None = Field(default=None, max_length=300)
    recognition: Recognition = Field(default=Recognition.none, sa_type=String(20))
    #: Payment can affect welfare benefits: was advice about that offered?
    benefits_advice_offered: bool = False
    recorded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = timestamp()


class ProjectIdea(SQLModel, table=True):
    """An idea taken up by a project (many to many)."""

    __tablename__ = "project_idea"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", primary_key=True, index=True)
    linked_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    linked_at: datetime = timestamp()


class DriverNode(SQLModel, table=True):
    """A node of a driver diagram. The aim is the project itself: primary drivers hang off it;
    every other node has one or more parents in ``driver_link`` (a graph, not a tree)."""

    __tablename__ = "driver_node"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    kind: DriverKind = Field(sa_type=String(20))
    text: str = Field(max_length=300)
    #: A change idea may be a submitted idea.
    idea_id: int | None = Field(default=None, foreign_key="idea.id", index=True)
    created_at: datetime = timestamp()


class DriverLink(SQLModel, table=True):
    __tablename__ = "driver_link"

    parent_id: int = Field(foreign_key="driver_node.id", primary_key=True)
    child_id: int = Field(foreign_key="driver_node.id", primary_key=True, index=True)


class PDSACycle(SQLModel, table=True):
    """One test of a change: Plan, Do, Study, Act. Cycles under one change idea (or, without
    one, under the project's aim) form a ramp, numbered from 1."""

    __tablename__ = "pdsa_cycle"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    change_idea_id: int | None = Field(default=None, foreign_key="driver_node.id", index=True)
    number: int = 1
    title: str = Field(max_length=120)
    status: PDSAStatus = Field(default=PDSAStatus.planning, sa_type=String(20))
    # Plan
    objective: str | None = Field(default=None, max_length=2000)
    change: str | None = Field(default=None, max_length=2000)
    question: str | None = Field(default=None, max_length=2000)
    prediction: str | None = Field(default=None, max_length=2000)
    plan_who: str | None = Field(default=None, max_length=500)
    plan_what: str | None = Field(default=None, max_length=500)
    plan_when: str | None = Field(default=None, max_length=500)
    plan_where: str | None = Field(default=None, max_length=500)
    data_plan: str | None = Field(default=None, max_length=2000)
    # Do
    what_happened: str | None = Field(default=None, max_length=2000)
    observations: str | None = Field(default=None, max_length=2000)
    problems: str | None = Field(default=None, max_length=2000)
    # Study
    result: str | None = Field(default=None, max_length=2000)
    learning: str | None = Field(default=None, max_length=2000)
    # Act
    decision: PDSADecision | None = Field(default=None, sa_type=String(10))
    next_step: str | None = Field(default=None, max_length=2000)
    # Dates
    planned_start: date | None = None
    started_on: date | None = None
    finished_on: date | None = None
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class Measure(SQLModel, table=True):
    __tablename__ = "measure"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    name: str = Field(max_length=120)
    kind: MeasureKind = Field(sa_type=String(20))
    definition: str | None = Field(default=None, max_length=1000)
    unit_label: str | None = Field(default=None, max_length=40)
    data_source: str | None = Field(default=None, max_length=300)
    direction: MeasureDirection = Field(sa_type=String(10))
    target: float | None = None
    rule_set: MeasureRuleSet = Field(default=MeasureRuleSet.mdc_2024, sa_type=String(20))
    #: Freeze the limits on the first N points (N >= 12), or None.
    baseline_points: int | None = None
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    # The latest analysis (app/measures/service.py keeps these in step with the data).
    point_count: int = 0
    latest_value: float | None = None
    latest_on: date | None = None
    latest_variation: str | None = Field(default=None, max_length=20)
    latest_assurance: str | None = Field(default=None, max_length=20)
    latest_summary: str | None = Field(default=None, max_length=1000)
    #: When an outcome measure first showed special-cause improvement (followers are told once).
    improvement_shown_at: datetime | None = timestamp(nullable=True, default=False)


class MeasurePoint(SQLModel, table=True):
    """One value of a measure; one per date. A ghosted point is shown but left out of every
    calculation."""

    __tablename__ = "measure_point"
    __table_args__ = (
        UniqueConstraint("measure_id", "on_date", name="uq_measure_point_measure_id_on_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id")
    on_date: date
    value: float
    ghosted: bool = False
    created_at: datetime = timestamp()


class MeasureAnnotation(SQLModel, table=True):
    """A note on a measure's chart at a date ("New rota started"). PDSA starts are added to
    every chart of the project without being stored here."""

    __tablename__ = "measure_annotation"

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    on_date: date
    text: str = Field(max_length=80)
    created_at: datetime = timestamp()


class MeasureRecalculation(SQLModel, table=True):
    """New limits from this date on (a change has moved the process to a new level)."""

    __tablename__ = "measure_recalculation"
    __table_args__ = (
        UniqueConstraint(
            "measure_id", "on_date", name="uq_measure_recalculation_measure_id_on_date"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id")
    on_date: date
    reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = timestamp()


#: The enums above by name, for templates (``status_tag(project.status, qi.ProjectStatus)``).
ENUMS = {
    e.__name__: e
    for e in (
        ProjectStatus,
        ProgressScore,
        CoproductionRung,
        CoproductionStage,
        TeamRole,
        Involvement,
        Recognition,
        DriverKind,
        PDSAStatus,
        PDSADecision,
        MeasureKind,
        MeasureDirection,
        MeasureRuleSet,
    )
}
