"""The words for charts and board reports (app.qi.words)."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.qi.runchart import run_chart
from app.qi.spc import AssuranceIcon, SPCResult, VariationIcon, analyse
from app.qi.words import (
    assurance_icon_text,
    describe,
    describe_run_chart,
    format_number,
    month_year,
    variation_icon_text,
)

BASE = [10, 11] * 6  # frozen as a baseline: mean 10.5, limits 7.84 / 13.16
MDC_PHRASES = (
    "Special cause improvement",
    "Special cause concern",
    "Special cause variation",
    "Common cause variation",
)


def after_base(later: list[float], **kwargs: Any) -> SPCResult:
    kwargs.setdefault("direction", "up")
    return analyse(BASE + later, baseline_points=12, **kwargs)


def words(result: SPCResult, unit_label: str = "") -> str:
    return describe(result, direction=result.direction, unit_label=unit_label)


class TestDescribeSpecialCause:
    def test_the_acceptance_example_reads_nine_points_below_the_mean_since_march_2026(
        self,
    ) -> None:
        early = [30, 31, 29, 32, 30, 28, 31, 30, 29, 31, 30, 32, 29, 30, 31]
        late = [24, 25, 23, 24, 26, 24, 23, 25, 24]
        weeks = [date(2025, 11, 17) + timedelta(weeks=i) for i in range(24)]
        result = analyse(early + late, dates=weeks, direction="down")
        assert describe(result, direction="down") == (
            "Special cause improvement: 9 points below the mean since March 2026."
        )

    def test_without_dates_the_run_is_dated_by_its_point_number(self) -> None:
        result = after_base([11] * 6, direction="down")
        assert words(result) == "Special cause concern: 6 points above the mean since point 13."

    def test_dates_given_to_describe_are_used_and_iso_strings_are_understood(self) -> None:
        result = after_base([11] * 6)
        labels = [f"2026-{month:02d}-01" for month in range(1, 13)] + [
            f"2027-{month:02d}-01" for month in range(1, 7)
        ]
        assert describe(result, dates=labels, direction="up") == (
            "Special cause improvement: 6 points above the mean since January 2027."
        )

    def test_a_trend_is_described_as_points_in_a_row_going_down(self) -> None:
        assert words(after_base([11.2, 11.0, 10.8, 10.6, 10.4, 10.2])) == (
            "Special cause concern: 6 points in a row going down since point 13."
        )

    def test_a_single_point_names_the_value_and_the_limit_with_the_unit(self) -> None:
        assert words(after_base([13.5]), unit_label="days") == (
            "Special cause improvement: the latest point (13.5 days) is above the upper "
            "process limit (13.16 days)."
        )
        assert "(13.5%)" in words(after_base([13.5]), unit_label="%")

    def test_two_of_three_is_described_as_close_to_or_beyond_the_limit(self) -> None:
        assert words(after_base([12.5, 11, 12.5])) == (
            "Special cause improvement: 2 of the last 3 points are close to or beyond the upper "
            "process limit."
        )

    def test_a_shift_ending_beyond_the_limit_says_both(self) -> None:
        assert words(after_base([11, 11, 11, 11, 11, 14])) == (
            "Special cause improvement: 6 points above the mean since point 13, and the latest "
            "point is above the upper process limit."
        )

    def test_a_neither_measure_uses_special_cause_variation(self) -> None:
        assert words(after_base([7.5], direction="neither")) == (
            "Special cause variation: the latest point (7.5) is below the lower process limit "
            "(7.84)."
        )


class TestDescribeCommonCause:
    def test_common_cause_gives_the_range_values_are_expected_in(self) -> None:
        assert words(after_base([10.5])) == (
            "Common cause variation: no unusual pattern at the latest point; values would be "
            "expected to lie between 7.84 and 13.16."
        )

    def test_an_earlier_signal_does_not_change_the_latest_reading(self) -> None:
        assert words(after_base([13.5, 10.5])).startswith("Common cause variation:")


class TestDescribeAssurance:
    @pytest.mark.parametrize(
        ("direction", "target", "sentence"),
        [
            (
                "up",
                7,
                "The target of 7 is met consistently (the process limits are both better than it).",
            ),
            (
                "up",
                14,
                "The target of 14 is consistently not met (the process limits are both worse "
                "than it).",
            ),
            (
                "down",
                10,
                "The target of 10 may be met or missed: it lies within the process limits.",
            ),
        ],
    )
    def test_the_target_is_put_in_words(self, direction: str, target: float, sentence: str) -> None:
        text = words(after_base([10.5], direction=direction, target=target))
        assert text.endswith(" " + sentence)

    def test_the_target_carries_the_unit(self) -> None:
        text = words(after_base([10.5], target=7), unit_label="%")
        assert "The target of 7% is met consistently" in text

    def test_a_neither_measure_says_its_target_is_not_assessed(self) -> None:
        text = words(after_base([10.5], direction="neither", target=10))
        assert text.endswith(
            "The target of 10 is not assessed, as neither higher nor lower is better for this "
            "measure."
        )

    def test_no_target_means_no_assurance_sentence(self) -> None:
        assert "target" not in words(after_base([10.5]))


class TestDescribeTooFewPoints:
    def test_fewer_than_thirteen_points_say_a_run_chart_is_shown(self) -> None:
        result = analyse([5, 7, 6, 5, 7, 6, 5, 7, 6], direction="up", target=4)
        assert words(result) == (
            "Common cause variation: no unusual pattern on the run chart. Not enough points for "
            "control limits yet: 9 of 13 needed; showing a run chart. The target of 4 cannot be "
            "assessed until there are 13 points."
        )

    def test_a_run_chart_signal_leads_when_there_are_too_few_points(self) -> None:
        result = analyse([4, 6] * 3 + [7] * 6, direction="up")
        assert words(result) == (
            "Special cause improvement: 6 points above the median since point 7. Not enough "
            "points for control limits yet: 12 of 13 needed; showing a run chart."
        )

    def test_no_points_at_all_still_starts_with_an_mdc_phrase(self) -> None:
        assert words(analyse([], direction="up")).startswith(
            "Common cause variation: there are no points yet."
        )

    def test_the_direction_must_match_the_analysis(self) -> None:
        with pytest.raises(ValueError, match="direction"):
            describe(after_base([10.5]), direction="down")


class TestDescribeRunChart:
    def test_a_shift_reads_points_above_the_median(self) -> None:
        result = run_chart([4, 6] * 5 + [7] * 6, direction="up")
        assert describe_run_chart(result, direction="up") == (
            "Special cause improvement: 6 points above the median since point 11. The median is 6."
        )

    def test_a_trend_counts_equal_values_in_the_run(self) -> None:
        result = run_chart([0, 10, 0, 10, 0, 10, 1, 2, 2, 3, 4, 5], direction="up")
        assert describe_run_chart(result, direction="up").startswith(
            "Special cause improvement: 6 points in a row going up since point 7."
        )

    def test_too_many_runs_is_special_cause_variation(self) -> None:
        result = run_chart([1, 9] * 10, direction="up")
        assert describe_run_chart(result, direction="up") == (
            "Special cause variation: the points cross the median too often (20 runs; more than "
            "16 is unusual for 20 points). The median is 5."
        )

    def test_too_few_runs_is_special_cause_variation(self) -> None:
        result = run_chart([1] * 10 + [9] * 10 + [5], direction="up")
        assert describe_run_chart(result, direction="up").startswith(
            "Special cause variation: the points cross the median too rarely (2 runs; fewer "
            "than 6 is unusual for 20 points)."
        )

    def test_no_signal_is_common_cause_variation(self) -> None:
        values = [1, 9, 9, 1, 1, 9, 9, 1, 1, 9, 1, 9, 9, 9, 1, 1, 9, 1, 9, 1]
        assert describe_run_chart(run_chart(values, direction="up"), direction="up") == (
            "Common cause variation: no unusual pattern on the run chart. The median is 5."
        )

    def test_dates_name_the_month_the_run_began(self) -> None:
        days = [datetime(2026, 1, 1) + timedelta(days=7 * i) for i in range(16)]
        result = run_chart([4, 6] * 5 + [7] * 6, dates=days, direction="up")
        assert "since March 2026" in describe_run_chart(result, direction="up")


class TestIconText:
    @pytest.mark.parametrize(
        ("icon", "text"),
        [
            (VariationIcon.COMMON_CAUSE, "Common cause variation"),
            (VariationIcon.IMPROVEMENT_HIGH, "Special cause improvement – high"),
            (VariationIcon.IMPROVEMENT_LOW, "Special cause improvement – low"),
            (VariationIcon.CONCERN_HIGH, "Special cause concern – high"),
            (VariationIcon.CONCERN_LOW, "Special cause concern – low"),
            (VariationIcon.NEITHER_HIGH, "Special cause variation – high"),
            (VariationIcon.NEITHER_LOW, "Special cause variation – low"),
        ],
    )
    def test_each_variation_icon_has_a_text_alternative(
        self, icon: VariationIcon, text: str
    ) -> None:
        assert variation_icon_text(icon) == text
        assert variation_icon_text(str(icon)) == text

    @pytest.mark.parametrize(
        ("icon", "text"),
        [
            (AssuranceIcon.PASS, "Assurance: consistently passing the target"),
            (AssuranceIcon.FAIL, "Assurance: consistently failing the target"),
            (AssuranceIcon.HIT_OR_MISS, "Assurance: the target may be met or missed"),
        ],
    )
    def test_each_assurance_icon_has_a_text_alternative(
        self, icon: AssuranceIcon, text: str
    ) -> None:
        assert assurance_icon_text(icon) == text

    def test_no_icon_has_its_own_text(self) -> None:
        assert variation_icon_text(None) == "Variation: not enough points to tell yet"
        assert assurance_icon_text(None) == "Assurance: not assessed"


class TestFormatting:
    @pytest.mark.parametrize(
        ("value", "text"), [(1234.5, "1,234.5"), (2.0, "2"), (13.16, "13.16"), (-0.001, "0")]
    )
    def test_numbers_have_at_most_two_decimal_places(self, value: float, text: str) -> None:
        assert format_number(value) == text

    @pytest.mark.parametrize(
        ("label", "text"),
        [
            (date(2026, 3, 9), "March 2026"),
            (datetime(2025, 12, 31, 23, 0), "December 2025"),
            ("2026-07-01", "July 2026"),
            ("Week 12", "Week 12"),
        ],
    )
    def test_dates_are_given_as_month_and_year(self, label: object, text: str) -> None:
        assert month_year(label) == text


# Lengths either side of the 13-point minimum; a random walk gives shifts and trends.
_series = (
    st.one_of(st.integers(0, 12), st.integers(13, 30))
    .flatmap(lambda n: st.lists(st.integers(min_value=-5, max_value=5), min_size=n, max_size=n))
    .map(lambda steps: [sum(steps[: i + 1]) for i in range(len(steps))])
)


class TestEverySummaryStartsWithAnMdcPhrase:
    @settings(max_examples=200, deadline=None)
    @given(
        values=_series,
        direction=st.sampled_from(["up", "down", "neither"]),
        target=st.none() | st.integers(min_value=-20, max_value=20),
    )
    def test_describe_starts_with_an_mdc_phrase(
        self, values: list[int], direction: str, target: int | None
    ) -> None:
        text = describe(analyse(values, direction=direction, target=target), direction=direction)
        assert text.startswith(MDC_PHRASES)
        assert text.endswith(".")

    @settings(max_examples=200, deadline=None)
    @given(
        values=_series,
        direction=st.sampled_from(["up", "down", "neither"]),
    )
    def test_describe_run_chart_starts_with_an_mdc_phrase(
        self, values: list[int], direction: str
    ) -> None:
        text = describe_run_chart(run_chart(values, direction=direction), direction=direction)
        assert text.startswith(MDC_PHRASES)
