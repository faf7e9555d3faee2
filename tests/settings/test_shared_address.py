"""Many ideas from one network address (a ward tablet, a trust's Wi-Fi): past the usual limit
they wait for a moderator, flagged; past the policy's hard cap they are refused kindly, and
the form keeps what was typed."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.config import get_settings
from app.ideas import service as ideas_service
from app.models import Idea, RateEvent, Visibility
from tests.factories import create_user, sign_in
from tests.helpers import error_summary, idea_form, soup_of
from tests.settings.helpers import set_policy

FLAG = "Many ideas from one network address (a shared device or Wi-Fi)"


@pytest.fixture
def small_limits(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "anonymous_ideas_per_ip_per_hour", 2)
    set_policy(db, anonymous_wait=False, shared_address_hard_cap=3)


def _send(client: TestClient, title: str, **more: str) -> int:
    response = client.post(
        "/ideas", data=idea_form(client, title=title, **more), follow_redirects=False
    )
    return response.status_code


def _ideas(db: Session) -> list[Idea]:
    return list(db.scalars(select(Idea).order_by(col(Idea.id))))


class TestSharedAddress:
    def test_under_the_usual_limit_ideas_are_not_flagged(
        self, client: TestClient, db: Session, small_limits: None
    ) -> None:
        assert [_send(client, f"Idea {n}") for n in range(2)] == [303, 303]
        assert [(i.visibility, i.moderation_flags) for i in _ideas(db)] == [
            (Visibility.published, []),
            (Visibility.published, []),
        ]

    def test_past_the_usual_limit_an_idea_waits_with_the_flag(
        self, client: TestClient, db: Session, small_limits: None
    ) -> None:
        for n in range(3):
            assert _send(client, f"Idea {n}") == 303
        last = _ideas(db)[-1]
        assert last.visibility == Visibility.pending_moderation
        assert last.moderation_flags == [FLAG]
        assert ideas_service.SHARED_ADDRESS_FLAG == FLAG

    def test_past_the_hard_cap_it_is_refused_kindly_and_nothing_is_lost(
        self, client: TestClient, db: Session, small_limits: None
    ) -> None:
        for n in range(3):
            assert _send(client, f"Idea {n}") == 303
        data = idea_form(client, title="A fourth idea", description="Typed with care.")
        response = client.post("/ideas", data=data)
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) > 0
        (message,) = error_summary(response)
        assert "A lot of ideas have been sent from this network" in message
        assert "ask a member of staff" in message
        assert "you" not in message.lower().split()
        soup = soup_of(response)
        assert soup.select_one("textarea#title").get_text() == "A fourth idea"
        assert soup.select_one("textarea#description").get_text() == "Typed with care."
        assert len(_ideas(db)) == 3
        # The refused attempt is not counted against the address.
        assert db.scalar(select(func.count()).select_from(RateEvent)) == 3

    def test_a_signed_in_person_is_not_counted_by_address(
        self, client: TestClient, db: Session, small_limits: None
    ) -> None:
        for n in range(3):
            _send(client, f"Idea {n}")
        sign_in(client, create_user(db))
        assert _send(client, "Mine") == 303
        assert _ideas(db)[-1].moderation_flags == []
