"""Finding a request's route through an index instead of trying every route in turn.

Starlette tries each route's regular expression in order until one matches. With about 200
routes that was 0.3–0.7 ms a request (FastAPI 0.165 also matched each included router
twice): a sixth of the CPU of a token request to the API list. ``IndexedRouter`` files each
route under the literal path segments before its first parameter (``/api/v1/ideas/{id}``
under ``("api", "v1", "ideas")``), and tries only the routes filed under a prefix of the
request's path, in their original order. A route can only match a path that starts with its
literal segments, so the first full match is the same route Starlette's loop would pick.
Anything else (a wrong method, a missing or extra slash, not found) goes through the
router's own loop, unchanged.
"""

import functools
import inspect
from collections.abc import Callable, Coroutine, Iterable, Iterator
from itertools import chain
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from sqlmodel import Session
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

from app.db import NeedsThePool, open_session, write_turn
from app.security.middleware import UNSAFE_METHODS

Prefix = tuple[str, ...]
Filed = list[tuple[int, BaseRoute]]


def literal_prefix(path: str) -> Prefix:
    """The path segments of a route before its first parameter."""
    segments: list[str] = []
    for segment in path.split("/")[1:]:
        if "{" in segment:
            break
        segments.append(segment)
    return tuple(segments)


class RouteIndex:
    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self.buckets: dict[Prefix, Filed] = {}
        for position, route in enumerate(routes):
            key = literal_prefix(getattr(route, "path", ""))
            self.buckets.setdefault(key, []).append((position, route))
        self.depth = max((len(key) for key in self.buckets), default=0)

    def candidates(self, path: str) -> list[BaseRoute]:
        """The routes that could match ``path``, in the order they were added."""
        segments = path.split("/")[1:]
        found = [
            filed
            for size in range(min(len(segments), self.depth) + 1)
            if (filed := self.buckets.get(tuple(segments[:size]))) is not None
        ]
        if len(found) == 1:
            return [route for _, route in found[0]]
        return [route for _, route in sorted(chain.from_iterable(found), key=_position)]


def _position(filed: tuple[int, BaseRoute]) -> int:
    return filed[0]


class IndexedRouter(APIRouter):
    """The application's router, matching through a ``RouteIndex`` (rebuilt if the list of
    routes changes)."""

    _index: RouteIndex | None = None
    _indexed: tuple[int, int] = (0, 0)

    def index(self) -> RouteIndex:
        state = (id(self.routes), len(self.routes))
        if self._index is None or self._indexed != state:
            self._index = RouteIndex(self.routes)
            self._indexed = state
        return self._index

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route in self.index().candidates(scope["path"]):
                match, child_scope = route.matches(scope)
                if match == Match.FULL:
                    scope.setdefault("router", self)
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
        await super().app(scope, receive, send)


