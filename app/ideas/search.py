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


#: PostgreSQL's English stop words (its ``english.stop``, the Snowball list): its full-text
#: search drops them, so a pair holding one would ask for only the other word.
POSTGRES_STOPWORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now""".split()  # noqa: SIM905
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
