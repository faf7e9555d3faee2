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
from app.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from app.follows import repository as follows_repo
from app.follows import service as follows
from app.i18n import N_, _
from app.ideas import access, states
from app.ideas import repository as repo
from app.ideas.schemas import BENEFIT_MAX, DESCRIPTION_MAX, TITLE_MAX, IdeaInput, IdeaText
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
    utcnow,
)
from app.models.base import ID_MAX
from app.moderation import service as moderation
from app.notifications import service as notifications
from app.safeguarding import repository as safeguarding_repo
from app.safeguarding import service as safeguarding
from app.settings import service as site_settings
from app.settings.schemas import Policy
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


#: Why an idea waits for a moderator although its author need not (``Idea.moderation_flags``).
SHARED_ADDRESS_FLAG = N_("Many ideas from one network address (a shared device or Wi-Fi)")


def check_idea_limits(
    db: Session, *, user: User | None, ip_address: str, policy: Policy
) -> list[str]:
    """Count one more idea, or refuse it; returns the moderation flags it earns.

    Anonymous ideas past the usual limit from one network address (a ward tablet, a trust's
    shared Wi-Fi) are not refused: they wait for a moderator, flagged, up to the policy's
    hard cap. The message never suggests the person did anything wrong."""
    if user is not None:
        ratelimit.enforce(
            db,
            ratelimit.IDEA_USER,
            str(user.id),
            _(
                "You have sent a lot of ideas recently. Thank you! Please wait a "
                "while before sending another."
            ),
        )
        return []
    key = ratelimit.key_for(ip_address or "unknown")
    soft = ratelimit.IDEA_IP.limit()
    if not ratelimit.retry_after(db, soft, key):
        ratelimit.hit(db, soft, key)
        return []
    hard = ratelimit.Limit(soft.bucket, policy.shared_address_hard_cap, soft.window)
    if wait := ratelimit.retry_after(db, hard, key):
        raise RateLimited(
            _(
                "A lot of ideas have been sent from this network in the last hour, so we "
                "cannot take more from here just now. Please try again later, or ask a "
                "member of staff to help."
            ),
            retry_after=wait,
        )
    ratelimit.hit(db, hard, key)
    return [SHARED_ADDRESS_FLAG]


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
    policy = site_settings.policy(db)
    flags = check_idea_limits(db, user=user, ip_address=ip_address, policy=policy)
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
    screened = screening_of(db, data)
    public = screened.public
    if helped:
        visibility = Visibility.published
    elif flags or site_settings.author_waits(db, author=author, policy=policy):
        visibility = Visibility.pending_moderation
    else:
        visibility = Visibility.published
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
        moderation_flags=flags,
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


def screening_of(db: Session, data: IdeaText) -> moderation.Screened:
    """Screening of an idea's fields, with the site's local terms."""
    return moderation.screen_with_site_terms(
        db, {"title": data.title, "description": data.description, "benefit": data.benefit}
    )


def redacted_preview(db: Session, data: IdeaText) -> dict[str, str | None] | None:
    """The public text, when screening would remove identifying details from it and there is
    no risk (a possible risk is held and raised at once, never kept waiting for a preview)."""
    screened = screening_of(db, data)
    return screened.public if screened.changed and not screened.held else None


def same_submission(db: Session, idea: Idea, data: IdeaText) -> bool:
    """``data`` is what was sent for ``idea`` (its public text is the screened text)."""
    public = screening_of(db, data).public
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
    """Move an idea along its life, writing a public timeline event and telling followers.

    Not taken forward and done need a public message (``note``): why, or what was done. The
    first move beyond submitted is the idea's first response (``first_response_at``)."""
    states.STATUS.check(idea.status, to)
    if to in states.NEEDS_PUBLIC_REASON and not (note and note.strip()):
        raise InvalidInput(
            errors=[
                {
                    "field": "note",
                    "msg": _("Enter a public message: why it is not going ahead, or what was done"),
                }
            ]
        )
    if to == IdeaStatus.duplicate:
        _check_original(source=idea, target=merged_into)
    event: TimelineEvent = states.STATUS.move(db, idea, to, actor=actor, note=note)
    if idea.first_response_at is None:
        idea.first_response_at = event.at
    # Told before a duplicate's followers move to the original, so they hear of the merge.
    notifications.subject_changed(
        db,
        subject=Subject.of(idea),
        kind="status",
        actor_id=actor.user.id,
        idea=idea,
        email_text=_("The idea \u201c%(title)s\u201d is now: %(status)s.")
        % {"title": idea.title, "status": to.label},
    )
    if to == IdeaStatus.duplicate:
        assert merged_into is not None
        _merge(db, source=idea, target=merged_into)
    return event


def _check_original(*, source: Idea, target: Idea | None) -> None:
    """The idea a duplicate merges into: another idea, not itself a duplicate."""
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


