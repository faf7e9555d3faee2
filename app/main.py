"""create_app(): middleware, static files, routers, error handlers."""

import logging

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from app import errors
from app.accounts.routes import router as accounts_router
from app.admin.routes import router as admin_router
from app.api.routes import router as api_router
from app.assets import STATIC_DIR, CachedStaticFiles
from app.config import get_settings
from app.core.pagecache import PublicPageCache
from app.ideas.api import router as ideas_api_router
from app.ideas.routes import router as ideas_router
from app.pages.routes import router as pages_router
from app.security.middleware import SecurityMiddleware
from app.units.routes import router as units_router

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


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title=f"{settings.site_name} API",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    errors.install(app)
    app.mount("/static", CachedStaticFiles(directory=STATIC_DIR), name="static")
    for router in (
        pages_router,
        ideas_router,
        units_router,
        accounts_router,
        admin_router,
        api_router,
        ideas_api_router,
    ):
        app.include_router(router)
    app.add_middleware(
        PublicPageCache,
        seconds=settings.public_cache_seconds,
        cookie_name=settings.session_cookie_name,
    )
    # Level 6: nearly the size of 9 for a fraction of the CPU.
    app.add_middleware(GZipMiddleware, minimum_size=800, compresslevel=6)
    app.add_middleware(SecurityMiddleware, settings=settings)
    return app
