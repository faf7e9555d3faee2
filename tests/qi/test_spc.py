"""The XmR engine (app.qi.spc): limits, each rule and its edges, baselines, recalculation,
ghosting, the minimum number of points, conflicts, icons, and invariance properties.

Most scenarios freeze a 12-point baseline of 10, 11, 10, 11, ... (mean 10.5, every moving
range 1), so the later points are judged against exact, known lines: process limits 7.84 and
13.16, two-sigma lines 8.7267 and 12.2733, and cannot move them.
"""

import json
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.qi.spc import (
    MINIMUM_POINTS,
    RULE_SETS,
    AssuranceIcon,
    Direction,
    Rule,
    Side,
    SPCResult,
    SpecialCause,
    VariationIcon,
    analyse,
)

BASE = [10, 11] * 6  # mean 10.5, moving ranges all 1: limits 7.84 / 13.16


def after_base(later: list[float], **kwargs: Any) -> SPCResult:
    """Analyse BASE followed by ``later`` with BASE frozen as the baseline."""
    kwargs.setdefault("direction", "up")
    return analyse(BASE + later, baseline_points=12, **kwargs)


def flagged(result: SPCResult) -> dict[int, tuple[str, ...]]:
    """Row -> rules, for the rows with any rule."""
    return {p.index: tuple(str(r) for r in p.rules) for p in result.points if p.rules}


def causes(result: SPCResult) -> dict[int, str]:
    return {p.index: str(p.special_cause) for p in result.points if p.special_cause}


class TestProcessLimits:
    def test_the_domain_worked_example_gives_mean_1_94_and_limits_6_95_and_minus_3_06(self) -> None:
        values = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
        legacy = RULE_SETS["mdc_legacy_7"]
        result = analyse(
            values,
            direction="up",
            shift_length=legacy.shift_length,
            trend_length=legacy.trend_length,
        )
        (segment,) = result.segments
        assert segment.mean is not None
        assert segment.ucl is not None
        assert segment.lcl is not None
        assert round(segment.mean, 2) == 1.94
        assert round(segment.ucl, 2) == 6.95
        assert round(segment.lcl, 2) == -3.06
        assert flagged(result) == {4: ("single_point",)}

    def test_the_mdc_checks_example_gives_mean_23_20_and_limits_37_64_and_8_76(self) -> None:
        values = [20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26, 30, 19, 18]
        (segment,) = analyse(values, direction="up").segments
        assert (round(segment.mean or 0, 2), round(segment.ucl or 0, 2)) == (23.20, 37.64)
        assert round(segment.lcl or 0, 2) == 8.76

    def test_sigma_lines_sit_at_one_and_two_thirds_of_the_way_to_the_limits(self) -> None:
        segment = after_base([10.5]).segments[0]
        assert segment.mean == 10.5
        assert (segment.ucl, segment.lcl) == (13.16, 7.84)
        assert segment.upper_two_sigma == pytest.approx(10.5 + 2.66 * 2 / 3)
        assert segment.lower_two_sigma == pytest.approx(10.5 - 2.66 * 2 / 3)
        assert segment.upper_one_sigma == pytest.approx(10.5 + 2.66 / 3)
        assert segment.lower_one_sigma == pytest.approx(10.5 - 2.66 / 3)

    def test_the_moving_range_chart_has_mean_mr_and_upper_limit_3_267_times_it(self) -> None:
        result = analyse([0, 2] * 7, direction="up")
        segment = result.segments[0]
        assert segment.mr_mean == 2
        assert segment.mr_ucl == pytest.approx(6.534)
        assert [p.moving_range for p in result.points[:3]] == [None, 2, 2]

    def test_decimals_are_read_exactly_so_tenths_give_exact_limits(self) -> None:
        # 0.1 and 0.2 are not exact in binary; the engine reads them as decimals.
        result = analyse([0.1, 0.2] * 7, direction="up")
        segment = result.segments[0]
        assert segment.mean == 0.15
        assert (segment.ucl, segment.lcl) == (0.416, -0.116)  # 0.15 + 0.266 in floats is not
        assert segment.mr_mean == 0.1

    def test_moving_range_screening_leaves_out_ranges_above_3_267_times_the_mean(self) -> None:
        values = [10, 11] * 10 + [40] + [10, 11] * 2
        plain = analyse(values, direction="up").segments[0]
        screened = analyse(values, direction="up", screen_moving_ranges=True).segments[0]
        assert screened.mean == plain.mean
        assert screened.ucl is not None
        assert plain.ucl is not None
        assert screened.ucl < plain.ucl
        # Without the two jumps to and from 40 every moving range is 1.
        assert screened.ucl == pytest.approx(screened.mean + 2.66)  # type: ignore[operator]
        assert screened.mr_mean == plain.mr_mean  # the MR chart still shows them all


