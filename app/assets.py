"""Static files: vendored front-end assets and our own CSS, served under /static.

``static_url`` adds a content hash (``?v=…``) so a fingerprinted URL can be cached for a year
(``immutable``); anything fetched without one (an ES module's relative import) is revalidated
with its ETag instead, so an upgrade is never hidden behind a stale cache.
"""

import hashlib
from functools import cache
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"


@cache
def _fingerprint(path: str) -> str:
    try:
        return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]
    except OSError:
        return "missing"


def static_url(path: str) -> str:
    path = path.lstrip("/")
    return f"/static/{path}?v={_fingerprint(path)}"


class CachedStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            fingerprinted = b"v=" in scope.get("query_string", b"")
            response.headers["Cache-Control"] = IMMUTABLE if fingerprinted else "no-cache"
        return response
