"""Telling people: the safeguarding contacts by email (never with what was written) and every
safeguarding lead in-app, at once; the backup contacts, once, when an urgent item waits
unacknowledged past FULLCIRCLE_SAFEGUARDING_ESCALATE_MINUTES (HAZ-01, HAZ-07). Mail goes
through the outbox to a real SMTP server on loopback."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.core import jobs
from app.models import AuditEvent, Notification, OutboxEmail, SafeguardingItem, User, utcnow
from app.safeguarding import service as safeguarding
from tests.factories import sign_in
from tests.helpers import SmtpServer, delivered_to, soup_of
from tests.safeguarding.helpers import BACKUP, CONTACT, RISKY, post_idea, queue


def backdate(db: Session, minutes: int) -> None:
    db.execute(update(SafeguardingItem).values(created_at=utcnow() - timedelta(minutes=minutes)))
    db.commit()


def outbox_to(db: Session, address: str) -> list[OutboxEmail]:
    db.expire_all()
    return list(db.exec(select(OutboxEmail).where(col(OutboxEmail.to_address) == address)))


class TestTheContacts:
    def test_they_are_emailed_at_once_without_the_text(
        self, client: TestClient, db: Session, contacts: None, smtp_server: SmtpServer
    ) -> None:
        post_idea(client, title="Please help", description=RISKY)
        [message] = delivered_to(smtp_server, CONTACT)
        body = smtp_server.body(message)
        assert "urgent" in str(message["Subject"]).lower()
        item = queue(db)[0]
        assert f"/safeguarding/{item.id}" in body
        assert "Urgent" in body
        assert "not monitored 24 hours a day" in body
        for words in ("pills", "tonight", "Please help", "go on"):
            assert words not in body
            assert words not in str(message["Subject"])
        assert smtp_server.to(BACKUP) == []

    def test_every_safeguarding_lead_is_told_in_app(
        self, client: TestClient, db: Session, lead: User
    ) -> None:
        post_idea(client, title="Please help", description=RISKY)
        rows = db.exec(select(Notification).where(col(Notification.user_id) == lead.id)).all()
        assert [n.kind for n in rows] == ["safeguarding"]
        client.cookies.clear()
        sign_in(client, lead)
        page = client.get("/me")
        assert "A new safeguarding item is waiting." in page.text
        assert "pills" not in page.text


class TestEscalation:
    def test_an_urgent_item_unacknowledged_for_30_minutes_goes_to_the_backups_once(
        self, client: TestClient, db: Session, contacts: None, smtp_server: SmtpServer
    ) -> None:
        post_idea(client, title="Please help", description=RISKY)
        backdate(db, 29)
        assert jobs.run_pass().escalated == 0
        assert outbox_to(db, BACKUP) == []
        assert smtp_server.to(BACKUP) == []
        backdate(db, 31)
        # The worker's pass escalates and sends that email in the same pass.
        done = jobs.run_pass()
        assert done.escalated == 1
        [message] = smtp_server.to(BACKUP)
        assert message["Subject"] == "Not yet acknowledged: an urgent safeguarding item is waiting"
        body = smtp_server.body(message)
        assert "has not been acknowledged yet" in body
        assert f"/safeguarding/{queue(db)[0].id}" in body
        assert "not monitored 24 hours a day" in body
        for words in ("pills", "tonight", "Please help", "go on"):
            assert words not in body
            assert words not in str(message["Subject"])
        assert queue(db)[0].escalated_at is not None
        # Once only.
        assert jobs.run_pass().escalated == 0
        assert len(smtp_server.to(BACKUP)) == 1
        assert len(outbox_to(db, BACKUP)) == 1
        rows = db.exec(
            select(AuditEvent).where(col(AuditEvent.event) == "safeguarding.escalated")
        ).all()
        assert len(rows) == 1

    def test_an_acknowledged_item_or_a_concern_is_not_escalated(
        self, client: TestClient, db: Session, contacts: None, lead: User
    ) -> None:
        post_idea(client, title="A worry", description="I want to die")
        post_idea(client, title="Please help", description=RISKY)
        client.cookies.clear()
        sign_in(client, lead)
        urgent = queue(db)[0]
        client.post(f"/safeguarding/{urgent.id}/acknowledge")
        backdate(db, 120)
        assert safeguarding.escalate_overdue(db) == 0
        db.commit()
        assert outbox_to(db, BACKUP) == []

    def test_overdue_items_are_highlighted(
        self, client: TestClient, db: Session, lead: User
    ) -> None:
        post_idea(client, title="Please help", description=RISKY)
        backdate(db, 45)
        client.cookies.clear()
        sign_in(client, lead)
        card = soup_of(client.get("/safeguarding")).select_one(".fc-safeguarding-item")
        assert card is not None
        assert "fc-overdue" in card["class"]
        assert "Overdue" in card.get_text()
