"""One Jinja environment for every page and fragment.

Autoescape is on for every suffix: nhsuk-frontend-jinja's macros are ``.jinja`` files, which
Jinja's default ``select_autoescape`` would leave unescaped. ``ChainableUndefined`` is what those
macros expect (they read ``params.a.b`` freely).
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader
from jinja2_fragments import render_block
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app import i18n
from app.accounts import devices
from app.assets import static_url
from app.config import get_settings

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


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


@cache
def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [FileSystemLoader(TEMPLATE_DIR), PackageLoader("nhsuk_frontend_jinja", "templates")]
        ),
        autoescape=True,
        undefined=ChainableUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Checking every template file's mtime on each render cost a fifth of a board request.
        auto_reload=get_settings().env == "development",
    )
    env.install_gettext_translations(i18n.translations(), newstyle=True)  # type: ignore[attr-defined]
    env.filters["date"] = _date
    env.filters["datetime"] = _datetime
    env.filters["ago"] = _ago
    env.filters["device"] = devices.describe
    env.filters["error_link"] = _error_link
    env.globals["error_for"] = _error_for
    settings = get_settings()
    env.globals.update(
        site_name=settings.site_name,
        organisation_name=settings.organisation_name,
        base_url=settings.base_url.rstrip("/"),
        crisis_line_name=settings.crisis_line_name,
        crisis_line_phone=settings.crisis_line_phone,
        static_url=static_url,
        asset_path="/static/nhsuk/assets",
    )
    return env


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
        "csp_nonce": getattr(request.state, "csp_nonce", ""),
        "path": request.url.path,
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
