"""Helpers shared by test modules (a test module never imports another test module)."""

import asyncio
import email
import email.message
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, text

from app import db as app_db
from app.core import mail, signing

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
IS_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")


def soup_of(page: Response | str) -> BeautifulSoup:
    """A page (a response, or its text) parsed for CSS selectors."""
    return BeautifulSoup(page if isinstance(page, str) else page.text, "html.parser")


def error_summary(response: Response) -> list[str]:
    """The messages of the NHS error summary, in order."""
    summary = soup_of(response).select_one(".nhsuk-error-summary")
    return [a.get_text(strip=True) for a in summary.select("a")] if summary else []


def started_ago(seconds: int, form_token: str) -> dict[str, str]:
    """The signed "form opened at" pair for this form, as if opened ``seconds`` ago."""
    started = str(int(time.time()) - seconds)
    return {
        "started": started,
        "started_sig": signing.sign("form-start", f"{form_token}:{started}"),
    }


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
    data.update(started_ago(10, data["form_token"]))
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


class SmtpServer:
    """A real SMTP server on loopback (aiosmtpd), for tests that send email.

    ``messages`` holds what it accepted; addresses in ``refuse`` are refused at RCPT (550),
    and ``down`` makes it refuse every connection attempt's mail (451, try again later).
    ``during_data`` runs while a message is being received.
    """

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[email.message.Message] = []
        self.refuse: set[str] = set()
        self.down = False
        self.during_data: Callable[[], None] | None = None
        with socket.socket() as probe:  # aiosmtpd checks it started by connecting: a real port
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.down:
            return "451 4.3.0 try again later"
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.during_data is not None:
            await asyncio.to_thread(self.during_data)
        self.messages.append(email.message_from_bytes(envelope.original_content))
        return "250 Message accepted"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str) -> list[email.message.Message]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def body(message: email.message.Message) -> str:
        payload = message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode()


def delivered_to(smtp: SmtpServer, address: str) -> list[email.message.Message]:
    """Drain the outbox as the worker does (the app's own ``deliver_pending``, to ``smtp``: use
    the ``smtp_server`` fixture) and return every message that reached ``address``, oldest
    first."""
    with app_db.open_session(write=True) as db:
        mail.deliver_pending(db)
    return smtp.to(address)
