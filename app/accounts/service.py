"""Account rules: registration, sign-in, sessions, password reset, tokens, roles, export and
deletion. Functions take keyword arguments and add to the caller's transaction; routes commit."""

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from app.accounts import export, passwords
from app.accounts import repository as repo
from app.accounts import scopes as token_scopes
from app.accounts.principal import Principal, two_step_required
from app.config import get_settings
from app.core import audit, email_address, mail, ratelimit, signing, versions
from app.errors import Conflict, InvalidInput, NotFound, RateLimited
from app.i18n import N_, _
from app.models import (
    STAFF_ROLES,
    ApiToken,
    AuthSession,
    Identity,
    PasswordResetToken,
    Role,
    TokenScope,
    User,
    UserRole,
    utcnow,
)
from app.models.base import ID_MAX
from app.web.urls import absolute_url

RESET_TOKEN_LIFETIME = timedelta(minutes=30)
TOKEN_PREFIX = "fc_"
#: Sessions record activity at most this often, so reading pages does not write every time.
TOUCH_INTERVAL = timedelta(seconds=60)
PUBLIC_ROLES = frozenset({Role.service_user, Role.carer})


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """For look-ups (sign-in, reset): what we would have stored for this address."""
    return email.strip().lower()


def field_error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "msg": message}


def password_problems(password: str, *, email: str, display_name: str) -> list[str]:
    settings = get_settings()
    return passwords.check_password(
        password,
        context=(settings.site_name, settings.organisation_name, email, display_name),
    )


# --- registration and sign-in ---------------------------------------------------------------


#: How long the link that confirms an email address works.
CONFIRM_LINK_LIFETIME = timedelta(days=7)

CONFIRM_LINK_GONE = N_(
    "This link to confirm your email address has expired or is not complete. Sign in, and "
    "ask for a new one from your account page."
)


def register(
    db: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    identity: Identity,
    ip_address: str = "",
) -> None:
    """Make an account, unconfirmed, and email it a link to confirm the address.

    What the caller sees is the same whether or not the address already has an account
    (knowing that someone uses a mental health trust's site is itself sensitive): the owner of
    an existing account is emailed instead, and nobody is signed in here either way. Limited
    per network address.
    """
    email = normalise_email(email)
    problems = password_problems(password, email=email, display_name=display_name)
    if problems:
        raise InvalidInput(errors=[field_error("password", msg) for msg in problems])
    ratelimit.enforce(
        db,
        ratelimit.REGISTER_IP,
        ratelimit.key_for(ip_address or "unknown"),
        _("Many accounts have been made from here recently. Wait a while, then try again."),
    )
    # Hashed whichever way this goes, so both take the same time.
    password_hash = passwords.hash_password(password)
    existing = repo.user_by_email(db, email)
    if existing is not None:
        _tell_owner_of_attempt(db, existing, ip_address=ip_address)
        return
    user = User(
        email=email,
        display_name=display_name.strip(),
        identity=identity,
        password_hash=password_hash,
    )
    db.add(user)
    db.flush()
    assert user.id is not None
    # People choose how they describe themselves; staff roles are only ever granted by an admin.
    if identity in (Identity.service_user, Identity.carer):
        db.add(UserRole(user_id=user.id, role=Role(identity.value)))
    audit.record(
        db, "account.registered", actor_id=user.id, subject_user_id=user.id, ip_address=ip_address
    )
    _send_confirmation(db, user)


def _tell_owner_of_attempt(db: Session, user: User, *, ip_address: str) -> None:
    # At most a few a day, silently: registering someone's address over and over must not
    # become a way to flood their inbox.
    limit = ratelimit.REGISTER_EXISTING.limit()
    key = ratelimit.key_for(user.email)
    audit.record(db, "account.register_existing", subject_user_id=user.id, ip_address=ip_address)
    if ratelimit.retry_after(db, limit, key):
        return
    ratelimit.hit(db, limit, key)
    mail.queue_template(
        db,
        to=user.email,
        template="emails/account_exists.txt",
        context={
            "sign_in": absolute_url("login_form"),
            "reset": absolute_url("reset_request_form"),
        },
    )


