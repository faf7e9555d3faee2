"""What an API token may do: scopes, fixed when the token is made, never more than the
owner's roles allow. A token acts with the owner's roles cut down to its scopes, so every
access function keeps deciding as it does for a browser (docs/architecture.md, "API tokens").

- ``read``: read what the person may read (every token has it).
- ``write``: any change (POST, PATCH, DELETE): supporting, commenting, projects for leads.
- ``moderate``: the moderator and safeguarding-lead roles, for people who hold them.
- ``admin``: the admin role, for admins.
"""

from collections.abc import Iterable

from app.i18n import N_
from app.models import Role, TokenScope

#: The roles each scope carries; roles in no scope's set come with ``read``.
SCOPE_ROLES: dict[TokenScope, frozenset[Role]] = {
    TokenScope.moderate: frozenset({Role.moderator, Role.safeguarding_lead}),
    TokenScope.admin: frozenset({Role.admin}),
}
_GATED = frozenset().union(*SCOPE_ROLES.values())

LABELS = {
    TokenScope.read: N_("Read: see what you can see"),
    TokenScope.write: N_("Write: make changes as you (support, comment, projects)"),
    TokenScope.moderate: N_("Moderate: use your moderator or safeguarding role"),
    TokenScope.admin: N_("Admin: use your admin role"),
}

#: How long a token lasts unless told otherwise, and the longest it may.
DEFAULT_DAYS = 90
MAX_DAYS = 365
#: The lifetimes offered on the account page.
DAY_CHOICES = (7, 30, 90, 180, 365)


def allowed(roles: Iterable[Role]) -> list[TokenScope]:
    """Every scope a person with these roles may give a token, in a fixed order."""
    held = frozenset(roles)
    return [
        scope
        for scope in TokenScope
        if scope not in SCOPE_ROLES
        or held & SCOPE_ROLES[scope]
        or (Role.admin in held and scope == TokenScope.moderate)
    ]


def roles_for(roles: Iterable[Role], scopes: Iterable[TokenScope]) -> frozenset[Role]:
    """The owner's roles as a token with ``scopes`` may use them."""
    held, chosen = frozenset(roles), frozenset(scopes)
    carried = frozenset().union(*(SCOPE_ROLES.get(s, frozenset()) for s in chosen))
    kept = frozenset(r for r in held if r not in _GATED or r in carried)
    if Role.admin in held and TokenScope.moderate in chosen and TokenScope.admin not in chosen:
        # Admins pass every role check; their token without the admin scope may moderate.
        kept |= SCOPE_ROLES[TokenScope.moderate]
    return kept


def parse(text: str) -> frozenset[TokenScope]:
    """The scopes stored on a token (unknown words are ignored: they grant nothing)."""
    known = {s.value for s in TokenScope}
    return frozenset(TokenScope(w) for w in text.split() if w in known)


def spell(scopes: Iterable[TokenScope]) -> str:
    """Scopes as stored: space-separated, in ``TokenScope`` order."""
    chosen = frozenset(scopes)
    return " ".join(s.value for s in TokenScope if s in chosen)
