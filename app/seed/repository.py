"""The seed's queries: bulk inserts (and SQLite's full-text index kept in step with them),
back-dating what the demo wrote, and the few reads the seed makes. The bulk loader and the
demo build rows; every statement they send is here."""

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Column, Connection, Table, bindparam, delete, func, insert, text, update
from sqlalchemy.orm import class_mapper
from sqlmodel import Session, SQLModel, col, select

from app.models import (
    STAFF_ROLES,
    Category,
    Comment,
    Idea,
    MeasurePoint,
    Notification,
    PDSACycle,
    RateAllowance,
    RateEvent,
    Role,
    Unit,
    User,
    UserRole,
)

BATCH = 10_000
#: Negative: KiB (so 256 MB).
SQLITE_CACHE_KIB = -262_144


def table_of(model: type[SQLModel]) -> Table:
    """The model's Core table: bulk statements and back-dating skip the ORM."""
    table = class_mapper(model).local_table
    assert isinstance(table, Table)
    return table


def _batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_all(conn: Connection, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    n = 0
    for batch in _batches(rows):
        conn.execute(insert(table), batch)
        n += len(batch)
    return n


#: An AFTER INSERT trigger whose one statement copies the new row into another table: how the
#: ideas migration keeps SQLite's full-text index (idea_fts) in step with the idea table.
_COPY_ON_INSERT = re.compile(
    r"CREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?\S+\s+AFTER\s+INSERT\s+ON\s+\S+\s+"
    r"(?:FOR\s+EACH\s+ROW\s+)?BEGIN\s+INSERT\s+INTO\s+(?P<target>\w+)\s*"
    r"\((?P<columns>[^()]*)\)\s*VALUES\s*\((?P<values>[^;]*)\)\s*;\s*END",
    re.IGNORECASE | re.DOTALL,
)
_FULL_TEXT_TABLE = re.compile(
    r"CREATE\s+VIRTUAL\s+TABLE\s.*\bUSING\s+fts\d", re.IGNORECASE | re.DOTALL
)


class _IndexTrigger(NamedTuple):
    name: str
    #: The trigger's own CREATE TRIGGER, to put it back.
    sql: str
    #: Its INSERT for every new row at once (one parameter: the new rows' token pattern).
    batch: str


def full_text_insert_triggers(
    conn: Connection, table: Table, token: Column[Any]
) -> list[_IndexTrigger]:
    """SQLite: the triggers that add each new row of ``table`` to a full-text index, read from
    the live schema (whatever the migrations named them), each with the same INSERT as one
    ``INSERT ... SELECT`` over the rows whose ``token`` matches. Triggers of any other shape
    are left alone: they still run, row by row."""
    if conn.dialect.name != "sqlite":
        return []
    schema = conn.execute(text("SELECT type, name, tbl_name, sql FROM sqlite_master")).all()
    indexes = {
        name.lower()
        for kind, name, _t, sql in schema
        if kind == "table" and _FULL_TEXT_TABLE.match(sql or "")
    }
    quote = conn.dialect.identifier_preparer.quote
    found = []
    for kind, name, on, sql in schema:
        if kind != "trigger" or on.lower() != table.name.lower():
            continue
        m = _COPY_ON_INSERT.fullmatch((sql or "").strip())
        if m is None or m["target"].lower() not in indexes:
            continue
        # The trigger's values read the row as "new"; so does the SELECT, as a table alias.
        batch = (
            f"INSERT INTO {m['target']}({m['columns']}) SELECT {m['values']} "
            f"FROM {quote(table.name)} AS new WHERE new.{quote(token.name)} LIKE ?"
        )
        found.append(_IndexTrigger(name, sql, batch))
    return found


@contextmanager
def index_in_one_statement(
    conn: Connection, table: Table, token: Column[Any], tokens: str
) -> Iterator[None]:
    """SQLite: index the new rows with one INSERT ... SELECT instead of the per-row trigger.

    FTS5 flushes its buffer at the end of every statement, so 100,000 one-row inserts write
    100,000 tiny segments (about 20 s) where one statement takes about a second. The triggers
    are dropped and re-created inside the caller's transaction: if anything fails, they are
    rolled back with everything else, and other connections never see them missing.
    """
    triggers = full_text_insert_triggers(conn, table, token)
    quote = conn.dialect.identifier_preparer.quote
    for trigger in triggers:
        conn.exec_driver_sql(f"DROP TRIGGER {quote(trigger.name)}")
    yield
    for trigger in triggers:
        conn.exec_driver_sql(trigger.batch, (tokens,))
        conn.exec_driver_sql(trigger.sql)


@contextmanager
def sqlite_bulk_settings(conn: Connection) -> Iterator[None]:
    """SQLite: a bigger page cache while bulk loading (indexes on a million votes do not fit in
    the default 2 MB); restored afterwards, as the connection goes back to the pool."""
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}")
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous or -2000)}")
        conn.commit()


# --- reads ---------------------------------------------------------------------------------


def has_people(db: Session) -> bool:
    return bool(db.scalar(select(func.count()).select_from(User)))


