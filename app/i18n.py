"""Translations: every user-facing string goes through gettext, with an English catalogue.

Python code marks strings with ``_()``; templates use Jinja's i18n extension (``{% trans %}``
and ``_()``). ``make messages`` re-extracts and recompiles the catalogue.
"""

from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LOCALE = "en"


@cache
def translations(locale: str = DEFAULT_LOCALE) -> NullTranslations:
    return Translations.load(str(LOCALE_DIR), [locale], domain="messages")


def N_(message: str) -> str:  # noqa: N802 (gettext's conventional name)
    """Mark a string for the catalogue without translating it yet (it is translated on use)."""
    return message


def _(message: str) -> str:
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations().ngettext(singular, plural, n)
