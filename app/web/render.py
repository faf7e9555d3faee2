"""One Jinja environment for every page, fragment and email, and ``render()``.

Autoescape is on for every suffix: nhsuk-frontend-jinja's macros are ``.jinja`` files, which
Jinja's default ``select_autoescape`` would leave unescaped. ``ChainableUndefined`` is what those
macros expect (they read ``params.a.b`` freely). Plain-text emails (``templates/emails/*.txt``)
use a second environment without HTML escaping: they are never HTML.

One context builder serves a page and its fragments: ``page()`` renders the whole template, or
for an HTMX swap only the named block (the django-htmx-patterns ``for_htmx`` pattern).
"""

from collections.abc import Iterable, Mapping, MutableMapping
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
)
from jinja2_fragments import render_block
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app import i18n
from app.accounts import devices
from app.accounts.principal import identity_public
from app.assets import static_url
from app.config import get_settings
from app.core.states import LabelledEnum
from app.models import (
    IdeaStatus,
    Identity,
    ReportReason,
    Role,
    SafeguardingLevel,
    SafeguardingStatus,
    UnitKind,
    VerificationStatus,
    Visibility,
)
from app.web.attributes import nhsuk_attributes
from app.web.notices import notice_from
from app.web.urls import absolute_url, sign_in_url, url_for

TEMPLATE_DIR = Path(__file__).resolve().parent.parent.parent / "templates"


def _date(value: datetime | None, fmt: str = "%-d %B %Y") -> str:
    return value.strftime(fmt) if value else ""


def _datetime(value: datetime | None) -> str:
    return (
        value.strftime("%-d %B %Y at %-I:%M%p").replace("AM", "am").replace("PM", "pm")
        if value
        else ""
    )


def _ago(value: datetime | None) -> str:
    """'3 days ago' in plain English (the exact date is in the <time> element)."""
    if value is None:
        return ""
    seconds = max(0, int((datetime.now(UTC) - value).total_seconds()))
    for unit_seconds, singular, plural in (
        (365 * 86400, "%(num)d year ago", "%(num)d years ago"),
        (30 * 86400, "%(num)d month ago", "%(num)d months ago"),
        (7 * 86400, "%(num)d week ago", "%(num)d weeks ago"),
        (86400, "%(num)d day ago", "%(num)d days ago"),
        (3600, "%(num)d hour ago", "%(num)d hours ago"),
        (60, "%(num)d minute ago", "%(num)d minutes ago"),
    ):
        if seconds >= unit_seconds:
            n = seconds // unit_seconds
            return i18n.ngettext(singular, plural, n) % {"num": n}
    return i18n._("just now")


def _error_link(error: Mapping[str, Any]) -> dict[str, str]:
    return {"text": str(error.get("msg", "")), "href": f"#{error.get('field') or 'maincontent'}"}


def _error_for(errors: list[Mapping[str, Any]] | None, field: str) -> dict[str, str] | None:
    """The NHS ``errorMessage`` parameter for one field, or None."""
    for error in errors or []:
        if error.get("field") == field:
            return {"text": str(error.get("msg", ""))}
    return None


def choices(
    source: Iterable[Any] | type[Enum],
    selected: Any = None,
    *,
    value: str = "value",
    text: str = "label",
    blank: str | None = None,
) -> list[dict[str, Any]]:
    """NHS radio, checkbox or select ``items`` from an enum, rows, or (value, text) pairs.

    ``selected`` is one value or a collection of them (checkboxes); it is compared as text,
    because form values are text. Each item carries both ``checked`` (radios, checkboxes) and
    ``selected`` (selects).
    """
    picked = (
        {str(s) for s in selected}
        if isinstance(selected, set | frozenset | list | tuple)
        else {str(selected)}
        if selected is not None
        else set()
    )
    items: list[dict[str, Any]] = []
    if blank is not None:
        items.append({"value": "", "text": blank, "selected": not picked - {""}})
    for entry in source:
        if isinstance(entry, tuple):
            item_value, item_text = entry
        elif isinstance(entry, str) and not isinstance(entry, Enum):
            item_value = item_text = entry
        elif isinstance(entry, Enum):
            item_value, item_text = entry.value, getattr(entry, text, entry.value)
        else:
            item_value, item_text = getattr(entry, value), getattr(entry, text)
        chosen = str(item_value) in picked
        items.append(
            {"value": item_value, "text": item_text, "checked": chosen, "selected": chosen}
        )
    return items


