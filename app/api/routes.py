"""JSON API under /api/v1 (documented in OpenAPI; errors are RFC 9457 problem details)."""

from fastapi import APIRouter

from app.accounts.schemas import MePublic
from app.deps import SignedIn

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/me", response_model=MePublic)
def me(principal: SignedIn) -> MePublic:
    user = principal.user
    assert user.id is not None
    return MePublic(
        id=user.id,
        display_name=user.display_name,
        i_am_a=user.identity,
        roles=sorted(principal.roles),
    )
