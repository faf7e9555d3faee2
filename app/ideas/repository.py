"""Idea queries: the board (keyset pages), full-text search, similar ideas, timelines.

Every board page is a fixed number of statements whatever its length. Which ideas a list may
show is decided by app/ideas/access.py (``listed_clause``), never here.
"""

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from itertools import combinations
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    column,
    exists,
    func,
    literal,
    literal_column,
    or_,
    table,
    text,
    true,
    union_all,
)
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app.accounts.principal import Principal
from app.ideas import access, search
from app.models import (
    Category,
    Idea,
    IdeaStatus,
    Identity,
    SubjectKind,
    TimelineEvent,
    Unit,
    Vote,
    utcnow,
)

TRENDING_WINDOW = timedelta(days=14)
_fts = table("idea_fts", column("rowid"))


class Sort(StrEnum):
    top = "top"
    new = "new"
    trending = "trending"
    discussed = "discussed"


@dataclass(frozen=True)
class BoardFilters:
    q: str = ""
    unit: Unit | None = None
    category: Category | None = None
    status: IdeaStatus | None = None
    sort: Sort = Sort.top


@dataclass(frozen=True, slots=True)
class IdeaCard:
    """What a list shows of an idea (the board's cards and the API list), read as plain
    columns. Building an ORM object for every row that is only rendered, and decoding its two
    JSON columns, was a third of a token request to the API list (profiled)."""

    id: int
    title: str
    description: str
    status: IdeaStatus
    submitted_as: Identity
    submitted_by_staff: bool
    vote_count: int
    comment_count: int
    unit_id: int
    category_id: int
    created_at: datetime
    updated_at: datetime


CARD_FIELDS = tuple(f.name for f in fields(IdeaCard))
CARD_WIDTH = len(CARD_FIELDS)


def card(row: Any) -> IdeaCard:
    """The card in the first ``CARD_WIDTH`` columns of ``row`` (``CARD_FIELDS``, in order)."""
    values: list[Any] = list(row[:CARD_WIDTH])
    values[3] = IdeaStatus(values[3])
    values[4] = Identity(values[4])
    return IdeaCard(*values)


@dataclass(frozen=True)
class BoardRow:
    idea: IdeaCard
    unit_name: str
    category_name: str
    sort_value: int
    #: Whether the person the page is for supports it (False for nobody signed in).
    voted: bool = False


@dataclass(frozen=True)
class BoardPage:
    rows: list[BoardRow]
    next_cursor: str | None


#: Longer than any cursor we make (a sort name and two 64-bit numbers, base64).
CURSOR_MAX = 120


