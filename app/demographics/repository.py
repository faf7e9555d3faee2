"""Demographics queries: contributor ids and their answers (the reports' aggregates are in
app/reports/repository.py)."""

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.models import Contributor, DemographicAnswer, Idea


def contributor_of_user(db: Session, *, user_id: int) -> Contributor | None:
    return db.scalars(select(Contributor).where(col(Contributor.user_id) == user_id)).first()


def contributor(db: Session, contributor_id: str) -> Contributor | None:
    return db.get(Contributor, contributor_id)


def answers(db: Session, contributor_id: str) -> DemographicAnswer | None:
    return db.get(DemographicAnswer, contributor_id)


def delete_answers(db: Session, contributor_id: str) -> None:
    db.execute(
        delete(DemographicAnswer).where(col(DemographicAnswer.contributor_id) == contributor_id)
    )


def set_idea_contributor(db: Session, *, idea_id: int, contributor_id: str) -> None:
    db.execute(update(Idea).where(col(Idea.id) == idea_id).values(contributor_id=contributor_id))
