"""Email addresses: the one validator every address field uses (forms, the API, the command
line, settings), with the ``email-validator`` library. An address that passes can go in an
email header: it never holds CR, LF or any other control character."""

from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import BeforeValidator

from app.i18n import N_, _

#: RFC 5321's limit on a whole address.
MAX_LENGTH = 254

FORMAT_MESSAGE = N_("Enter an email address in the correct format, like name@example.com")
EMPTY_MESSAGE = N_("Enter your email address")


def normalise(address: str) -> str:
    """The address as we store and compare it (lower case), or ``ValueError`` saying what to
    do in plain words. No look-up on the network: typing must not wait for DNS."""
    value = address.strip()
    if not value:
        raise ValueError(_(EMPTY_MESSAGE))
    if len(value) > MAX_LENGTH or not value.isprintable():
        raise ValueError(_(FORMAT_MESSAGE))
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError(_(FORMAT_MESSAGE)) from None
    return checked.normalized.lower()


def is_valid(address: str) -> bool:
    try:
        normalise(address)
    except ValueError:
        return False
    return True


def _validated(value: object) -> object:
    return normalise(value) if isinstance(value, str) else value


#: A field holding an email address: validated and normalised as it is read.
EmailAddress = Annotated[str, BeforeValidator(_validated)]
