"""Two-step sign-in: after the password, a code from an authenticator app (TOTP) or a
single-use recovery code.

- Setting up: ``start_setup`` makes a new secret (not yet in use), the page shows it as a QR
  code and in groups of four letters, and ``confirm_setup`` turns it on when the person types
  a code from their app. They then get 10 recovery codes, shown once; only hashes are kept.
- Signing in: a right password for an account with an app does not start a session.
  ``begin_sign_in`` gives a short-lived signed value (kept in a cookie) saying "this password
  was right", and ``finish_sign_in`` checks the code. Wrong codes are counted per pending sign-in
  and per account (``ratelimit.MFA_PENDING``, ``MFA_ACCOUNT``); a code is accepted once only.
- Required roles (``FULLCIRCLE_MFA_REQUIRED_ROLES``): someone holding one without an app is
  signed in, but ``app.deps`` sends every page except ``SETUP_PAGES`` to the set-up page.
- Turning off needs the password; an admin's reset (``reset``) also signs the person out
  everywhere. Both are emailed to the person. Every change is audited; no secret or code is
  ever written to the audit log, a log line or an email.
"""

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from markupsafe import Markup
from sqlmodel import Session

from app.accounts import repository as repo
from app.accounts import service as accounts
from app.accounts.principal import two_step_required
from app.config import get_settings
from app.core import audit, mail, ratelimit, signing
from app.errors import Conflict, InvalidInput, NotFound, RateLimited
from app.i18n import _
from app.models import RecoveryCode, Role, TotpCredential, User, utcnow
from app.web import qr as web_qr
from app.web.urls import absolute_url

STEP_SECONDS = 30
DIGITS = 6
#: Codes from the step before and after the current one are accepted too (clock drift).
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
#: Letters and digits that cannot be mistaken for each other (no 0/o, 1/l/i).
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
#: 16 characters of 31: 79 bits each, so an unsalted SHA-256 cannot be reversed by guessing.
RECOVERY_LENGTH = 16
#: How long after the right password the code may be typed.
PENDING_LIFETIME = timedelta(minutes=5)
PENDING_PURPOSE = "mfa-pending"

#: The pages someone who must set up two-step sign-in (and has not) may still use: the set-up
#: pages, signing out, and the pages that say how the service works and where to get help.
SETUP_PAGES = frozenset(
    {
        "mfa_setup_form",
        "mfa_setup_start",
        "mfa_setup",
        "logout",
        "logout_page",
        "help_now",
        "privacy",
        "accessibility",
        "terms",
    }
)


@dataclass(frozen=True)
class Status:
    """What the account page and the admin's page say about a person's two-step sign-in."""

    enabled: bool
    since: datetime | None
    codes_left: int
    required: bool


required_for = two_step_required


def is_enabled(db: Session, *, user_id: int) -> bool:
    credential = repo.totp_credential(db, user_id)
    return credential is not None and credential.confirmed_at is not None


def status(db: Session, *, user_id: int, roles: frozenset[Role]) -> Status:
    credential = repo.totp_credential(db, user_id)
    enabled = credential is not None and credential.confirmed_at is not None
    return Status(
        enabled=enabled,
        since=credential.confirmed_at if credential is not None and enabled else None,
        codes_left=repo.unused_recovery_codes(db, user_id) if enabled else 0,
        required=required_for(roles),
    )


# --- setting up -------------------------------------------------------------------------------


def pending_setup(db: Session, *, user_id: int) -> TotpCredential | None:
    """The secret being set up (made, not yet confirmed with a code), if there is one."""
    credential = repo.totp_credential(db, user_id)
    return credential if credential is not None and credential.confirmed_at is None else None


def start_setup(db: Session, *, user: User) -> TotpCredential:
    """A new secret for the person's app, not in use until confirmed (starting again replaces
    an unconfirmed one, so the QR code on the page is always the one that will work)."""
    assert user.id is not None
    credential = repo.totp_credential(db, user.id)
    if credential is not None and credential.confirmed_at is not None:
        raise Conflict(_("Two-step sign-in is already on for your account."))
    secret = pyotp.random_base32()
    if credential is None:
        credential = TotpCredential(user_id=user.id, secret=secret)
        db.add(credential)
    else:
        credential.secret = secret
        credential.created_at = utcnow()
        credential.last_used_step = None
    db.flush()
    return credential


