"""Memory benchmark: what each server worker holds after the load benchmark's requests.

    .venv/bin/python bench/memory.py --db sqlite
    .venv/bin/python bench/memory.py --db postgres --duration 10
    .venv/bin/python bench/memory.py --url postgresql+psycopg://postgres@127.0.0.1:5432/x

Three phases, with the production settings of ``bench/run.py`` and its requests (board and
idea page, signed in and not, the API list and one idea with and without a token, voting and
submitting), microcache off unless ``--cache``:

1. ``serve``: ``fullcircle serve --workers N`` exactly as deployed, under wrk; every
   process's RSS and PSS (``/proc/PID/smaps_rollup``) after start-up and after the load.
2. ``trace``: one worker in a single process with ``tracemalloc`` started after the imports
   (tracing the imports themselves takes minutes), the same load at fewer connections; the
   Python allocations the load left, by package and by line, and the modules only the load
   imported (what a worker still loads late).
3. ``imports``: what ``import app.asgi`` adds to a bare interpreter's RSS, and what each
   third-party package it imports costs alone in a fresh interpreter.

Seeded databases are shared with ``bench/run.py`` (``--workdir``).
"""

import argparse
import collections
import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (  # noqa: E402  (bench/ is not a package)
    BIN,
    COOKIE_NAME,
    ROOT,
    Server,
    base_env,
    free_port,
    make_tokens,
    open_idea_ids,
    prepare,
    wrk,
)

#: The traced worker: the application imported first (tracing imports takes minutes), then
#: tracemalloc, and a SIGUSR1 handler that dumps a snapshot and the imported module names.
TRACED_WORKER = """
import signal, sys, tracemalloc
import app.asgi
tracemalloc.start(int(sys.argv[3]))
dumps = [0]
def dump(signum, frame):
    dumps[0] += 1
    tracemalloc.take_snapshot().dump(f"{sys.argv[2]}-{dumps[0]}.snap")
    with open(f"{sys.argv[2]}-{dumps[0]}.modules", "w") as out:
        out.write("\\n".join(sorted(sys.modules)))
    with open(f"{sys.argv[2]}-{dumps[0]}.done", "w") as out:
        out.write("ok")
signal.signal(signal.SIGUSR1, dump)
import uvicorn
uvicorn.run("app.asgi:app", host="127.0.0.1", port=int(sys.argv[1]), access_log=False,
            proxy_headers=True, server_header=False)
"""

#: What importing one package alone adds to a fresh interpreter's RSS, in KiB.
IMPORT_COST = """
import sys
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
before = rss()
__import__(sys.argv[1])
print(rss() - before)
"""

IMPORT_MACHINERY = ("<frozen importlib", "<frozen zipimport")


