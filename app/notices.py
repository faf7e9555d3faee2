"""One-line confirmations after a redirect, chosen by a code in the URL (``?notice=saved``).

Only these fixed messages can appear, so a link cannot put words on our pages.
"""

from starlette.requests import Request

from app.i18n import _

NOTICES = {
    "signed-out": "You have signed out",
    "password-changed": "Your password has been changed. Other devices have been signed out.",
    "password-reset": "Your password has been reset. Sign in with your new password.",
    "profile-saved": "Your changes have been saved",
    "sessions-ended": "You have been signed out everywhere else",
    "token-revoked": "The API token has been revoked",
    "deleted": "Your account has been deleted. What you contributed stays, without your name.",
    "registered": "Your account has been created",
    "idea-received": "Thank you. Your idea has been received.",
    "email-saved": "We will email you when there is news about this idea.",
    "followed": "You are following this idea. We will tell you when something changes.",
    "unfollowed": "You are no longer following this idea",
    "comment-added": "Your comment has been added",
    "comment-removed": "Your comment has been removed",
    "reported": "Thank you. A moderator will look at this.",
}


def notice_from(request: Request) -> str | None:
    code = request.query_params.get("notice")
    return _(NOTICES[code]) if code in NOTICES else None
