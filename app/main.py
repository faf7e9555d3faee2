"""create_app(): middleware, static files, routers, error handlers."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.middleware.gzip import GZipMiddleware

from app import deps
from app.accounts import api as accounts_api
from app.accounts import routes as accounts_routes
from app.activity import routes as activity_routes
from app.admin import routes as admin_routes
from app.assets import STATIC_DIR, CachedStaticFiles
from app.comments import api as comments_api
from app.comments import routes as comments_routes
from app.config import get_settings
from app.core import jobs
from app.core.pagecache import PublicPageCache
from app.demographics import routes as demographics_routes
from app.follows import routes as follows_routes
from app.ideas import api as ideas_api
from app.ideas import author_routes as ideas_author_routes
from app.ideas import routes as ideas_routes
from app.measures import api as measures_api
from app.measures import routes as measures_routes
from app.moderation import api as moderation_api
from app.moderation import routes as moderation_routes
from app.notifications import api as notifications_api
from app.notifications import routes as notifications_routes
from app.pages import routes as pages_routes
from app.projects import api as projects_api
from app.projects import routes as projects_routes
from app.reports import api as reports_api
from app.reports import routes as reports_routes
from app.safeguarding import api as safeguarding_api
from app.safeguarding import routes as safeguarding_routes
from app.security.middleware import SecurityMiddleware
from app.settings import routes as settings_routes
from app.triage import api as triage_api
from app.triage import routes as triage_routes
from app.units import routes as units_routes
from app.votes import api as votes_api
from app.votes import routes as votes_routes
from app.web import errors as web_errors
from app.web import urls
from app.web.routing import add_routers

#: Every router, in matching order: a domain's fixed paths (``/ideas/new``) come before the
#: ``/ideas/{idea_id}`` of another, so ideas' own router goes first.
ROUTERS: tuple[APIRouter, ...] = (
    pages_routes.router,
    ideas_routes.router,
    ideas_author_routes.router,
    votes_routes.router,
    follows_routes.router,
    comments_routes.router,
    moderation_routes.router,
    safeguarding_routes.router,
    triage_routes.router,
    notifications_routes.router,
    activity_routes.router,
    projects_routes.router,
    measures_routes.router,
    units_routes.router,
    accounts_routes.router,
    admin_routes.router,
    settings_routes.router,
    reports_routes.router,
    demographics_routes.router,
    accounts_api.router,
    ideas_api.router,
    votes_api.router,
    comments_api.router,
    projects_api.router,
    measures_api.router,
    safeguarding_api.router,
    triage_api.router,
    moderation_api.router,
    notifications_api.router,
    reports_api.router,
)

#: Routes not behind an access dependency, each with the reason (see the route inventory test).
UNGUARDED_PATHS = {
    "/healthz": "liveness probe for load balancers; returns no data",
    "/readyz": "readiness probe; returns only ok or unavailable",
    "/static": "vendored CSS, JS and images",
    "/openapi.json": "the public API description",
}


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # Alembic announces its dialect on every readiness check; that is noise.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """In the embedded default (SQLite) the server sends its own email: a background thread
    runs the worker's passes from start-up to shut-down (app/core/jobs.py)."""
    settings = get_settings()
    worker = None
    if settings.embedded_worker and settings.is_sqlite:
        worker = jobs.EmbeddedWorker(
            interval=settings.embedded_worker_seconds,
            lock_path=settings.instance_dir / "worker.lock",
        )
        worker.start()
    app.state.worker = worker
    try:
        yield
    finally:
        if worker is not None:
            worker.stop()


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        lifespan=lifespan,
        title=f"{settings.site_name} API",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    web_errors.install(app)
    web_errors.register_identify(deps.identify)
    app.mount("/static", CachedStaticFiles(directory=STATIC_DIR), name="static")
    add_routers(app, ROUTERS)
    urls.bind(app.router)
    app.add_middleware(
        PublicPageCache,
        seconds=settings.public_cache_seconds,
        cookie_name=settings.session_cookie_name,
    )
    # Level 6: nearly the size of 9 for a fraction of the CPU.
    app.add_middleware(GZipMiddleware, minimum_size=800, compresslevel=6)
    app.add_middleware(SecurityMiddleware, settings=settings)
    return app
