"""Units: organisation > directorate > service > team/ward, a tree managed by admins."""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from app.core import audit, versions
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import _
from app.models import Unit, UnitKind, UserUnit
from app.models.base import ID_MAX, detached_copy
from app.units import repository as repo

#: What may sit directly under each kind of unit.
CHILD_KINDS: dict[UnitKind, tuple[UnitKind, ...]] = {
    UnitKind.organisation: (UnitKind.directorate, UnitKind.service, UnitKind.team),
    UnitKind.directorate: (UnitKind.service, UnitKind.team),
    UnitKind.service: (UnitKind.team,),
    UnitKind.team: (),
}


@dataclass(frozen=True)
class TreeRow:
    unit: Unit
    depth: int


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100] or "unit"


def root(db: Session) -> Unit:
    unit = repo.root(db)
    if unit is None:
        raise NotFound(_("The organisation has not been set up. Run: fullcircle migrate"))
    return unit


def get(db: Session, unit_id: int) -> Unit | None:
    return repo.get(db, unit_id) if 1 <= unit_id <= ID_MAX else None


#: What every unit slug looks like (``slugify``, then ``-2`` and so on, at most 140).
_SLUG = re.compile(r"[a-z0-9-]{1,140}")


def by_slug(db: Session, slug: str) -> Unit | None:
    """The one place a unit is found by its slug (pages, the API, posters, the seed). Text
    that cannot be a slug is no unit, and never reaches the database (PostgreSQL refuses a
    NUL character with an error)."""
    if not _SLUG.fullmatch(slug):
        return None
    return repo.by_slug(db, slug)


def by_ref(db: Session, ref: int | str) -> Unit | None:
    """A unit by id or slug (a slug may be all digits, so an id that is not found falls back)."""
    unit = None
    if isinstance(ref, int) or ref.isdecimal():
        unit = get(db, int(ref))
    if unit is None and isinstance(ref, str):
        unit = by_slug(db, ref)
    return unit


def all_units(db: Session) -> Sequence[Unit]:
    return repo.all_units(db)


def tree(db: Session) -> list[TreeRow]:
    """Depth-first order with names sorted among siblings (held in each process while the
    ``units`` content version stands still: nearly every page's filters show it)."""
    return list(versions.held(db, versions.UNITS, "unit-tree", lambda: _tree(db)))


def _tree(db: Session) -> tuple[TreeRow, ...]:
    # Copies that belong to no session: they outlive this request's session safely.
    units = [detached_copy(u) for u in repo.all_units(db)]
    children: dict[int | None, list[Unit]] = {}
    for u in units:
        children.setdefault(u.parent_id, []).append(u)
    for siblings in children.values():
        siblings.sort(key=lambda u: u.name.lower())
    rows: list[TreeRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for u in children.get(parent, []):
            rows.append(TreeRow(u, depth))
            walk(u.id, depth + 1)

    walk(None, 0)
    return tuple(rows)


def _unique_slug(db: Session, name: str) -> str:
    base = slugify(name)
    slug, n = base, 2
    while repo.slug_taken(db, slug):
        slug, n = f"{base}-{n}", n + 1
    return slug


def create(db: Session, *, name: str, kind: UnitKind, parent_id: int, actor_id: int | None) -> Unit:
    name = name.strip()
    errors = []
    if not name:
        errors.append({"field": "name", "msg": _("Enter a name for the unit")})
    elif len(name) > 120:
        errors.append({"field": "name", "msg": _("Name must be 120 characters or fewer")})
    parent = get(db, parent_id)
    if parent is None:
        errors.append({"field": "parent_id", "msg": _("Select where this unit belongs")})
    elif kind not in CHILD_KINDS[parent.kind]:
        errors.append(
            {
                "field": "kind",
                "msg": _("A %(kind)s cannot sit under a %(parent)s")
                % {"kind": kind.value, "parent": parent.kind.value},
            }
        )
    if errors:
        raise InvalidInput(errors=errors)
    assert parent is not None
    unit = Unit(name=name, kind=kind, parent_id=parent.id, slug=_unique_slug(db, name), path="")
    db.add(unit)
    db.flush()
    unit.path = f"{parent.path}{unit.id}/"
    audit.record(db, "unit.created", actor_id=actor_id, unit_id=unit.id)
    return unit


def rename(db: Session, *, unit_id: int, name: str, actor_id: int | None) -> Unit:
    unit = get(db, unit_id)
    if unit is None:
        raise NotFound()
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput(
            errors=[{"field": "name", "msg": _("Enter a name of 120 characters or fewer")}]
        )
    unit.name = name
    audit.record(db, "unit.renamed", actor_id=actor_id, unit_id=unit.id)
    return unit


def move(db: Session, *, unit_id: int, parent_id: int, actor_id: int | None) -> Unit:
    unit, parent = get(db, unit_id), get(db, parent_id)
    if unit is None or parent is None:
        raise NotFound()
    if parent.path.startswith(unit.path):
        raise Conflict(_("A unit cannot be moved under itself"))
    if unit.kind not in CHILD_KINDS[parent.kind]:
        raise Conflict(
            _("A %(kind)s cannot sit under a %(parent)s")
            % {"kind": unit.kind.value, "parent": parent.kind.value}
        )
    old_prefix, new_prefix = unit.path, f"{parent.path}{unit.id}/"
    # Rewrite the path of the unit and every descendant.
    for row in repo.under(db, old_prefix):
        row.path = new_prefix + row.path[len(old_prefix) :]
    unit.parent_id = parent.id
    audit.record(db, "unit.moved", actor_id=actor_id, unit_id=unit.id, parent_id=parent.id)
    return unit


def set_memberships(db: Session, *, user_id: int, unit_ids: set[int], actor_id: int | None) -> None:
    current = repo.membership_ids(db, user_id=user_id)
    valid = repo.existing_ids(db, {u for u in unit_ids if 1 <= u <= ID_MAX})
    for uid in current - valid:
        repo.remove_membership(db, user_id=user_id, unit_id=uid)
    for uid in valid - current:
        db.add(UserUnit(user_id=user_id, unit_id=uid))
    if valid != current:
        audit.record(db, "units.membership_changed", actor_id=actor_id, subject_user_id=user_id)


def memberships(db: Session, *, user_id: int) -> set[int]:
    return repo.membership_ids(db, user_id=user_id)
