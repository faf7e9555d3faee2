"""When the first public response is due: working days after the day an idea was sent,
skipping weekends and England's bank holidays; and when an idea without one is overdue."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app.config import get_settings
from app.models import Idea, Identity
from app.triage import service as triage


def sent(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def idea_sent(at: datetime, *, answered: bool = False) -> Idea:
    return Idea(
        title="t",
        description="d",
        unit_id=1,
        category_id=1,
        submitted_as=Identity.other,
        form_token="f",
        receipt_hash="r",
        created_at=at,
        first_response_at=at if answered else None,
    )


class TestDueAt:
    @pytest.mark.parametrize(
        ("sent_on", "days", "due"),
        [
            # Monday + 10 working days: two weeks later, on the Monday.
            (date(2026, 11, 2), 10, date(2026, 11, 16)),
            # Friday + 1: the weekend is skipped.
            (date(2026, 11, 6), 1, date(2026, 11, 9)),
            # Saturday + 1: the weekend day it was sent does not count either.
            (date(2026, 11, 7), 1, date(2026, 11, 9)),
            # Thursday 24 December 2026 + 1: Christmas (Fri 25), the weekend, and Boxing
            # Day's substitute (Mon 28, because 26 December is a Saturday) are skipped.
            (date(2026, 12, 24), 1, date(2026, 12, 29)),
            # + 10 from Christmas Eve: 29, 30, 31 Dec; New Year's Day (Fri 1 Jan 2027) skipped;
            # 4, 5, 6, 7, 8, 11, 12 January.
            (date(2026, 12, 24), 10, date(2027, 1, 12)),
            # Easter 2026: Good Friday 3 April and Easter Monday 6 April.
            (date(2026, 4, 2), 1, date(2026, 4, 7)),
            # The late summer bank holiday, Monday 31 August 2026.
            (date(2026, 8, 28), 1, date(2026, 9, 1)),
            # Nothing to wait for.
            (date(2026, 11, 2), 0, date(2026, 11, 2)),
        ],
    )
    def test_working_days_skip_weekends_and_bank_holidays(
        self, sent_on: date, days: int, due: date
    ) -> None:
        assert triage.due_at(sent(sent_on), days) == due

    def test_the_day_is_counted_in_england(self) -> None:
        # 23:30 UTC on Friday 5 June 2026 is 00:30 on Saturday in London (BST): the same due
        # day as an idea sent on the Saturday.
        late_friday = datetime(2026, 6, 5, 23, 30, tzinfo=UTC)
        assert triage.due_at(late_friday, 1) == date(2026, 6, 8)
        assert triage.due_at(datetime(2026, 6, 5, 12, tzinfo=UTC), 1) == date(2026, 6, 8)
        assert triage.due_at(datetime(2026, 6, 4, 22, 59, tzinfo=UTC), 1) == date(2026, 6, 5)

    def test_a_long_count_crosses_years(self) -> None:
        # 260 working days from 1 Dec 2026 reach into 2027's bank holidays and beyond.
        due = triage.due_at(sent(date(2026, 12, 1)), 260)
        assert due.year == 2027
        assert triage.is_working_day(due)


class TestOverdue:
    def test_overdue_the_day_after_it_was_due_and_not_before(self) -> None:
        idea = idea_sent(sent(date(2026, 11, 2)))
        assert triage.is_overdue(idea, date(2026, 11, 16), working_days=10) is False
        assert triage.is_overdue(idea, date(2026, 11, 17), working_days=10) is True

    def test_never_overdue_once_answered(self) -> None:
        idea = idea_sent(sent(date(2026, 1, 5)), answered=True)
        assert triage.is_overdue(idea, date(2026, 12, 1), working_days=10) is False

    @pytest.mark.parametrize("days", [1, 3, 10])
    @pytest.mark.parametrize("today", [date(2026, 12, 29), date(2027, 1, 4), date(2026, 11, 16)])
    def test_the_queue_cutoff_agrees_with_is_overdue(self, days: int, today: date) -> None:
        cutoff = triage.overdue_before(today, days)
        for back in range(0, 40):
            for hour in (0, 12, 23):
                at = sent(today - timedelta(days=back), hour)
                expected = triage.is_overdue(idea_sent(at), today, working_days=days)
                assert (at < cutoff) is expected, (at, cutoff)

    def test_the_setting_is_used_by_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(get_settings(), "response_target_working_days", 1)
        idea = idea_sent(sent(date(2026, 11, 2)))
        assert triage.is_overdue(idea, date(2026, 11, 4)) is True
        monkeypatch.setattr(get_settings(), "response_target_working_days", 10)
        assert triage.is_overdue(idea, date(2026, 11, 4)) is False


class TestReadability:
    def test_plain_words_pass_and_long_words_warn(self) -> None:
        assert triage.reading_words(65) == "plain English"
        assert triage.reading_words(45) == "hard to read"
        assert triage.reading_words(-20) == "very hard to read"
