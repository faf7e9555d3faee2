"""Status machines in one place: labelled status enums and one ``move()`` for every domain.

Each status enum carries its public label (marked for translation with ``N_``) and its NHS tag
colour beside its value, so a template never keeps its own map. Each domain declares its
allowed moves as a :class:`StateMachine` (a transition table) and moves objects only through
``machine.move(...)``, which refuses an illegal move with :class:`~app.errors.Conflict` (409)
and writes the event row the domain asks for. Idea status and visibility use it; PDSA cycles
and project status will.
"""

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from enum import StrEnum
from typing import Any, Generic, Self, TypeVar

from app.errors import Conflict
from app.i18n import N_, _

__all__ = ["N_", "LabelledEnum", "StateMachine"]


class LabelledEnum(StrEnum):
    """A ``StrEnum`` whose members are declared as ``value, label[, colour]``.

    ``member.label`` is the translated label; ``member.colour`` the NHS.UK tag colour.
    """

    _label: str
    colour: str

    def __new__(cls, value: str, label: str = "", colour: str = "grey") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label or value.replace("_", " ").capitalize()
        member.colour = colour
        return member

    @property
    def label(self) -> str:
        return _(self._label)

    @classmethod
    def of(cls, value: str) -> Self:
        """The member for a stored value (rows hold plain strings)."""
        return cls(value)


S = TypeVar("S", bound=LabelledEnum)

#: Writes the event row of a move: (db, object, from, to, actor, note) -> the row (or None).
Recorder = Callable[[Any, Any, Any, Any, Any, str | None], Any]


class StateMachine(Generic[S]):
    """A transition table over ``enum`` and the one way to change ``obj.<field>``."""

    def __init__(
        self,
        enum: type[S],
        transitions: Mapping[S, frozenset[S]],
        *,
        field: str = "status",
        initial: S,
        record: Recorder | None = None,
        refusal: str | None = None,
    ) -> None:
        missing = set(enum) - set(transitions)
        if missing:
            raise ValueError(f"no transitions given for {sorted(missing)}")
        self.enum = enum
        self.transitions = {state: frozenset(nexts) for state, nexts in transitions.items()}
        self.field = field
        self.initial = initial
        self.record = record
        self._refusal = refusal

    def allowed(self, current: str) -> frozenset[S]:
        return self.transitions[self.enum(current)]

    def can(self, current: str, to: str) -> bool:
        return self.enum(to) in self.allowed(current)

    def check(self, current: str, to: str) -> None:
        """Raise :class:`Conflict` unless ``current`` may become ``to``."""
        if not self.can(current, to):
            frm, dest = self.enum(current), self.enum(to)
            message = self._refusal or _("Something that is %(from)s cannot become %(to)s")
            raise Conflict(message % {"from": frm.label.lower(), "to": dest.label.lower()})

    def move(self, db: Any, obj: Any, to: S, *, actor: Any, note: str | None = None) -> Any:
        """Move ``obj`` to ``to`` and write the event row; returns the row (or None)."""
        current = getattr(obj, self.field)
        self.check(current, to)
        setattr(obj, self.field, to)
        if self.record is None:
            return None
        return self.record(db, obj, self.enum(current), to, actor, note)

    def paths(self, to: S, *, start: S | None = None) -> Iterator[tuple[S, ...]]:
        """Every simple path of moves from ``start`` (the initial state) to ``to``, shortest
        first and in a fixed order (the seed data and the tests walk these)."""
        origin = start or self.initial
        queue: deque[tuple[S, ...]] = deque([()])
        while queue:
            path = queue.popleft()
            here = path[-1] if path else origin
            if here == to:
                yield path
                continue
            for nxt in sorted(self.transitions[here]):
                if nxt != origin and nxt not in path:
                    queue.append((*path, nxt))

    def walk(self, to: S, *, start: S | None = None) -> tuple[S, ...]:
        """The shortest path of moves from ``start`` (the initial state) to ``to``."""
        for path in self.paths(to, start=start):
            return path
        raise ValueError(f"{to} cannot be reached")