class TestMinimumPoints:
    def test_twelve_points_give_the_mean_but_no_limits_signals_or_icons(self) -> None:
        result = analyse([10, 11] * 5 + [10, 14], direction="up", target=5)
        (segment,) = result.segments
        assert not result.enough_points
        assert segment.mean == 10.75
        limits = (segment.ucl, segment.lcl, segment.upper_two_sigma, segment.mr_ucl)
        assert limits == (None, None, None, None)
        assert all(p.special_cause is None and p.rules == () for p in result.points)
        assert (result.variation_icon, result.assurance_icon) == (None, None)

    def test_thirteen_points_give_limits_signals_and_icons(self) -> None:
        result = analyse([10, 11] * 6 + [14], direction="up", target=5)
        assert result.enough_points
        assert result.segments[0].ucl is not None
        assert flagged(result) == {12: ("single_point",)}
        assert result.variation_icon is VariationIcon.IMPROVEMENT_HIGH
        assert result.assurance_icon is AssuranceIcon.PASS

    def test_ghosted_points_do_not_count_towards_the_minimum(self) -> None:
        result = analyse([10, 11] * 6 + [14], direction="up", ghosted=[3])
        assert result.n_points == MINIMUM_POINTS - 1
        assert not result.enough_points
        assert result.variation_icon is None

    def test_a_measure_can_ask_for_more_points_than_thirteen(self) -> None:
        result = analyse([10, 11] * 7, direction="up", minimum_points=15)
        assert not result.enough_points
        assert analyse([10, 11] * 7 + [10], direction="up", minimum_points=15).enough_points


class TestSinglePointRule:
    def test_a_point_exactly_on_the_upper_limit_is_not_special_cause(self) -> None:
        assert flagged(after_base([13.16])) == {}

    def test_a_point_just_above_the_upper_limit_is_special_cause_high(self) -> None:
        result = after_base([13.17])
        assert flagged(result) == {12: ("single_point",)}
        assert result.points[12].side is Side.HIGH

    def test_a_point_exactly_on_the_lower_limit_is_not_special_cause(self) -> None:
        assert flagged(after_base([7.84])) == {}

    def test_a_point_just_below_the_lower_limit_is_special_cause_low(self) -> None:
        result = after_base([7.83])
        assert flagged(result) == {12: ("single_point",)}
        assert result.points[12].side is Side.LOW


class TestShiftRule:
    def test_six_points_above_the_mean_flag_all_six(self) -> None:
        result = after_base([11] * 6)
        assert flagged(result) == dict.fromkeys(range(12, 18), ("shift",))
        assert all(result.points[i].side is Side.HIGH for i in range(12, 18))

    def test_five_points_above_the_mean_are_not_a_shift(self) -> None:
        assert flagged(after_base([11] * 5)) == {}

    def test_six_points_below_the_mean_are_a_shift_low(self) -> None:
        result = after_base([10] * 6)
        assert flagged(result) == dict.fromkeys(range(12, 18), ("shift",))
        assert result.points[17].side is Side.LOW

    def test_a_point_exactly_on_the_mean_breaks_the_run(self) -> None:
        assert flagged(after_base([11, 11, 11, 10.5, 11, 11, 11])) == {}

    def test_a_longer_run_flags_every_point_of_it(self) -> None:
        assert set(flagged(after_base([11] * 9))) == set(range(12, 21))

    def test_the_legacy_rule_set_needs_seven_points(self) -> None:
        legacy = RULE_SETS["mdc_legacy_7"]
        assert flagged(after_base([11] * 6, shift_length=legacy.shift_length)) == {}
        seven = after_base([11] * 7, shift_length=legacy.shift_length)
        assert set(flagged(seven)) == set(range(12, 19))

    def test_a_shift_does_not_cross_a_recalculation(self) -> None:
        # Three 12s end the first segment and three 12s start the second: six in a row above
        # the mean of the whole, but only three within each segment.
        values = [10, 11] * 5 + [12, 12, 12] + [12, 12, 12, 8, 8, 8, 8]
        whole = analyse(values, direction="up")
        assert all(Rule.SHIFT in whole.points[i].rules for i in range(10, 16))
        split = analyse(values, direction="up", recalculate_at=[13])
        assert not any(Rule.SHIFT in p.rules for p in split.points)

    def test_a_shift_does_not_run_from_the_baseline_into_the_carried_forward_segment(
        self,
    ) -> None:
        # Same numbers either side of the end of the baseline, but separate segments.
        values = [10, 11] * 6 + [9, 12, 12, 12] + [12, 12, 12, 9, 9]
        one_segment = analyse(values, direction="up")
        assert all(Rule.SHIFT in one_segment.points[i].rules for i in range(13, 19))
        frozen = analyse(values, direction="up", baseline_points=16)
        assert frozen.segments[0].end == 15
        assert not any(Rule.SHIFT in p.rules for p in frozen.points)

    def test_a_ghosted_point_inside_a_run_neither_breaks_nor_adds_to_it(self) -> None:
        result = after_base([11, 11, 11, 0, 11, 11, 11], ghosted=[15])
        assert set(flagged(result)) == {12, 13, 14, 16, 17, 18}
        five = after_base([11, 11, 0, 11, 11, 11], ghosted=[14])
        assert flagged(five) == {}


