"""Helpers of the site-settings tests."""

from sqlmodel import Session

from app.models import Role, User
from app.settings import service as site_settings
from app.settings.schemas import Policy
from tests.factories import create_user


def set_policy(db: Session, **changes: object) -> Policy:
    """Save the defaults with ``changes``, as an admin would."""
    admin = create_user(db, roles={Role.admin})
    policy = Policy.model_validate(Policy().model_dump() | changes)
    site_settings.save_policy(db, policy, actor_id=admin.id)
    db.commit()
    return policy


def add_term(db: Session, kind: str, phrase: str, **more: str) -> int:
    admin: User = create_user(db, roles={Role.admin})
    term = site_settings.add_term(
        db,
        kind=kind,
        phrase=phrase,
        level=more.get("level"),
        category=more.get("category"),
        actor_id=admin.id,
    )
    db.commit()
    assert term.id is not None
    return term.id
