"""Reports of content (anyone who can see an idea or comment can flag it for a moderator), and
screening what people write before anyone else sees it (docs/safety/screening.md)."""

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session

from app.comments import repository as comments_repo
from app.core import ratelimit
from app.errors import NotFound
from app.i18n import _
from app.models import Idea, Report, ReportReason, SafeguardingLevel, SubjectKind, User
from app.models.base import ID_MAX
from app.moderation.screening import Level, screen
from app.safeguarding import service as safeguarding

DETAILS_MAX = 2000


@dataclass(frozen=True)
class Screened:
    """What screening made of the fields of one idea or comment.

    ``public`` is what may be shown (identifying details replaced by labels) and ``original``
    what was typed; ``reasons`` are the risk reasons in words (for the safeguarding queue) and
    ``removed`` the kinds of identifying detail taken out. Neither ever holds the text.
    """

    level: Level
    reasons: tuple[str, ...]
    removed: tuple[str, ...]
    public: dict[str, str | None]
    original: dict[str, str | None]

    @property
    def held(self) -> bool:
        """A possible risk of harm: nobody but its author and safeguarding staff sees it."""
        return self.level is not Level.NONE

    @property
    def changed(self) -> bool:
        return self.public != self.original

    @property
    def summary(self) -> list[str]:
        """For the row's ``screening_reasons``: the risk reasons, then what was removed."""
        return [*self.reasons, *(f"removed: {kind}" for kind in self.removed)]


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def screen_fields(fields: Mapping[str, str | None]) -> Screened:
    """Screen every field of a text. Risk is read across all of them at once (a title and a
    description are one message); identifying details are removed from each field."""
    whole = screen("\n\n".join(v for v in fields.values() if v))
    public: dict[str, str | None] = {}
    removed: list[str] = []
    for name, value in fields.items():
        if not value:
            public[name] = value
            continue
        result = screen(value)
        public[name] = result.redacted_text
        removed += [f.category.replace("_", " ") for f in result.identifiers]
    return Screened(
        level=whole.level,
        reasons=_unique([f.reason for f in whole.risks]),
        removed=_unique(removed),
        public=public,
        original=dict(fields),
    )


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
    if reason == ReportReason.risk:
        # "Someone may be at risk" goes to the safeguarding queue, not only to moderators.
        db.flush()
        comment = comments_repo.get(db, comment_id) if comment_id is not None else None
        safeguarding.raise_item(
            db,
            level=SafeguardingLevel.concern,
            reasons=[_("Reported: someone may be at risk of harm")],
            idea=idea,
            comment=comment,
            source="report",
            report=row,
        )
    return row