class TestTrendRule:
    def test_six_points_each_higher_than_the_last_flag_all_six(self) -> None:
        result = after_base([10.1, 10.2, 10.3, 10.4, 10.5, 10.6])
        assert flagged(result) == dict.fromkeys(range(12, 18), ("trend",))
        assert result.points[12].side is Side.HIGH

    def test_five_rising_points_are_not_a_trend(self) -> None:
        assert flagged(after_base([10.1, 10.2, 10.3, 10.4, 10.5])) == {}

    def test_six_falling_points_are_a_trend_low(self) -> None:
        result = after_base([11.2, 11.0, 10.8, 10.6, 10.4, 10.2])
        assert flagged(result) == dict.fromkeys(range(12, 18), ("trend",))
        assert result.points[17].side is Side.LOW

    def test_equal_neighbours_break_a_trend(self) -> None:
        assert flagged(after_base([10.1, 10.2, 10.3, 10.3, 10.4, 10.5, 10.6])) == {}

    def test_the_legacy_rule_set_needs_seven_points(self) -> None:
        legacy = RULE_SETS["mdc_legacy_7"]
        rising6 = [10.1, 10.2, 10.3, 10.4, 10.5, 10.6]
        assert flagged(after_base(rising6, trend_length=legacy.trend_length)) == {}
        seven = after_base([10.0, *rising6], trend_length=legacy.trend_length)
        assert set(flagged(seven)) == set(range(12, 19))

    def test_a_trend_crosses_a_recalculation(self) -> None:
        values = [*BASE, 10.1, 10.2, 10.3, 10.4, 10.5, 10.6]
        result = analyse(values, direction="up", recalculate_at=[15])
        assert len(result.segments) == 2
        assert {i for i, rules in flagged(result).items() if "trend" in rules} == set(range(12, 18))

    def test_a_trend_crosses_the_end_of_a_baseline(self) -> None:
        values = [10, 11] * 5 + [10, 10.1] + [10.2, 10.3, 10.4, 10.5]
        result = analyse(values, direction="up", baseline_points=12)
        assert {i for i, rules in flagged(result).items() if "trend" in rules} == set(range(10, 16))

    def test_a_ghosted_point_inside_a_trend_is_skipped(self) -> None:
        result = after_base([10.1, 10.2, 50, 10.3, 10.4, 10.5, 10.6], ghosted=[14])
        assert set(flagged(result)) == {12, 13, 15, 16, 17, 18}


class TestTwoOfThreeRule:
    def test_two_of_three_beyond_the_upper_two_sigma_line_flags_only_those_two(self) -> None:
        result = after_base([12.5, 11, 12.5])
        assert flagged(result) == {12: ("two_of_three",), 14: ("two_of_three",)}

    def test_all_three_beyond_the_line_flag_all_three(self) -> None:
        assert flagged(after_base([12.5, 12.5, 12.5])) == dict.fromkeys(
            (12, 13, 14), ("two_of_three",)
        )

    def test_the_third_point_must_be_on_the_same_side_of_the_mean(self) -> None:
        assert flagged(after_base([12.5, 10, 12.5])) == {}

    def test_one_point_beyond_the_line_is_not_enough(self) -> None:
        assert flagged(after_base([12.5, 11, 11])) == {}

    def test_a_point_beyond_the_process_limit_counts_towards_two_of_three(self) -> None:
        result = after_base([13.5, 11, 12.5])
        assert flagged(result) == {12: ("single_point", "two_of_three"), 14: ("two_of_three",)}

    def test_two_of_three_below_the_lower_two_sigma_line_is_low(self) -> None:
        result = after_base([8.5, 10, 8.5])
        assert flagged(result) == {12: ("two_of_three",), 14: ("two_of_three",)}
        assert result.points[14].side is Side.LOW

    def test_two_of_three_does_not_cross_a_recalculation(self) -> None:
        values = [*BASE, 12.5, 11, 12.5, *[10, 11] * 6]
        together = analyse(values, direction="up", baseline_points=12)
        assert {12, 14} <= set(flagged(together))
        apart = analyse(values, direction="up", baseline_points=12, recalculate_at=[14])
        assert not any(Rule.TWO_OF_THREE in p.rules for p in apart.points)


class TestDirection:
    def test_up_makes_high_signals_improvement_and_low_signals_concern(self) -> None:
        assert causes(after_base([13.5])) == {12: "improvement"}
        assert causes(after_base([7.5])) == {12: "concern"}

    def test_down_makes_low_signals_improvement_and_high_signals_concern(self) -> None:
        assert causes(after_base([7.5], direction="down")) == {12: "improvement"}
        assert causes(after_base([13.5], direction="down")) == {12: "concern"}

    def test_neither_makes_every_signal_neither(self) -> None:
        result = after_base([13.5, 10.5, 7.5], direction="neither")
        assert causes(result) == {12: "neither", 14: "neither"}
        assert (result.points[12].side, result.points[14].side) == (Side.HIGH, Side.LOW)

    def test_a_plain_string_or_the_enum_gives_the_same_result(self) -> None:
        assert after_base([13.5], direction=Direction.DOWN) == after_base([13.5], direction="down")

    def test_an_unknown_direction_is_refused(self) -> None:
        with pytest.raises(ValueError, match="sideways"):
            analyse([1, 2, 3], direction="sideways")


