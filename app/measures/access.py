"""Who may see and change a measure: a measure belongs to its project, so the project's
rules decide (app/projects/access.py). One function per question."""

from app.accounts.principal import Principal
from app.models import Project, Unit
from app.projects import access as projects_access


def can_see_measure(principal: Principal | None, project: Project) -> bool:
    """A measure, its chart and its data are as public as its project."""
    return projects_access.can_see_project(principal, project)


def can_edit_measure(principal: Principal | None, project: Project) -> bool:
    """Improvement leads and admins define measures and enter their data."""
    return projects_access.can_edit_project(principal, project)


def can_see_matrix(
    principal: Principal | None, unit: Unit, *, member_paths: frozenset[str] | None = None
) -> bool:
    """The SPC matrix of a unit and everything under it (the project's own matrix is on its
    page, as public as the project)."""
    return projects_access.can_see_unit_matrix(principal, unit, member_paths=member_paths)
