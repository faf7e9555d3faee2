"""Risk and identifier screening for ideas and comments: a pure function, no I/O at call time.

``screen(text)`` reads what someone wrote and returns a :class:`Screening`:

- ``level``: ``none``, ``concern`` (a person should read it before it is public) or ``urgent``
  (imminent risk or ongoing abuse: alert the safeguarding contact now);
- ``findings``: what was found, each with its kind (``risk`` or ``identifier``), category,
  span (character offsets into the original text), a reason in plain words, and for risk the
  pattern family that matched and its level;
- ``redacted_text``: the text with every identifying detail replaced by a label
  (``[name]``, ``[phone number]``, ``[NHS number]``...). Risk wording is never redacted.

It is deterministic and explainable: precompiled regular expressions from the curated,
commented library in ``data/`` (``risk.toml``, ``textspeak.toml``, ``identifiers.toml`` and the
name lists) are matched against a normalised copy of the text (lower case, text-speak and
typos rewritten, whitespace collapsed) whose offsets map back to the original. Negation, idiom
and topic rules stop "the waiting is killing me" or "suicide prevention training" being
flagged. Screening never replaces a person reading the text: see docs/safety/screening.md.
"""

from __future__ import annotations

import bisect
import importlib
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import phonenumbers

__all__ = [
    "Finding",
    "Level",
    "LocalRiskPhrase",
    "LocalTerms",
    "Screening",
    "has_identifiers",
    "is_valid_nhs_number",
    "screen",
]

DATA_DIR = Path(__file__).with_name("data")


class Level(StrEnum):
    NONE = "none"
    CONCERN = "concern"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Level.NONE: 0, Level.CONCERN: 1, Level.URGENT: 2}

