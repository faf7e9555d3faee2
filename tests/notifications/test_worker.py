"""Sending: a status change's and an official response's emails go out through a real SMTP
server on loopback; a worker pass drains the outbox and queues the digests that are due; and
in the embedded default the server runs the passes itself, in a thread that starts and stops
with it."""

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.config import get_settings
from app.core import jobs
from app.ideas import service as ideas_service
from app.main import create_app
from app.models import IdeaStatus, OutboxEmail, Role, Visibility
from app.triage import service as triage
from app.units import service as units
from tests.factories import create_user
from tests.helpers import IS_POSTGRES, SmtpServer, delivered_to
from tests.ideas.factories import create_follow, create_idea, staff_principal
from tests.notifications.helpers import link_in, set_visibility


def wait_for(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def unsent(db: Session) -> list[OutboxEmail]:
    db.expire_all()
    return list(db.scalars(select(OutboxEmail).where(col(OutboxEmail.sent_at).is_(None))))


def status_change_for_a_follower(db: Session) -> str:
    follower = create_user(db)
    idea = create_idea(db, title="A quiet room in the evenings")
    set_visibility(db, idea, Visibility.published)
    create_follow(db, idea=idea, user=follower)
    ideas_service.change_status(
        db, idea=idea, to=IdeaStatus.under_review, actor=staff_principal(db)
    )
    db.commit()
    return follower.email


class TestDelivery:
    def test_a_status_change_email_arrives_at_the_smtp_server(
        self, engine: Engine, db: Session, smtp_server: SmtpServer
    ) -> None:
        address = status_change_for_a_follower(db)
        (message,) = delivered_to(smtp_server, address)
        assert message["Subject"] == "Update on an idea you follow or support"
        body = SmtpServer.body(message)
        for words in ("A quiet room in the evenings", "Under review", "/account#email-updates"):
            assert words in body
        assert "not monitored 24 hours a day" in body
        assert "111" in body

    def test_an_official_response_reaches_the_author_and_a_follower_by_smtp(
        self, engine: Engine, db: Session, smtp_server: SmtpServer
    ) -> None:
        author, follower = create_user(db), create_user(db)
        idea = create_idea(db, author=author, title="A quiet room in the evenings")
        set_visibility(db, idea, Visibility.published)
        create_follow(db, idea=idea, user=follower)
        triage.respond(
            db, idea=idea, actor=staff_principal(db), message="We will try a quiet hour after tea."
        )
        db.commit()
        (yours,) = delivered_to(smtp_server, author.email)
        (theirs,) = smtp_server.to(follower.email)
        assert yours["Subject"] == "Update on the idea you suggested"
        assert theirs["Subject"] == "Update on an idea you follow or support"
        for message in (yours, theirs):
            body = SmtpServer.body(message)
            assert "There is a response to the idea" in body
            assert "A quiet room in the evenings" in body
            assert "We will try a quiet hour after tea." in body
            assert link_in(body, "/ideas/") == f"/ideas/{idea.id}"
            assert "/account#email-updates" in body
            assert "not monitored 24 hours a day" in body


class TestWorkerPass:
    def test_a_pass_drains_the_outbox(
        self, engine: Engine, db: Session, smtp_server: SmtpServer
    ) -> None:
        address = status_change_for_a_follower(db)
        done = jobs.run_pass()
        assert done.sent >= 1
        assert unsent(db) == []
        assert len(smtp_server.to(address)) == 1

    def test_a_pass_queues_due_digests_and_the_next_sends_them(
        self, engine: Engine, db: Session, smtp_server: SmtpServer
    ) -> None:
        staff = create_user(db, roles={Role.staff})
        root = units.root(db)
        units.set_memberships(db, user_id=staff.id or 0, unit_ids={root.id or 0}, actor_id=None)
        staff.digest_daily = True
        db.add(staff)
        db.commit()
        set_visibility(db, create_idea(db, title="New today"), Visibility.published)

        first = jobs.run_pass()
        assert first.digests == 1
        assert jobs.run_pass().digests == 0
        (message,) = smtp_server.to(staff.email)
        assert "New today" in SmtpServer.body(message)


class TestEmbeddedWorker:
    def test_runs_passes_until_stopped(
        self, engine: Engine, db: Session, smtp_server: SmtpServer, tmp_path: Path
    ) -> None:
        address = status_change_for_a_follower(db)
        worker = jobs.EmbeddedWorker(interval=0.05, lock_path=tmp_path / "worker.lock")
        worker.start()
        try:
            assert worker.running
            assert wait_for(lambda: len(smtp_server.to(address)) == 1)
        finally:
            worker.stop()
        assert not worker.running
        passes = worker.passes
        time.sleep(0.2)
        assert worker.passes == passes

    def test_of_two_processes_only_the_lock_holder_runs_passes(
        self, engine: Engine, tmp_path: Path
    ) -> None:
        lock = tmp_path / "worker.lock"
        first = jobs.EmbeddedWorker(interval=0.05, lock_path=lock)
        second = jobs.EmbeddedWorker(interval=0.05, lock_path=lock)
        first.start()
        assert wait_for(lambda: first.passes > 0)
        second.start()
        time.sleep(0.3)
        second.stop()
        first.stop()
        assert second.passes == 0

    @pytest.mark.skipif(IS_POSTGRES, reason="the embedded worker is for SQLite")
    def test_the_server_starts_and_stops_it(
        self,
        engine: Engine,
        db: Session,
        smtp_server: SmtpServer,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        settings = get_settings()
        monkeypatch.setattr(settings, "embedded_worker", True)
        monkeypatch.setattr(settings, "embedded_worker_seconds", 0.05)
        monkeypatch.setattr(settings, "instance_dir", tmp_path)
        address = status_change_for_a_follower(db)
        app = create_app()
        with TestClient(app):
            worker = app.state.worker
            assert worker is not None
            assert worker.running
            assert wait_for(lambda: len(smtp_server.to(address)) == 1)
        assert not worker.running

    def test_not_with_postgresql_or_when_turned_off(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        settings = get_settings()
        monkeypatch.setattr(settings, "embedded_worker", True)
        monkeypatch.setattr(settings, "database_url", "postgresql+psycopg://db.invalid/fc")
        app = create_app()
        with TestClient(app):
            assert app.state.worker is None
        monkeypatch.setattr(settings, "database_url", "sqlite:///./x.db")
        monkeypatch.setattr(settings, "embedded_worker", False)
        app = create_app()
        with TestClient(app):
            assert app.state.worker is None
