"""The driver diagram (DOMAIN.md section 5): the aim, primary drivers, secondary drivers and
change ideas. It is a graph, not a tree: a secondary driver may serve several primary drivers,
and a change idea several secondary drivers. The aim is the project itself; every primary
driver hangs off it.

Which parents a node may have: a secondary driver, one or more primary drivers; a change idea,
one or more secondary drivers (or primary drivers, when a team has not broken one down).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from app.accounts.principal import Principal
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import _
from app.ideas import service as ideas
from app.models import DriverKind, DriverNode, Project, utcnow
from app.models.base import ID_MAX
from app.projects import repository as repo

#: The kinds of parent each kind of node may have (a primary driver's parent is the aim).
PARENT_KINDS: dict[DriverKind, frozenset[DriverKind]] = {
    DriverKind.primary: frozenset(),
    DriverKind.secondary: frozenset({DriverKind.primary}),
    DriverKind.change_idea: frozenset({DriverKind.secondary, DriverKind.primary}),
}


@dataclass
class Diagram:
    """A project's driver diagram, loaded: nodes by kind (in the order they were added) and
    the links both ways."""

    nodes: list[DriverNode]
    parents: dict[int, list[int]] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=dict)

    def of_kind(self, kind: DriverKind) -> list[DriverNode]:
        return [n for n in self.nodes if n.kind == kind]

    @property
    def primaries(self) -> list[DriverNode]:
        return self.of_kind(DriverKind.primary)

    @property
    def secondaries(self) -> list[DriverNode]:
        return self.of_kind(DriverKind.secondary)

    @property
    def change_ideas(self) -> list[DriverNode]:
        return self.of_kind(DriverKind.change_idea)

    def node(self, node_id: int) -> DriverNode | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def children_of(self, node: DriverNode) -> list[DriverNode]:
        ids = self.children.get(node.id or 0, [])
        return [n for n in self.nodes if n.id in ids]

    def parents_of(self, node: DriverNode) -> list[DriverNode]:
        ids = self.parents.get(node.id or 0, [])
        return [n for n in self.nodes if n.id in ids]

    def unlinked(self) -> list[DriverNode]:
        """Secondary drivers and change ideas with no parent left (shown apart, not lost)."""
        return [
            n
            for n in self.nodes
            if n.kind != DriverKind.primary and not self.parents.get(n.id or 0)
        ]


def load(db: Session, project_id: int) -> Diagram:
    """The diagram in two statements."""
    nodes = list(repo.drivers(db, project_id))
    return assemble(nodes, repo.driver_links(db, project_id))


def assemble(nodes: Sequence[DriverNode], links: Sequence[tuple[int, int]]) -> Diagram:
    parents: dict[int, list[int]] = defaultdict(list)
    children: dict[int, list[int]] = defaultdict(list)
    for parent, child in links:
        parents[child].append(parent)
        children[parent].append(child)
    return Diagram(nodes=list(nodes), parents=dict(parents), children=dict(children))


def _parents(
    db: Session, project: Project, kind: DriverKind, parent_ids: Sequence[int]
) -> list[int]:
    allowed = PARENT_KINDS[kind]
    if not allowed:
        return []
    chosen: list[int] = []
    for parent_id in dict.fromkeys(parent_ids):
        parent = repo.driver(db, parent_id) if 1 <= parent_id <= ID_MAX else None
        if parent is None or parent.project_id != project.id or parent.kind not in allowed:
            raise InvalidInput(
                errors=[{"field": "parent_ids", "msg": _("Choose drivers from this diagram")}]
            )
        chosen.append(parent_id)
    if not chosen:
        message = (
            _("Choose the primary drivers this secondary driver serves")
            if kind == DriverKind.secondary
            else _("Choose the drivers this change idea serves")
        )
        raise InvalidInput(errors=[{"field": "parent_ids", "msg": message}])
    return chosen


def _idea_id(db: Session, kind: DriverKind, idea_id: int | None, viewer: Principal) -> int | None:
    if idea_id is None:
        return None
    if kind != DriverKind.change_idea:
        raise InvalidInput(
            errors=[{"field": "idea_id", "msg": _("Only a change idea can point to an idea")}]
        )
    try:
        idea = ideas.visible_idea(db, idea_id=idea_id, viewer=viewer)
    except NotFound:
        raise InvalidInput(
            errors=[{"field": "idea_id", "msg": _("There is no idea with this number")}]
        ) from None
    return idea.id


def add(
    db: Session,
    *,
    project: Project,
    kind: DriverKind,
    text: str,
    parent_ids: Sequence[int],
    actor: Principal,
    idea_id: int | None = None,
) -> DriverNode:
    parents = _parents(db, project, kind, parent_ids)
    assert project.id is not None
    node = DriverNode(
        project_id=project.id,
        kind=kind,
        text=text,
        idea_id=_idea_id(db, kind, idea_id, actor),
    )
    db.add(node)
    db.flush()
    assert node.id is not None
    repo.set_parents(db, node.id, parents)
    project.updated_at = utcnow()
    return node


def node_of(db: Session, project: Project, node_id: int) -> DriverNode:
    node = repo.driver(db, node_id) if 1 <= node_id <= ID_MAX else None
    if node is None or node.project_id != project.id:
        raise NotFound()
    return node


def update(
    db: Session,
    *,
    project: Project,
    node: DriverNode,
    text: str,
    parent_ids: Sequence[int],
    actor: Principal,
    idea_id: int | None = None,
) -> DriverNode:
    """Change a node's words, its parents and (for a change idea) the idea it points to."""
    parents = _parents(db, project, DriverKind(node.kind), parent_ids)
    node.text = text
    node.idea_id = _idea_id(db, DriverKind(node.kind), idea_id, actor)
    assert node.id is not None
    repo.set_parents(db, node.id, parents)
    project.updated_at = utcnow()
    return node


def remove(db: Session, *, project: Project, node: DriverNode) -> None:
    """Remove a node with nothing hanging off it (no children, no PDSA cycles)."""
    assert node.id is not None
    if repo.has_children(db, node.id):
        raise Conflict(_("Remove or move what hangs off this driver first."))
    if repo.has_cycles(db, node.id):
        raise Conflict(_("This change idea has PDSA cycles, so it stays on the diagram."))
    repo.remove_driver(db, node)
    project.updated_at = utcnow()
