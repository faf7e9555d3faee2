"""The follow button on an idea page."""

from fastapi import Request
from fastapi.responses import Response

from app.core.subjects import Subject
from app.deps import DbSession, SignedIn
from app.follows import service as follows
from app.i18n import N_
from app.ideas import routes as idea_pages
from app.web import notices
from app.web.forms import FormValues
from app.web.params import RowId
from app.web.responses import redirect
from app.web.routing import Router
from app.web.urls import url_for

router = Router()

notices.register(
    followed=N_("You are following this idea. We will tell you when something changes."),
    unfollowed=N_("You are no longer following this idea"),
)


@router.post("/ideas/{idea_id}/follow", name="follow")
def follow(
    request: Request, idea_id: RowId, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    idea, following = idea_pages.toggle(db, idea_id, principal, values, off="unfollow")
    follows.set_following(
        db, subject=Subject.of(idea), user_id=principal.user_id, following=following
    )
    db.commit()
    notice = "followed" if following else "unfollowed"
    return redirect(request, url_for("idea_page", idea_id=idea_id) + f"?notice={notice}#follow")
