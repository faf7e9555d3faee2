"""The moves a project and a PDSA cycle may make. Anything not in these tables is refused
with a 409; every move writes an event on the project's public timeline."""

from sqlmodel import Session

from app.accounts.principal import Principal, public_role
from app.core.states import StateMachine
from app.models import (
    PDSACycle,
    PDSAStatus,
    Project,
    ProjectStatus,
    SubjectKind,
    TimelineEvent,
    utcnow,
)

_P = ProjectStatus
_C = PDSAStatus


def project_event(
    db: Session,
    project: Project,
    *,
    kind: str,
    actor: Principal | None,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
) -> TimelineEvent:
    """Add an entry to a project's public timeline (the actor is named by role)."""
    assert project.id is not None
    event = TimelineEvent(
        subject_kind=SubjectKind.project,
        subject_id=project.id,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor_role=public_role(actor),
        actor_id=actor.user.id if actor else None,
        note=note.strip() if note else None,
    )
    db.add(event)
    return event


def _status_event(
    db: Session,
    project: Project,
    frm: ProjectStatus,
    to: ProjectStatus,
    actor: Principal,
    note: str | None,
) -> TimelineEvent:
    now = utcnow()
    project.updated_at = now
    if to == ProjectStatus.active and project.started_at is None:
        project.started_at = now
    return project_event(
        db, project, kind="status", actor=actor, from_status=frm, to_status=to, note=note
    )


PROJECT: StateMachine[ProjectStatus] = StateMachine(
    ProjectStatus,
    {
        _P.proposed: frozenset({_P.active, _P.stopped}),
        _P.active: frozenset({_P.sustaining, _P.stopped}),
        _P.sustaining: frozenset({_P.completed, _P.stopped}),
        _P.completed: frozenset(),
        _P.stopped: frozenset(),
    },
    initial=_P.proposed,
    record=_status_event,
)

#: Moves that need a public reason.
NEEDS_REASON = frozenset({ProjectStatus.stopped})


def _cycle_event(
    db: Session,
    cycle: PDSACycle,
    frm: PDSAStatus,
    to: PDSAStatus,
    actor: Principal,
    note: str | None,
) -> TimelineEvent:
    cycle.updated_at = utcnow()
    assert cycle.id is not None
    event = TimelineEvent(
        subject_kind=SubjectKind.project,
        subject_id=cycle.project_id,
        kind="pdsa",
        from_status=frm,
        to_status=to,
        actor_role=public_role(actor),
        actor_id=actor.user.id,
        note=note,
    )
    db.add(event)
    return event


PDSA: StateMachine[PDSAStatus] = StateMachine(
    PDSAStatus,
    {
        _C.planning: frozenset({_C.doing}),
        _C.doing: frozenset({_C.studying}),
        _C.studying: frozenset({_C.acting}),
        _C.acting: frozenset({_C.done}),
        _C.done: frozenset(),
    },
    initial=_C.planning,
    record=_cycle_event,
)
