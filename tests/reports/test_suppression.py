"""The one suppression function: small counts, secondary suppression, rates and statistics."""

from hypothesis import given, settings
from hypothesis import strategies as st

from app.reports.suppression import NO_RATE, SMALL, Column, Kind, RawRow, RawTable, Table, suppress


def grid_table(grid: list[list[int]]) -> RawTable:
    columns = [Column(f"c{i}", f"C{i}") for i in range(len(grid[0]))]
    rows = [
        RawRow(f"r{r}", f"R{r}", {f"c{i}": v for i, v in enumerate(line)})
        for r, line in enumerate(grid)
    ]
    return RawTable("t", "T", columns, rows)


def displays(table: Table) -> list[list[str]]:
    return [[c.display for c in row.cells] for row in table.rows]


class TestPrimary:
    def test_one_to_nine_is_below_ten_and_zero_is_zero(self) -> None:
        table = suppress(grid_table([[0, 1, 9, 10, 11, 12]]))
        # The row has several suppressed cells, so nothing more is hidden.
        assert displays(table) == [["0", "<10", "<10", "10", "11", "12"]]
        assert [c.value for c in table.rows[0].cells] == [0, None, None, 10, 11, 12]

    def test_thousands_are_grouped(self) -> None:
        assert displays(suppress(grid_table([[1234, 0]]))) == [["1,234", "0"]]


class TestSecondary:
    def test_the_next_smallest_in_the_row_is_hidden(self) -> None:
        # Row: 3, 40, 25, and the total 68: the 3 alone would be 68 - 40 - 25.
        table = suppress(grid_table([[3, 40, 25, 68]]))
        assert displays(table) == [["<10", "40", "—", "68"]]

    def test_zero_is_never_the_next_smallest(self) -> None:
        assert displays(suppress(grid_table([[3, 0, 25, 28]]))) == [["<10", "0", "—", "28"]]

    def test_columns_too(self) -> None:
        table = suppress(grid_table([[5], [30], [20], [55]]))
        assert displays(table) == [["<10"], ["30"], ["—"], ["55"]]

    def test_it_repeats_until_no_line_has_one(self) -> None:
        # Hiding the 12 (row 0) leaves column 1 with one hidden cell: its 15 goes too, which
        # leaves row 1 with one: its 18 goes too.
        grid = [
            [4, 12, 50],
            [20, 15, 18],
            [30, 40, 60],
        ]
        table = suppress(grid_table(grid))
        hidden = {
            (r, c)
            for r, row in enumerate(table.rows)
            for c, cell in enumerate(row.cells)
            if cell.value is None
        }
        assert (0, 0) in hidden
        for r in range(3):
            assert sum(1 for c in range(3) if (r, c) in hidden) != 1
        for c in range(3):
            assert sum(1 for r in range(3) if (r, c) in hidden) != 1

    def test_a_line_of_one_small_count_and_zeros_stays(self) -> None:
        assert displays(suppress(grid_table([[3, 0, 0]]))) == [["<10", "0", "0"]]


class TestRatesAndStatistics:
    def table(self, num: int, den: int, median: float | None, n: int) -> Table:
        return suppress(
            RawTable(
                "t",
                "T",
                [
                    Column("num", "N"),
                    Column("den", "D"),
                    Column("rate", "R", Kind.rate, numerator="num", denominator="den"),
                    Column("median", "M", Kind.stat, based_on="n"),
                ],
                [RawRow("r", "R", {"num": num, "den": den, "median": median, "n": n})],
            )
        )

    def test_a_rate_of_ten_or_more(self) -> None:
        assert displays(self.table(12, 40, 2.5, 12)) == [["12", "40", "30%", "2.5"]]
        assert self.table(12, 40, 2.5, 12).rows[0].cells[2].value == 0.3

    def test_a_denominator_below_ten(self) -> None:
        cells = self.table(0, 9, 1.0, 9).rows[0].cells
        assert [c.display for c in cells] == ["0", SMALL, NO_RATE, NO_RATE]
        assert cells[2].value is None
        assert cells[3].value is None

    def test_a_suppressed_numerator_hides_the_rate(self) -> None:
        # 3 of 50 would give the 3 away as 6%.
        assert displays(self.table(3, 50, 4.0, 50))[0][2] == NO_RATE

    def test_zero_of_ten_is_a_rate(self) -> None:
        assert displays(self.table(0, 10, None, 10))[0][2:] == ["0%", NO_RATE]

    def test_public_figures_are_shown(self) -> None:
        table = suppress(
            RawTable(
                "t",
                "T",
                [Column("c", "C"), Column("p", "P", Kind.public)],
                [RawRow("r", "R", {"c": 3, "p": 4})],
            )
        )
        assert displays(table) == [["<10", "4"]]


counts = st.integers(min_value=0, max_value=60)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda w: st.lists(st.lists(counts, min_size=w, max_size=w), min_size=1, max_size=6)
    )
)
def test_suppression_holds_for_any_table(grid: list[list[int]]) -> None:
    """Every count of 1 to 9 is hidden; zeros and nothing else is shown as it is not; no row
    or column is left with exactly one hidden cell while it has a non-zero shown one; and a
    hidden cell never carries its number."""
    table = suppress(grid_table(grid))
    hidden = set()
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            true = grid[r][c]
            if cell.value is None:
                hidden.add((r, c))
                assert cell.display == (SMALL if true < 10 else NO_RATE)
                assert true != 0
            else:
                assert cell.value == true
                assert not 0 < true < 10
    lines = [[(r, c) for c in range(len(grid[0]))] for r in range(len(grid))]
    lines += [[(r, c) for r in range(len(grid))] for c in range(len(grid[0]))]
    for line in lines:
        if sum(1 for at in line if at in hidden) == 1:
            assert all(grid[r][c] == 0 for r, c in line if (r, c) not in hidden)