def confirmation_link(user: User) -> str:
    assert user.id is not None
    token = signing.expiring("confirm-email", user.id, user.email, lifetime=CONFIRM_LINK_LIFETIME)
    return absolute_url("confirm_email_form", token=token)


def _send_confirmation(db: Session, user: User) -> None:
    mail.queue_template(
        db,
        to=user.email,
        template="emails/confirm_email.txt",
        context={"link": confirmation_link(user), "days": CONFIRM_LINK_LIFETIME.days},
    )


def resend_confirmation(db: Session, *, user: User) -> None:
    """Send the confirmation link again (a few an hour: it goes to the person's own inbox)."""
    if user.email_confirmed_at is not None:
        return
    ratelimit.enforce(
        db,
        ratelimit.CONFIRM_RESEND,
        str(user.id),
        _(
            "We have sent the link several times in the last hour. Check your spam folder, or "
            "wait a while, then ask again."
        ),
    )
    _send_confirmation(db, user)


def user_for_confirmation(db: Session, *, token: str) -> User | None:
    """The account a confirmation link is for, if the link is genuine, current and for the
    address the account has now."""
    user_id = signing.expiring_subject(token)
    user = get_user(db, user_id) if user_id is not None else None
    if user is None or not signing.verify_expiring("confirm-email", token, user.email):
        return None
    return user


def confirm_email(db: Session, *, token: str, ip_address: str) -> User:
    user = user_for_confirmation(db, token=token)
    if user is None:
        raise NotFound(_(CONFIRM_LINK_GONE))
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        assert user.id is not None
        audit.record(
            db,
            "account.email_confirmed",
            actor_id=user.id,
            subject_user_id=user.id,
            ip_address=ip_address,
        )
    return user


def get_user(db: Session, user_id: int) -> User | None:
    """An account that still exists (deleted ones are anonymised and gone for this purpose)."""
    user = db.get(User, user_id) if 1 <= user_id <= ID_MAX else None
    return user if user is not None and user.deleted_at is None else None


def _sign_in_wait(db: Session, *, account_key: str, pair_key: str, ip_key: str) -> int:
    """Seconds before this address may try this account again (0: now)."""
    settings = get_settings()
    wait = max(
        ratelimit.retry_after(db, ratelimit.LOGIN_ACCOUNT_ADDRESS.limit(), pair_key) or 0,
        ratelimit.retry_after(db, ratelimit.LOGIN_IP.limit(), ip_key) or 0,
    )
    if wait:
        return wait
    # Under attack from many addresses: slowed, not locked, so the owner still gets in.
    if ratelimit.retry_after(db, ratelimit.LOGIN_ACCOUNT.limit(), account_key):
        since = ratelimit.seconds_since_latest(db, ratelimit.LOGIN_ACCOUNT, account_key)
        if since is not None and since < settings.login_slowdown_seconds:
            return max(1, int(settings.login_slowdown_seconds - since) + 1)
    return 0


def authenticate(db: Session, *, email: str, password: str, ip_address: str) -> User:
    """Check a sign-in. Throttled *before* the password is checked: per account and address
    (that address waits), per address (many accounts tried from one place), and per account
    from anywhere (slowed to one try every few seconds, never locked)."""
    email = normalise_email(email)
    ip = ip_address or "unknown"
    account_key, ip_key = ratelimit.key_for(email), ratelimit.key_for(ip)
    pair_key = ratelimit.key_for(f"{email} {ip}")
    wait = _sign_in_wait(db, account_key=account_key, pair_key=pair_key, ip_key=ip_key)
    if wait:
        audit.record(db, "signin.throttled", ip_address=ip_address)
        if wait < 60:
            message = _(
                "There have been too many attempts to sign in to this account. Wait "
                "%(seconds)s seconds, then try again."
            ) % {"seconds": wait}
        else:
            message = _(
                "There have been too many attempts to sign in. Wait %(minutes)s minutes, then "
                "try again, or reset your password."
            ) % {"minutes": max(1, round(wait / 60))}
        raise RateLimited(message, retry_after=wait)
    user = repo.user_by_email(db, email)
    ok, new_hash = passwords.verify_password(password, user.password_hash if user else None)
    if not ok or user is None:
        for bucket, key in (
            (ratelimit.LOGIN_ACCOUNT_ADDRESS, pair_key),
            (ratelimit.LOGIN_ACCOUNT, account_key),
            (ratelimit.LOGIN_IP, ip_key),
        ):
            ratelimit.hit(db, bucket.limit(), key)
        audit.record(
            db, "signin.failed", subject_user_id=user.id if user else None, ip_address=ip_address
        )
        raise InvalidInput(
            errors=[
                field_error(
                    "email",
                    _("The email address or password is not right. Check them and try again."),
                )
            ]
        )
    if new_hash:
        user.password_hash = new_hash
        audit.record(db, "password.rehashed", actor_id=user.id, subject_user_id=user.id)
    ratelimit.clear(db, ratelimit.LOGIN_ACCOUNT_ADDRESS.limit(), pair_key)
    return user


