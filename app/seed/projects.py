"""The demo trust's improvement projects (``app/seed/demo/projects.toml``), built through the
same services the site uses, so a newcomer sees the whole loop on the first run: ideas taken
up by projects, driver diagrams, PDSA cycles whose starts are marked on the charts, measures
showing every kind of signal, and "you said, we did".

Called once by ``app.seed.demo.demo()`` after the ideas exist. Each step is back-dated to
when it happened (``weeks_ago`` in the file); it is deterministic.
"""

import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel

from app.accounts import repository as accounts_repo
from app.accounts.principal import Principal
from app.measures import service as measures
from app.measures.schemas import MeasureFields
from app.models import (
    DriverKind,
    DriverNode,
    Idea,
    Involvement,
    MeasurePoint,
    Notification,
    PDSACycle,
    PDSADecision,
    PDSAStatus,
    ProgressScore,
    Project,
    ProjectContribution,
    ProjectIdea,
    ProjectMember,
    ProjectProgress,
    ProjectStatus,
    Recognition,
    TeamRole,
    TimelineEvent,
    Unit,
)
from app.projects import drivers, pdsa
from app.projects import service as projects
from app.projects.schemas import AimParts, ContributionForm, Coproduction, MemberForm, compose_aim
from app.seed import repository as repo

DATA = Path(__file__).with_name("demo") / "projects.toml"
LEAD_EMAIL = "improvement@example.org"

#: Rows the project seed writes "now" and then moves to when they happened.
STAMPED: tuple[tuple[type[SQLModel], str], ...] = (
    (Project, "created_at"),
    (Project, "updated_at"),
    (Project, "started_at"),
    (ProjectProgress, "recorded_at"),
    (ProjectContribution, "created_at"),
    (TimelineEvent, "at"),
    (Notification, "created_at"),
    (MeasurePoint, "created_at"),
    (ProjectIdea, "linked_at"),
    (ProjectMember, "created_at"),
    (DriverNode, "created_at"),
    (PDSACycle, "created_at"),
    (PDSACycle, "updated_at"),
)

_PROJECT: dict[str, type] = {
    "title": str, "unit": str, "status": str, "weeks_ago": int, "what": str, "ideas": list,
    "progress": list, "coproduction": dict, "member": list, "driver": list, "pdsa": list,
    "measure": list,
}  # fmt: skip
_PROJECT_OPTIONAL: dict[str, type] = {
    "how_much": str, "by_when": str, "for_whom": str, "where": str, "what_changed": str,
    "contribution": list,
}  # fmt: skip


def _check(
    table: dict[str, Any], where: str, required: dict[str, type], optional: dict[str, type]
) -> dict[str, Any]:
    """Strict: a misspelt key or a number in quotes fails here, naming the place."""
    kinds = {**required, **optional}
    missing, unknown = sorted(required.keys() - table.keys()), sorted(table.keys() - kinds.keys())
    if missing or unknown:
        raise ValueError(f"{where}: missing keys {missing}, unknown keys {unknown}")
    for key, value in table.items():
        wanted = kinds[key]
        numeric = wanted is float and isinstance(value, int) and not isinstance(value, bool)
        if not (isinstance(value, wanted) or numeric) or (
            wanted is int and isinstance(value, bool)
        ):
            raise ValueError(f"{where}: {key} should be of type {wanted.__name__}")
    return table


def load(path: Path = DATA) -> list[dict[str, Any]]:
    with path.open("rb") as f:
        data = tomllib.load(f)
    _check(data, "projects.toml", {"project": list}, {})
    out = []
    for p in data["project"]:
        where = f"projects.toml: {p.get('title')!r}"
        _check(p, where, _PROJECT, _PROJECT_OPTIONAL)
        ProjectStatus(p["status"])
        for m in p["member"]:
            _check(
                m,
                f"{where}: member",
                {"role": str, "involvement": str},
                {"email": str, "name": str},
            )
        for c in p.get("contribution", []):
            _check(
                c,
                f"{where}: contribution",
                {"member": int, "weeks_ago": int, "hours": float},
                {"training": str, "recognition": str, "benefits_advice": bool},
            )
        for d in p["driver"]:
            _check(
                d,
                f"{where}: driver",
                {"key": str, "kind": str, "text": str},
                {"parents": list, "idea": str},
            )
        for c in p["pdsa"]:
            _check(
                c,
                f"{where}: pdsa",
                {"title": str, "weeks_ago": int, "weeks": int},
                {
                    "change_idea": str,
                    "decision": str,
                    "objective": str,
                    "prediction": str,
                    "what_happened": str,
                    "result": str,
                    "learning": str,
                    "next_step": str,
                },
            )
        for m in p["measure"]:
            _check(
                m,
                f"{where}: measure",
                {"name": str, "kind": str, "direction": str, "values": list},
                {
                    "unit_label": str,
                    "target": float,
                    "definition": str,
                    "data_source": str,
                    "rule_set": str,
                    "ghosted": list,
                    "recalculate_at": list,
                    "recalculation_reason": str,
                    "annotation": list,
                },
            )
        out.append(p)
    return out


