"""The support button on an idea page: a plain form POST, or an HTMX swap of the button."""

from fastapi import Request
from fastapi.responses import Response

from app.deps import DbSession, SignedIn
from app.votes import service as votes
from app.web.forms import FormValues
from app.web.params import RowId
from app.web.render import is_fragment_request, render
from app.web.responses import redirect
from app.web.routing import Router
from app.web.urls import url_for

router = Router()


@router.post("/ideas/{idea_id}/vote", name="vote")
def vote(
    request: Request, idea_id: RowId, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    supported = values.get("action") != "unvote"
    done = votes.cast(db, idea_id=idea_id, principal=principal, supported=supported)
    # The counter's UPDATE fires the content-version trigger in this same transaction, so
    # the microcache misses from this commit on (docs/operations.md, "Consistency").
    db.commit()
    if is_fragment_request(request):
        return render(
            request,
            "ideas/detail.html",
            {
                "idea": done.idea,
                "voted": done.voted,
                # ``cast`` refuses a closed idea and an unconfirmed address, so both hold.
                "voting_open": True,
                "may": {"vote": True},
                "announce": True,
            },
            block="vote",
        )
    return redirect(request, url_for("idea_page", idea_id=idea_id) + "#vote")
