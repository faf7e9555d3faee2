"""Unit pages: printable posters for wards and clinics.

Each unit has an A4 poster with a QR code that opens the idea form with that unit already
chosen (``/ideas/new?unit=<slug>``). The QR code is SVG made here by ``segno`` and placed
inline in the page (the CSP allows inline SVG; it allows no inline styles or scripts).
"""

import re
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from app.deps import DbSession, Public
from app.errors import NotFound
from app.i18n import _
from app.units import service as units
from app.web import qr as web_qr
from app.web.render import render
from app.web.routing import Router
from app.web.urls import absolute_url, url_for

router = Router(prefix="/units")

#: Error correction level M (15%) survives a scuffed or creased poster and keeps the code small.
QR_ERROR = "m"


def idea_url(slug: str) -> str:
    """The absolute address a poster's QR code opens: the idea form, with this unit chosen."""
    return absolute_url("new_idea") + f"?unit={quote(slug, safe='')}"


def display_url(url: str) -> str:
    """The address as people type it: ``https://`` is implied, so it is left off."""
    return url.removeprefix("https://")


def breakable(text: str) -> Markup:
    """``text`` escaped, with line-break opportunities after each ``/`` and before ``?``."""
    return Markup("<wbr>").join(escape(part) for part in re.split(r"(?<=/)|(?=\?)", text) if part)


def qr_svg(url: str) -> Markup:
    """Inline SVG of a QR code for ``url`` (nothing a user typed, such as a unit's name, goes
    in its label)."""
    label = _("QR code linking to %(url)s") % {"url": url}
    return web_qr.qr_svg(url, label=label, css_class="fc-poster__qr-code", error=QR_ERROR)


@router.get("", name="units")
def unit_list(request: Request, db: DbSession, principal: Public) -> Response:
    return render(
        request,
        "units/index.html",
        {"tree": units.tree(db), "poster_link": lambda unit: url_for("poster", slug=unit.slug)},
    )


@router.get("/{slug}/poster", name="poster")
def poster(request: Request, slug: str, db: DbSession, principal: Public) -> Response:
    unit = units.by_slug(db, slug)
    if unit is None:
        raise NotFound()
    url = idea_url(unit.slug)
    return render(
        request,
        "units/poster.html",
        {
            "unit": unit,
            "qr_svg": qr_svg(url),
            "idea_url": url,
            "display_url": breakable(display_url(url)),
        },
    )