def encode_cursor(sort: Sort, value: int, idea_id: int) -> str:
    raw = json.dumps([sort.value, value, idea_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort) -> tuple[int, int] | None:
    """(sort value, id) from a cursor made for the same sort; None when it is not valid."""
    if len(cursor) > CURSOR_MAX:
        return None  # ours are short; a long one is made up (and could nest deeply)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, value, idea_id = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError, RecursionError):
        return None
    # Whole numbers that fit a 64-bit column: bigger ones overflow SQLite's driver.
    if kind != sort.value or not all(type(n) is int and abs(n) < 2**63 for n in (value, idea_id)):
        return None
    return value, idea_id


@dataclass(frozen=True)
class _Shape:
    """Which optional parts a board statement has. The statement for each shape is built
    once, with its values as bound parameters (building it and its cache key on every
    request was a tenth of the API list's CPU); only a search builds its own."""

    sort: Sort
    unit: bool
    category: bool
    status: bool
    after: bool
    voter: bool


def _filtered(db: Session | None, stmt: Any, shape: _Shape, q: str) -> Any:
    """The board's joins and filters, on any select whose first entity is Idea (``db`` is
    needed only for a search, whose clause depends on the database)."""
    stmt = (
        stmt.join(Unit, col(Unit.id) == col(Idea.unit_id))
        .join(Category, col(Category.id) == col(Idea.category_id))
        .where(access.listed_clause())
    )
    if shape.unit:
        stmt = stmt.where(col(Unit.path).startswith(bindparam("unit_path")))
    if shape.category:
        stmt = stmt.where(col(Idea.category_id) == bindparam("category_id"))
    if shape.status:
        stmt = stmt.where(col(Idea.status) == bindparam("status"))
    if q and db is not None and (clause := match_clause(db, q)) is not None:
        stmt = stmt.where(clause)
    return stmt


def _after(sort_col: Any, shape: _Shape) -> Any:
    """Keyset condition: rows strictly after (value, id) in (value desc, id desc) order."""
    if not shape.after:
        return true()
    value: Any = bindparam("after_value")
    return or_(sort_col < value, and_(sort_col == value, col(Idea.id) < bindparam("after_id")))


def _columns(sort_col: Any) -> tuple[Any, ...]:
    return (
        *(col(getattr(Idea, name)) for name in CARD_FIELDS),
        col(Unit.name).label("unit_name"),
        col(Category.name).label("category_name"),
        sort_col.label("sort_value"),
    )


def _voted(idea_id: Any, voter: int | bool | None) -> Any:
    """Whether the voter supports the idea: a column of the same statement (one index probe
    per row), so a signed-in page needs no second query for its vote buttons. ``voter`` is
    their id, or True for a bound ``voter_id`` parameter."""
    if voter is None or voter is False:
        return literal(False)
    voter_id: Any = bindparam("voter_id") if voter is True else voter
    return exists().where(col(Vote.idea_id) == idea_id, col(Vote.user_id) == voter_id)


def _trending(db: Session | None, shape: _Shape, q: str) -> Any:
    """Ideas by votes in the last 14 days, then the rest (newest first), in one statement.

    Each half reads through an index: the first scans only the window's votes, the second
    walks ideas by id; neither counts over all votes.
    """
    # "+ 0" stops SQLite grouping through the (idea_id, user_id) index, which reads every
    # vote ever cast; it then range-scans (created_at, idea_id) over the window instead.
    voted_idea = (col(Vote.idea_id) + 0).label("idea_id")
    since = bindparam("since", type_=Vote.__table__.c.created_at.type)  # type: ignore[attr-defined]
    recent = (
        select(voted_idea, func.count().label("n"))
        .where(col(Vote.created_at) >= since)
        .group_by(voted_idea)
        .cte("recent")
    )
    limit: Any = bindparam("limit")
    hot = (
        _filtered(db, select(*_columns(recent.c.n)), shape, q)
        .join(recent, recent.c.idea_id == col(Idea.id))
        .where(_after(recent.c.n, shape))
        .order_by(recent.c.n.desc(), col(Idea.id).desc())
        .limit(limit)
        .subquery()
    )
    zero = literal(0)
    cold = (
        _filtered(db, select(*_columns(zero)), shape, q)
        .where(col(Idea.id).not_in(select(recent.c.idea_id)))
        .where(_after(zero, shape))
        .order_by(col(Idea.id).desc())
        .limit(limit)
        .subquery()
    )
    both = union_all(select(hot), select(cold)).subquery()
    return (
        core_select(
            *(both.c[name] for name in CARD_FIELDS),
            both.c.unit_name,
            both.c.category_name,
            both.c.sort_value,
            _voted(both.c.id, shape.voter),
        )
        .order_by(both.c.sort_value.desc(), both.c.id.desc())
        .limit(limit)
    )


def _board_statement(db: Session | None, shape: _Shape, q: str) -> Any:
    if shape.sort is Sort.trending:
        return _trending(db, shape, q)
    sort_col = {
        Sort.discussed: col(Idea.comment_count),
        Sort.new: col(Idea.id),
    }.get(shape.sort, col(Idea.vote_count))
    return (
        _filtered(db, core_select(*_columns(sort_col), _voted(Idea.id, shape.voter)), shape, q)
        .where(_after(sort_col, shape))
        .order_by(sort_col.desc(), col(Idea.id).desc())
        .limit(bindparam("limit"))
    )


@cache
def _built_board_statement(shape: _Shape) -> Any:
    return _board_statement(None, shape, "")


def board(
    db: Session,
    *,
    filters: BoardFilters,
    limit: int,
    cursor: str | None = None,
    voter_id: int | None = None,
) -> BoardPage:
    """One statement: the page of ideas with their unit and category names, and which of
    them ``voter_id`` supports."""
    after = decode_cursor(cursor, filters.sort) if cursor else None
    shape = _Shape(
        sort=filters.sort,
        unit=filters.unit is not None,
        category=filters.category is not None,
        status=filters.status is not None,
        after=after is not None,
        voter=voter_id is not None,
    )
    params: dict[str, Any] = {"limit": limit + 1}
    if filters.unit is not None:
        params["unit_path"] = filters.unit.path
    if filters.category is not None:
        params["category_id"] = filters.category.id
    if filters.status is not None:
        params["status"] = filters.status.value
    if after is not None:
        params["after_value"], params["after_id"] = after
    if voter_id is not None:
        params["voter_id"] = voter_id
    if filters.sort is Sort.trending:
        params["since"] = utcnow() - TRENDING_WINDOW
    # A search builds its own statement (its clause holds the words).
    stmt = _board_statement(db, shape, filters.q) if filters.q else _built_board_statement(shape)
    rows = [
        BoardRow(
            idea=card(r),
            unit_name=r[CARD_WIDTH],
            category_name=r[CARD_WIDTH + 1],
            sort_value=int(r[CARD_WIDTH + 2]),
            voted=bool(r[CARD_WIDTH + 3]),
        )
        for r in db.execute(stmt, params).all()
    ]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(filters.sort, last.sort_value, last.idea.id)
    return BoardPage(rows=rows, next_cursor=next_cursor)


def get(db: Session, idea_id: int) -> Idea | None:
    return db.get(Idea, idea_id)


def by_form_token(db: Session, form_token: str) -> Idea | None:
    return db.scalars(select(Idea).where(col(Idea.form_token) == form_token)).first()


def by_receipt_hash(db: Session, receipt_hash: str) -> Idea | None:
    return db.scalars(select(Idea).where(col(Idea.receipt_hash) == receipt_hash)).first()


@dataclass(frozen=True)
class SeenIdea:
    idea: Idea
    unit: Unit
    category: Category
    #: Whether the viewer supports it.
    voted: bool


def idea_seen_by(db: Session, idea_id: int, *, viewer: Principal | None) -> SeenIdea | None:
    """The idea with its unit and category and whether ``viewer`` supports it, if they may
    see it (one statement)."""
    viewer_id = viewer.user.id if viewer is not None else None
    params = {"idea_id": idea_id, "viewer_id": viewer_id, "voter_id": viewer_id}
    row = db.execute(_seen_statement(access.visible_shape(viewer)), params).first()
    return SeenIdea(row[0], row[1], row[2], bool(row[3])) if row else None


@cache
def _seen_statement(shape: access.VisibleShape) -> Any:
    """``idea_seen_by``'s statement, built once for each kind of viewer (building it per
    request was about a fifth of one idea's CPU with a token, bench/cpu.py)."""
    return (
        select(Idea, Unit, Category, _voted(Idea.id, shape[1]))
        .join(Unit, col(Unit.id) == col(Idea.unit_id))
        .join(Category, col(Category.id) == col(Idea.category_id))
        .where(col(Idea.id) == bindparam("idea_id"), access.bound_visible_clause(shape))
    )


#: Timeline entries shown in public (visibility changes are audited, not published);
#: "response" is an official response from staff (app/triage).
PUBLIC_EVENT_KINDS = ("submitted", "status", "response", "withdrawn")


def events(db: Session, idea_id: int) -> Sequence[TimelineEvent]:
    return db.scalars(
        select(TimelineEvent)
        .where(
            col(TimelineEvent.subject_kind) == SubjectKind.idea,
            col(TimelineEvent.subject_id) == idea_id,
            col(TimelineEvent.kind).in_(PUBLIC_EVENT_KINDS),
        )
        .order_by(col(TimelineEvent.id))
    ).all()


def recent_activity(db: Session, *, limit: int) -> Sequence[tuple[TimelineEvent, Idea]]:
    rows = db.execute(
        select(TimelineEvent, Idea)
        .join(
            Idea,
            (col(Idea.id) == col(TimelineEvent.subject_id))
            & (col(TimelineEvent.subject_kind) == SubjectKind.idea),
        )
        .where(access.listed_clause(), col(TimelineEvent.kind).in_(PUBLIC_EVENT_KINDS))
        .order_by(col(TimelineEvent.id).desc())
        .limit(limit)
    ).all()
    return [(r[0], r[1]) for r in rows]


def ideas_of(db: Session, *, user_id: int, limit: int | None = 100) -> Sequence[Idea]:
    """A person's own ideas, newest first (all of them when ``limit`` is None)."""
    return db.scalars(
        select(Idea)
        .where(col(Idea.author_id) == user_id)
        .order_by(col(Idea.id).desc())
        .limit(limit)
    ).all()


def categories(db: Session, *, active_only: bool = True) -> Sequence[Category]:
    stmt = select(Category).order_by(col(Category.position), col(Category.id))
    if active_only:
        stmt = stmt.where(col(Category.active).is_(True))
    return db.scalars(stmt).all()


def category_by_slug(db: Session, slug: str) -> Category | None:
    return db.scalars(select(Category).where(col(Category.slug) == slug)).first()


@dataclass(frozen=True)
class SimilarIdea:
    idea: Idea
    unit_name: str
    score: float


def similar(db: Session, text: str, *, limit: int) -> list[SimilarIdea]:
    """Published ideas most like ``text`` (any word counts; better matches first)."""
    ranked = ranked_ids(db, text, limit=limit * 4, any_word=True)
    if not ranked:
        return []
    scores = dict(ranked)
    rows = db.execute(
        select(Idea, col(Unit.name))
        .join(Unit, col(Unit.id) == col(Idea.unit_id))
        .where(col(Idea.id).in_(list(scores)), access.listed_clause())
    ).all()
    found = [SimilarIdea(idea=r[0], unit_name=r[1], score=scores[r[0].id]) for r in rows]
    found.sort(key=lambda s: (-s.score, -(s.idea.id or 0)))
    return found[:limit]


# --- full-text search: SQLite FTS5 (porter stemming) or PostgreSQL tsvector (English) -------


def match_clause(db: Session, query: str, *, any_word: bool = False) -> ColumnElement[bool] | None:
    """A WHERE clause selecting ideas that match ``query`` (all words, or any with any_word)."""
    terms = search.terms(query, any_word=any_word)
    if not terms:
        return None
    if db.get_bind().dialect.name == "postgresql":
        tsquery = _pg_tsquery(terms, any_word=any_word)
        return literal_column("idea.search_vector").op("@@")(tsquery)
    ids = core_select(_fts.c.rowid).where(
        text("idea_fts MATCH :fts_q").bindparams(fts_q=search.fts5_query(terms, any_word=any_word))
    )
    return col(Idea.id).in_(ids)


def _pg_tsquery(terms: list[str], *, any_word: bool, pairs: Sequence[tuple[str, str]] = ()) -> Any:
    """One ``to_tsquery`` of the words, each stemmed by the English configuration (as
    ``plainto_tsquery`` would): joined with OR or AND, or (``pairs``) each pair's words
    joined with AND and the pairs with OR. One call with one bound parameter: 28 pairs as 56
    ``plainto_tsquery`` calls built and compiled a new statement on every idea page (most
    of that page's CPU on PostgreSQL)."""
    if pairs:
        query = " | ".join("(" + " & ".join(_lexeme(w) for w in pair) + ")" for pair in pairs)
    else:
        query = (" | " if any_word else " & ").join(_lexeme(t) for t in terms)
    # A scalar subquery, so PostgreSQL works it out once per statement: psycopg prepares a
    # statement run five times, and a generic plan re-parsed ``to_tsquery($1)`` for every
    # row it filtered (46 ms instead of 4 ms for "tried elsewhere" at 3,000 ideas).
    return core_select(func.to_tsquery("english", query)).scalar_subquery()


def _lexeme(word: str) -> str:
    # Words are letters and digits (search.words); anything else is dropped all the same, so
    # typed text can never be tsquery syntax.
    return "'" + "".join(c for c in word if c.isalnum()) + "'"


#: Done, published ideas, written out so that PostgreSQL matches its partial index
#: ``ix_idea_search_done`` (a bound parameter would hide the values from the planner).
_DONE_AND_PUBLISHED = "idea.status = 'done' AND idea.visibility = 'published'"


#: How many of the newest done matches PostgreSQL scores for "tried elsewhere".
RANKED_AT_MOST = 200


def ranked_ids(
    db: Session,
    query: str,
    *,
    limit: int,
    any_word: bool = True,
    done_only: bool = False,
    two_words: bool = False,
) -> list[tuple[int, float]]:
    """Ids best matching ``query`` with a score (higher is better): any idea, published or
    not, or with ``done_only`` only done, published ideas (the "tried elsewhere" panel). With
    ``two_words`` and three words or more, an idea must hold at least two of them: far fewer
    rows to rank than any one common word matches. For ``done_only`` PostgreSQL scores only
    the newest ``RANKED_AT_MOST`` matches, so common words cannot make an idea page slow."""
    terms = search.terms(query, any_word=any_word)
    if not terms:
        return []
    postgres = db.get_bind().dialect.name == "postgresql"
    if postgres and two_words:
        # A pair with a word PostgreSQL drops would match every idea with the other word:
        # hundreds of rows ranked for a few kept (a sequential scan of the done ideas).
        terms = [t for t in terms if t not in search.POSTGRES_STOPWORDS] or terms
    # The first eight words, as "tried elsewhere" compares (at most 28 pairs).
    pairs = list(combinations(terms[:8], 2)) if two_words and any_word and len(terms) >= 3 else []
    if postgres:
        if pairs:
            tsquery = _pg_tsquery([], any_word=True, pairs=pairs)
        else:
            tsquery = _pg_tsquery(terms, any_word=any_word)
        vector: Any = literal_column("idea.search_vector")
        matches = core_select(col(Idea.id).label("id"), vector.label("v")).where(
            vector.op("@@")(tsquery)
        )
        if done_only:
            # Only the newest done matches are scored, and with ``ts_rank``: ``ts_rank_cd``
            # over every match of 28 pairs made an idea page wait 58 ms for the database at
            # 3,000 ideas, 10 ms over 200 matches, ``ts_rank`` 2 ms (docs/performance.md).
            # Finding the matches is the index's work; ordering them by id needs no vector.
            matches = matches.where(text(_DONE_AND_PUBLISHED))
            # Newest by ``id + 0``, which the primary key's index cannot give: a walk down
            # that index, testing each idea, found 200 matches quickly here but would read
            # every idea when matches are rare; the done ideas' own index finds them all.
            matches = matches.order_by((col(Idea.id) + 0).desc()).limit(RANKED_AT_MOST)
        found = matches.subquery("m")
        # Cover density (how close the words sit) for similar ideas, where it tells a
        # near-duplicate apart; plain frequency is enough to say "tried elsewhere".
        ranking = func.ts_rank if done_only else func.ts_rank_cd
        rank = ranking(found.c.v, tsquery, 32)
        rows = db.execute(
            core_select(found.c.id, rank.label("score"))
            .order_by(rank.desc(), found.c.id.desc())
            .limit(limit)
        ).all()
        return [(int(r[0]), float(r[1])) for r in rows]
    if pairs:
        match = " OR ".join(f"({search.fts5_query(list(p), any_word=False)})" for p in pairs)
    else:
        match = search.fts5_query(terms, any_word=any_word)
    params = {"q": match, "n": limit}
    if not done_only:
        rows = db.execute(
            text(
                "SELECT rowid, -bm25(idea_fts, 3.0, 1.0, 0.5) AS score FROM idea_fts "
                "WHERE idea_fts MATCH :q "
                "ORDER BY bm25(idea_fts, 3.0, 1.0, 0.5), rowid DESC LIMIT :n"
            ),
            params,
        ).all()
    else:
        # The matches first, materialised, then the done ones among them: a status filter
        # inside the FTS5 query made SQLite run the MATCH once per done idea (50 s at 100k).
        rows = db.execute(
            text(
                "WITH m AS MATERIALIZED (SELECT rowid AS id, bm25(idea_fts, 3.0, 1.0, 0.5) AS s "
                "FROM idea_fts WHERE idea_fts MATCH :q) "
                "SELECT m.id, -m.s AS score FROM m JOIN idea ON idea.id = m.id "
                f"WHERE {_DONE_AND_PUBLISHED} ORDER BY m.s, m.id DESC LIMIT :n"
            ),
            params,
        ).all()
    return [(int(r[0]), float(r[1])) for r in rows]
