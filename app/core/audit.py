"""The append-only security audit log: what was done (``record``), who read a sensitive record
(``record_read``), the plain-English name of every event (``EVENT_LABELS``), and the CSV that
admins download."""

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.core.states import LabelledEnum
from app.db import NeedsThePool, is_write, on_the_loop, open_session
from app.i18n import N_, _
from app.models import AuditEvent, IdeaStatus, SafeguardingLevel, Visibility

#: Reads of sensitive records. Each is audited in its own short write (``record_read``).
READ_ADMIN_USER = "read.admin_user"
READ_DATA_EXPORT = "read.data_export"
READ_HELD_IDEA = "read.held_idea"
READ_SAFEGUARDING_ITEM = "read.safeguarding_item"
READ_AUDIT_EXPORT = "read.audit_export"
READ_SCREENED_ORIGINAL = "read.screened_original"

#: The label admins see for each event, in the filter and the table. Events missing from the map
#: are shown by their name; tests/admin/test_read_audit.py checks each event the code records
#: has a label here.
EVENT_LABELS: dict[str, str] = {
    "signin.succeeded": N_("Signed in"),
    "signin.failed": N_("Sign-in failed"),
    "signin.throttled": N_("Sign-in refused: too many attempts"),
    "signout": N_("Signed out"),
    "sessions.revoked_all": N_("Signed out everywhere"),
    "reauth.succeeded": N_("Confirmed it is them"),
    "reauth.failed": N_("Wrong password when confirming it is them"),
    "password.changed": N_("Password changed"),
    "password.rehashed": N_("Password hash upgraded"),
    "password.reset_requested": N_("Password reset asked for"),
    "password.reset": N_("Password reset"),
    "account.registered": N_("Account registered"),
    "account.register_existing": N_("Someone tried to register an address already in use"),
    "account.email_confirmed": N_("Email address confirmed"),
    "account.created": N_("Account made by an admin or the command line"),
    "account.exported": N_("Data downloaded (before reads were audited)"),
    "account.deleted": N_("Account deleted"),
    "roles.changed": N_("Roles changed"),
    "staff_verification.requested": N_("Asked to be verified as staff"),
    "staff_verification.approved": N_("Staff verification approved"),
    "staff_verification.declined": N_("Staff verification declined"),
    "token.created": N_("API token made"),
    "token.revoked": N_("API token revoked"),
    "mfa.enrolled": N_("Two-step sign-in turned on"),
    "mfa.disabled": N_("Two-step sign-in turned off"),
    "mfa.reset": N_("Two-step sign-in reset by an admin"),
    "mfa.failed": N_("Wrong or refused two-step sign-in code"),
    "mfa.recovery_code_used": N_("Signed in with a recovery code"),
    "mfa.recovery_codes_replaced": N_("New recovery codes made"),
    "unit.created": N_("Unit added"),
    "unit.renamed": N_("Unit renamed"),
    "unit.moved": N_("Unit moved"),
    "units.membership_changed": N_("Unit membership changed"),
    "idea.visibility": N_("Who can see an idea changed"),
    "comment.visibility": N_("Who can see a comment changed"),
    "moderation.published": N_("Moderator approved an idea or comment"),
    "moderation.redacted": N_("Moderator edited and approved an idea or comment"),
    "moderation.rejected": N_("Moderator rejected an idea or comment"),
    "moderation.escalated": N_("Moderator sent an idea or comment to safeguarding"),
    "moderation.taken_down": N_("Reports took an idea or comment down for review"),
    "idea.edited": N_("Idea changed by its author"),
    "idea.withdrawn": N_("Idea withdrawn by its author"),
    "safeguarding.raised": N_("Safeguarding item raised"),
    "safeguarding.acknowledged": N_("Safeguarding item acknowledged"),
    "safeguarding.closed": N_("Safeguarding item closed"),
    "safeguarding.escalated": N_("Urgent safeguarding item sent to the backup contacts"),
    "triage.assign": N_("Idea given a place or owner in triage"),
    "triage.status": N_("Idea's status changed in triage"),
    "triage.response": N_("Official response published on an idea"),
    "triage.note": N_("Staff note added to an idea"),
    "settings.policy_changed": N_("Moderation policy changed"),
    "settings.local_term_added": N_("Local screening term added"),
    "settings.local_term_removed": N_("Local screening term removed"),
    "account.trusted": N_("Marked as trusted (skips the moderation queue)"),
    "account.untrusted": N_("No longer marked as trusted"),
    READ_ADMIN_USER: N_("Admin opened a person's page"),
    READ_DATA_EXPORT: N_("Downloaded their data"),
    READ_HELD_IDEA: N_("Read an idea the public cannot see"),
    READ_SCREENED_ORIGINAL: N_("Read what someone typed before identifying details were removed"),
    READ_SAFEGUARDING_ITEM: N_("Read a safeguarding item"),
    READ_AUDIT_EXPORT: N_("Admin downloaded the audit log"),
}

