"""Public pages: home, crisis help, policies, and health checks for load balancers."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from app.config import get_settings
from app.db import get_engine
from app.deps import DbSession, Public
from app.ideas import repository as ideas_repo
from app.ideas.service import STATUS_LABELS
from app.migrations_state import migrations_at_head
from app.notices import notice_from
from app.templating import render

router = APIRouter()


@router.get("/")
def home(request: Request, db: DbSession, principal: Public) -> Response:
    return render(
        request,
        "pages/home.html",
        {
            "notice": notice_from(request),
            "activity": ideas_repo.recent_activity(db, limit=6),
            "status_labels": STATUS_LABELS,
            "response_days": get_settings().response_target_working_days,
        },
    )


@router.get("/help")
def help_now(request: Request, principal: Public) -> Response:
    return render(request, "pages/help.html", {})


@router.get("/privacy")
def privacy(request: Request, principal: Public) -> Response:
    return render(request, "pages/privacy.html", {})


@router.get("/accessibility")
def accessibility(request: Request, principal: Public) -> Response:
    return render(request, "pages/accessibility.html", {})


@router.get("/terms")
def terms(request: Request, principal: Public) -> Response:
    return render(request, "pages/terms.html", {})


@router.api_route("/healthz", methods=["GET", "HEAD"], include_in_schema=False)
def healthz() -> Response:
    """Liveness: the process answers. No database work, so it stays cheap."""
    return JSONResponse({"status": "ok"})


@router.api_route("/readyz", methods=["GET", "HEAD"], include_in_schema=False)
def readyz() -> Response:
    """Readiness: the database answers and its schema is at the latest migration."""
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
            at_head = migrations_at_head(conn)
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    if not at_head:
        return JSONResponse(
            {"status": "unavailable", "database": "migrations pending"}, status_code=503
        )
    return JSONResponse({"status": "ok"})
