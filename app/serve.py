"""Several uvicorn workers, each with a listening socket of its own (``SO_REUSEPORT``).

    python -m app.serve --host 127.0.0.1 --port 8000 --workers 2 [--reload]

``fullcircle serve`` runs this, and every server option lives here. With several workers on
Linux, each listens on a socket of its own. Uvicorn's own ``--workers`` binds one
socket in the supervisor and every worker accepts from it: whichever worker wakes first
takes a whole burst of new connections, and keeps them while they stay open (browsers and
proxies keep connections alive). Measured here with 20 keep-alive clients and two workers,
one worker took every connection and the other sat idle: half the machine unused, and on
SQLite more writers waiting in one process than its writers' queue admits (503s). With a
socket per worker the kernel spreads new connections over the workers by their addresses.

Uvicorn's supervisor is kept (health checks, restarts, signals); only the worker's start
differs: it binds its own socket instead of receiving the supervisor's. Imports nothing of
the application, so the supervisor stays small (about 25 MB).
"""

import argparse
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.supervisors import multiprocess


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` in the port's ``SO_REUSEPORT`` group (only
    processes of the same user can join it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class _OwnSocketProcess(multiprocess.Process):
    """A worker that binds its own socket in the group, rather than sharing the
    supervisor's (the supervisor passes none)."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover
        own = reuse_port_socket(self.config.host, self.config.port)
        super().target([own])


def supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


#: How Fullcircle is served, whichever way: our own access log records route templates only
#: (no tokens or search text in paths); the proxy's X-Forwarded-* headers are read; no
#: ``Server`` header.
OPTIONS: dict[str, Any] = {"access_log": False, "proxy_headers": True, "server_header": False}


def config(host: str, port: int, workers: int, *, app: str = "app.asgi:app") -> uvicorn.Config:
    """The server's settings, as ``fullcircle serve`` gives them to uvicorn."""
    return uvicorn.Config(app, host=host, port=port, workers=workers, **OPTIONS)


def run(settings: uvicorn.Config) -> None:
    """Serve ``settings.workers`` workers, each on a socket of its own."""
    # Fails here, with uvicorn's message, if the port is taken by anything outside the group
    # (rather than in every worker, again and again, as the supervisor restarts them).
    reuse_port_socket(settings.host, settings.port).close()
    # Every worker the supervisor starts (at first, on SIGHUP, on SIGTTIN, after a crash)
    # is made through this name.
    multiprocess.Process = _OwnSocketProcess  # type: ignore[misc]
    multiprocess.Multiprocess(settings, sockets=[]).run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--reload", action="store_true", help="restart on code changes")
    # bench/floor.py's bare page is served the same way, for a like-for-like floor.
    parser.add_argument("--app", default="app.asgi:app", help="the ASGI app to serve")
    args = parser.parse_args(argv)
    if args.workers > 1 and not args.reload and supported():
        run(config(args.host, args.port, args.workers, app=args.app))
        return
    # One worker, --reload, or no SO_REUSEPORT here: uvicorn's own way (its supervisor for
    # --reload or several workers; --reload ignores --workers).
    workers = 1 if args.reload else args.workers
    uvicorn.run(
        args.app, host=args.host, port=args.port, workers=workers, reload=args.reload, **OPTIONS
    )


if __name__ == "__main__":
    main()
