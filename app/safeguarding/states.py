"""The moves a safeguarding item may make: open -> acknowledged -> closed. Each move is
audited, with who made it and when; closing needs a note of what was done."""

from typing import Any

from sqlmodel import Session

from app.accounts.principal import Principal
from app.core import audit
from app.core.states import StateMachine
from app.i18n import N_
from app.models import SafeguardingItem, SafeguardingStatus, utcnow

_S = SafeguardingStatus

EVENTS = {_S.acknowledged: "safeguarding.acknowledged", _S.closed: "safeguarding.closed"}


def _record(
    db: Session,
    item: SafeguardingItem,
    frm: SafeguardingStatus,
    to: SafeguardingStatus,
    actor: Principal,
    note: str | None,
) -> Any:
    now = utcnow()
    if to == _S.acknowledged:
        item.acknowledged_at, item.acknowledged_by_id = now, actor.user_id
    elif to == _S.closed:
        item.closed_at, item.closed_by_id = now, actor.user_id
        item.action_note = note
    # The note is free text: it stays on the item, never in the audit log.
    audit.record(db, EVENTS[to], actor_id=actor.user_id, item_id=item.id, from_status=str(frm))
    return None


ITEM: StateMachine[SafeguardingStatus] = StateMachine(
    SafeguardingStatus,
    {
        _S.open: frozenset({_S.acknowledged}),
        _S.acknowledged: frozenset({_S.closed}),
        _S.closed: frozenset(),
    },
    initial=_S.open,
    record=_record,
    refusal=N_("This item is %(from)s, so it cannot be %(to)s"),
)
