"""The email outbox: sent by SMTP when configured, retried on failure, and (SQLite) never
holding the database's write lock while the SMTP server talks."""

from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from app.config import get_settings
from app.core import mail
from app.db import open_session
from app.models import OutboxEmail


class FakeSMTP:
    """Stands in for the SMTP server (the network), not for anything of ours."""

    sent: list[EmailMessage] = []
    fail_for: set[str] = set()
    during_send: Any = None

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host = host

    def __enter__(self) -> "FakeSMTP":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def starttls(self) -> None:
        return None

    def send_message(self, message: EmailMessage) -> None:
        if FakeSMTP.during_send:
            FakeSMTP.during_send()
        if message["To"] in FakeSMTP.fail_for:
            raise OSError("connection refused")
        FakeSMTP.sent.append(message)


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> type[FakeSMTP]:
    FakeSMTP.sent, FakeSMTP.fail_for, FakeSMTP.during_send = [], set(), None
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(get_settings(), "smtp_host", "smtp.example.org")
    return FakeSMTP


class TestDeliverPending:
    def test_sends_marks_sent_and_retries_failures(
        self, engine: Engine, db: Session, smtp: type[FakeSMTP]
    ) -> None:
        with open_session(write=True) as w:
            mail.queue(w, to="a@example.org", subject="Hello", body="One")
            mail.queue(w, to="down@example.org", subject="Hello", body="Two")
            w.commit()
        smtp.fail_for = {"down@example.org"}
        with open_session(write=True) as w:
            assert mail.deliver_pending(w) == 1
        rows = {m.to_address: m for m in db.scalars(select(OutboxEmail))}
        assert rows["a@example.org"].sent_at is not None
        assert rows["down@example.org"].sent_at is None
        assert rows["down@example.org"].attempts == 1
        assert rows["down@example.org"].last_error == "OSError"
        assert [m["To"] for m in smtp.sent] == ["a@example.org"]

    def test_other_writers_are_not_blocked_while_smtp_talks(
        self, engine: Engine, smtp: type[FakeSMTP]
    ) -> None:
        if engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL locks rows, not the database")
        with open_session(write=True) as w:
            mail.queue(w, to="a@example.org", subject="Hello", body="One")
            w.commit()
        wrote: list[bool] = []

        def another_writer() -> None:
            with open_session(write=True) as other:
                other.execute(text("UPDATE unit SET name = name WHERE id = 1"))
                other.commit()
                wrote.append(True)

        smtp.during_send = another_writer
        with open_session(write=True) as w:
            assert mail.deliver_pending(w) == 1
        assert wrote == [True]
