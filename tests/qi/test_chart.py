"""The SVG charts and icons: accessible (role img, a title, a description that says the
result), MDC colours by special cause, lines per segment, the target, annotations, and every
piece of text escaped."""

import pytest
from bs4 import BeautifulSoup

from app.qi.chart import (
    CONCERN,
    IMPROVEMENT,
    NEITHER,
    TARGET,
    Annotation,
    assurance_icon_svg,
    chart_svg,
    nice_ticks,
    short_date,
    variation_icon_svg,
)
from app.qi.runchart import run_chart
from app.qi.spc import analyse
from app.qi.words import ASSURANCE_ICON_TEXT, VARIATION_ICON_TEXT, describe

EARLIER = [24, 26, 25, 27, 24, 25, 26, 24, 27, 25, 26, 25, 24, 26, 25]
LATER = [14, 13, 15, 12, 14, 13, 12, 14, 13]
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


def svg_of(markup: str) -> BeautifulSoup:
    return BeautifulSoup(markup, "html.parser")


def point_fills(markup: str) -> list[str]:
    return [str(c["fill"]) for c in svg_of(markup).find_all("circle") if c.get("r") == "4"]


class TestChart:
    def test_it_is_an_image_titled_and_described_in_words(self) -> None:
        result = analyse(EARLIER + LATER, direction="down")
        words = describe(result, direction="down")
        svg = svg_of(
            chart_svg(result, title="Missed appointments", description=words, id_prefix="m1")
        ).svg
        assert svg["role"] == "img"
        assert svg["aria-labelledby"] == "m1-title m1-desc"
        assert svg.find("title", id="m1-title").get_text() == "Missed appointments"
        assert svg.find("desc", id="m1-desc").get_text() == words
        assert words.startswith("Special cause improvement")

    @pytest.mark.parametrize(
        ("direction", "colour"), [("down", IMPROVEMENT), ("up", CONCERN), ("neither", NEITHER)]
    )
    def test_points_are_coloured_by_what_they_mean(self, direction: str, colour: str) -> None:
        fills = point_fills(
            chart_svg(analyse(EARLIER + LATER, direction=direction), title="t", description="d")
        )
        assert fills[-9:] == [colour] * 9

    def test_common_cause_points_are_grey(self) -> None:
        steady = [20, 21, 19, 20, 22, 20, 19, 21, 20, 20, 21, 19, 20, 21]
        assert set(
            point_fills(chart_svg(analyse(steady, direction="up"), title="t", description="d"))
        ) == {"#a6a6a6"}

    def test_a_ghosted_point_is_drawn_hollow(self) -> None:
        result = analyse([*EARLIER, 90], direction="up", ghosted=[15])
        circles = svg_of(chart_svg(result, title="t", description="d")).find_all("circle")
        assert circles[-1]["fill"] == "#ffffff"
        assert circles[-1]["stroke-dasharray"] == "2 1"

    def test_each_segment_has_its_own_mean_and_limits(self) -> None:
        result = analyse(EARLIER + LATER, direction="down", recalculate_at=[15])
        lines = svg_of(chart_svg(result, title="t", description="d")).find_all("line")
        centres = [
            ln for ln in lines if ln.get("stroke") == "#212b32" and ln.get("stroke-width") == "1.5"
        ]
        limits = [ln for ln in lines if ln.get("stroke-dasharray") == "6 4"]
        # Two means, four limits, and the legend's sample of each.
        assert len(centres) == 2 + 1
        assert len(limits) == 4 + 1

    def test_the_target_is_a_red_line(self) -> None:
        markup = chart_svg(
            analyse(EARLIER, direction="down", target=10), title="t", description="d", target=10
        )
        assert any(ln.get("stroke") == TARGET for ln in svg_of(markup).find_all("line"))
        assert "Target" in markup

    def test_annotations_are_numbered_with_a_key(self) -> None:
        result = analyse(EARLIER + LATER, direction="down")
        markup = chart_svg(
            result,
            title="t",
            description="d",
            dates=[f"2026-01-{i + 1:02d}" for i in range(24)],
            annotations=[Annotation(15, "PDSA 3 started")],
        )
        assert "1: PDSA 3 started (16 Jan 2026)" in svg_of(markup).get_text()

    def test_a_run_chart_draws_the_median(self) -> None:
        run = run_chart(EARLIER[:8], direction="down")
        markup = chart_svg(run, title="t", description="d")
        assert "Median" in markup
        assert "Process limits" not in markup

    def test_the_icons_are_in_the_chart(self) -> None:
        result = analyse(EARLIER + LATER, direction="down", target=10)
        markup = chart_svg(
            result,
            title="t",
            description="d",
            variation_icon="improvement_low",
            assurance_icon="fail",
        )
        assert markup.count("<g transform=") == 2

    def test_every_text_is_escaped(self) -> None:
        result = analyse(EARLIER, direction="up")
        markup = chart_svg(
            result,
            title=HOSTILE,
            description=HOSTILE,
            unit_label=HOSTILE,
            id_prefix='x"y',
            dates=[HOSTILE] * len(EARLIER),
            annotations=[Annotation(2, HOSTILE)],
        )
        soup = svg_of(markup)
        assert soup.find("script") is None
        assert soup.find("img") is None
        assert "alert(1)" in soup.svg.title.get_text()

    def test_an_empty_chart_still_draws(self) -> None:
        assert chart_svg(analyse([], direction="up"), title="t", description="d").endswith("</svg>")

    def test_the_compact_chart_has_no_axes_or_icons(self) -> None:
        result = analyse(EARLIER + LATER, direction="down")
        markup = chart_svg(
            result, title="t", description="d", compact=True, variation_icon="improvement_low"
        )
        assert "<text" not in markup
        assert "<g transform=" not in markup


