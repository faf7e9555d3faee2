"""Public pages: home, crisis help, policies, and health checks for load balancers."""

from dataclasses import asdict

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from app.config import get_settings
from app.core import mail
from app.db import get_engine, open_session, ping
from app.deps import DbSession, Public, identify
from app.ideas import repository as ideas_repo
from app.migrations_state import migrations_at_head
from app.models import Role
from app.web.render import render
from app.web.routing import Router
from app.web.templated import show_template

router = Router()


@router.get("/", name="home")
def home(request: Request, db: DbSession, principal: Public) -> Response:
    return render(
        request,
        "pages/home.html",
        {
            "activity": ideas_repo.recent_activity(db, limit=6),
            "response_days": get_settings().response_target_working_days,
        },
    )


#: The pages that are only words: (path, template, route name).
PAGES = (
    ("/help", "pages/help.html", "help_now"),
    ("/privacy", "pages/privacy.html", "privacy"),
    ("/accessibility", "pages/accessibility.html", "accessibility"),
    ("/terms", "pages/terms.html", "terms"),
)
for _path, _template, _name in PAGES:
    show_template(router, _path, _template, name=_name, access=Public)


@router.api_route("/healthz", methods=["GET", "HEAD"], include_in_schema=False, name="healthz")
def healthz() -> Response:
    """Liveness: the process answers. No database work, so it stays cheap."""
    return JSONResponse({"status": "ok"})


@router.api_route("/readyz", methods=["GET", "HEAD"], include_in_schema=False, name="readyz")
def readyz(request: Request) -> Response:
    """Readiness: the database answers and its schema is at the latest migration. A signed-in
    admin also gets the outbox's health (mail waiting, retrying, given up on)."""
    try:
        with get_engine().connect() as conn:
            ping(conn)
            at_head = migrations_at_head(conn)
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    if not at_head:
        return JSONResponse(
            {"status": "unavailable", "database": "migrations pending"}, status_code=503
        )
    body: dict[str, object] = {"status": "ok"}
    identify(request)
    principal = request.state.principal
    if principal is not None and principal.has(Role.admin):
        with open_session(write=False) as db:
            health = mail.health(db)
        body["outbox"] = asdict(health) | {"stuck": health.stuck}
    return JSONResponse(body)
