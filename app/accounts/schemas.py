"""Form and API schemas for accounts."""

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, Field, field_validator

from app.accounts import scopes as token_scopes
from app.core.email_address import EmailAddress
from app.models import Identity, TokenScope


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class RegisterForm(BaseModel):
    MISSING: ClassVar[dict[str, str]] = {
        "email": "Enter your email address",
        "display_name": "Enter a display name",
        "password": "Enter a password",
        "identity": "Select who you are",
    }

    email: EmailAddress
    display_name: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1)
    identity: Identity

    _strip_text = field_validator("display_name", mode="before")(_strip)


class SignInForm(BaseModel):
    MISSING: ClassVar[dict[str, str]] = {
        "email": "Enter your email address",
        "password": "Enter your password",
    }

    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)

    _strip_email = field_validator("email", mode="before")(_strip)


class ProfileForm(BaseModel):
    MISSING: ClassVar[dict[str, str]] = {
        "display_name": "Enter a display name",
        "identity": "Select who you are",
    }

    display_name: str = Field(min_length=1, max_length=80)
    identity: Identity

    _strip_name = field_validator("display_name", mode="before")(_strip)


class ChangePasswordForm(BaseModel):
    MISSING: ClassVar[dict[str, str]] = {
        "current_password": "Enter your current password",
        "new_password": "Enter a new password",
    }

    current_password: str = Field(min_length=1)
    new_password: str = Field(min_length=1)


class ResetRequestForm(BaseModel):
    MISSING: ClassVar[dict[str, str]] = {"email": "Enter your email address"}

    email: EmailAddress


class ResetForm(BaseModel):
    MISSING: ClassVar[dict[str, str]] = {"new_password": "Enter a new password"}

    new_password: str = Field(min_length=1)


class ConfirmPasswordForm(BaseModel):
    """The password again: to delete the account, or to confirm it is you."""

    MISSING: ClassVar[dict[str, str]] = {"password": "Enter your password to confirm"}

    password: str = Field(min_length=1)


class TokenForm(BaseModel):
    MISSING: ClassVar[dict[str, str]] = {
        "name": "Enter a name for the token",
        "scopes": "Choose what the token may do from the list",
        "days": "Choose how long the token lasts from the list",
    }

    name: str = Field(min_length=1, max_length=80)
    #: Read is always given; the others as ticked.
    scopes: list[TokenScope] = Field(default_factory=list, max_length=len(TokenScope))
    days: int = Field(default=token_scopes.DEFAULT_DAYS, ge=1, le=token_scopes.MAX_DAYS)

    _strip_name = field_validator("name", mode="before")(_strip)


class MePublic(BaseModel):
    id: int
    display_name: str
    i_am_a: Identity
    roles: list[str]
    #: False until the person opens the link emailed to them: until then their support does
    #: not count and their ideas wait for a moderator.
    email_confirmed: bool
    #: With a token: what it may do (``roles`` are already cut down to these) and its end.
    token_scopes: list[TokenScope] | None = None
    token_expires_at: datetime | None = None


class EmailForm(BaseModel):
    """An email address for updates about an idea (from its receipt)."""

    MISSING: ClassVar[dict[str, str]] = {"email": "Enter your email address"}

    email: EmailAddress
