"""Request, response and form models of accounts: users, sign-up, log-in, API tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from hearth.accounts.service import MIN_PASSWORD


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    username: str
    display_name: str
    role: str
    partner_id: str | None
    created_at: datetime


class SignupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        pattern=r"^\s*[A-Za-z0-9][A-Za-z0-9_.-]{2,39}\s*$",
        max_length=60,
        description="3-40 letters, digits, '.', '_' or '-', starting with a letter or digit",
    )
    password: str = Field(min_length=MIN_PASSWORD, max_length=200)
    display_name: str | None = Field(default=None, max_length=80)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=200)


class ApiTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)


class ApiTokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenOut):
    token: str = Field(description="the secret; shown only in this response")


# Forms of the pages. They do not forbid extra fields: every form carries its CSRF token.


class LoginForm(BaseModel):
    username: str = Field(max_length=40)
    password: str = Field(max_length=200)
    next: str = "/"


class SignupForm(BaseModel):
    username: str = Field(max_length=40)
    password: str = Field(max_length=200)
    display_name: str = Field(default="", max_length=80)


class ApiTokenForm(BaseModel):
    name: str = Field(max_length=80)
