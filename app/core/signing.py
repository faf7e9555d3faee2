"""HMAC signatures with the deployment's SECRET_KEY, for links and form fields that must not
be guessable or forgeable but need no database row of their own."""

import hashlib
import hmac
from datetime import timedelta

from app.config import get_settings
from app.models import utcnow
from app.models.base import ID_MAX


def sign(purpose: str, value: str) -> str:
    key = (get_settings().secret_key or "").encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:40]


def verify(purpose: str, value: str, signature: str) -> bool:
    # Compared as bytes: a signature from a form or a link may hold any character, and
    # compare_digest refuses non-ASCII text.
    return hmac.compare_digest(sign(purpose, value).encode(), signature.encode())


def expiring(purpose: str, subject_id: int, bound: str, *, lifetime: timedelta) -> str:
    """A link token for one row (``subject_id``) that stops working after ``lifetime``, or as
    soon as ``bound`` (for example the row's email address) changes: ``<id>-<expires>-<sig>``."""
    expires = int((utcnow() + lifetime).timestamp())
    return f"{subject_id}-{expires}-{sign(purpose, f'{subject_id}:{bound}:{expires}')}"


def expiring_subject(token: str) -> int | None:
    """The row id an ``expiring`` token names (not yet checked), or None if it is not one."""
    parts = token.split("-")
    if len(parts) != 3 or not (parts[0].isascii() and parts[0].isdigit() and len(parts[0]) < 11):
        return None
    subject_id = int(parts[0])
    return subject_id if 1 <= subject_id <= ID_MAX else None


def verify_expiring(purpose: str, token: str, bound: str) -> bool:
    """The token is genuine, for this ``bound`` value, and has not expired."""
    parts = token.split("-")
    if len(parts) != 3 or not (parts[1].isascii() and parts[1].isdigit() and len(parts[1]) < 12):
        return False
    subject_id, expires, signature = parts
    if int(expires) < utcnow().timestamp():
        return False
    return verify(purpose, f"{subject_id}:{bound}:{expires}", signature)
