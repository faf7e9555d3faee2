"""Screening what people write before anyone else sees it (docs/safety/screening.md), reports
of content (anyone who can see an idea or comment can flag it for a moderator), and the
moderation queue: what waits for a moderator and their decisions on it.

Not imported from here: the idea and comment services (they import this module for
``screen_fields``). Visibility moves go through the status machines in
app/ideas/states.py and app/comments/states.py, which audit every move."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts.principal import Principal
from app.comments import repository as comments_repo
from app.comments import states as comment_states
from app.core import audit, ratelimit, signing
from app.core.states import LabelledEnum
from app.core.subjects import Subject
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import N_, _
from app.ideas import states as idea_states
from app.ideas.schemas import BENEFIT_MAX, DESCRIPTION_MAX, TITLE_MAX
from app.models import (
    Comment,
    Idea,
    Report,
    ReportReason,
    SafeguardingLevel,
    SubjectKind,
    Visibility,
    utcnow,
)
from app.models.base import ID_MAX
from app.moderation import repository as repo
from app.moderation.screening import Level, LocalTerms, screen
from app.notifications import repository as notifications_repo
from app.notifications import service as notifications
from app.safeguarding import repository as safeguarding_repo
from app.safeguarding import service as safeguarding
from app.settings import service as site_settings
from app.web.params import as_id

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


def screen_fields(fields: Mapping[str, str | None], *, local_terms: LocalTerms) -> Screened:
    """Screen every field of a text. Risk is read across all of them at once (a title and a
    description are one message); identifying details are removed from each field.
    ``local_terms`` are the site's own (``site_settings.local_terms(db)``, one query)."""
    whole = screen("\n\n".join(v for v in fields.values() if v), local_terms=local_terms)
    public: dict[str, str | None] = {}
    removed: list[str] = []
    for name, value in fields.items():
        if not value:
            public[name] = value
            continue
        result = screen(value, local_terms=local_terms)
        public[name] = result.redacted_text
        removed += [f.category.replace("_", " ") for f in result.identifiers]
    return Screened(
        level=whole.level,
        reasons=_unique([f.reason for f in whole.risks]),
        removed=_unique(removed),
        public=public,
        original=dict(fields),
    )


_SCREENED = "fullcircle_screened"


def screen_with_site_terms(db: Session, fields: Mapping[str, str | None]) -> Screened:
    """``screen_fields`` with the site's local terms, worked out once per session for the
    same text and terms: a form that may show its public text first screens it for that
    preview and again when it is stored, in the same request (about 0.8 ms for a typical
    idea, held inside the writers' lock). The result stays with the request's session only."""
    terms = site_settings.local_terms(db)
    key = (tuple(fields.items()), terms)
    memo: dict[Any, Screened] = db.info.setdefault(_SCREENED, {})
    if key not in memo:
        memo[key] = screen_fields(fields, local_terms=terms)
    return memo[key]


# --- reports ----------------------------------------------------------------------------------

#: How many different people's open reports take a published idea or comment down for review.
REPORTS_TO_HIDE = 3


@dataclass(frozen=True)
class Item:
    """An idea or a comment, as moderation handles either (exactly one is given)."""

    idea: Idea | None = None
    comment: Comment | None = None

    @property
    def kind(self) -> str:
        return "comment" if self.comment is not None else "idea"

    @property
    def row(self) -> Idea | Comment:
        row = self.comment if self.comment is not None else self.idea
        assert row is not None
        return row

    @property
    def id(self) -> int:
        assert self.row.id is not None
        return self.row.id

    @property
    def target(self) -> str:
        """The report table's name for it: "idea:5" or "comment:9"."""
        return f"{self.kind}:{self.id}"

    @property
    def ids(self) -> dict[str, Any]:
        """For audit rows: ``idea_id`` or ``comment_id``."""
        return {f"{self.kind}_id": self.id}

    @property
    def idea_id(self) -> int | None:
        """The idea it is, or the idea a comment is about (None for a comment on a project)."""
        if self.comment is None:
            return self.id
        return self.comment.subject_id if self.comment.subject_kind == SubjectKind.idea else None

    def fields(self) -> dict[str, str | None]:
        """Its public text, field by field (what a moderator may redact)."""
        if self.comment is not None:
            return {"body": self.comment.body}
        assert self.idea is not None
        return {
            "title": self.idea.title,
            "description": self.idea.description,
            "benefit": self.idea.benefit,
        }