class TestConflicts:
    def test_a_falling_trend_beats_a_shift_above_the_mean_for_a_measure_going_up(self) -> None:
        # Above the mean six times (a high shift, and two-of-three) while falling six times.
        result = after_base([13, 12.8, 12.6, 12.4, 12.2, 12.0])
        for i in range(12, 18):
            point = result.points[i]
            assert point.special_cause is SpecialCause.CONCERN
            assert point.rules == (Rule.TREND,)
            assert point.side is Side.LOW
            assert point.conflict

    def test_a_rising_trend_beats_a_shift_below_the_mean(self) -> None:
        result = after_base([8.0, 8.2, 8.4, 8.6, 8.8, 9.0])
        assert causes(result) == dict.fromkeys(range(12, 18), "improvement")
        assert all(result.points[i].rules == (Rule.TREND,) for i in range(12, 18))

    def test_a_trend_beats_a_single_point_beyond_the_opposite_limit(self) -> None:
        result = after_base([13.5, 13.0, 12.5, 12.0, 11.5, 11.0])
        first = result.points[12]
        assert first.special_cause is SpecialCause.CONCERN
        assert first.rules == (Rule.TREND,)

    def test_a_shift_and_a_single_point_on_the_same_side_are_both_listed(self) -> None:
        result = after_base([11, 11, 11, 11, 11, 14])
        assert result.points[17].rules == (Rule.SINGLE_POINT, Rule.SHIFT)
        assert not result.points[17].conflict

    def test_without_a_conflict_nothing_is_set_aside(self) -> None:
        assert not any(p.conflict for p in after_base([11] * 6).points)


class TestTies:
    PEAK = [10.1, 10.2, 10.3, 10.4, 10.5, 10.6, 10.5, 10.4, 10.3, 10.2, 10.1]

    def test_the_turning_point_of_a_rising_then_falling_trend_goes_to_improvement(self) -> None:
        peak = after_base(self.PEAK).points[17]
        assert peak.special_cause is SpecialCause.IMPROVEMENT
        assert (peak.side, peak.rules, peak.conflict) == (Side.HIGH, (Rule.TREND,), True)

    def test_the_tie_setting_concern_makes_it_concern(self) -> None:
        peak = after_base(self.PEAK, tie="concern").points[17]
        assert peak.special_cause is SpecialCause.CONCERN
        assert peak.side is Side.LOW

    def test_a_tie_for_a_measure_going_down_goes_to_the_low_side(self) -> None:
        peak = after_base(self.PEAK, direction="down").points[17]
        assert (peak.special_cause, peak.side) == (SpecialCause.IMPROVEMENT, Side.LOW)

    def test_points_either_side_of_the_turn_keep_their_own_meaning(self) -> None:
        result = after_base(self.PEAK)
        assert causes(result)[12] == "improvement"
        assert causes(result)[22] == "concern"

    def test_an_unknown_tie_setting_is_refused(self) -> None:
        with pytest.raises(ValueError, match="coin"):
            after_base(self.PEAK, tie="coin")


class TestVariationIcon:
    @pytest.mark.parametrize(
        ("last", "direction", "icon"),
        [
            (10.5, "up", VariationIcon.COMMON_CAUSE),
            (13.5, "up", VariationIcon.IMPROVEMENT_HIGH),
            (7.5, "up", VariationIcon.CONCERN_LOW),
            (7.5, "down", VariationIcon.IMPROVEMENT_LOW),
            (13.5, "down", VariationIcon.CONCERN_HIGH),
            (13.5, "neither", VariationIcon.NEITHER_HIGH),
            (7.5, "neither", VariationIcon.NEITHER_LOW),
        ],
    )
    def test_the_icon_comes_from_the_last_point(
        self, last: float, direction: str, icon: VariationIcon
    ) -> None:
        assert after_base([last], direction=direction).variation_icon is icon

    def test_a_neither_measure_with_rules_on_both_sides_shows_high(self) -> None:
        # The last point is below the mean in a shift (low) and ends a rising trend (high).
        result = after_base([8.0, 8.2, 8.4, 8.6, 8.8, 9.0], direction="neither")
        assert result.points[-1].conflict
        assert result.variation_icon is VariationIcon.NEITHER_HIGH

    def test_a_ghosted_last_point_is_passed_over(self) -> None:
        result = after_base([13.5, 10.5], ghosted=[12])
        assert result.variation_icon is VariationIcon.COMMON_CAUSE
        assert after_base([10.5, 13.5], ghosted=[13]).variation_icon is (VariationIcon.COMMON_CAUSE)

    def test_an_earlier_signal_does_not_set_the_icon(self) -> None:
        assert after_base([13.5, 10.5]).variation_icon is VariationIcon.COMMON_CAUSE

    def test_below_the_minimum_there_is_no_icon(self) -> None:
        assert analyse([10, 11] * 5 + [30, 30], direction="up").variation_icon is None