def provisioning_uri(secret: str, *, email: str) -> str:
    """The ``otpauth://`` address the QR code holds (it contains the secret: never log it)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=email, issuer_name=get_settings().organisation_name
    )


def qr_svg(uri: str) -> Markup:
    """The provisioning address as an inline SVG QR code. The label does not repeat the
    address, which holds the secret."""
    label = _("QR code to scan with your authenticator app")
    return web_qr.qr_svg(uri, label=label, css_class="fc-mfa-qr__code")


def grouped(secret: str) -> str:
    """The secret as people type it into an app by hand: groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_setup(db: Session, *, user: User, code: str, ip_address: str) -> list[str]:
    """Turn two-step sign-in on with a first code from the app; returns the recovery codes
    (shown once, never stored)."""
    assert user.id is not None
    credential = pending_setup(db, user_id=user.id)
    if credential is None:
        raise Conflict(_("Start setting up two-step sign-in again."))
    step = _matching_step(credential, _clean_code(code))
    if step is None or not repo.take_totp_step(db, user.id, step):
        raise InvalidInput(
            errors=[
                accounts.field_error(
                    "code",
                    _(
                        "The code is not right. Check the time on your phone is right, and "
                        "type the code your app shows now."
                    ),
                )
            ]
        )
    credential.confirmed_at = utcnow()
    codes = _replace_recovery_codes(db, user.id)
    audit.record(
        db, "mfa.enrolled", actor_id=user.id, subject_user_id=user.id, ip_address=ip_address
    )
    return codes


# --- recovery codes ---------------------------------------------------------------------------


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _i in range(RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4))


def _recovery_hash(code: str) -> str:
    """SHA-256 of the code as typed, without spaces, dashes or capitals."""
    return hashlib.sha256("".join(c for c in code.lower() if c.isalnum()).encode()).hexdigest()


