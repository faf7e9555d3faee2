"""A short-lived cache for what anonymous visitors read most (a "microcache") that never
serves a page older than the last write.

The board, idea pages, the home page, the transparency page and the public API are the same
for every anonymous visitor, and on a busy day thousands read them. Each process keeps a
rendered copy for up to ``FULLCIRCLE_PUBLIC_CACHE_SECONDS`` (default 3; 0 turns it off),
tagged with the ``public`` content version it was rendered under (app/core/versions.py).
Every request first reads the counter (one primary-key read, off the event loop): a copy is
served only while the counter is unchanged, so a write that commits is seen by the very next
read, in every process.
Signed-in requests, requests with an API token and anything but a plain 200 are never
cached. The CSP nonce differs on every response: the cached copy holds a placeholder that is
replaced with this request's nonce.
"""

import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass

import anyio.to_thread
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import versions
from app.db import open_session

log = logging.getLogger("fullcircle.cache")

CACHEABLE = re.compile(r"^/(ideas(/\d+)?|api/v1/ideas(/\d+)?|transparency)?$")
PLACEHOLDER = b"__FULLCIRCLE_NONCE__"
MAX_ENTRIES = 512
MAX_BODY = 256 * 1024


def _public_version() -> int:
    with open_session(write=False) as db:
        return versions.read_all(db).get(versions.PUBLIC, 0)


@dataclass
class _Entry:
    version: int
    expires: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    refreshing: bool = False


class PublicPageCache:
    def __init__(self, app: ASGIApp, *, seconds: float, cookie_name: str) -> None:
        self.app = app
        self.seconds = seconds
        self.cookie = cookie_name.encode()
        self.entries: OrderedDict[tuple[str, bytes, str, str], _Entry] = OrderedDict()

    def _key(self, scope: Scope) -> tuple[str, bytes, str, str] | None:
        if self.seconds <= 0 or scope["type"] != "http" or scope["method"] != "GET":
            return None
        if not CACHEABLE.match(scope["path"]):
            return None
        headers = Headers(scope=scope)
        if "authorization" in headers or self.cookie.decode() + "=" in headers.get("cookie", ""):
            return None
        return (
            scope["path"],
            scope.get("query_string", b""),
            headers.get("hx-request", ""),
            headers.get("hx-history-restore-request", ""),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        try:
            version = await anyio.to_thread.run_sync(_public_version)
        except SQLAlchemyError:
            log.warning("public cache bypassed: the content version could not be read")
            await self.app(scope, receive, send)
            return
        nonce = scope.get("state", {}).get("csp_nonce", "").encode()
        entry = self.entries.get(key)
        if entry is not None and entry.version != version:
            entry = None  # something it shows has changed since it was rendered
        # While one request renders a fresh copy of an expired (not changed) page, the others
        # keep serving the old one, so an expiry never sends a crowd to the database at once.
        if entry is not None and (entry.expires > time.monotonic() or entry.refreshing):
            self.entries.move_to_end(key)
            body = entry.body.replace(PLACEHOLDER, nonce) if nonce else entry.body
            headers = MutableHeaders(raw=list(entry.headers))
            headers["content-length"] = str(len(body))
            await send(
                {"type": "http.response.start", "status": entry.status, "headers": headers.raw}
            )
            await send({"type": "http.response.body", "body": body})
            return

        if entry is not None:
            entry.refreshing = True
        start: Message | None = None
        chunks: list[bytes] = []
        cacheable = True

        async def capture(message: Message) -> None:
            nonlocal start, cacheable
            if message["type"] == "http.response.start":
                start = message
                hdrs = Headers(raw=message["headers"])
                if message["status"] != 200 or "set-cookie" in hdrs:
                    cacheable = False
            elif message["type"] == "http.response.body" and cacheable:
                chunks.append(message.get("body", b""))
                if sum(map(len, chunks)) > MAX_BODY:
                    cacheable = False
                if not message.get("more_body", False) and start is not None and cacheable:
                    body = b"".join(chunks)
                    stored = body.replace(nonce, PLACEHOLDER) if nonce else body
                    self._store(
                        key,
                        _Entry(
                            version,
                            time.monotonic() + self.seconds,
                            start["status"],
                            list(start["headers"]),
                            stored,
                        ),
                    )
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            if entry is not None:
                entry.refreshing = False  # a stored success replaced it; otherwise retry later

    def _store(self, key: tuple[str, bytes, str, str], entry: _Entry) -> None:
        self.entries[key] = entry
        self.entries.move_to_end(key)
        while len(self.entries) > MAX_ENTRIES:
            self.entries.popitem(last=False)
