"""Retention: each table's job deletes what is past its period and nothing else. Rows just
inside the period stay, rows just past it go, rows of the same table that are not finished
(unsent mail, live sessions, unresolved reports) are never touched, and the audit log is only
counted."""

import logging
import re
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel, func, select

from app.config import get_settings
from app.core import jobs, retention
from app.db import open_session
from app.models import (
    AuditEvent,
    AuthSession,
    Idea,
    OutboxEmail,
    PasswordResetToken,
    RateEvent,
    Report,
    ReportReason,
    User,
    utcnow,
)
from tests.factories import create_user
from tests.helpers import IS_POSTGRES
from tests.ideas.factories import create_idea

OPERATIONS_MD = Path(__file__).resolve().parent.parent / "docs" / "operations.md"
#: How far either side of a boundary the rows are put (the test takes far less).
MARGIN = timedelta(hours=1)


def add(*rows: SQLModel) -> list[int]:
    with open_session(write=True) as db:
        db.add_all(rows)
        db.commit()
        return [row.id for row in rows]  # type: ignore[attr-defined]


def ids(engine: Engine, model: Any) -> set[int]:
    with Session(engine) as db:
        return set(db.scalars(select(model.id)))


def days(n: float) -> timedelta:
    return timedelta(days=n)


@pytest.fixture
def user(db: Session) -> User:
    return create_user(db)


class TestRateEvents:
    def test_kept_for_the_setting_and_never_less_than_the_longest_window(
        self, engine: Engine
    ) -> None:
        keep = timedelta(hours=get_settings().retention_rate_event_hours)
        assert keep >= timedelta(days=1)  # the longest window (register_existing)
        now = utcnow()
        inside, past = add(
            RateEvent(bucket="login_ip", key="a", at=now - keep + MARGIN),
            RateEvent(bucket="login_ip", key="a", at=now - keep - MARGIN),
        )
        assert retention.rate_events() == 1
        assert ids(engine, RateEvent) == {inside}

    def test_a_short_setting_does_not_cut_a_limit_short(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "retention_rate_event_hours", 1)
        (within_a_day,) = add(
            RateEvent(bucket="register_existing", key="b", at=utcnow() - timedelta(hours=20))
        )
        assert retention.rate_events() == 0
        assert ids(engine, RateEvent) == {within_a_day}


def mail(**fields: Any) -> OutboxEmail:
    base = {"to_address": "someone@example.org", "subject": "Reset", "body_text": "a link"}
    return OutboxEmail(**(base | fields))


class TestOutbox:
    def test_bodies_of_sent_and_failed_mail_are_blanked_after_the_period(
        self, engine: Engine
    ) -> None:
        period = days(get_settings().retention_outbox_body_days)
        now = utcnow()
        old = now - period - days(1)
        rows = add(
            mail(created_at=old, sent_at=now - period + MARGIN),
            mail(created_at=old, sent_at=now - period - MARGIN),
            mail(created_at=old, failed_at=now - period - MARGIN, attempts=5),
            mail(created_at=now - days(100)),  # still waiting: never touched
        )
        assert retention.outbox_bodies() == 2
        with Session(engine) as db:
            bodies = {m.id: m.body_text for m in db.scalars(select(OutboxEmail))}
        assert bodies == {rows[0]: "a link", rows[1]: "", rows[2]: "", rows[3]: "a link"}
        assert retention.outbox_bodies() == 0  # nothing twice

    def test_rows_are_deleted_after_the_longer_period(self, engine: Engine) -> None:
        period = days(get_settings().retention_outbox_days)
        now = utcnow()
        old = now - period - days(1)
        inside, _sent, _failed, waiting = add(
            mail(created_at=old, sent_at=now - period + MARGIN),
            mail(created_at=old, sent_at=now - period - MARGIN),
            mail(created_at=old, failed_at=now - period - MARGIN, attempts=5),
            mail(created_at=now - days(400), attempts=2),  # still trying: never touched
        )
        assert retention.outbox_emails() == 2
        assert ids(engine, OutboxEmail) == {inside, waiting}


