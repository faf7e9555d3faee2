"""The signed-in person's notifications in the JSON API: ``GET /api/v1/me/notifications``
(any token may read them) and ``POST /api/v1/me/notifications/read`` (a token needs the write
scope). Only notifications about ideas are listed; project news is on the activity page."""

from app.deps import DbSession, SignedIn
from app.notifications import service as notifications
from app.notifications.schemas import MarkedRead, NotificationPublic, NotificationsPublic
from app.web.api import problems
from app.web.routing import Router

router = Router(prefix="/api/v1", tags=["api"])


@router.get(
    "/me/notifications",
    response_model=NotificationsPublic,
    responses=problems(401),
    name="api_my_notifications",
)
def my_notifications(principal: SignedIn, db: DbSession) -> NotificationsPublic:
    """Your latest notifications about ideas, newest first."""
    return NotificationsPublic(
        items=[
            NotificationPublic(
                id=item.notification.id or 0,
                idea_id=item.idea.id or 0,
                kind=item.notification.kind,
                created_at=item.notification.created_at,
                read=item.notification.read_at is not None,
            )
            for item in notifications.for_user(db, principal=principal)
            if item.idea is not None
        ]
    )


@router.post(
    "/me/notifications/read",
    response_model=MarkedRead,
    responses=problems(401, 403),
    name="api_my_notifications_read",
)
def mark_read(principal: SignedIn, db: DbSession) -> MarkedRead:
    """Mark all your notifications read."""
    marked = notifications.mark_all_read(db, user_id=principal.user_id)
    db.commit()
    return MarkedRead(marked=marked)
