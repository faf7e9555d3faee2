"""Who may see held items and moderate, and whose ideas wait for a moderator. One function per
question; nothing else decides."""

from collections.abc import Callable
from datetime import timedelta

from app.accounts.principal import Principal
from app.models import Idea, Role, User, Visibility, utcnow
from app.settings.schemas import Policy

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


def offers_report(principal: Principal | None, idea: Idea) -> bool:
    """The idea page offers "Report this idea" on what the public can see, to everyone but its
    author (what is held, waiting or hidden is already in front of a moderator). Comments on
    any idea can still be reported, the author's own idea's included."""
    mine = principal is not None and idea.author_id == principal.user_id
    return idea.visibility == Visibility.published and not mine


def can_see_safeguarding(principal: Principal | None) -> bool:
    """The safeguarding queue: the same people who may read held items."""
    return can_see_held(principal)


def is_new_account(user: User, policy: Policy, *, published: Callable[[], int]) -> bool:
    """Younger than the policy's days with fewer ideas and comments published than it asks
    (``published`` is counted only when the account is young enough for it to matter)."""
    young = utcnow() - user.created_at < timedelta(days=policy.new_account_days)
    return young and published() < policy.trust_after_published


def waits_for_moderator(
    author: Principal | None, policy: Policy, *, published: Callable[[], int] = lambda: 0
) -> bool:
    """What this author writes waits for a moderator before anyone else sees it (the site's
    pre-moderation policy, app/settings/). Staff and people an admin trusts publish at once;
    accounts whose email address is not confirmed always wait (throwaway accounts must not
    publish); anonymous authors and new accounts wait as the policy says. Screening's hold
    for a possible risk of harm is decided apart from this, and wins."""
    if author is None:
        return policy.anonymous_wait
    if author.is_staff or author.user.trusted:
        return False
    if author.user.email_confirmed_at is None:
        return True
    return policy.new_accounts_wait and is_new_account(author.user, policy, published=published)