def seed(db: Session, *, now: datetime) -> int:
    """Build the demo projects; returns how many."""
    lead_user = accounts_repo.user_by_email(db, LEAD_EMAIL)
    if lead_user is None or lead_user.id is None:
        return 0
    lead = Principal(user=lead_user, roles=frozenset(accounts_repo.roles_of(db, lead_user.id)))
    units = {u.name: u for u in repo.all_units(db)}
    ideas = {i.title: i for i in repo.all_ideas(db)}
    this_monday = now.date() - timedelta(days=now.weekday())
    specs = load()
    for spec in specs:
        _project(db, spec, lead=lead, units=units, ideas=ideas, now=now, monday=this_monday)
    repo.mark_old_notifications_read(db, now=now)
    return len(specs)


def _at(now: datetime, weeks_ago: float) -> datetime:
    return now - timedelta(weeks=weeks_ago)


def _stamp(db: Session, now: datetime, weeks_ago: float) -> None:
    repo.restamp(db, stamped=STAMPED, since=now, at=_at(now, weeks_ago))


def _project(
    db: Session,
    spec: dict[str, Any],
    *,
    lead: Principal,
    units: dict[str, Unit],
    ideas: dict[str, Idea],
    now: datetime,
    monday: date,
) -> None:
    parts = AimParts(
        what=spec["what"],
        how_much=spec.get("how_much"),
        by_when=spec.get("by_when"),
        for_whom=spec.get("for_whom"),
        where=spec.get("where"),
    )
    project = projects.create(
        db,
        title=spec["title"],
        aim=compose_aim(parts),
        aim_parts=parts,
        unit=units[spec["unit"]],
        status=ProjectStatus.active,
        coproduction=Coproduction(**spec["coproduction"]),
        what_changed=spec.get("what_changed"),
        actor=lead,
    )
    for title in spec["ideas"]:
        projects.link_idea(db, project=project, idea=ideas[title], actor=lead)
    _stamp(db, now, spec["weeks_ago"])

    members = []
    for m in spec["member"]:
        member = projects.add_member(
            db,
            project=project,
            data=MemberForm(
                email=m.get("email"),
                name=m.get("name"),
                role=TeamRole(m["role"]),
                involvement=Involvement(m["involvement"]),
            ),
        )
        db.flush()
        members.append(member)
    for c in spec.get("contribution", []):
        assert members[c["member"]].id is not None
        projects.add_contribution(
            db,
            project=project,
            data=ContributionForm(
                member_id=members[c["member"]].id,
                on_date=_at(now, c["weeks_ago"]).date(),
                hours=c["hours"],
                training=c.get("training"),
                recognition=Recognition(c.get("recognition", "none")),
                benefits_advice="yes" if c.get("benefits_advice") else None,
            ),
            actor=lead,
        )
        _stamp(db, now, c["weeks_ago"])
    for p in spec["progress"]:
        projects.set_progress(
            db, project=project, score=ProgressScore(p["score"]), actor=lead, note=None
        )
        _stamp(db, now, p["weeks_ago"])

    nodes: dict[str, int] = {}
    for d in spec["driver"]:
        node = drivers.add(
            db,
            project=project,
            kind=DriverKind(d["kind"]),
            text=d["text"],
            parent_ids=[nodes[k] for k in d.get("parents", [])],
            idea_id=ideas[d["idea"]].id if "idea" in d else None,
            actor=lead,
        )
        assert node.id is not None
        nodes[d["key"]] = node.id
    _stamp(db, now, spec["weeks_ago"] - 1)

    # Measures first (with their history), so each cycle's start lands on the charts.
    for m in spec["measure"]:
        _measure(db, project, m, lead=lead, now=now, monday=monday)
    for c in spec["pdsa"]:
        _cycle(db, project, c, nodes=nodes, lead=lead, now=now, monday=monday)

    status = ProjectStatus(spec["status"])
    if status != ProjectStatus.active:
        for step in states_after_active(status):
            projects.set_status(db, project=project, to=step, actor=lead)
        _stamp(db, now, 1)


