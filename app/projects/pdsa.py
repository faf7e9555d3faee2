"""PDSA cycles (DOMAIN.md section 5): each tests one change, Plan, Do, Study, Act. Cycles under
one change idea (or, without one, under the project's aim) form a ramp, numbered from 1.

Starting a cycle (moving it to Do) puts "PDSA 3 started" on every chart of the project.
Finishing one with the decision to adopt the change writes a line on the public timeline of
the ideas the project took up (and the idea the change idea points to), and tells their
followers.
"""

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session

from app.accounts.principal import Principal, public_role
from app.errors import InvalidInput, NotFound
from app.i18n import _
from app.ideas import access as ideas_access
from app.ideas import repository as ideas_repo
from app.models import (
    DriverKind,
    PDSACycle,
    PDSADecision,
    PDSAStatus,
    Project,
    SubjectKind,
    TimelineEvent,
    utcnow,
)
from app.models.base import ID_MAX
from app.projects import access, states
from app.projects import repository as repo
from app.projects import service as projects
from app.projects.schemas import PDSAForm, PDSAPlan

#: The form's fields for each stage, in order (what the page shows under each heading).
STAGE_FIELDS: dict[str, tuple[str, ...]] = {
    "plan": (
        "objective", "change", "question", "prediction", "plan_who", "plan_what", "plan_when",
        "plan_where", "data_plan",
    ),
    "do": ("what_happened", "observations", "problems"),
    "study": ("result", "learning"),
    "act": ("decision", "next_step"),
}  # fmt: skip

#: The API's plan object and the columns it fills.
PLAN_COLUMNS = {
    "objective": "objective",
    "change": "change",
    "question": "question",
    "prediction": "prediction",
    "who": "plan_who",
    "what": "plan_what",
    "when": "plan_when",
    "where": "plan_where",
    "data_plan": "data_plan",
}


def labels(cycles: Sequence[PDSACycle]) -> dict[int, str]:
    """ "PDSA 3" for each cycle; with more than one ramp, "PDSA 2.3" (ramp 2, cycle 3), ramps
    numbered by their first cycle."""
    ramps: dict[int | None, int] = {}
    for cycle in sorted(cycles, key=lambda c: c.id or 0):
        ramps.setdefault(cycle.change_idea_id, len(ramps) + 1)
    several = len(ramps) > 1
    return {
        c.id: (f"PDSA {ramps[c.change_idea_id]}.{c.number}" if several else f"PDSA {c.number}")
        for c in cycles
        if c.id is not None
    }


def plan_of(cycle: PDSACycle) -> PDSAPlan:
    return PDSAPlan(**{key: getattr(cycle, column) for key, column in PLAN_COLUMNS.items()})


def _change_idea(db: Session, project: Project, node_id: int | None) -> int | None:
    if node_id is None:
        return None
    node = repo.driver(db, node_id) if 1 <= node_id <= ID_MAX else None
    if node is None or node.project_id != project.id or node.kind != DriverKind.change_idea:
        raise InvalidInput(
            errors=[{"field": "change_idea_id", "msg": _("Choose a change idea from the diagram")}]
        )
    return node.id


def create(
    db: Session,
    *,
    project: Project,
    title: str,
    actor: Principal,
    change_idea_id: int | None = None,
    plan: PDSAPlan | None = None,
    planned_start: date | None = None,
) -> PDSACycle:
    """A new cycle, numbered next in its ramp."""
    assert project.id is not None
    ramp = _change_idea(db, project, change_idea_id)
    cycle = PDSACycle(
        project_id=project.id,
        change_idea_id=ramp,
        number=repo.last_number(db, project.id, ramp) + 1,
        title=title,
        planned_start=planned_start,
    )
    for key, column in PLAN_COLUMNS.items():
        setattr(cycle, column, getattr(plan, key) if plan else None)
    db.add(cycle)
    db.flush()
    states.project_event(
        db, project, kind="pdsa_planned", actor=actor, to_status=PDSAStatus.planning, note=title
    )
    project.updated_at = utcnow()
    return cycle