class TestAssuranceIcon:
    @pytest.mark.parametrize(
        ("direction", "target", "icon"),
        [
            ("up", 7, AssuranceIcon.PASS),
            ("up", 7.84, AssuranceIcon.PASS),
            ("up", 7.85, AssuranceIcon.HIT_OR_MISS),
            ("up", 13.15, AssuranceIcon.HIT_OR_MISS),
            ("up", 13.16, AssuranceIcon.FAIL),
            ("up", 14, AssuranceIcon.FAIL),
            ("down", 14, AssuranceIcon.PASS),
            ("down", 13.16, AssuranceIcon.PASS),
            ("down", 10, AssuranceIcon.HIT_OR_MISS),
            ("down", 7.84, AssuranceIcon.FAIL),
            ("down", 7, AssuranceIcon.FAIL),
        ],
    )
    def test_the_target_is_compared_with_the_process_limits(
        self, direction: str, target: float, icon: AssuranceIcon
    ) -> None:
        # Limits 7.84 and 13.16; a target exactly on a limit is pass or fail accordingly.
        assert after_base([10.5], direction=direction, target=target).assurance_icon is icon

    @pytest.mark.parametrize(
        ("direction", "target", "icon"),
        [
            ("up", 5, AssuranceIcon.PASS),
            ("down", 5, AssuranceIcon.PASS),
            ("up", 6, AssuranceIcon.FAIL),
            ("up", 4, AssuranceIcon.PASS),
            ("down", 6, AssuranceIcon.PASS),
            ("down", 4, AssuranceIcon.FAIL),
        ],
    )
    def test_limits_with_no_width_test_pass_first(
        self, direction: str, target: float, icon: AssuranceIcon
    ) -> None:
        result = analyse([5] * 13, direction=direction, target=target)
        assert (result.segments[0].ucl, result.segments[0].lcl) == (5, 5)
        assert result.assurance_icon is icon

    def test_no_target_gives_no_assurance(self) -> None:
        assert after_base([10.5]).assurance_icon is None

    def test_a_neither_measure_gives_no_assurance(self) -> None:
        assert after_base([10.5], direction="neither", target=5).assurance_icon is None

    def test_below_the_minimum_there_is_no_assurance(self) -> None:
        assert analyse([10, 11] * 6, direction="up", target=5).assurance_icon is None

    def test_the_latest_segment_s_limits_are_used(self) -> None:
        # As one segment (limits 15.76-25.24) a target of 30 is a pass for a measure going
        # down; the latest segment after a recalculation (limits 27.84-33.16) holds it.
        values = BASE + [30, 31] * 6
        whole = analyse(values, direction="down", target=30)
        assert whole.assurance_icon is AssuranceIcon.PASS
        result = analyse(values, direction="down", target=30, recalculate_at=[12])
        assert result.latest_segment is result.segments[1]
        assert result.assurance_icon is AssuranceIcon.HIT_OR_MISS

    def test_a_trailing_segment_of_only_ghosted_rows_is_passed_over(self) -> None:
        result = after_base([10.5, 99], target=7.84, ghosted=[13], recalculate_at=[13])
        assert result.segments[-1].mean is None
        assert result.latest_segment is result.segments[1]
        assert result.assurance_icon is AssuranceIcon.PASS


