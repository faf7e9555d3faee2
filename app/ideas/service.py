"""The rules of a change idea: submitting (once, even on a double submit), receipts, and
moving an idea along its life (app/ideas/states.py) with a public timeline."""

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts.principal import Principal, submitter_public
from app.core import audit, ratelimit, signing
from app.core.subjects import Subject
from app.errors import InvalidInput, NotFound
from app.follows import repository as follows_repo
from app.follows import service as follows
from app.i18n import _
from app.ideas import access, states
from app.ideas import repository as repo
from app.ideas.schemas import BENEFIT_MAX, DESCRIPTION_MAX, TITLE_MAX, IdeaInput
from app.models import (
    Category,
    Idea,
    IdeaStatus,
    Identity,
    SubjectKind,
    TimelineEvent,
    Unit,
    User,
    Visibility,
)
from app.models.base import ID_MAX
from app.moderation import access as moderation_access
from app.moderation import service as moderation
from app.notifications import service as notifications
from app.safeguarding import service as safeguarding
from app.units import service as units
from app.votes import repository as votes_repo


def receipt_for(form_token: str) -> str:
    """The private receipt link's secret, derived from the form token so that a repeated
    submission of the same form can show the same receipt."""
    return signing.sign("receipt", form_token)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


_FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def is_form_token(value: str) -> bool:
    """One the form gave out (32 URL-safe characters). A missing or made-up token never
    matches another person's idea: the form is shown again instead."""
    return bool(_FORM_TOKEN.fullmatch(value))


@dataclass(frozen=True)
class Submitted:
    idea: Idea
    receipt: str
    created: bool


def _resolve_unit(db: Session, unit_id: int | None) -> Unit:
    if unit_id is None:
        return units.root(db)
    unit = units.get(db, unit_id)
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
    if user is not None:
        bucket, key = ratelimit.IDEA_USER, str(user.id)
    else:
        bucket, key = ratelimit.IDEA_IP, ratelimit.key_for(ip_address or "unknown")
    ratelimit.enforce(
        db,
        bucket,
        key,
        _(
            "You have sent a lot of ideas recently. Thank you! Please wait a "
            "while before sending another."
        ),
    )


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
    existing = repo.by_form_token(db, form_token)
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
    # Only someone an admin gave a staff role is shown as staff; anyone may say they are.
    by_staff = (
        not helped and author is not None and author.is_staff and (submitted_as == Identity.staff)
    )
    receipt = receipt_for(form_token)
    # Screened before anything is stored: identifying details never reach the public text,
    # and a possible risk of harm is held for a person to read (docs/safety/screening.md).
    screened = screening_of(data)
    public = screened.public
    if helped or not moderation_access.waits_for_moderator(author):
        visibility = Visibility.published
    else:
        visibility = Visibility.pending_moderation
    if screened.held:
        visibility = Visibility.held
    idea = Idea(
        title=(public["title"] or "")[:TITLE_MAX],
        description=(public["description"] or "")[:DESCRIPTION_MAX],
        benefit=public["benefit"][:BENEFIT_MAX] if public["benefit"] else None,
        screening_level=str(screened.level),
        screening_reasons=screened.summary,
        unit_id=unit.id,  # type: ignore[arg-type]
        category_id=category.id,  # type: ignore[arg-type]
        submitted_as=submitted_as,
        submitted_by_staff=by_staff,
        # Ideas typed in by staff belong to the service user, not the member of staff.
        author_id=None if helped else (user.id if user else None),
        helped_by_id=helped_by.id if helped_by else None,
        form_token=form_token,
        receipt_hash=_digest(receipt),
        visibility=visibility,
    )
    savepoint = db.begin_nested()
    try:
        db.add(idea)
        db.flush()
    except IntegrityError:
        # The same form arrived twice at once (a double click): the other request won.
        savepoint.rollback()
        first = repo.by_form_token(db, form_token)
        assert first is not None
        return Submitted(first, receipt, created=False)
    savepoint.commit()
    assert idea.id is not None
    db.add(
        TimelineEvent(
            subject_kind=SubjectKind.idea,
            subject_id=idea.id,
            kind="submitted",
            to_status=IdeaStatus.submitted,
            actor_role=(
                "staff, with help"
                if helped_by
                else submitter_public(submitted_as, verified_staff=by_staff)
            ),
            actor_id=user.id if user else None,
        )
    )
    if user is not None and not helped:
        follows.follow(db, subject=Subject.idea(idea.id), user_id=user.id)  # type: ignore[arg-type]
    confirmed = user.email if user and user.email_confirmed_at else None
    safeguarding.after_screening(db, idea=idea, screened=screened, author_email=confirmed)
    return Submitted(idea, receipt, created=True)


def screening_of(data: IdeaInput) -> moderation.Screened:
    return moderation.screen_fields(
        {"title": data.title, "description": data.description, "benefit": data.benefit}
    )


