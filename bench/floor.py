"""The framework floor: a bare Starlette app returning a page of a given size.

Served as Fullcircle is (uvicorn through app/serve.py, a listening socket per worker), so
every Fullcircle figure can be read as a share of what the framework alone does here.
    FLOOR_BYTES=20000 python -m app.serve --app bench.floor:app --workers 2
"""

import os

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse
from starlette.routing import Route

_SIZE = int(os.environ.get("FLOOR_BYTES", "20000"))
# Text of the same size and roughly the same compressibility as a real page.
_WORDS = "<li><a href='/ideas/1'>A quiet room on the ward in the evenings</a> 12 supporters</li>\n"
PAGE = ("<!doctype html><html><body><ul>" + _WORDS * (_SIZE // len(_WORDS) + 1))[:_SIZE]


async def page(_request: object) -> HTMLResponse:
    return HTMLResponse(PAGE)


app = Starlette(
    routes=[Route("/", page)],
    middleware=[Middleware(GZipMiddleware, minimum_size=800, compresslevel=6)],
)