@dataclass(frozen=True)
class Reported:
    """What a report did: ``report`` is None when this person had already reported it, and
    ``hidden`` says it took the idea or comment down until a moderator reviews it."""

    report: Report | None
    hidden: bool = False

    @property
    def already(self) -> bool:
        return self.report is None


def reporter_key(reporter: Principal | None, ip_address: str) -> str:
    """Who reports, for "one report per person": the account or, signed out, the network
    address, as an HMAC (neither is stored in the clear)."""
    who = f"user:{reporter.user_id}" if reporter else f"address:{ip_address or 'unknown'}"
    return signing.sign("reporter", who)


def report(
    db: Session,
    *,
    idea: Idea,
    reason: ReportReason,
    details: str | None,
    reporter: Principal | None,
    ip_address: str,
    comment_id: int | None = None,
) -> Reported:
    """Record a report, once per person per idea or comment. Limited per person (or, signed
    out, per network address) so a flood of reports cannot bury the real ones in the queue.

    A report by staff, or open reports from three different people, take a published idea or
    comment down until a moderator reviews it (the public is not told why); "risk" also goes to
    the safeguarding queue."""
    assert idea.id is not None
    who = f"user {reporter.user_id}" if reporter else f"address {ip_address or 'unknown'}"
    ratelimit.enforce(
        db,
        ratelimit.REPORT,
        ratelimit.key_for(who),
        _("You have sent a lot of reports in the last hour. Please wait a while."),
    )
    comment = None
    if comment_id is not None:
        # The id comes from a form: it must name a comment on this idea (or the insert fails).
        comment = comments_repo.get(db, comment_id) if 1 <= comment_id <= ID_MAX else None
        if comment is None or (comment.subject_kind, comment.subject_id) != (
            SubjectKind.idea,
            idea.id,
        ):
            raise NotFound(_("We could not find that comment. It may have been removed."))
    item = Item(comment=comment) if comment is not None else Item(idea=idea)
    key = reporter_key(reporter, ip_address)
    if repo.report_by(db, reporter_key=key, target=item.target) is not None:
        return Reported(None)
    row = Report(
        idea_id=idea.id,
        comment_id=comment_id,
        target=item.target,
        reporter_key=key,
        reason=reason,
        details=(details or "").strip()[:DETAILS_MAX] or None,
        reporter_id=reporter.user_id if reporter else None,
    )
    savepoint = db.begin_nested()
    try:
        db.add(row)
        db.flush()
    except IntegrityError:
        # The same person's second report arrived at the same moment (a double click).
        savepoint.rollback()
        return Reported(None)
    savepoint.commit()
    if reason == ReportReason.risk:
        # "Someone may be at risk" goes to the safeguarding queue, not only to moderators.
        safeguarding.raise_item(
            db,
            level=SafeguardingLevel.concern,
            reasons=[_("Reported: someone may be at risk of harm")],
            idea=idea,
            comment=comment,
            source="report",
            report=row,
        )
    return Reported(row, hidden=_take_down_if_reported(db, item, reporter))


def _take_down_if_reported(db: Session, item: Item, reporter: Principal | None) -> bool:
    if item.row.visibility != Visibility.published:
        return False
    by_staff = reporter is not None and reporter.is_staff
    if not by_staff and repo.open_reporters(db, target=item.target) < REPORTS_TO_HIDE:
        return False
    _move(db, item, Visibility.pending_moderation, actor=reporter)
    audit.record(
        db,
        "moderation.taken_down",
        actor_id=reporter.user_id if reporter else None,
        by_staff=by_staff,
        **item.ids,
    )
    return True


