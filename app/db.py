"""Engine and per-request sessions.

SQLite gets WAL, a busy timeout, foreign keys and ``BEGIN IMMEDIATE`` for write transactions,
using SQLAlchemy's documented pysqlite hooks: without them concurrent writers fail with
"database is locked" instead of waiting their turn.
"""

import fcntl
import os
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

import anyio
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.engine.base import OptionEngine
from sqlalchemy.pool import Pool, QueuePool
from sqlmodel import Session, create_engine

from app.config import get_settings
from app.errors import ServiceBusy

WRITE_OPTION = "fullcircle_write"
#: A write session that takes SQLite's write lock only if it is free at once (for best-effort
#: writes such as "last seen" stamps, which skip a turn rather than queue).
NO_WAIT = "no-wait"

#: Per-request SQL statement counter (a one-item list), set by SecurityMiddleware when
#: FULLCIRCLE_EXPOSE_SQL_COUNT is on: benchmarks read it from the X-SQL-Statements header.
statement_counter: ContextVar[list[int] | None] = ContextVar("statement_counter", default=None)


def _count_statement(*_args: Any) -> None:
    counter = statement_counter.get()
    if counter is not None:
        counter[0] += 1


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 5) -> Engine:
    engine = _make_engine(url, pool_size=pool_size, max_overflow=max_overflow)
    event.listen(engine, "before_cursor_execute", _count_statement)
    return engine


def _make_engine(url: str, *, pool_size: int, max_overflow: int) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            # Each SQLite connection has its own page cache: keep enough of them open that
            # busy moments do not close and reopen connections (and start with a cold cache).
            pool_size=max(pool_size, 10),
            max_overflow=max_overflow,
            hide_parameters=True,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        # Recycling instead of a pre-ping saves a round trip on every request; a connection
        # the server dropped is still replaced (and reported as a 500-free retry next time).
        pool_recycle=1800,
        # Parameters may be submitted free text: never put them in exception messages or logs.
        hide_parameters=True,
    )


#: Each SQLite connection's page cache, in KiB.
SQLITE_CACHE_KIB = 512


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Each connection keeps its own page cache (2 MB by default), and a worker keeps up
        # to 22 open: 166 MB per worker after the benchmark at 3,000 ideas, 134 MB with
        # 512 KB, and no slower (the operating system's file cache, which every connection
        # and process shares, holds the rest). docs/performance.md, "Memory".
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    # Writers queue on a lock (a thread lock, then an flock shared with the other app
    # processes) rather than in SQLite's busy handler, which sleeps in growing steps of up to
    # 100 ms and lets newcomers barge in: under load that gave waits of several seconds.
    settings = get_settings()
    write_lock = _WriteLock(
        engine.url.database,
        wait_seconds=settings.write_lock_wait_seconds,
        max_waiting=settings.write_lock_max_waiting,
    )

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front, so two read-then-write transactions never
        # deadlock on the lock upgrade. Reads run without an explicit transaction: each
        # statement sees the latest committed data (like PostgreSQL's READ COMMITTED) and no
        # reader ever holds a snapshot open that a writer must wait behind.
        write = conn.get_execution_options().get(WRITE_OPTION)
        if not write:
            return
        write_lock.acquire(wait=write != NO_WAIT)
        conn.info["fullcircle_write_lock"] = write_lock
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(conn.info)
            raise

    def _release(info: dict[str, Any]) -> None:
        lock = info.pop("fullcircle_write_lock", None)
        if lock is not None:
            lock.release()

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn: Connection) -> None:
        _release(conn.info)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        # A safety net: a connection never goes back to the pool still holding the lock.
        _release(record.info)


#: When the request's write must give up waiting (``write_turn``); None outside a request.
WRITE_DEADLINE: ContextVar[float | None] = ContextVar("write_deadline", default=None)

_WRITE_TURNS: RunVar[CapacityLimiter] = RunVar("fullcircle_write_turns")