def create_from_form(
    db: Session, *, project: Project, data: PDSAForm, actor: Principal
) -> PDSACycle:
    cycle = create(
        db,
        project=project,
        title=data.title,
        actor=actor,
        change_idea_id=data.change_idea_id,
        planned_start=data.planned_start,
    )
    _fill(cycle, data)
    return cycle


def _fill(cycle: PDSACycle, data: PDSAForm) -> None:
    for name in PDSAForm.TEXT:
        setattr(cycle, name, getattr(data, name))
    cycle.decision = data.decision


def cycle_of(db: Session, project: Project, cycle_id: int) -> PDSACycle:
    cycle = repo.cycle(db, cycle_id) if 1 <= cycle_id <= ID_MAX else None
    if cycle is None or cycle.project_id != project.id:
        raise NotFound()
    return cycle


def update(db: Session, *, cycle: PDSACycle, data: PDSAForm) -> PDSACycle:
    """Write up the cycle as it goes (its ramp and number stay as they are)."""
    cycle.title = data.title
    cycle.planned_start = data.planned_start
    _fill(cycle, data)
    cycle.updated_at = utcnow()
    return cycle


def advance(
    db: Session,
    *,
    project: Project,
    cycle: PDSACycle,
    actor: Principal,
    label: str,
    on: date | None = None,
) -> PDSAStatus:
    """Move the cycle to its next stage. Finishing needs the decision (adapt, adopt or
    abandon); adopting tells the ideas' followers."""
    allowed = sorted(states.PDSA.allowed(cycle.status))
    if not allowed:
        states.PDSA.check(cycle.status, PDSAStatus.done)  # refuses: already finished
    to = allowed[0]
    if to == PDSAStatus.done and cycle.decision is None:
        raise InvalidInput(
            errors=[
                {
                    "field": "decision",
                    "msg": _("Choose whether to adapt, adopt or abandon the change"),
                }
            ]
        )
    states.PDSA.move(db, cycle, to, actor=actor, note=label)
    if to == PDSAStatus.doing:
        cycle.started_on = on or date.today()
    if to == PDSAStatus.done:
        cycle.finished_on = on or date.today()
        if cycle.decision == PDSADecision.adopt:
            _announce_adoption(db, project=project, cycle=cycle, actor=actor, label=label)
    project.updated_at = utcnow()
    return to


def _announce_adoption(
    db: Session, *, project: Project, cycle: PDSACycle, actor: Principal, label: str
) -> None:
    if not access.is_published(project):
        return
    assert project.id is not None
    ideas_ = list(repo.linked_ideas(db, project.id))
    if cycle.change_idea_id is not None:
        node = repo.driver(db, cycle.change_idea_id)
        if (
            node is not None
            and node.idea_id is not None
            and all(i.id != node.idea_id for i in ideas_)
        ):
            pointed = ideas_repo.get(db, node.idea_id)
            if pointed is not None and ideas_access.is_listed(pointed):
                ideas_.append(pointed)
    note = _(
        "%(label)s of the improvement project \u201c%(project)s\u201d adopted the change: "
        "%(title)s."
    ) % {"label": label, "project": project.title, "title": cycle.title}
    for idea in ideas_:
        assert idea.id is not None
        db.add(
            TimelineEvent(
                subject_kind=SubjectKind.idea,
                subject_id=idea.id,
                kind="pdsa_adopted",
                actor_role=public_role(actor),
                actor_id=actor.user.id,
                note=note,
            )
        )
    projects.tell_idea_followers(
        db,
        project=project,
        kind="pdsa_adopted",
        actor=actor,
        ideas_=ideas_,
        text=_(
            "A change tested by the improvement project \u201c%(project)s\u201d, which took "
            "up the idea \u201c%(idea)s\u201d, has been adopted."
        ),
    )