def _move(db: Session, item: Item, to: Visibility, *, actor: Principal | None) -> None:
    """Change who can see it through its status machine (audited there)."""
    if item.comment is not None:
        comment_states.VISIBILITY.move(db, item.comment, to, actor=actor)
    else:
        idea_states.VISIBILITY.move(db, item.row, to, actor=actor)
        db.add(item.row)


# --- the queue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One idea or comment as moderators see it: its open reports, what a comment is about, and
    whether a safeguarding item is open about it."""

    item: Item
    reports: list[Report]
    about: str | None
    with_safeguarding: bool

    @property
    def waiting_since(self) -> datetime:
        """When it started waiting: its first open report, or when it was written."""
        if self.reports:
            return min(r.created_at for r in self.reports)
        return self.item.row.created_at

    @property
    def pending(self) -> bool:
        """A moderator may decide on it: it waits for one, or it is published with reports."""
        row = self.item.row
        if self.item.comment is not None and self.item.comment.deleted_at is not None:
            return False
        if row.visibility == Visibility.pending_moderation:
            return True
        return row.visibility == Visibility.published and bool(self.reports)

    @property
    def taken_down(self) -> bool:
        """Waiting because reports took it down (it was published)."""
        return self.item.row.visibility == Visibility.pending_moderation and bool(self.reports)

    @property
    def report_counts(self) -> dict[str, int]:
        """How many open reports give each reason, in the reasons' order."""
        counts = {str(r): 0 for r in ReportReason}
        for r in self.reports:
            counts[str(r.reason)] += 1
        return {k: v for k, v in counts.items() if v}

    @property
    def flags(self) -> list[str]:
        """Why it waits besides screening (ideas only: "many from one address" and the like)."""
        return list(self.item.idea.moderation_flags) if self.item.idea is not None else []


def entries(db: Session, items: Sequence[Item]) -> list[Entry]:
    """The items with their reports and context, in a fixed number of queries."""
    reports = repo.open_reports(db, targets={i.target for i in items})
    by_target: dict[str, list[Report]] = {}
    for r in reports:
        by_target.setdefault(r.target, []).append(r)
    comment_ideas = {i.idea_id for i in items if i.comment is not None and i.idea_id is not None}
    titles = repo.titles(db, idea_ids=comment_ideas)
    sg_ideas, sg_comments = repo.with_safeguarding(
        db,
        idea_ids=[i.id for i in items if i.comment is None],
        comment_ids=[i.id for i in items if i.comment is not None],
    )
    out = []
    for i in items:
        about = titles.get(i.idea_id) if i.comment is not None and i.idea_id else None
        guarded = i.id in (sg_comments if i.comment is not None else sg_ideas)
        out.append(Entry(i, by_target.get(i.target, []), about, guarded))
    return out


def queue(db: Session) -> list[Entry]:
    """Everything waiting for a moderator, oldest first (held items are the safeguarding
    queue's, not this one's)."""
    items = [Item(idea=i) for i in repo.pending_ideas(db)]
    items += [Item(comment=c) for c in repo.pending_comments(db)]
    found = entries(db, items)
    return sorted(found, key=lambda e: (e.waiting_since, e.item.kind, e.item.id))


def pending_count(db: Session) -> int:
    return repo.pending_count(db)


def get_item(db: Session, *, kind: str, item_id: int) -> Item:
    """The idea or comment (moderators may see either whatever its visibility)."""
    if not 1 <= item_id <= ID_MAX:
        raise NotFound()
    if kind == "comment":
        comment = comments_repo.get(db, item_id)
        if comment is None:
            raise NotFound(_("There is no comment with this id."))
        return Item(comment=comment)
    idea = repo.idea(db, item_id)
    if idea is None:
        raise NotFound(_("There is no idea with this id."))
    return Item(idea=idea)


