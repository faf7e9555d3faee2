"""Seeding: ``demo()`` builds a realistic fictional trust (``app.seed.demo``, its content in
``app/seed/demo/*.toml``) and ``bulk()`` makes volume for benchmarks (``app.seed.bulk``, its
words in ``app/seed/bulk_words.toml``). Both are what ``fullcircle seed-demo`` runs.

The two functions have their modules' names, and importing them here makes ``app.seed.demo`` and
``app.seed.bulk`` the functions; reach the modules' other names with ``from app.seed.demo import
...`` (``import app.seed.demo as m`` would give the function).
"""

from app.seed.bulk import bulk
from app.seed.demo import DEMO_PASSWORD, demo

__all__ = ["DEMO_PASSWORD", "bulk", "demo"]
