"""Timings and SQL statement counts for each report on 100,000 ideas with demographics.

    .venv/bin/python bench/reports.py                       # SQLite in a temporary directory
    .venv/bin/python bench/reports.py --database-url postgresql+psycopg://postgres@127.0.0.1/x
    .venv/bin/python bench/reports.py --ideas 20000 --rounds 3

It migrates an empty database, adds bulk ideas, votes and comments (``app.seed.bulk``), gives
every idea past "submitted" a first response, answers the voluntary demographics for two in
three signed-in people and for a third of the anonymous ideas, enters the trust's population,
then runs each report as an improvement lead (everywhere, the last twelve months, and one
directorate) and prints the statements it sent and the median time. The goal (issue 11): each
report within a second on SQLite and PostgreSQL, in the same number of statements whatever the
data. The PostgreSQL database is emptied first: never point it at one you need.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--ideas", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--no-build", action="store_true", help="time the reports on --database-url as it is"
    )
    args = parser.parse_args()
    url = (
        args.database_url
        or f"sqlite:///{tempfile.mkdtemp(prefix='fullcircle-bench-reports-')}/b.db"
    )
    os.environ.setdefault("FULLCIRCLE_ENV", "test")
    os.environ["DATABASE_URL"] = url

    from sqlalchemy import text

    from app import db as app_db
    from app.migrations_state import upgrade
    from app.seed.bulk import bulk

    if args.no_build:
        _time(args)
        return
    if url.startswith("postgresql"):
        engine = app_db.make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    started = time.perf_counter()
    print(bulk(ideas=args.ideas, votes=args.ideas * 2, comments=args.ideas // 2))
    _demographics(url)
    print(f"Data ready in {time.perf_counter() - started:.0f} s.")
    _time(args)


def _time(args: argparse.Namespace) -> None:
    from sqlalchemy import event, text

    from app import db as app_db
    from app.accounts import repository as accounts_repo
    from app.accounts import service as accounts
    from app.accounts.principal import Principal
    from app.models import Role, User
    from app.reports import service as reports

    with app_db.session_scope() as db:
        if accounts_repo.user_by_email(db, "bench-lead@example.org") is None:
            accounts.create_user(
                db,
                email="bench-lead@example.org",
                password="benchmark password for the lead",
                display_name="Lead",
                roles={Role.improvement_lead},
            )
        found = accounts_repo.user_by_email(db, "bench-lead@example.org")
        assert found is not None
        user_id = found.id
    engine = app_db.get_engine()
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))

    with app_db.open_session(write=False) as db:
        lead = db.get(User, user_id)
        assert lead is not None
        principal = Principal(user=lead, roles=frozenset({Role.improvement_lead}))
        directorate = db.execute(
            text("SELECT slug FROM unit WHERE kind = 'directorate' ORDER BY id LIMIT 1")
        ).scalar()
        builds: dict[str, Any] = dict(reports.REPORTS)
        builds["charts"] = reports.charts
        print(f"\n{'report':<14}{'where':<14}{'statements':>11}{'median ms':>11}{'max ms':>9}")
        for where in (None, directorate):
            subject = reports.subject(db, principal=principal, unit_ref=where)
            for name, build in builds.items():
                times, counts = [], []
                for _ in range(args.rounds):
                    seen.clear()
                    t0 = time.perf_counter()
                    build(db, subject)
                    times.append((time.perf_counter() - t0) * 1000)
                    counts.append(len(seen))
                assert len(set(counts)) == 1, counts
                label = "everywhere" if where is None else "directorate"
                print(
                    f"{name:<14}{label:<14}{counts[0]:>11}"
                    f"{statistics.median(times):>11.0f}{max(times):>9.0f}"
                )
        seen.clear()
        t0 = time.perf_counter()
        reports.transparency(db)
        print(f"{'transparency':<28}{len(seen):>11}{(time.perf_counter() - t0) * 1000:>11.0f}")


def _demographics(url: str) -> None:
    """First responses for ideas past "submitted"; answers for many contributors; population."""
    from sqlalchemy import text

    from app import db as app_db
    from app.demographics.service import new_id
    from app.models import AgeBand, Ethnicity

    rng = random.Random(11)
    engine = app_db.get_engine()
    pg = url.startswith("postgresql")
    ethnicities = [e.value for e in Ethnicity]
    ages = [a.value for a in AgeBand]
    with engine.begin() as conn:
        shift = (
            "created_at + ((id % 40) * interval '1 day') + ((id % 7) * interval '1 hour')"
            if pg
            else "datetime(created_at, '+' || (id % 40) || ' days', '+' || (id % 7) || ' hours')"
        )
        conn.execute(
            text(f"UPDATE idea SET first_response_at = {shift} WHERE status != 'submitted'")
        )
        users = [r[0] for r in conn.execute(text("SELECT id FROM user_account"))]
        anonymous = [
            r[0] for r in conn.execute(text("SELECT id FROM idea WHERE author_id IS NULL"))
        ]
        contributors: list[dict[str, Any]] = []
        answers: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        now = "2026-12-01 00:00:00"

        def answer(cid: str) -> None:
            answers.append(
                {
                    "c": cid,
                    "e": rng.choices(ethnicities, weights=[6] * 12 + [40] + [3] * 7)[0],
                    "a": rng.choice(ages),
                    "t": now,
                }
            )

        for uid in users:
            if rng.random() < 0.66:
                cid = new_id()
                contributors.append({"id": cid, "u": uid, "t": now})
                answer(cid)
        for idea_id in anonymous:
            if rng.random() < 0.33:
                cid = new_id()
                contributors.append({"id": cid, "u": None, "t": now})
                answer(cid)
                links.append({"c": cid, "i": idea_id})
        stamp = "CAST(:t AS TIMESTAMP)" if pg else ":t"
        conn.execute(
            text(f"INSERT INTO contributor (id, user_id, created_at) VALUES (:id, :u, {stamp})"),
            contributors,
        )
        conn.execute(
            text(
                "INSERT INTO demographic_answer (contributor_id, ethnicity, age_band, updated_at)"
                f" VALUES (:c, :e, :a, {stamp})"
            ),
            answers,
        )
        if links:
            conn.execute(text("UPDATE idea SET contributor_id = :c WHERE id = :i"), links)
        for group, people in (
            ("asian", 38000),
            ("black", 22000),
            ("mixed", 9000),
            ("white", 172000),
            ("other", 6000),
        ):
            conn.execute(
                text(
                    "INSERT INTO unit_population (unit_id, ethnic_group, people, updated_at) "
                    f"VALUES (1, :g, :n, {stamp})"
                ),
                {"g": group, "n": people, "t": now},
            )
    print(
        f"Demographics: {len(contributors):,} contributors with answers "
        f"({len(links):,} anonymous ideas)."
    )


if __name__ == "__main__":
    main()