def entry(db: Session, item: Item) -> Entry:
    return entries(db, [item])[0]


def original_of(db: Session, item: Item) -> dict[str, Any] | None:
    """What its author typed, where screening (or a moderator) changed the public text."""
    if item.comment is not None:
        return safeguarding_repo.comment_originals(db, comment_ids=[item.id]).get(item.id)
    return safeguarding_repo.original_of(db, idea_id=item.id)


def record_original_read(db: Session, *, item: Item, viewer: Principal, ip_address: str) -> None:
    """Audit that a moderator was shown what a comment's author typed before it was changed
    (ideas: ``ideas.service.record_read``, which also audits reading an unpublished idea)."""
    audit.record_read(
        db,
        event=audit.READ_SCREENED_ORIGINAL,
        actor_id=viewer.user_id,
        subject_user_id=item.row.author_id,
        ip_address=ip_address,
        texts=1,
        via="moderation",
        **item.ids,
    )


# --- decisions --------------------------------------------------------------------------------


class Decision(StrEnum):
    publish = "publish"
    reject = "reject"
    escalate = "escalate"


class RejectReason(LabelledEnum):
    """Why a moderator did not publish something: each has words its author is shown."""

    personal_details = "personal_details", N_("Personal details about someone")
    abusive = "abusive", N_("Abusive or offensive")
    not_about_services = "not_about_services", N_("Not about our services")
    complaint = "complaint", N_("A complaint (point them to PALS)")
    duplicate = "duplicate", N_("A duplicate of an existing idea")
    other = "other", N_("Another reason (write it below)")


#: What the author is told for each reason (``other``: the moderator's own words).
AUTHOR_TEXT = {
    RejectReason.personal_details: N_(
        "It included personal details about someone, such as a name or a phone number, so we "
        "could not publish it. You are welcome to send it again without them."
    ),
    RejectReason.abusive: N_(
        "Some of the words could hurt or offend people, so we could not publish it. You are "
        "welcome to send it again in other words."
    ),
    RejectReason.not_about_services: N_(
        "It is not about our services, so it does not belong on this board."
    ),
    RejectReason.complaint: N_(
        "It reads like a complaint. The Patient Advice and Liaison Service (PALS) can look into "
        "what happened and reply to you personally: ask any member of staff how to reach them."
    ),
    RejectReason.duplicate: N_(
        "Someone has already suggested this. You can support and follow their idea instead."
    ),
}

REASON_MAX = 2000


def _clean_note(note: str | None) -> str | None:
    return (note or "").replace("\r\n", "\n").strip() or None


def rejection(reason: str | None, note: str | None) -> tuple[RejectReason, str]:
    """The reason chosen and the words its author will see. ``reason`` is one of
    ``RejectReason`` (with an optional ``note`` added), or, from the API, the words
    themselves."""
    note = _clean_note(note)
    try:
        key = RejectReason(reason or "")
    except ValueError:
        words = _clean_note(reason)
        if words is None or note is not None or len(words) < 3:
            raise InvalidInput(
                errors=[{"field": "reason", "msg": _("Select why it cannot be published")}]
            ) from None
        key, note = RejectReason.other, words
    if key == RejectReason.other and note is None:
        raise InvalidInput(
            errors=[{"field": "note", "msg": _("Write the reason its author will see")}]
        )
    if note is not None and len(note) > REASON_MAX:
        raise InvalidInput(
            errors=[{"field": "note", "msg": _("Reason must be 2,000 characters or fewer")}]
        )
    if key == RejectReason.other:
        assert note is not None
        return key, note
    text = _(AUTHOR_TEXT[key])
    return key, (f"{text}\n\n{note}" if note else text)[:REASON_MAX]


def _check_pending(current: Entry) -> None:
    if current.item.row.visibility == Visibility.held:
        raise Conflict(_("This is with the safeguarding team: they decide what happens to it."))
    if not current.pending:
        raise Conflict(_("This is not waiting for a moderator. Someone may have decided already."))


