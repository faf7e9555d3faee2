"""The route index picks exactly the route Starlette's one-by-one loop would pick."""

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from urllib.parse import quote

import anyio.to_thread
import pytest
from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.routing import BaseRoute, Match

from app import deps
from app.core import audit
from app.db import loop_engine, on_the_loop
from app.main import create_app
from app.models import Role, Visibility
from app.web import urls
from app.web.routing import (
    ON_EVENT_LOOP,
    IndexedRouter,
    OneHopRoute,
    RouteIndex,
    Router,
    literal_prefix,
    on_event_loop,
)
from tests.factories import api_token, create_user, sign_in
from tests.ideas.factories import create_idea
from tests.security.helpers import audit_events

APP = create_app()
ROUTES: list[BaseRoute] = list(APP.router.routes)
INDEX = RouteIndex(ROUTES)


def _scope(path: str, method: str) -> dict[str, object]:
    return {
        "type": "http",
        "path": path,
        "method": method,
        "root_path": "",
        "headers": [],
        "query_string": b"",
    }


def _first_full(routes: list[BaseRoute], path: str, method: str) -> BaseRoute | None:
    for route in routes:
        if route.matches(_scope(path, method))[0] == Match.FULL:
            return route
    return None


def _concrete(path: str, value: str = "7") -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def test_the_application_matches_through_the_index() -> None:
    assert isinstance(APP.router, IndexedRouter)
    # Flat: every route is on the application's router, none inside a nested router.
    assert len(ROUTES) > 150
    assert all(hasattr(route, "path") for route in ROUTES)


def test_literal_prefixes() -> None:
    assert literal_prefix("/") == ("",)
    assert literal_prefix("/ideas") == ("ideas",)
    assert literal_prefix("/api/v1/ideas/{idea_id}/vote") == ("api", "v1", "ideas")
    assert literal_prefix("/ideas/{idea_id}.csv") == ("ideas",)
    assert literal_prefix("/static") == ("static",)


def test_every_route_is_found_for_its_own_paths_and_methods() -> None:
    checked = 0
    for route in ROUTES:
        path = getattr(route, "path", None)
        assert path is not None
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            for value in ("7", "x"):
                concrete = _concrete(path, value) if "{" in path else path
                expected = _first_full(ROUTES, concrete, method)
                assert _first_full(INDEX.candidates(concrete), concrete, method) is expected
                checked += 1
    assert checked > 300


SEGMENTS = sorted(
    {segment for route in ROUTES for segment in getattr(route, "path", "").split("/") if segment}
    | {"7", "", "x.csv", "%2F", "99999999999999999999"}
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(SEGMENTS), min_size=0, max_size=7),
    st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD"]),
)
def test_any_path_gets_the_route_the_plain_loop_would_give(
    segments: list[str], method: str
) -> None:
    path = "/" + "/".join(segments)
    assert _first_full(INDEX.candidates(path), path, method) is _first_full(ROUTES, path, method)


def test_requests_are_matched_through_the_index(client: TestClient) -> None:
    looked_up: list[str] = []
    real = RouteIndex.candidates

    def spy(self: RouteIndex, path: str) -> list[BaseRoute]:
        looked_up.append(path)
        return real(self, path)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RouteIndex, "candidates", spy)
        assert client.get("/api/v1/ideas").status_code == 200
    assert looked_up == ["/api/v1/ideas"]


def test_wrong_method_missing_and_slashes_still_answer_as_before(client: TestClient) -> None:
    assert client.get("/api/v1/ideas").status_code == 200
    # Not found, and a method the route does not take, go through the router's own loop.
    assert client.get("/no-such-page").status_code == 404
    assert client.delete("/api/v1/ideas").status_code == 405
    slashed = client.get("/ideas/", follow_redirects=False)
    assert slashed.status_code == 307
    assert slashed.headers["location"].endswith("/ideas")


def test_the_index_is_rebuilt_when_routes_change(engine: Engine) -> None:
    app = create_app()
    router = app.router
    assert isinstance(router, IndexedRouter)
    before = router.index()

    @app.get("/zz-added-later")
    def added() -> dict[str, str]:
        return {"ok": "yes"}

    assert router.index() is not before
    with TestClient(app) as client:
        assert client.get("/zz-added-later").json() == {"ok": "yes"}


def test_every_route_checks_access_in_its_own_thread() -> None:
    others = {getattr(route, "path", "") for route in ROUTES if not isinstance(route, OneHopRoute)}
    assert others == {"/static", "/openapi.json"}


def test_an_access_check_outside_the_route_parameters_is_refused() -> None:
    router = Router()
    with pytest.raises(TypeError, match="not in dependencies"):

        @router.get("/hidden-check", dependencies=[Depends(deps.signed_in_access)])
        def hidden() -> dict[str, str]:
            return {}

    def needs_someone(principal: deps.SignedIn) -> str:
        return "x"

    with pytest.raises(TypeError, match="parameter of the route itself"):

        @router.get("/nested-check")
        def nested(value: Annotated[str, Depends(needs_someone)]) -> dict[str, str]:
            return {}


