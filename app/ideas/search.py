"""Full-text search over ideas: SQLite FTS5 (porter stemming) or PostgreSQL tsvector (English
stemming). Both answer "which idea ids match, and how well"."""

import re
from typing import Any

from sqlalchemy import ColumnElement, column, func, literal_column, select, table, text
from sqlmodel import Session, col

from app.models import Idea

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_fts = table("idea_fts", column("rowid"))

#: Words too common to tell ideas apart; dropped from "similar ideas" look-ups only.
STOPWORDS = frozenset(
    """a an and are as at be but by can could do for from get have i if in into is it its me
    more my no not of on or our please should so some than that the their them there they this
    to too us very was we were what when where which while who why will with would you your
    """.split()  # noqa: SIM905 (a word list reads better as prose)
)


def words(query: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(query)][:32]


def _fts5_phrase(terms: list[str], joiner: str) -> str:
    # Each term quoted, so user input is never FTS5 syntax.
    return f" {joiner} ".join('"' + t.replace('"', "") + '"' for t in terms)


def match_clause(db: Session, query: str, *, any_word: bool = False) -> ColumnElement[bool] | None:
    """A WHERE clause selecting ideas that match ``query`` (all words, or any with any_word)."""
    terms = words(query)
    if any_word:
        terms = [t for t in terms if t not in STOPWORDS] or terms
    if not terms:
        return None
    if db.get_bind().dialect.name == "postgresql":
        tsquery = _pg_tsquery(terms, any_word=any_word)
        return literal_column("idea.search_vector").op("@@")(tsquery)
    joiner = "OR" if any_word else "AND"
    ids = select(_fts.c.rowid).where(
        text("idea_fts MATCH :fts_q").bindparams(fts_q=_fts5_phrase(terms, joiner))
    )
    return col(Idea.id).in_(ids)


def _pg_tsquery(terms: list[str], *, any_word: bool) -> Any:
    # plainto_tsquery stems each word and ignores any syntax; join them with OR or AND.
    parts = [func.plainto_tsquery("english", t) for t in terms]
    query: Any = parts[0]
    for part in parts[1:]:
        query = query.op("||" if any_word else "&&")(part)
    return query


def ranked_ids(
    db: Session, query: str, *, limit: int, any_word: bool = True
) -> list[tuple[int, float]]:
    """Published-or-not ids best matching ``query`` with a score (higher is better)."""
    terms = words(query)
    if any_word:
        terms = [t for t in terms if t not in STOPWORDS] or terms
    if not terms:
        return []
    if db.get_bind().dialect.name == "postgresql":
        tsquery = _pg_tsquery(terms, any_word=any_word)
        vector: Any = literal_column("idea.search_vector")
        rank = func.ts_rank_cd(vector, tsquery, 32)
        rows = db.execute(
            select(col(Idea.id), rank.label("score"))
            .where(vector.op("@@")(tsquery))
            .order_by(rank.desc(), col(Idea.id).desc())
            .limit(limit)
        ).all()
        return [(int(r[0]), float(r[1])) for r in rows]
    joiner = "OR" if any_word else "AND"
    rows = db.execute(
        text(
            "SELECT rowid, -bm25(idea_fts, 3.0, 1.0, 0.5) AS score FROM idea_fts "
            "WHERE idea_fts MATCH :q ORDER BY bm25(idea_fts, 3.0, 1.0, 0.5), rowid DESC LIMIT :n"
        ),
        {"q": _fts5_phrase(terms, joiner), "n": limit},
    ).all()
    return [(int(r[0]), float(r[1])) for r in rows]
