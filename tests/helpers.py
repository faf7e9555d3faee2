"""Helpers shared by test modules (a test module never imports another test module)."""

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, text

from app import db as app_db
from app.core import signing

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
IS_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")


def soup_of(page: Response | str) -> BeautifulSoup:
    """A page (a response, or its text) parsed for CSS selectors."""
    return BeautifulSoup(page if isinstance(page, str) else page.text, "html.parser")


def error_summary(response: Response) -> list[str]:
    """The messages of the NHS error summary, in order."""
    summary = soup_of(response).select_one(".nhsuk-error-summary")
    return [a.get_text(strip=True) for a in summary.select("a")] if summary else []


def started_ago(seconds: int) -> dict[str, str]:
    """The signed "form opened at" pair, as if the form had been opened ``seconds`` ago."""
    started = str(int(time.time()) - seconds)
    return {"started": started, "started_sig": signing.sign("form-start", started)}


def hidden_fields(client: TestClient, path: str = "/ideas/new") -> dict[str, str]:
    response = client.get(path)
    assert response.status_code == 200
    form = soup_of(response).select_one('form[action="/ideas"]')
    assert form is not None
    return {str(i["name"]): str(i.get("value", "")) for i in form.select('input[type="hidden"]')}


def idea_form(client: TestClient, **fields: str) -> dict[str, str]:
    """A filled-in idea form as the page gave it out, opened ten seconds ago."""
    data = hidden_fields(client)
    assert set(data) == {"form_token", "started", "started_sig"}
    data.update(started_ago(10))
    data.update(
        title="A quiet room in the evenings",
        description="The lounge is loud after tea. Somewhere quiet to read would help.",
        category="environment",
        submitted_as="service_user",
    )
    data.update(fields)
    return data


@contextmanager
def lock_held(engine: Engine) -> Iterator[None]:
    """Another request holds the writers' lock while the block runs."""
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        with app_db.open_session(write=True, engine=engine) as db:
            db.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the lock is this thread's
            started.set()
            release.wait(10)
            db.rollback()

    thread = threading.Thread(target=hold)
    thread.start()
    assert started.wait(5)
    try:
        yield
    finally:
        release.set()
        thread.join()
