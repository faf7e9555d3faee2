"""The "My activity" page."""

from fastapi import Request
from fastapi.responses import Response

from app.deps import DbSession, SignedIn
from app.follows import repository as follows_repo
from app.ideas import repository as ideas_repo
from app.notifications import service as notifications
from app.votes import repository as votes_repo
from app.web.render import render
from app.web.routing import Router

router = Router()


@router.get("/me", name="my_activity")
def my_activity(request: Request, db: DbSession, principal: SignedIn) -> Response:
    user_id = principal.user_id
    return render(
        request,
        "activity/me.html",
        {
            "mine": ideas_repo.ideas_of(db, user_id=user_id),
            "voted": votes_repo.voted_by(db, user_id=user_id),
            "following": follows_repo.ideas_followed_by(db, user_id=user_id),
            "notifications": notifications.for_user(db, principal=principal),
        },
    )