Kind = Literal["risk", "identifier"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the screener found. ``span`` is (start, end) in the original text."""

    kind: Kind
    category: str
    span: tuple[int, int]
    reason: str
    level: Level | None = None  # risk findings only
    family: str = ""  # the pattern family (risk) or rule (identifier) that matched
    text: str = ""  # the original text of the span


@dataclass(frozen=True, slots=True)
class Screening:
    level: Level
    findings: tuple[Finding, ...]
    redacted_text: str

    @property
    def risks(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind == "risk")

    @property
    def identifiers(self) -> tuple[Finding, ...]:
        """Identifying details removed from ``redacted_text`` ("we removed these")."""
        return tuple(f for f in self.findings if f.kind == "identifier")

    @property
    def held(self) -> bool:
        """True when a person must read the text before it is public."""
        return self.level is not Level.NONE


def has_identifiers(screening: Screening) -> bool:
    return any(f.kind == "identifier" for f in screening.findings)


@dataclass(frozen=True, slots=True)
class LocalRiskPhrase:
    """A local slang or coded risk phrase added by an admin, with its level and category."""

    phrase: str
    level: Level
    category: str = "local_phrase"
    reason: str = ""

    def __post_init__(self) -> None:
        level = Level(self.level)
        if level is Level.NONE:
            raise ValueError("a local risk phrase needs the level concern or urgent")
        object.__setattr__(self, "level", level)
        if not self.phrase.strip():
            raise ValueError("a local risk phrase cannot be empty")


@dataclass(frozen=True, slots=True)
class LocalTerms:
    """Terms an organisation adds without a release (from its admin pages and database).

    ``places``: local place names, redacted as ``[place]``. ``risk_phrases``: local risk
    wording. ``public_numbers``: phone numbers that are public (a local crisis line) and are
    never redacted. Frozen and hashable, so its compiled patterns are cached.
    """

    places: tuple[str, ...] = ()
    risk_phrases: tuple[LocalRiskPhrase, ...] = ()
    public_numbers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Accept any iterable (a list from a form, rows from a query) and keep it hashable.
        object.__setattr__(self, "places", tuple(p for p in self.places if p.strip()))
        object.__setattr__(self, "risk_phrases", tuple(self.risk_phrases))
        object.__setattr__(self, "public_numbers", tuple(self.public_numbers))


# ---------------------------------------------------------------------------------------------
# Data, loaded and compiled once at import.


def _load_toml(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open("rb") as f:
        return tomllib.load(f)


def _load_list(name: str) -> frozenset[str]:
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


_RISK = _load_toml("risk.toml")
_TEXTSPEAK = _load_toml("textspeak.toml")
_IDS = _load_toml("identifiers.toml")
_MACROS: dict[str, str] = _RISK["macros"]


def _expand(pattern: str) -> str:
    for _ in range(5):  # macros may use macros
        new = re.sub(r"%([A-Z0-9_]+)%", lambda m: _MACROS[m.group(1)], pattern)
        if new == pattern:
            return new
        pattern = new
    return pattern


# ---------------------------------------------------------------------------------------------
# Normalisation with offsets mapped back to the original text.

_PUNCT = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u02bc": "'",
        "`": "'",
        "\u00b4": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)
_SPACES = re.compile(r"\s*\n\s*|\s{2,}|[^\S\n ]|([^\W\d_])\1{2,}")
_SPACES_HINT = re.compile(r"[^\S ]|  |([^\W\d_])\1\1")
_PHRASES: dict[str, str] = _TEXTSPEAK["phrases"]
_WORDS: dict[str, str] = _TEXTSPEAK["words"]
_PHRASE_RE = re.compile(
    r"(?<![\w'])(?:"
    + "|".join(re.escape(k) for k in sorted(_PHRASES, key=len, reverse=True))
    + r")(?![\w'])"
)
_TOKEN = re.compile(r"[\w'/]+")
_WORD_KEYS = frozenset(_WORDS)
_TOKEN_STRIP = re.compile(r"^'+|'+$")

Segments = list[tuple[int, int, int, int]]  # (new_start, new_end, old_start, old_end)


def _rewrite(
    s: str, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str | None]
) -> tuple[str, Segments]:
    out: list[str] = []
    segs: Segments = []
    last = 0
    shift = 0
    for m in pattern.finditer(s):
        r = repl(m)
        if r is None:
            continue
        a, b = m.span()
        out.append(s[last:a])
        out.append(r)
        segs.append((a + shift, a + shift + len(r), a, b))
        shift += len(r) - (b - a)
        last = b
    if not segs:
        return s, segs
    out.append(s[last:])
    return "".join(out), segs


def _map_back(segs: Segments, starts: list[int], p: int, *, end: bool) -> int:
    """Map an offset in a rewritten string to the string before the rewrite."""
    if not segs:
        return p
    q = p - 1 if end else p
    i = bisect.bisect_right(starts, q) - 1
    if i < 0:
        return p
    ns, ne, os_, oe = segs[i]
    if q < ne:  # inside a replaced piece: the whole original piece
        return oe if end else os_
    return q - ne + oe + (1 if end else 0)


class _Normalised:
    """The normalised text and the chain of rewrites that maps it back to the original."""

    __slots__ = ("_charmap", "_layers", "length", "text")

    def __init__(self, original: str) -> None:
        self.length = len(original)
        low, self._charmap = _lower(original)
        self._layers: list[tuple[Segments, list[int]]] = []
        s = low
        if _SPACES_HINT.search(s):
            s = self._apply(s, _SPACES, _space_repl)
        if " " in s or "/" in s:
            s = self._apply(s, _PHRASE_RE, lambda m: _PHRASES.get(m.group()))
        if not _WORD_KEYS.isdisjoint(_TOKEN.findall(s)):
            s = self._apply(s, _TOKEN, _word_repl)
        self.text = s

    def _apply(
        self, s: str, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str | None]
    ) -> str:
        new, segs = _rewrite(s, pattern, repl)
        if segs:
            self._layers.append((segs, [x[0] for x in segs]))
        return new

    def span(self, start: int, end: int) -> tuple[int, int]:
        a, b = start, end
        for segs, starts in reversed(self._layers):
            a = _map_back(segs, starts, a, end=False)
            b = _map_back(segs, starts, b, end=True)
        if self._charmap is not None:
            cm = self._charmap
            a = cm[a] if a < len(cm) else self.length
            b = cm[b - 1] + 1 if 0 < b <= len(cm) else (0 if b <= 0 else self.length)
        return a, max(a, b)


def _space_repl(m: re.Match[str]) -> str:
    if m.group(1):
        return m.group(1)
    return "\n" if "\n" in m.group() else " "


def _word_repl(m: re.Match[str]) -> str | None:
    return _WORDS.get(m.group())


def _lower(text: str) -> tuple[str, list[int] | None]:
    """Lower-case, straighten quotes and dashes, NFKC; with a char map if lengths change."""
    if text.isascii():
        return text.lower(), None
    t = text.translate(_PUNCT)
    low = t.lower()
    if (
        len(low) == len(text)
        and unicodedata.is_normalized("NFKC", low)
        and not any(unicodedata.category(c) == "Cf" for c in low if not c.isascii())
    ):
        return low, None
    out: list[str] = []
    cmap: list[int] = []
    for i, ch in enumerate(t):
        if ch.isascii():
            piece = ch.lower()
        elif unicodedata.category(ch) == "Cf":  # zero-width characters hide words
            continue
        else:
            piece = unicodedata.normalize("NFKC", ch).lower().translate(_PUNCT)
        out.append(piece)
        cmap.extend([i] * len(piece))
    return "".join(out), cmap


def normalise(text: str) -> str:
    """The normalised copy of ``text`` that risk patterns are matched against."""
    return _Normalised(text).text


# ---------------------------------------------------------------------------------------------
# Required literal factors: a family's regex runs only if one of its factors is in the text.
# Computed from the parsed pattern, so it can never be out of step with it; if a pattern
# cannot be analysed, its family always runs.


# Words so common that a factor made only of them would let a family run on almost any text.
_COMMON = frozenset(
    [
        "a",
        "about",
        "all",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "do",
        "for",
        "from",
        "get",
        "go",
        "going",
        "got",
        "had",
        "has",
        "have",
        "he",
        "her",
        "here",
        "him",
        "his",
        "how",
        "i",
        "i'd",
        "i'll",
        "i'm",
        "i've",
        "if",
        "in",
        "is",
        "it",
        "it's",
        "just",
        "like",
        "me",
        "my",
        "no",
        "not",
        "now",
        "of",
        "on",
        "one",
        "or",
        "our",
        "out",
        "said",
        "say",
        "says",
        "she",
        "so",
        "some",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "they",
        "this",
        "to",
        "too",
        "up",
        "us",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
        "want",
        "feel",
        "time",
        "day",
        "ward",
        "room",
        "staff",
        "down",
        "back",
        "over",
        "off",
        "did",
        "don't",
        "can't",
        "won't",
        "really",
        "still",
        "even",
        "much",
        "more",
        "could",
        "should",
        "might",
        "well",
        "after",
        "like",
        "care",
        "long",
        "nothing",
        "need",
        "help",
        "people",
        "think",
        "know",
        "make",
        "good",
        "last",
        "next",
        "other",
        "also",
        "only",
        "ever",
        "every",
    ]
)


def _rarity(factor: str) -> int:
    """How selective a literal factor is: its length, or 1 if it is only common words."""
    words = factor.split()
    if not words:
        return 0
    rare = [len(w) for w in words if w not in _COMMON]
    return max(rare) if rare else 1


def _factors(pattern: str) -> frozenset[str] | None:
    try:
        # Private modules of re, reached by name so type checkers do not depend on them.
        c = importlib.import_module("re._constants")
        _parser = importlib.import_module("re._parser")

        tree = _parser.parse(pattern)
    except Exception:  # pragma: no cover - a future Python without these internals
        return None

    limit = 64

    def alts(op: Any, av: Any) -> list[tuple[str, bool]] | None:
        """Literal strings every match of this node starts with (complete: the whole match)."""
        if op is c.LITERAL:
            return [(chr(av), True)]
        if op is c.SUBPATTERN:
            return alts_seq(av[-1])
        if op is c.BRANCH:
            out: list[tuple[str, bool]] = []
            for b in av[1]:
                a = alts_seq(b)
                if a is None:
                    return None
                out += a
            return out if len(out) <= limit else None
        return None

    def alts_seq(items: Iterable[tuple[Any, Any]]) -> list[tuple[str, bool]] | None:
        res = [("", True)]
        for op, av in items:
            a = alts(op, av)
            if a is None or len(res) * len(a) > limit:
                return [(x, False) for x, _ in res]
            res = [(x + y, done) for x, _ in res for y, done in a]
            if not all(done for _, done in res):
                return [(x, False) for x, _ in res]
        return res

    def seq(items: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
        options: list[frozenset[str]] = []
        run = [""]  # strings that must appear, contiguous, ending here
        for op, av in items:
            a = alts(op, av)
            if a is not None and len(run) * len(a) <= limit:
                new = [x + y for x in run for y, _ in a]
                if all(done for _, done in a):
                    run = new
                    continue
                options.append(frozenset(new))
                run = [""]
            elif any(run):
                options.append(frozenset(run))
                run = [""]
            f = node(op, av)
            if f is not None:
                options.append(f)
        if any(run):
            options.append(frozenset(run))
        if not options:
            return None
        return max(options, key=lambda o: (min(min(_rarity(x) for x in o), 6), -len(o)))

    def node(op: Any, av: Any) -> frozenset[str] | None:
        if op is c.SUBPATTERN:
            return seq(av[-1])
        if op is c.ATOMIC_GROUP:
            return seq(av)
        if op is c.BRANCH:
            subs = [seq(b) for b in av[1]]
            if any(s is None for s in subs):
                return None
            return frozenset().union(*(s for s in subs if s is not None))
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            lo, _hi, sub = av
            return seq(sub) if lo >= 1 else None
        return None

    return seq(tree)


# ---------------------------------------------------------------------------------------------
# Risk families.


def _anchor(factor: str) -> tuple[str, bool]:
    """The rarest-looking word of a literal factor (any part of a factor is also required).

    Returns (word, whole): whole if the factor has spaces on both sides of the word, so the
    word is then a whole space-separated token of the text and can be looked up in a set.
    """
    parts = factor.split(" ")
    options = [(w, 0 < i < len(parts) - 1) for i, w in enumerate(parts) if w]
    if not options:
        return factor, False
    rare = [o for o in options if o[0] not in _COMMON] or options
    return max(rare, key=lambda o: len(o[0]) + (2 if o[1] else 0))


@dataclass(frozen=True, slots=True)
class _Pattern:
    regex: re.Pattern[str]
    anchors: frozenset[str] | None  # run only if one of these is in the text; None: always
    words: frozenset[str] = frozenset()  # ... or one of these is a whole word of it


@dataclass(frozen=True, slots=True)
class _Family:
    name: str
    category: str
    level: Level
    reason: str
    patterns: tuple[_Pattern, ...]
    subject: str = "self"
    negation: str = "drop"
    negated_reason: str = ""
    historical: str = "keep"
    historical_reason: str = ""
    escalate: tuple[str, ...] = ()
    escalated_category: str = ""
    escalated_reason: str = ""
    staff_category: str = ""


def _compile_pattern(pattern: str) -> _Pattern:
    factors = _factors(pattern)
    if factors is None or not all(factors):
        return _Pattern(re.compile(pattern), None)
    found = [_anchor(f) for f in factors]
    return _Pattern(
        re.compile(pattern),
        frozenset(w for w, whole in found if not whole),
        frozenset(w for w, whole in found if whole),
    )


def _compile_family(d: dict[str, Any]) -> _Family:
    level = Level(d["level"])
    return _Family(
        name=d["name"],
        category=d["category"],
        level=level,
        reason=d["reason"],
        patterns=tuple(_compile_pattern(_expand(p)) for p in d["patterns"]),
        subject=d.get("subject", "self"),
        negation=d.get("negation", "drop"),
        negated_reason=d.get("negated_reason", ""),
        historical=d.get("historical", "keep"),
        historical_reason=d.get("historical_reason", ""),
        escalate=tuple(d.get("escalate", ())),
        escalated_category=d.get("escalated_category", d["category"]),
        escalated_reason=d.get("escalated_reason", d["reason"]),
        staff_category=d.get("staff_category", ""),
    )


FAMILIES: tuple[_Family, ...] = tuple(_compile_family(d) for d in _RISK["family"])
_ANCHORS = frozenset().union(*(p.anchors or () for f in FAMILIES for p in f.patterns))
_FAMILY_INDEX = {f.name: i for i, f in enumerate(FAMILIES)}
_MODIFIERS = {k: re.compile(_expand(v)) for k, v in _RISK["modifiers"].items()}
_NEGATION = re.compile(_RISK["negation"]["pattern"])
_NEGATION_EXCEPTIONS = re.compile(_RISK["negation"]["exceptions"])
_CLAUSE = re.compile(_RISK["clauses"]["pattern"])
_SENTENCE = re.compile(r"[.!?\n]")
_HISTORICAL = re.compile(_RISK["historical"]["pattern"])
_SUBJECT = re.compile(
    "|".join(f"(?P<{k}>{_RISK['subjects'][k]})" for k in ("third", "generic", "first"))
)
_FIRST_PERSON_START = re.compile(_RISK["subjects"]["first"])
_FIRST_PERSON_IN = re.compile(r"\b(?:me|myself|my|i|i'm|i've|i'll|i'd)\b")
_INNER_NEGATION = re.compile(r"\b(?:not|never|no longer) (?:[\w']+ )?suicidal\b")
_STAFF = re.compile(r"\b" + _expand("%STAFF%") + r"\b")
_ALLOW = tuple(_compile_pattern(_expand(p)) for a in _RISK["allow"] for p in a["patterns"])


@dataclass(slots=True)
class _Candidate:
    start: int
    end: int
    level: Level
    category: str
    reason: str
    family: str
    order: int


def _clause_start(norm: str, s: int) -> int:
    lo = max(0, s - 120)
    start = lo
    for m in _CLAUSE.finditer(norm, lo, s):
        start = m.end()
    return start


def _sentence_bounds(norm: str, s: int, e: int) -> tuple[int, int]:
    a = max(norm.rfind(ch, 0, s) for ch in ".!?\n") + 1
    m = _SENTENCE.search(norm, e)
    return a, (m.start() if m else len(norm))


def _subject(pre: str, matched: str) -> str | None:
    # "I want to die", "everyone would be better off without me": about the writer
    if _FIRST_PERSON_START.match(matched) or _FIRST_PERSON_IN.search(matched):
        return "first"
    last = None
    for m in _SUBJECT.finditer(pre):
        last = m.lastgroup
    return last


def _negated(pre: str) -> bool:
    tail = pre[-60:]
    return bool(_NEGATION.search(tail)) and not _NEGATION_EXCEPTIONS.search(tail)


class _Allowed:
    """Idiom and topic spans, computed only if something risky was matched."""

    __slots__ = ("_norm", "_spans")

    def __init__(self, norm: str) -> None:
        self._norm = norm
        self._spans: list[tuple[int, int]] | None = None

    def overlaps(self, s: int, e: int) -> bool:
        if self._spans is None:
            norm = self._norm
            words = frozenset(norm.split())
            self._spans = [
                m.span()
                for p in _ALLOW
                if p.anchors is None
                or not (p.words.isdisjoint(words) and not any(a in norm for a in p.anchors))
                for m in p.regex.finditer(norm)
            ]
        return any(a < e and s < b for a, b in self._spans)


def _risk_candidates(norm: str, families: Sequence[_Family], allowed: _Allowed) -> list[_Candidate]:
    out: list[_Candidate] = []
    present = frozenset(a for a in _ANCHORS if a in norm)
    words = frozenset(norm.split())
    for order, fam in enumerate(families):
        for m in _matches(fam, norm, present, words):
            s, e = m.span()
            if s == e or allowed.overlaps(s, e):
                continue
            cs = _clause_start(norm, s)
            pre = norm[cs:s]
            level, category, reason = fam.level, fam.category, fam.reason
            third = False
            if fam.subject != "any":
                subj = _subject(pre, m.group())
                if subj == "generic":
                    continue  # "people who self-harm": a topic, not a disclosure
                if fam.subject == "third" and subj == "first":
                    continue
                if fam.subject == "self" and subj == "third":
                    third = True
                    category = "someone_else_at_risk"
                    reason = "About someone else: " + reason[0].lower() + reason[1:]
            negated = fam.negation != "keep" and _negated(pre)
            if fam.negation == "concern" and _INNER_NEGATION.search(m.group()):
                negated = True  # "I'm not suicidal": still read by a person
            if negated:
                if fam.negation == "drop":
                    continue
                level = Level.CONCERN
                reason = fam.negated_reason or reason
            if fam.historical == "concern" or fam.staff_category:
                a, b = _sentence_bounds(norm, s, e)
                sentence = norm[a:b]
                if fam.staff_category and _STAFF.search(sentence):
                    category = fam.staff_category
                if (
                    fam.historical == "concern"
                    and level is Level.URGENT
                    and _HISTORICAL.search(sentence)
                ):
                    level = Level.CONCERN
                    reason = fam.historical_reason or reason
            if level is Level.CONCERN and fam.escalate and not negated:
                lo, hi = max(0, s - 60), min(len(norm), e + 100)
                if any(_MODIFIERS[k].search(norm, lo, hi) for k in fam.escalate):
                    level = Level.URGENT
                    if not third:
                        category = fam.escalated_category
                    reason = fam.escalated_reason
            out.append(_Candidate(s, e, level, category, reason, fam.name, order))
    return out


def _matches(
    fam: _Family, norm: str, present: frozenset[str], words: frozenset[str]
) -> Iterator[re.Match[str]]:
    for p in fam.patterns:
        if p.anchors is None or not (p.anchors.isdisjoint(present) and p.words.isdisjoint(words)):
            yield from p.regex.finditer(norm)


def _select(cands: list[_Candidate]) -> list[_Candidate]:
    """Keep the highest level where findings overlap; the first family on ties."""
    kept: list[_Candidate] = []
    for c in sorted(cands, key=lambda c: (-c.level.rank, c.order, c.start)):
        if not any(k.start < c.end and c.start < k.end for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


# ---------------------------------------------------------------------------------------------
# Local terms.


@dataclass(frozen=True, slots=True)
class _CompiledLocal:
    places: re.Pattern[str] | None
    phrases: re.Pattern[str] | None
    by_phrase: dict[str, LocalRiskPhrase]
    public_numbers: frozenset[str]


def _phrase_regex(words: Iterable[str], *, flags: int = 0) -> re.Pattern[str] | None:
    parts = sorted({w for w in words if w}, key=len, reverse=True)
    if not parts:
        return None
    body = "|".join(r"\s+".join(re.escape(p) for p in w.split()) for w in parts)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", flags)


@lru_cache(maxsize=64)
def _compile_local(terms: LocalTerms) -> _CompiledLocal:
    by_phrase = {normalise(p.phrase).strip(): p for p in terms.risk_phrases}
    return _CompiledLocal(
        places=_phrase_regex((p.strip() for p in terms.places), flags=re.IGNORECASE),
        phrases=_phrase_regex(by_phrase),
        by_phrase=by_phrase,
        public_numbers=frozenset(_uk_digits(n) for n in terms.public_numbers),
    )


def _local_candidates(
    norm: str, local: _CompiledLocal, allowed: _Allowed, order: int
) -> list[_Candidate]:
    out: list[_Candidate] = []
    if local.phrases is None:
        return out
    for m in local.phrases.finditer(norm):
        s, e = m.span()
        phrase = local.by_phrase.get(re.sub(r"\s+", " ", m.group()))
        if phrase is None or allowed.overlaps(s, e):
            continue
        level = phrase.level
        reason = (
            phrase.reason
            or f"Matches a local risk phrase added by this organisation ({phrase.category})"
        )
        if _negated(norm[_clause_start(norm, s) : s]):
            if level is Level.CONCERN:
                continue
            level = Level.CONCERN
            reason = "Denies a local risk phrase; a person should still read it"
        out.append(_Candidate(s, e, level, phrase.category, reason, "local_terms", order))
    return out


# ---------------------------------------------------------------------------------------------
# Identifiers. Each detector returns (start, end, category, reason, rule) on the original text.

_LABELS = {
    "name": "[name]",
    "phone_number": "[phone number]",
    "nhs_number": "[NHS number]",
    "email_address": "[email address]",
    "postcode": "[postcode]",
    "date_of_birth": "[date of birth]",
    "address": "[address]",
    "place": "[place]",
}
_PRIORITY = (
    "email_address",
    "nhs_number",
    "phone_number",
    "date_of_birth",
    "postcode",
    "address",
    "place",
    "name",
)
_Hit = tuple[int, int, str, str, str]


def is_valid_nhs_number(number: str) -> bool:
    """True if ``number`` (10 digits, any spaces or dashes) passes the modulus-11 check."""
    digits = [int(ch) for ch in number if ch in "0123456789"]
    if len(digits) != 10 or len(re.sub(r"[\d\s\-.]", "", number)):
        return False
    total = sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == digits[9]


_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9](?:[ \-.]?[0-9])*")
_GROUP = re.compile(r"[0-9]+")


def _nhs_numbers(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for run in _DIGIT_RUN.finditer(text):
        r = run.group()
        n = sum(ch.isdigit() for ch in r)
        if n < 10:
            continue
        if n == 10:
            spans = [run.span()]
        else:
            # a longer run of groups ("943 476 5919 2 times"): try whole groups summing to 10
            if r[0] == "0" or text[max(0, run.start() - 1) : run.start()] in ("+", "("):
                continue
            groups = [(g.start(), g.end()) for g in _GROUP.finditer(r)]
            spans = []
            for i in range(len(groups)):
                total = 0
                for j in range(i, len(groups)):
                    total += groups[j][1] - groups[j][0]
                    if total == 10:
                        spans.append((run.start() + groups[i][0], run.start() + groups[j][1]))
                    if total >= 10:
                        break
        for a, b in spans:
            if is_valid_nhs_number(text[a:b]):
                hits.append((a, b, "nhs_number", "An NHS number (the check digit is valid)", "nhs"))
    return hits


_PHONE_RUN = re.compile(r"(?<![\w+])(?:\+ ?|\b00)?\(?[0-9](?:[ \-.()]{0,3}[0-9]){8,14}")
_UK_PHONE = re.compile(r"^(?:\+ ?44|0044|\(?0)")
_PUBLIC_NUMBERS = frozenset(_IDS["phone"]["public_numbers"])


def _uk_digits(s: str) -> str:
    d = re.sub(r"\D", "", s)
    if s.lstrip().startswith("+44") or d.startswith("0044"):
        d = "0" + d[2:] if not d.startswith("0044") else "0" + d[4:]
        d = d.replace("00", "0", 1) if d.startswith("00") else d
    return d


def _phone_numbers(text: str, public: frozenset[str]) -> list[_Hit]:
    hits: list[_Hit] = []
    reason = "A phone number"
    for run in _PHONE_RUN.finditer(text):
        chunk = run.group()
        if sum(ch.isdigit() for ch in chunk) < 10:
            continue
        found = False
        for pm in phonenumbers.PhoneNumberMatcher(
            chunk, "GB", leniency=phonenumbers.Leniency.POSSIBLE
        ):
            raw = pm.raw_string
            if sum(ch.isdigit() for ch in raw) < 10:
                continue
            found = True
            if _uk_digits(raw) in public:
                continue
            a = run.start() + pm.start
            hits.append((a, a + len(raw), "phone_number", reason, "phonenumbers"))
        if not found and _UK_PHONE.match(chunk):
            digits = _uk_digits(chunk)
            if 10 <= len(digits) <= 11 and digits not in public:
                hits.append((run.start(), run.end(), "phone_number", reason, "uk_format"))
    return hits


_EMAIL = re.compile(r"[\w.%+\-']+@[\w\-]+(?:\.[\w\-]+)+")
_POSTCODE = re.compile(
    r"\b(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
    r" ?(?![0-9](?:st|nd|rd|th)\b)[0-9][ABD-HJLNP-UW-Z]{2}\b",
    re.IGNORECASE,
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = (
    r"(?:[0-3]?[0-9][/.\-][01]?[0-9][/.\-](?:19|20)?[0-9]{2}"
    r"|(?:19|20)[0-9]{2}[/.\-][01]?[0-9][/.\-][0-3]?[0-9]"
    rf"|[0-3]?[0-9](?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+(?:19|20)[0-9]{{2}}"
    rf"|{_MONTH}\.?\s+[0-3]?[0-9](?:st|nd|rd|th)?,?\s+(?:19|20)[0-9]{{2}})"
)
_DOB = re.compile(
    r"\b(?:d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|birth\s*date|born|birthday|b[\-\s]?day)"
    r"(?:\s+(?:is|was|on|the|:)|\s*[:\-=])*\s*"
    rf"(?P<date>{_DATE}|(?<=born in ){_MONTH}\s+(?:19|20)[0-9]{{2}})(?![0-9])",
    re.IGNORECASE,
)
_DOB_AFTER = re.compile(
    rf"(?P<date>{_DATE})\s*\(?\s*(?:my\s+|his\s+|her\s+)?(?:d\.?o\.?b\b|date\s+of\s+birth)",
    re.IGNORECASE,
)
_STREET = (
    r"(?:street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|crescent|cres|court|ct|place"
    r"|pl|grove|gardens|gdns|terrace|tce|park|square|sq|walk|mews|row|hill|view|rise|green"
    r"|parade|vale|wharf|quay|boulevard|croft|fold|garth|chase|meadows?|heights)"
)
_NOT_STREET_WORD = (
    r"(?!(?:minutes?|mins?|hours?|hrs?|miles?|seconds?|days?|weeks?|months?|years?|times?|car"
    r"|more|of|the|a|an|in|on|to|for|and|or|at|people|patients|staff|beds?|extra|new|other"
    r"|nights?|steps?|metres?|meters?|yards?|floors?|km|way)\b)"
)
_ADDRESS = re.compile(
    r"\b(?:(?:flat|apartment|apt|unit)\s+[0-9]+[a-z]?\s*,?\s*"
    r"(?:[a-z]+\s+(?:house|court|lodge|mansions|tower|heights|building)\s*,?\s*)?)?"
    r"[0-9]{1,4}[a-z]?,?\s+"
    rf"(?:{_NOT_STREET_WORD}[a-z][a-z'\-]*\s+){{1,3}}{_STREET}\b\.?",
    re.IGNORECASE,
)


def _emails(text: str) -> list[_Hit]:
    if "@" not in text:
        return []
    return [
        (*m.span(), "email_address", "An email address", "email") for m in _EMAIL.finditer(text)
    ]


def _postcodes(text: str) -> list[_Hit]:
    return [(*m.span(), "postcode", "A UK postcode", "postcode") for m in _POSTCODE.finditer(text)]


_DOB_HINT = re.compile(r"dob|d\.o\.b|birth|born|b[\-\s]?day", re.IGNORECASE)


def _dates_of_birth(text: str) -> list[_Hit]:
    if not _DOB_HINT.search(text):
        return []
    reason = "A date of birth"
    hits = [(*m.span("date"), "date_of_birth", reason, "dob") for m in _DOB.finditer(text)]
    hits += [(*m.span("date"), "date_of_birth", reason, "dob") for m in _DOB_AFTER.finditer(text)]
    return hits


def _addresses(text: str) -> list[_Hit]:
    return [(*m.span(), "address", "A street address", "address") for m in _ADDRESS.finditer(text)]


# Names ---------------------------------------------------------------------------------------

_NAMES = _IDS["names"]
FIRST_NAMES = _load_list("first_names.txt")
SURNAMES = _load_list("surnames.txt")
_WORD_LIKE = frozenset(_NAMES["word_like"])
_CONTEXT_ONLY = frozenset(_NAMES["context_only"])
_NOT_NAMES = frozenset(_NAMES["not_names"])
_PLACE_SUFFIXES = frozenset(_NAMES["place_suffixes"])
_PLACE_PREFIXES = frozenset(p.rstrip(".") for p in _NAMES["place_prefixes"])
_TITLES = frozenset(t.rstrip(".") for t in _NAMES["titles"])
_ROLE_WORDS: frozenset[tuple[str, ...]] = frozenset(
    tuple(r.split()) for r in [*_NAMES["roles"], *_NAMES["titles"]]
)
_ROLE_FIRST = frozenset(r[0].rstrip(".") for r in _ROLE_WORDS)
_ROLE_SINGLE = frozenset(r[0].rstrip(".") for r in _ROLE_WORDS if len(r) == 1)
_CONNECTORS: tuple[tuple[str, ...], ...] = tuple(
    sorted((tuple(c.split()) for c in _NAMES["connectors"]), key=len, reverse=True)
)
_NAME_TOKEN = re.compile(r"[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*")
_SENTENCE_END = ".!?\n:;*\u2022"


_ROLES_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _role in sorted(_ROLE_WORDS, key=len, reverse=True):
    _ROLES_BY_FIRST.setdefault(_role[0].rstrip("."), []).append(tuple(w.rstrip(".") for w in _role))
_NAME_VOCAB = FIRST_NAMES | SURNAMES | frozenset(_ROLES_BY_FIRST)


class _Toks:
    """Word tokens of the original text, as parallel lists (cheap to build)."""

    __slots__ = ("ends", "lows", "n", "starts", "text", "words")

    def __init__(self, text: str, matches: list[re.Match[str]], lows: list[str]) -> None:
        self.text = text
        self.starts = [m.start() for m in matches]
        self.ends = [m.end() for m in matches]
        self.words = [m.group() for m in matches]
        self.lows = lows
        self.n = len(matches)

    def cap(self, i: int) -> bool:
        """Capitalised ("Sarah", "McDonald"), not ALL CAPITALS."""
        w = self.words[i]
        return w[0].isupper() and not (len(w) > 1 and w.isupper())

    def upper(self, i: int) -> bool:
        w = self.words[i]
        return len(w) > 1 and w.isupper()

    def gap(self, i: int, j: int, *, dot: bool = False) -> bool:
        """Only spaces (and a full stop after a title, or a comma) between tokens i and j."""
        between = self.text[self.ends[i] : self.starts[j]]
        if dot:
            between = between.replace(".", "", 1).replace(",", "", 1)
        return len(between) <= 3 and between.strip(" \t") == ""

    def sentence_start(self, i: int) -> bool:
        text = self.text
        j = self.starts[i] - 1
        while j >= 0 and text[j] in " \t\"'\u201c\u2018([":
            j -= 1
        return j < 0 or text[j] in _SENTENCE_END

    def placeish(self, i: int, j: int) -> bool:
        """Tokens i..j are part of a place name ("Willow Ward", "St Mary's")."""
        if j + 1 < self.n and self.lows[j + 1] in _PLACE_SUFFIXES and self.cap(j + 1):
            return True
        return i > 0 and self.lows[i - 1] in _PLACE_PREFIXES and self.cap(i - 1)

    def name_after_role(self, i: int) -> bool:
        low = self.lows[i]
        if low in _NOT_NAMES or low in _ROLE_SINGLE or len(low) < 2:
            return False
        if self.cap(i):
            return True
        return (low in FIRST_NAMES or low in SURNAMES) and low not in _WORD_LIKE


_NOT_NAME_PHRASES = re.compile(
    "|".join(
        r"\b" + r"\s+".join(map(re.escape, p.split())) + r"\b" for p in _NAMES["not_name_phrases"]
    ),
    re.IGNORECASE,
)


_NOT_NAME_FIRST = frozenset(re.split(r"\W", p)[0] for p in _NAMES["not_name_phrases"])


def _names(text: str) -> list[_Hit]:
    matches = list(_NAME_TOKEN.finditer(text))
    lows = [m.group().lower() for m in matches]
    if _NAME_VOCAB.isdisjoint(lows):
        return []
    blocked = []
    if not _NOT_NAME_FIRST.isdisjoint(lows):
        blocked = [m.span() for m in _NOT_NAME_PHRASES.finditer(text)]
    if blocked:
        keep = [k for k, m in enumerate(matches) if not any(a <= m.start() < b for a, b in blocked)]
        matches = [matches[k] for k in keep]
        lows = [lows[k] for k in keep]
    t = _Toks(text, matches, lows)
    n = t.n
    hits: list[_Hit] = []
    used: set[int] = set()
    # 1. after a title or role: "Dr Patel", "Nurse Kelly Brown", "a HCA named Bev"
    role_at = [k for k, low in enumerate(lows) if low in _ROLES_BY_FIRST]
    skip_to = 0
    for i in role_at:
        if i < skip_to:
            continue
        roles = _ROLES_BY_FIRST[lows[i]]
        role_end = -1
        for role in roles:  # longest first
            k = len(role)
            if (
                i + k <= n
                and all(lows[i + x] == role[x] for x in range(1, k))
                and all(t.gap(i + x, i + x + 1) for x in range(k - 1))
            ):
                role_end = i + k - 1
                break
        if role_end < 0:
            continue
        j = role_end + 1
        for conn in _CONNECTORS:
            k = len(conn)
            if j + k <= n and all(lows[j + x] == conn[x] for x in range(k)):
                j += k
                break
        if j < n and lows[j] in _TITLES and t.gap(j - 1, j, dot=True):
            j += 1  # "consultant Dr. Amir Khan"
        name_start = j
        while j < n and j - name_start < 3 and t.gap(j - 1, j, dot=True) and t.name_after_role(j):
            j += 1
        if j > name_start and not t.placeish(name_start, j - 1):
            a, b = t.starts[name_start], t.ends[j - 1]
            hits.append((a, b, "name", "A person's name after a title or role", "title_or_role"))
            used.update(range(name_start, j))
        skip_to = j
    # 2. first name + surname, and names on their own
    for i in [k for k, low in enumerate(lows) if low in FIRST_NAMES or low in SURNAMES]:
        low = lows[i]
        if i in used or len(low) < 2 or low in _NOT_NAMES:
            continue
        first = low in FIRST_NAMES
        if not (first or low in SURNAMES):
            continue
        cap = t.cap(i)
        plain = low not in _WORD_LIKE and low not in _CONTEXT_ONLY
        nx = i + 1
        if first and nx < n and nx not in used and t.gap(i, nx) and lows[nx] not in _PLACE_SUFFIXES:
            nlow = lows[nx]
            pair = False
            if cap and t.cap(nx):
                pair = nlow in SURNAMES or (
                    plain and nlow not in _NOT_NAMES and nlow not in FIRST_NAMES
                )
            elif not cap and not t.cap(nx) and t.upper(i) == t.upper(nx):
                pair = plain and nlow in SURNAMES
            if pair and not t.placeish(i, nx):
                a, b = t.starts[i], t.ends[nx]
                hits.append((a, b, "name", "A person's first name and surname", "pair"))
                used.update((i, nx))
                continue
        if t.placeish(i, i):
            continue
        if first:
            if cap:
                ok = plain or (
                    low in _WORD_LIKE and low not in _CONTEXT_ONLY and not t.sentence_start(i)
                )
            else:
                ok = plain
        else:
            ok = cap and plain  # a surname on its own, if it is not an ordinary word
        if ok:
            hits.append((t.starts[i], t.ends[i], "name", "A person's name", "name_list"))
            used.add(i)
    return hits


def _places(text: str, local: _CompiledLocal | None) -> list[_Hit]:
    if local is None or local.places is None:
        return []
    reason = "A local place name added by this organisation"
    return [(*m.span(), "place", reason, "local_terms") for m in local.places.finditer(text)]


def _identifiers(text: str, local: _CompiledLocal | None) -> list[Finding]:
    public = _PUBLIC_NUMBERS | local.public_numbers if local else _PUBLIC_NUMBERS
    hits: list[_Hit] = [*_emails(text), *_places(text, local), *_names(text)]
    if _ANY_DIGIT.search(text):
        hits += _nhs_numbers(text)
        if _has_ten_digits(text):
            hits += _phone_numbers(text, public)
        hits += _dates_of_birth(text)
        hits += _postcodes(text)
        hits += _addresses(text)
    rank = {c: i for i, c in enumerate(_PRIORITY)}
    hits.sort(key=lambda h: (rank[h[2]], h[0], -h[1]))
    kept: list[_Hit] = []
    for h in hits:
        if (
            h[1] > h[0]
            and _bounded(text, h[0], h[1])
            and not any(k[0] < h[1] and h[0] < k[1] for k in kept)
        ):
            kept.append(h)
    # The same detail written again elsewhere ("Dr Lee ... Lee said") is removed there too.
    for h in list(kept):
        word = text[h[0] : h[1]]
        for m in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text):
            if not any(k[0] < m.end() and m.start() < k[1] for k in kept):
                kept.append(
                    (*m.span(), h[2], "The same detail appears elsewhere in the text", h[4])
                )
    kept.sort()
    return [
        Finding("identifier", c, (a, b), reason, None, rule, text[a:b])
        for a, b, c, reason, rule in kept
    ]


_ANY_DIGIT = re.compile(r"[0-9]")
_TEN_DIGITS = re.compile(r"[0-9](?:[^0-9]{0,3}[0-9]){9}")


def _has_ten_digits(text: str) -> bool:
    return _TEN_DIGITS.search(text) is not None


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what \w matches in a str pattern


def _bounded(text: str, a: int, b: int) -> bool:
    """False if the span is glued into a longer word or number ("A0000000000", "Sarah2"):
    such a piece is not a detail on its own, and cutting it out would make new words."""
    if a > 0 and _is_word_char(text[a]) and _is_word_char(text[a - 1]):
        return False
    return not (b < len(text) and _is_word_char(text[b - 1]) and _is_word_char(text[b]))


def _redact(text: str, identifiers: Sequence[Finding]) -> str:
    out: list[str] = []
    last = 0
    for f in identifiers:
        a, b = f.span
        out.append(text[last:a])
        out.append(_LABELS[f.category])
        last = b
    out.append(text[last:])
    return "".join(out)


# ---------------------------------------------------------------------------------------------


def screen(text: str, *, local_terms: LocalTerms | None = None) -> Screening:
    """Screen an idea or comment for risk of harm and identifying details.

    Pure and deterministic: the same text and local terms always give the same result.
    """
    local = _compile_local(local_terms) if local_terms is not None else None
    normalised = _Normalised(text)
    norm = normalised.text
    allowed = _Allowed(norm)
    cands = _risk_candidates(norm, FAMILIES, allowed)
    if local is not None:
        cands += _local_candidates(norm, local, allowed, len(FAMILIES))
    risks: list[Finding] = []
    for c in _select(cands):
        a, b = normalised.span(c.start, c.end)
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        risks.append(Finding("risk", c.category, (a, b), c.reason, c.level, c.family, text[a:b]))
    identifiers = _identifiers(text, local)
    level = max((f.level for f in risks if f.level), key=lambda lv: lv.rank, default=Level.NONE)
    findings = tuple(sorted((*risks, *identifiers), key=lambda f: (f.span, f.kind)))
    return Screening(level, findings, _redact(text, identifiers))