@contextmanager
def counting_hops() -> Iterator[list[object]]:
    """The functions sent through the thread pool inside the block."""
    hops: list[object] = []
    real_run_sync = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await real_run_sync(func, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(anyio.to_thread, "run_sync", counted)
        yield hops


@contextmanager
def recording_check_thread(threads: dict[str, int]) -> Iterator[None]:
    """The public access check, noting the thread it ran in as ``threads["check"]``."""
    real_check = deps._public

    def check(request: Request, db: Session) -> object:
        threads["check"] = threading.get_ident()
        return real_check(request, db)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deps, "_public", check)
        yield


def test_the_check_and_the_endpoint_share_one_worker_thread(engine: Engine) -> None:
    app = create_app()
    threads: dict[str, int] = {}
    router = Router()

    @router.get("/zz-thread")
    def endpoint(principal: deps.Public) -> JSONResponse:
        threads["endpoint"] = threading.get_ident()
        return JSONResponse({"anonymous": principal is None})

    app.router.routes.extend(router.routes)
    with TestClient(app) as client, recording_check_thread(threads), counting_hops() as hops:
        assert client.get("/zz-thread").json() == {"anonymous": True}
    assert len(hops) == 1, hops
    assert threads["check"] == threads["endpoint"]
    assert threads["check"] != threading.get_ident()


def test_a_failed_check_answers_before_the_endpoint_runs(client: TestClient) -> None:
    ran: list[bool] = []
    router = Router()

    @router.get("/api/v1/zz-private")
    def private(principal: deps.SignedIn) -> dict[str, str]:
        ran.append(True)
        return {}

    app = client.app
    app.router.routes.extend(router.routes)  # type: ignore[attr-defined]
    response = client.get("/api/v1/zz-private")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert ran == []


def _count_hops(client: TestClient, path: str, **kwargs: Any) -> tuple[int, list[object]]:
    with counting_hops() as hops:
        status = client.get(path, **kwargs).status_code
    return status, hops


@pytest.mark.parametrize("path", ["/", "/ideas/new", "/units"])
def test_busy_pages_take_one_trip_through_the_thread_pool(client: TestClient, path: str) -> None:
    status, hops = _count_hops(client, path)
    assert status == 200
    assert len(hops) == 1, hops


def test_the_hottest_reads_take_no_trip_through_the_thread_pool(
    client: TestClient, engine: Engine
) -> None:
    with Session(engine) as db:
        idea_id = create_idea(db, title="Kind words at night").id
    assert client.get(f"/api/v1/ideas/{idea_id}").status_code == 200
    paths = ("/api/v1/ideas", "/ideas", "/ideas?q=kind", "/api/v1/ideas?q=kind")
    for path in (*paths, f"/api/v1/ideas/{idea_id}"):
        status, hops = _count_hops(client, path)
        assert status == 200, path
        assert hops == [], path
    # Bad parameters still answer (the access check first, on the loop too).
    status, hops = _count_hops(
        client, "/api/v1/ideas?limit=nope", headers={"Authorization": "Bearer fc_not-a-token"}
    )
    assert status == 401
    assert hops == []


def test_an_endpoint_on_the_event_loop_runs_its_check_and_itself_on_the_loop(
    engine: Engine,
) -> None:
    app = create_app()
    threads: dict[str, int] = {}
    router = Router()

    @router.get("/zz-loop")
    @on_event_loop
    def endpoint(principal: deps.Public) -> JSONResponse:
        threads["endpoint"] = threading.get_ident()
        return JSONResponse({"anonymous": principal is None})

    @router.get("/zz-loop-main")
    async def loop_thread() -> JSONResponse:
        threads["loop"] = threading.get_ident()
        return JSONResponse({})

    app.router.routes.extend(router.routes)
    with TestClient(app) as client, recording_check_thread(threads):
        assert client.get("/zz-loop").json() == {"anonymous": True}
        client.get("/zz-loop-main")
    assert threads["check"] == threads["endpoint"] == threads["loop"]


def test_only_the_named_reads_run_on_the_event_loop() -> None:
    on_loop = sorted(
        route.name
        for route in ROUTES
        if isinstance(route, OneHopRoute) and getattr(route.endpoint, ON_EVENT_LOOP, False)
    )
    assert on_loop == ["api_idea", "api_ideas", "board"]


def test_an_audited_read_leaves_the_loop_for_the_thread_pool(
    client: TestClient, engine: Engine, db: Session
) -> None:
    """Staff reading a held idea through the API: its audit row must wait its turn for the
    writers' lock, which would stall the loop, so the request runs again in the thread pool
    (one trip), with connections of the shared engine, and is audited once."""
    author = create_user(db)
    held = create_idea(db, title="Kept back for a safeguarding look", author=author)
    held.visibility = Visibility.held
    db.add(held)
    db.commit()
    published_id = create_idea(db, title="Kind words at night").id
    reader = create_user(db, roles={Role.safeguarding_lead})
    sign_in(client, reader)
    client.get("/api/v1/ideas")  # the sign-in's first "last seen" stamp, out of the way
    status, hops = _count_hops(client, f"/api/v1/ideas/{held.id}")
    assert status == 200
    assert len(hops) == 1, hops
    (row,) = audit_events(engine, audit.READ_HELD_IDEA)
    assert (row.actor_id, row.details["via"]) == (reader.id, "api")
    assert _checked_out(engine) == 0
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    # Nothing to audit: the same reader's published idea and the author's own stay on it.
    assert _count_hops(client, f"/api/v1/ideas/{published_id}") == (200, [])
    sign_in(client, author)
    client.get("/api/v1/ideas")
    assert _count_hops(client, f"/api/v1/ideas/{held.id}") == (200, [])
    assert len(audit_events(engine, audit.READ_HELD_IDEA)) == 1