def start_session(db: Session, *, user: User, ip_address: str, user_agent: str) -> str:
    """A new session with a new random id (so a session id is never reused across sign-ins)."""
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    db.add(
        AuthSession(
            token_hash=digest(token),
            user_id=user.id,
            reauthenticated_at=utcnow(),
            ip_address=ip_address[:45],
            user_agent=user_agent[:200],
        )
    )
    audit.record(
        db, "signin.succeeded", actor_id=user.id, subject_user_id=user.id, ip_address=ip_address
    )
    return token


def session_lifetimes(roles: frozenset[Role]) -> tuple[timedelta, timedelta]:
    """(idle, absolute) windows: short for staff, longer for service users and carers."""
    s = get_settings()
    if roles & STAFF_ROLES:
        return (
            timedelta(minutes=s.staff_session_idle_minutes),
            timedelta(hours=s.staff_session_absolute_hours),
        )
    return (
        timedelta(hours=s.public_session_idle_hours),
        timedelta(days=s.public_session_absolute_days),
    )


def resolve_session(
    db: Session, *, token: str, unread: bool = False
) -> tuple[Principal | None, bool]:
    """The principal for a session cookie (one statement), and whether the session should be
    touched. With ``unread``, the principal carries the unread notification count too."""
    found = repo.session_credentials(db, digest(token), unread=unread)
    if found is None:
        return None, False
    session, creds = found
    versions.remember(creds.versions)
    idle, absolute = session_lifetimes(creds.roles)
    now = utcnow()
    if now - session.last_seen_at > idle or now - session.created_at > absolute:
        return None, False
    principal = Principal(
        user=creds.user,
        roles=creds.roles,
        session=session,
        two_step_missing=two_step_required(creds.roles) and not creds.two_step_enabled,
        unread=creds.unread,
    )
    return principal, now - session.last_seen_at > TOUCH_INTERVAL


def record_activity(db: Session, *, principal: Principal) -> None:
    """Stamp the session's or token's last use (callers do it at most once a minute)."""
    now = utcnow()
    if principal.session is not None and principal.session.id is not None:
        repo.stamp_session(db, principal.session.id, now)
    if principal.token is not None and principal.token.id is not None:
        repo.stamp_token(db, principal.token.id, now)


def end_session(db: Session, *, token: str) -> None:
    found = repo.session_with_user(db, digest(token))
    if found:
        session, user = found
        session.revoked_at = utcnow()
        audit.record(db, "signout", actor_id=user.id, subject_user_id=user.id)


def end_all_sessions(db: Session, *, user: User, reason: str, actor_id: int | None = None) -> int:
    assert user.id is not None
    count = repo.revoke_sessions(db, user.id, utcnow())
    audit.record(
        db,
        "sessions.revoked_all",
        actor_id=actor_id or user.id,
        subject_user_id=user.id,
        reason=reason,
        count=count,
    )
    return count


def active_sessions(db: Session, *, user: User) -> list[AuthSession]:
    assert user.id is not None
    return list(repo.active_sessions(db, user.id))


