"""Background work, one pass at a time: `fullcircle worker` runs passes forever (and the
server drains the outbox itself in the embedded default). Each job has its own short
transaction, so one that fails does not undo the others."""

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from app.core import mail
from app.core import retention as retention_jobs
from app.db import open_session
from app.notifications import digest
from app.safeguarding import service as safeguarding

try:
    import fcntl
except ImportError:  # pragma: no cover (Windows)
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("fullcircle.worker")


@dataclass(frozen=True)
class PassDone:
    sent: int
    pruned_rate_events: int
    #: What the retention jobs removed (app/core/retention.py).
    retention: retention_jobs.Done = field(default_factory=retention_jobs.Done)
    #: Urgent safeguarding items sent to the backup contacts (app/safeguarding/service.py).
    escalated: int = 0
    #: Staff daily digests queued (app/notifications/digest.py); sent in the next pass.
    digests: int = 0


def run_pass() -> PassDone:
    # First: an urgent safeguarding item nobody acknowledged in time is sent to the backup
    # contacts, and that email goes out in this same pass.
    with open_session(write=True) as db:
        escalated = safeguarding.escalate_overdue(db)
        db.commit()
    with open_session(write=True) as db:
        sent = mail.deliver_pending(db)
    # After the mail: a digest or retention job that fails must not hold up sending.
    with open_session(write=True) as db:
        digests = digest.send_due(db)
        db.commit()
    kept = retention_jobs.run()
    return PassDone(
        sent=sent,
        pruned_rate_events=kept.rate_events,
        retention=kept,
        escalated=escalated,
        digests=digests,
    )


class EmbeddedWorker:
    """The server's own worker, for the embedded default (SQLite, one machine): a thread that
    runs a pass every ``interval`` seconds from start-up to shut-down, so nobody has to run
    ``fullcircle worker`` beside it. With several server processes, only the one holding the
    lock file runs passes (the others try again each interval, in case it stops)."""

    def __init__(self, *, interval: float, lock_path: Path | None = None) -> None:
        self.interval = interval
        self.lock_path = lock_path
        self.passes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_file: IO[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="fullcircle-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the pass under way (if any) and end the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._lock_file is not None:
            self._lock_file.close()  # releases the lock
            self._lock_file = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if not self._holds_lock():
                continue
            try:
                run_pass()
            except Exception as exc:  # noqa: BLE001 (the next pass may well succeed)
                log.error("embedded worker pass failed: %s", type(exc).__name__)
            self.passes += 1

    def _holds_lock(self) -> bool:
        if self.lock_path is None or self._lock_file is not None:
            return True
        if fcntl is None:  # not a POSIX system: one process is assumed
            return True
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.lock_path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock_file = handle
        return True
