"""Run charts (app.qi.runchart): the IHI rules against the median, the runs table, and
Anhøj's rules."""

import json
from math import comb

import pytest

from app.qi.runchart import (
    RUNS_TABLE,
    RunChartResult,
    anhoej,
    binomial_quantile,
    run_chart,
    runs_limits,
)
from app.qi.spc import Rule, Side, SpecialCause


def flagged(result: RunChartResult) -> dict[int, tuple[str, ...]]:
    return {p.index: tuple(str(r) for r in p.rules) for p in result.points if p.rules}


class TestMedian:
    def test_the_centre_line_is_the_median_of_the_points(self) -> None:
        assert run_chart([3, 1, 2], direction="up").median == 2
        assert run_chart([4, 1, 3, 2], direction="up").median == 2.5

    def test_ghosted_points_are_left_out_of_the_median(self) -> None:
        result = run_chart([1, 2, 100, 3], direction="up", ghosted=[2])
        assert result.median == 2
        assert result.points[2].ghosted
        assert result.points[2].special_cause is None

    def test_points_on_the_median_are_not_useful_observations(self) -> None:
        result = run_chart([1, 2, 3], direction="up")
        assert result.useful_observations == 2
        assert [p.on_median for p in result.points] == [False, True, False]
        assert [p.median_side for p in result.points] == [Side.LOW, None, Side.HIGH]


class TestShiftRule:
    # Four-and-sixes put the median at 6, so the 6s sit on it and the 7s above it.
    def test_six_points_above_the_median_are_a_shift(self) -> None:
        result = run_chart([4, 6] * 5 + [7] * 6, direction="up")
        assert result.median == 6
        assert flagged(result) == dict.fromkeys(range(10, 16), ("shift",))
        assert result.shift

    def test_five_points_above_the_median_are_not_a_shift(self) -> None:
        result = run_chart([4, 6] * 5 + [7] * 5, direction="up")
        assert flagged(result) == {}
        assert not result.shift

    def test_a_point_on_the_median_does_not_break_a_run(self) -> None:
        result = run_chart([4, 6] * 5 + [7, 7, 7, 6, 7, 7, 7], direction="up")
        assert result.median == 6
        assert set(flagged(result)) == {10, 11, 12, 14, 15, 16}

    def test_a_point_on_the_median_does_not_add_to_a_run(self) -> None:
        result = run_chart([4, 6] * 5 + [7, 7, 6, 7, 7, 7], direction="up")
        assert result.median == 6
        assert flagged(result) == {}

    def test_a_shift_below_the_median_is_low(self) -> None:
        result = run_chart([1] * 10 + [9] * 10, direction="up")
        assert result.points[0].side is Side.LOW
        assert result.points[19].side is Side.HIGH


class TestTrendRule:
    def test_five_points_going_up_are_a_trend(self) -> None:
        result = run_chart([0, 10, 0, 10, 0, 10, 1, 2, 3, 4, 5], direction="up")
        assert flagged(result) == dict.fromkeys(range(6, 11), ("trend",))
        assert result.trend

    def test_four_points_going_up_are_not_a_trend(self) -> None:
        assert flagged(run_chart([0, 10, 0, 10, 0, 10, 1, 2, 3, 4], direction="up")) == {}

    def test_equal_values_count_once_so_they_do_not_add_to_a_trend(self) -> None:
        assert flagged(run_chart([0, 10, 0, 10, 0, 10, 1, 2, 2, 3, 4], direction="up")) == {}

    def test_equal_values_do_not_break_a_trend_and_are_flagged_with_it(self) -> None:
        result = run_chart([0, 10, 0, 10, 0, 10, 1, 2, 2, 3, 4, 5], direction="up")
        assert flagged(result) == dict.fromkeys(range(6, 12), ("trend",))

    def test_five_points_going_down_are_a_trend_low(self) -> None:
        result = run_chart([10, 0, 10, 0, 10, 0, 9, 8, 7, 6, 5], direction="up")
        assert set(flagged(result)) == set(range(6, 11))
        assert result.points[10].special_cause is SpecialCause.CONCERN
        assert result.points[10].side is Side.LOW


