"""``fullcircle serve --workers 2``: each worker listens on a socket of its own, so new
connections are spread over the workers (uvicorn's one shared socket let one worker take
every keep-alive connection of a burst while the other sat idle: app/serve.py)."""

import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import serve
from tests.browser.conftest import _fullcircle_command, _wait_until_healthy

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not serve.supported(), reason="SO_REUSEPORT spreads connections on Linux"),
]

LISTEN, ESTABLISHED = "0A", "01"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sockets(port: int, state: str) -> set[str]:
    """Inodes of the IPv4 TCP sockets whose local port is ``port``, in ``state``."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == state:
            found.add(fields[9])
    return found


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
def two_workers(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path}/serve.db", "FULLCIRCLE_ENV": "test"}
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*_fullcircle_command(), "serve", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_healthy(f"http://127.0.0.1:{port}", process, log)
        yield process, port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_each_worker_listens_and_takes_a_share_of_the_connections(
    two_workers: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = two_workers
    deadline = time.monotonic() + 20
    while True:  # the second worker may still be starting
        listeners = {pid: _owned(pid, _sockets(port, LISTEN)) for pid in _children(process.pid)}
        workers = [pid for pid, count in listeners.items() if count]
        if len(workers) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(workers) == 2, listeners
    assert _owned(process.pid, _sockets(port, LISTEN)) == 0  # the supervisor listens nowhere
    # 16 connections kept open, as browsers and proxies keep theirs: all to one worker
    # would happen by chance once in 30,000 runs.
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=5) for _ in range(16)]
    try:
        for connection in connections:
            connection.request("GET", "/healthz")
            assert connection.getresponse().read() == b'{"status":"ok"}'
        open_ = _sockets(port, ESTABLISHED)
        shares = [_owned(pid, open_) for pid in workers]
    finally:
        for connection in connections:
            connection.close()
    assert sum(shares) == 16, shares
    assert min(shares) > 0, shares
