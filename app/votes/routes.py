"""The support button on an idea page: a plain form POST, or an HTMX swap of the button."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.deps import DbSession, SignedIn
from app.ideas import routes as idea_pages
from app.votes import access
from app.votes import service as votes
from app.web.forms import FormValues
from app.web.params import RowId
from app.web.render import is_fragment_request, render
from app.web.responses import redirect
from app.web.urls import url_for

router = APIRouter()


@router.post("/ideas/{idea_id}/vote", name="vote")
def vote(
    request: Request, idea_id: RowId, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    idea, supported = idea_pages.toggle(db, idea_id, principal, values, off="unvote")
    votes.set_vote(db, idea=idea, principal=principal, supported=supported)
    db.commit()
    if is_fragment_request(request):
        return render(
            request,
            "ideas/detail.html",
            {
                "idea": idea,
                "voted": supported,
                "voting_open": access.voting_open(idea),
                "may": {"vote": access.can_vote(principal, idea)},
                "announce": True,
            },
            block="vote",
        )
    return redirect(request, url_for("idea_page", idea_id=idea_id) + "#vote")
