"""Quality-improvement statistics: SPC (Making Data Count XmR charts), run charts and the words
that go with them. Pure functions with no I/O; see the module docstrings for the methods.

* ``app.qi.spc``: ``analyse`` (XmR chart, special-cause rules, variation and assurance icons).
* ``app.qi.runchart``: ``run_chart`` (IHI rules) and ``anhoej`` (Anhøj rules).
* ``app.qi.words``: ``describe`` / ``describe_run_chart`` and the icons' text alternatives.
"""

from app.qi.runchart import (
    RUN_CHART_RULE_SET,
    RUNS_TABLE,
    AnhoejResult,
    RunChartPoint,
    RunChartResult,
    anhoej,
    run_chart,
)
from app.qi.spc import (
    DEFAULT_RULE_SET,
    MINIMUM_POINTS,
    RULE_SETS,
    AssuranceIcon,
    Direction,
    Point,
    Rule,
    RuleSet,
    Segment,
    Side,
    SPCResult,
    SpecialCause,
    Tie,
    VariationIcon,
    analyse,
)
from app.qi.words import (
    assurance_icon_text,
    describe,
    describe_run_chart,
    variation_icon_text,
)

__all__ = [
    "DEFAULT_RULE_SET",
    "MINIMUM_POINTS",
    "RULE_SETS",
    "RUNS_TABLE",
    "RUN_CHART_RULE_SET",
    "AnhoejResult",
    "AssuranceIcon",
    "Direction",
    "Point",
    "Rule",
    "RuleSet",
    "RunChartPoint",
    "RunChartResult",
    "SPCResult",
    "Segment",
    "Side",
    "SpecialCause",
    "Tie",
    "VariationIcon",
    "analyse",
    "anhoej",
    "assurance_icon_text",
    "describe",
    "describe_run_chart",
    "run_chart",
    "variation_icon_text",
]