def unit_choices(
    tree: Iterable[Any],
    selected: Any = None,
    *,
    value: str = "id",
    exclude_kinds: Iterable[str] = (),
    blank: str | None = None,
) -> list[dict[str, Any]]:
    """NHS items for the unit tree (``units.tree()`` rows), indented by depth: every select
    and checkbox list of units is built here."""
    skip = set(exclude_kinds)
    pairs = [
        (getattr(row.unit, value), "\u00a0\u00a0" * row.depth + row.unit.name)
        for row in tree
        if row.unit.kind not in skip
    ]
    return choices(pairs, selected, blank=blank)


def _label(value: str, enum: type[Enum]) -> str:
    """The label of a stored enum value (rows hold plain strings); an unknown value is shown
    as it is (escaped like any text), never an error page."""
    try:
        member = enum(value)
    except ValueError:
        return str(value)
    return str(getattr(member, "label", member.value))


#: Status and choice enums, for ``choices(enums.Identity, ...)`` and labels in templates.
_ENUMS = {
    e.__name__: e
    for e in (
        IdeaStatus,
        Identity,
        ReportReason,
        Role,
        SafeguardingLevel,
        SafeguardingStatus,
        UnitKind,
        VerificationStatus,
        Visibility,
    )
}


def _globals() -> dict[str, Any]:
    settings = get_settings()
    return {
        "site_name": settings.site_name,
        "organisation_name": settings.organisation_name,
        "crisis_line_name": settings.crisis_line_name,
        "crisis_line_phone": settings.crisis_line_phone,
        "static_url": static_url,
        "asset_path": "/static/nhsuk/assets",
        "url_for": url_for,
        "absolute_url": absolute_url,
        "sign_in_url": sign_in_url,
        "choices": choices,
        "unit_choices": unit_choices,
        "enums": _ENUMS,
        "status_tag": status_tag,
        "error_for": _error_for,
        "identity_public": identity_public,
        # templates/nhsuk/macros/attributes.jinja: the NHS macros' attributes, in Python.
        "nhsuk_attributes": nhsuk_attributes,
    }


_TAG = Markup('<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong>')


@cache
def status_tag(status: str, enum: type[LabelledEnum] = IdeaStatus) -> Markup:
    """A status as an NHS.UK tag in its colour, with its translated label. In Python, not a
    macro, and each one made once per process (the labels come from its one catalogue,
    app/i18n.py): the board shows one per card, and the macro's call cost three times the
    rest of the tag."""
    member = enum(status)
    return _TAG.format(member.colour, member.label)


def _configure(env: Environment) -> Environment:
    env.install_gettext_translations(i18n.translations(), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        date=_date,
        datetime=_datetime,
        ago=_ago,
        device=devices.describe,
        error_link=_error_link,
        label=_label,
    )
    env.globals.update(_globals())
    return env


def _loader() -> BaseLoader:
    return ChoiceLoader(
        [FileSystemLoader(TEMPLATE_DIR), PackageLoader("nhsuk_frontend_jinja", "templates")]
    )