def add_routers(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Put every route of ``routers`` on the application's own router, which then matches
    through the index. The routers carry no dependencies of their own, and their prefixes and
    tags are already in their routes, so nothing is lost by not nesting them."""
    for router in routers:
        if router.dependencies:
            raise ValueError("add_routers does not apply a router's dependencies")
        app.router.routes.extend(router.routes)
    _index_router(app.router)


def _index_router(router: Any) -> None:
    # FastAPI makes its router itself; the class is swapped for the subclass, which adds no
    # state of its own beyond the lazily built index. Starlette's router calls the ``app``
    # it bound when it was made (it has no middleware of its own, nor a body limit here):
    # bind the subclass's.
    if router.middleware_stack != router.app:
        raise TypeError("the application's router has its own middleware: cannot index it")
    router.__class__ = IndexedRouter
    router.middleware_stack = router.app


class Deferred:
    """An access check still to run. The access dependencies (app/deps.py) return one without
    any I/O, on the event loop; ``OneHopRoute`` runs it at the start of the endpoint, in the
    endpoint's own worker thread. A plain-function dependency would cost a second trip through
    the thread pool for every request (12 % of a token request's CPU, measured with py-spy)."""

    __slots__ = ("check", "request", "db")

    def __init__(self, check: Callable[[Any, Any], Any], request: Request, db: Any) -> None:
        self.check = check
        self.request = request
        self.db = db
        request.state.pending_access = self

    def resolve(self) -> Any:
        return self.check(self.request, self.db)


ON_EVENT_LOOP = "__fullcircle_on_event_loop__"


def on_event_loop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Run this synchronous endpoint on the worker's event loop, not in the thread pool.

    For the hottest reads only (the board, the API list and one idea): a fixed number of indexed
    statements, none of which waits for a lock (PostgreSQL reads run in autocommit; SQLite
    readers do not wait for writers in WAL mode). The hop into the pool and back, with
    threads contending for the GIL, cost about a fifth of a token request to the API list
    (docs/performance.md). While one runs, the worker's other requests wait for it, as they
    would behind any CPU work.

    Such a read uses connections of its own (``app.db.loop_engine``), never the shared pool,
    and closes its session before it returns: see there why both matter. The only write it
    may make is the "last seen" stamp, which never waits for the writers' lock. A page that
    can write, wait for a lock, or do work that grows with the data stays in the pool; one
    that only sometimes must (an audited read) raises ``app.db.NeedsThePool`` before it
    writes, and the request runs again in the pool (``_in_the_pool``). Put
    it under the route decorator; ``tests/test_routing.py`` lists the routes that use it.
    """
    setattr(endpoint, ON_EVENT_LOOP, True)
    return endpoint


def runs_on_loop(request: Request) -> bool:
    """Whether the request's route runs on the event loop (``on_event_loop``)."""
    return getattr(request.scope.get("endpoint"), ON_EVENT_LOOP, False)


def _close_sessions(values: Iterable[Any]) -> None:
    for value in values:
        if isinstance(value, Deferred):
            value.db.close()
        elif isinstance(value, Session):
            value.close()


def _resolved(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The endpoint's arguments with each deferred access check replaced by its answer."""
    return {
        name: value.resolve() if isinstance(value, Deferred) else value
        for name, value in kwargs.items()
    }


def _in_the_pool(endpoint: Callable[..., Any], args: Any, kwargs: dict[str, Any]) -> Any:
    """``endpoint`` again, in a worker thread, after its read on the loop raised
    ``NeedsThePool``: every session it was given (a deferred check's too) replaced by a
    session of the shared engine, the check run again on it."""
    fresh: dict[int, Session] = {}

    def swap(db: Session) -> Session:
        if id(db) not in fresh:
            fresh[id(db)] = open_session(write=False)
        return fresh[id(db)]

    moved: dict[str, Any] = {}
    for name, value in kwargs.items():
        if isinstance(value, Deferred):
            value = Deferred(value.check, value.request, swap(value.db))
        elif isinstance(value, Session):
            value = swap(value)
        moved[name] = value
    try:
        return endpoint(*args, **_resolved(moved))
    finally:
        _close_sessions(fresh.values())


def _resolving(endpoint: Callable[..., Any], *, writes: bool = False) -> Callable[..., Any]:
    """``endpoint``, first replacing each deferred access check among its arguments by what
    the check returns (or raising what it raises). A synchronous endpoint that ``writes``
    (every method of its route may change something) waits for a write turn first
    (``app.db.write_turn``), then runs in the thread pool as any other."""
    if getattr(endpoint, ON_EVENT_LOOP, False):
        if inspect.iscoroutinefunction(endpoint):
            raise TypeError("on_event_loop is for synchronous endpoints")

        @functools.wraps(endpoint)
        async def run_on_loop(*args: Any, **kwargs: Any) -> Any:
            # Start to finish without an await: one read on the loop at a time holds the
            # loop engine's connections, and gives them back before the next can start.
            try:
                return endpoint(*args, **_resolved(kwargs))
            except NeedsThePool:
                pass
            finally:
                _close_sessions(kwargs.values())
            return await run_in_threadpool(_in_the_pool, endpoint, args, kwargs)

        return run_on_loop

    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            for name, value in kwargs.items():
                if isinstance(value, Deferred):
                    kwargs[name] = await run_in_threadpool(value.resolve)
            return await endpoint(*args, **kwargs)

        return run_async

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        return endpoint(*args, **_resolved(kwargs))

    if not writes:
        return run

    @functools.wraps(endpoint)
    async def run_in_turn(*args: Any, **kwargs: Any) -> Any:
        async with write_turn():
            return await run_in_threadpool(run, *args, **kwargs)

    return run_in_turn


class OneHopRoute(APIRoute):
    """A route whose access check runs in the same thread as its endpoint (see ``Deferred``).

    Every router uses it (``Router``). A deferred check is only run when the endpoint receives
    it as an argument, so an access dependency anywhere else (a route's ``dependencies=[...]``
    or inside another dependency) would never be checked: that is refused here, when the
    route is made.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {m.upper() for m in kwargs.get("methods") or ()}
        writes = bool(methods) and methods <= UNSAFE_METHODS
        super().__init__(path, _resolving(endpoint, writes=writes), **kwargs)
        self._refuse_hidden_checks(path)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        on_loop = getattr(self.endpoint, ON_EVENT_LOOP, False)

        async def checked_first(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError:
                # Bad parameters are found before the endpoint (and so the check) runs: who
                # is asking still comes first, so someone signed out gets 401, not a
                # description of what the route expects.
                pending = getattr(request.state, "pending_access", None)
                if pending is not None:
                    if on_loop:
                        try:
                            pending.resolve()
                        finally:
                            pending.db.close()
                    else:
                        await run_in_threadpool(pending.resolve)
                raise

        return checked_first

    def _refuse_hidden_checks(self, path: str) -> None:
        for dependant in self.dependant.dependencies:
            if _is_access(dependant.call) and dependant.name is None:
                raise TypeError(f"{path}: declare access as a parameter, not in dependencies=")
            for nested in _all_dependencies(dependant):
                if _is_access(nested.call):
                    raise TypeError(f"{path}: access must be a parameter of the route itself")


def _is_access(call: Any) -> bool:
    return hasattr(call, "__access__")


def _all_dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for child in dependant.dependencies:
        yield child
        yield from _all_dependencies(child)


def Router(**kwargs: Any) -> APIRouter:  # noqa: N802 (reads like the class it makes)
    """An ``APIRouter`` whose routes check access in the endpoint's thread."""
    return APIRouter(route_class=OneHopRoute, **kwargs)
