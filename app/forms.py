"""Form handling for server-rendered pages: read, validate through a schema, and turn problems
into the NHS error-summary shape (``[{"field": ..., "msg": ...}]``) without losing input."""

from typing import Annotated, Any, TypeVar

from fastapi import Depends
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request

from app.errors import InvalidInput

T = TypeVar("T", bound=BaseModel)


async def read_form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def validate(schema: type[T], values: dict[str, Any]) -> T:
    """Validate, raising InvalidInput whose errors carry each schema's plain-English messages."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        messages: dict[str, str] = getattr(schema, "MISSING", {})
        errors: list[dict[str, Any]] = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            if err["type"] in ("missing", "string_too_short") and field in messages:
                msg = messages[field]
            elif err["type"] == "value_error":
                msg = str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
            elif err["type"] == "string_too_long":
                label = field.replace("_", " ").capitalize()
                msg = f"{label} must be {err['ctx']['max_length']} characters or fewer"
            elif err["type"] == "enum" or err["type"] == "literal_error":
                msg = messages.get(field, "Select an option")
            else:
                msg = messages.get(field, f"Check the {field.replace('_', ' ')}")
            if not any(e["field"] == field for e in errors):
                errors.append({"field": field, "msg": msg})
        raise InvalidInput(errors=errors) from None


def errors_by_field(errors: list[dict[str, Any]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in errors:
        out.setdefault(e["field"], e["msg"])
    return out


async def _form_multi(request: Request) -> FormData:
    return await request.form()


async def _form_values(request: Request) -> dict[str, str]:
    return await read_form(request)


# Routes take their form through these (read on the event loop, no database work), so the
# routes themselves can be plain functions that FastAPI runs in the thread pool.
FormValues = Annotated[dict[str, str], Depends(_form_values)]
FormMulti = Annotated[FormData, Depends(_form_multi)]
