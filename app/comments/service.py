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
from app.models import Comment, Visibility, utcnow
from app.models.base import ID_MAX
from app.moderation import service as moderation
from app.notifications import service as notifications
from app.safeguarding import repository as safeguarding_repo
from app.safeguarding import service as safeguarding
from app.settings import service as site_settings

BODY_MAX = 5000


def _clean(body: str, *, field: str = "body") -> str:
    """The text as kept; ``field`` names the box it was typed in (a reply's own box)."""
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise InvalidInput(errors=[{"field": field, "msg": _("Write your comment")}])
    if len(body) > BODY_MAX:
        raise InvalidInput(
            errors=[{"field": field, "msg": _("Comment must be 5,000 characters or fewer")}]
        )
    return body


def _screened(db: Session, body: str) -> moderation.Screened:
    return moderation.screen_with_site_terms(db, {"body": body})


def form_field(values: dict[str, str]) -> str:
    """The box a comment form's text was typed in: a reply has its own under its comment."""
    parent = values.get("parent_id", "")
    return f"reply-{parent}" if parent.isdigit() else "body"


def preview_of(db: Session, values: dict[str, str]) -> str | None:
    """A comment form's public text to show first (see ``redacted_preview``), unless its author
    has seen it and sends it like that."""
    if values.get("confirm") == "redacted":
        return None
    return redacted_preview(db, values.get("body", ""))


def redacted_preview(db: Session, body: str) -> str | None:
    """The public text of a comment, when screening would take identifying details out of it
    and there is no risk (a possible risk is held and raised at once, never kept waiting)."""
    try:
        screened = _screened(db, _clean(body))
    except InvalidInput:
        return None  # the form's own message comes first
    return (screened.public["body"] or "") if screened.changed and not screened.held else None


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
    body_field: str = "body",
) -> Comment:
    """Add a comment (the caller has checked ``access.can_comment``); the author follows the
    subject, and its other followers are told. ``body_field`` names the form's box in errors
    (see ``form_field``)."""
    body = _clean(body, field=body_field)
    if parent_id is not None:
        parent_id = _parent(db, subject, parent_id)
    ratelimit.enforce(
        db,
        ratelimit.COMMENT_USER,
        str(principal.user_id),
        _("You have commented a lot in the last hour. Please wait a while."),
    )
    user = principal.user
    screened = _screened(db, body)
    if screened.held:
        visibility = Visibility.held
    elif site_settings.author_waits(db, author=principal, policy=site_settings.policy(db)):
        # New accounts, and accounts whose email is not confirmed, wait for a moderator.
        visibility = Visibility.pending_moderation
    else:
        visibility = Visibility.published
    comment = Comment(
        subject_kind=subject.kind,
        subject_id=subject.id,
        author_id=user.id,
        parent_id=parent_id,
        author_identity=user.identity,
        author_is_staff=principal.is_staff,
        body=(screened.public["body"] or "")[:BODY_MAX],
        screening_level=str(screened.level),
        screening_reasons=screened.summary,
        visibility=visibility,
    )
    db.add(comment)
    follows.follow(db, subject=subject, user_id=principal.user_id)
    db.flush()
    safeguarding.after_screening(
        db, comment=comment, screened=screened, author_email=_confirmed_email(principal)
    )
    if visibility == Visibility.published:
        # A held or waiting comment is in no count and tells nobody: only its author (and
        # moderators) know it exists.
        repo.bump_count(db, subject, +1)
        notifications.subject_changed(db, subject=subject, kind="comment", actor_id=user.id)
    return comment


def is_held(comment: Comment) -> bool:
    return comment.visibility == Visibility.held


def is_waiting(comment: Comment) -> bool:
    """Not public yet: held for a person to read, or waiting for a moderator."""
    return comment.visibility in (Visibility.held, Visibility.pending_moderation)


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
    if is_held(comment):
        raise Conflict(
            _("A person must read this comment first, so it cannot be changed. You can delete it.")
        )
    if not access.can_edit_comment(principal, comment):
        raise Conflict(_("Comments can only be changed in the first 15 minutes."))
    screened = _screened(db, _clean(body))
    comment.body = (screened.public["body"] or "")[:BODY_MAX]
    comment.edited_at = utcnow()
    comment.screening_level = str(screened.level)
    comment.screening_reasons = screened.summary
    if screened.held and comment.visibility != Visibility.held:
        # Screened again on every edit: a comment that now tells of a risk is taken down.
        if comment.visibility == Visibility.published:
            repo.bump_count(db, Subject(comment.subject_kind, comment.subject_id), -1)
        comment.visibility = Visibility.held
    db.add(comment)
    db.flush()
    if not screened.changed:
        # An original kept from before the edit is replaced by what was typed now.
        safeguarding_repo.replace_original(db, comment_id=comment.id, original=screened.original)
    safeguarding.after_screening(
        db, comment=comment, screened=screened, author_email=_confirmed_email(principal)
    )
    return comment


def delete(db: Session, *, comment_id: int, principal: Principal) -> Comment:
    """The text goes; a placeholder stays so replies still make sense."""
    comment = _own(db, comment_id=comment_id, principal=principal)
    if comment.visibility == Visibility.held and comment.body:
        # A disclosure stays readable for safeguarding staff after its author removes it.
        assert comment.id is not None
        safeguarding_repo.keep_original(
            db, comment_id=comment.id, original={"body": comment.body}, replace=False
        )
    comment.body = ""
    comment.deleted_at = utcnow()
    if comment.visibility == Visibility.published:
        repo.bump_count(db, Subject(comment.subject_kind, comment.subject_id), -1)
    return comment


def _confirmed_email(principal: Principal) -> str | None:
    """Where the crisis help may be emailed: an address the person has proved is theirs."""
    user = principal.user
    return user.email if user.email_confirmed_at is not None else None


def threads(rows: list[Comment]) -> list[tuple[Comment, list[Comment]]]:
    """Comments as the page shows them: each top-level comment with its replies, oldest reply
    first (the order of ``rows`` is kept for the top level)."""
    replies: dict[int, list[Comment]] = {}
    tops: list[Comment] = []
    for c in rows:
        if c.parent_id is None:
            tops.append(c)
        else:
            replies.setdefault(c.parent_id, []).append(c)
    for thread in replies.values():
        thread.sort(key=lambda c: c.id or 0)
    return [(c, replies.get(c.id or 0, [])) for c in tops]
