"""Password hashing and the password policy (OWASP ASVS L2, NIST SP 800-63B).

Every password is NFC-normalised before it is measured, hashed or verified, so a password
with accented letters matches however the user's device composes them.

Memory: a server worker that never sees a password (readers, API tokens, session cookies)
never loads passlib and argon2 (about 10 MB) or the common-password list; both load on first
use, once per process, and the list is kept as one sorted bytes blob (about 0.7 MB rather
than 5.7 MB as a set of strings).
"""

import functools
import gzip
import re
import secrets
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from passlib.context import CryptContext

# OWASP Password Storage Cheat Sheet minimums for argon2id.
ARGON2_MEMORY_COST_KIB = 19_456
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1

MIN_LENGTH = 12
MAX_LENGTH = 128

ERROR_EMPTY = "Enter a password"
ERROR_ONLY_SPACES = "Password must not be only spaces"
ERROR_TOO_SHORT = f"Password must be {MIN_LENGTH} characters or more"
ERROR_TOO_LONG = f"Password must be {MAX_LENGTH} characters or fewer"
ERROR_TOO_COMMON = (
    "This password is too common. Choose a different one — "
    "a few unrelated words make a strong password"
)
ERROR_CONTAINS_CONTEXT = (
    "Password must not contain your email address, name or the name of this site"
)

COMMON_PASSWORDS_PATH = Path(__file__).with_name("data") / "common-passwords.txt.gz"