class TestIcons:
    @pytest.mark.parametrize("icon", sorted(VARIATION_ICON_TEXT))
    def test_each_variation_icon_says_what_it_is(self, icon: str) -> None:
        svg = svg_of(variation_icon_svg(icon, id_prefix="v")).svg
        assert svg["role"] == "img"
        assert svg.title.get_text() == VARIATION_ICON_TEXT[icon]

    @pytest.mark.parametrize("icon", sorted(ASSURANCE_ICON_TEXT))
    def test_each_assurance_icon_says_what_it_is(self, icon: str) -> None:
        assert svg_of(assurance_icon_svg(icon)).svg.title.get_text() == ASSURANCE_ICON_TEXT[icon]

    def test_no_icon_says_why(self) -> None:
        assert (
            svg_of(variation_icon_svg(None)).svg.title.get_text()
            == "Variation: not enough points to tell yet"
        )
        assert svg_of(assurance_icon_svg(None)).svg.title.get_text() == "Assurance: not assessed"

    @pytest.mark.parametrize(("icon", "letter"), [("improvement_high", "H"), ("concern_low", "L")])
    def test_high_and_low_carry_their_letter(self, icon: str, letter: str) -> None:
        assert svg_of(variation_icon_svg(icon)).find("text").get_text() == letter


class TestAxes:
    @pytest.mark.parametrize(
        ("low", "high", "ticks"),
        [
            (0, 10, [0, 2.5, 5, 7.5, 10]),
            (11, 27, [10, 15, 20, 25, 30]),
            (0.2, 0.9, [0.2, 0.4, 0.6, 0.8, 1.0]),
        ],
    )
    def test_ticks_are_round_numbers_covering_the_range(
        self, low: float, high: float, ticks: list[float]
    ) -> None:
        assert nice_ticks(low, high) == ticks

    def test_dates_are_short(self) -> None:
        assert short_date("2026-03-02") == "2 Mar 2026"
        assert short_date("week 3") == "week 3"
        assert short_date(None) == ""
