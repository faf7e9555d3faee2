"""Who may triage an idea and read its staff notes. One function per question; routes, the
API, templates and the queue's SQL clause all ask these.

Staff triage the ideas of the units they work in and everything under them, and any idea
nobody owns yet; the owner of an idea always may. Moderators and admins triage every idea.
"""

from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import col

from app.accounts.principal import Principal
from app.models import STAFF_ROLES, Idea, Role, Unit

#: The roles of every triage route (admins pass every role check): anyone with a staff role.
TRIAGERS = tuple(sorted(STAFF_ROLES - {Role.admin}))
#: Roles that triage every idea, whoever owns it and wherever it is.
EVERY_IDEA = (Role.moderator,)


def can_use_triage(principal: Principal | None) -> bool:
    """The triage queue: anyone an admin gave a staff role."""
    return principal is not None and principal.is_staff


def can_triage(
    principal: Principal | None,
    idea: Idea,
    *,
    unit_path: str,
    member_paths: frozenset[str] | None = None,
) -> bool:
    """Assign, change the status of, respond to and keep notes on ``idea`` (whose unit has
    the materialised path ``unit_path``). ``member_paths``: the paths of the units the
    person works in (the principal's own by default)."""
    if not can_use_triage(principal):
        return False
    assert principal is not None
    if principal.has(*EVERY_IDEA):
        return True
    if idea.owner_id is None or idea.owner_id == principal.user_id:
        return True
    paths = principal.unit_paths if member_paths is None else member_paths
    return any(unit_path.startswith(path) for path in paths)


def can_see_staff_notes(
    principal: Principal | None,
    idea: Idea,
    *,
    unit_path: str,
    member_paths: frozenset[str] | None = None,
) -> bool:
    """Internal notes are for the staff who triage the idea, never anyone else."""
    return can_triage(principal, idea, unit_path=unit_path, member_paths=member_paths)


def triage_clause(
    principal: Principal | None, *, member_paths: frozenset[str] | None = None
) -> ColumnElement[bool]:
    """``can_triage`` as SQL, for a select that joins ``Unit`` on the idea's unit."""
    if not can_use_triage(principal):
        return false()
    assert principal is not None
    if principal.has(*EVERY_IDEA):
        return true()
    paths = principal.unit_paths if member_paths is None else member_paths
    return or_(
        col(Idea.owner_id).is_(None),
        col(Idea.owner_id) == principal.user_id,
        *(col(Unit.path).startswith(path) for path in sorted(paths)),
    )