class TestRuns:
    def test_runs_are_counted_among_the_useful_observations(self) -> None:
        result = run_chart([1, 9, 9, 5, 1, 1, 9], direction="up")
        assert result.median == 5
        assert result.runs == 4  # 1 | 9 9 (5 skipped) | 1 1 | 9

    def test_two_runs_in_twenty_points_are_too_few(self) -> None:
        result = run_chart([1] * 10 + [9] * 10, direction="up")
        assert (result.runs, result.runs_lower_limit, result.runs_upper_limit) == (2, 6, 16)
        assert result.too_few_runs
        assert not result.too_many_runs
        assert "too_few_runs" in result.signals

    def test_twenty_runs_in_twenty_points_are_too_many(self) -> None:
        result = run_chart([1, 9] * 10, direction="up")
        assert result.runs == 20
        assert result.too_many_runs
        assert result.signals == ["too_many_runs"]

    def test_a_number_of_runs_within_the_limits_is_no_signal(self) -> None:
        result = run_chart(
            [1, 9, 9, 1, 1, 9, 9, 1, 1, 9, 1, 9, 9, 9, 1, 1, 9, 1, 9, 1], direction="up"
        )
        assert result.runs == 13
        assert (result.too_few_runs, result.too_many_runs) == (False, False)
        assert result.signals == []

    def test_the_runs_rule_needs_ten_useful_observations(self) -> None:
        result = run_chart([1, 9] * 4 + [5], direction="up")
        assert result.useful_observations == 8
        assert (result.too_few_runs, result.too_many_runs, result.runs_lower_limit) == (
            None,
            None,
            None,
        )
        assert runs_limits(9) is None

    def test_the_table_gives_the_limits_from_ten_to_sixty_useful_observations(self) -> None:
        assert runs_limits(10) == (3, 9)
        assert runs_limits(20) == (6, 16)
        assert runs_limits(60) == (24, 38)
        assert sorted(RUNS_TABLE) == list(range(10, 61))

    def test_above_sixty_the_normal_approximation_follows_on_from_the_table(self) -> None:
        assert runs_limits(61, 30, 31) == (24, 39)  # mean 31.49, sd 3.87
        assert runs_limits(70) == (28, 44)
        assert run_chart([1, 9] * 40, direction="up").too_many_runs

    def test_every_point_on_one_side_above_sixty_makes_one_run_too_few(self) -> None:
        assert runs_limits(70, 70, 0) == (2, 70)

    def test_the_table_agrees_with_the_exact_swed_eisenhart_distribution_to_one_run(
        self,
    ) -> None:
        # The exact 2.5% tails for an even split: too few if P(R < lower) <= 0.025.
        for n, (lower, upper) in RUNS_TABLE.items():
            a, b = n // 2, n - n // 2
            p = {r: _runs_probability(a, b, r) for r in range(2, n + 1)}
            exact_lower = next(r for r in p if sum(p[k] for k in p if k <= r) > 0.025)
            exact_upper = next(r for r in reversed(p) if sum(p[k] for k in p if k >= r) > 0.025)
            assert abs(lower - exact_lower) <= 1, n
            assert abs(upper - exact_upper) <= 1, n
        lowers = [RUNS_TABLE[n][0] for n in sorted(RUNS_TABLE)]
        uppers = [RUNS_TABLE[n][1] for n in sorted(RUNS_TABLE)]
        assert lowers == sorted(lowers)
        assert uppers == sorted(uppers)


def _runs_probability(a: int, b: int, runs: int) -> float:
    """P(R = runs) for a random arrangement of a and b points (Swed & Eisenhart)."""
    if runs % 2 == 0:
        k = runs // 2
        ways = 2 * comb(a - 1, k - 1) * comb(b - 1, k - 1)
    else:
        k = (runs - 1) // 2
        ways = comb(a - 1, k) * comb(b - 1, k - 1) + comb(a - 1, k - 1) * comb(b - 1, k)
    return ways / comb(a + b, a)