class TestReports:
    @pytest.fixture
    def idea(self, db: Session) -> Idea:
        return create_idea(db)

    def report(self, idea: Idea, **fields: Any) -> Report:
        assert idea.id is not None
        return Report(idea_id=idea.id, target=f"idea:{idea.id}", reason=ReportReason.risk, **fields)

    def test_resolved_reports_go_after_the_period(self, engine: Engine, idea: Idea) -> None:
        period = days(get_settings().retention_report_days)
        now = utcnow()
        inside, _past = add(
            self.report(idea, created_at=now - period - days(5), resolved_at=now - period + MARGIN),
            self.report(idea, created_at=now - period - days(5), resolved_at=now - period - MARGIN),
        )
        assert retention.reports() == 1
        assert ids(engine, Report) == {inside}

    def test_an_unresolved_report_is_never_deleted(self, engine: Engine, idea: Idea) -> None:
        ancient = utcnow() - days(get_settings().retention_report_days * 10)
        (unhandled,) = add(self.report(idea, created_at=ancient, details="Someone is at risk"))
        assert retention.reports() == 0
        assert ids(engine, Report) == {unhandled}


class TestSessions:
    def session(self, user: User, n: int, **fields: Any) -> AuthSession:
        assert user.id is not None
        return AuthSession(token_hash=f"{n:064d}", user_id=user.id, **fields)

    def test_revoked_or_expired_sessions_go_after_the_period(
        self, engine: Engine, user: User
    ) -> None:
        s = get_settings()
        period = days(s.retention_session_days)
        idle = max(
            timedelta(minutes=s.staff_session_idle_minutes),
            timedelta(hours=s.public_session_idle_hours),
        )
        absolute = max(
            timedelta(hours=s.staff_session_absolute_hours),
            days(s.public_session_absolute_days),
        )
        now = utcnow()
        recent = now - timedelta(minutes=1)
        keep = add(
            self.session(user, 1),  # live
            self.session(user, 2, revoked_at=now - period + MARGIN),
            self.session(user, 3, last_seen_at=now - period - idle + MARGIN),
            self.session(user, 4, created_at=now - period - absolute + MARGIN, last_seen_at=recent),
        )
        add(
            self.session(user, 5, revoked_at=now - period - MARGIN),
            self.session(user, 6, last_seen_at=now - period - idle - MARGIN),
            self.session(user, 7, created_at=now - period - absolute - MARGIN, last_seen_at=recent),
        )
        assert retention.sessions() == 3
        assert ids(engine, AuthSession) == set(keep)


class TestResetTokens:
    def token(self, user: User, n: int, **fields: Any) -> PasswordResetToken:
        assert user.id is not None
        return PasswordResetToken(user_id=user.id, token_hash=f"{n:064d}", **fields)

    def test_used_or_expired_tokens_go_after_the_period(self, engine: Engine, user: User) -> None:
        period = days(get_settings().retention_reset_token_days)
        now = utcnow()
        keep = add(
            self.token(user, 1, expires_at=now + timedelta(minutes=30)),  # still usable
            self.token(user, 2, expires_at=now - period + MARGIN),
            self.token(user, 3, expires_at=now + days(1), used_at=now - period + MARGIN),
        )
        add(
            self.token(user, 4, expires_at=now - period - MARGIN),
            self.token(user, 5, expires_at=now + days(1), used_at=now - period - MARGIN),
        )
        assert retention.reset_tokens() == 2
        assert ids(engine, PasswordResetToken) == set(keep)


