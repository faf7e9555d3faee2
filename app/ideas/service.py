"""The rules of a change idea: submitting (once, even on a double submit), statuses and their
public timeline, following, reporting, receipts."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, delete, func, literal
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.accounts.service import Principal
from app.config import get_settings
from app.core import ratelimit, signing
from app.errors import Conflict, InvalidInput, NotFound, RateLimited
from app.i18n import _
from app.ideas import repository as repo
from app.ideas.schemas import ID_MAX, IdeaInput
from app.models import (
    STAFF_ROLES,
    Category,
    Comment,
    Follow,
    Idea,
    IdeaEvent,
    IdeaStatus,
    Identity,
    Report,
    ReportReason,
    Role,
    Unit,
    User,
    Visibility,
    Vote,
    utcnow,
)
from app.notifications import service as notifications
from app.units import service as units

#: Allowed status moves (DOMAIN.md §3); anything else is a 409.
TRANSITIONS: dict[IdeaStatus, frozenset[IdeaStatus]] = {
    IdeaStatus.submitted: frozenset(
        {
            IdeaStatus.under_review,
            IdeaStatus.accepted,
            IdeaStatus.not_taken_forward,
            IdeaStatus.duplicate,
        }
    ),
    IdeaStatus.under_review: frozenset(
        {IdeaStatus.accepted, IdeaStatus.not_taken_forward, IdeaStatus.duplicate}
    ),
    IdeaStatus.accepted: frozenset(
        {IdeaStatus.in_progress, IdeaStatus.done, IdeaStatus.not_taken_forward}
    ),
    IdeaStatus.in_progress: frozenset({IdeaStatus.done, IdeaStatus.not_taken_forward}),
    IdeaStatus.not_taken_forward: frozenset({IdeaStatus.under_review}),
    IdeaStatus.duplicate: frozenset(),
    IdeaStatus.done: frozenset(),
}
VOTING_CLOSED = frozenset({IdeaStatus.done, IdeaStatus.not_taken_forward, IdeaStatus.duplicate})
NEEDS_PUBLIC_REASON = frozenset({IdeaStatus.not_taken_forward})

STATUS_LABELS = {
    IdeaStatus.submitted: "Submitted",
    IdeaStatus.under_review: "Under review",
    IdeaStatus.accepted: "Accepted",
    IdeaStatus.not_taken_forward: "Not taken forward",
    IdeaStatus.duplicate: "Duplicate",
    IdeaStatus.in_progress: "In progress",
    IdeaStatus.done: "Done",
}

IDENTITY_PUBLIC = {
    Identity.service_user: "a service user",
    Identity.carer: "a carer",
    Identity.staff: "staff",
    Identity.other: "someone",
}


def public_role(user: User | None, roles: frozenset[Role] = frozenset()) -> str:
    """How a person is named in public: by role, never by name."""
    if roles & {Role.moderator, Role.safeguarding_lead}:
        return "a moderator"
    if roles & {Role.improvement_lead}:
        return "the improvement team"
    if roles & STAFF_ROLES:
        return "staff"
    return IDENTITY_PUBLIC[user.identity] if user else "someone"


def receipt_for(form_token: str) -> str:
    """The private receipt link's secret, derived from the form token so that a repeated
    submission of the same form can show the same receipt."""
    return signing.sign("receipt", form_token)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Submitted:
    idea: Idea
    receipt: str
    created: bool


def _resolve_unit(db: Session, unit_id: int | None) -> Unit:
    if unit_id is None:
        return units.root(db)
    unit = db.get(Unit, unit_id)
    if unit is None:
        raise InvalidInput(errors=[{"field": "unit_id", "msg": _("Select where this is about")}])
    return unit


def resolve_category(db: Session, slug: str | None) -> Category:
    category = repo.category_by_slug(db, slug or "other")
    if category is None or not category.active:
        raise InvalidInput(
            errors=[{"field": "category", "msg": _("Select what your idea is about")}]
        )
    return category


def check_idea_limits(db: Session, *, user: User | None, ip_address: str) -> None:
    settings = get_settings()
    if user is not None:
        limit = ratelimit.Limit("idea_user", settings.ideas_per_user_per_day, timedelta(days=1))
        key = str(user.id)
    else:
        limit = ratelimit.Limit(
            "idea_ip", settings.anonymous_ideas_per_ip_per_hour, timedelta(hours=1)
        )
        key = ratelimit.key_for(ip_address or "unknown")
    wait = ratelimit.retry_after(db, limit, key)
    if wait:
        raise RateLimited(
            _(
                "You have sent a lot of ideas recently. Thank you! Please wait a "
                "while before sending another."
            ),
            retry_after=wait,
        )
    ratelimit.hit(db, limit, key)


def submit(
    db: Session,
    *,
    data: IdeaInput,
    form_token: str,
    author: Principal | None,
    helped: bool = False,
    ip_address: str = "",
) -> Submitted:
    """Create the idea once per form token. A repeat returns the first one (created=False)."""
    existing = db.scalars(select(Idea).where(col(Idea.form_token) == form_token)).first()
    if existing is not None:
        return Submitted(existing, receipt_for(form_token), created=False)
    user = author.user if author else None
    check_idea_limits(db, user=user, ip_address=ip_address)
    unit = _resolve_unit(db, data.unit_id)
    category = resolve_category(db, data.category)
    helped_by = None
    if helped:
        if author is None or not author.is_staff:
            raise InvalidInput(
                errors=[{"field": "helped", "msg": _("Only staff can submit on someone's behalf")}]
            )
        helped_by = user
    submitted_as = data.submitted_as or (
        Identity.service_user if helped else (user.identity if user else Identity.other)
    )
    receipt = receipt_for(form_token)
    idea = Idea(
        title=data.title,
        description=data.description,
        benefit=data.benefit,
        unit_id=unit.id,  # type: ignore[arg-type]
        category_id=category.id,  # type: ignore[arg-type]
        submitted_as=submitted_as,
        # Ideas typed in by staff belong to the service user, not the member of staff.
        author_id=None if helped else (user.id if user else None),
        helped_by_id=helped_by.id if helped_by else None,
        form_token=form_token,
        receipt_hash=_digest(receipt),
    )
    savepoint = db.begin_nested()
    try:
        db.add(idea)
        db.flush()
    except IntegrityError:
        # The same form arrived twice at once (a double click): the other request won.
        savepoint.rollback()
        first = db.scalars(select(Idea).where(col(Idea.form_token) == form_token)).one()
        return Submitted(first, receipt, created=False)
    savepoint.commit()
    assert idea.id is not None
    db.add(
        IdeaEvent(
            idea_id=idea.id,
            kind="submitted",
            to_status=IdeaStatus.submitted,
            actor_role="staff, with help" if helped_by else IDENTITY_PUBLIC[submitted_as],
            actor_id=user.id if user else None,
        )
    )
    if user is not None and not helped:
        db.add(Follow(idea_id=idea.id, user_id=user.id))  # type: ignore[arg-type]
    return Submitted(idea, receipt, created=True)


def by_receipt(db: Session, *, receipt: str) -> Idea:
    idea = db.scalars(select(Idea).where(col(Idea.receipt_hash) == _digest(receipt))).first()
    if idea is None:
        raise NotFound(_("We could not find an idea for this link. Check you copied all of it."))
    return idea


def visible_idea(db: Session, *, idea_id: int, viewer: Principal | None) -> Idea:
    idea = db.get(Idea, idea_id)
    if idea is None:
        raise NotFound()
    if idea.visibility != Visibility.published and not (
        viewer and (viewer.is_staff or viewer.user.id == idea.author_id)
    ):
        raise NotFound()
    return idea


def change_status(
    db: Session,
    *,
    idea: Idea,
    to: IdeaStatus,
    actor: Principal,
    note: str | None = None,
    merged_into: Idea | None = None,
) -> IdeaEvent:
    """Move an idea along its life, writing a public timeline event and telling followers."""
    current = IdeaStatus(idea.status)
    if to not in TRANSITIONS[current]:
        raise Conflict(
            _("An idea that is %(from)s cannot become %(to)s")
            % {"from": STATUS_LABELS[current].lower(), "to": STATUS_LABELS[to].lower()}
        )
    if to in NEEDS_PUBLIC_REASON and not (note and note.strip()):
        raise InvalidInput(
            errors=[{"field": "note", "msg": _("Give a public reason why this is not going ahead")}]
        )
    if to == IdeaStatus.duplicate:
        if merged_into is None or merged_into.id == idea.id:
            raise InvalidInput(
                errors=[{"field": "merged_into", "msg": _("Choose the idea this one duplicates")}]
            )
        if merged_into.status == IdeaStatus.duplicate:
            raise InvalidInput(
                errors=[
                    {
                        "field": "merged_into",
                        "msg": _(
                            "That idea is itself a duplicate. Choose the idea it was merged into"
                        ),
                    }
                ]
            )
        idea.merged_into_id = merged_into.id
        _merge_support(db, source=idea, target=merged_into)
    assert idea.id is not None
    idea.status = to
    idea.updated_at = utcnow()
    event = IdeaEvent(
        idea_id=idea.id,
        kind="status",
        from_status=current,
        to_status=to,
        actor_role=public_role(actor.user, actor.roles),
        actor_id=actor.user.id,
        note=note.strip() if note else None,
    )
    db.add(event)
    notifications.idea_changed(
        db,
        idea=idea,
        kind="status",
        actor_id=actor.user.id,
        email_text=_("The idea \u201c%(title)s\u201d is now: %(status)s.")
        % {"title": idea.title, "status": STATUS_LABELS[to]},
    )
    return event


def _merge_support(db: Session, *, source: Idea, target: Idea) -> None:
    """A duplicate's votes and followers move to the idea it merges into (once per person)."""
    for model in (Vote, Follow):
        table = cast(Table, getattr(model, "__table__"))  # noqa: B009 (typed as a class attr)
        already = select(table.c.user_id).where(table.c.idea_id == target.id)
        columns = ["idea_id", "user_id", "created_at"]
        moved = select(literal(target.id), table.c.user_id, table.c.created_at).where(
            table.c.idea_id == source.id, table.c.user_id.not_in(already)
        )
        db.execute(table.insert().from_select(columns, moved))
        db.execute(delete(table).where(table.c.idea_id == source.id))
    for idea in (source, target):
        idea.vote_count = (
            db.scalar(select(func.count()).select_from(Vote).where(col(Vote.idea_id) == idea.id))
            or 0
        )


def follow(db: Session, *, idea: Idea, user: User) -> None:
    assert idea.id is not None
    assert user.id is not None
    if db.get(Follow, (idea.id, user.id)) is None:
        db.add(Follow(idea_id=idea.id, user_id=user.id))


def unfollow(db: Session, *, idea: Idea, user: User) -> None:
    row = db.get(Follow, (idea.id, user.id))
    if row is not None:
        db.delete(row)


def report(
    db: Session,
    *,
    idea: Idea,
    reason: ReportReason,
    details: str | None,
    reporter: User | None,
    comment_id: int | None = None,
) -> Report:
    assert idea.id is not None
    if comment_id is not None:
        # The id comes from a form: it must name a comment on this idea (or the insert fails).
        comment = db.get(Comment, comment_id) if 1 <= comment_id <= ID_MAX else None
        if comment is None or comment.idea_id != idea.id:
            raise NotFound(_("We could not find that comment. It may have been removed."))
    row = Report(
        idea_id=idea.id,
        comment_id=comment_id,
        reason=reason,
        details=(details or "").strip()[:2000] or None,
        reporter_id=reporter.id if reporter else None,
    )
    db.add(row)
    return row
