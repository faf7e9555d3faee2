"""The signed-in person in the JSON API: ``GET /api/v1/me``."""

from app.accounts import scopes as token_scopes
from app.accounts.schemas import MePublic
from app.deps import SignedIn
from app.web.routing import Router

router = Router(prefix="/api/v1", tags=["api"])


@router.get("/me", response_model=MePublic, name="api_me")
def me(principal: SignedIn) -> MePublic:
    user, token = principal.user, principal.token
    return MePublic(
        id=principal.user_id,
        display_name=user.display_name,
        i_am_a=user.identity,
        roles=sorted(principal.roles),
        email_confirmed=user.email_confirmed_at is not None,
        token_scopes=sorted(token_scopes.parse(token.scopes)) if token else None,
        token_expires_at=token.expires_at if token else None,
    )
