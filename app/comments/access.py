"""Who may comment, and change or remove a comment. One function per question."""

from datetime import timedelta

from app.accounts.principal import Principal
from app.ideas.access import is_listed
from app.models import Comment, Idea, Visibility, utcnow

#: Authors may correct a comment for this long after posting it.
EDIT_WINDOW = timedelta(minutes=15)


def can_comment(principal: Principal | None, idea: Idea) -> bool:
    """Signed-in people comment on published ideas."""
    return principal is not None and is_listed(idea)


def _own(principal: Principal | None, comment: Comment) -> bool:
    return (
        principal is not None
        and comment.deleted_at is None
        and comment.author_id is not None
        and comment.author_id == principal.user.id
    )


def can_edit_comment(principal: Principal | None, comment: Comment) -> bool:
    """Its author, within the first 15 minutes (after that replies may depend on it), unless it
    is held for safeguarding: what it told stays as it was for the person who reads it (its
    author may still delete it; the text is kept for safeguarding staff)."""
    return (
        _own(principal, comment)
        and comment.visibility != Visibility.held
        and utcnow() - comment.created_at <= EDIT_WINDOW
    )


def can_delete_comment(principal: Principal | None, comment: Comment) -> bool:
    """Its author, at any time (a placeholder stays so replies still make sense)."""
    return _own(principal, comment)
