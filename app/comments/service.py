"""Comments: signed-in people; replies one level deep; edit for 15 minutes; delete your own."""

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from app.accounts.service import Principal
from app.config import get_settings
from app.core import ratelimit
from app.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from app.i18n import _
from app.ideas import service as ideas_service
from app.ideas.schemas import ID_MAX
from app.models import Comment, Idea, Visibility, utcnow
from app.notifications import service as notifications

EDIT_WINDOW = timedelta(minutes=15)


def _check_rate(db: Session, principal: Principal) -> None:
    limit = ratelimit.Limit(
        "comment_user", get_settings().comments_per_user_per_hour, timedelta(hours=1)
    )
    key = str(principal.user.id)
    wait = ratelimit.retry_after(db, limit, key)
    if wait:
        raise RateLimited(
            _("You have commented a lot in the last hour. Please wait a while."), retry_after=wait
        )
    ratelimit.hit(db, limit, key)


def _clean(body: str) -> str:
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise InvalidInput(errors=[{"field": "body", "msg": _("Write your comment")}])
    if len(body) > 5000:
        raise InvalidInput(
            errors=[{"field": "body", "msg": _("Comment must be 5,000 characters or fewer")}]
        )
    return body


def add(
    db: Session, *, idea: Idea, principal: Principal, body: str, parent_id: int | None = None
) -> Comment:
    body = _clean(body)
    assert idea.id is not None
    if parent_id is not None:
        # A form field: digits too large for any row id name no comment (not a database error).
        parent = db.get(Comment, parent_id) if 1 <= parent_id <= ID_MAX else None
        if parent is None or parent.idea_id != idea.id:
            raise InvalidInput(
                errors=[{"field": "parent_id", "msg": _("The comment you replied to has gone")}]
            )
        # Replies stay one level deep: a reply to a reply joins the same thread.
        parent_id = parent.parent_id or parent.id
    _check_rate(db, principal)
    user = principal.user
    comment = Comment(
        idea_id=idea.id,
        author_id=user.id,
        parent_id=parent_id,
        author_identity=user.identity,
        author_is_staff=principal.is_staff,
        body=body,
    )
    db.add(comment)
    db.execute(
        update(Idea)
        .where(col(Idea.id) == idea.id)
        .values(comment_count=col(Idea.comment_count) + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    ideas_service.follow(db, idea=idea, user=user)
    db.flush()
    notifications.idea_changed(db, idea=idea, kind="comment", actor_id=user.id)
    return comment


def _own(db: Session, *, comment_id: int, principal: Principal) -> Comment:
    comment = db.get(Comment, comment_id)
    if comment is None or comment.deleted_at is not None:
        raise NotFound()
    if comment.author_id != principal.user.id:
        raise Forbidden(_("You can only change your own comments."))
    return comment


def can_edit(comment: Comment) -> bool:
    return comment.deleted_at is None and utcnow() - comment.created_at <= EDIT_WINDOW


def edit(db: Session, *, comment_id: int, principal: Principal, body: str) -> Comment:
    comment = _own(db, comment_id=comment_id, principal=principal)
    if not can_edit(comment):
        raise Conflict(_("Comments can only be changed in the first 15 minutes."))
    comment.body = _clean(body)
    comment.edited_at = utcnow()
    return comment


def delete(db: Session, *, comment_id: int, principal: Principal) -> Comment:
    """The text goes; a placeholder stays so replies still make sense."""
    comment = _own(db, comment_id=comment_id, principal=principal)
    comment.body = ""
    comment.deleted_at = utcnow()
    db.execute(
        update(Idea)
        .where(col(Idea.id) == comment.idea_id)
        .values(comment_count=col(Idea.comment_count) - 1)
        .execution_options(synchronize_session=False)
    )
    return comment


def is_public(comment: Comment) -> bool:
    return comment.visibility == Visibility.published
