"""The signed-in person in the JSON API: ``GET /api/v1/me``."""

from fastapi import APIRouter

from app.accounts.schemas import MePublic
from app.deps import SignedIn

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/me", response_model=MePublic, name="api_me")
def me(principal: SignedIn) -> MePublic:
    user = principal.user
    return MePublic(
        id=principal.user_id,
        display_name=user.display_name,
        i_am_a=user.identity,
        roles=sorted(principal.roles),
        email_confirmed=user.email_confirmed_at is not None,
    )