def _replace_recovery_codes(db: Session, user_id: int) -> list[str]:
    repo.delete_recovery_codes(db, user_id)
    codes = [_new_recovery_code() for _i in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        db.add(RecoveryCode(user_id=user_id, code_hash=_recovery_hash(code)))
    db.flush()
    return codes


def new_recovery_codes(db: Session, *, user: User, password: str, ip_address: str) -> list[str]:
    """Replace the person's recovery codes (the old ones stop working); needs the password."""
    assert user.id is not None
    accounts.require_password(user, password)
    if not is_enabled(db, user_id=user.id):
        raise Conflict(_("Two-step sign-in is not on for your account."))
    codes = _replace_recovery_codes(db, user.id)
    audit.record(
        db,
        "mfa.recovery_codes_replaced",
        actor_id=user.id,
        subject_user_id=user.id,
        ip_address=ip_address,
    )
    return codes


# --- turning off, and the admin's reset -------------------------------------------------------


def turn_off(db: Session, *, user: User, password: str, ip_address: str) -> None:
    """Remove the person's app and recovery codes; needs the password. If their roles need
    two-step sign-in, they are asked to set it up again (with a new phone, say) at once."""
    assert user.id is not None
    accounts.require_password(user, password)
    if not repo.delete_second_factor(db, user.id):
        raise Conflict(_("Two-step sign-in is not on for your account."))
    audit.record(
        db, "mfa.disabled", actor_id=user.id, subject_user_id=user.id, ip_address=ip_address
    )
    mail.queue_template(
        db,
        to=user.email,
        template="emails/mfa_turned_off.txt",
        context={"account": absolute_url("account"), "by_admin": False},
    )


def reset(
    db: Session,
    *,
    user: User,
    actor_id: int | None,
    via: str = "admin pages",
    ip_address: str = "",
) -> None:
    """An admin (or the command line, ``actor_id`` None) removes someone's app and recovery
    codes, because they lost their phone and their codes, and signs them out everywhere.
    Never one's own: another admin does that."""
    assert user.id is not None
    if user.id == actor_id:
        raise Conflict(_("You cannot reset your own two-step sign-in. Ask another admin to do it."))
    if not repo.delete_second_factor(db, user.id):
        raise NotFound(_("This person has not set up two-step sign-in."))
    sessions = repo.revoke_sessions(db, user.id, utcnow())
    audit.record(
        db,
        "mfa.reset",
        actor_id=actor_id,
        subject_user_id=user.id,
        ip_address=ip_address,
        via=via,
        sessions_ended=sessions,
    )
    mail.queue_template(
        db,
        to=user.email,
        template="emails/mfa_turned_off.txt",
        context={"account": absolute_url("account"), "by_admin": True},
    )


# --- signing in -------------------------------------------------------------------------------


def begin_sign_in(user: User) -> str:
    """The value of the "password was right" cookie: a random id for this sign-in (its wrong
    codes are counted under it) and a signature binding it to the account and its current
    password, valid for ``PENDING_LIFETIME``."""
    assert user.id is not None
    nonce = secrets.token_urlsafe(16)
    token = signing.expiring(
        PENDING_PURPOSE, user.id, _pending_bound(nonce, user), lifetime=PENDING_LIFETIME
    )
    return f"{nonce}.{token}"


def _pending_bound(nonce: str, user: User) -> str:
    # A changed password (or a reset one) ends every sign-in that was waiting for a code.
    return f"{nonce}:{hashlib.sha256((user.password_hash or '').encode()).hexdigest()}"


@dataclass(frozen=True)
class Pending:
    user: User
    #: The rate-limit key of this sign-in's wrong codes.
    key: str


def pending_sign_in(db: Session, value: str) -> Pending | None:
    """The account a "password was right" cookie is for, if it is genuine and current, and
    the account still has two-step sign-in."""
    nonce, dot, token = value.partition(".")
    user_id = signing.expiring_subject(token) if dot and nonce else None
    user = accounts.get_user(db, user_id) if user_id is not None else None
    if user is None or not signing.verify_expiring(
        PENDING_PURPOSE, token, _pending_bound(nonce, user)
    ):
        return None
    if not is_enabled(db, user_id=user_id or 0):
        return None
    return Pending(user=user, key=ratelimit.key_for(f"mfa:{nonce}"))


def finish_sign_in(
    db: Session, *, pending: Pending, code: str, recovery: bool, ip_address: str
) -> int | None:
    """Check the second step. Returns the recovery codes left when one was used (else None).

    Throttled before the code is checked: 5 wrong codes per pending sign-in, 10 per account in
    15 minutes. A wrong code is counted and audited (the caller commits either way).
    """
    user = pending.user
    assert user.id is not None
    account_key = ratelimit.key_for(f"mfa-user:{user.id}")
    pending_limit, account_limit = ratelimit.MFA_PENDING.limit(), ratelimit.MFA_ACCOUNT.limit()
    if ratelimit.retry_after(db, pending_limit, pending.key):
        audit.record(
            db, "mfa.failed", subject_user_id=user.id, ip_address=ip_address, reason="throttled"
        )
        raise RateLimited(
            _("You have typed a wrong code too many times. Sign in again to get a new try."),
            retry_after=int(PENDING_LIFETIME.total_seconds()),
        )
    wait = ratelimit.retry_after(db, account_limit, account_key)
    if wait:
        audit.record(
            db, "mfa.failed", subject_user_id=user.id, ip_address=ip_address, reason="throttled"
        )
        raise RateLimited(
            _(
                "There have been too many wrong codes for this account. Wait %(minutes)d "
                "minutes, then sign in again."
            )
            % {"minutes": max(1, round(wait / 60))},
            retry_after=wait,
        )
    method = "recovery_code" if recovery else "app"
    if recovery:
        left = _use_recovery_code(db, user.id, code)
        ok = left is not None
    else:
        left, ok = None, _use_app_code(db, user.id, code)
    if not ok:
        ratelimit.hit(db, pending_limit, pending.key)
        ratelimit.hit(db, account_limit, account_key)
        audit.record(
            db,
            "mfa.failed",
            subject_user_id=user.id,
            ip_address=ip_address,
            method=method,
            reason="wrong_code",
        )
        raise InvalidInput(errors=[accounts.field_error("code", _wrong_code(recovery))])
    ratelimit.clear(db, account_limit, account_key)
    if left is not None:
        audit.record(
            db,
            "mfa.recovery_code_used",
            actor_id=user.id,
            subject_user_id=user.id,
            ip_address=ip_address,
            codes_left=left,
        )
    return left


def code_problem(code: str, *, recovery: bool) -> str | None:
    """What is wrong with how a code was typed (not counted as a wrong code), or None."""
    if recovery:
        typed = "".join(c for c in code.lower() if c.isalnum())
        if not typed:
            return _("Enter a recovery code")
        if len(typed) != RECOVERY_LENGTH:
            return _("A recovery code has 16 letters and numbers, like abcd-efgh-jkmn-pqrs")
        return None
    cleaned = _clean_code(code)
    if not cleaned:
        return _("Enter the 6-digit code from your authenticator app")
    if len(cleaned) != DIGITS or not (cleaned.isascii() and cleaned.isdigit()):
        return _("The code is 6 numbers, like 123456")
    return None


def _wrong_code(recovery: bool) -> str:
    if recovery:
        return _("This recovery code is not right, or it has been used already")
    return _(
        "The code is not right. Type the code your authenticator app shows now, or use a "
        "recovery code."
    )


def _clean_code(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def _matching_step(credential: TotpCredential, code: str) -> int | None:
    """The time step this code belongs to (now, or one step either side), if it is later than
    the last code used; compared in constant time."""
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(credential.secret, digits=DIGITS, interval=STEP_SECONDS)
    now = int(time.time()) // STEP_SECONDS
    last = credential.last_used_step
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if last is not None and step <= last:
            continue
        if hmac.compare_digest(totp.generate_otp(step).encode(), code.encode()):
            return step
    return None


def use_app_code(db: Session, *, user_id: int, code: str) -> bool:
    """A current code from the person's app, used up (for "confirm it is you"; the caller
    counts wrong ones)."""
    return code_problem(code, recovery=False) is None and _use_app_code(db, user_id, code)


def _use_app_code(db: Session, user_id: int, code: str) -> bool:
    credential = repo.totp_credential(db, user_id)
    if credential is None or credential.confirmed_at is None:
        return False
    step = _matching_step(credential, _clean_code(code))
    # The update refuses a step that is not later than the last one, so a code sent twice
    # at the same moment still signs in only once.
    return step is not None and repo.take_totp_step(db, user_id, step)


def _use_recovery_code(db: Session, user_id: int, code: str) -> int | None:
    """Use up a recovery code; the number left, or None if it is not one of theirs."""
    found = repo.unused_recovery_code(db, user_id, _recovery_hash(code))
    if found is None or found.id is None or not repo.use_recovery_code(db, found.id, utcnow()):
        return None
    return repo.unused_recovery_codes(db, user_id)
