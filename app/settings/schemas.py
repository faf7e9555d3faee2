"""The typed values of site settings, with their defaults (used until an admin saves one)."""

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from app.errors import InvalidInput
from app.i18n import _

#: The largest number any policy field takes (a bigger one is a typing slip, not a policy).
NUMBER_MAX = 10_000


class Policy(BaseModel):
    """Who waits for a moderator before anyone else sees what they write (issue 9).

    Staff, and ideas typed in by staff on someone's behalf, always publish at once; so do
    people an admin marked as trusted. Accounts whose email address is not confirmed always
    wait. Screening's hold (a possible risk of harm) wins over all of these.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    #: Ideas sent without signing in wait.
    anonymous_wait: bool = True
    #: New accounts wait: younger than ``new_account_days`` with fewer than
    #: ``trust_after_published`` ideas and comments published.
    new_accounts_wait: bool = True
    new_account_days: int = Field(default=7, ge=0, le=NUMBER_MAX)
    trust_after_published: int = Field(default=3, ge=0, le=NUMBER_MAX)
    #: Ideas sent without signing in from one network address in an hour: past the usual limit
    #: (``anonymous_ideas_per_ip_per_hour``, a ward tablet or a trust's Wi-Fi) they wait with a
    #: "many from one address" flag; past this cap they are refused.
    shared_address_hard_cap: int = Field(default=50, ge=1, le=NUMBER_MAX)


#: The policy's yes/no settings and its numbers, as the admin form names them.
POLICY_SWITCHES = ("anonymous_wait", "new_accounts_wait")
POLICY_NUMBERS = ("new_account_days", "trust_after_published", "shared_address_hard_cap")


def policy_from_form(values: Mapping[str, str]) -> Policy:
    """The policy an admin typed, or ``InvalidInput`` naming each field that is wrong."""
    errors: list[dict[str, str]] = []
    data: dict[str, object] = {}
    for name in POLICY_SWITCHES:
        answer = values.get(name, "")
        if answer not in ("yes", "no"):
            errors.append({"field": name, "msg": _("Select yes or no")})
        data[name] = answer == "yes"
    for name in POLICY_NUMBERS:
        typed = values.get(name, "").strip().replace(",", "")
        least = 1 if name == "shared_address_hard_cap" else 0
        if not typed.isascii() or not typed.isdigit():
            errors.append({"field": name, "msg": _("Enter a whole number, like 7")})
        elif len(typed) > 6 or int(typed) > NUMBER_MAX:
            errors.append({"field": name, "msg": _("Enter a number that is 10,000 or less")})
        elif int(typed) < least:
            errors.append({"field": name, "msg": _("Enter a number that is 1 or more")})
        else:
            data[name] = int(typed)
    if errors:
        raise InvalidInput(errors=errors)
    return Policy.model_validate(data)
