"""Helpers of the triage tests."""

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.accounts import service as accounts
from app.models import AuditEvent, Idea, TokenScope, Unit, User
from app.units import service as units


def audit_rows(db: Session, event: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.exec(select(AuditEvent).where(col(AuditEvent.event) == event)).all())


def bearer(db: Session, user: User, scopes: set[TokenScope] | None = None) -> dict[str, str]:
    _row, secret = accounts.create_api_token(db, user=user, name="tests", scopes=scopes)
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


def set_owner(db: Session, idea: Idea, owner: User | None) -> None:
    db.execute(
        update(Idea).where(col(Idea.id) == idea.id).values(owner_id=owner.id if owner else None)
    )
    db.commit()


def fresh(db: Session, idea: Idea) -> Idea:
    db.expire_all()
    found = db.get(Idea, idea.id)
    assert found is not None
    return found


@dataclass(frozen=True)
class Place:
    """A directorate with a team (Willow) under it, and another team (Cedar) elsewhere."""

    directorate: Unit
    willow: Unit
    cedar: Unit


@dataclass(frozen=True)
class People:
    willow_staff: User
    directorate_staff: User
    cedar_staff: User
    moderator: User
    admin: User
    service_user: User
    carer: User


def member(db: Session, user: User, *units_: Unit) -> User:
    assert user.id is not None
    units.set_memberships(
        db, user_id=user.id, unit_ids={u.id for u in units_ if u.id}, actor_id=None
    )
    db.commit()
    return user
