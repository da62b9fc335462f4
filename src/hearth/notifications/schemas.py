"""Request and response models of the inbox API and of notification preferences."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from hearth.notifications import rules


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


class PreferenceOut(BaseModel):
    topic: str = Field(description="the kind of notifications, such as payments")
    label: str
    about: str = Field(description="what the topic covers, as a sentence")
    in_app: bool = Field(description="shown in your inbox in the app")
    email: bool = Field(description="mailed to your address, once it is verified")


class PreferenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str = Field(
        max_length=40, json_schema_extra={"enum": [topic.key for topic in rules.TOPICS]}
    )
    in_app: bool
    email: bool
