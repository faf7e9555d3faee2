"""Browser tests: the real site served by ``fullcircle serve``, driven by Debian's Chromium.

Each pytest process (each xdist worker) starts its own server on a free port, with its own
database seeded by ``fullcircle seed-demo``, and its own SMTP server on loopback that the
server's embedded worker delivers email to. Every page fixture fails its test at teardown if
the page asked any host other than the server for anything, logged a console error (which
includes Content-Security-Policy violations) or threw an uncaught exception.
"""

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.helpers import DESKTOP, PHONE
from tests.helpers import SmtpServer

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


# --- the server -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fullcircle_command() -> list[str]:
    script = Path(sys.executable).with_name("fullcircle")
    if script.exists():
        return [str(script)]
    found = shutil.which("fullcircle")
    if found:
        return [found]
    return [sys.executable, "-c", "from app.cli import app; app()"]


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"fullcircle serve exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"fullcircle serve did not answer /healthz within 30s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        message = "Debian chromium not installed: apt-get install chromium"
        if os.environ.get("FULLCIRCLE_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def live_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The live server's working directory; its database is ``browser.db`` here."""
    return tmp_path_factory.mktemp("browser-server")


@pytest.fixture(scope="session")
def live_smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback that the live server delivers its email to."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mailbox(live_dir: Path, live_smtp: SmtpServer) -> Callable[[str], str]:
    """The newest email delivered to an address (its text), as the person would read it in
    their inbox: the live server's own worker sends it to ``live_smtp``. Waits (up to 10 s)
    until nothing more to the address is still waiting in the outbox, so the newest delivered
    is the newest sent."""

    def waiting(address: str) -> int:
        with closing(sqlite3.connect(live_dir / "browser.db")) as conn:
            row = conn.execute(
                "SELECT count(*) FROM outbox_email WHERE to_address = ?"
                " AND sent_at IS NULL AND failed_at IS NULL",
                (address,),
            ).fetchone()
        return int(row[0])

    def newest(address: str) -> str:
        wanted = address.lower()
        deadline = time.monotonic() + 10
        while True:
            still_waiting = waiting(wanted)
            delivered = [m for m in live_smtp.messages if str(m["To"]).lower() == wanted]
            if delivered and not still_waiting:
                return SmtpServer.body(delivered[-1])
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no email delivered to {address} within 10 s"
                    f" ({len(delivered)} delivered, {still_waiting} still in the outbox)"
                )
            time.sleep(0.1)

    return newest


@pytest.fixture(scope="session")
def live_server(chromium_path: str, live_dir: Path, live_smtp: SmtpServer) -> Iterator[str]:
    """The base URL of a freshly migrated and seeded server (one per pytest process), whose own
    worker delivers its email to ``live_smtp``."""
    tmp = live_dir
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp}/browser.db",
        "FULLCIRCLE_ENV": "test",
        "FULLCIRCLE_INSTANCE_DIR": str(tmp),
        "FULLCIRCLE_BASE_URL": base_url,
        # People here type faster than the anti-spam timer allows; the timer has its own tests.
        "FULLCIRCLE_IDEA_FORM_MIN_SECONDS": "0",
        # People here post more than ten ideas a day (as staff); the limit has its own tests.
        "FULLCIRCLE_IDEAS_PER_USER_PER_DAY": "1000",
        # Email goes out for real: the server's embedded worker drains the outbox to the
        # loopback SMTP server often enough for ``mailbox`` to wait only a moment.
        "FULLCIRCLE_SMTP_HOST": "127.0.0.1",
        "FULLCIRCLE_SMTP_PORT": str(live_smtp.port),
        "FULLCIRCLE_SMTP_STARTTLS": "false",
        "FULLCIRCLE_EMBEDDED_WORKER": "true",
        "FULLCIRCLE_EMBEDDED_WORKER_SECONDS": "0.5",
    }
    for name in ("TEST_DATABASE_URL", "FULLCIRCLE_SMTP_USERNAME", "FULLCIRCLE_SMTP_PASSWORD"):
        env.pop(name, None)
    command = _fullcircle_command()
    for step in ("migrate", "seed-demo"):
        done = subprocess.run(
            [*command, step], env=env, cwd=tmp, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            pytest.fail(f"fullcircle {step} failed:\n{done.stdout}\n{done.stderr}")
    log = tmp / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class PageGuard:
    """What a page did that a test should not have to ask about."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)

    def allow_status(self, status: int) -> None:
        """Expect a response with this error status (Chromium logs those as console errors)."""
        self.allowed_statuses.add(status)

    def _expected(self, text: str) -> bool:
        match = re.search(r"status of (\d{3})", text)
        return bool(match) and int(match.group(1)) in self.allowed_statuses

    def problems(self) -> list[str]:
        found = [
            f"third-party request: {url}"
            for url in self.requests
            if urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(url).hostname != "127.0.0.1"
        ]
        found += [
            f"console error: {text}" for text in self.console_errors if not self._expected(text)
        ]
        found += [f"uncaught exception: {text}" for text in self.page_errors]
        return found


PageFactory = Callable[..., Any]


@pytest.fixture
def new_page(browser: Any, live_server: str) -> Iterator[PageFactory]:
    """Make pages in fresh contexts (own cookies); every page is checked at teardown."""
    contexts: list[Any] = []
    guards: list[PageGuard] = []

    def make(**context_options: Any) -> Any:
        context = browser.new_context(base_url=live_server, **context_options)
        # Generous: CI runs two test processes, two servers and two browsers on two cores.
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        guard = PageGuard()
        guards.append(guard)
        page.guard = guard
        page.javascript = context_options.get("java_script_enabled", True)
        page.on("request", lambda request: guard.requests.append(request.url))
        page.on(
            "console",
            lambda message: (
                guard.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: guard.page_errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
    problems = [problem for guard in guards for problem in guard.problems()]
    assert not problems, "The browser saw problems:\n" + "\n".join(problems)


@pytest.fixture
def phone_page(new_page: PageFactory) -> Any:
    return new_page(**PHONE)


@pytest.fixture
def desktop_page(new_page: PageFactory) -> Any:
    return new_page(**DESKTOP)


@pytest.fixture(scope="session")
def signed_in_as(browser: Any, live_server: str) -> Callable[[str], dict[str, Any]]:
    """The storage state (cookies) of a session for a demo account, signed in once per run."""
    from tests.browser.helpers import sign_in

    states: dict[str, dict[str, Any]] = {}

    def state_for(email: str) -> dict[str, Any]:
        if email not in states:
            context = browser.new_context(base_url=live_server)
            try:
                sign_in(context.new_page(), email)
                states[email] = context.storage_state()
            finally:
                context.close()
        return states[email]

    return state_for
