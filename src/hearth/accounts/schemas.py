"""Request, response and form models of accounts: users, sign-up, log-in, API tokens,
the profile, email and password, saved addresses."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from hearth.accounts.profile import LOCALES
from hearth.accounts.rules import EMAIL_PATTERN, MAX_EMAIL, MAX_PASSWORD
from hearth.accounts.service import MIN_PASSWORD
from hearth.kit import times
from hearth.kit.bounds import NOT_BLANK
from hearth.kit.text import Name

Email = Annotated[
    str,
    Field(
        max_length=MAX_EMAIL,
        pattern=EMAIL_PATTERN,
        description="an email address, such as mia@example.com",
    ),
]
ZoneName = Annotated[
    str,
    Field(
        max_length=64,
        json_schema_extra={"enum": list(times.zone_names())},
        description="an IANA time zone, such as Europe/Berlin",
    ),
]
LocaleTag = Annotated[
    str, Field(json_schema_extra={"enum": list(LOCALES)}, description="a language, such as de")
]


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    username: str
    display_name: str
    role: str
    partner_id: str | None
    created_at: datetime
    email: str | None = Field(description="your address; mail goes to it once verified")
    email_verified_at: datetime | None
    time_zone: str | None = Field(description="your own time zone; null: the browser's")
    locale: str | None = Field(description="your language; null: the browser's")


class SignupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        pattern=r"^\s*[A-Za-z0-9][A-Za-z0-9_.-]{2,39}\s*$",
        max_length=60,
        description="3-40 letters, digits, '.', '_' or '-', starting with a letter or digit",
    )
    password: str = Field(min_length=MIN_PASSWORD, max_length=200)
    display_name: str | None = Field(default=None, max_length=80)
    email: Email | None = Field(
        default=None, description="optional; a link to confirm it is mailed to it"
    )


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
    email: str = Field(default="", max_length=300)


class ApiTokenForm(BaseModel):
    name: str = Field(max_length=80)


class ProfileIn(BaseModel):
    """What a person may change of their profile; a field left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    display_name: Name | None = None
    time_zone: ZoneName | None = Field(default=None, description="null: the browser's zone")
    locale: LocaleTag | None = Field(default=None, description="null: the browser's language")


class EmailIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email


class TokenIn(BaseModel):
    """The secret of a mailed link (the last part of its path)."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD)
    new_password: str = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)


class PasswordChangedOut(BaseModel):
    sessions_ended: int = Field(description="your other browser sessions that were signed out")


class ForgotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email


class ResetIn(TokenIn):
    password: str = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)


class MessageOut(BaseModel):
    detail: str = Field(description="what happened, as a sentence for a person")


def _one_line(value: object) -> object:
    """Collapse runs of whitespace, as an address line is printed on a label."""
    return " ".join(value.split()) if isinstance(value, str) else value


def _country(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


OneLine = BeforeValidator(_one_line)


def _line(least: int, most: int) -> StringConstraints:
    """A line of ``least`` to ``most`` characters; a required one is more than spaces."""
    return StringConstraints(
        min_length=least, max_length=most, pattern=NOT_BLANK if least else None
    )


# Constraints first: the validator after them runs before, on the raw text.
Name80 = Annotated[str, _line(1, 80), OneLine]
Line120 = Annotated[str, _line(1, 120), OneLine]
Optional120 = Annotated[str, _line(0, 120), OneLine]
City = Annotated[str, _line(1, 60), OneLine]
Region = Annotated[str, _line(0, 60), OneLine]
PostalCode = Annotated[str, _line(1, 16), OneLine]
Country = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    BeforeValidator(_country),
    Field(description="ISO 3166 two-letter code, in either case"),
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]


class AddressIn(BaseModel):
    """A shipping address as printed on a label: one line per field."""

    model_config = ConfigDict(extra="forbid")

    name: Name80
    line1: Line120
    line2: Optional120 = ""
    city: City
    postal_code: PostalCode
    region: Region = ""
    country: Country
    phone: Phone = ""
    is_default: bool = Field(default=False, description="make this your default address")

    def fields(self) -> dict[str, str]:
        """Return the address without the default mark."""
        return self.model_dump(exclude={"is_default"})


class AddressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    line1: str
    line2: str
    city: str
    postal_code: str
    region: str
    country: str
    phone: str
    is_default: bool
    created_at: datetime
    updated_at: datetime


# Forms of the account page. Every field is text the page re-renders when refused.


class ProfileForm(BaseModel):
    display_name: str = Field(default="", max_length=200)
    time_zone: str = Field(default="", max_length=64)
    locale: str = Field(default="", max_length=16)


class EmailForm(BaseModel):
    email: str = Field(default="", max_length=300)


class PasswordForm(BaseModel):
    current_password: str = Field(default="", max_length=MAX_PASSWORD)
    new_password: str = Field(default="", max_length=MAX_PASSWORD)


class ForgotForm(BaseModel):
    email: str = Field(default="", max_length=300)


class ResetForm(BaseModel):
    token: str = Field(default="", max_length=100)
    password: str = Field(default="", max_length=MAX_PASSWORD)


class AddressForm(BaseModel):
    name: str = Field(default="", max_length=200)
    line1: str = Field(default="", max_length=200)
    line2: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=200)
    postal_code: str = Field(default="", max_length=50)
    region: str = Field(default="", max_length=200)
    country: str = Field(default="", max_length=10)
    phone: str = Field(default="", max_length=50)
    is_default: str = Field(default="", max_length=10)
