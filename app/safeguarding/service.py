"""The rules of safeguarding items: raising one (from screening or a "risk" report) and telling
the contacts at once, acknowledging and closing, and telling the backup contacts when an urgent
item waits too long. Alerts never carry what was written: only the level and a link."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from app.accounts.principal import Principal
from app.config import get_settings
from app.core import audit, mail
from app.core.subjects import Subject
from app.errors import InvalidInput, NotFound
from app.i18n import _
from app.models import (
    Comment,
    Idea,
    Report,
    SafeguardingItem,
    SafeguardingLevel,
    SafeguardingStatus,
    SubjectKind,
    utcnow,
)
from app.models.base import ID_MAX
from app.notifications import repository as notifications_repo
from app.safeguarding import repository as repo
from app.safeguarding import states
from app.web.urls import absolute_url

if TYPE_CHECKING:
    from app.moderation.service import Screened

NOTE_MAX = 5000
#: A concern is overdue when nobody has acknowledged it within a day.
CONCERN_DUE = timedelta(hours=24)


def raise_item(
    db: Session,
    *,
    level: SafeguardingLevel,
    reasons: list[str],
    idea: Idea | None = None,
    comment: Comment | None = None,
    source: str = "screening",
    report: Report | None = None,
) -> SafeguardingItem:
    """Put an item in the queue and tell the contacts (email) and safeguarding leads (in-app).
    Screening an edited text again adds to the item still open about it instead."""
    idea_id = idea.id if idea else None
    comment_id = comment.id if comment else None
    if source == "screening":
        existing = repo.not_closed_for(db, idea_id=idea_id, comment_id=comment_id, source=source)
        if existing is not None:
            existing.reasons = list(dict.fromkeys([*existing.reasons, *reasons]))
            if level == SafeguardingLevel.urgent:
                existing.level = level
            db.add(existing)
            return existing
    item = SafeguardingItem(
        idea_id=idea_id,
        comment_id=comment_id,
        level=level,
        reasons=reasons,
        source=source,
        report_id=report.id if report else None,
    )
    db.add(item)
    db.flush()
    audit.record(db, "safeguarding.raised", item_id=item.id, level=str(level), source=source)
    _alert(db, item, comment=comment)
    return item


def _alert(db: Session, item: SafeguardingItem, *, comment: Comment | None) -> None:
    assert item.id is not None
    link = absolute_url("safeguarding_item", item_id=item.id)
    for address in get_settings().safeguarding_emails:
        mail.queue_template(
            db,
            to=address,
            template="emails/safeguarding_alert.txt",
            context={"level": item.level, "link": link, "escalated": False},
        )
    if comment is not None:
        subject = Subject(SubjectKind(comment.subject_kind), comment.subject_id)
    else:
        assert item.idea_id is not None
        subject = Subject.idea(item.idea_id)
    notifications_repo.add_many(
        db, subject=subject, kind="safeguarding", user_ids=repo.lead_ids(db)
    )


def after_screening(
    db: Session,
    *,
    screened: "Screened",
    author_email: str | None,
    idea: Idea | None = None,
    comment: Comment | None = None,
) -> None:
    """After an idea or comment is stored: keep the original of a changed text for staff;
    raise a held one for safeguarding and send its author the crisis help (by email too, when
    we have an address for them)."""
    if screened.changed:
        if idea is not None:
            assert idea.id is not None
            repo.keep_original(db, idea_id=idea.id, original=screened.original)
        else:
            assert comment is not None
            assert comment.id is not None
            repo.keep_original(db, comment_id=comment.id, original=screened.original)
    if screened.held:
        raise_item(
            db,
            level=SafeguardingLevel(str(screened.level)),
            reasons=list(screened.reasons),
            idea=idea,
            comment=comment,
        )
        if author_email:
            crisis_help_email(db, to=author_email)


def crisis_help_email(db: Session, *, to: str) -> None:
    """The author of a held text gets the crisis help by email too (it never quotes them)."""
    mail.queue_template(db, to=to, template="emails/crisis_help.txt", context={})


def get(db: Session, *, item_id: int) -> SafeguardingItem:
    item = repo.get(db, item_id) if 1 <= item_id <= ID_MAX else None
    if item is None:
        raise NotFound(_("We could not find that safeguarding item."))
    return item


def move(
    db: Session,
    *,
    item: SafeguardingItem,
    to: SafeguardingStatus,
    actor: Principal,
    note: str | None = None,
) -> SafeguardingItem:
    """Acknowledge or close an item (closing needs a note of what was done)."""
    states.ITEM.check(item.status, to)
    note = (note or "").replace("\r\n", "\n").strip() or None
    if to == SafeguardingStatus.closed:
        if note is None:
            raise InvalidInput(
                errors=[{"field": "note", "msg": _("Enter what was done before closing it")}]
            )
        if len(note) > NOTE_MAX:
            raise InvalidInput(
                errors=[{"field": "note", "msg": _("Note must be 5,000 characters or fewer")}]
            )
    states.ITEM.move(db, item, to, actor=actor, note=note)
    db.add(item)
    return item


def is_overdue(item: SafeguardingItem, *, now: datetime | None = None) -> bool:
    """Still open past its time: urgent after the escalation minutes, a concern after a day."""
    if item.status != SafeguardingStatus.open:
        return False
    due = (
        timedelta(minutes=get_settings().safeguarding_escalate_minutes)
        if item.level == SafeguardingLevel.urgent
        else CONCERN_DUE
    )
    return (now or utcnow()) - item.created_at > due


def escalate_overdue(db: Session, *, now: datetime | None = None) -> int:
    """Tell the backup contacts, once, of each urgent item nobody acknowledged in time."""
    settings = get_settings()
    now = now or utcnow()
    cutoff = now - timedelta(minutes=settings.safeguarding_escalate_minutes)
    items = repo.unacknowledged_urgent(db, created_before=cutoff)
    for item in items:
        assert item.id is not None
        link = absolute_url("safeguarding_item", item_id=item.id)
        for address in settings.safeguarding_backup_emails:
            mail.queue_template(
                db,
                to=address,
                template="emails/safeguarding_alert.txt",
                context={"level": item.level, "link": link, "escalated": True},
            )
        item.escalated_at = now
        db.add(item)
        audit.record(
            db,
            "safeguarding.escalated",
            item_id=item.id,
            backups=len(settings.safeguarding_backup_emails),
        )
    return len(items)


@dataclass(frozen=True)
class Entry:
    """One item as staff see it: what it is about, what was typed, and how to reach the author."""

    item: SafeguardingItem
    idea: Idea | None
    comment: Comment | None
    #: The fields as typed (title, description, benefit; or body).
    text: dict[str, Any]
    contacts: list[str]
    overdue: bool
    #: Who acknowledged and who closed it, by name (staff see each other's names here).
    acknowledged_by: str | None = None
    closed_by: str | None = None

    @property
    def submitted_at(self) -> datetime:
        if self.comment is not None:
            return self.comment.created_at
        return self.idea.created_at if self.idea is not None else self.item.created_at


def entries(db: Session, items: list[SafeguardingItem]) -> list[Entry]:
    """The items with their content, in a fixed number of queries."""
    ideas, comments = repo.subjects(db, items)
    by_idea, by_comment = repo.originals(db, idea_ids=list(ideas), comment_ids=list(comments))
    authors = {i.author_id for i in ideas.values() if i.author_id} | {
        c.author_id for c in comments.values() if c.author_id
    }
    users, subscribed = repo.contacts(db, idea_ids=list(ideas), user_ids=authors)
    workers = repo.staff_names(
        db,
        {i.acknowledged_by_id for i in items if i.acknowledged_by_id}
        | {i.closed_by_id for i in items if i.closed_by_id},
    )
    now = utcnow()
    out = []
    for item in items:
        comment = comments.get(item.comment_id) if item.comment_id else None
        idea = ideas.get(item.idea_id) if item.idea_id else None
        if comment is not None and comment.id is not None:
            text = by_comment.get(comment.id) or {"body": comment.body}
            author_id = comment.author_id
            found = [users[author_id]] if author_id in users else []
        elif idea is not None and idea.id is not None:
            text = by_idea.get(idea.id) or {
                "title": idea.title,
                "description": idea.description,
                "benefit": idea.benefit,
            }
            found = [users[idea.author_id]] if idea.author_id in users else []
            found += [e for e in subscribed.get(idea.id, []) if e not in found]
        else:
            text, found = {}, []
        out.append(
            Entry(
                item,
                idea,
                comment,
                text,
                found,
                is_overdue(item, now=now),
                acknowledged_by=workers.get(item.acknowledged_by_id or 0),
                closed_by=workers.get(item.closed_by_id or 0),
            )
        )
    return out


def queue(
    db: Session, *, statuses: tuple[SafeguardingStatus, ...] = repo.NOT_CLOSED
) -> list[SafeguardingItem]:
    return list(repo.queue(db, statuses=statuses))


def history(db: Session) -> list[SafeguardingItem]:
    """Closed items, most recently closed first (what was done is part of the record)."""
    return list(repo.closed(db))


def record_reads(
    db: Session, *, items: list[SafeguardingItem], viewer: Principal, ip_address: str, via: str
) -> None:
    """Every view of safeguarding items is audited (committed before they are shown)."""
    audit.record_read(
        db,
        event=audit.READ_SAFEGUARDING_ITEM,
        actor_id=viewer.user_id,
        ip_address=ip_address,
        # One item: its id; the queue: how many it showed (details are short codes only).
        item_id=items[0].id if len(items) == 1 and via.endswith("item") else None,
        count=len(items),
        via=via,
    )
