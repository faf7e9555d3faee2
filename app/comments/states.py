"""Who can see a comment: the same moves as an idea's visibility (app/ideas/states.py), with
the subject's comment count kept right and an audit row for every move."""

from typing import Any

from sqlmodel import Session

from app.accounts.principal import Principal
from app.comments import repository as repo
from app.core import audit
from app.core.states import StateMachine
from app.core.subjects import Subject
from app.ideas.states import VISIBILITY as IDEA_VISIBILITY
from app.models import Comment, Visibility


def _visibility_event(
    db: Session,
    comment: Comment,
    frm: Visibility,
    to: Visibility,
    actor: Principal | None,
    note: str | None,
) -> Any:
    # Only published comments are counted (and shown): the count follows the move.
    subject = Subject(comment.subject_kind, comment.subject_id)
    if frm == Visibility.published:
        repo.bump_count(db, subject, -1)
    elif to == Visibility.published:
        repo.bump_count(db, subject, +1)
    db.add(comment)
    # Moderation, not news: the audit log, never the public timeline. No actor: reports by
    # people who were not signed in took it down for review.
    audit.record(
        db,
        "comment.visibility",
        actor_id=actor.user.id if actor else None,
        comment_id=comment.id,
        from_visibility=str(frm),
        to_visibility=str(to),
    )
    return None


VISIBILITY: StateMachine[Visibility] = StateMachine(
    Visibility,
    IDEA_VISIBILITY.transitions,
    field="visibility",
    initial=Visibility.pending_moderation,
    record=_visibility_event,
)
