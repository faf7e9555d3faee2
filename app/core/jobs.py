"""Background work, one pass at a time: `fullcircle worker` runs passes forever (and the
server drains the outbox itself in the embedded default). Each job has its own short
transaction, so one that fails does not undo the others."""

from dataclasses import dataclass, field

from app.core import mail
from app.core import retention as retention_jobs
from app.db import open_session
from app.safeguarding import service as safeguarding


@dataclass(frozen=True)
class PassDone:
    sent: int
    pruned_rate_events: int
    #: What the retention jobs removed (app/core/retention.py).
    retention: retention_jobs.Done = field(default_factory=retention_jobs.Done)
    #: Urgent safeguarding items sent to the backup contacts (app/safeguarding/service.py).
    escalated: int = 0


def run_pass() -> PassDone:
    # First: an urgent safeguarding item nobody acknowledged in time is sent to the backup
    # contacts, and that email goes out in this same pass.
    with open_session(write=True) as db:
        escalated = safeguarding.escalate_overdue(db)
        db.commit()
    with open_session(write=True) as db:
        sent = mail.deliver_pending(db)
    # After the mail: a retention job that fails must not hold up sending.
    kept = retention_jobs.run()
    return PassDone(
        sent=sent, pruned_rate_events=kept.rate_events, retention=kept, escalated=escalated
    )
