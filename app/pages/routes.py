"""Public pages: home, crisis help, policies, and health checks for load balancers."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.config import get_settings
from app.db import get_engine, ping
from app.deps import DbSession, Public
from app.ideas import repository as ideas_repo
from app.migrations_state import migrations_at_head
from app.web.render import render
from app.web.templated import show_template

router = APIRouter()


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
def readyz() -> Response:
    """Readiness: the database answers and its schema is at the latest migration."""
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
    return JSONResponse({"status": "ok"})