@asynccontextmanager
async def write_turn() -> AsyncIterator[None]:
    """A turn to run a request that writes: at most ``write_turns`` at once in this worker.

    The others wait here on the event loop, holding no thread, in the order they came. Fewer
    threads writing at once is faster, not slower: each write is a few short statements and
    a commit, and ten threads taking turns with the GIL between those round trips kept
    transactions open while they waited for it. Votes a second under ``make bench`` with the
    thread pool's 40 threads, 2 turns and 1 (docs/performance.md): PostgreSQL 291, 388-464
    and 356-379 (with two, one vote runs while the other's commit waits for the disk);
    SQLite 227, 397-428 and 533-588 (one writer per process never waits for another's hold
    on the lock). And however many writes wait, the readers keep every other thread.

    Nobody waits longer than ``write_lock_wait_seconds`` in all, for the turn and (SQLite)
    the writers' lock together: then ``ServiceBusy`` (503 with Retry-After, nothing saved).
    """
    settings = get_settings()
    at_once = settings.write_turns
    try:
        turns = _WRITE_TURNS.get()
    except LookupError:
        turns = CapacityLimiter(at_once)
        _WRITE_TURNS.set(turns)
    if turns.total_tokens != at_once:  # the setting changed (tests change it)
        turns.total_tokens = at_once
    deadline = time.monotonic() + settings.write_lock_wait_seconds
    try:
        with anyio.fail_after(settings.write_lock_wait_seconds):
            await turns.acquire()
    except TimeoutError:
        raise ServiceBusy() from None
    waited_until = WRITE_DEADLINE.set(deadline)
    try:
        yield
    finally:
        WRITE_DEADLINE.reset(waited_until)
        turns.release()


class _WriteLock:
    """Mutual exclusion for SQLite writers: threads in this process, then processes.

    Waiting is bounded twice over. At most ``max_waiting`` threads wait at once (each waiter
    holds one of the server's worker threads, and readers need some left); and nobody waits
    longer than ``wait_seconds``. Either way the writer gets ``ServiceBusy`` (503 with
    Retry-After), never a stalled server. ``try_acquire`` does not wait at all.
    """

    def __init__(self, database: str | None, *, wait_seconds: float, max_waiting: int) -> None:
        self._thread_lock = threading.Lock()
        self._waiting = threading.BoundedSemaphore(max(1, max_waiting))
        self._wait_seconds = wait_seconds
        self._fd: int | None = None
        if database and database != ":memory:" and not database.startswith("file:"):
            self._fd = os.open(f"{database}.writelock", os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self, *, wait: bool = True) -> None:
        if not wait:
            if not self._thread_lock.acquire(blocking=False):
                raise ServiceBusy()
            self._lock_file(deadline=time.monotonic())
            return
        if not self._waiting.acquire(blocking=False):
            raise ServiceBusy()
        try:
            deadline = time.monotonic() + self._wait_seconds
            # A request has waited for its write thread already: both waits count together.
            turn = WRITE_DEADLINE.get()
            if turn is not None:
                deadline = min(deadline, turn)
            if not self._thread_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
                raise ServiceBusy()
            self._lock_file(deadline=deadline)
        finally:
            self._waiting.release()

    def _lock_file(self, *, deadline: float) -> None:
        """The lock shared with the other app processes (the thread lock is held)."""
        if self._fd is None:
            return
        try:
            # flock cannot wait with a deadline, so poll, from 0.1 ms doubling to 2 ms: a
            # fixed 2 ms left the lock idle between the processes' writers (a vote on
            # SQLite: about 360 a second, 400 with the short first pauses).
            pause = 0.0001
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise ServiceBusy() from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.002)
        except BaseException:
            self._thread_lock.release()
            raise

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()


_override: Engine | None = None


def use_engine(engine: Engine | None) -> None:
    """Point the app at another engine (tests give each test its own database)."""
    global _override
    _override = engine


def get_engine() -> Engine:
    return _override or _default_engine()


#: Connections of the engine for reads on the event loop: the read, and the "last seen"
#: stamp it may write. They never wait: see ``loop_engine``.
LOOP_CONNECTIONS = 2


class NeedsThePool(Exception):
    """A read on the event loop came to something that may wait (a write that must take its
    turn for the lock, such as an audited read's row): ``app.web.routing`` then runs the
    whole request again in the thread pool, with sessions of the shared engine. Raise it
    before anything has been written or sent."""


#: The loop engines' pools (``loop_engine``), to tell their sessions apart.
_LOOP_POOLS: "weakref.WeakSet[Pool]" = weakref.WeakSet()


def on_the_loop(db: Session) -> bool:
    """Whether ``db`` reads through a loop engine (so it runs on the event loop)."""
    bind = db.get_bind()
    return isinstance(bind, Engine) and bind.pool in _LOOP_POOLS


