"""Timings and SQL statement counts for the project and measure pages, and the SPC engine.

    .venv/bin/python bench/projects.py              # SQLite in a temporary directory
    .venv/bin/python bench/projects.py --rounds 50

It builds, through the real services, a project with 10 measures of 100 weekly points each
(with annotations, a recalculation, a ghosted point and three PDSA cycles on the charts), and
a second project with 1 measure of 20 points. It then requests the pages in-process (no
network) and prints, per page, the SQL statements one request sends and the median and 95th
percentile time. The goals (issue 10): the project page sends the same number of statements
whatever its size; ``analyse`` on 1,000 points takes well under 10 ms.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="fullcircle-bench-projects-")
os.environ.setdefault("FULLCIRCLE_ENV", "test")
os.environ["FULLCIRCLE_PUBLIC_CACHE_SECONDS"] = "0"
os.environ["DATABASE_URL"] = f"sqlite:///{_tmp}/bench.db"

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import event  # noqa: E402

from app import db as app_db  # noqa: E402
from app.accounts import service as accounts  # noqa: E402
from app.accounts.principal import Principal  # noqa: E402
from app.main import create_app  # noqa: E402
from app.measures import service as measures  # noqa: E402
from app.measures.schemas import MeasureFields  # noqa: E402
from app.migrations_state import upgrade  # noqa: E402
from app.models import DriverKind, Role  # noqa: E402
from app.projects import drivers, pdsa  # noqa: E402
from app.projects import service as projects  # noqa: E402
from app.qi import analyse  # noqa: E402
from app.units import service as units  # noqa: E402

PASSWORD = "benchmark password for the lead"


def build() -> dict[str, int]:
    upgrade(os.environ["DATABASE_URL"])
    rng = random.Random(2026)
    with app_db.session_scope() as db:
        user = accounts.create_user(
            db,
            email="lead@example.org",
            password=PASSWORD,
            display_name="Lead",
            roles={Role.improvement_lead, Role.staff},
        )
        lead = Principal(user=user, roles=frozenset({Role.improvement_lead, Role.staff}))
        root = units.root(db)
        ids: dict[str, int] = {}
        for name, count, length in (("big", 10, 100), ("small", 1, 20)):
            project = projects.create(
                db,
                title=f"The {name} project",
                aim="Fewer missed appointments.",
                unit=root,
                actor=lead,
            )
            top = drivers.add(
                db,
                project=project,
                kind=DriverKind.primary,
                text="Reminders",
                parent_ids=[],
                actor=lead,
            )
            change = drivers.add(
                db,
                project=project,
                kind=DriverKind.change_idea,
                text="Texts",
                parent_ids=[top.id or 0],
                actor=lead,
            )
            start = date(2024, 1, 1)
            for n in range(count):
                data = MeasureFields(
                    name=f"Measure {n + 1}",
                    kind="outcome" if n == 0 else "process",
                    direction="down",
                    target=20,
                )
                measure = measures.create(db, project=project, data=data, actor=lead)
                values = [
                    round(rng.gauss(30 if i < length * 2 // 3 else 24, 2.5), 1)
                    for i in range(length)
                ]
                days = [start + timedelta(weeks=i) for i in range(length)]
                measures.add_points(
                    db,
                    measure=measure,
                    project=project,
                    points=list(zip(days, values, strict=True)),
                    actor=lead,
                )
                if name == "big" and n == 0:  # one ghosted point (the first row of the database)
                    measures.set_ghosted(
                        db, measure=measure, project=project, point_id=1, ghosted=True, actor=lead
                    )
                measures.add_annotation(db, measure=measure, on=days[length // 3], text="New rota")
                measures.add_recalculation(
                    db,
                    measure=measure,
                    project=project,
                    on=days[length * 2 // 3],
                    reason=None,
                    actor=lead,
                )
            for k in range(3):
                cycle = pdsa.create(
                    db, project=project, title=f"Test {k + 1}", actor=lead, change_idea_id=change.id
                )
                pdsa.advance(
                    db,
                    project=project,
                    cycle=cycle,
                    actor=lead,
                    label=f"PDSA {k + 1}",
                    on=start + timedelta(weeks=10 + 20 * k),
                )
            db.flush()
            ids[name] = project.id or 0
            ids[f"{name}_measure"] = measure.id or 0
    return ids


def timed(client: TestClient, path: str, rounds: int, engine: Any) -> tuple[int, float, float]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    client.get(path)  # warm up
    event.listen(engine, "before_cursor_execute", record)
    response = client.get(path)
    event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        client.get(path)
        times.append(time.perf_counter() - started)
    times.sort()
    return (
        len(statements),
        statistics.median(times) * 1000,
        times[int(len(times) * 0.95) - 1] * 1000,
    )


def per_call(fn: Callable[[], object], repeats: int = 200) -> float:
    fn()
    best = float("inf")
    for _ in range(7):
        started = time.perf_counter()
        for _ in range(repeats):
            fn()
        best = min(best, (time.perf_counter() - started) / repeats)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    ids = build()
    engine = app_db.get_engine()
    client = TestClient(create_app(), base_url="http://testserver")
    client.post("/login", data={"email": "lead@example.org", "password": PASSWORD})
    pages = [
        ("project page, 10 measures x 100 points", f"/projects/{ids['big']}"),
        ("project page, 1 measure x 20 points", f"/projects/{ids['small']}"),
        ("measure page, 100 points", f"/measures/{ids['big_measure']}"),
        ("measure page, 20 points", f"/measures/{ids['small_measure']}"),
        ("chart as SVG, 100 points", f"/measures/{ids['big_measure']}/chart.svg"),
        ("chart as PNG, 100 points", f"/measures/{ids['big_measure']}/chart.png"),
        ("data as CSV, 100 points", f"/measures/{ids['big_measure']}/data.csv"),
        ("SPC matrix, whole trust", "/measures/matrix"),
        ("projects library", "/projects"),
        ("you said, we did", "/you-said-we-did"),
        ("API: project", f"/api/v1/projects/{ids['big']}"),
        ("API: SPC of a measure, 100 points", f"/api/v1/measures/{ids['big_measure']}/spc"),
    ]
    print(f"{'page':<42} {'SQL':>4} {'median ms':>10} {'p95 ms':>8}")
    for name, path in pages:
        count, median, p95 = timed(client, path, args.rounds, engine)
        print(f"{name:<42} {count:>4} {median:>10.1f} {p95:>8.1f}")
    rng = random.Random(1)
    values = [round(rng.gauss(30 if i < 666 else 24, 2.5), 1) for i in range(1000)]
    print()
    print(
        f"analyse(), 1,000 points: {per_call(lambda: analyse(values, direction='down', target=26)):.2f} ms (goal: well under 10 ms)"
    )


if __name__ == "__main__":
    main()