class TestBaseline:
    def test_the_baseline_limits_are_frozen_and_carried_forward(self) -> None:
        result = after_base([20, 25, 30])
        baseline, carried = result.segments
        assert (baseline.start, baseline.end, carried.start, carried.end) == (0, 11, 12, 14)
        assert baseline.baseline
        assert carried.carried_forward
        for name in ("mean", "ucl", "lcl", "upper_two_sigma", "mr_mean", "mr_ucl"):
            assert getattr(carried, name) == getattr(baseline, name)
        assert (carried.mean, carried.ucl) == (10.5, 13.16)
        assert (baseline.n_points, carried.n_points) == (12, 3)

    def test_later_points_are_judged_against_the_baseline(self) -> None:
        assert causes(after_base([20, 25, 30])) == dict.fromkeys((12, 13, 14), "improvement")
        unfrozen = analyse([*BASE, 20, 25, 30], direction="up")
        assert unfrozen.segments[0].ucl != 13.16

    def test_a_recalculation_after_the_baseline_starts_its_own_limits(self) -> None:
        result = after_base([11, 11, 30, 31, 30], recalculate_at=[14])
        assert [(s.start, s.end) for s in result.segments] == [(0, 11), (12, 13), (14, 16)]
        assert result.segments[2].mean == pytest.approx(30.333333)
        assert not result.segments[2].carried_forward

    def test_a_recalculation_on_the_row_after_the_baseline_replaces_the_carried_segment(
        self,
    ) -> None:
        result = after_base([30, 31, 30], recalculate_at=[12])
        assert [(s.start, s.carried_forward) for s in result.segments] == [(0, False), (12, False)]
        assert result.segments[1].mean == pytest.approx(30.333333)

    def test_a_recalculation_inside_the_baseline_is_ignored(self) -> None:
        assert after_base([11], recalculate_at=[5]).segments == after_base([11]).segments

    def test_ghosted_points_do_not_count_towards_the_baseline(self) -> None:
        values = [10, 11, 99, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10.5]
        result = analyse(values, direction="up", baseline_points=12, ghosted=[2])
        assert result.segments[0].end == 12
        assert result.segments[0].mean == 10.5

    def test_a_baseline_longer_than_the_data_is_the_whole_chart(self) -> None:
        result = analyse([*BASE, 10.5], direction="up", baseline_points=20)
        (segment,) = result.segments
        assert (segment.start, segment.end, segment.baseline) == (0, 12, True)

    def test_a_baseline_of_fewer_than_twelve_points_is_refused(self) -> None:
        with pytest.raises(ValueError, match="baseline_points"):
            analyse([*BASE, 10.5], direction="up", baseline_points=11)


class TestRecalculation:
    def test_each_segment_has_its_own_mean_and_limits(self) -> None:
        result = analyse([*BASE, *[30, 31] * 6], direction="up", recalculate_at=[12])
        first, second = result.segments
        assert (first.start, first.end, second.start, second.end) == (0, 11, 12, 23)
        assert (first.mean, second.mean) == (10.5, 30.5)
        assert (first.ucl, second.ucl) == (13.16, 33.16)

    def test_moving_ranges_start_again_in_each_segment(self) -> None:
        result = analyse([*BASE, *[30, 31] * 6], direction="up", recalculate_at=[12])
        assert result.points[12].moving_range is None
        assert result.segments[1].mr_mean == 1

    def test_a_recalculation_at_row_zero_or_twice_changes_nothing(self) -> None:
        values = [*BASE, *[30, 31] * 6]
        once = analyse(values, direction="up", recalculate_at=[12])
        assert analyse(values, direction="up", recalculate_at=[0, 12, 12]) == once

    def test_a_recalculation_outside_the_rows_is_refused(self) -> None:
        with pytest.raises(ValueError, match="recalculate_at"):
            analyse([1, 2, 3], direction="up", recalculate_at=[3])


class TestGhosting:
    def test_a_ghosted_outlier_changes_nothing(self) -> None:
        plain = after_base([11, 11, 11, 10, 12.5, 11, 12.5])
        with_ghost = analyse(
            [*BASE[:5], 500, *BASE[5:], 11, 11, 11, 10, 12.5, 11, 12.5],
            direction="up",
            baseline_points=12,
            ghosted=[5],
        )
        assert [s.mean for s in with_ghost.segments] == [s.mean for s in plain.segments]
        assert [s.ucl for s in with_ghost.segments] == [s.ucl for s in plain.segments]
        kept = [p for p in with_ghost.points if not p.ghosted]
        assert [(p.special_cause, p.rules) for p in kept] == [
            (p.special_cause, p.rules) for p in plain.points
        ]
        assert with_ghost.variation_icon is plain.variation_icon

    def test_the_moving_range_is_taken_across_a_ghosted_point(self) -> None:
        result = analyse([*BASE, 500, 12], direction="up", ghosted=[12])
        assert result.points[12].moving_range is None
        assert result.points[13].moving_range == 1  # |12 - 11|, skipping the 500

    def test_a_ghosted_point_has_no_special_cause_and_no_rules(self) -> None:
        result = after_base([500, 10.5], ghosted=[12])
        ghost = result.points[12]
        assert ghost.ghosted
        assert (ghost.special_cause, ghost.rules, ghost.side) == (None, (), None)
        assert ghost.value == 500

    def test_a_ghosted_point_belongs_to_the_segment_its_row_is_in(self) -> None:
        values = [*BASE, 500, *[30, 31] * 6]
        result = analyse(values, direction="up", recalculate_at=[12], ghosted=[12])
        assert result.points[12].segment == 1
        assert (result.segments[1].start, result.segments[1].n_points) == (12, 12)
        assert result.segments[1].mean == 30.5

    def test_a_ghosted_row_outside_the_data_is_refused(self) -> None:
        with pytest.raises(ValueError, match="ghosted"):
            analyse([1, 2, 3], direction="up", ghosted=[-1])