def test_a_request_sent_back_to_the_pool_checks_access_again_there(
    client: TestClient, engine: Engine, db: Session
) -> None:
    """The second run answers from its own access check on the shared engine's session, so
    what the first run found on the loop can never stand in for it."""
    held = create_idea(db, title="Kept back for a safeguarding look", author=create_user(db))
    held.visibility = Visibility.held
    db.add(held)
    db.commit()
    sign_in(client, create_user(db, roles={Role.safeguarding_lead}))
    threads: list[int] = []
    real_check = deps._public

    def check(request: Request, session: Session) -> object:
        threads.append(threading.get_ident())
        assert on_the_loop(session) == (len(threads) == 1)
        return real_check(request, session)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deps, "_public", check)
        assert client.get(f"/api/v1/ideas/{held.id}").status_code == 200
    assert len(threads) == 2
    assert threads[0] != threads[1]


def _checked_out(engine: Engine) -> int:
    return int(loop_engine(engine).pool.checkedout())  # type: ignore[attr-defined]


def test_reads_on_the_loop_never_wait_for_the_shared_pool(
    client: TestClient, engine: Engine, db: Session
) -> None:
    """Every shared connection taken (by requests that will give theirs back only when the
    loop runs): a read on the loop still answers, from connections of its own."""
    user = create_user(db)
    token = api_token(db, user)
    sign_in(client, user)
    db.close()
    pool: Any = engine.pool
    held = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pool, "_timeout", 0.5)
        try:
            while pool.checkedout() < pool.size() + pool._max_overflow:
                held.append(engine.connect())
            started = time.monotonic()
            assert client.get("/ideas").status_code == 200
            assert client.get("/api/v1/ideas", headers={"Authorization": f"Bearer {token}"}).json()
            assert time.monotonic() - started < 5
        finally:
            for connection in held:
                connection.close()


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/ideas", 200),
        ("/api/v1/ideas", 200),
        ("/api/v1/ideas?cursor=" + "x" * 200, 422),
        ("/api/v1/ideas?limit=nope", 422),
        ("/api/v1/ideas?unit=no-such-unit", 422),
    ],
)
def test_a_read_on_the_loop_gives_its_connections_back_before_it_returns(
    client: TestClient, engine: Engine, db: Session, path: str, status: int
) -> None:
    token = api_token(db, create_user(db))
    seen: list[int] = []
    real_open = deps.open_session

    class Watched(Session):
        def __exit__(self, *exc: object) -> None:
            # get_db's own close, after the endpoint: what is still checked out by then is
            # what the endpoint kept.
            seen.append(_checked_out(engine))
            super().__exit__(*exc)

    def watched_open(*, write: bool, **kwargs: Any) -> Session:
        session = real_open(write=write, **kwargs)
        if not write:
            session.__class__ = Watched
        return session

    bearer = {"Authorization": f"Bearer {token}"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deps, "open_session", watched_open)
        for headers in ({}, bearer) if path.startswith("/api/") else ({},):
            assert client.get(path, headers=headers).status_code == status
    assert _checked_out(engine) == 0
    assert seen
    assert set(seen) == {0}


class TestUrlFor:
    """``url_for`` finds a route by its name in an index, with the answer Starlette's own
    one-route-at-a-time search gives (app/web/urls.py)."""

    @pytest.fixture(autouse=True)
    def _bound_again_afterwards(self) -> Any:
        before = urls._routes()
        yield
        urls.bind(before)

    @pytest.mark.parametrize("value", ["1", "a b/c", "99999999999999999999"])
    def test_every_named_route_as_starlette_builds_it(self, value: str) -> None:
        urls.bind(APP.router)
        checked = 0
        for route in ROUTES:
            name = getattr(route, "name", None)
            names = getattr(route, "param_convertors", None)
            if not name or names is None:
                continue
            params = dict.fromkeys(names, value)
            if name == "static":
                params = {"path": value}
            quoted = {k: quote(v, safe="") for k, v in params.items()}
            expected = str(APP.router.url_path_for(name, **quoted))
            assert urls.url_for(name, **params) == expected, name
            checked += 1
        assert checked > 100

    def test_a_route_added_later_is_found(self) -> None:
        app = create_app()
        urls.bind(app.router)
        with pytest.raises(Exception, match="fc_late_route"):
            urls.url_for("fc_late_route")
        app.add_api_route("/fc-late/{n}", lambda n: n, name="fc_late_route")
        assert urls.url_for("fc_late_route", n=3) == "/fc-late/3"
