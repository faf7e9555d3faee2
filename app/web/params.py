"""One typed way to read ids and numbers from paths, queries and forms, with the API's bounds:
a row id is a whole number from 1 to ID_MAX written in ASCII digits; anything else names no
row (a 404 for a path, "not given" for a form field), never a database error."""

from typing import Annotated

from fastapi import Path

from app.models.base import ID_MAX

#: A row id in an HTML page's path; out of bounds or not a number is a 404 page.
RowId = Annotated[int, Path(ge=1, le=ID_MAX)]


def as_id(value: str | None) -> int | None:
    """A row id from a form field or query parameter, or None if it is not one."""
    if not value or not value.isascii() or not value.isdecimal() or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= ID_MAX else None
