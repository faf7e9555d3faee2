"""Who works the safeguarding queue and reads what people typed before screening changed it.
One function per question; nothing else decides."""

from app.accounts.principal import Principal
from app.moderation.access import HELD_READERS, can_see_held, can_see_safeguarding

#: The roles of every safeguarding route (admins pass every role check).
WORKERS = HELD_READERS


def can_work_items(principal: Principal | None) -> bool:
    """Read the queue, acknowledge and close items: moderators and safeguarding leads."""
    return can_see_safeguarding(principal)


def can_see_original(principal: Principal | None) -> bool:
    """The text as typed, before identifying details were removed: the same people who read
    held items."""
    return can_see_held(principal)
