"""Form and API schemas for accounts."""

from typing import ClassVar

from pydantic import BaseModel, Field, field_validator

from app.core.email_address import EmailAddress
from app.models import Identity


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


class DeleteForm(BaseModel):
    MISSING: ClassVar[dict[str, str]] = {"password": "Enter your password to confirm"}

    password: str = Field(min_length=1)


class TokenForm(BaseModel):
    MISSING: ClassVar[dict[str, str]] = {"name": "Enter a name for the token"}

    name: str = Field(min_length=1, max_length=80)

    _strip_name = field_validator("name", mode="before")(_strip)


class MePublic(BaseModel):
    id: int
    display_name: str
    i_am_a: Identity
    roles: list[str]
    #: False until the person opens the link emailed to them: until then their support does
    #: not count and their ideas wait for a moderator.
    email_confirmed: bool


class EmailForm(BaseModel):
    """An email address for updates about an idea (from its receipt)."""

    MISSING: ClassVar[dict[str, str]] = {"email": "Enter your email address"}

    email: EmailAddress