# --- passwords --------------------------------------------------------------------------------


def change_password(
    db: Session, *, user: User, current: str, new: str, keep_session_id: int | None
) -> None:
    ok, _unused = passwords.verify_password(current, user.password_hash)
    errors = (
        [] if ok else [field_error("current_password", _("Your current password is not right"))]
    )
    errors += [
        field_error("new_password", m)
        for m in password_problems(new, email=user.email, display_name=user.display_name)
    ]
    if errors:
        raise InvalidInput(errors=errors)
    assert user.id is not None
    user.password_hash = passwords.hash_password(new)
    user.updated_at = utcnow()
    # Other devices may be where the old password leaked: sign them out, and end every API
    # token (made while the old password was in use).
    repo.revoke_sessions(db, user.id, utcnow(), except_id=keep_session_id)
    repo.revoke_api_tokens(db, user.id, utcnow())
    audit.record(db, "password.changed", actor_id=user.id, subject_user_id=user.id)


def request_password_reset(db: Session, *, email: str, ip_address: str) -> None:
    """Always looks the same to the caller, whether or not the address has an account. Limited
    per address asked about (silently: the same page) and per network address (429)."""
    ratelimit.enforce(
        db,
        ratelimit.PASSWORD_RESET_IP,
        ratelimit.key_for(ip_address or "unknown"),
        _("Many password resets have been asked for from here. Wait a while, then try again."),
    )
    user = repo.user_by_email(db, normalise_email(email))
    limit = ratelimit.PASSWORD_RESET.limit()
    key = ratelimit.key_for(normalise_email(email))
    if user is None or ratelimit.retry_after(db, limit, key):
        return
    ratelimit.hit(db, limit, key)
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    db.add(
        PasswordResetToken(
            user_id=user.id, token_hash=digest(token), expires_at=utcnow() + RESET_TOKEN_LIFETIME
        )
    )
    mail.queue_template(
        db,
        to=user.email,
        template="emails/password_reset.txt",
        context={"link": absolute_url("reset_form", token=token)},
    )
    audit.record(db, "password.reset_requested", subject_user_id=user.id, ip_address=ip_address)


def valid_reset_token(db: Session, *, token: str) -> PasswordResetToken | None:
    row = repo.reset_token(db, digest(token))
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        return None
    return row


