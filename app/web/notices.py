"""One-line confirmations after a redirect, chosen by a code in the URL (``?notice=saved``).

Each domain registers its own codes and messages (``notices.register(...)`` beside its routes);
only registered messages can appear, so a link cannot put words on our pages.
"""

from starlette.requests import Request

from app.i18n import _

_NOTICES: dict[str, str] = {}


def register(**messages: str) -> None:
    """Add a domain's notices (code with dashes written as underscores: ``comment_added``)."""
    for code, message in messages.items():
        key = code.replace("_", "-")
        if key in _NOTICES and _NOTICES[key] != message:
            raise ValueError(f"notice {key!r} is registered twice with different messages")
        _NOTICES[key] = message


def known(code: str) -> bool:
    return code in _NOTICES


def message(code: str) -> str:
    """A registered notice's words (for an HTMX fragment, which has no redirect to carry it)."""
    return _(_NOTICES[code])


def notice_from(request: Request) -> str | None:
    code = request.query_params.get("notice")
    return message(code) if code in _NOTICES else None
