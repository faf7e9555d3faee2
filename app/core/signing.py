"""HMAC signatures with the deployment's SECRET_KEY, for links and form fields that must not
be guessable or forgeable but need no database row of their own."""

import hashlib
import hmac

from app.config import get_settings


def sign(purpose: str, value: str) -> str:
    key = (get_settings().secret_key or "").encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:40]


def verify(purpose: str, value: str, signature: str) -> bool:
    # Compared as bytes: a signature from a form or a link may hold any character, and
    # compare_digest refuses non-ASCII text.
    return hmac.compare_digest(sign(purpose, value).encode(), signature.encode())
