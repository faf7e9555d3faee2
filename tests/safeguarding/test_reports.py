"""A report that "someone may be at risk of harm" goes to the safeguarding queue (HAZ-01)."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import SafeguardingLevel, Visibility
from tests.factories import create_user
from tests.ideas.factories import create_comment, create_idea
from tests.safeguarding.helpers import queue


class TestRiskReports:
    def test_a_risk_report_on_an_idea_raises_an_item(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db, title="Evening groups")
        response = client.post(
            f"/ideas/{idea.id}/report", data={"reason": "risk"}, follow_redirects=False
        )
        assert response.status_code == 303
        [item] = queue(db)
        assert (item.idea_id, item.comment_id, item.source) == (idea.id, None, "report")
        assert item.level == SafeguardingLevel.concern
        assert item.report_id is not None
        # A person decides whether to hide it: a report alone does not.
        db.refresh(idea)
        assert idea.visibility == Visibility.published

    def test_a_risk_report_on_a_comment_names_the_comment(
        self, client: TestClient, db: Session
    ) -> None:
        idea = create_idea(db)
        comment = create_comment(db, idea=idea, author=create_user(db))
        client.post(f"/ideas/{idea.id}/report", data={"reason": "risk", "comment_id": comment.id})
        [item] = queue(db)
        assert (item.idea_id, item.comment_id) == (idea.id, comment.id)

    def test_other_reasons_do_not(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        client.post(f"/ideas/{idea.id}/report", data={"reason": "abusive"})
        assert queue(db) == []
