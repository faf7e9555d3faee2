"""Forms on server-rendered pages: read, validate through a schema, turn problems into the NHS
error-summary shape (``[{"field": ..., "msg": ...}]``), and show a rejected form again.

The pattern every form route follows::

    with rejected("ideas/new.html", lambda errors: form_context(db, values, errors), db=db):
        data = validate(IdeaInput, values)
        ideas.submit(db, data=data, ...)
        db.commit()
    return redirect(request, url_for(...))

An ``InvalidInput`` from validation or the service rolls the transaction back and becomes a
``FormRejected``, which one handler renders at 422 with what was typed and the error summary.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

from fastapi import Depends
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request

from app.errors import FormRejected, InvalidInput, RateLimited
from app.i18n import _

T = TypeVar("T", bound=BaseModel)

ContextBuilder = Callable[[list[dict[str, Any]]], Mapping[str, Any]]


async def read_form(request: Request) -> dict[str, str]:
    form = await request.form()
    # A NUL is never meaningful typed text, and PostgreSQL refuses it: it is dropped.
    return {k: v.replace("\x00", "") for k, v in form.items() if isinstance(v, str)}


def field_error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "msg": message}


def validate(schema: type[T], values: Mapping[str, Any]) -> T:
    """Validate, raising InvalidInput whose errors carry each schema's plain-English messages."""
    try:
        return schema.model_validate(dict(values))
    except ValidationError as exc:
        messages: dict[str, str] = getattr(schema, "MISSING", {})
        errors: list[dict[str, Any]] = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            ctx = err.get("ctx") or {}
            if err["type"] in ("missing", "string_too_short") and field in messages:
                msg = messages[field]
            elif err["type"] == "value_error" and "error" in ctx:
                msg = str(ctx["error"])
            elif err["type"] == "string_too_long" and "max_length" in ctx:
                label = field.replace("_", " ").capitalize()
                msg = _("%(label)s must be %(max)s characters or fewer") % {
                    "label": label,
                    "max": ctx["max_length"],
                }
            elif err["type"] in ("enum", "literal_error"):
                msg = messages.get(field, _("Select an option"))
            else:
                msg = messages.get(
                    field, _("Check the %(field)s") % {"field": field.replace("_", " ")}
                )
            if not any(e["field"] == field for e in errors):
                errors.append(field_error(field, msg))
        raise InvalidInput(errors=errors) from None


def errors_by_field(errors: list[dict[str, Any]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in errors:
        out.setdefault(e["field"], e["msg"])
    return out


@contextmanager
def rejected(
    template: str,
    context: ContextBuilder,
    *,
    db: Session,
    block: str | None = None,
    rate_field: str | None = None,
) -> Iterator[None]:
    """Turn an ``InvalidInput`` inside the block into a re-rendered form (422).

    ``context(errors)`` builds the page's context; it runs after the rollback while the
    session is still open, so it may query. With ``rate_field``, a ``RateLimited`` is shown on
    that field of the same form (429, with Retry-After) instead of on an error page.
    """
    try:
        yield
    except InvalidInput as exc:
        _undo(db)
        raise FormRejected(template, context(exc.errors), exc.errors, block=block) from None
    except RateLimited as exc:
        if rate_field is None:
            raise
        _undo(db)
        errors = [field_error(rate_field, exc.detail)]
        raise FormRejected(
            template, context(errors), errors, block=block, status_code=429, headers=exc.headers
        ) from None


def _undo(db: Session) -> None:
    # Detach what was loaded before rolling back: a rollback expires it, and the page shown
    # after this session has closed (the signed-in person in the header) still reads it.
    db.expunge_all()
    db.rollback()


async def _form_multi(request: Request) -> FormData:
    return await request.form()


async def _form_values(request: Request) -> dict[str, str]:
    return await read_form(request)


# Routes take their form through these (read on the event loop, no database work), so the
# routes themselves can be plain functions that FastAPI runs in the thread pool.
FormValues = Annotated[dict[str, str], Depends(_form_values)]
FormMulti = Annotated[FormData, Depends(_form_multi)]
