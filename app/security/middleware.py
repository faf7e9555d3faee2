"""Request-wide protections, as plain ASGI middleware (cheap on every request).

- CSRF without tokens (the datasette approach): browsers send ``Sec-Fetch-Site`` and
  ``Origin`` on unsafe requests; a cross-site one is refused with 403. This works for plain HTML
  forms and for HTMX alike. Requests that carry only a Bearer token (no cookie) are exempt:
  they cannot be forged by another site.
- Security headers on every response, with a fresh CSP nonce per request.
- An access log that records the route *template* (``/password-reset/{token}``), never the
  concrete path or query string, which may hold tokens or search text; with the account
  number of whoever was signed in (never an email address) and the client address.
"""

import logging
import secrets
import time
import traceback
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Environment, Settings
from app.core import versions
from app.db import statement_counter
from app.web.errors import refused_response, server_error_response, too_large_response
from app.web.urls import request_base

access_log = logging.getLogger("fullcircle.access")
error_log = logging.getLogger("fullcircle.errors")

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _user_id(scope: Scope) -> str:
    """Who was signed in, as their account number (never their email), or "-"."""
    principal = scope.get("state", {}).get("principal")
    try:
        user_id = principal.user.id if principal is not None else None
    except Exception:  # noqa: BLE001 (a log line must never fail the request)
        user_id = None
    return str(user_id) if isinstance(user_id, int) else "-"


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.cookie_name = settings.session_cookie_name
        self.configured_origin = _origin_of(settings.base_url)

    def _allowed_origins(self, scope: Scope, headers: Headers) -> set[str]:
        host = headers.get("host", "")
        scheme = scope.get("scheme", "http")
        return {self.configured_origin, f"{scheme}://{host}".lower()}

    def _csrf_refusal(self, scope: Scope, headers: Headers) -> str | None:
        if scope["method"] not in UNSAFE_METHODS:
            return None
        has_cookie = f"{self.cookie_name}=" in headers.get("cookie", "")
        if headers.get("authorization", "").lower().startswith("bearer ") and not has_cookie:
            return None
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return "cross-site request refused"
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in self._allowed_origins(scope, headers):
            return "cross-origin request refused"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if b"%00" in scope.get("query_string", b""):
            # A NUL is never meaningful in a query, and PostgreSQL refuses it in text: drop it.
            scope["query_string"] = scope["query_string"].replace(b"%00", b"")
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        signed_in = (
            f"{self.cookie_name}=" in headers.get("cookie", "") or "authorization" in headers
        )
        started = time.perf_counter()
        status_holder = {"status": 500}
        versions.begin_request()
        counter: list[int] | None = None
        if self.settings.expose_sql_count:
            counter = [0]
            statement_counter.set(counter)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = 1
                out = MutableHeaders(scope=message)
                for name, value in self._headers(nonce, scope["path"]):
                    if name not in out:
                        out[name] = value
                if counter is not None:
                    out["X-SQL-Statements"] = str(counter[0])
                if (signed_in or "set-cookie" in out) and not scope["path"].startswith("/static/"):
                    out["Cache-Control"] = "no-store"
            await send(message)

        if self.settings.env == Environment.development:
            # Development links follow the address being served (make run PORT=8080).
            request_base.set(f"{scope.get('scheme', 'http')}://{headers.get('host', '')}")
        try:
            refusal = self._csrf_refusal(scope, headers)
            if refusal:
                await self._refuse(scope, receive, send_with_headers, refusal)
            elif self._too_large(headers):
                await too_large_response(Request(scope))(scope, receive, send_with_headers)
            else:
                await self.app(scope, self._capped(receive), send_with_headers)
        except Exception as exc:
            # Answer here, inside the middleware, so the 500 page carries the same headers as
            # every other page. The log gets the exception type and where it happened, never
            # its message (which could quote submitted text).
            error_log.error(
                "unhandled %s on %s %s\n%s",
                type(exc).__name__,
                scope["method"],
                getattr(scope.get("route"), "path", "?"),
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            if status_holder.get("started"):
                raise
            await server_error_response(Request(scope))(scope, receive, send_with_headers)
        finally:
            route = scope.get("route")
            client = scope.get("client")
            access_log.info(
                "%s %s %s %.1fms user=%s ip=%s",
                scope["method"],
                getattr(route, "path", None)
                or ("/static/*" if scope["path"].startswith("/static/") else "(unmatched)"),
                status_holder["status"],
                (time.perf_counter() - started) * 1000,
                _user_id(scope),
                client[0] if client else "-",
            )

    def _too_large(self, headers: Headers) -> bool:
        length = headers.get("content-length", "")
        return length.isdecimal() and int(length) > self.settings.max_body_bytes

    def _capped(self, receive: Receive) -> Receive:
        """``receive`` that stops a body (sent without a length, or longer than it said) at
        FULLCIRCLE_MAX_BODY_BYTES: the route sees a 413, and nothing more is read."""
        limit = self.settings.max_body_bytes
        seen = 0

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, "What you sent is too large.")
            return message

        return capped

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, reason: str) -> None:
        await refused_response(Request(scope), reason)(scope, receive, send)

    def _headers(self, nonce: str, path: str) -> Iterable[tuple[str, str]]:
        csp = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
        )
        yield "Content-Security-Policy", csp
        yield "X-Content-Type-Options", "nosniff"
        yield "X-Frame-Options", "DENY"
        yield "Referrer-Policy", "same-origin"
        yield "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        yield "Cross-Origin-Opener-Policy", "same-origin"
        if self.settings.is_production:
            yield "Strict-Transport-Security", "max-age=63072000; includeSubDomains"
