"""Who is asking: the signed-in person, their roles, and how they proved it.

Access policies (each domain's ``access.py``) take a ``Principal | None`` and an object and
answer one question; ``None`` is someone not signed in.
"""

from dataclasses import dataclass, field

from app.config import get_settings
from app.i18n import N_, _
from app.models import STAFF_ROLES, ApiToken, AuthSession, Identity, Role, User


@dataclass(frozen=True)
class Principal:
    user: User
    roles: frozenset[Role]
    session: AuthSession | None = None
    token: ApiToken | None = None
    #: Materialised paths of the units this person works in (staff only; see units).
    unit_paths: frozenset[str] = field(default_factory=frozenset)
    #: Signed in with a session although their roles need two-step sign-in, which they have
    #: not set up: ``app.deps`` lets them use only the set-up pages until they do.
    two_step_missing: bool = False
    #: Unread notifications for the page header, when the lookup counted them (signed-in
    #: full pages only); None otherwise.
    unread: int | None = None

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    def has(self, *roles: Role) -> bool:
        """Holds any of ``roles``; admins pass every role check."""
        return Role.admin in self.roles or bool(self.roles.intersection(roles))


def two_step_required(roles: frozenset[Role]) -> bool:
    """Whether these roles need two-step sign-in (a setting; staff roles in production)."""
    return bool(roles & get_settings().mfa_roles)


#: How each "I am a ..." answer is named in public (never a person's name). Saying "staff" is
#: only a claim: "staff" itself is for accounts an admin has given a staff role.
IDENTITY_PUBLIC = {
    Identity.service_user: N_("a service user"),
    Identity.carer: N_("a carer"),
    Identity.staff: N_("someone who works here (not verified)"),
    Identity.other: N_("someone"),
}


def identity_public(identity: str) -> str:
    return _(IDENTITY_PUBLIC[Identity(identity)])


def submitter_public(submitted_as: str, *, verified_staff: bool) -> str:
    """Who suggested an idea, in public: "staff" only when an admin vouched for them."""
    return _("staff") if verified_staff else identity_public(submitted_as)


def public_role(principal: Principal | None) -> str:
    """How a person is named on the public timeline: by role, never by name."""
    if principal is None:
        return _("someone")
    return role_name(principal.roles, principal.user.identity)


def role_name(roles: frozenset[Role], identity: str = Identity.other) -> str:
    """The public name for someone with these roles (and, without a staff role, this
    "I am a ..." answer)."""
    if roles & {Role.moderator, Role.safeguarding_lead}:
        return _("a moderator")
    if Role.improvement_lead in roles:
        return _("the improvement team")
    if roles & STAFF_ROLES:
        return _("staff")
    return identity_public(identity)
