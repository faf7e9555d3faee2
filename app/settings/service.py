"""The site's settings as admins keep them: the pre-moderation policy (who waits for a
moderator), screening's local terms, and trusted people. Every change is audited."""

from collections.abc import Sequence

from sqlmodel import Session

from app.accounts.principal import Principal
from app.config import get_settings
from app.core import audit
from app.errors import InvalidInput, NotFound
from app.i18n import _
from app.models import LocalTerm, LocalTermKind, User, utcnow
from app.models.base import ID_MAX
from app.moderation import access as moderation_access
from app.moderation.screening import FAMILIES, Level, LocalRiskPhrase, LocalTerms, Screening, screen
from app.settings import repository as repo
from app.settings.schemas import Policy

POLICY_KEY = "moderation_policy"
PHRASE_MAX = 100
#: The families a local risk phrase may join: the screener's own, and a general one.
LOCAL_CATEGORY = "local_phrase"


#: The policy until an admin saves one.
DEFAULT_POLICY = Policy()


def policy(db: Session) -> Policy:
    """The saved policy, or the defaults until an admin saves one."""
    row = repo.get_setting(db, POLICY_KEY)
    return Policy.model_validate(row.value) if row is not None else DEFAULT_POLICY


def soft_address_limit() -> int:
    """Anonymous ideas from one network address in an hour before they wait (app/config.py)."""
    return get_settings().anonymous_ideas_per_ip_per_hour


def save_policy(db: Session, new: Policy, *, actor_id: int | None) -> Policy:
    """Save the policy; audited with the names of the settings that changed."""
    soft = soft_address_limit()
    if new.shared_address_hard_cap < soft:
        raise InvalidInput(
            errors=[
                {
                    "field": "shared_address_hard_cap",
                    "msg": _(
                        "The most ideas from one network address must be %(soft)s or more "
                        "(the number that start waiting for a moderator)"
                    )
                    % {"soft": soft},
                }
            ]
        )
    old = policy(db)
    changed = sorted(k for k, v in new.model_dump().items() if getattr(old, k) != v)
    repo.save_setting(db, key=POLICY_KEY, value=new.model_dump(), actor_id=actor_id)
    audit.record(db, "settings.policy_changed", actor_id=actor_id, changed=changed)
    return new


def author_waits(db: Session, *, author: Principal | None, policy: Policy) -> bool:
    """What ``author`` writes now waits for a moderator (app/moderation/access.py decides)."""

    def published() -> int:
        assert author is not None
        return repo.published_count(db, user_id=author.user_id)

    return moderation_access.waits_for_moderator(author, policy, published=published)


# --- local terms -------------------------------------------------------------------------------


def term_rows(db: Session) -> list[LocalTerm]:
    return list(repo.local_terms(db))


def local_terms(db: Session) -> LocalTerms:
    """The terms screening uses here, in one query (its compiled patterns are cached)."""
    return terms_of(repo.local_terms(db))


def terms_of(rows: Sequence[LocalTerm]) -> LocalTerms:
    return LocalTerms(
        places=tuple(r.phrase for r in rows if r.kind == LocalTermKind.place),
        risk_phrases=tuple(
            LocalRiskPhrase(r.phrase, Level(r.level), r.category or LOCAL_CATEGORY)
            for r in rows
            if r.kind == LocalTermKind.risk_phrase and r.level in (Level.CONCERN, Level.URGENT)
        ),
        public_numbers=tuple(r.phrase for r in rows if r.kind == LocalTermKind.public_number),
    )


def add_term(
    db: Session,
    *,
    kind: str,
    phrase: str,
    level: str | None,
    category: str | None,
    actor_id: int | None,
) -> LocalTerm:
    """Add a local term. The phrase itself stays out of the audit log (its kind and id go in)."""
    errors: list[dict[str, str]] = []
    try:
        term_kind = LocalTermKind(kind)
    except ValueError:
        term_kind = None
        errors.append({"field": "kind", "msg": _("Select what kind of term this is")})
    phrase = " ".join(phrase.split())
    if not phrase:
        errors.append({"field": "phrase", "msg": _("Enter the word or phrase")})
    elif len(phrase) > PHRASE_MAX:
        errors.append({"field": "phrase", "msg": _("The phrase must be 100 characters or fewer")})
    risk_level = None
    if term_kind is LocalTermKind.risk_phrase:
        if level not in (Level.CONCERN, Level.URGENT):
            errors.append({"field": "level", "msg": _("Select how soon a person must read it")})
        else:
            risk_level = level
        if category and category not in risk_categories():
            errors.append({"field": "category", "msg": _("Select a category from the list")})
    elif term_kind is LocalTermKind.public_number and phrase and not _looks_like_phone(phrase):
        errors.append({"field": "phrase", "msg": _("Enter a phone number, like 0800 123 4567")})
    if errors:
        raise InvalidInput(errors=errors)
    assert term_kind is not None
    term = LocalTerm(
        kind=term_kind,
        phrase=phrase,
        level=risk_level,
        category=(category or LOCAL_CATEGORY) if term_kind is LocalTermKind.risk_phrase else None,
        created_by_id=actor_id,
        created_at=utcnow(),
    )
    db.add(term)
    db.flush()
    audit.record(
        db, "settings.local_term_added", actor_id=actor_id, term_id=term.id, kind=str(term_kind)
    )
    return term


def _looks_like_phone(phrase: str) -> bool:
    return sum(c.isdigit() for c in phrase) >= 3 and all(
        c.isdigit() or c in " +-()" for c in phrase
    )


def remove_term(db: Session, *, term_id: int, actor_id: int | None) -> None:
    term = repo.get_term(db, term_id) if 1 <= term_id <= ID_MAX else None
    if term is None:
        raise NotFound(_("We could not find that term. It may have been removed already."))
    audit.record(
        db, "settings.local_term_removed", actor_id=actor_id, term_id=term.id, kind=str(term.kind)
    )
    repo.delete_term(db, term)


def risk_categories() -> list[str]:
    """The categories a local risk phrase may have: the screener's families, and a general one."""
    return [LOCAL_CATEGORY, *sorted({f.category for f in FAMILIES})]


def try_text(db: Session, text_: str) -> Screening:
    """What screening would make of ``text_`` with the site's local terms (nothing is stored)."""
    return screen(text_[:5000], local_terms=local_terms(db))


# --- trusted people ----------------------------------------------------------------------------


def set_trusted(db: Session, *, user: User, trusted: bool, actor_id: int | None) -> None:
    """Mark a person as trusted (what they write skips the moderation queue), or not."""
    if user.trusted == trusted:
        return
    user.trusted = trusted
    user.updated_at = utcnow()
    db.add(user)
    audit.record(
        db,
        "account.trusted" if trusted else "account.untrusted",
        actor_id=actor_id,
        subject_user_id=user.id,
    )