def decide(
    db: Session,
    *,
    item: Item,
    decision: Decision,
    actor: Principal,
    reason: str | None = None,
    note: str | None = None,
) -> Entry:
    """Publish, reject (with a reason its author sees) or send to safeguarding something that
    waits for a moderator. Every decision is audited; open reports about it are resolved."""
    current = entry(db, item)
    _check_pending(current)
    if decision == Decision.publish:
        _publish(db, current, actor)
    elif decision == Decision.reject:
        _reject(db, current, actor, *rejection(reason, note))
    else:
        _escalate(db, current, actor)
    db.flush()
    return entry(db, item)


def _publish(db: Session, current: Entry, actor: Principal, *, event: str = "published") -> None:
    item, row = current.item, current.item.row
    # Waiting for its first moderator (not taken down by reports): its author is told, and a
    # comment's followers hear of it now.
    first_time = row.visibility == Visibility.pending_moderation and not current.reports
    if row.visibility == Visibility.pending_moderation:
        _move(db, item, Visibility.published, actor=actor)
    row.moderation_reason = None
    db.add(row)
    resolved = repo.resolve_reports(db, target=item.target)
    audit.record(db, f"moderation.{event}", actor_id=actor.user_id, reports=resolved, **item.ids)
    if not first_time:
        return
    if item.comment is not None:
        _tell_commenter(db, item.comment, actor)
        subject = Subject(SubjectKind(item.comment.subject_kind), item.comment.subject_id)
        notifications.subject_changed(
            db, subject=subject, kind="comment", actor_id=item.comment.author_id
        )
    else:
        assert item.idea is not None
        notifications.tell_author(
            db,
            idea=item.idea,
            kind="moderation",
            email_text=_(
                "Your idea \u201c%(title)s\u201d has been checked and is on the ideas board."
            )
            % {"title": item.idea.title},
            actor_id=actor.user_id,
        )


def _reject(db: Session, current: Entry, actor: Principal, key: RejectReason, text: str) -> None:
    item, row = current.item, current.item.row
    _move(db, item, Visibility.hidden, actor=actor)
    row.moderation_reason = text
    db.add(row)
    resolved = repo.resolve_reports(db, target=item.target)
    audit.record(
        db,
        "moderation.rejected",
        actor_id=actor.user_id,
        reason=str(key),
        reports=resolved,
        **item.ids,
    )
    if item.comment is not None:
        _tell_commenter(db, item.comment, actor)
    else:
        assert item.idea is not None
        notifications.tell_author(
            db,
            idea=item.idea,
            kind="moderation",
            email_text=_("We could not publish your idea \u201c%(title)s\u201d. %(reason)s")
            % {"title": item.idea.title, "reason": text},
            actor_id=actor.user_id,
        )


def _escalate(db: Session, current: Entry, actor: Principal) -> None:
    item, row = current.item, current.item.row
    urgent = row.screening_level == str(Level.URGENT)
    level = SafeguardingLevel.urgent if urgent else SafeguardingLevel.concern
    _move(db, item, Visibility.held, actor=actor)
    if not current.with_safeguarding:
        safeguarding.raise_item(
            db,
            level=level,
            reasons=[_("Sent to safeguarding by a moderator"), *row.screening_reasons],
            idea=item.idea,
            comment=item.comment,
            source="moderation",
        )
    resolved = repo.resolve_reports(db, target=item.target)
    audit.record(
        db,
        "moderation.escalated",
        actor_id=actor.user_id,
        level=str(level),
        reports=resolved,
        **item.ids,
    )


def _tell_commenter(db: Session, comment: Comment, actor: Principal) -> None:
    """A comment's author hears in-app what a moderator decided (comments always have an
    account behind them); the notification names what the comment was about."""
    if comment.author_id is not None and comment.author_id != actor.user_id:
        subject = Subject(SubjectKind(comment.subject_kind), comment.subject_id)
        notifications_repo.add_many(
            db, subject=subject, kind="moderation", user_ids=[comment.author_id]
        )


