"""Helpers of the safeguarding tests."""

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.models import Idea, SafeguardingItem
from app.safeguarding import repository as repo
from tests.helpers import idea_form

#: The example from issue 9, word for word.
RISKY = "I can't go on, I have pills saved up and I'm going to take them tonight"
CONTACT = "safeguarding.contact@trust.example.org"
BACKUP = "backup.contact@trust.example.org"


def post_idea(client: TestClient, *, title: str, description: str) -> str:
    """Send an idea through the form; returns the receipt page's address."""
    response = client.post(
        "/ideas",
        data=idea_form(client, title=title, description=description),
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]
    return str(response.headers["location"])


def queue(db: Session) -> list[SafeguardingItem]:
    db.expire_all()
    return list(repo.queue(db))


def idea_titled(db: Session, title: str) -> Idea:
    return db.exec(select(Idea).where(col(Idea.title) == title)).one()
