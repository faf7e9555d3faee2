"""CPU per request, in process: the app called through ASGI, one request at a time.

    .venv/bin/python bench/cpu.py                       # every path, PostgreSQL 200 ideas
    .venv/bin/python bench/cpu.py board --profile tottime   # with a cProfile of the board

No network, no wrk, no second worker: the figure is what one request costs this process,
far steadier than requests per second on a shared two-core machine, so a change can be
judged before the load benchmark. It uses the database, tokens and session cookie that
``bench/run.py`` seeded (run that first, for the same database and size), with production
settings and the microcache off.
"""

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

from run import COOKIE_NAME, PG_URL, ROOT  # bench/run.py seeded what this reads


def _request(kind: str, token: str, cookie: str, idea: str) -> tuple[str, str, list[Any]]:
    bearer = [(b"authorization", f"Bearer {token}".encode())]
    return {
        "API list, token": ("GET", "/api/v1/ideas", bearer),
        "one idea, token": ("GET", f"/api/v1/ideas/{idea}", bearer),
        "board, signed in": (
            "GET",
            "/ideas",
            [(b"cookie", f"{COOKIE_NAME}={cookie}".encode())],
        ),
        "vote": ("PUT", f"/api/v1/ideas/{idea}/vote", bearer),
        "idea page": ("GET", f"/ideas/{idea}", []),
    }[kind]


KINDS = ["API list, token", "one idea, token", "board, signed in", "vote", "idea page"]


_turn = [0]


async def _call(app: Any, method: str, path: str, headers: list[Any]) -> int:
    if method == "PUT" and path.endswith("/vote"):
        # Support, then take it back: every vote changes something, as most do under wrk.
        _turn[0] += 1
        method = "PUT" if _turn[0] % 2 else "DELETE"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"accept-encoding", b"gzip"), *headers],
        "client": ("127.0.0.1", 5555),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


async def _measure(app: Any, kind: str, request: tuple[str, str, list[Any]], n: int) -> float:
    for _ in range(30):  # warm: templates compiled, statements prepared, pool filled
        status = await _call(app, *request)
    if status >= 400:
        sys.exit(f"{kind}: {request[1]} answered {status}")
    started = time.process_time()
    for _ in range(n):
        await _call(app, *request)
    return 1000 * (time.process_time() - started) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kinds", nargs="*", default=[], help=f"any of: {'; '.join(KINDS)}")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="the lowest round is reported")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fullcircle-bench"))
    parser.add_argument("--profile", default="", help="a cProfile sort key (tottime, cumtime)")
    args = parser.parse_args()
    work = args.workdir
    token = (work / f"tokens-{args.db}-{args.size}.txt").read_text().split()[0]
    cookie = (work / f"cookie-{args.db}-{args.size}.txt").read_text().strip()
    idea = (work / f"ids-{args.db}-{args.size}.txt").read_text().split()[0]
    url = (
        PG_URL.format(name=f"fullcircle_bench_{args.size}")
        if args.db == "postgres"
        else f"sqlite:///{work / f'bench-{args.size}.db'}"
    )
    os.environ.update(
        {
            "DATABASE_URL": os.environ.get("DATABASE_URL", url),
            "FULLCIRCLE_ENV": "production",
            "SECRET_KEY": "benchmark-secret-key-not-for-production-0123456789",
            "FULLCIRCLE_PUBLIC_CACHE_SECONDS": "0",
            "FULLCIRCLE_VOTES_PER_USER_PER_MINUTE": "1000000",
        }
    )
    sys.path.insert(0, str(ROOT))
    import logging

    from app.asgi import app

    logging.getLogger("fullcircle.access").setLevel(logging.WARNING)

    async def run() -> None:
        for kind in args.kinds or KINDS:
            request = _request(kind, token, cookie, idea)
            best = min(
                [await _measure(app, kind, request, args.requests) for _ in range(args.rounds)]
            )
            print(f"{kind:18} {best:6.2f} ms CPU per request", flush=True)
            if args.profile:
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(args.requests):
                    await _call(app, *request)
                profile.disable()
                pstats.Stats(profile).sort_stats(args.profile).print_stats(40)

    asyncio.run(run())


if __name__ == "__main__":
    main()