#: The longest each field may be (as on the forms that wrote them).
FIELD_MAX = {"title": TITLE_MAX, "description": DESCRIPTION_MAX, "benefit": BENEFIT_MAX}
COMMENT_MAX = DESCRIPTION_MAX
REQUIRED = {
    "title": N_("Enter a title"),
    "description": N_("Enter the idea"),
    "body": N_("Enter the comment"),
}


def _redacted_fields(item: Item, values: Mapping[str, str | None]) -> dict[str, str | None]:
    fields: dict[str, str | None] = {}
    errors = []
    for name in item.fields():
        value = _clean_note(values.get(name))
        limit = FIELD_MAX.get(name, COMMENT_MAX)
        if value is None and name in REQUIRED:
            errors.append({"field": name, "msg": _(REQUIRED[name])})
        elif value is not None and len(value) > limit:
            errors.append(
                {
                    "field": name,
                    "msg": _("%(label)s must be %(max)s characters or fewer")
                    % {"label": name.capitalize(), "max": f"{limit:,}"},
                }
            )
        fields[name] = value
    if errors:
        raise InvalidInput(errors=errors)
    return fields


def redact_and_publish(
    db: Session, *, item: Item, values: Mapping[str, str | None], actor: Principal
) -> Entry:
    """A moderator edits the public text, then publishes it. What they wrote is screened
    again (identifying details removed); what the author typed stays, for moderators and
    safeguarding leads only."""
    current = entry(db, item)
    _check_pending(current)
    fields = _redacted_fields(item, values)
    screened = screen_fields(fields, local_terms=site_settings.local_terms(db))
    if screened.held:
        first = next(iter(fields))
        raise InvalidInput(
            errors=[
                {
                    "field": first,
                    "msg": _("This may tell of a risk of harm. Send it to safeguarding instead."),
                }
            ]
        )
    before = item.fields()
    if screened.public != before:
        # The author's words as they wrote them: an original kept by screening stays as it is.
        safeguarding_repo.keep_original(
            db, original=before, replace=False, **{f"{item.kind}_id": item.id}
        )
    row = item.row
    if item.comment is not None:
        item.comment.body = screened.public["body"] or ""
    else:
        assert item.idea is not None
        item.idea.title = screened.public["title"] or ""
        item.idea.description = screened.public["description"] or ""
        item.idea.benefit = screened.public["benefit"] or None
        item.idea.updated_at = utcnow()
    row.screening_reasons = list(
        dict.fromkeys([*row.screening_reasons, *screened.summary, "edited by a moderator"])
    )
    db.add(row)
    _publish(db, current, actor, event="redacted")
    db.flush()
    return entry(db, item)


def approve_many(db: Session, *, targets: Sequence[str], actor: Principal) -> int:
    """Publish each of these ("idea:5", "comment:9") that still waits for a moderator; what
    someone else decided meanwhile is left as it is. Returns how many were published."""
    idea_ids, comment_ids = set(), set()
    for target in targets:
        kind, _sep, raw = target.partition(":")
        number = as_id(raw)
        if number is not None and kind == "idea":
            idea_ids.add(number)
        elif number is not None and kind == "comment":
            comment_ids.add(number)
    if not idea_ids and not comment_ids:
        raise InvalidInput(
            errors=[{"field": "items", "msg": _("Select at least one item to approve")}]
        )
    items = [Item(idea=i) for i in repo.ideas(db, idea_ids)]
    items += [Item(comment=c) for c in repo.comments(db, comment_ids)]
    published = 0
    for current in entries(db, items):
        # Something with safeguarding is decided one at a time, on its own page.
        if current.pending and not current.with_safeguarding:
            _publish(db, current, actor)
            published += 1
    return published
