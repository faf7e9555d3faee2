"""Comments on any subject: signed-in people; replies one level deep; authors edit for 15
minutes and delete their own (app/comments/access.py)."""

from sqlmodel import Session

from app.accounts.principal import Principal
from app.comments import access
from app.comments import repository as repo
from app.core import ratelimit
from app.core.subjects import Subject
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.follows import service as follows
from app.i18n import _
from app.models import Comment, utcnow
from app.models.base import ID_MAX
from app.notifications import service as notifications

BODY_MAX = 5000


def _clean(body: str) -> str:
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise InvalidInput(errors=[{"field": "body", "msg": _("Write your comment")}])
    if len(body) > BODY_MAX:
        raise InvalidInput(
            errors=[{"field": "body", "msg": _("Comment must be 5,000 characters or fewer")}]
        )
    return body


def _parent(db: Session, subject: Subject, parent_id: int) -> int:
    # A form field: digits too large for any row id name no comment (not a database error).
    parent = repo.get(db, parent_id) if 1 <= parent_id <= ID_MAX else None
    if parent is None or (parent.subject_kind, parent.subject_id) != (subject.kind, subject.id):
        raise InvalidInput(
            errors=[{"field": "parent_id", "msg": _("The comment you replied to has gone")}]
        )
    # Replies stay one level deep: a reply to a reply joins the same thread.
    assert parent.id is not None
    return parent.parent_id or parent.id


def add(
    db: Session,
    *,
    subject: Subject,
    principal: Principal,
    body: str,
    parent_id: int | None = None,
) -> Comment:
    """Add a comment (the caller has checked ``access.can_comment``); the author follows the
    subject, and its other followers are told."""
    body = _clean(body)
    if parent_id is not None:
        parent_id = _parent(db, subject, parent_id)
    ratelimit.enforce(
        db,
        ratelimit.COMMENT_USER,
        str(principal.user_id),
        _("You have commented a lot in the last hour. Please wait a while."),
    )
    user = principal.user
    comment = Comment(
        subject_kind=subject.kind,
        subject_id=subject.id,
        author_id=user.id,
        parent_id=parent_id,
        author_identity=user.identity,
        author_is_staff=principal.is_staff,
        body=body,
    )
    db.add(comment)
    repo.bump_count(db, subject, +1)
    follows.follow(db, subject=subject, user_id=principal.user_id)
    db.flush()
    notifications.subject_changed(db, subject=subject, kind="comment", actor_id=user.id)
    return comment


def _own(db: Session, *, comment_id: int, principal: Principal) -> Comment:
    comment = repo.get(db, comment_id) if 1 <= comment_id <= ID_MAX else None
    if comment is None or comment.deleted_at is not None:
        raise NotFound()
    if not access.can_delete_comment(principal, comment):
        raise Forbidden(_("You can only change your own comments."))
    return comment


def editable(db: Session, *, comment_id: int, principal: Principal) -> Comment:
    """The person's own comment, for its edit form."""
    return _own(db, comment_id=comment_id, principal=principal)


def edit(db: Session, *, comment_id: int, principal: Principal, body: str) -> Comment:
    comment = _own(db, comment_id=comment_id, principal=principal)
    if not access.can_edit_comment(principal, comment):
        raise Conflict(_("Comments can only be changed in the first 15 minutes."))
    comment.body = _clean(body)
    comment.edited_at = utcnow()
    return comment


def delete(db: Session, *, comment_id: int, principal: Principal) -> Comment:
    """The text goes; a placeholder stays so replies still make sense."""
    comment = _own(db, comment_id=comment_id, principal=principal)
    comment.body = ""
    comment.deleted_at = utcnow()
    repo.bump_count(db, Subject(comment.subject_kind, comment.subject_id), -1)
    return comment
