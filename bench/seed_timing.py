"""Time ``seed.bulk`` on a fresh database and check what it wrote.

    .venv/bin/python bench/seed_timing.py                      # 100k ideas, 1M votes, SQLite
    .venv/bin/python bench/seed_timing.py --ideas 500 --votes 3000 --comments 200
    .venv/bin/python bench/seed_timing.py --url postgresql+psycopg://postgres@127.0.0.1:5432/seedbench

SQLite runs in a temporary directory. A PostgreSQL URL must name a throwaway, empty database
(``createdb -h 127.0.0.1 -U postgres seedbench``; ``dropdb`` it afterwards): it is migrated
and filled. ``--cli`` times the real command (``fullcircle seed-demo --ideas ...``) instead of
calling ``seed.bulk`` in-process.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ideas", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--comments", type=int, default=0)
    parser.add_argument("--url", help="a throwaway database (default: a temporary SQLite file)")
    parser.add_argument("--cli", action="store_true", help="time the fullcircle command")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        os.environ["DATABASE_URL"] = url
        from app import db as app_db
        from app import seed
        from app.migrations_state import upgrade

        upgrade(url)
        engine = app_db.make_engine(url)
        app_db.use_engine(engine)
        started = time.perf_counter()
        if args.cli:
            command = [
                str(Path(sys.executable).parent / "fullcircle"),
                "seed-demo",
                f"--ideas={args.ideas}",
                f"--votes={args.votes}",
                f"--comments={args.comments}",
            ]
            subprocess.run(command, check=True, env={**os.environ, "DATABASE_URL": url})
        else:
            print(seed.bulk(ideas=args.ideas, votes=args.votes, comments=args.comments))
        elapsed = time.perf_counter() - started

        with engine.connect() as conn:
            counts = {
                table: conn.scalar(text(f"SELECT count(*) FROM {table}"))
                for table in ("idea", "vote", "comment", "idea_event", "user_account")
            }
            bad = conn.scalar(
                text(
                    "SELECT count(*) FROM idea WHERE vote_count <> "
                    "(SELECT count(*) FROM vote WHERE vote.idea_id = idea.id) OR comment_count <> "
                    "(SELECT count(*) FROM comment WHERE comment.idea_id = idea.id)"
                )
            )
        engine.dispose()
        size = ""
        if url.startswith("sqlite"):
            files = Path(tmp).glob("bench.db*")
            size = f", {sum(f.stat().st_size for f in files) / 1e6:.0f} MB on disk"
        print(", ".join(f"{n:,} {t}" for t, n in counts.items()) + size)
        print(f"ideas with counters out of step: {bad}")
        print(f"{engine.dialect.name}: {elapsed:.1f} s")


if __name__ == "__main__":
    main()