# Shorter padded cores ("a" in "a73918264501") carry too little signal to call a password
# common; the rest of such a password is random enough.
_MIN_CORE_LENGTH = 3
# Context words shorter than this ("jo", "uk") match too much ordinary text.
_MIN_CONTEXT_TOKEN_LENGTH = 4
# A password built on context words must still have this many letters of its own.
_MIN_OWN_LETTERS = 6
# Words in organisation names and email domains that are not personal to anyone.
_CONTEXT_STOPWORDS = frozenset(
    {
        "and",
        "the",
        "com",
        "org",
        "net",
        "nhs",
        "trust",
        "foundation",
        "health",
        "mental",
        "care",
        "service",
        "services",
        "hospital",
        "community",
        "partnership",
        "university",
        "gmail",
        "googlemail",
        "hotmail",
        "outlook",
        "yahoo",
        "icloud",
        "live",
        "mail",
        "email",
    }
)
_SEQUENCE_ALPHABETS = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm")
# Each alphabet repeated past MAX_LENGTH, forwards and backwards, so wrap-arounds such as
# "890123" and descending runs such as "zyxwvu" count as sequences too.
_SEQUENCES = tuple(
    haystack
    for alphabet in _SEQUENCE_ALPHABETS
    for haystack in (
        alphabet * (MAX_LENGTH // len(alphabet) + 2),
        alphabet[::-1] * (MAX_LENGTH // len(alphabet) + 2),
    )
)
_REPEATED_UNIT = re.compile(r"(.{1,4})\1+", re.DOTALL)


@functools.cache
def _context() -> "CryptContext":
    """The argon2id hasher, made on first use (``pwd_context`` is the same object)."""
    from passlib.context import CryptContext

    return CryptContext(
        schemes=["argon2"],
        argon2__type="ID",
        argon2__memory_cost=ARGON2_MEMORY_COST_KIB,
        argon2__time_cost=ARGON2_TIME_COST,
        argon2__parallelism=ARGON2_PARALLELISM,
    )


def __getattr__(name: str) -> Any:
    # ``passwords.pwd_context`` still names the hasher, without importing passlib up front.
    if name == "pwd_context":
        return _context()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFC", password)


def hash_password(password: str) -> str:
    hashed: str = _context().hash(_normalise(password))
    return hashed


@functools.cache
def _dummy_hash() -> str:
    # Hash of a random secret nobody knows, so it can never verify.
    return hash_password(secrets.token_urlsafe(32))


def verify_password(password: str, stored_hash: str | None) -> tuple[bool, str | None]:
    """Return (ok, new_hash); new_hash is set when the stored hash uses outdated parameters.

    With no usable stored hash (unknown email, deleted account, password sign-in disabled)
    the same argon2 work is done against a dummy hash, so response times do not reveal
    which email addresses have accounts.
    """
    secret = _normalise(password)
    pwd_context = _context()
    if stored_hash is None or pwd_context.identify(stored_hash) is None:
        pwd_context.verify_and_update(secret, _dummy_hash())
        return False, None
    ok, new_hash = pwd_context.verify_and_update(secret, stored_hash)
    return bool(ok), new_hash


def needs_rehash(stored_hash: str) -> bool:
    return bool(_context().needs_update(stored_hash))


def check_password(password: str, *, context: Iterable[str] = ()) -> list[str]:
    """Return error messages for the password; an empty list means it is acceptable.

    `context` holds words an attacker would try first: the site and organisation names,
    the user's email address and display name.
    """
    candidate = _normalise(password)
    if not candidate:
        return [ERROR_EMPTY]
    if candidate.isspace():
        return [ERROR_ONLY_SPACES]
    # Length problems are reported alone: the other checks would only add noise.
    if len(candidate) < MIN_LENGTH:
        return [ERROR_TOO_SHORT]
    if len(candidate) > MAX_LENGTH:
        return [ERROR_TOO_LONG]

    errors = []
    lowered = candidate.lower()
    if _is_guessable(lowered):
        errors.append(ERROR_TOO_COMMON)
    if _leans_on_context(lowered, context):
        errors.append(ERROR_CONTAINS_CONTEXT)
    return errors


class _SortedLines:
    """The common-password list as one bytes blob of sorted UTF-8 lines, searched with bisect.

    A frozenset of 55,860 strings costs about 5.7 MB in every worker; the blob and its line
    offsets cost about 0.7 MB and answer in 16 comparisons.
    """

    def __init__(self, blob: bytes) -> None:
        blob = blob if blob.endswith(b"\n") else blob + b"\n"
        starts, ordered = self._scan(blob)
        if not ordered:  # not as shipped (see data/README.md): sort and deduplicate once
            blob = b"\n".join(sorted({blob[i : blob.index(b"\n", i)] for i in starts})) + b"\n"
            starts, ordered = self._scan(blob)
        self._blob = blob
        self._starts = starts

    @staticmethod
    def _scan(blob: bytes) -> tuple["array[int]", bool]:
        """Where each non-blank line starts, and whether the lines strictly increase."""
        starts = array("I")
        start, previous, ordered = 0, b"", True
        while start < len(blob):
            end = blob.index(b"\n", start)
            line = blob[start:end]
            if line.strip():
                starts.append(start)
                ordered = ordered and previous < line
                previous = line
            start = end + 1
        return starts, ordered

    def _line(self, index: int) -> bytes:
        start = self._starts[index]
        return self._blob[start : self._blob.index(b"\n", start)]

    def __len__(self) -> int:
        return len(self._starts)

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        key = word.encode("utf-8", "surrogatepass")
        index = bisect_left(range(len(self._starts)), key, key=self._line)
        return index < len(self._starts) and self._line(index) == key


@functools.cache
def _common_passwords() -> _SortedLines:
    with gzip.open(COMMON_PASSWORDS_PATH, "rb") as file:
        return _SortedLines(file.read())


def _is_filler(char: str) -> bool:
    """Digits, punctuation, spaces, symbols and emoji: anything but letters and their marks."""
    return unicodedata.category(char)[0] not in "LM"


def _strip_filler(text: str, *, leading: bool, trailing: bool) -> str:
    start, end = 0, len(text)
    while leading and start < end and _is_filler(text[start]):
        start += 1
    while trailing and end > start and _is_filler(text[end - 1]):
        end -= 1
    return text[start:end]


def _is_guessable(lowered: str) -> bool:
    # Padding a common password with digits or symbols ("password123456", "qwertyuiop!!!")
    # is the first thing cracking rules try, so the padded-off cores are checked too.
    cores = {
        lowered,
        _strip_filler(lowered, leading=False, trailing=True),
        _strip_filler(lowered, leading=True, trailing=False),
        _strip_filler(lowered, leading=True, trailing=True),
    }
    common = _common_passwords()
    return any(
        core in common
        or _REPEATED_UNIT.fullmatch(core) is not None
        or any(core in sequence for sequence in _SEQUENCES)
        for core in cores
        if len(core) >= _MIN_CORE_LENGTH
    )


def _context_tokens(context: Iterable[str]) -> set[str]:
    # Splitting on everything that is not a letter breaks an email into its local-part
    # words and domain labels, and a name into its parts.
    if isinstance(context, str):
        context = (context,)
    tokens = set()
    for value in context:
        for is_filler, chars in groupby(_normalise(value or "").lower(), key=_is_filler):
            token = "".join(chars)
            if (
                not is_filler
                and len(token) >= _MIN_CONTEXT_TOKEN_LENGTH
                and token not in _CONTEXT_STOPWORDS
            ):
                tokens.add(token)
    return tokens


def _leans_on_context(lowered: str, context: Iterable[str]) -> bool:
    tokens = sorted(
        (token for token in _context_tokens(context) if token in lowered), key=len, reverse=True
    )
    if not tokens:
        return False
    remainder = lowered
    # Repeat because removing one token can join the pieces of another ("fullfullcirclecircle").
    while True:
        shorter = remainder
        for token in tokens:
            shorter = shorter.replace(token, "")
        if shorter == remainder:
            break
        remainder = shorter
    own_letters = sum(1 for char in remainder if not _is_filler(char))
    return own_letters < _MIN_OWN_LETTERS