def reset_password(db: Session, *, token: str, new: str, ip_address: str) -> User:
    row = valid_reset_token(db, token=token)
    if row is None:
        raise NotFound(_("This link to reset your password has expired or has already been used."))
    user = db.get(User, row.user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound(_("This link to reset your password has expired or has already been used."))
    errors = [
        field_error("new_password", m)
        for m in password_problems(new, email=user.email, display_name=user.display_name)
    ]
    if errors:
        raise InvalidInput(errors=errors)
    now = utcnow()
    user.password_hash = passwords.hash_password(new)
    user.updated_at = now
    assert user.id is not None
    # Single use as a set: every other reset link sent to this person stops working too.
    repo.use_reset_tokens(db, user.id, now)
    # Wherever the old password was used, it is over: sessions and API tokens end.
    repo.revoke_sessions(db, user.id, now)
    repo.revoke_api_tokens(db, user.id, now)
    audit.record(
        db, "password.reset", actor_id=user.id, subject_user_id=user.id, ip_address=ip_address
    )
    return user


# --- profile, export and deletion -------------------------------------------------------------


def update_profile(db: Session, *, user: User, display_name: str, identity: Identity) -> None:
    name = display_name.strip()
    if not name:
        raise InvalidInput(errors=[field_error("display_name", _("Enter a display name"))])
    if len(name) > 80:
        raise InvalidInput(
            errors=[field_error("display_name", _("Display name must be 80 characters or fewer"))]
        )
    user.display_name = name
    user.identity = identity
    user.updated_at = utcnow()


def export_data(db: Session, *, user: User, ip_address: str) -> dict[str, Any]:
    """Everything we hold about a person, as one JSON-ready document. The read is audited
    (its own committed row: a GET's session writes nothing)."""
    assert user.id is not None
    data = export.collect(db, user=user)
    audit.record_read(
        db,
        event=audit.READ_DATA_EXPORT,
        actor_id=user.id,
        subject_user_id=user.id,
        ip_address=ip_address,
    )
    return data


def require_password(user: User, password: str) -> None:
    """The person's own password, typed again to confirm a change (or ``InvalidInput``)."""
    ok, _unused = passwords.verify_password(password, user.password_hash)
    if not ok:
        raise InvalidInput(errors=[field_error("password", _("Your password is not right"))])


def delete_account(db: Session, *, user: User, password: str, ip_address: str) -> None:
    """Anonymise the person; keep their contributions (shown as from a deleted account)."""
    require_password(user, password)
    assert user.id is not None
    now = utcnow()
    repo.revoke_sessions(db, user.id, now)
    repo.revoke_api_tokens(db, user.id, now)
    user.email = f"deleted-{user.id}-{secrets.token_hex(4)}@deleted.invalid"
    user.display_name = "Deleted account"
    user.password_hash = None
    user.deleted_at = now
    user.updated_at = now
    repo.delete_roles(db, user.id)
    repo.delete_second_factor(db, user.id)
    audit.record(
        db, "account.deleted", actor_id=user.id, subject_user_id=user.id, ip_address=ip_address
    )


# --- proving it is you again -----------------------------------------------------------------


def recently_reauthenticated(principal: Principal) -> bool:
    """Signed in in a browser, and proved who they are within the last few minutes (the data
    export asks for this; a stolen session left open is not enough)."""
    session = principal.session
    if session is None or session.reauthenticated_at is None:
        return False
    window = timedelta(minutes=get_settings().reauthenticate_minutes)
    return utcnow() - session.reauthenticated_at <= window


def reauthenticate(
    db: Session,
    *,
    principal: Principal,
    password: str,
    ip_address: str,
    second_step: Callable[[], bool] | None = None,
) -> None:
    """Check the password again (and, for people with two-step sign-in, ``second_step``: their
    code) and mark the session as recently proved. A wrong password or code is counted (10 in
    15 minutes, then a wait) and audited; the caller commits either way."""
    user, session = principal.user, principal.session
    assert user.id is not None
    assert session is not None
    limit = ratelimit.REAUTH.limit()
    key = ratelimit.key_for(f"user:{user.id}")
    wait = ratelimit.retry_after(db, limit, key)
    if wait:
        raise RateLimited(
            _("Too many wrong passwords. Wait %(minutes)d minutes, then try again.")
            % {"minutes": max(1, wait // 60)},
            retry_after=wait,
        )
    ok, _unused = passwords.verify_password(password, user.password_hash)
    wrong = None
    if not ok:
        wrong = field_error("password", _("Your password is not right"))
    elif second_step is not None and not second_step():
        wrong = field_error("code", _("The code is not right. Type the code your app shows now."))
    if wrong is not None:
        ratelimit.hit(db, limit, key)
        audit.record(db, "reauth.failed", subject_user_id=user.id, ip_address=ip_address)
        raise InvalidInput(errors=[wrong])
    db.merge(session).reauthenticated_at = utcnow()
    audit.record(
        db, "reauth.succeeded", actor_id=user.id, subject_user_id=user.id, ip_address=ip_address
    )


# --- API tokens -------------------------------------------------------------------------------


def create_api_token(
    db: Session,
    *,
    user: User,
    name: str,
    scopes: Iterable[TokenScope] | None = None,
    days: int = token_scopes.DEFAULT_DAYS,
) -> tuple[ApiToken, str]:
    """Returns the row and the token itself, which is shown once and never stored.

    Without ``scopes`` the token gets every scope the person's roles allow; asking for one
    they do not allow, or a lifetime outside 1 to 365 days, is refused."""
    name = name.strip() or "API token"
    assert user.id is not None
    allowed = token_scopes.allowed(repo.roles_of(db, user.id))
    chosen = frozenset(allowed if scopes is None else scopes) | {TokenScope.read}
    if chosen - set(allowed):
        refused = ", ".join(sorted(chosen - set(allowed)))
        message = _("Your roles do not allow a token to use: %(scopes)s.") % {"scopes": refused}
        raise InvalidInput(errors=[field_error("scopes", message)])
    if not 1 <= days <= token_scopes.MAX_DAYS:
        message = _("Choose how long the token lasts: from 1 to 365 days.")
        raise InvalidInput(errors=[field_error("days", message)])
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name[:80],
        token_hash=digest(secret),
        prefix=secret[:10],
        scopes=token_scopes.spell(chosen),
        expires_at=utcnow() + timedelta(days=days),
    )
    db.add(token)
    db.flush()
    audit.record(
        db,
        "token.created",
        actor_id=user.id,
        subject_user_id=user.id,
        token_id=token.id,
        scopes=token.scopes,
        days=days,
    )
    return token, secret


def revoke_api_token(db: Session, *, user: User, token_id: int) -> None:
    token = db.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound()
    token.revoked_at = utcnow()
    audit.record(db, "token.revoked", actor_id=user.id, subject_user_id=user.id, token_id=token_id)


def resolve_api_token(db: Session, *, secret: str) -> tuple[Principal | None, bool]:
    """The principal for a Bearer token (one statement), and whether its last use should be
    stamped. Reads only: the stamp is the caller's to write, outside this read."""
    found = repo.token_credentials(db, digest(secret))
    if found is None:
        return None, False
    token, creds = found
    versions.remember(creds.versions)
    now = utcnow()
    if token.expires_at <= now:
        return None, False
    stale = token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL
    roles = token_scopes.roles_for(creds.roles, token_scopes.parse(token.scopes))
    return Principal(user=creds.user, roles=roles, token=token), stale


# --- roles ------------------------------------------------------------------------------------


def set_roles(
    db: Session, *, user: User, roles: set[Role], actor: User | None, via: str = "admin pages"
) -> None:
    """Replace a person's roles (an admin, or the command line when ``actor`` is None).

    Their sessions end so the change takes effect at once.
    """
    assert user.id is not None
    actor_id = actor.id if actor else None
    current = repo.roles_of(db, user.id)
    if user.id == actor_id and Role.admin in current and Role.admin not in roles:
        raise Conflict(_("You cannot remove your own admin role. Ask another admin."))
    if current - roles:
        repo.delete_roles(db, user.id, current - roles)
    for role in roles - current:
        db.add(UserRole(user_id=user.id, role=role, granted_by_id=actor_id))
    if roles != current:
        repo.revoke_sessions(db, user.id, utcnow())
        audit.record(
            db,
            "roles.changed",
            actor_id=actor_id,
            subject_user_id=user.id,
            via=via,
            added=sorted(roles - current),
            removed=sorted(current - roles),
        )


def create_user(
    db: Session,
    *,
    email: str,
    password: str,
    roles: set[Role],
    display_name: str | None = None,
    identity: Identity | None = None,
) -> User:
    """Used by the CLI and seeding: a person with the given roles, password policy enforced."""
    try:
        email = email_address.normalise(email)
    except ValueError as exc:
        raise InvalidInput(errors=[field_error("email", str(exc))]) from None
    name = display_name or email.split("@")[0].replace(".", " ").title()
    problems = password_problems(password, email=email, display_name=name)
    if problems:
        raise InvalidInput(errors=[field_error("password", m) for m in problems])
    if repo.user_by_email(db, email) is not None:
        raise Conflict(_("An account already uses this email address."))
    if identity is None:
        identity = (
            Identity.staff
            if roles & STAFF_ROLES
            else (Identity.carer if Role.carer in roles else Identity.service_user)
        )
    user = User(
        email=email,
        display_name=name,
        identity=identity,
        password_hash=passwords.hash_password(password),
        # Made by an admin (the CLI) or the demo seed: the address is vouched for.
        email_confirmed_at=utcnow(),
    )
    db.add(user)
    db.flush()
    assert user.id is not None
    for role in roles:
        db.add(UserRole(user_id=user.id, role=role))
    audit.record(db, "account.created", subject_user_id=user.id, roles=sorted(roles))
    return user
