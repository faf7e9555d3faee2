"""Who may follow an idea: anyone signed in who can see it."""

from app.accounts.principal import Principal
from app.ideas.access import can_see_idea
from app.models import Idea


def can_follow(principal: Principal | None, idea: Idea) -> bool:
    return principal is not None and can_see_idea(principal, idea)
