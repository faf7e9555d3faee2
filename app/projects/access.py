"""Who may see and change an improvement project. One function per question, used by routes,
the API, templates (as booleans in the context) and the repository's clauses alike.

Projects are public once they are under way (``active`` and after, ``stopped`` included);
a ``proposed`` project is for staff only. Improvement leads (and admins, who pass every role
check) write projects and everything in them: the team, the driver diagram, PDSA cycles and
measures. The team's names and the contribution log (hours, payments) are not public.
"""

from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import col

from app.accounts.principal import Principal
from app.models import Project, ProjectStatus, Role, Unit

#: Statuses the public can read.
PUBLISHED = frozenset(
    {
        ProjectStatus.active,
        ProjectStatus.sustaining,
        ProjectStatus.completed,
        ProjectStatus.stopped,
    }
)


def is_published(project: Project) -> bool:
    return project.status in PUBLISHED


def can_see_project(principal: Principal | None, project: Project) -> bool:
    """Published projects are public; proposed ones are for staff."""
    return is_published(project) or (principal is not None and principal.is_staff)


def can_create_project(principal: Principal | None) -> bool:
    return principal is not None and principal.has(Role.improvement_lead)


def can_edit_project(principal: Principal | None, project: Project) -> bool:
    """Improvement leads and admins change any project and everything in it."""
    return can_create_project(principal)


def can_see_team_names(principal: Principal | None, project: Project) -> bool:
    """Staff see who is on a team; everyone else sees the team by role (never a name)."""
    return principal is not None and principal.is_staff and can_see_project(principal, project)


def can_see_contributions(principal: Principal | None, project: Project) -> bool:
    """The contribution log holds hours and payments: the people who run the project only."""
    return can_edit_project(principal, project)


def can_comment_on_project(principal: Principal | None, project: Project) -> bool:
    """Signed-in people comment on published projects."""
    return principal is not None and is_published(project)


def can_follow_project(principal: Principal | None, project: Project) -> bool:
    return principal is not None and can_see_project(principal, project)


def can_see_unit_matrix(
    principal: Principal | None, unit: Unit, *, member_paths: frozenset[str] | None = None
) -> bool:
    """The measure summary of a unit and everything under it: improvement leads and admins,
    and staff who work in that unit or one above it (``member_paths``: the paths of the
    units they work in; the principal's own by default)."""
    if principal is None:
        return False
    if principal.has(Role.improvement_lead):
        return True
    paths = principal.unit_paths if member_paths is None else member_paths
    return principal.is_staff and any(unit.path.startswith(path) for path in paths)


def visible_clause(principal: Principal | None) -> ColumnElement[bool]:
    """``can_see_project`` as a WHERE clause (the library, a project's page)."""
    if principal is not None and principal.is_staff:
        clause: Any = col(Project.id).is_not(None)
        return clause
    return listed_clause()


def listed_clause() -> ColumnElement[bool]:
    """What public lists show whoever is looking ("you said, we did", "tried elsewhere",
    an idea's projects): published projects only."""
    return col(Project.status).in_(sorted(PUBLISHED))