#: NHS.UK frontend components every page may call without importing them.
NHS_COMPONENTS = (
    "back-link",
    "button",
    "character-count",
    "checkboxes",
    "input",
    "inset-text",
    "panel",
    "password-input",
    "radios",
    "select",
    "summary-list",
    "tag",
    "textarea",
    "warning-callout",
)
#: Our own shared macros, likewise: (template, macro names).
SHARED_MACROS = (
    (
        "_macros.html",
        (
            "error_summary",
            "notice_banner",
            "options",
            "unit_tree",
            "data_table",
            "comment_author",
        ),
    ),
    (
        "_crisis.html",
        ("crisis_contacts", "not_monitored", "not_monitored_notice", "waiting_for_a_person"),
    ),
    (
        "_fields.html",
        ("email_field", "password_field", "identity_field", "counted_text", "identifier_preview"),
    ),
    ("ideas/_card.html", ("idea_card",)),
)


def _camel(component: str) -> str:
    first, *rest = component.split("-")
    return first + "".join(word.capitalize() for word in rest)


#: What a dict's attributes are (its methods): ``params.items`` stays the method, as in Jinja.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(Environment):
    """Jinja's environment, quicker at two things every NHS macro does many times a page
    (together about a fifth of a signed-in board request), with the same results."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        # ``params.text`` on a dict: Jinja tries the attribute first, and raised and caught an
        # AttributeError for every parameter every macro read. A dict's only attributes are
        # its methods (looked up as before), so the key is the answer Jinja would give.
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        # No template here has globals of its own, so each shares the environment's dict.
        # Jinja's ChainMap made every ``{% from %}`` inside a block compare the globals one
        # ChainMap lookup at a time.
        return super().make_globals(d) if d else self.globals


def _environment(**options: Any) -> Environment:
    # cache_size=-1: a plain dict of every template (they are few and all stay). Jinja's LRU
    # cache takes a lock and shuffles a deque on every lookup, and each import of a macro file
    # is a lookup: a tenth of a signed-in board request.
    return _configure(
        _Environment(loader=_loader(), extensions=["jinja2.ext.i18n"], cache_size=-1, **options)
    )


@cache
def environment() -> Environment:
    env = _environment(
        autoescape=True,
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Checking every template's mtime on each render cost a fifth of a board request.
        auto_reload=get_settings().env == "development",
    )
    # Macros every page uses are globals, so a page (and each block of it, which cannot see a
    # block's imports) calls them without a line of imports.
    for component in NHS_COMPONENTS:
        module = env.get_template(f"nhsuk/components/{component}/macro.jinja").module
        env.globals[_camel(component)] = getattr(module, _camel(component))
    for template, names in SHARED_MACROS:
        module = env.get_template(template).module
        env.globals.update({name: getattr(module, name) for name in names})
    return env


@cache
def text_environment() -> Environment:
    """Plain-text emails: no HTML escaping (they are not HTML), and a missing name is an
    error rather than an empty string in somebody's inbox."""
    return _environment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)


def render_text(template: str, context: Mapping[str, Any]) -> str:
    return text_environment().get_template(template).render(context)


def is_fragment_request(request: Request) -> bool:
    """HTMX swaps get a fragment; a history restore or a pushed URL gets the full page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    block: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render a page, or one named block of it (an HTMX fragment)."""
    ctx: dict[str, Any] = {
        "request": request,
        "current_user": getattr(request.state, "user", None),
        "current_roles": getattr(request.state, "roles", frozenset()),
        #: Unread notifications, for the header (None: not counted for this request).
        "unread_count": getattr(request.state, "unread", None),
        "csp_nonce": getattr(request.state, "csp_nonce", ""),
        #: For the header's "current page" (``request.url`` would build and parse a whole URL).
        "path": request.scope["path"],
        "notice": notice_from(request),
        "errors": [],
        "values": {},
    }
    if context:
        ctx.update(context)
    env = environment()
    if block:
        html = render_block(env, template, block, ctx)
    else:
        html = env.get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.headers["Vary"] = "HX-Request"
    return response


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    fragment: str,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The whole page, or only its ``fragment`` block when HTMX swaps it in."""
    block = fragment if is_fragment_request(request) else None
    return render(request, template, context, status_code=status_code, block=block, headers=headers)
