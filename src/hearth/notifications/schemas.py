"""Response models of the inbox API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


class NotificationInboxOut(BaseModel):
    unread: int
    items: list[NotificationOut]


class NotificationsMarkedOut(BaseModel):
    marked: int
