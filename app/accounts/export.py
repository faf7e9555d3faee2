""" "Download my data": everything held about one person, as JSON.

Later domains (ideas, votes, comments) add their sections in ``collect``.
"""

from typing import Any

from sqlmodel import Session, col, select

from app.accounts import repository as repo
from app.models import (
    ApiToken,
    AuditEvent,
    AuthSession,
    Comment,
    Follow,
    Idea,
    Unit,
    User,
    UserUnit,
    Vote,
)


def collect(db: Session, *, user: User) -> dict[str, Any]:
    assert user.id is not None
    units = db.scalars(
        select(Unit.name)
        .join(UserUnit, col(UserUnit.unit_id) == col(Unit.id))
        .where(UserUnit.user_id == user.id)
    ).all()
    sessions = db.scalars(select(AuthSession).where(AuthSession.user_id == user.id)).all()
    tokens = db.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    events = db.scalars(
        select(AuditEvent)
        .where((AuditEvent.subject_user_id == user.id) | (AuditEvent.actor_id == user.id))
        .order_by(col(AuditEvent.id))
    ).all()
    ideas = db.scalars(select(Idea).where(col(Idea.author_id) == user.id).order_by(col(Idea.id)))
    comments = db.scalars(
        select(Comment).where(col(Comment.author_id) == user.id).order_by(col(Comment.id))
    )
    votes = db.scalars(select(Vote).where(col(Vote.user_id) == user.id).order_by(col(Vote.id)))
    follows = db.scalars(select(Follow).where(col(Follow.user_id) == user.id))
    return {
        "ideas": [
            {
                "id": i.id,
                "title": i.title,
                "description": i.description,
                "benefit": i.benefit,
                "status": i.status,
                "submitted_as": i.submitted_as,
                "created_at": i.created_at.isoformat(),
            }
            for i in ideas
        ],
        "comments": [
            {
                "id": c.id,
                "idea_id": c.idea_id,
                "body": c.body,
                "created_at": c.created_at.isoformat(),
                "removed": c.deleted_at is not None,
            }
            for c in comments
        ],
        "votes": [{"idea_id": v.idea_id, "created_at": v.created_at.isoformat()} for v in votes],
        "following": [f.idea_id for f in follows],
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "i_am_a": user.identity,
            "created_at": user.created_at.isoformat(),
            "updated_at": user.updated_at.isoformat(),
            "roles": sorted(repo.roles_of(db, user.id)),
            "units": list(units),
        },
        "sessions": [
            {
                "started": s.created_at.isoformat(),
                "last_active": s.last_seen_at.isoformat(),
                "ended": s.revoked_at.isoformat() if s.revoked_at else None,
                "device": s.user_agent,
                "ip_address": s.ip_address,
            }
            for s in sessions
        ],
        "api_tokens": [
            {
                "name": t.name,
                "starts_with": t.prefix,
                "created": t.created_at.isoformat(),
                "revoked": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in tokens
        ],
        "security_events": [
            {"at": e.at.isoformat(), "event": e.event, "ip_address": e.ip_address} for e in events
        ],
    }
