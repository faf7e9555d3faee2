"""Background work, one pass at a time: `fullcircle worker` runs passes forever (and the
server drains the outbox itself in the embedded default). Each job has its own short
transaction, so one that fails does not undo the others."""

from dataclasses import dataclass

from app.core import mail, ratelimit
from app.db import open_session


@dataclass(frozen=True)
class PassDone:
    sent: int
    pruned_rate_events: int


def run_pass() -> PassDone:
    with open_session(write=True) as db:
        pruned = ratelimit.prune(db)
        db.commit()
    with open_session(write=True) as db:
        sent = mail.deliver_pending(db)
    return PassDone(sent=sent, pruned_rate_events=pruned)
