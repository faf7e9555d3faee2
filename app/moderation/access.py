"""Who may see held items and moderate, and whose ideas wait for a moderator. One function per
question; nothing else decides."""

from app.accounts.principal import Principal
from app.models import Role

#: Roles that read items held for safeguarding (admins pass every role check).
HELD_READERS = (Role.moderator, Role.safeguarding_lead)
#: Roles that work the moderation queue.
MODERATORS = (Role.moderator,)


def can_see_held(principal: Principal | None) -> bool:
    """Held items (possible risk of harm) are read by moderators and safeguarding leads only."""
    return principal is not None and principal.has(*HELD_READERS)


def can_moderate(principal: Principal | None) -> bool:
    """Publish, hide or reject what is waiting, and see what is hidden."""
    return principal is not None and principal.has(*MODERATORS)


def can_see_safeguarding(principal: Principal | None) -> bool:
    """The safeguarding queue: the same people who may read held items."""
    return can_see_held(principal)


def waits_for_moderator(author: Principal | None) -> bool:
    """New ideas from this author wait for a moderator before anyone else sees them: accounts
    whose email address is not yet confirmed (throwaway accounts must not publish). Staff
    publish at once."""
    return author is not None and not author.is_staff and author.user.email_confirmed_at is None
