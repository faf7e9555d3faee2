"""Categories, held in each process while their version counter stands still.

Nearly every page and API list shows the category names; they change when an admin edits
them, a few times a year. Each request checks the ``categories`` counter (which the
principal's lookup or the public cache has usually read already, at no extra statement) and
reads the table again only when a trigger has bumped it.
"""

from collections.abc import Sequence

from sqlmodel import Session

from app.core import versions
from app.ideas import repository as repo
from app.models import Category
from app.models.base import detached_copy


def categories(db: Session, *, active_only: bool = True) -> Sequence[Category]:
    """The categories in their display order (only the active ones unless asked)."""

    def load() -> tuple[Category, ...]:
        return tuple(detached_copy(c) for c in repo.categories(db, active_only=active_only))

    name = "categories:active" if active_only else "categories:all"
    return versions.held(db, versions.CATEGORIES, name, load)
