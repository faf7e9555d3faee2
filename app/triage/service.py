"""The rules of triage: when a first response is due (working days, skipping weekends and
England's bank holidays), the queue, assigning an idea to a unit and an owner, official
responses, status changes (through ``app.ideas.service.change_status``) and staff notes.

Every action is audited with identifiers only: never the text of a response or a note.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from app.accounts.principal import Principal, public_role
from app.config import get_settings
from app.core import audit
from app.core.subjects import Subject
from app.errors import Forbidden, InvalidInput, NotFound
from app.i18n import N_, _
from app.ideas import service as ideas_service
from app.ideas import states as idea_states
from app.ideas.schemas import clean_text
from app.models import (
    Category,
    Idea,
    IdeaStatus,
    StaffNote,
    SubjectKind,
    TimelineEvent,
    Unit,
    User,
    utcnow,
)
from app.models.base import ID_MAX
from app.moderation import service as moderation
from app.notifications import service as notifications
from app.settings import service as site_settings
from app.triage import access
from app.triage import repository as repo

MESSAGE_MAX = 5000
NOTE_MAX = 5000
#: Below this Flesch reading ease score a response is likely to be hard to read (60 to 70
#: is plain English, the NHS's aim for public writing).
PLAIN_ENGLISH = 60


# --- working days ---------------------------------------------------------------------------


def _zone() -> tzinfo:
    # Days are counted in England's time; without a time-zone database (a bare container),
    # UTC is at most an hour out.
    try:
        return ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:
        return UTC


@lru_cache(maxsize=32)
def _bank_holidays(first_year: int, last_year: int) -> frozenset[date]:
    import holidays  # about 7 MB: only staff triage counts working days

    found = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return frozenset(found.keys())


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a bank holiday in England."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year, day.year)


def add_working_days(day: date, working_days: int) -> date:
    """The day ``working_days`` working days after ``day`` (``day`` itself never counts)."""
    # Enough years for any count (about 250 working days a year), fetched once.
    off_days = _bank_holidays(day.year, day.year + 1 + working_days // 200)
    left = max(0, working_days)
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in off_days:
            left -= 1
    return day


def local_day(moment: datetime) -> date:
    return moment.astimezone(_zone()).date()


def due_at(submitted_at: datetime, working_days: int) -> date:
    """The day the first public response is due: ``working_days`` working days after the day
    the idea was sent (in England's time), weekends and England's bank holidays skipped."""
    return add_working_days(local_day(submitted_at), working_days)


def response_days() -> int:
    return get_settings().response_target_working_days


def today() -> date:
    return local_day(utcnow())


def is_overdue(idea: Idea, today: date, *, working_days: int | None = None) -> bool:
    """No first response yet, and its due day has passed."""
    days = response_days() if working_days is None else working_days
    return idea.first_response_at is None and today > due_at(idea.created_at, days)


def overdue_before(today: date, working_days: int) -> datetime:
    """The moment before which an idea with no first response is overdue on ``today``: the
    start of the first day whose due day is not yet past."""
    day = today
    # due_at only grows with the day sent; step back to the last day already past due.
    while add_working_days(day, working_days) >= today:
        day -= timedelta(days=1)
    start = datetime.combine(day + timedelta(days=1), time(0), tzinfo=_zone())
    return start.astimezone(UTC)


# --- the queue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueEntry:
    row: repo.QueueRow
    due: date
    overdue: bool
    age_days: int

    @property
    def idea(self) -> Idea:
        return self.row.idea


@dataclass(frozen=True)
class QueuePage:
    entries: list[QueueEntry]
    total: int
    page: int
    pages: int


def member_paths(db: Session, *, principal: Principal) -> frozenset[str]:
    """The paths of the units the person works in (one statement)."""
    return repo.member_paths(db, user_id=principal.user_id)


def queue(
    db: Session,
    *,
    principal: Principal,
    filters: repo.QueueFilters,
    page: int = 1,
    per_page: int = 50,
    paths: frozenset[str] | None = None,
) -> QueuePage:
    """Ideas waiting for a decision that ``principal`` may triage, a page at a time, in a
    fixed number of statements whatever the page's length."""
    if paths is None:
        paths = member_paths(db, principal=principal)
    allowed = access.triage_clause(principal, member_paths=paths)
    page = max(1, page)
    rows, total = repo.queue(
        db, filters=filters, allowed=allowed, limit=per_page, offset=(page - 1) * per_page
    )
    days, now = response_days(), today()
    entries = [
        QueueEntry(
            row=row,
            due=due_at(row.idea.created_at, days),
            overdue=is_overdue(row.idea, now, working_days=days),
            age_days=(now - local_day(row.idea.created_at)).days,
        )
        for row in rows
    ]
    return QueuePage(entries, total, page, max(1, -(-total // per_page)))


# --- one idea -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Triaged:
    """An idea on the triage page: with its unit, category and owner's name."""

    idea: Idea
    unit: Unit
    category: Category
    owner_name: str | None

    @property
    def due(self) -> date:
        return due_at(self.idea.created_at, response_days())

    @property
    def overdue(self) -> bool:
        return is_overdue(self.idea, today())


def triage_idea(db: Session, *, idea_id: int, principal: Principal) -> Triaged:
    """The published idea, if ``principal`` may triage it (NotFound for an idea that is not
    published: moderation has those; Forbidden for someone else's)."""
    found = repo.idea_with_names(db, idea_id) if 1 <= idea_id <= ID_MAX else None
    if found is None:
        raise NotFound(_("There is no published idea with this number."))
    idea, unit, category, owner_name = found
    paths = member_paths(db, principal=principal)
    if not access.can_triage(principal, idea, unit_path=unit.path, member_paths=paths):
        raise Forbidden(
            _("This idea belongs to another place's staff. Ask its owner or a moderator.")
        )
    return Triaged(idea, unit, category, owner_name)


def notes(db: Session, *, idea: Idea) -> list[tuple[StaffNote, str]]:
    assert idea.id is not None
    return list(repo.notes(db, idea_id=idea.id))


def staff_choices(db: Session) -> list[User]:
    return list(repo.staff(db))


# --- public text ----------------------------------------------------------------------------

#: Flesch reading ease in words (the score's usual bands).
_READING_BANDS = (
    (90, N_("very easy to read")),
    (80, N_("easy to read")),
    (70, N_("fairly easy to read")),
    (60, N_("plain English")),
    (50, N_("fairly hard to read")),
    (30, N_("hard to read")),
)


def reading_words(score: float) -> str:
    for floor, words in _READING_BANDS:
        if score >= floor:
            return _(words)
    return _("very hard to read")


@dataclass(frozen=True)
class TextCheck:
    """What the editor warns about in a public message before it is sent."""

    text: str
    #: The message with identifying details replaced by labels (what would be published).
    public: str
    #: The kinds of identifying detail found ("phone number", "name" ...).
    removed: tuple[str, ...]
    score: float

    @property
    def has_identifiers(self) -> bool:
        return bool(self.removed)

    @property
    def hard_to_read(self) -> bool:
        return self.score < PLAIN_ENGLISH

    @property
    def reading(self) -> str:
        return reading_words(self.score)


def check_text(db: Session, text: str) -> TextCheck:
    """Screen a public message for identifying details (with the site's local terms) and
    score how easy it is to read."""
    import textstat  # about 5 MB with its dictionaries: only a response being checked

    screened = moderation.screen_fields(
        {"message": text}, local_terms=site_settings.local_terms(db)
    )
    public = screened.public["message"] or ""
    return TextCheck(
        text=text,
        public=public,
        removed=screened.removed,
        # Flesch runs below 0 for long words in long sentences (and above 100 for very
        # short ones); staff read it as a score out of 100.
        score=min(100.0, max(0.0, float(textstat.flesch_reading_ease(text))))
        if text.strip()
        else 100.0,
    )


def _clean(value: str | None) -> str:
    cleaned = clean_text(value or "")
    assert isinstance(cleaned, str)
    return cleaned


def _public_message(db: Session, message: str | None, *, field: str = "message") -> str:
    text = _clean(message)
    if len(text) > MESSAGE_MAX:
        raise InvalidInput(
            errors=[{"field": field, "msg": _("Message must be 5,000 characters or fewer")}]
        )
    # The public text never holds identifying details, whatever the editor was told.
    return check_text(db, text).public if text else ""


# --- actions --------------------------------------------------------------------------------


def resolve_owner(db: Session, owner_id: int | None) -> User | None:
    """The owner chosen on the form (None: nobody yet); only a member of staff may own one."""
    if owner_id is None:
        return None
    owner = repo.staff_member(db, owner_id) if 1 <= owner_id <= ID_MAX else None
    if owner is None:
        raise InvalidInput(
            errors=[{"field": "owner_id", "msg": _("Choose a member of staff to own it")}]
        )
    return owner


def assign(db: Session, *, idea: Idea, unit: Unit, owner: User | None, actor: Principal) -> Idea:
    """Move the idea to ``unit`` and give it an ``owner`` (a member of staff, or nobody)."""
    before = (idea.unit_id, idea.owner_id)
    idea.unit_id = unit.id  # type: ignore[assignment]
    idea.owner_id = owner.id if owner else None
    db.add(idea)
    audit.record(
        db,
        "triage.assign",
        actor_id=actor.user_id,
        subject_user_id=owner.id if owner else None,
        idea_id=idea.id,
        unit_id=unit.id,
        owner_id=idea.owner_id,
        from_unit_id=before[0],
        from_owner_id=before[1],
    )
    return idea


def respond(db: Session, *, idea: Idea, actor: Principal, message: str | None) -> TimelineEvent:
    """An official public response on the idea's page, naming the responder by role, and
    told to its followers. Identifying details are removed from it."""
    public = _public_message(db, message)
    if not public:
        raise InvalidInput(errors=[{"field": "message", "msg": _("Enter your response")}])
    assert idea.id is not None
    now = utcnow()
    event = TimelineEvent(
        subject_kind=SubjectKind.idea,
        subject_id=idea.id,
        at=now,
        kind="response",
        # The status it answers from (unchanged), so every timeline can name it.
        from_status=idea.status,
        to_status=idea.status,
        actor_role=public_role(actor),
        actor_id=actor.user_id,
        note=public,
    )
    db.add(event)
    idea.updated_at = now
    if idea.first_response_at is None:
        idea.first_response_at = now
    db.add(idea)
    db.flush()
    audit.record(
        db,
        "triage.response",
        actor_id=actor.user_id,
        idea_id=idea.id,
        event_id=event.id,
        details_removed=public != _clean(message),
    )
    notifications.subject_changed(
        db,
        subject=Subject.of(idea),
        kind="response",
        actor_id=actor.user_id,
        idea=idea,
        email_text=_("There is a response to the idea \u201c%(title)s\u201d:\n\n%(message)s")
        % {"title": idea.title, "message": public},
    )
    return event


_NEEDS_MESSAGE = {
    IdeaStatus.not_taken_forward: N_("Enter a public message saying why it is not going ahead"),
    IdeaStatus.done: N_("Enter a public message saying what was done"),
}


def resolve_original(db: Session, *, idea: Idea, duplicate_of: int | None) -> Idea:
    """The published idea a duplicate merges into (not itself, not another duplicate)."""

    def refuse(message: str) -> InvalidInput:
        return InvalidInput(errors=[{"field": "duplicate_of", "msg": message}])

    if duplicate_of is None:
        raise refuse(_("Enter the number of the idea this one duplicates"))
    original = repo.published_idea(db, duplicate_of) if 1 <= duplicate_of <= ID_MAX else None
    if original is None:
        raise refuse(_("There is no published idea with that number"))
    if original.id == idea.id:
        raise refuse(_("An idea cannot duplicate itself. Enter the number of the original"))
    if original.status == IdeaStatus.duplicate:
        raise refuse(_("That idea is itself a duplicate. Enter the idea it was merged into"))
    return original


def set_status(
    db: Session,
    *,
    idea: Idea,
    actor: Principal,
    to: IdeaStatus,
    message: str | None = None,
    duplicate_of: int | None = None,
) -> TimelineEvent:
    """Move the idea along the transition table (an illegal move is a 409). A message with
    the move is published with it and is a response too; not taken forward and done need
    one; a duplicate needs the original, which gets its supporters and followers."""
    idea_states.STATUS.check(idea.status, to)
    public = _public_message(db, message)
    if to in idea_states.NEEDS_PUBLIC_REASON and not public:
        raise InvalidInput(errors=[{"field": "message", "msg": _(_NEEDS_MESSAGE[to])}])
    original = (
        resolve_original(db, idea=idea, duplicate_of=duplicate_of)
        if to == IdeaStatus.duplicate
        else None
    )
    before = IdeaStatus(idea.status)
    event = ideas_service.change_status(
        db, idea=idea, to=to, actor=actor, note=public or None, merged_into=original
    )
    db.add(idea)
    audit.record(
        db,
        "triage.status",
        actor_id=actor.user_id,
        idea_id=idea.id,
        from_status=str(before),
        to_status=str(to),
        merged_into_id=original.id if original else None,
        with_message=bool(public),
    )
    return event


def add_note(db: Session, *, idea: Idea, actor: Principal, body: str | None) -> StaffNote:
    """An internal note for the staff who triage the idea: never public."""
    text = _clean(body)
    if not text:
        raise InvalidInput(errors=[{"field": "body", "msg": _("Enter your note")}])
    if len(text) > NOTE_MAX:
        raise InvalidInput(
            errors=[{"field": "body", "msg": _("Note must be 5,000 characters or fewer")}]
        )
    assert idea.id is not None
    note = StaffNote(idea_id=idea.id, author_id=actor.user_id, body=text)
    db.add(note)
    db.flush()
    audit.record(db, "triage.note", actor_id=actor.user_id, idea_id=idea.id, note_id=note.id)
    return note