def kib(pid: int, path: str, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def processes(server: Server) -> list[tuple[int, str]]:
    """The server's parent process and its children: workers, and multiprocessing's helper."""
    found = [(server.proc.pid, "parent")]
    for pid in server._pids():
        if pid == server.proc.pid:
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        found.append((pid, "helper" if b"resource_tracker" in cmdline else "worker"))
    return found


def memory_line(pid: int, role: str) -> str:
    rss = kib(pid, "status", "VmRSS") / 1024
    hwm = kib(pid, "status", "VmHWM") / 1024
    pss = kib(pid, "smaps_rollup", "Pss") / 1024
    threads = kib(pid, "status", "Threads")
    return (
        f"  {role:7} pid {pid:7}  RSS {rss:6.1f} MB  PSS {pss:6.1f} MB  "
        f"peak RSS {hwm:6.1f} MB  threads {threads}"
    )


def package_of(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith(str(ROOT) + "/"):
        parts = filename[len(str(ROOT)) + 1 :].split("/")
        return "/".join(parts[:2]).removesuffix(".py")
    if "/lib/python3" in filename:
        rest = filename.split("/lib/python3", 1)[1].split("/", 1)[-1]
        return "stdlib " + rest.split("/", 1)[0].removesuffix(".py")
    return filename


def holder(trace: tracemalloc.Trace) -> str:
    # tracemalloc lists the most recent frame first.
    for frame in trace.traceback:
        if not frame.filename.startswith(IMPORT_MACHINERY):
            return package_of(frame.filename)
    return package_of(trace.traceback[0].filename)


def grouped(snapshot: tracemalloc.Snapshot) -> collections.Counter[str]:
    sizes: collections.Counter[str] = collections.Counter()
    for trace in snapshot.traces:
        sizes[holder(trace)] += trace.size
    return sizes


def plan(workdir: Path, db: str, url: str, size: int) -> tuple[list[tuple], dict[str, str]]:
    tokens = workdir / f"tokens-{db}-{size}.txt"
    cookie_file = workdir / f"cookie-{db}-{size}.txt"
    id_file = workdir / f"ids-{db}-{size}.txt"
    if not (tokens.exists() and cookie_file.exists() and id_file.exists()):
        make_tokens(url, tokens, cookie_file)
        open_idea_ids(url, id_file)
    one = id_file.read_text().split()[0]
    auth = {"Authorization": "Bearer " + tokens.read_text().split()[0]}
    cookie = {"Cookie": f"{COOKIE_NAME}={cookie_file.read_text().strip()}"}
    rows = [
        ("/ideas", "get.lua", {}),
        ("/ideas", "get.lua", cookie),
        (f"/ideas/{one}", "idea.lua", {}),
        ("/api/v1/ideas", "get.lua", {}),
        ("/api/v1/ideas", "get.lua", auth),
        (f"/api/v1/ideas/{one}", "get.lua", {}),
        (f"/api/v1/ideas/{one}", "get.lua", auth),
        (f"/api/v1/ideas/{one}/vote", "vote.lua", {}),
        ("/api/v1/ideas", "submit.lua", {}),
    ]
    return rows, {"BENCH_TOKENS": str(tokens), "BENCH_IDS": str(id_file)}


def load(
    port: int,
    rows: list[tuple],
    lua_env: dict[str, str],
    args: argparse.Namespace,
    *,
    connections: int,
    first_alone: bool = False,
) -> None:
    for path, script, headers in rows:
        if first_alone and script in ("get.lua", "idea.lua"):
            # A traced worker compiles templates many times slower: once, before the crowd.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            conn.request("GET", path, headers=headers)
            conn.getresponse().read()
        rps, _p50, _p99, _total, errors, _over = wrk(
            f"http://127.0.0.1:{port}",
            path,
            script=script,
            duration=args.duration,
            connections=connections,
            env=lua_env,
            headers=headers,
        )
        kind = "token" if "Authorization" in headers else "cookie" if headers else "anon"
        print(f"    {script:10} {kind:6} {path:28} {rps:7.0f} req/s  errors {errors}", flush=True)


def serve_phase(url: str, rows: list[tuple], lua_env: dict[str, str], args: argparse.Namespace):
    port = free_port()
    env = base_env(url) | {
        "FULLCIRCLE_BASE_URL": f"http://127.0.0.1:{port}",
        "FULLCIRCLE_PUBLIC_CACHE_SECONDS": str(args.cache),
    }
    cmd = [str(BIN / "fullcircle"), "serve", "--port", str(port), "--workers", str(args.workers)]
    server = Server(cmd, env, port, workers=args.workers)
    try:
        time.sleep(1)
        print(f"fullcircle serve --workers {args.workers}, after start-up:")
        for pid, role in processes(server):
            print(memory_line(pid, role))
        print(f"  load ({args.duration} s per row, {args.connections} connections):")
        load(port, rows, lua_env, args, connections=args.connections)
        print("after the load:")
        for pid, role in processes(server):
            print(memory_line(pid, role))
    finally:
        server.stop()


def traced_phase(url: str, rows: list[tuple], lua_env: dict[str, str], args: argparse.Namespace):
    port = free_port()
    env = base_env(url) | {
        "FULLCIRCLE_BASE_URL": f"http://127.0.0.1:{port}",
        "FULLCIRCLE_PUBLIC_CACHE_SECONDS": str(args.cache),
    }
    with tempfile.TemporaryDirectory(prefix="fullcircle-memory-") as tmp:
        prefix = str(Path(tmp) / "worker")
        cmd = [sys.executable, "-c", TRACED_WORKER, str(port), prefix, str(args.frames)]
        log = (args.workdir / "memory-traced-worker.log").open("wb")
        proc = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
        )

        def dump(n: int) -> tuple[tracemalloc.Snapshot, set[str]]:
            os.kill(proc.pid, signal.SIGUSR1)
            deadline = time.time() + 300
            while not Path(f"{prefix}-{n}.done").exists():
                if time.time() > deadline or proc.poll() is not None:
                    sys.exit("the traced worker wrote no snapshot")
                time.sleep(0.2)
            modules = set(Path(f"{prefix}-{n}.modules").read_text().split())
            return tracemalloc.Snapshot.load(f"{prefix}-{n}.snap"), modules

        try:
            wait_until_up(port, proc)
            started, modules_started = dump(1)
            rss_started = kib(proc.pid, "status", "VmRSS") / 1024
            print("traced worker (one process, tracemalloc on after the imports), load:")
            load(port, rows, lua_env, args, connections=args.trace_connections, first_alone=True)
            rss_warm = kib(proc.pid, "status", "VmRSS") / 1024
            warm, modules_warm = dump(2)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    after = grouped(warm)
    print(
        f"  RSS {rss_started:.1f} MB after start-up, {rss_warm:.1f} MB after the load (tracing "
        f"costs some of that); Python allocations the load left: "
        f"{(sum(after.values()) - sum(grouped(started).values())) / 2**20:.1f} MB, by holder:"
    )
    for name, size in (after - grouped(started)).most_common(args.top):
        print(f"  {size / 2**20:7.2f} MB  {name}")
    print("  by line:")
    for stat in warm.compare_to(started, "lineno")[: args.top]:
        if stat.size_diff <= 0:
            break
        frame = stat.traceback[0]
        print(
            f"  {stat.size_diff / 2**20:+7.2f} MB  {package_of(frame.filename)}"
            f" {Path(frame.filename).name}:{frame.lineno}"
        )
    late = sorted({m.split(".")[0] for m in modules_warm - modules_started})
    print(f"  modules imported only by the load ({len(modules_warm - modules_started)}):")
    print("    " + (", ".join(late) or "none"))


def wait_until_up(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("the traced worker did not start")


def import_phase(url: str, args: argparse.Namespace) -> None:
    """What each third-party package that a worker imports costs on its own."""
    env = base_env(url)
    listing = subprocess.run(
        [
            sys.executable,
            "-c",
            IMPORT_COST.replace("__import__(sys.argv[1])", "import app.asgi")
            + "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))",
            "-",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    total, packages = int(listing[0]), listing[1].split()
    site = Path(sys.executable).parent.parent / "lib"
    third_party = [
        name
        for name in packages
        if any(site.glob(f"python3*/site-packages/{name}")) and not name.startswith("_")
    ]
    costs = []
    for name in third_party:
        out = subprocess.run(
            [sys.executable, "-c", IMPORT_COST, name],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode == 0:
            costs.append((int(out.stdout.split()[0]), name))
    print(
        f"imports: app.asgi adds {total / 1024:.1f} MB RSS to a bare interpreter; each "
        "third-party package alone (shared dependencies count in each):"
    )
    for cost, name in sorted(costs, reverse=True)[: args.top]:
        print(f"  {cost / 1024:6.1f} MB  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--url", help="an already seeded database instead of the bench one")
    parser.add_argument("--size", type=int, default=200, help="ideas in the seeded database")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per request")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument(
        "--trace-connections", type=int, default=4, help="wrk connections to the traced worker"
    )
    parser.add_argument("--cache", type=float, default=0, help="microcache seconds (0: off)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--frames", type=int, default=1, help="tracemalloc frames (slow!)")
    parser.add_argument(
        "--phases", default="serve,trace,imports", help="any of serve, trace, imports"
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fullcircle-bench"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.url:
        url = args.url
        name = args.url.rsplit("/", 1)[-1].replace(".", "-")
        workdir = args.workdir / f"memory-{name}"
        workdir.mkdir(exist_ok=True)
    else:
        url, _seconds = prepare(args.db, args.size, args.workdir)
        workdir = args.workdir
    rows, lua_env = plan(workdir, args.db, url, args.size)
    phases = args.phases.split(",")
    if "serve" in phases:
        serve_phase(url, rows, lua_env, args)
    if "trace" in phases:
        traced_phase(url, rows, lua_env, args)
    if "imports" in phases:
        import_phase(url, args)


if __name__ == "__main__":
    main()
