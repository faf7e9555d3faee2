"""Search words: how typed text becomes search terms (the queries are in repository.py).

Both databases answer "which ideas match these terms, and how well": SQLite with FTS5 (porter
stemming), PostgreSQL with a tsvector (English stemming).
"""

import re

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

#: Words too common to tell ideas apart; dropped from "similar ideas" look-ups only.
STOPWORDS = frozenset(
    """a an and are as at be but by can could do for from get have i if in into is it its me
    more my no not of on or our please should so some than that the their them there they this
    to too us very was we were what when where which while who why will with would you your
    """.split()  # noqa: SIM905 (a word list reads better as prose)
)


def words(query: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(query)][:32]


def terms(query: str, *, any_word: bool) -> list[str]:
    """The words to look for; for an any-word search, without the very common ones."""
    found = words(query)
    if any_word:
        found = [t for t in found if t not in STOPWORDS] or found
    return found


def fts5_query(terms: list[str], *, any_word: bool) -> str:
    """An FTS5 MATCH expression: each term quoted, so user input is never FTS5 syntax."""
    joiner = " OR " if any_word else " AND "
    return joiner.join('"' + t.replace('"', "") + '"' for t in terms)
