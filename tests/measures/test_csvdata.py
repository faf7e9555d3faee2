"""Reading dates and values the way people type them in a spreadsheet in the UK."""

from datetime import date

import pytest

from app.measures.csvdata import parse_date, parse_value, write


class TestDates:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2026-03-02", date(2026, 3, 2)),
            ("02/03/2026", date(2026, 3, 2)),
            ("2/3/2026", date(2026, 3, 2)),
            ("02-03-2026", date(2026, 3, 2)),
            ("02.03.2026", date(2026, 3, 2)),
            (" 2026-03 ", date(2026, 3, 1)),
        ],
    )
    def test_uk_and_iso_dates(self, text: str, expected: date) -> None:
        assert parse_date(text) == expected

    @pytest.mark.parametrize(
        "text", ["31/02/2026", "2026-13-01", "March 2026", "03/02/26", "", "2026"]
    )
    def test_not_a_date(self, text: str) -> None:
        assert parse_date(text) is None


class TestValues:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [("15", 15.0), ("12.5", 12.5), ("1,234.5", 1234.5), ("45%", 45.0), (" -3 ", -3.0)],
    )
    def test_numbers(self, text: str, expected: float) -> None:
        assert parse_value(text) == expected

    @pytest.mark.parametrize("text", ["lots", "nan", "inf", "1e13", "", "12 people"])
    def test_not_a_number(self, text: str) -> None:
        assert parse_value(text) is None


def test_write_has_a_header_and_crlf_rows() -> None:
    assert write([("2026-03-02", 4)], ["date", "value"]) == "date,value\r\n2026-03-02,4\r\n"
