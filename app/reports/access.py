"""Who may read the reports, and of which units. One function per question; routes and the
API ask these, and the service narrows every report to what they allow.

Improvement leads and admins read every unit's reports; other staff read those of the units
they work in and everything under them. Nobody else reads them (the public figures are on
/transparency).
"""

from app.accounts.principal import Principal
from app.models import Role

#: The roles of the report routes (admins pass every role check).
REPORTERS = (Role.staff, Role.improvement_lead, Role.moderator, Role.safeguarding_lead)
#: Roles that read the reports of every unit.
EVERY_UNIT = (Role.improvement_lead,)


def can_see_reports(principal: Principal | None, *, member_paths: frozenset[str]) -> bool:
    """Any report: a reporting role, or staff who work somewhere (``member_paths``: the
    materialised paths of the units they work in)."""
    if principal is None or not principal.is_staff:
        return False
    return principal.has(*EVERY_UNIT) or bool(member_paths)


def sees_every_unit(principal: Principal | None) -> bool:
    return principal is not None and principal.has(*EVERY_UNIT)


def can_see_unit_reports(
    principal: Principal | None, unit_path: str, *, member_paths: frozenset[str]
) -> bool:
    """The reports of the unit with the materialised path ``unit_path`` (and below it)."""
    if not can_see_reports(principal, member_paths=member_paths):
        return False
    if sees_every_unit(principal):
        return True
    return any(unit_path.startswith(path) for path in member_paths)


def can_enter_populations(principal: Principal | None) -> bool:
    """The population each unit serves, by ethnic group: admins."""
    return principal is not None and Role.admin in principal.roles
