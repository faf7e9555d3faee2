"""Content version counters: how caches know, with one cheap read, that nothing they hold
has changed.

Triggers bump ``content_version`` rows in the writing transaction itself (see the migration
``2026-12-02-1250_performance``), so as soon as a write commits, any reader that checks the
counter sees a new number. Each request reads the counters at most once: the principal's
lookup brings them along for signed-in people, the public cache reads them for anonymous
ones, and anything else that needs them asks ``current``.
"""

import threading
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlmodel import Session

from app.core import repository as repo

PUBLIC = "public"
CATEGORIES = "categories"
UNITS = "units"
#: The counters the principal's lookup brings along (reference data every page shows).
REFERENCE = (CATEGORIES, UNITS)

T = TypeVar("T")

#: This request's counters, read once. A mutable dict set at the start of the request
#: (SecurityMiddleware): thread-pool hops copy the context, and so share the same dict.
_request: ContextVar[dict[str, int] | None] = ContextVar("content_versions", default=None)


def begin_request() -> None:
    _request.set({})


def remember(found: dict[str, int]) -> None:
    """Counters another statement of this request already read (the principal lookup)."""
    held = _request.get()
    if held is not None:
        held.update(found)


def current(db: Session, key: str) -> int:
    """The counter ``key`` as this request first saw it (one statement at most per request)."""
    held = _request.get()
    if held is not None and key in held:
        return held[key]
    found = repo.content_versions(db)
    remember(found)
    return found.get(key, 0)


def read_all(db: Session) -> dict[str, int]:
    """Every counter, now (for the public cache, which must not trust the request's copy)."""
    found = repo.content_versions(db)
    remember(found)
    return found


_lock = threading.Lock()
#: (database URL, name) -> (version, value)
_held: dict[tuple[str, str], tuple[int, Any]] = {}


def held(db: Session, key: str, name: str, load: Callable[[], T]) -> T:
    """``load()``'s result, kept in this process while counter ``key`` stands still.

    The counter is read before ``load`` runs, so what is kept is never older than the
    version it is filed under: at worst a later request loads it again. ``load`` must return
    objects that belong to no session (copies), as they outlive this request's session.
    """
    version = current(db, key)
    slot = (str(db.get_bind().engine.url), name)
    found = _held.get(slot)
    if found is not None and found[0] == version:
        kept: T = found[1]
        return kept
    value = load()
    with _lock:
        _held[slot] = (version, value)
    return value
