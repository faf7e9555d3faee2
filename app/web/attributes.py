"""nhsuk-frontend-jinja's ``nhsukAttributes`` macro, in Python, with the same output.

Every NHS component renders its HTML attributes through that macro, about thirty times a
board page; as a Jinja macro (a namespace, a loop of ``set`` statements and filters) it was
an eighth of a signed-in board request. ``templates/nhsuk/macros/attributes.jinja`` shadows
the package's file with this function, and ``tests/test_jinja_environment.py`` checks that
both give the same output for generated attributes.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from jinja2 import Undefined
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

#: The macro's ``value`` when it reads one that is not there (a safe string's ``val``).
_UNDEFINED = object()


def _missing(value: Any) -> bool:
    return value is None or isinstance(value, Undefined)


def nhsuk_attributes(attributes: Any = None) -> Markup:
    """`` name="value"`` pairs from a mapping (see the macro's documentation), or a string as
    it is."""
    if isinstance(attributes, str):
        return Markup(attributes)
    html = ""
    if not isinstance(attributes, Mapping):
        return Markup(html)
    for name, item in attributes.items():
        if isinstance(item, Mapping):
            given, kind, optional = item.get("value"), item.get("type"), item.get("optional")
        else:
            given, kind, optional = item, "string", False
        value: Any
        if _missing(given):
            value, escaped = None, ""
        elif hasattr(given, "__html__"):
            value, escaped = _UNDEFINED, str(given)
        elif kind == "array" and isinstance(given, Iterable):
            value, escaped = _UNDEFINED, str(htmlsafe_json_dumps(given, sort_keys=True))
        else:
            value, escaped = given, str(escape(given))
        if optional is True and value is True:
            html = f"{html} {escape(name)}"
        elif optional is not True or (value is not None and value is not False):
            shown = str(value).lower() if isinstance(value, bool) else escaped
            quote = "'" if '"' in escaped else '"'
            html = f"{html} {escape(name)}={quote}{shown}{quote}"
    return Markup(html)