class TestDirectionAndConflicts:
    def test_a_shift_above_the_median_is_improvement_for_a_measure_going_up(self) -> None:
        result = run_chart([4, 6] * 5 + [7] * 6, direction="up")
        assert result.points[15].special_cause is SpecialCause.IMPROVEMENT

    def test_a_shift_above_the_median_is_concern_for_a_measure_going_down(self) -> None:
        result = run_chart([4, 6] * 5 + [7] * 6, direction="down")
        assert result.points[15].special_cause is SpecialCause.CONCERN

    def test_every_signal_is_neither_for_a_neither_measure(self) -> None:
        result = run_chart([1] * 10 + [9] * 10, direction="neither")
        assert {p.special_cause for p in result.points} == {SpecialCause.NEITHER}

    def test_a_rising_trend_below_the_median_beats_the_shift(self) -> None:
        result = run_chart([20, 30] * 4 + [1, 2, 3, 4, 5, 6], direction="up")
        last = result.points[-1]
        assert last.special_cause is SpecialCause.IMPROVEMENT
        assert (last.rules, last.conflict) == ((Rule.TREND,), True)


class TestResultData:
    def test_as_dict_is_plain_json_ready_data(self) -> None:
        data = json.loads(json.dumps(run_chart([1] * 10 + [9] * 10, direction="up").as_dict()))
        assert data["chart"] == "run"
        assert data["signals"] == ["shift", "too_few_runs"]
        assert data["points"][0]["rules"] == ["shift"]
        assert data["points"][0]["median_side"] == "low"

    def test_an_empty_run_chart_has_no_median_or_signals(self) -> None:
        result = run_chart([], direction="up")
        assert (result.median, result.runs, result.signals, result.last_point) == (
            None,
            0,
            [],
            None,
        )

    def test_dates_must_match_the_values(self) -> None:
        with pytest.raises(ValueError, match="dates"):
            run_chart([1, 2], dates=["2026-01-01"], direction="up")


class TestAnhoejRules:
    @pytest.mark.parametrize(
        ("useful", "longest", "crossings"), [(10, 6, 2), (12, 7, 3), (20, 7, 6), (30, 8, 10)]
    )
    def test_the_limits_follow_log2_and_the_binomial_fifth_percentile(
        self, useful: int, longest: int, crossings: int
    ) -> None:
        result = anhoej([1, 9] * (useful // 2))
        assert result.useful_observations == useful
        assert (result.longest_run_limit, result.crossings_limit) == (longest, crossings)

    def test_the_binomial_quantile_is_the_smallest_count_reaching_the_probability(self) -> None:
        # P(X <= 1) = 10/512 < 0.05 <= P(X <= 2) = 46/512 for X ~ Binomial(9, 1/2).
        assert binomial_quantile(0.05, 9) == 2
        assert binomial_quantile(0.5, 2) == 1

    def test_a_long_run_and_few_crossings_are_signals(self) -> None:
        result = anhoej([1] * 10 + [9] * 10)
        assert (result.longest_run, result.crossings) == (10, 1)
        assert result.unusually_long_run
        assert result.unusually_few_crossings
        assert result.signal

    def test_points_crossing_the_median_often_are_no_signal(self) -> None:
        result = anhoej([1, 9, 9, 1, 1, 9, 9, 1, 1, 9, 1, 9, 9, 9, 1, 1, 9, 1, 9, 1])
        assert (result.longest_run, result.crossings) == (3, 12)
        assert not result.signal

    def test_points_on_the_median_and_ghosted_points_are_skipped(self) -> None:
        result = anhoej([1, 5, 9, 100, 9, 5], ghosted=[3])
        assert result.median == 5
        assert result.useful_observations == 3  # 1, 9, 9
        assert json.loads(json.dumps(result.as_dict()))["crossings"] == 1