class TestAuditLog:
    def test_rows_past_the_period_are_counted_logged_and_kept(
        self, engine: Engine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(retention, "_audit_due_logged", 0)
        period = days(get_settings().retention_audit_days)
        assert period == days(2190)
        now = utcnow()
        add(
            AuditEvent(event="signin.failed", at=now - period + MARGIN),
            AuditEvent(event="signin.failed", at=now - period - MARGIN),
            AuditEvent(event="signin.failed", at=now - period - days(30)),
        )
        before = ids(engine, AuditEvent)
        with caplog.at_level(logging.WARNING, logger="fullcircle.retention"):
            assert retention.audit_events_due() == 2
        assert ids(engine, AuditEvent) == before
        assert "2 audit events are past the retention period" in caplog.text

    def test_it_is_kept_longest(self) -> None:
        s = get_settings()
        others = [
            s.retention_outbox_days,
            s.retention_report_days,
            s.retention_session_days,
            s.retention_reset_token_days,
            s.retention_rate_event_hours / 24,
        ]
        assert s.retention_audit_days > max(others)


class TestBatches:
    def test_more_than_one_batch_in_a_pass(
        self, engine: Engine, user: User, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(retention, "BATCH", 3)
        old = utcnow() - days(400)
        assert user.id is not None
        add(
            *(
                AuthSession(token_hash=f"{n:064d}", user_id=user.id, revoked_at=old)
                for n in range(7)
            )
        )
        assert retention.sessions() == 7
        assert ids(engine, AuthSession) == set()

    def test_a_pass_stops_after_its_batches_and_the_next_carries_on(
        self, engine: Engine, user: User, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(retention, "BATCH", 2)
        monkeypatch.setattr(retention, "MAX_BATCHES", 2)
        old = utcnow() - days(400)
        assert user.id is not None
        add(
            *(
                AuthSession(token_hash=f"{n:064d}", user_id=user.id, revoked_at=old)
                for n in range(7)
            )
        )
        assert retention.sessions() == 4
        assert retention.sessions() == 3
        assert ids(engine, AuthSession) == set()


class TestWorkerPass:
    def test_a_pass_runs_every_job_and_reports_the_counts(self, engine: Engine, user: User) -> None:
        assert user.id is not None
        old = utcnow() - days(400)
        add(
            RateEvent(bucket="login_ip", key="c", at=old),
            AuthSession(token_hash="f" * 64, user_id=user.id, revoked_at=old),
            PasswordResetToken(user_id=user.id, token_hash="e" * 64, expires_at=old),
            mail(created_at=old, sent_at=old),
        )
        done = jobs.run_pass()
        assert done.pruned_rate_events == 1
        assert done.retention == retention.Done(
            rate_events=1,
            outbox_bodies_blanked=1,
            outbox_emails=1,
            reports=0,
            sessions=1,
            reset_tokens=1,
            audit_events_due=0,
        )

    def test_nothing_else_is_touched(self, db: Session, engine: Engine, user: User) -> None:
        create_idea(db, author=user)
        counts_before = table_counts(engine)
        assert retention.run() == retention.Done()
        assert table_counts(engine) == counts_before


def table_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as db:
        return {
            table.name: int(db.scalar(select(func.count()).select_from(table)) or 0)
            for table in SQLModel.metadata.sorted_tables
        }


# --- the documented manual step ---------------------------------------------------------------


def documented_sql(dialect: str) -> str:
    """The SQL block for ``dialect`` under "Removing old audit rows" in docs/operations.md."""
    section = OPERATIONS_MD.read_text().split("### Removing old audit rows", 1)[1]
    found = re.search(rf"    -- {dialect}.*?\n((?:    .+\n)+)", section)
    assert found, dialect
    return "\n".join(line[4:] for line in found.group(1).splitlines())


@pytest.fixture
def sqlite_file(engine: Engine) -> str:
    if IS_POSTGRES:
        pytest.skip("the SQLite procedure")
    assert engine.url.database
    return engine.url.database


class TestManualAuditRemoval:
    def add_old_and_new(self) -> tuple[int, int]:
        now = utcnow()
        old, new = add(
            AuditEvent(event="signin.failed", at=now - days(2191)),
            AuditEvent(event="signin.failed", at=now - days(2189)),
        )
        return old, new

    def test_the_sqlite_procedure_removes_only_what_is_due_and_restores_the_trigger(
        self, engine: Engine, sqlite_file: str
    ) -> None:
        _old, new = self.add_old_and_new()
        connection = sqlite3.connect(sqlite_file, isolation_level=None)
        try:
            connection.executescript(documented_sql("SQLite"))
        finally:
            connection.close()
        assert new in ids(engine, AuditEvent)
        assert retention.audit_events_due() == 0
        with open_session(write=True) as db, pytest.raises(Exception, match="append-only"):
            db.execute(text("DELETE FROM audit_event"))

    def test_the_postgresql_procedure(self, engine: Engine) -> None:
        if not IS_POSTGRES:
            pytest.skip("the PostgreSQL procedure")
        _old, new = self.add_old_and_new()
        connection: Any = engine.raw_connection()
        try:
            connection.autocommit = True
            connection.cursor().execute(documented_sql("PostgreSQL"))
        finally:
            connection.close()
        assert new in ids(engine, AuditEvent)
        assert retention.audit_events_due() == 0
        with open_session(write=True) as db, pytest.raises(Exception, match="append-only"):
            db.execute(text("DELETE FROM audit_event"))

    def test_the_documented_period_is_the_default(self) -> None:
        assert get_settings().retention_audit_days == 2190
        assert "'-2190 days'" in documented_sql("SQLite")
        assert "interval '2190 days'" in documented_sql("PostgreSQL")
