"""The moves an idea may make (DOMAIN.md section 3): its public status and, separately, who
can see it. Anything not in these tables is refused with a 409."""

from typing import Any

from sqlmodel import Session

from app.accounts.principal import Principal, public_role
from app.core import audit
from app.core.states import StateMachine
from app.models import Idea, IdeaStatus, SubjectKind, TimelineEvent, Visibility, utcnow

_S = IdeaStatus
_V = Visibility


def _status_event(
    db: Session, idea: Idea, frm: IdeaStatus, to: IdeaStatus, actor: Principal, note: str | None
) -> TimelineEvent:
    assert idea.id is not None
    idea.updated_at = utcnow()
    event = TimelineEvent(
        subject_kind=SubjectKind.idea,
        subject_id=idea.id,
        kind="status",
        from_status=frm,
        to_status=to,
        actor_role=public_role(actor),
        actor_id=actor.user.id,
        note=note.strip() if note else None,
    )
    db.add(event)
    return event


STATUS: StateMachine[IdeaStatus] = StateMachine(
    IdeaStatus,
    {
        _S.submitted: frozenset({_S.under_review, _S.accepted, _S.not_taken_forward, _S.duplicate}),
        _S.under_review: frozenset({_S.accepted, _S.not_taken_forward, _S.duplicate}),
        _S.accepted: frozenset({_S.in_progress, _S.done, _S.not_taken_forward}),
        _S.in_progress: frozenset({_S.done, _S.not_taken_forward}),
        _S.not_taken_forward: frozenset({_S.under_review}),
        _S.duplicate: frozenset(),
        _S.done: frozenset(),
    },
    initial=_S.submitted,
    record=_status_event,
)

#: Statuses that need a public message: why it is not going ahead, or what was done.
NEEDS_PUBLIC_REASON = frozenset({IdeaStatus.not_taken_forward, IdeaStatus.done})


def _visibility_event(
    db: Session,
    idea: Idea,
    frm: Visibility,
    to: Visibility,
    actor: Principal | None,
    note: str | None,
) -> Any:
    # Who can see an idea is moderation, not news: it goes in the audit log, never on the
    # public timeline (the reason may quote what was hidden).
    audit.record(
        db,
        "idea.visibility",
        # No actor: its anonymous author (through the receipt link) withdrew it.
        actor_id=actor.user.id if actor else None,
        idea_id=idea.id,
        from_visibility=str(frm),
        to_visibility=str(to),
    )
    return None


VISIBILITY: StateMachine[Visibility] = StateMachine(
    Visibility,
    {
        _V.pending_moderation: frozenset({_V.published, _V.hidden, _V.held}),
        # published -> pending_moderation: reports took it down until a moderator reviews it
        # (a report by staff, or three people: app/moderation/service.py ``report``).
        _V.published: frozenset({_V.pending_moderation, _V.hidden, _V.held}),
        _V.held: frozenset({_V.published, _V.hidden}),
        _V.hidden: frozenset({_V.published, _V.held}),
    },
    field="visibility",
    initial=_V.pending_moderation,
    record=_visibility_event,
)