def redacted_preview(data: IdeaInput) -> dict[str, str | None] | None:
    """The public text, when screening would remove identifying details from it and there is
    no risk (a possible risk is held and raised at once, never kept waiting for a preview)."""
    screened = screening_of(data)
    return screened.public if screened.changed and not screened.held else None


def same_submission(idea: Idea, data: IdeaInput) -> bool:
    """``data`` is what was sent for ``idea`` (its public text is the screened text)."""
    public = screening_of(data).public
    return (idea.title, idea.description, idea.benefit) == (
        (public["title"] or "")[:TITLE_MAX],
        (public["description"] or "")[:DESCRIPTION_MAX],
        public["benefit"][:BENEFIT_MAX] if public["benefit"] else None,
    )


def is_held(idea: Idea) -> bool:
    """Waiting for a person to read it because it may tell of a risk of harm."""
    return idea.visibility == Visibility.held


def by_receipt(db: Session, *, receipt: str) -> Idea:
    idea = repo.by_receipt_hash(db, _digest(receipt))
    if idea is None:
        raise NotFound(_("We could not find an idea for this link. Check you copied all of it."))
    return idea


def visible_idea(db: Session, *, idea_id: int, viewer: Principal | None) -> Idea:
    """The idea, or NotFound when there is none or ``viewer`` may not see it (both look the
    same: a held idea's existence is not revealed)."""
    idea = repo.get(db, idea_id) if 1 <= idea_id <= ID_MAX else None
    if idea is None or not access.can_see_idea(viewer, idea):
        raise NotFound()
    return idea


def record_read(
    db: Session,
    *,
    idea: Idea,
    viewer: Principal | None,
    ip_address: str,
    via: str,
    originals_shown: int = 0,
) -> None:
    """Audit a read of an idea the public cannot see, when the rules say so, or of what was
    typed before identifying details were removed (``originals_shown``: how many texts of the
    page were shown as typed). A committed row of its own: see ``audit.record_read``."""
    if not access.read_is_audited(viewer, idea):
        if originals_shown and viewer is not None:
            audit.record_read(
                db,
                event=audit.READ_SCREENED_ORIGINAL,
                actor_id=viewer.user_id,
                subject_user_id=idea.author_id,
                ip_address=ip_address,
                idea_id=idea.id,
                texts=originals_shown,
                via=via,
            )
        return
    assert viewer is not None
    audit.record_read(
        db,
        event=audit.READ_HELD_IDEA,
        actor_id=viewer.user_id,
        subject_user_id=idea.author_id,
        ip_address=ip_address,
        idea_id=idea.id,
        visibility=str(idea.visibility),
        via=via,
    )


def change_status(
    db: Session,
    *,
    idea: Idea,
    to: IdeaStatus,
    actor: Principal,
    note: str | None = None,
    merged_into: Idea | None = None,
) -> TimelineEvent:
    """Move an idea along its life, writing a public timeline event and telling followers."""
    states.STATUS.check(idea.status, to)
    if to in states.NEEDS_PUBLIC_REASON and not (note and note.strip()):
        raise InvalidInput(
            errors=[{"field": "note", "msg": _("Give a public reason why this is not going ahead")}]
        )
    if to == IdeaStatus.duplicate:
        _merge(db, source=idea, target=merged_into)
    event: TimelineEvent = states.STATUS.move(db, idea, to, actor=actor, note=note)
    notifications.subject_changed(
        db,
        subject=Subject.of(idea),
        kind="status",
        actor_id=actor.user.id,
        idea=idea,
        email_text=_("The idea \u201c%(title)s\u201d is now: %(status)s.")
        % {"title": idea.title, "status": to.label},
    )
    return event


def _merge(db: Session, *, source: Idea, target: Idea | None) -> None:
    """A duplicate's votes and followers move to the idea it merges into (once per person)."""
    if target is None or target.id == source.id:
        raise InvalidInput(
            errors=[{"field": "merged_into", "msg": _("Choose the idea this one duplicates")}]
        )
    if target.status == IdeaStatus.duplicate:
        raise InvalidInput(
            errors=[
                {
                    "field": "merged_into",
                    "msg": _("That idea is itself a duplicate. Choose the idea it was merged into"),
                }
            ]
        )
    assert source.id is not None
    assert target.id is not None
    source.merged_into_id = target.id
    votes_repo.move(db, source_id=source.id, target_id=target.id)
    follows_repo.move(db, source=Subject.of(source), target=Subject.of(target))
    db.refresh(source, attribute_names=["vote_count"])
    db.refresh(target, attribute_names=["vote_count"])


def set_visibility(
    db: Session, *, idea: Idea, to: Visibility, actor: Principal, note: str | None = None
) -> None:
    """Publish, hide or hold an idea (audited; never on the public timeline)."""
    states.VISIBILITY.move(db, idea, to, actor=actor, note=note)
