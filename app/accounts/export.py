""" "Download my data": everything held about one person, as JSON.

Each domain's repository gives its part; this module only shapes the document.
"""

from typing import Any

from sqlmodel import Session

from app.accounts import repository as repo
from app.comments import repository as comments_repo
from app.demographics import service as demographics
from app.follows import repository as follows_repo
from app.ideas import repository as ideas_repo
from app.models import User
from app.units import repository as units_repo
from app.votes import repository as votes_repo


def collect(db: Session, *, user: User) -> dict[str, Any]:
    assert user.id is not None
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
            for i in reversed(ideas_repo.ideas_of(db, user_id=user.id, limit=None))
        ],
        "comments": [
            {
                "id": c.id,
                "idea_id": c.subject_id,
                "body": c.body,
                "created_at": c.created_at.isoformat(),
                "removed": c.deleted_at is not None,
            }
            for c in comments_repo.of_user(db, user_id=user.id)
        ],
        "votes": [
            {"idea_id": v.idea_id, "created_at": v.created_at.isoformat()}
            for v in votes_repo.of_user(db, user_id=user.id)
        ],
        "following": [f.subject_id for f in follows_repo.of_user(db, user_id=user.id)],
        # Kept apart from the account under a random id; null when none were given.
        "about_you": demographics.export(db, user_id=user.id),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "i_am_a": user.identity,
            "created_at": user.created_at.isoformat(),
            "updated_at": user.updated_at.isoformat(),
            "roles": sorted(repo.roles_of(db, user.id)),
            "units": list(units_repo.member_unit_names(db, user_id=user.id)),
        },
        "sessions": [
            {
                "started": s.created_at.isoformat(),
                "last_active": s.last_seen_at.isoformat(),
                "ended": s.revoked_at.isoformat() if s.revoked_at else None,
                "device": s.user_agent,
                "ip_address": s.ip_address,
            }
            for s in repo.all_sessions(db, user.id)
        ],
        "api_tokens": [
            {
                "name": t.name,
                "starts_with": t.prefix,
                "created": t.created_at.isoformat(),
                "revoked": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in repo.all_api_tokens(db, user.id)
        ],
        "security_events": [
            {"at": e.at.isoformat(), "event": e.event, "ip_address": e.ip_address}
            for e in repo.audit_events_about(db, user.id)
        ],
    }
