"""What authors typed is kept only as long as it is needed: deleted after
FULLCIRCLE_RETENTION_SCREENED_TEXT_DAYS, never while a safeguarding item about it is open
(app/core/retention.py ``screened_texts``)."""

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.core import retention
from app.models import Idea, SafeguardingItem, SafeguardingStatus, ScreenedText, utcnow
from tests.ideas.factories import create_idea
from tests.safeguarding.helpers import RISKY

TYPED = "Call me on 07700 900123 please"


def age_originals(db: Session, days: int) -> None:
    db.execute(update(ScreenedText).values(updated_at=utcnow() - timedelta(days=days)))
    db.commit()


def originals(db: Session) -> list[ScreenedText]:
    db.expire_all()
    return list(db.exec(select(ScreenedText)))


class TestOriginalsRetention:
    def test_it_is_deleted_after_its_period_and_the_public_text_stays(self, db: Session) -> None:
        idea = create_idea(db, description=TYPED)
        age_originals(db, 89)
        assert retention.screened_texts() == 0
        age_originals(db, 91)
        assert retention.screened_texts() == 1
        assert originals(db) == []
        assert db.get(Idea, idea.id).description == "Call me on [phone number] please"

    def test_it_is_kept_while_a_safeguarding_item_is_open(self, db: Session) -> None:
        create_idea(db, description=f"{RISKY}. {TYPED}")
        age_originals(db, 400)
        assert retention.screened_texts() == 0
        assert len(originals(db)) == 1
        db.execute(
            update(SafeguardingItem)
            .where(col(SafeguardingItem.status) == SafeguardingStatus.open)
            .values(status=SafeguardingStatus.closed)
        )
        db.commit()
        assert retention.screened_texts() == 1
        assert originals(db) == []