def states_after_active(status: ProjectStatus) -> tuple[ProjectStatus, ...]:
    from_active = {
        ProjectStatus.sustaining: (ProjectStatus.sustaining,),
        ProjectStatus.completed: (ProjectStatus.sustaining, ProjectStatus.completed),
    }
    return from_active.get(status, ())


def _measure(
    db: Session,
    project: Project,
    m: dict[str, Any],
    *,
    lead: Principal,
    now: datetime,
    monday: date,
) -> None:
    data = MeasureFields(
        name=m["name"],
        kind=m["kind"],
        direction=m["direction"],
        target=m.get("target"),
        definition=m.get("definition"),
        unit_label=m.get("unit_label"),
        data_source=m.get("data_source"),
        rule_set=m.get("rule_set", "mdc_2024"),
    )
    measure = measures.create(db, project=project, data=data, actor=lead)
    values: list[float] = m["values"]
    last = monday - timedelta(weeks=1)
    dates = [last - timedelta(weeks=len(values) - 1 - i) for i in range(len(values))]
    measures.add_points(
        db,
        measure=measure,
        project=project,
        points=list(zip(dates, values, strict=True)),
        actor=lead,
    )
    points = repo.measure_points(db, measure_id=measure.id or 0)
    for index in m.get("ghosted", []):
        measures.set_ghosted(
            db,
            measure=measure,
            project=project,
            point_id=points[index].id or 0,
            ghosted=True,
            actor=lead,
        )
    for a in m.get("annotation", []):
        measures.add_annotation(db, measure=measure, on=dates[a["at"]], text=a["text"])
    for index in m.get("recalculate_at", []):
        measures.add_recalculation(
            db,
            measure=measure,
            project=project,
            on=dates[index],
            reason="The quiet room opened every evening: a new level",
            actor=lead,
        )
    # Any news the data made ("an outcome measure showed improvement") is dated last week.
    _stamp(db, now, 1)


def _cycle(
    db: Session,
    project: Project,
    c: dict[str, Any],
    *,
    nodes: dict[str, int],
    lead: Principal,
    now: datetime,
    monday: date,
) -> None:
    cycle = pdsa.create(
        db,
        project=project,
        title=c["title"],
        actor=lead,
        change_idea_id=nodes[c["change_idea"]] if "change_idea" in c else None,
        planned_start=_at(now, c["weeks_ago"]).date(),
    )
    for name in ("objective", "prediction", "what_happened", "result", "learning", "next_step"):
        setattr(cycle, name, c.get(name))
    cycle.change = c["title"]
    _stamp(db, now, c["weeks_ago"] + 1)
    label = pdsa.labels(repo.project_cycles(db, project_id=project.id or 0)).get(cycle.id or 0, "")
    # A test starts on the Monday of its week, the day the week's data starts.
    started = monday - timedelta(weeks=c["weeks_ago"])
    pdsa.advance(db, project=project, cycle=cycle, actor=lead, label=label, on=started)
    _stamp(db, now, c["weeks_ago"])
    if c["weeks"] == 0:
        return
    finish_weeks_ago = c["weeks_ago"] - c["weeks"]
    for _stage in (PDSAStatus.studying, PDSAStatus.acting):
        pdsa.advance(db, project=project, cycle=cycle, actor=lead, label=label)
    if "decision" in c:
        cycle.decision = PDSADecision(c["decision"])
        pdsa.advance(
            db,
            project=project,
            cycle=cycle,
            actor=lead,
            label=label,
            on=monday - timedelta(weeks=finish_weeks_ago),
        )
    _stamp(db, now, max(finish_weeks_ago, 0.5))
