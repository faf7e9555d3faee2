"""Verifying staff: someone who says they work here asks; an admin approves (which grants the
staff role, so what they write shows as from staff) or declines with a note. Saying "I am
staff" alone never makes anyone look official."""

from sqlmodel import Session

from app.accounts import repository as repo
from app.accounts import service as accounts
from app.accounts.principal import Principal
from app.core import audit, mail
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import _
from app.models import (
    Identity,
    Role,
    StaffVerificationRequest,
    User,
    VerificationStatus,
    utcnow,
)
from app.units import service as units
from app.web.urls import absolute_url

JOB_TITLE_MAX = 120
NOTE_MAX = 500


def may_ask(principal: Principal) -> bool:
    """People who say they work here and hold no staff role yet."""
    return principal.user.identity == Identity.staff and not principal.is_staff


def latest(db: Session, *, user_id: int) -> StaffVerificationRequest | None:
    found = repo.verification_requests(db, user_id=user_id)
    return found[0] if found else None


def ask(
    db: Session, *, principal: Principal, job_title: str, unit_id: int | None
) -> StaffVerificationRequest:
    if not may_ask(principal):
        raise Conflict(_("Only people who say they work here, without a staff role, can ask."))
    if principal.user.email_confirmed_at is None:
        raise Conflict(_("Confirm your email address first: an admin checks it is yours."))
    previous = latest(db, user_id=principal.user_id)
    if previous is not None and previous.status == VerificationStatus.pending:
        raise Conflict(_("You have already asked. An admin will look at it soon."))
    job_title = " ".join(job_title.split())
    errors = []
    if not job_title:
        errors.append({"field": "job_title", "msg": _("Enter your job title")})
    elif len(job_title) > JOB_TITLE_MAX:
        errors.append(
            {
                "field": "job_title",
                "msg": _("Job title must be %(max)s characters or fewer") % {"max": JOB_TITLE_MAX},
            }
        )
    if unit_id is not None and units.get(db, unit_id) is None:
        errors.append({"field": "unit_id", "msg": _("Select where you work")})
    if errors:
        raise InvalidInput(errors=errors)
    row = StaffVerificationRequest(user_id=principal.user_id, job_title=job_title, unit_id=unit_id)
    db.add(row)
    db.flush()
    audit.record(
        db,
        "staff_verification.requested",
        actor_id=principal.user_id,
        subject_user_id=principal.user_id,
        request_id=row.id,
    )
    return row


def pending(db: Session) -> list[tuple[StaffVerificationRequest, User]]:
    """The admin's queue, oldest first, with each person (deleted accounts left out)."""
    rows = []
    for request in repo.verification_requests(db, status=VerificationStatus.pending):
        user = accounts.get_user(db, request.user_id)
        if user is not None:
            rows.append((request, user))
    return rows


def decide(
    db: Session, *, request_id: int, approve: bool, note: str, actor: Principal
) -> StaffVerificationRequest:
    """Approve (grant the staff role, and the unit they named) or decline (with a note)."""
    request = repo.verification_request(db, request_id)
    user = accounts.get_user(db, request.user_id) if request else None
    if request is None or user is None:
        raise NotFound(_("We could not find that request."))
    if request.status != VerificationStatus.pending:
        raise Conflict(_("This request has already been decided."))
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(
            errors=[
                {
                    "field": f"note-{request_id}",
                    "msg": _("The note must be %(max)s characters or fewer") % {"max": NOTE_MAX},
                }
            ]
        )
    assert user.id is not None
    request.status = VerificationStatus.approved if approve else VerificationStatus.declined
    request.decided_at = utcnow()
    request.decided_by_id = actor.user_id
    request.decision_note = note or None
    if approve:
        roles = set(repo.roles_of(db, user.id)) | {Role.staff}
        accounts.set_roles(db, user=user, roles=roles, actor=actor.user, via="verification")
        if request.unit_id is not None:
            units.set_memberships(
                db,
                user_id=user.id,
                unit_ids=units.memberships(db, user_id=user.id) | {request.unit_id},
                actor_id=actor.user_id,
            )
    audit.record(
        db,
        "staff_verification.approved" if approve else "staff_verification.declined",
        actor_id=actor.user_id,
        subject_user_id=user.id,
        request_id=request.id,
    )
    mail.queue_template(
        db,
        to=user.email,
        template="emails/staff_verification.txt",
        context={
            "approved": approve,
            "note": request.decision_note,
            "link": absolute_url("account"),
        },
    )
    return request
