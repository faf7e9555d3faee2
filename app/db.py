"""Engine and per-request sessions.

SQLite gets WAL, a busy timeout, foreign keys and ``BEGIN IMMEDIATE`` for write transactions,
using SQLAlchemy's documented pysqlite hooks: without them concurrent writers fail with
"database is locked" instead of waiting their turn.
"""

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import Connection
from sqlmodel import Session, create_engine

from app.config import get_settings

WRITE_OPTION = "fullcircle_write"

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
        cursor.close()

    # Writers queue on a lock (a thread lock, then an flock shared with the other app
    # processes) rather than in SQLite's busy handler, which sleeps in growing steps of up to
    # 100 ms and lets newcomers barge in: under load that gave waits of several seconds.
    write_lock = _WriteLock(engine.url.database)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front, so two read-then-write transactions never
        # deadlock on the lock upgrade. Reads run without an explicit transaction: each
        # statement sees the latest committed data (like PostgreSQL's READ COMMITTED) and no
        # reader ever holds a snapshot open that a writer must wait behind.
        if not conn.get_execution_options().get(WRITE_OPTION):
            return
        write_lock.acquire()
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


class _WriteLock:
    """Mutual exclusion for SQLite writers: threads in this process, then processes."""

    def __init__(self, database: str | None) -> None:
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        if database and database != ":memory:" and not database.startswith("file:"):
            self._fd = os.open(f"{database}.writelock", os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self) -> None:
        if not self._thread_lock.acquire(timeout=30):
            raise TimeoutError("timed out waiting for the database write lock")
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
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


@cache
def _default_engine() -> Engine:
    settings = get_settings()
    return make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )


def open_session(*, write: bool, engine: Engine | None = None) -> Session:
    engine = engine or get_engine()
    bind = engine.execution_options(**{WRITE_OPTION: True}) if write else engine
    return Session(bind=bind, expire_on_commit=False)


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
