"""The staff daily digest: once a day, only to staff who asked for it, listing the published
ideas of the last day in their units and the units beneath them; moderators also get a count of
what waits for them; held ideas are never mentioned; two workers never send the same digest."""

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from app.db import open_session
from app.models import Idea, Role, Unit, UnitKind, User, Visibility, utcnow
from app.notifications import digest
from app.notifications import repository as notifications_repo
from app.units import service as units
from tests.factories import create_unit, create_user
from tests.ideas.factories import create_idea
from tests.notifications.helpers import outbox_to, set_visibility


def member(db: Session, *, unit: Unit, roles: set[Role], digest_daily: bool = True) -> User:
    user = create_user(db, roles=roles)
    units.set_memberships(db, user_id=user.id or 0, unit_ids={unit.id or 0}, actor_id=None)
    user.digest_daily = digest_daily
    db.add(user)
    db.commit()
    return user


def idea_in(db: Session, unit: Unit, title: str, visibility: Visibility) -> Idea:
    idea = create_idea(db, unit=unit, title=title)
    set_visibility(db, idea, visibility)
    return idea


def send(now: object = None) -> int:
    with open_session(write=True) as w:
        queued = digest.send_due(w, now=now)  # type: ignore[arg-type]
        w.commit()
    return queued


@pytest.fixture
def area(db: Session) -> dict[str, Unit]:
    directorate = create_unit(db, name="Adult services", kind=UnitKind.directorate)
    ward = create_unit(db, name="Ward 4", parent=directorate)
    elsewhere = create_unit(db, name="Children's services", kind=UnitKind.directorate)
    return {"directorate": directorate, "ward": ward, "elsewhere": elsewhere}


class TestWhatItSays:
    def test_lists_published_ideas_in_their_units_and_beneath(
        self, db: Session, area: dict[str, Unit]
    ) -> None:
        staff = member(db, unit=area["directorate"], roles={Role.staff})
        idea_in(db, area["ward"], "A quiet room", Visibility.published)
        idea_in(db, area["directorate"], "Longer visiting hours", Visibility.published)
        idea_in(db, area["elsewhere"], "Not in my area", Visibility.published)
        idea_in(db, area["ward"], "Something held", Visibility.held)
        idea_in(db, area["ward"], "Something waiting", Visibility.pending_moderation)
        old = idea_in(db, area["ward"], "From last week", Visibility.published)
        db.execute(
            update(Idea)
            .where(col(Idea.id) == old.id)
            .values(created_at=utcnow() - timedelta(days=3))
        )
        db.commit()

        assert send() == 1
        (message,) = outbox_to(db, staff.email)
        body = message.body_text
        assert "A quiet room" in body
        assert "Longer visiting hours" in body
        for absent in ("Not in my area", "Something held", "Something waiting", "From last week"):
            assert absent not in body
        assert "waiting for a moderator" not in body  # not a moderator
        assert "/ideas/" in body
        assert "not monitored 24 hours a day" in body

    def test_moderators_get_a_count_of_what_waits(self, db: Session, area: dict[str, Unit]) -> None:
        moderator = member(db, unit=area["directorate"], roles={Role.staff, Role.moderator})
        idea_in(db, area["ward"], "Something waiting", Visibility.pending_moderation)
        idea_in(db, area["ward"], "Another waiting", Visibility.pending_moderation)
        idea_in(db, area["ward"], "Something held", Visibility.held)
        assert send() == 1
        (message,) = outbox_to(db, moderator.email)
        assert "2 ideas in your area are waiting for a moderator." in message.body_text
        assert "Something waiting" not in message.body_text
        assert "held" not in message.body_text.lower()

    def test_nothing_to_say_sends_nothing(self, db: Session, area: dict[str, Unit]) -> None:
        staff = member(db, unit=area["directorate"], roles={Role.staff})
        idea_in(db, area["elsewhere"], "Not in my area", Visibility.published)
        assert send() == 0
        assert outbox_to(db, staff.email) == []


class TestWhoGetsIt:
    def test_only_staff_who_asked(self, db: Session, area: dict[str, Unit]) -> None:
        asked = member(db, unit=area["ward"], roles={Role.staff})
        did_not = member(db, unit=area["ward"], roles={Role.staff}, digest_daily=False)
        not_staff = member(db, unit=area["ward"], roles={Role.service_user})
        idea_in(db, area["ward"], "A quiet room", Visibility.published)
        assert send() == 1
        assert len(outbox_to(db, asked.email)) == 1
        assert outbox_to(db, did_not.email) == []
        assert outbox_to(db, not_staff.email) == []


class TestOncePerDay:
    def test_once_a_day(self, db: Session, area: dict[str, Unit]) -> None:
        staff = member(db, unit=area["ward"], roles={Role.staff})
        idea_in(db, area["ward"], "A quiet room", Visibility.published)
        assert send() == 1
        assert send() == 0
        assert send(utcnow() + timedelta(hours=23)) == 0
        assert len(outbox_to(db, staff.email)) == 1
        # A day on (the last one was sent 25 hours ago): the next is due.
        db.execute(
            update(User)
            .where(col(User.id) == staff.id)
            .values(digest_sent_at=utcnow() - timedelta(hours=25))
        )
        db.commit()
        assert send() == 1
        assert len(outbox_to(db, staff.email)) == 2

    def test_a_digest_another_worker_claimed_is_not_sent_again(
        self, db: Session, area: dict[str, Unit]
    ) -> None:
        staff = member(db, unit=area["ward"], roles={Role.staff})
        idea_in(db, area["ward"], "A quiet room", Visibility.published)
        now = utcnow()
        with open_session(write=True) as other_worker:
            assert notifications_repo.claim_digest(
                other_worker, user_id=staff.id or 0, before=now - digest.EVERY, now=now
            )
            other_worker.commit()
        with open_session(write=True) as late:
            assert not notifications_repo.claim_digest(
                late, user_id=staff.id or 0, before=now - digest.EVERY, now=now
            )
        assert send() == 0
        assert outbox_to(db, staff.email) == []
