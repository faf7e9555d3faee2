"""One error hierarchy for every domain. ``app/web/errors.py`` renders each error three ways
(JSON problem details under /api, a fragment for HTMX, a full NHS-styled page otherwise); no
traceback ever reaches a user."""

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request


class AppError(Exception):
    status_code = 400
    title = "Something is wrong with this request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = dict(headers or {})
        self.errors = errors or []


class NotFound(AppError):
    status_code = 404
    title = "Page not found"


class Forbidden(AppError):
    status_code = 403
    title = "You do not have permission to do this"


class Unauthorized(AppError):
    status_code = 401
    title = "You need to sign in"


class SignInRequired(Unauthorized):
    """Raised for HTML requests: the handler shows the sign-in page and keeps any typed text."""

    def __init__(self, *, next_path: str, keep_form: bool = False) -> None:
        super().__init__()
        self.next_path = next_path
        self.keep_form = keep_form


class TwoStepSetupRequired(Forbidden):
    """Someone whose roles need two-step sign-in has not set it up: pages send them to
    ``location`` (the set-up page) instead, and the API answers 403."""

    def __init__(self, *, location: str) -> None:
        super().__init__("Set up two-step sign-in before you use the rest of the service.")
        self.location = location


#: Form fields never carried through a forced re-sign-in.
NOT_RESUMABLE = frozenset({"password", "current_password", "new_password", "confirm_password"})


class Conflict(AppError):
    status_code = 409
    title = "This cannot be done in the current state"


class RateLimited(AppError):
    status_code = 429
    title = "Too many attempts"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = max(1, retry_after)


class ServiceBusy(AppError):
    """The database's writers' queue is full or too slow: try again in a moment (503)."""

    status_code = 503
    title = "Sorry, the service is busy"

    def __init__(self, *, retry_after: int = 2) -> None:
        super().__init__(
            "Nothing was saved. Wait a few seconds, then try again.",
            headers={"Retry-After": str(max(1, retry_after))},
        )


class InvalidInput(AppError):
    status_code = 422
    title = "Check what you entered"


class FormRejected(AppError):
    """A form to show again with its errors: ``template`` rendered with ``context`` (which
    holds what was typed and the errors) at ``status_code``, the NHS error summary on top.

    Raised by ``app.web.forms.rejected()``, which builds the context while the request's
    database session is still open; one handler renders every rejected form.
    """

    status_code = 422
    title = "Check what you entered"

    def __init__(
        self,
        template: str,
        context: Mapping[str, Any],
        errors: list[dict[str, Any]],
        *,
        block: str | None = None,
        status_code: int = 422,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(headers=headers, errors=errors)
        self.template = template
        self.context = {**context, "errors": errors}
        self.block = block
        self.status_code = status_code


def wants_json(request: Request) -> bool:
    """The API answers in problem JSON; every other path in HTML."""
    return request.url.path.startswith("/api/")
