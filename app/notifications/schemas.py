"""Notifications in the JSON API."""

from datetime import datetime

from pydantic import BaseModel


class NotificationPublic(BaseModel):
    id: int
    idea_id: int
    #: What happened: ``status``, ``response``, ``comment``, ``project_started`` ...
    kind: str
    created_at: datetime
    read: bool


class NotificationsPublic(BaseModel):
    #: The latest 50, newest first.
    items: list[NotificationPublic]


class MarkedRead(BaseModel):
    #: How many were unread until now.
    marked: int
