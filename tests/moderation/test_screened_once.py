"""A form that may show its public text first (identifying details removed) screens the text
once per request, not once for the preview and again to store it; a different text, or the
site's terms changing, is screened afresh."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.models import Comment, Idea, LocalTerm, LocalTermKind
from app.moderation import service as moderation
from tests.factories import create_user, sign_in
from tests.helpers import idea_form
from tests.ideas.factories import create_idea


@contextmanager
def screenings() -> Iterator[list[tuple[str, ...]]]:
    """The texts screened inside the block (their field names)."""
    seen: list[tuple[str, ...]] = []
    real = moderation.screen_fields

    def counted(fields: Any, **kwargs: Any) -> moderation.Screened:
        seen.append(tuple(fields))
        return real(fields, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(moderation, "screen_fields", counted)
        yield seen


def test_an_idea_from_the_form_is_screened_once(client: TestClient, db: Session) -> None:
    data = idea_form(client, title="Quiet room after tea")
    with screenings() as seen:
        sent = client.post("/ideas", data=data, follow_redirects=False)
    assert sent.status_code == 303
    assert seen == [("title", "description", "benefit")]
    assert db.exec(select(Idea).where(col(Idea.title) == "Quiet room after tea")).one()


def test_a_comment_is_screened_once(client: TestClient, db: Session) -> None:
    idea = create_idea(db)
    sign_in(client, create_user(db))
    with screenings() as seen:
        sent = client.post(
            f"/ideas/{idea.id}/comments", data={"body": "Yes please"}, follow_redirects=False
        )
    assert sent.status_code == 303
    assert seen == [("body",)]
    assert db.exec(select(Comment).where(col(Comment.body) == "Yes please")).one()


def test_another_text_or_new_terms_are_screened_afresh(db: Session) -> None:
    with screenings() as seen:
        first = moderation.screen_with_site_terms(db, {"body": "We met at Elm Lodge"})
        assert moderation.screen_with_site_terms(db, {"body": "We met at Elm Lodge"}) is first
        moderation.screen_with_site_terms(db, {"body": "Another text"})
        assert len(seen) == 2
        db.add(LocalTerm(kind=LocalTermKind.place, phrase="Elm Lodge"))
        db.commit()
        again = moderation.screen_with_site_terms(db, {"body": "We met at Elm Lodge"})
    assert len(seen) == 3
    assert "Elm Lodge" in (first.public["body"] or "")
    assert "Elm Lodge" not in (again.public["body"] or "")
