"""A burst of concurrent writes against a real server, and what readers see meanwhile.

    .venv/bin/python bench/burst.py                 # SQLite, 1 worker, 200 requests, 60 writes
    .venv/bin/python bench/burst.py --db postgres

It migrates a fresh database, makes people and ideas, signs people in, then sends every
request of the burst at once (a barrier releases them together): reads of the board and
idea pages (half with a junk session cookie) and votes (half from signed-in people, half
with a junk cookie). It reports each kind's statuses and latencies (p50, p99) and checks
that every acknowledged vote was stored. tests/test_burst.py runs the same burst and asserts
on it; this script writes the numbers to bench/results/ and prints a table.
"""

import argparse
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "burst test password lantern"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(url: str, extra: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "FULLCIRCLE_ENV": "test",
        "FULLCIRCLE_PUBLIC_CACHE_SECONDS": "0",
        **extra,
    }


def prepare(url: str, workdir: Path, *, people: int, ideas: int) -> None:
    """Migrate and make ``people`` service users and ``ideas`` published ideas."""
    env = _env(url, {"FULLCIRCLE_INSTANCE_DIR": str(workdir)})
    subprocess.run([str(BIN / "fullcircle"), "migrate"], env=env, check=True, capture_output=True)
    code = f"""
from app.accounts import passwords
from app.db import session_scope
from app.ideas import service as ideas
from app.ideas.schemas import IdeaInput
from app.models import Identity, Role, User, UserRole, utcnow
from app.settings import service as site_settings
from app.settings.schemas import Policy
with session_scope() as db:
    # The burst's ideas are anonymous: published at once, as on a site whose admins chose
    # not to pre-moderate (the default holds them for a moderator, and the burst needs ideas).
    site_settings.save_policy(
        db, Policy(anonymous_wait=False, new_accounts_wait=False), actor_id=None
    )
    hashed = passwords.hash_password({PASSWORD!r})
    for n in range({people}):
        user = User(email=f"burst{{n}}@example.org", display_name=f"Burst {{n}}",
                    identity=Identity.service_user, password_hash=hashed,
                    email_confirmed_at=utcnow())
        db.add(user)
        db.flush()
        db.add(UserRole(user_id=user.id, role=Role.service_user))
    for n in range({ideas}):
        ideas.submit(db, data=IdeaInput(title=f"Burst idea {{n}}", description="Words"),
                     form_token=f"burst-{{n}}", author=None, ip_address=f"192.0.2.{{n}}")
"""
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, cwd=ROOT)


