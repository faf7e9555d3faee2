"""Voluntary demographics: a person's pseudonymous contributor id and their answers.

A signed-in person has one contributor id (made the first time they answer). Someone who
sent an idea without an account answers through its receipt link: that idea gets a
contributor id of its own (``idea.contributor_id``), so the answers count for that idea and
nothing links them to anything else. Answers can be changed or deleted at any time.
"""

import secrets

from sqlmodel import Session

from app.demographics import repository as repo
from app.demographics.schemas import DemographicsForm
from app.errors import Forbidden
from app.i18n import _
from app.models import Contributor, DemographicAnswer, Idea, utcnow


def new_id() -> str:
    """A random, opaque id (128 bits): it says nothing about the person or when they answered."""
    return secrets.token_hex(16)


def contributor_of_user(db: Session, *, user_id: int, create: bool = False) -> Contributor | None:
    found = repo.contributor_of_user(db, user_id=user_id)
    if found is None and create:
        found = Contributor(id=new_id(), user_id=user_id)
        db.add(found)
        db.flush()
    return found


def contributor_of_idea(db: Session, *, idea: Idea, create: bool = False) -> Contributor | None:
    """The contributor of an idea sent without an account (its receipt link's holder)."""
    if idea.author_id is not None:
        raise Forbidden(_("Sign in to answer these questions: this idea was sent from an account."))
    if idea.contributor_id is not None:
        return repo.contributor(db, idea.contributor_id)
    if not create:
        return None
    assert idea.id is not None
    found = Contributor(id=new_id())
    db.add(found)
    db.flush()
    repo.set_idea_contributor(db, idea_id=idea.id, contributor_id=found.id)
    return found


def answers(db: Session, contributor: Contributor | None) -> DemographicAnswer | None:
    return repo.answers(db, contributor.id) if contributor is not None else None


def save(db: Session, *, contributor: Contributor, form: DemographicsForm) -> DemographicAnswer:
    """Keep ``form``'s answers (a form left blank keeps nothing: the answers are deleted)."""
    row = repo.answers(db, contributor.id)
    if form.is_empty():
        delete(db, contributor=contributor)
        return DemographicAnswer(contributor_id=contributor.id)
    if row is None:
        row = DemographicAnswer(contributor_id=contributor.id)
        db.add(row)
    row.ethnicity = form.ethnicity
    row.age_band = form.age_band
    row.sex = form.sex
    row.gender_same_as_sex = form.gender_same_as_sex
    row.disability = form.disability
    row.updated_at = utcnow()
    db.flush()
    return row


def delete(db: Session, *, contributor: Contributor) -> None:
    repo.delete_answers(db, contributor.id)


def export(db: Session, *, user_id: int) -> dict[str, str | None] | None:
    """A signed-in person's answers for "download my data" (None: they gave none)."""
    found = repo.contributor_of_user(db, user_id=user_id)
    row = repo.answers(db, found.id) if found is not None else None
    if row is None:
        return None
    return {
        "ethnicity": row.ethnicity,
        "age_band": row.age_band,
        "sex": row.sex,
        "gender_same_as_sex": row.gender_same_as_sex,
        "disability": row.disability,
        "updated_at": row.updated_at.isoformat(),
    }