class TestAcceptance:
    def test_nine_weeks_well_below_the_earlier_level_is_improvement_for_a_measure_going_down(
        self,
    ) -> None:
        early = [30, 31, 29, 32, 30, 28, 31, 30, 29, 31, 30, 32, 29, 30, 31]
        late = [24, 25, 23, 24, 26, 24, 23, 25, 24]
        weeks = [date(2025, 11, 17) + timedelta(weeks=i) for i in range(24)]
        result = analyse(early + late, dates=weeks, direction="down")
        assert all(
            result.points[i].special_cause is SpecialCause.IMPROVEMENT for i in range(15, 24)
        )
        assert Rule.SHIFT in result.points[-1].rules
        assert result.variation_icon is VariationIcon.IMPROVEMENT_LOW


class TestResultData:
    def test_there_is_one_point_per_row_in_order(self) -> None:
        result = after_base([10.5, 11])
        assert [p.index for p in result.points] == list(range(14))
        assert [p.value for p in result.points] == [float(v) for v in [*BASE, 10.5, 11]]

    def test_dates_are_kept_as_labels_and_must_match_the_values(self) -> None:
        days = [date(2026, 1, 1) + timedelta(days=i) for i in range(13)]
        result = analyse([*BASE, 10.5], dates=days, direction="up")
        assert result.points[12].date == date(2026, 1, 13)
        with pytest.raises(ValueError, match="dates"):
            analyse([*BASE, 10.5], dates=days[:-1], direction="up")

    def test_as_dict_is_plain_json_ready_data(self) -> None:
        days = [date(2026, 1, 1) + timedelta(days=i) for i in range(14)]
        result = after_base([10.5, 13.5], dates=days, target=7, ghosted=[12])
        data = json.loads(json.dumps(result.as_dict()))
        assert data["variation_icon"] == "improvement_high"
        assert data["assurance_icon"] == "pass"
        assert data["points"][13]["rules"] == ["single_point"]
        assert data["points"][13]["special_cause"] == "improvement"
        assert data["points"][13]["date"] == "2026-01-14"
        assert data["points"][12]["ghosted"] is True
        assert data["segments"][0]["mean"] == result.segments[0].mean
        assert set(data["segments"][0]) >= {"start", "end", "mean", "ucl", "lcl", "mr_ucl"}

    def test_an_empty_series_has_no_points_segments_or_icons(self) -> None:
        result = analyse([], direction="up", target=3)
        assert (result.points, result.segments) == ([], [])
        assert (result.variation_icon, result.assurance_icon, result.last_point) == (None,) * 3

    @pytest.mark.parametrize("bad", [float("nan"), float("inf")])
    def test_values_must_be_finite(self, bad: float) -> None:
        with pytest.raises(ValueError, match="finite"):
            analyse([1.0, bad], direction="up")

    def test_values_must_be_numbers(self) -> None:
        with pytest.raises(TypeError):
            analyse([1, True], direction="up")

    def test_rule_lengths_below_two_are_refused(self) -> None:
        with pytest.raises(ValueError, match="trend_length"):
            analyse([1, 2], direction="up", trend_length=1)


# --- properties ------------------------------------------------------------------------------

_small_ints = st.integers(min_value=-30, max_value=30)


@dataclass(frozen=True)
class Chart:
    values: list[float]
    direction: str
    target: float | None
    ghosted: list[int]
    recalculate_at: list[int]
    baseline_points: int | None
    shift_length: int
    trend_length: int
    tie: str

    def run(self, **changes: Any) -> SPCResult:
        return analyse(**asdict(replace(self, **changes)))

    def mapped(self, f: Any, **changes: Any) -> SPCResult:
        """The chart with ``f`` applied to every value and to the target."""
        target = None if self.target is None else f(self.target)
        return self.run(values=[f(v) for v in self.values], target=target, **changes)


@st.composite
def charts(draw: st.DrawFn) -> Chart:
    """A chart's inputs: integer values, ghosted rows, recalculations, an optional baseline."""
    n = draw(st.one_of(st.integers(0, 12), st.integers(13, 40), st.integers(13, 40)))
    steps = draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n))
    shape = draw(st.sampled_from(["noise", "walk", "step", "zigzag"]))
    if shape == "walk":  # a random walk: shifts and trends
        values: list[float] = [sum(steps[: i + 1]) for i in range(n)]
    elif shape == "zigzag":  # rises and falls of 4 to 8 steps: trends back to back, and ties
        legs = draw(st.lists(st.integers(4, 8), min_size=8, max_size=8))
        signs = [1 if k % 2 == 0 else -1 for k, leg in enumerate(legs) for _ in range(leg)]
        values = []
        level = 0
        for i in range(n):
            level += signs[i % len(signs)] * (abs(steps[i]) + 1)
            values.append(level)
    elif shape == "step":  # noise with a change of level part-way
        at, size = draw(st.integers(0, max(n, 1))), draw(st.integers(-20, 20))
        values = [v + (size if i >= at else 0) for i, v in enumerate(steps)]
    else:
        values = list(steps)
    rows = st.integers(min_value=0, max_value=max(n - 1, 0))
    ghosted = draw(st.sets(rows, max_size=4)) if n else set()
    recalc = draw(st.sets(rows, max_size=2)) if n else set()
    return Chart(
        values=values,
        direction=draw(st.sampled_from(["up", "down", "neither"])),
        target=draw(st.none() | _small_ints),
        ghosted=sorted(ghosted),
        recalculate_at=sorted(recalc),
        baseline_points=draw(st.none() | st.integers(min_value=12, max_value=20)),
        shift_length=draw(st.sampled_from([6, 7])),
        trend_length=draw(st.sampled_from([6, 7])),
        tie=draw(st.sampled_from(["improvement", "concern"])),
    )


