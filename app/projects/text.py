"""How typed text is cleaned for the project and measure forms and the API (on top of
``app.ideas.schemas.clean_text``): one-line fields lose repeated spaces, empty ones are None."""

from app.ideas.schemas import clean_text


def empty_to_none(value: object) -> object:
    value = clean_text(value)
    return None if value == "" else value


def one_line(value: object) -> object:
    value = clean_text(value)
    return " ".join(value.split()) if isinstance(value, str) else value