@contextmanager
def server(url: str, workdir: Path, extra_env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    env = _env(url, {"FULLCIRCLE_INSTANCE_DIR": str(workdir), **extra_env})
    log = (workdir / "server.log").open("wb")
    process = subprocess.Popen(
        [str(BIN / "fullcircle"), "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@dataclass
class Outcome:
    kind: str  # "read", "read-junk", "vote", "vote-junk"
    status: int
    seconds: float
    idea_id: int = 0
    email: str = ""


@dataclass
class BurstResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def of(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == kind]

    def statuses(self, kind: str) -> Counter[int]:
        return Counter(o.status for o in self.of(kind))

    def percentile(self, kinds: tuple[str, ...], p: float) -> float:
        times = sorted(o.seconds for o in self.outcomes if o.kind in kinds)
        if not times:
            return 0.0
        return times[min(len(times) - 1, int(round(p / 100 * (len(times) - 1))))]


def sign_in(base: str, email: str) -> str:
    response = httpx.post(
        f"{base}/login", data={"email": email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, (email, response.status_code)
    return response.cookies["fullcircle_session"]


def burst(
    base: str, *, cookies: dict[str, str], idea_ids: list[int], total: int, writes: int
) -> BurstResult:
    """Send ``total`` requests at once: ``writes`` votes (half junk-cookie), the rest reads
    (half junk-cookie). Each signed-in voter supports a different idea, so every
    acknowledged vote names one row."""
    rng = random.Random(7)
    emails = list(cookies)
    plan: list[tuple[str, str, str, dict[str, str], int, str]] = []
    for n in range(writes):
        idea = idea_ids[n % len(idea_ids)]
        if n % 2:
            junk = {"fullcircle_session": secrets.token_urlsafe(32)}
            plan.append(("vote-junk", "POST", f"/ideas/{idea}/vote", junk, idea, ""))
        else:
            email = emails[(n // 2) % len(emails)]
            own = {"fullcircle_session": cookies[email]}
            plan.append(("vote", "POST", f"/ideas/{idea}/vote", own, idea, email))
    for n in range(total - writes):
        path = "/ideas" if n % 3 == 0 else f"/ideas/{rng.choice(idea_ids)}"
        junk = {"fullcircle_session": secrets.token_urlsafe(32)} if n % 2 else {}
        plan.append(("read-junk" if junk else "read", "GET", path, junk, 0, ""))
    rng.shuffle(plan)
    barrier = threading.Barrier(len(plan))
    result = BurstResult()
    lock = threading.Lock()

    def one(item: tuple[str, str, str, dict[str, str], int, str]) -> None:
        kind, method, path, cookie, idea, email = item
        with httpx.Client(base_url=base, cookies=cookie, timeout=120) as client:
            data = {"action": "vote"} if method == "POST" else None
            barrier.wait()
            started = time.perf_counter()
            try:
                status = client.request(method, path, data=data).status_code
            except httpx.HTTPError:
                status = 0  # no answer at all
            elapsed = time.perf_counter() - started
        with lock:
            result.outcomes.append(Outcome(kind, status, elapsed, idea, email))

    threads = [threading.Thread(target=one, args=(item,)) for item in plan]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return result


def stored_votes(url: str) -> set[tuple[int, str]]:
    code = """
import json, sys
from sqlalchemy import text
from app.db import make_engine
engine = make_engine(sys.argv[1])
with engine.connect() as conn:
    rows = conn.execute(text(
        "SELECT v.idea_id, u.email FROM vote v JOIN user_account u ON u.id = v.user_id"
    )).all()
print(json.dumps([[r[0], r[1]] for r in rows]))
"""
    out = subprocess.run(
        [sys.executable, "-c", code, url],
        env=_env(url, {}),
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return {(int(i), str(e)) for i, e in json.loads(out)}


def run_burst(
    url: str,
    workdir: Path,
    *,
    people: int = 30,
    ideas: int = 30,
    total: int = 200,
    writes: int = 60,
    env: dict[str, str] | None = None,
) -> tuple[BurstResult, set[tuple[int, str]]]:
    prepare(url, workdir, people=people, ideas=ideas)
    with server(url, workdir, env or {}) as base:
        cookies = {f"burst{n}@example.org": "" for n in range(people)}
        for email in cookies:
            cookies[email] = sign_in(base, email)
        page = httpx.get(f"{base}/api/v1/ideas", params={"limit": 100}).json()
        idea_ids = [item["id"] for item in page["items"]]
        result = burst(base, cookies=cookies, idea_ids=idea_ids, total=total, writes=writes)
    return result, stored_votes(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--label", default="", help="a note for the results file")
    args = parser.parse_args()
    workdir = Path(f"/tmp/fullcircle-burst-{os.getpid()}")
    workdir.mkdir(parents=True, exist_ok=True)
    if args.db == "sqlite":
        url = f"sqlite:///{workdir}/burst.db"
    else:
        name = f"fullcircle_burst_{os.getpid()}"
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {name}"],
            check=True,
            capture_output=True,
        )
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    result, stored = run_burst(url, workdir)
    acked = {(o.idea_id, o.email) for o in result.of("vote") if o.status in (200, 303)}
    summary = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "db": args.db,
        "label": args.label,
        "statuses": {
            k: dict(result.statuses(k)) for k in ("read", "read-junk", "vote", "vote-junk")
        },
        "read_p50_ms": round(result.percentile(("read", "read-junk"), 50) * 1000, 1),
        "read_p99_ms": round(result.percentile(("read", "read-junk"), 99) * 1000, 1),
        "write_p99_ms": round(result.percentile(("vote", "vote-junk"), 99) * 1000, 1),
        "acknowledged_votes": len(acked),
        "acknowledged_votes_missing": len(acked - stored),
    }
    out = ROOT / "bench" / "results" / f"burst-{args.db}.json"
    history = json.loads(out.read_text()) if out.exists() else []
    history.append(summary)
    out.write_text(json.dumps(history, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
