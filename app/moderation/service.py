"""Reports of content: anyone who can see an idea or comment can flag it for a moderator."""

from sqlmodel import Session

from app.comments import repository as comments_repo
from app.core import ratelimit
from app.errors import NotFound
from app.i18n import _
from app.models import Idea, Report, ReportReason, SubjectKind, User
from app.models.base import ID_MAX

DETAILS_MAX = 2000


def report(
    db: Session,
    *,
    idea: Idea,
    reason: ReportReason,
    details: str | None,
    reporter: User | None,
    ip_address: str,
    comment_id: int | None = None,
) -> Report:
    """Record a report. Limited per person (or, signed out, per network address) so a flood of
    reports cannot bury the real ones in the moderators' queue."""
    assert idea.id is not None
    who = f"user {reporter.id}" if reporter else f"address {ip_address or 'unknown'}"
    ratelimit.enforce(
        db,
        ratelimit.REPORT,
        ratelimit.key_for(who),
        _("You have sent a lot of reports in the last hour. Please wait a while."),
    )
    if comment_id is not None:
        # The id comes from a form: it must name a comment on this idea (or the insert fails).
        comment = comments_repo.get(db, comment_id) if 1 <= comment_id <= ID_MAX else None
        if comment is None or (comment.subject_kind, comment.subject_id) != (
            SubjectKind.idea,
            idea.id,
        ):
            raise NotFound(_("We could not find that comment. It may have been removed."))
    row = Report(
        idea_id=idea.id,
        comment_id=comment_id,
        reason=reason,
        details=(details or "").strip()[:DETAILS_MAX] or None,
        reporter_id=reporter.id if reporter else None,
    )
    db.add(row)
    return row