def _merge(db: Session, *, source: Idea, target: Idea) -> None:
    """A duplicate's votes and followers move to the idea it merges into (once per person)."""
    assert source.id is not None
    assert target.id is not None
    source.merged_into_id = target.id
    votes_repo.move(db, source_id=source.id, target_id=target.id)
    follows_repo.move(db, source=Subject.of(source), target=Subject.of(target))
    db.refresh(source, attribute_names=["vote_count"])
    db.refresh(target, attribute_names=["vote_count"])


def set_visibility(
    db: Session, *, idea: Idea, to: Visibility, actor: Principal | None, note: str | None = None
) -> None:
    """Publish, hide or hold an idea (audited; never on the public timeline)."""
    states.VISIBILITY.move(db, idea, to, actor=actor, note=note)


# --- its author stays in control ----------------------------------------------------------


def _audit_author(
    db: Session, event: str, *, idea: Idea, author: Principal | None, has_receipt: bool
) -> None:
    """The signed-in author, or someone holding the receipt link, changed their idea."""
    audit.record(
        db,
        event,
        actor_id=author.user.id if author else None,
        idea_id=idea.id,
        via="receipt" if has_receipt else "account",
    )


def not_editable() -> Conflict:
    return Conflict(
        _(
            "This idea can no longer be changed: staff have started looking at it, or it was "
            "withdrawn or is waiting for a person to read it."
        )
    )


def not_withdrawable() -> Conflict:
    return Conflict(
        _(
            "This idea can no longer be withdrawn: it has already been withdrawn, done or "
            "merged into another idea."
        )
    )


def edit_text(
    db: Session,
    *,
    idea: Idea,
    data: IdeaText,
    author: Principal | None,
    has_receipt: bool = False,
) -> Idea:
    """Its author changes the words while it is ``submitted``. Screened again exactly like a
    new idea: identifying details never reach the public text, and a possible risk of harm is
    held and raised for safeguarding."""
    if not access.can_edit_idea(author, idea, has_receipt=has_receipt):
        raise not_editable()
    screened = screening_of(db, data)
    public = screened.public
    idea.title = (public["title"] or "")[:TITLE_MAX]
    idea.description = (public["description"] or "")[:DESCRIPTION_MAX]
    idea.benefit = public["benefit"][:BENEFIT_MAX] if public["benefit"] else None
    idea.screening_level = str(screened.level)
    idea.screening_reasons = screened.summary
    idea.edited_at = idea.updated_at = utcnow()
    if screened.held:
        states.VISIBILITY.move(db, idea, Visibility.held, actor=author)
    elif idea.visibility == Visibility.published and site_settings.author_waits(
        db, author=author, policy=site_settings.policy(db)
    ):
        # What this author writes waits for a moderator (the policy): so do changed words.
        states.VISIBILITY.move(db, idea, Visibility.pending_moderation, actor=author)
    db.add(idea)
    db.flush()
    assert idea.id is not None
    if not screened.changed:
        # An original kept from before the edit is replaced by what was typed now.
        safeguarding_repo.replace_original(db, idea_id=idea.id, original=screened.original)
    user = author.user if author else None
    confirmed = user.email if user and user.email_confirmed_at else None
    safeguarding.after_screening(db, idea=idea, screened=screened, author_email=confirmed)
    _audit_author(db, "idea.edited", idea=idea, author=author, has_receipt=has_receipt)
    return idea


def withdraw(
    db: Session, *, idea: Idea, author: Principal | None, has_receipt: bool = False
) -> Idea:
    """Its author withdraws it: hidden from the public with the reason "withdrawn by the
    author". Nothing is deleted, and an idea held for safeguarding stays in that queue."""
    if not access.can_withdraw_idea(author, idea, has_receipt=has_receipt):
        raise not_withdrawable()
    idea.withdrawn_at = idea.updated_at = utcnow()
    if idea.visibility in (Visibility.published, Visibility.pending_moderation):
        states.VISIBILITY.move(db, idea, Visibility.hidden, actor=author)
    assert idea.id is not None
    db.add(
        TimelineEvent(
            subject_kind=SubjectKind.idea,
            subject_id=idea.id,
            kind="withdrawn",
            actor_role=_("its author"),
            actor_id=author.user.id if author else None,
        )
    )
    db.add(idea)
    _audit_author(db, "idea.withdrawn", idea=idea, author=author, has_receipt=has_receipt)
    return idea


def was_withdrawn(db: Session, *, idea_id: int) -> bool:
    """Whether the public may be told an idea was withdrawn (a 410, not a 404). An idea held
    for safeguarding stays held when its author withdraws it, and the public was never told
    it exists, so it stays "not found"."""
    idea = repo.get(db, idea_id) if 1 <= idea_id <= ID_MAX else None
    return (
        idea is not None and idea.withdrawn_at is not None and idea.visibility == Visibility.hidden
    )


def own_idea(db: Session, *, idea_id: int, author: Principal) -> Idea:
    """A signed-in person's own idea; anyone else's is "not found" unless they can see it, and
    then refused."""
    idea = visible_idea(db, idea_id=idea_id, viewer=author)
    if idea.author_id != author.user.id:
        raise Forbidden(_("Only the person who suggested an idea can change or withdraw it."))
    return idea