class _OwnPoolEngine(OptionEngine):
    """An engine's dialect, options, compiled cache and events (every listener of the
    engine hears it too), with a pool of its own. ``OptionEngine`` would share the pool."""

    pool = None  # type: ignore[assignment]  # not the mixin's property: this one's own

    def __init__(self, proxied: Engine, pool: Pool) -> None:
        super().__init__(proxied, {})
        self.pool = pool


def loop_engine(engine: Engine | None = None) -> Engine:
    """The engine for reads that run on the event loop (``app.web.routing.on_event_loop``),
    made once per engine, with connections of its own.

    A request gives its connection back when its session closes. One that ran in the thread
    pool closes it on the event loop (``deps.get_db``), so if a read on the loop waited for
    the shared pool, the requests holding its connections could not give them back until
    the loop ran again: the worker would stall for the pool timeout. Reads on the loop run
    one at a time, start to finish without giving the loop up, and close their session
    before they return (``routing._resolving``), so these connections are always free when
    the next one starts; the short timeout only makes a broken rule fail at once."""
    engine = engine or get_engine()
    loop: Engine | None = engine.__dict__.get("_fullcircle_loop")
    if loop is None:
        shared: Any = engine.pool
        # As ``QueuePool.recreate()`` makes a pool like it (its connect and check-in events
        # too: SQLite's pragmas and the write lock's safety net), with its own size.
        pool = QueuePool(
            shared._creator,
            pool_size=LOOP_CONNECTIONS,
            max_overflow=0,
            timeout=2,
            recycle=shared._recycle,
            pre_ping=shared._pre_ping,
            reset_on_return=shared._reset_on_return,
            _dispatch=shared.dispatch,
            dialect=shared._dialect,
        )
        _LOOP_POOLS.add(pool)
        loop = _OwnPoolEngine(engine, pool)
        engine.__dict__["_fullcircle_loop"] = loop
        event.listen(engine, "engine_disposed", _disposing(pool))
    return loop


def _disposing(pool: Pool) -> Callable[[Engine], None]:
    def dispose(_engine: Engine) -> None:
        pool.dispose()

    return dispose


@cache
def _default_engine() -> Engine:
    settings = get_settings()
    return make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )


def open_session(*, write: bool, engine: Engine | None = None, wait: bool = True) -> Session:
    """A session; ``write`` ones take SQLite's write lock at their first statement (waiting
    for it, or with ``wait=False`` raising ``ServiceBusy`` at once when it is taken).

    Read sessions on PostgreSQL run in autocommit, as SQLite reads already do (each
    statement sees the latest committed data): a transaction would cost a ``BEGIN`` and a
    ``ROLLBACK`` round trip around every read request, half the round trips of a page.
    """
    engine = engine or get_engine()
    if write:
        bind = _bound(engine, True if wait else NO_WAIT)
    elif engine.dialect.name == "postgresql":
        bind = _bound(engine, "autocommit")
    else:
        bind = engine
    return Session(bind=bind, expire_on_commit=False)


def _bound(engine: Engine, mode: bool | str) -> Engine:
    """The engine with the options for ``mode``, made once per engine: each
    ``execution_options()`` call builds a new engine proxy, and an isolation level also
    registers an event listener (together 8 % of a request's CPU when made per session)."""
    bound: dict[bool | str, Engine] = engine.__dict__.setdefault("_fullcircle_bound", {})
    option = bound.get(mode)
    if option is None:
        if mode == "autocommit":
            option = engine.execution_options(isolation_level="AUTOCOMMIT")
        else:
            option = engine.execution_options(**{WRITE_OPTION: mode})
        bound[mode] = option
    return option


def takes_write_lock(session: Session) -> bool:
    """Whether ``session``'s first statement takes SQLite's writers' lock (PostgreSQL's
    writes lock rows, not the database, so none of its sessions does)."""
    return session.get_bind().dialect.name == "sqlite" and is_write(session)


def is_write(session: Session) -> bool:
    """Whether ``session`` is a write session (on SQLite it holds, or will take, the lock)."""
    return bool(session.get_bind().get_execution_options().get(WRITE_OPTION))


@contextmanager
def session_scope(*, write: bool = True) -> Iterator[Session]:
    """A session for scripts and the CLI: committed on success, rolled back on error."""
    with open_session(write=write) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def ping(conn: Connection) -> None:
    """One round trip: raises if the database does not answer."""
    conn.execute(text("SELECT 1"))
