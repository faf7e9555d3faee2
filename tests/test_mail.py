"""The email outbox, delivering to a real SMTP server on loopback: sent and marked sent;
a failure counted with its reason and tried again later; a message that can never be sent
given up on without holding up the others; nothing that could break a header accepted;
(SQLite) the database's write lock never held while the SMTP server talks; and (PostgreSQL)
two workers draining the outbox at once send each message exactly once."""

import threading
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text, update
from sqlmodel import Session, col, select

from app.core import mail
from app.db import open_session
from app.models import EmailSubscription, OutboxEmail, Role, utcnow
from tests.factories import create_user, sign_in
from tests.helpers import IS_POSTGRES, SmtpServer, error_summary, idea_form, soup_of


def queued(*addresses: str) -> None:
    with open_session(write=True) as w:
        for n, address in enumerate(addresses):
            mail.queue(w, to=address, subject=f"Hello {n}", body=f"Message {n}")
        w.commit()


def deliver() -> int:
    with open_session(write=True) as w:
        return mail.deliver_pending(w)


def outbox(db: Session) -> dict[str, OutboxEmail]:
    db.expire_all()
    return {m.to_address: m for m in db.scalars(select(OutboxEmail))}


def retry_now(db: Session) -> None:
    db.execute(update(OutboxEmail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.commit()


class TestDelivery:
    def test_sends_and_marks_sent(self, engine: Engine, db: Session, smtp_server: SmtpServer):
        queued("a@example.org")
        assert deliver() == 1
        (message,) = smtp_server.to("a@example.org")
        assert message["Subject"] == "Hello 0"
        assert "Message 0" in SmtpServer.body(message)
        assert outbox(db)["a@example.org"].sent_at is not None
        assert deliver() == 0  # sent once only

    def test_a_temporary_failure_is_counted_and_tried_again_later(
        self, engine: Engine, db: Session, smtp_server: SmtpServer
    ) -> None:
        queued("a@example.org")
        smtp_server.down = True
        assert deliver() == 0
        row = outbox(db)["a@example.org"]
        assert (row.attempts, row.sent_at, row.failed_at) == (1, None, None)
        assert row.last_error == "SMTPRecipientsRefused 451"
        assert row.next_attempt_at is not None
        assert row.next_attempt_at > utcnow()
        # Not before its time...
        assert deliver() == 0
        assert outbox(db)["a@example.org"].attempts == 1
        # ...then again, and delivered once the server is back.
        smtp_server.down = False
        retry_now(db)
        assert deliver() == 1
        assert outbox(db)["a@example.org"].sent_at is not None

    def test_a_refused_address_is_given_up_and_the_next_message_still_goes(
        self, engine: Engine, db: Session, smtp_server: SmtpServer
    ) -> None:
        queued("nobody@example.org", "b@example.org")
        smtp_server.refuse = {"nobody@example.org"}
        assert deliver() == 1
        rows = outbox(db)
        assert rows["nobody@example.org"].failed_at is not None
        assert rows["nobody@example.org"].last_error == "SMTPRecipientsRefused 550"
        assert rows["b@example.org"].sent_at is not None
        retry_now(db)
        assert deliver() == 0  # never tried again

    def test_after_the_last_try_a_message_is_failed_with_its_reason(
        self, engine: Engine, db: Session, smtp_server: SmtpServer
    ) -> None:
        queued("a@example.org")
        smtp_server.down = True
        for _ in range(mail.MAX_ATTEMPTS):
            retry_now(db)
            deliver()
        row = outbox(db)["a@example.org"]
        assert row.attempts == mail.MAX_ATTEMPTS
        assert row.failed_at is not None
        assert row.last_error

    def test_a_poisoned_row_does_not_stop_the_queue(
        self, engine: Engine, db: Session, smtp_server: SmtpServer
    ) -> None:
        # A row written before addresses were checked (or by hand): CR/LF in the address.
        with open_session(write=True) as w:
            w.add(
                OutboxEmail(
                    to_address="victim@example.net\r\nbcc:all@example.net",
                    subject="Hi",
                    body_text="x",
                )
            )
            w.commit()
        queued("after@example.org")
        assert deliver() == 1
        assert smtp_server.to("after@example.org")
        rows = outbox(db)
        poisoned = next(r for a, r in rows.items() if a.startswith("victim"))
        assert poisoned.failed_at is not None
        assert poisoned.last_error == "ValueError"
        assert all("bcc" not in str(m) for m in smtp_server.messages)

    def test_other_writers_are_not_blocked_while_smtp_talks(
        self, engine: Engine, smtp_server: SmtpServer
    ) -> None:
        if engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL locks rows, not the database")
        queued("a@example.org")
        wrote: list[bool] = []

        def another_writer() -> None:
            with open_session(write=True) as other:
                other.execute(text("UPDATE unit SET name = name WHERE id = 1"))
                other.commit()
                wrote.append(True)

        smtp_server.during_data = another_writer
        assert deliver() == 1
        assert wrote == [True]

    def test_two_workers_draining_at_once_send_each_message_exactly_once(
        self, engine: Engine, db: Session, smtp_server: SmtpServer
    ) -> None:
        if not IS_POSTGRES:
            pytest.skip("PostgreSQL workers share the outbox (FOR UPDATE SKIP LOCKED)")
        addresses = [f"person{n}@example.org" for n in range(20)]
        queued(*addresses)
        # Each message takes a moment to receive, so a worker still holds the rows it claimed
        # while the other claims its own.
        smtp_server.during_data = lambda: time.sleep(0.05)
        start = threading.Barrier(2)
        sent = [0, 0]
        errors: list[BaseException] = []

        def worker(n: int) -> None:
            try:
                start.wait(5)
                while True:
                    with open_session(write=True) as w:  # each worker its own session
                        done = mail.deliver_pending(w, limit=5)
                    if done == 0:
                        return
                    sent[n] += done
            except BaseException as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert errors == []
        assert sorted(str(m["To"]) for m in smtp_server.messages) == sorted(addresses)
        assert sum(sent) == len(addresses)
        assert all(n > 0 for n in sent), sent  # both shared the queue
        rows = outbox(db)
        assert all(r.sent_at is not None and r.attempts == 1 for r in rows.values())


class TestQueue:
    @pytest.mark.parametrize(
        "address",
        [
            "victim@example.net\r\nbcc:everyone@example.net",
            "jo@gmail",
            "jo@",
            "jo@example..org",
            "two words@example.org",
            "",
        ],
    )
    def test_an_address_that_could_break_a_header_is_refused(
        self, engine: Engine, address: str
    ) -> None:
        with open_session(write=True) as w, pytest.raises(ValueError, match="email address"):
            mail.queue(w, to=address, subject="Hi", body="x")

    def test_a_subject_is_one_line(self, engine: Engine, db: Session) -> None:
        with open_session(write=True) as w:
            mail.queue(w, to="a@example.org", subject="Line one\r\nBcc: x@example.org", body="x")
            w.commit()
        assert outbox(db)["a@example.org"].subject == "Line one Bcc: x@example.org"


class TestHealth:
    def test_counts_what_waits_retries_and_failed(
        self, engine: Engine, db: Session, smtp_server: SmtpServer
    ) -> None:
        queued("a@example.org", "nobody@example.org", "c@example.org")
        smtp_server.refuse = {"nobody@example.org"}
        smtp_server.down = False
        with open_session(write=True) as w:
            assert mail.deliver_pending(w, limit=2) == 1
        health = mail.health(db)
        assert (health.waiting, health.failed) == (1, 1)
        assert health.stuck  # something was given up on
        db.execute(
            update(OutboxEmail)
            .where(col(OutboxEmail.failed_at).is_(None))
            .values(created_at=utcnow() - timedelta(minutes=30))
        )
        db.commit()
        assert mail.health(db).oldest_waiting_minutes == 30


class TestWatched:
    def test_a_stuck_outbox_shows_on_admin_and_in_readyz_for_admins_only(
        self, client: TestClient, db: Session, smtp_server: SmtpServer
    ) -> None:
        queued("nobody@example.org")
        smtp_server.refuse = {"nobody@example.org"}
        deliver()
        assert client.get("/readyz").json() == {"status": "ok"}  # nobody signed in

        sign_in(client, create_user(db, roles={Role.admin}))
        detail = client.get("/readyz").json()
        assert detail["status"] == "ok"
        assert detail["outbox"]["failed"] == 1
        assert detail["outbox"]["stuck"] is True
        page = soup_of(client.get("/admin"))
        assert "Email is not getting through" in page.get_text()
        table = page.select_one("table")
        assert "nobody@example.org" in table.get_text()
        assert "SMTPRecipientsRefused 550" in table.get_text()

    def test_staff_who_are_not_admins_get_no_detail(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db, roles={Role.staff, Role.moderator}))
        assert client.get("/readyz").json() == {"status": "ok"}


class TestReceiptSignUp:
    @pytest.mark.parametrize(
        "address",
        ["victim@example.net\r\nbcc:everyone@example.net", "jo@gmail", "jo@", "jo@example..org"],
    )
    def test_a_bad_address_is_refused_on_the_form_and_nothing_is_queued(
        self, client: TestClient, db: Session, address: str
    ) -> None:
        receipt = client.post("/ideas", data=idea_form(client), follow_redirects=False)
        link = receipt.headers["location"].split("?")[0]
        response = client.post(f"{link}/email", data={"email": address})
        assert response.status_code == 422
        assert error_summary(response) == [
            "Enter an email address in the correct format, like name@example.com"
        ]
        assert db.scalars(select(EmailSubscription)).all() == []
