"""``fullcircle serve --workers 2``: each worker listens on a socket of its own, so new
connections are spread over the workers (uvicorn's one shared socket let one worker take
every keep-alive connection of a burst while the other sat idle: app/serve.py)."""

import http.client
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import serve
from bench.run import ESTABLISHED, Server, free_port, sockets_on
from tests.browser.conftest import _fullcircle_command

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not serve.supported(), reason="SO_REUSEPORT spreads connections on Linux"),
]


def _owned(pid: int, inodes: set[str]) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            count += 1
    return count


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[Server]:
    """``fullcircle serve --workers 2``, once it answers and both workers listen (the
    benchmark's own server runner)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path}/serve.db", "FULLCIRCLE_ENV": "test"}
    command = [*_fullcircle_command(), "serve", "--port", str(port), "--workers", "2"]
    server = Server(command, env, port, workers=2)
    try:
        yield server
    finally:
        server.stop()


def test_each_worker_listens_and_takes_a_share_of_the_connections(two_workers: Server) -> None:
    port, supervisor = two_workers.port, two_workers.proc.pid
    listening = sockets_on(port)
    workers = [pid for pid in _children(supervisor) if _owned(pid, listening)]
    assert len(workers) == 2, workers
    assert _owned(supervisor, listening) == 0  # the supervisor listens nowhere
    # 16 connections kept open, as browsers and proxies keep theirs: all to one worker
    # would happen by chance once in 30,000 runs.
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=5) for _ in range(16)]
    try:
        for connection in connections:
            connection.request("GET", "/healthz")
            assert connection.getresponse().read() == b'{"status":"ok"}'
        open_ = sockets_on(port, ESTABLISHED)
        shares = [_owned(pid, open_) for pid in workers]
    finally:
        for connection in connections:
            connection.close()
    assert sum(shares) == 16, shares
    assert min(shares) > 0, shares