READ_EVENTS = frozenset(
    {
        READ_ADMIN_USER,
        READ_DATA_EXPORT,
        READ_HELD_IDEA,
        READ_SAFEGUARDING_ITEM,
        READ_AUDIT_EXPORT,
        READ_SCREENED_ORIGINAL,
    }
)


def record(
    db: Session,
    event: str,
    *,
    actor_id: int | None = None,
    subject_user_id: int | None = None,
    ip_address: str = "",
    **details: Any,
) -> None:
    """Add an audit row to the caller's transaction.

    ``details`` must hold identifiers and reasons only, never passwords, tokens or free text.
    """
    db.add(
        AuditEvent(
            event=event,
            actor_id=actor_id,
            subject_user_id=subject_user_id,
            ip_address=ip_address[:45],
            details=details,
        )
    )


def record_read(
    db: Session,
    *,
    event: str,
    actor_id: int,
    ip_address: str,
    subject_user_id: int | None = None,
    **ids: int | str | None,
) -> None:
    """Audit that ``actor_id`` read a sensitive record, before it is shown to them.

    A read's own session writes nothing, so the row is committed at once in a short write
    transaction of its own (like the "last seen" stamp). Unlike the stamp it waits its turn for
    the writers' lock: if the database is too busy to record the read, the read fails (503)
    rather than going unrecorded. Inside a write request the row joins the request's
    transaction instead, which already holds the lock. ``ids`` are identifiers and short
    codes only (``idea_id=4, via="api"``): never free text or email addresses.

    Which reads are audited is decided by the callers' access rules: every admin view of a
    person's page, every data export, and (``app.ideas.access.read_is_audited``) every read
    of an idea the public cannot see by someone other than its author.
    """
    if event not in READ_EVENTS:
        raise ValueError(f"{event!r} is not a read event")
    if any(isinstance(v, str) and (len(v) > 45 or "@" in v) for v in ids.values()):
        raise ValueError("read audit details are identifiers and short codes only")

    details: dict[str, Any] = dict(ids)

    def add(session: Session) -> None:
        record(
            session,
            event,
            actor_id=actor_id,
            subject_user_id=subject_user_id,
            ip_address=ip_address,
            **details,
        )

    if is_write(db):
        add(db)
        return
    if on_the_loop(db):
        # Waiting for the writers' lock (or a connection) would stall the worker's loop.
        raise NeedsThePool
    with open_session(write=True, engine=db.get_bind().engine) as own:
        add(own)
        own.commit()


#: Plain-English names of the details events hold; a detail missing here shows its own name.
DETAIL_LABELS: dict[str, str] = {
    "idea_id": N_("Idea"),
    "comment_id": N_("Comment"),
    "item_id": N_("Safeguarding item"),
    "unit_id": N_("Unit"),
    "from_unit_id": N_("Unit before"),
    "owner_id": N_("Owner"),
    "from_owner_id": N_("Owner before"),
    "merged_into_id": N_("Duplicate of idea"),
    "person_id": N_("Person"),
    "token_id": N_("API token"),
    "note_id": N_("Staff note"),
    "term_id": N_("Local term"),
    "request_id": N_("Verification request"),
    "event_id": N_("Event"),
    "via": N_("Through"),
    "reason": N_("Reason"),
    "level": N_("Screening level"),
    "from_status": N_("Status before"),
    "to_status": N_("Status after"),
    "from_visibility": N_("Shown to before"),
    "to_visibility": N_("Shown to after"),
    "visibility": N_("Shown to"),
    "with_message": N_("With a public message"),
    "has_receipt": N_("With the anonymous receipt"),
    "by_staff": N_("By staff"),
    "reports": N_("Reports"),
    "roles": N_("Roles"),
    "added": N_("Added"),
    "removed": N_("Removed"),
    "scopes": N_("Scopes"),
    "count": N_("How many"),
    "rows": N_("Rows"),
    "days": N_("Days"),
    "backups": N_("Backup contacts told"),
    "sessions_ended": N_("Sessions ended"),
    "codes_left": N_("Recovery codes left"),
    "originals_shown": N_("Original texts shown"),
    "method": N_("Method"),
    "kind": N_("Kind"),
    "source": N_("Source"),
    "changed": N_("Changed"),
    "event_filter": N_("Event filter"),
    "details_removed": N_("Details removed"),
    "cutoff": N_("Older than"),
    "settings": N_("Settings"),
}