def count(db: Session, model: type[SQLModel]) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def non_root_unit_ids(db: Session) -> list[int]:
    return list(db.scalars(select(Unit.id).where(col(Unit.parent_id).is_not(None))))


def active_category_ids(db: Session) -> list[int]:
    return list(db.scalars(select(Category.id).where(col(Category.active))))


def people(db: Session) -> list[tuple[int, str, bool]]:
    """(id, identity, holds a staff role) for every account that is not deleted."""
    staff = set(db.scalars(select(UserRole.user_id).where(col(UserRole.role).in_(STAFF_ROLES))))
    rows = db.execute(
        select(col(User.id), col(User.identity)).where(col(User.deleted_at).is_(None))
    )
    return [(int(r[0]), str(r[1]), r[0] in staff) for r in rows]


def all_units(db: Session) -> Sequence[Unit]:
    return db.scalars(select(Unit).order_by(col(Unit.id))).all()


def all_ideas(db: Session) -> Sequence[Idea]:
    return db.scalars(select(Idea).order_by(col(Idea.id))).all()


def measure_points(db: Session, *, measure_id: int) -> Sequence[MeasurePoint]:
    return db.scalars(
        select(MeasurePoint)
        .where(col(MeasurePoint.measure_id) == measure_id)
        .order_by(col(MeasurePoint.on_date))
    ).all()


def project_cycles(db: Session, *, project_id: int) -> Sequence[PDSACycle]:
    return db.scalars(
        select(PDSACycle).where(col(PDSACycle.project_id) == project_id).order_by(col(PDSACycle.id))
    ).all()


def someone_with(db: Session, role: Role) -> int | None:
    return db.scalar(select(UserRole.user_id).where(col(UserRole.role) == role).limit(1))


def ids_like(
    conn: Connection, id_column: Column[Any], key: Column[Any], pattern: str
) -> list[tuple[int, str]]:
    """(id, key) of the rows whose ``key`` matches ``pattern`` (the rows a bulk run made)."""
    return [
        (int(r[0]), str(r[1]))
        for r in conn.execute(select(id_column, key).where(key.like(pattern)))
    ]


def set_merged_into(conn: Connection, table: Table, merges: Sequence[dict[str, int]]) -> None:
    """``merges``: ``{"b_id": duplicate, "b_into": original}`` for each duplicate."""
    if merges:
        conn.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(merged_into_id=bindparam("b_into")),
            list(merges),
        )


def max_id(conn: Connection, table: Table) -> int:
    return int(conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)


def top_level_comments_after(conn: Connection, comment_id: int) -> list[tuple[int, int, datetime]]:
    """(id, subject id, time) of the top-level comments with ids above ``comment_id``."""
    comment = table_of(Comment)
    rows = conn.execute(
        select(comment.c.id, comment.c.subject_id, comment.c.created_at).where(
            comment.c.id > comment_id, comment.c.parent_id.is_(None)
        )
    )
    return [(int(r[0]), int(r[1]), r[2]) for r in rows]


# --- back-dating the demo ------------------------------------------------------------------


def backdate_setup(
    db: Session, *, now: datetime, unit_ids: list[int], user_ids: list[int | None]
) -> None:
    """Accounts and units existed well before the first idea."""
    joined = now - timedelta(days=210)
    user, role = table_of(User), table_of(UserRole)
    db.execute(
        update(user).where(user.c.id.in_(user_ids)).values(created_at=joined, updated_at=joined)
    )
    db.execute(update(role).where(role.c.user_id.in_(user_ids)).values(granted_at=joined))
    unit = table_of(Unit)
    db.execute(
        update(unit).where(unit.c.id.in_(unit_ids)).values(created_at=joined - timedelta(days=7))
    )


def restamp(
    db: Session, *, stamped: Sequence[tuple[type[SQLModel], str]], since: datetime, at: datetime
) -> None:
    """Move every row written since ``since`` to ``at``, and forget the rate-limit hits (the
    seed is not one person clicking very fast)."""
    db.flush()
    for model, column in stamped:
        table = table_of(model)
        db.execute(update(table).where(table.c[column] >= since).values({column: at}))
    # Every rate_event row since the seed started is the seed's own (nothing else writes while
    # it runs), whatever limits the services count against: no bucket names needed here.
    db.execute(delete(RateEvent).where(col(RateEvent.at) >= since))
    # Rate allowances (votes) the seed spent end after it started.
    since_us = int(since.timestamp() * 1_000_000)
    db.execute(delete(RateAllowance).where(col(RateAllowance.refilled_at_us) > since_us))


def mark_old_notifications_read(db: Session, *, now: datetime) -> None:
    """People have read what reached them more than a few days ago."""
    rows = db.execute(
        select(col(Notification.id), col(Notification.created_at)).where(
            col(Notification.created_at) < now - timedelta(days=4)
        )
    ).all()
    if rows:
        table = table_of(Notification)
        db.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(read_at=bindparam("b_at")),
            [{"b_id": r[0], "b_at": r[1] + timedelta(hours=20)} for r in rows],
        )
