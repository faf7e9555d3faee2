"""Static files: vendored front-end assets and our own CSS, served under /static."""

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"


def static_url(path: str) -> str:
    return f"/static/{path.lstrip('/')}"