_DETAIL_ORDER = {key: n for n, key in enumerate(DETAIL_LABELS)}

#: Details naming a record with a page of its own: the route and its id parameter.
DETAIL_LINKS: dict[str, tuple[str, str]] = {
    "idea_id": ("triage_idea", "idea_id"),
    "merged_into_id": ("triage_idea", "idea_id"),
    "item_id": ("safeguarding_item", "item_id"),
    "owner_id": ("admin_user", "user_id"),
    "from_owner_id": ("admin_user", "user_id"),
    "person_id": ("admin_user", "user_id"),
}

#: What a record filter (the log's "About a record") looks for: its label and detail keys.
RECORD_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "idea": (N_("Idea"), ("idea_id", "merged_into_id")),
    "comment": (N_("Comment"), ("comment_id",)),
    "item": (N_("Safeguarding item"), ("item_id",)),
    "unit": (N_("Unit"), ("unit_id", "from_unit_id")),
    "token": (N_("API token"), ("token_id",)),
}


#: Details holding a stored code of one of these enums are shown by its label.
_DETAIL_ENUMS: dict[str, type[LabelledEnum]] = {
    "from_status": IdeaStatus,
    "to_status": IdeaStatus,
    "from_visibility": Visibility,
    "to_visibility": Visibility,
    "visibility": Visibility,
    "level": SafeguardingLevel,
}


@dataclass(frozen=True, slots=True)
class Detail:
    """One detail of an event as an admin reads it; ``link`` is a route and its parameters."""

    label: str
    text: str
    link: tuple[str, dict[str, int]] | None = None


def _detail_text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return _("none")
    if isinstance(value, list | tuple):
        return ", ".join(_detail_text(key, v) for v in value) or _("none")
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_detail_text(k, v)}" for k, v in sorted(value.items()))
    text = str(value)
    enum = _DETAIL_ENUMS.get(key)
    if enum is not None:
        try:
            return str(enum(text).label)
        except ValueError:
            return text
    return text


def described(details: dict[str, Any]) -> list[Detail]:
    """An event's details in plain English, each record a link to its page where it has one."""
    shown = []
    for key, value in sorted(details.items(), key=lambda kv: (_DETAIL_ORDER.get(kv[0], 99), kv[0])):
        label = DETAIL_LABELS.get(key)
        link = None
        if key in DETAIL_LINKS and isinstance(value, int) and not isinstance(value, bool):
            route, param = DETAIL_LINKS[key]
            link = (route, {param: value})
        shown.append(Detail(_(label) if label else key, _detail_text(key, value), link))
    return shown


def event_label(event: str) -> str:
    """The plain-English name of an event (its own name when it has none yet)."""
    label = EVENT_LABELS.get(event)
    return _(label) if label else event


# --- the CSV download -------------------------------------------------------------------------

CSV_HEADER = ("id", "at", "event", "what", "actor_id", "subject_user_id", "ip_address", "details")
#: A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: object) -> object:
    """A cell a spreadsheet shows as text: formula-like text gets a leading apostrophe."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell


def to_csv(events: Iterable[AuditEvent]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in events:
        row = (
            e.id,
            e.at.isoformat(),
            e.event,
            event_label(e.event),
            "" if e.actor_id is None else e.actor_id,
            "" if e.subject_user_id is None else e.subject_user_id,
            e.ip_address,
            json.dumps(e.details, sort_keys=True, ensure_ascii=False),
        )
        writer.writerow([neutralised(cell) for cell in row])
    return out.getvalue()