def _signals(result: SPCResult) -> list[tuple[object, ...]]:
    return [(p.special_cause, p.rules, p.side, p.conflict) for p in result.points]


_FLIP = {Side.HIGH: Side.LOW, Side.LOW: Side.HIGH, None: None}
_FLIP_ICON = {
    VariationIcon.IMPROVEMENT_HIGH: VariationIcon.IMPROVEMENT_LOW,
    VariationIcon.IMPROVEMENT_LOW: VariationIcon.IMPROVEMENT_HIGH,
    VariationIcon.CONCERN_HIGH: VariationIcon.CONCERN_LOW,
    VariationIcon.CONCERN_LOW: VariationIcon.CONCERN_HIGH,
    VariationIcon.NEITHER_HIGH: VariationIcon.NEITHER_LOW,
    VariationIcon.NEITHER_LOW: VariationIcon.NEITHER_HIGH,
    VariationIcon.COMMON_CAUSE: VariationIcon.COMMON_CAUSE,
    None: None,
}


class TestProperties:
    @settings(max_examples=200, deadline=None)
    @given(chart=charts(), constant=st.integers(min_value=-1000, max_value=1000))
    def test_adding_a_constant_changes_no_signal_or_icon(self, chart: Chart, constant: int) -> None:
        before = chart.run()
        after = chart.mapped(lambda v: v + constant)
        assert _signals(after) == _signals(before)
        assert (after.variation_icon, after.assurance_icon) == (
            before.variation_icon,
            before.assurance_icon,
        )

    @settings(max_examples=200, deadline=None)
    @given(chart=charts(), factor=st.sampled_from([0.25, 0.5, 2, 3, 7, 10, 12.5]))
    def test_scaling_by_a_positive_factor_changes_no_signal_or_icon(
        self, chart: Chart, factor: float
    ) -> None:
        before = chart.run()
        after = chart.mapped(lambda v: v * factor)
        assert _signals(after) == _signals(before)
        assert (after.variation_icon, after.assurance_icon) == (
            before.variation_icon,
            before.assurance_icon,
        )

    @settings(max_examples=200, deadline=None)
    @given(chart=charts(), direction=st.sampled_from(["up", "down"]))
    def test_negating_the_values_and_flipping_the_direction_mirrors_the_chart(
        self, chart: Chart, direction: str
    ) -> None:
        before = chart.run(direction=direction)
        flipped = "down" if direction == "up" else "up"
        after = chart.mapped(lambda v: -v, direction=flipped)
        # Improvement stays improvement and concern concern; high and low swap.
        assert [(p.special_cause, p.rules, _FLIP[p.side]) for p in before.points] == [
            (p.special_cause, p.rules, p.side) for p in after.points
        ]
        assert _FLIP_ICON[before.variation_icon] is after.variation_icon
        assert before.assurance_icon is after.assurance_icon

    @settings(max_examples=200, deadline=None)
    @given(chart=charts())
    def test_negating_a_neither_measure_keeps_its_signals_and_mirrors_one_sided_ones(
        self, chart: Chart
    ) -> None:
        before = chart.run(direction="neither")
        after = chart.mapped(lambda v: -v, direction="neither")
        for b, a in zip(before.points, after.points, strict=True):
            assert a.special_cause == b.special_cause
            if not b.conflict:
                assert (a.side, a.rules) == (_FLIP[b.side], b.rules)

    @settings(max_examples=200, deadline=None)
    @given(chart=charts())
    def test_there_is_one_point_per_value_and_segments_cover_every_row_once(
        self, chart: Chart
    ) -> None:
        result = chart.run()
        n = len(chart.values)
        assert len(result.points) == n
        covered = [i for s in result.segments for i in range(s.start, s.end + 1)]
        assert covered == list(range(n))
        for p in result.points:
            segment = result.segments[p.segment]
            assert segment.start <= p.index <= segment.end

    @settings(max_examples=200, deadline=None)
    @given(chart=charts())
    def test_ghosted_points_never_signal_and_icons_need_the_minimum(self, chart: Chart) -> None:
        result = chart.run()
        assert all(p.special_cause is None and not p.rules for p in result.points if p.ghosted)
        assert result.enough_points == (result.n_points >= MINIMUM_POINTS)
        if not result.enough_points:
            assert result.variation_icon is None
            assert all(s.ucl is None for s in result.segments)
