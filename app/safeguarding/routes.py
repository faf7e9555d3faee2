"""The safeguarding queue and its items (moderators, safeguarding leads and admins): read what
was written and why it was raised, acknowledge it, close it with a note. Every view is
audited; every action is audited by the status machine (app/safeguarding/states.py)."""

from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts.principal import Principal
from app.config import get_settings
from app.deps import DbSession, client_ip, require_roles
from app.i18n import N_
from app.models import SafeguardingStatus
from app.safeguarding import access
from app.safeguarding import service as safeguarding
from app.web import notices
from app.web.forms import FormValues, rejected
from app.web.params import RowId
from app.web.render import render
from app.web.responses import redirect
from app.web.routing import Router
from app.web.urls import url_for

router = Router()

Worker = Annotated[Principal, require_roles(*access.WORKERS)]

notices.register(
    safeguarding_acknowledged=N_("You have acknowledged this item."),
    safeguarding_closed=N_("The item is closed and your note is saved."),
)


@router.get("/safeguarding", name="safeguarding_queue")
def queue(request: Request, db: DbSession, principal: Worker) -> Response:
    """What is open or acknowledged; with ``?show=closed``, the history of closed items."""
    closed = request.query_params.get("show") == "closed"
    items = safeguarding.history(db) if closed else safeguarding.queue(db)
    safeguarding.record_reads(
        db,
        items=items,
        viewer=principal,
        ip_address=client_ip(request),
        via="history" if closed else "queue",
    )
    return render(
        request,
        "safeguarding/queue.html",
        {
            "entries": safeguarding.entries(db, items),
            "closed": closed,
            "escalate_minutes": get_settings().safeguarding_escalate_minutes,
        },
    )


def _item_context(
    db: Session, item_id: int, values: dict[str, Any], errors: list[dict[str, Any]]
) -> dict[str, Any]:
    item = safeguarding.get(db, item_id=item_id)
    return {
        "entry": safeguarding.entries(db, [item])[0],
        "statuses": SafeguardingStatus,
        "values": values,
        "errors": errors,
    }


@router.get("/safeguarding/{item_id}", name="safeguarding_item")
def item_page(request: Request, item_id: RowId, db: DbSession, principal: Worker) -> Response:
    context = _item_context(db, item_id, {}, [])
    safeguarding.record_reads(
        db,
        items=[context["entry"].item],
        viewer=principal,
        ip_address=client_ip(request),
        via="item",
    )
    return render(request, "safeguarding/item.html", context)


def _move(
    request: Request,
    db: Session,
    item_id: int,
    principal: Principal,
    values: dict[str, str],
    to: SafeguardingStatus,
) -> Response:
    with rejected(
        "safeguarding/item.html", lambda errors: _item_context(db, item_id, values, errors), db=db
    ):
        item = safeguarding.get(db, item_id=item_id)
        safeguarding.move(db, item=item, to=to, actor=principal, note=values.get("note"))
        db.commit()
    notice = "safeguarding-" + to.value
    return redirect(request, url_for("safeguarding_item", item_id=item_id) + f"?notice={notice}")


@router.post("/safeguarding/{item_id}/acknowledge", name="safeguarding_acknowledge")
def acknowledge(
    request: Request, item_id: RowId, db: DbSession, principal: Worker, values: FormValues
) -> Response:
    return _move(request, db, item_id, principal, values, SafeguardingStatus.acknowledged)


@router.post("/safeguarding/{item_id}/close", name="safeguarding_close")
def close(
    request: Request, item_id: RowId, db: DbSession, principal: Worker, values: FormValues
) -> Response:
    return _move(request, db, item_id, principal, values, SafeguardingStatus.closed)
