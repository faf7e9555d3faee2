"""Speed and evaluation tables for app.moderation.screening.

    .venv/bin/python bench/screening.py            # timings and both evaluation tables
    .venv/bin/python bench/screening.py --markdown # the same tables as Markdown, for the docs

Times ``screen()`` over every text in the evaluation sets (tests/moderation/data/): mean and
99th percentile per text, and texts per second, on one core. Then prints, for the development
set and the held-out set separately, precision and recall per level, how each label was
classed, and the identifier removal rate. Not a timed test: numbers depend on the machine.

The loading and scoring functions here are also used by tests/moderation/test_screening.py, so
the tests and this report can never disagree about what the numbers mean.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import timeit
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.moderation.screening import Level, Screening, screen  # noqa: E402

DATA = ROOT / "tests" / "moderation" / "data"
SETS = {"development": DATA / "dev.toml", "held-out": DATA / "heldout.toml"}
LABELS = ("urgent", "concern", "topic", "plain")
# The level each label should get; topic and plain should both be none.
EXPECTED = {
    "urgent": Level.URGENT,
    "concern": Level.CONCERN,
    "topic": Level.NONE,
    "plain": Level.NONE,
}


@dataclass(frozen=True)
class RiskCase:
    label: str
    text: str


@dataclass(frozen=True)
class IdentifierCase:
    text: str
    remove: tuple[str, ...]
    keep: tuple[str, ...]
    absent: tuple[str, ...] = ()
    redacted: str | None = None


@dataclass(frozen=True)
class EvalSet:
    name: str
    risk: tuple[RiskCase, ...]
    identifiers: tuple[IdentifierCase, ...]


def load_set(name: str) -> EvalSet:
    with SETS[name].open("rb") as f:
        data = tomllib.load(f)
    risk = tuple(RiskCase(r["label"], r["text"]) for r in data.get("risk", []))
    for r in risk:
        if r.label not in LABELS:
            raise ValueError(f"unknown label {r.label!r} in {name}")
    ids = tuple(
        IdentifierCase(
            text=i["text"],
            remove=tuple(i.get("remove", ())),
            keep=tuple(i.get("keep", ())),
            absent=tuple(i.get("absent", ())),
            redacted=i.get("redacted"),
        )
        for i in data.get("identifier", [])
    )
    return EvalSet(name, risk, ids)


@dataclass
class RiskReport:
    results: list[tuple[RiskCase, Screening]]
    by_label: dict[str, Counter[Level]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for label in LABELS:
            self.by_label[label] = Counter()
        for case, s in self.results:
            self.by_label[case.label][s.level] += 1

    def count(self, label: str) -> int:
        return sum(self.by_label[label].values())

    def flagged(self, label: str) -> int:
        c = self.by_label[label]
        return c[Level.CONCERN] + c[Level.URGENT]

    def rate_flagged(self, label: str) -> float:
        n = self.count(label)
        return self.flagged(label) / n if n else 0.0

    def precision_recall(self, level: Level) -> tuple[float, float, int, int]:
        """Exact-level precision and recall; gold none = topic + plain."""
        gold = [c for c, _ in self.results if EXPECTED[c.label] is level]
        predicted = [s for _, s in self.results if s.level is level]
        hit = sum(1 for c, s in self.results if EXPECTED[c.label] is level and s.level is level)
        p = hit / len(predicted) if predicted else 1.0
        r = hit / len(gold) if gold else 1.0
        return p, r, len(predicted), len(gold)

    def held_precision_recall(self) -> tuple[float, float]:
        """Held for a person (level >= concern) versus labelled urgent or concern."""
        gold = {id(c) for c, _ in self.results if c.label in ("urgent", "concern")}
        held = [(c, s) for c, s in self.results if s.level is not Level.NONE]
        hit = sum(1 for c, _ in held if id(c) in gold)
        return (hit / len(held) if held else 1.0), (hit / len(gold) if gold else 1.0)

    def misses(self) -> list[tuple[RiskCase, Screening]]:
        return [(c, s) for c, s in self.results if s.level is not EXPECTED[c.label]]


def evaluate_risk(cases: tuple[RiskCase, ...]) -> RiskReport:
    return RiskReport([(c, screen(c.text)) for c in cases])


@dataclass
class IdentifierReport:
    total_remove: int
    removed: int
    total_keep: int
    kept: int
    cases: int
    cases_clean: int
    failures: list[str]


def evaluate_identifiers(cases: tuple[IdentifierCase, ...]) -> IdentifierReport:
    total_remove = removed = total_keep = kept = clean = 0
    failures: list[str] = []
    for case in cases:
        s = screen(case.text)
        ok = True
        for item in case.remove:
            total_remove += 1
            if item in s.redacted_text:
                ok = False
                failures.append(f"not removed {item!r}: {s.redacted_text!r}")
            else:
                removed += 1
        for item in case.keep:
            total_keep += 1
            if item in s.redacted_text:
                kept += 1
            else:
                ok = False
                failures.append(f"lost {item!r}: {s.redacted_text!r}")
        found = {f.category for f in s.identifiers}
        for cat in case.absent:
            if cat in found:
                ok = False
                failures.append(f"wrongly found {cat}: {case.text!r}")
        if case.redacted is not None and s.redacted_text != case.redacted:
            ok = False
            failures.append(f"expected {case.redacted!r}, got {s.redacted_text!r}")
        clean += ok
    return IdentifierReport(total_remove, removed, total_keep, kept, len(cases), clean, failures)


# ---------------------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def risk_table(name: str, rep: RiskReport, *, markdown: bool) -> list[str]:
    rows = [f"{name} set: {len(rep.results)} texts"]
    head = ("label", "texts", "none", "concern", "urgent", "flagged (>= concern)")
    body = []
    for label in LABELS:
        c = rep.by_label[label]
        body.append(
            (
                label,
                str(rep.count(label)),
                str(c[Level.NONE]),
                str(c[Level.CONCERN]),
                str(c[Level.URGENT]),
                f"{rep.flagged(label)} ({_pct(rep.rate_flagged(label))})",
            )
        )
    rows += _table(head, body, markdown)
    rows.append("")
    head2 = ("level", "precision", "recall", "predicted", "labelled")
    body2 = []
    for level in (Level.URGENT, Level.CONCERN, Level.NONE):
        p, r, npred, ngold = rep.precision_recall(level)
        body2.append((level.value, _pct(p), _pct(r), str(npred), str(ngold)))
    hp, hr = rep.held_precision_recall()
    body2.append(("held (>= concern) vs urgent+concern", _pct(hp), _pct(hr), "", ""))
    rows += _table(head2, body2, markdown)
    return rows


def identifier_table(name: str, rep: IdentifierReport, *, markdown: bool) -> list[str]:
    head = ("set", "cases", "cases fully right", "identifiers removed", "text kept")
    body = [
        (
            name,
            str(rep.cases),
            f"{rep.cases_clean} ({_pct(rep.cases_clean / rep.cases if rep.cases else 1)})",
            f"{rep.removed}/{rep.total_remove} ({_pct(rep.removed / rep.total_remove if rep.total_remove else 1)})",
            f"{rep.kept}/{rep.total_keep} ({_pct(rep.kept / rep.total_keep if rep.total_keep else 1)})",
        )
    ]
    return _table(head, body, markdown)


def _table(head: Sequence[str], body: Sequence[Sequence[str]], markdown: bool) -> list[str]:
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
        lines += ["| " + " | ".join(r) + " |" for r in body]
        return lines
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*head), fmt.format(*("-" * w for w in widths))] + [
        fmt.format(*r) for r in body
    ]


def timing(texts: list[str], repeat: int) -> dict[str, float]:
    for t in texts:  # warm up (first calls compile nothing, but warm the caches)
        screen(t)
    per: list[float] = []
    start = time.perf_counter()
    cpu0 = time.process_time()
    for _ in range(repeat):
        for t in texts:
            t0 = time.perf_counter()
            screen(t)
            per.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - start
    per.sort()
    return {
        "texts": len(per),
        "cpu_mean_us": cpu / len(per) * 1e6,
        "mean_us": statistics.fmean(per) * 1e6,
        "median_us": per[len(per) // 2] * 1e6,
        "p99_us": per[min(len(per) - 1, int(len(per) * 0.99))] * 1e6,
        "max_us": per[-1] * 1e6,
        "per_second": len(per) / wall,
    }


TYPICAL = (
    "I have been on the ward for three weeks now. The staff are kind and the food is mostly "
    "fine, but the evenings are very long and the lounge is noisy until late. Could there be "
    "a quiet room with books and a few board games, and maybe a weekly film night? Some of us "
    "would also like the garden open after tea when it is still light, and more fruit at "
    "breakfast. My care coordinator said she would pass this on but nothing has changed yet."
)


def calibration_us() -> float:
    """Time of sum(range(1000)) in microseconds: about 8 to 10 on an idle modern core, so
    timings taken on a busy shared machine can be scaled."""
    best = min(timeit.repeat("sum(range(1000))", number=200, repeat=7)) / 200
    return best * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--markdown", action="store_true", help="print tables as Markdown")
    ap.add_argument("--repeat", type=int, default=20, help="passes over the texts for timing")
    ap.add_argument("--misses", action="store_true", help="list development-set misses")
    args = ap.parse_args()
    sets = {name: load_set(name) for name in SETS}
    texts = [c.text for s in sets.values() for c in s.risk] + [
        c.text for s in sets.values() for c in s.identifiers
    ]
    t = timing(texts, args.repeat)
    typical = timing([TYPICAL], 2000)
    print(
        f"Python {sys.version.split()[0]}, one core; calibration sum(range(1000)) = "
        f"{calibration_us():.1f} us (about 8-10 us on an idle core)"
    )
    print(
        f"evaluation texts ({len(texts)}, mean {statistics.fmean(len(x) for x in texts):.0f} chars): "
        f"mean {t['mean_us']:.0f} us, median {t['median_us']:.0f} us, p99 {t['p99_us']:.0f} us, "
        f"max {t['max_us']:.0f} us, CPU mean {t['cpu_mean_us']:.0f} us, "
        f"{t['per_second']:.0f} texts/s"
    )
    print(
        f"typical idea ({len(TYPICAL)} chars): mean {typical['mean_us']:.0f} us, "
        f"median {typical['median_us']:.0f} us, p99 {typical['p99_us']:.0f} us, "
        f"CPU mean {typical['cpu_mean_us']:.0f} us"
    )
    for name, s in sets.items():
        print()
        rep = evaluate_risk(s.risk)
        print("\n".join(risk_table(name, rep, markdown=args.markdown)))
        print()
        print(
            "\n".join(
                identifier_table(name, evaluate_identifiers(s.identifiers), markdown=args.markdown)
            )
        )
        if args.misses and name == "development":
            for c, sc in rep.misses():
                print(f"  {c.label:8} -> {sc.level.value:8} {c.text!r}")
                for f in sc.risks:
                    print(f"           {f.family}: {f.text!r} ({f.level})")
            for line in evaluate_identifiers(s.identifiers).failures:
                print("  id:", line)


if __name__ == "__main__":
    main()
