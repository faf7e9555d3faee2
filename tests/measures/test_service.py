"""Measures: the acceptance example, data entry (one point, a CSV file that imports everything
or nothing, the API's points), ghosting, recalculation dates, annotations (PDSA starts
included), the latest analysis kept on the measure, and the news of a first improvement."""

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session, col, select

from app.errors import InvalidInput
from app.measures import repository as repo
from app.measures import service as measures
from app.models import (
    DriverKind,
    IdeaStatus,
    MeasureDirection,
    MeasureKind,
    MeasureRuleSet,
    Notification,
    ProjectStatus,
    SubjectKind,
    TimelineEvent,
)
from app.projects import repository as projects_repo
from app.projects import service as projects
from tests.factories import create_user
from tests.ideas.factories import create_follow, create_idea
from tests.projects.factories import (
    EARLIER,
    FIRST_WEEK,
    LATER,
    create_cycle,
    create_driver,
    create_measure,
    create_project,
    lead,
    weekly,
)


def csv_of(rows: list[tuple[str, str]], header: str = "date,value") -> bytes:
    return (header + "\n" + "\n".join(f"{d},{v}" for d, v in rows) + "\n").encode()


class TestAcceptance:
    """A measure whose last nine weekly values fall well below the earlier level, direction
    down, is special-cause improvement with the improvement_low icon, and says so in words."""

    def test_the_measure_reads_as_special_cause_improvement_low(self, db: Session) -> None:
        project = create_project(db)
        measure = create_measure(
            db,
            project,
            name="Missed first appointments",
            direction=MeasureDirection.down,
            values=EARLIER + LATER,
            unit_label="%",
        )
        view = measures.view(db, measure)
        assert view.analysis.variation_icon == "improvement_low"
        assert measure.latest_variation == "improvement_low"
        first_of_the_nine = weekly(len(EARLIER) + 1)[-1]
        assert view.summary.startswith(
            f"Special cause improvement: 9 points below the mean since {first_of_the_nine:%B %Y}"
        )
        assert measure.latest_summary == view.summary
        svg = BeautifulSoup(str(view.svg()), "html.parser").svg
        assert svg["role"] == "img"
        assert svg.title.get_text() == "Missed first appointments"
        assert svg.desc.get_text().startswith("Special cause improvement: 9 points below the mean")
        # The nine points are drawn in MDC's improvement blue; the earlier ones are not.
        fills = [c["fill"] for c in svg.find_all("circle") if c.get("r") == "4"]
        assert fills[-9:] == ["#00b0f0"] * 9
        assert "#00b0f0" not in fills[:-9]

    def test_the_same_measure_going_up_would_be_concern(self, db: Session) -> None:
        measure = create_measure(
            db, create_project(db), direction=MeasureDirection.up, values=EARLIER + LATER
        )
        assert measure.latest_variation == "concern_low"
        assert (measure.latest_summary or "").startswith("Special cause concern")


class TestTheLatestReading:
    def test_below_thirteen_points_a_run_chart_is_drawn_and_no_icon_given(
        self, db: Session
    ) -> None:
        measure = create_measure(db, create_project(db), values=EARLIER[:12])
        view = measures.view(db, measure)
        assert view.is_run_chart
        assert measure.latest_variation is None
        assert "Not enough points for control limits yet: 12 of 13 needed" in view.summary

    def test_a_run_chart_measure_is_read_by_the_run_chart_rules(self, db: Session) -> None:
        values = [14, 13, 15, 14, 16, 13, 15, 14, 13, 15, 14, 16, 15, 14, 13, 12, 11, 10, 9, 8]
        measure = create_measure(
            db, create_project(db), values=values, rule_set=MeasureRuleSet.run_chart
        )
        view = measures.view(db, measure)
        assert view.is_run_chart
        assert view.analysis.run is not None
        assert view.analysis.run.trend
        assert measure.latest_variation == "improvement_low"
        assert measure.latest_assurance is None
        assert view.summary.startswith("Special cause improvement: ")

    def test_the_target_gives_the_assurance_icon(self, db: Session) -> None:
        steady = [20, 21, 19, 20, 22, 20, 19, 21, 20, 20, 21, 19, 20, 21]
        project = create_project(db)
        passing = create_measure(
            db, project, direction=MeasureDirection.down, target=40, values=steady
        )
        failing = create_measure(
            db, project, direction=MeasureDirection.down, target=5, values=steady
        )
        either = create_measure(
            db, project, direction=MeasureDirection.down, target=20, values=steady
        )
        assert (passing.latest_assurance, failing.latest_assurance, either.latest_assurance) == (
            "pass",
            "fail",
            "hit_or_miss",
        )

    def test_the_latest_value_and_date_are_kept(self, db: Session) -> None:
        measure = create_measure(db, create_project(db), values=[3, 4, 5])
        assert (measure.point_count, measure.latest_value, measure.latest_on) == (
            3,
            5,
            FIRST_WEEK + timedelta(weeks=2),
        )


class TestOnePoint:
    def test_a_date_that_already_has_a_value_is_refused(self, db: Session) -> None:
        project = create_project(db)
        measure = create_measure(db, project, values=[5])
        with pytest.raises(InvalidInput) as caught:
            measures.add_points(
                db,
                measure=measure,
                project=project,
                points=[(FIRST_WEEK, 6)],
                actor=lead(db),
                field_of="on_date",
            )
        assert caught.value.errors == [
            {"field": "on_date", "msg": "There is already a value for this date"}
        ]

    def test_a_batch_with_a_repeated_date_adds_nothing(self, db: Session) -> None:
        project = create_project(db)
        measure = create_measure(db, project)
        day = date(2026, 3, 2)
        with pytest.raises(InvalidInput) as caught:
            measures.add_points(
                db,
                measure=measure,
                project=project,
                points=[(day, 1), (day + timedelta(days=7), 2), (day, 3)],
                actor=lead(db),
            )
        assert caught.value.errors == [
            {"field": "points[2].date", "msg": "The same date is given twice"}
        ]
        db.rollback()
        assert repo.points(db, [measure.id or 0]) == {}


class TestCSVUpload:
    def test_a_good_file_imports_every_row(self, db: Session) -> None:
        project = create_project(db)
        measure = create_measure(db, project)
        rows = [(d.isoformat(), str(v)) for d, v in zip(weekly(20), EARLIER + LATER, strict=False)]
        count = measures.import_csv(
            db, measure=measure, project=project, raw=csv_of(rows), actor=lead(db)
        )
        db.commit()
        assert count == 20
        assert measure.point_count == 20
        assert [p.value for p in repo.points(db, [measure.id or 0])[measure.id or 0]][:3] == [
            24,
            26,
            25,
        ]

    def test_any_bad_row_imports_nothing_and_every_problem_is_listed(self, db: Session) -> None:
        project = create_project(db)
        measure = create_measure(db, project, values=[7])
        raw = csv_of(
            [
                ("2026-02-02", "5"),
                ("31/02/2026", "6"),  # no such day
                ("2026-02-16", "lots"),
                ("", "4"),
                ("2026-02-02", "5"),  # the same date as row 2
                ("05/01/2026", "5"),  # already has a value (the factory's first week)
                ("2026-03-02", ""),
                ("2026-03-09", "12.5%"),
                ("9 March", "1,200"),
            ]
        )
        with pytest.raises(InvalidInput) as caught:
            measures.import_csv(db, measure=measure, project=project, raw=raw, actor=lead(db))
        assert [e["msg"] for e in caught.value.errors] == [
            "Row 3, date: enter a real date, like 2026-03-02 or 02/03/2026",
            "Row 4, value: enter a number, like 15 or 12.5",
            "Row 5, date: enter the date",
            "Row 6, date: the same date is in row 2",
            "Row 7, date: there is already a value for this date",
            "Row 8, value: enter the value",
            "Row 10, date: enter a real date, like 2026-03-02 or 02/03/2026",
        ]
        assert {e["field"] for e in caught.value.errors} == {"file"}
        db.rollback()
        assert measure.point_count == 1
        assert len(repo.points(db, [measure.id or 0])[measure.id or 0]) == 1

    def test_problems_never_repeat_what_was_typed(self, db: Session) -> None:
        project = create_project(db)
        measure = create_measure(db, project)
        raw = csv_of([("my name is Sam", "call 07700 900123")])
        with pytest.raises(InvalidInput) as caught:
            measures.import_csv(db, measure=measure, project=project, raw=raw, actor=lead(db))
        text = " ".join(e["msg"] for e in caught.value.errors)
        assert "Sam" not in text
        assert "07700" not in text

    @pytest.mark.parametrize(
        ("raw", "problem"),
        [
            (b"", "The file is empty"),
            (
                b"when,how many\n2026-01-05,4\n",
                "Row 1: the first row must name the columns date and value",
            ),
            (
                b"\x89PNG\r\n\x1a\n\x00\x00",
                "The file must be a CSV file (saved as text, not a spreadsheet)",
            ),
            (b"date,value\n", "The file has no rows of data"),
        ],
    )
    def test_a_file_that_is_not_data_says_why(self, db: Session, raw: bytes, problem: str) -> None:
        project = create_project(db)
        measure = create_measure(db, project)
        with pytest.raises(InvalidInput) as caught:
            measures.import_csv(db, measure=measure, project=project, raw=raw, actor=lead(db))
        assert [e["msg"] for e in caught.value.errors] == [problem]

    def test_columns_in_any_order_and_case_with_ghosted_rows(self, db: Session) -> None:
        project = create_project(db)
        measure = create_measure(db, project)
        raw = b"Value,Ghosted,DATE\r\n4,no,02/03/2026\r\n40,yes,09/03/2026\r\n5,,2026-03\r\n"
        measures.import_csv(db, measure=measure, project=project, raw=raw, actor=lead(db))
        db.commit()
        points = repo.points(db, [measure.id or 0])[measure.id or 0]
        assert [(p.on_date, p.value, p.ghosted) for p in points] == [
            (date(2026, 3, 1), 5, False),
            (date(2026, 3, 2), 4, False),
            (date(2026, 3, 9), 40, True),
        ]

    def test_replace_swaps_all_the_data_for_the_file(self, db: Session) -> None:
        project = create_project(db)
        measure = create_measure(db, project, values=[1, 2, 3])
        raw = csv_of([(FIRST_WEEK.isoformat(), "9")])
        measures.import_csv(
            db, measure=measure, project=project, raw=raw, actor=lead(db), replace=True
        )
        db.commit()
        assert [p.value for p in repo.points(db, [measure.id or 0])[measure.id or 0]] == [9]

    def test_more_than_twenty_five_problems_are_counted(self, db: Session) -> None:
        project = create_project(db)
        measure = create_measure(db, project)
        raw = csv_of([(f"2026-01-{i:02d}", "x") for i in range(1, 31)])
        with pytest.raises(InvalidInput) as caught:
            measures.import_csv(db, measure=measure, project=project, raw=raw, actor=lead(db))
        assert len(caught.value.errors) == 26
        assert caught.value.errors[-1]["msg"] == (
            "and 5 more problems: fix these and upload the file again"
        )


class TestGhostsRecalculationsAndNotes:
    def test_a_ghosted_point_is_left_out_and_can_come_back(self, db: Session) -> None:
        steady = [20, 21, 19, 20, 22, 20, 19, 21, 20, 20, 21, 19, 20, 21]
        project = create_project(db)
        measure = create_measure(db, project, values=[*steady, 90])
        assert measure.latest_variation == "concern_high"
        outlier = repo.points(db, [measure.id or 0])[measure.id or 0][-1]
        measures.set_ghosted(
            db,
            measure=measure,
            project=project,
            point_id=outlier.id or 0,
            ghosted=True,
            actor=lead(db),
        )
        db.commit()
        assert measure.latest_variation == "common_cause"
        assert measure.latest_value == 21
        measures.set_ghosted(
            db,
            measure=measure,
            project=project,
            point_id=outlier.id or 0,
            ghosted=False,
            actor=lead(db),
        )
        assert measure.latest_variation == "concern_high"

    def test_a_recalculation_date_starts_a_segment_at_the_first_point_on_or_after_it(
        self, db: Session
    ) -> None:
        project = create_project(db)
        measure = create_measure(db, project, values=EARLIER + LATER)
        measures.add_recalculation(
            db,
            measure=measure,
            project=project,
            on=weekly(len(EARLIER))[-1] + timedelta(days=3),
            reason=None,
            actor=lead(db),
        )
        db.commit()
        spc = measures.view(db, measure).analysis.spc
        assert [(s.start, s.end) for s in spc.segments] == [(0, 14), (15, 23)]

    def test_the_same_recalculation_date_twice_is_refused(self, db: Session) -> None:
        project = create_project(db)
        measure = create_measure(db, project, values=EARLIER)
        day = weekly(5)[-1]
        measures.add_recalculation(
            db, measure=measure, project=project, on=day, reason=None, actor=lead(db)
        )
        with pytest.raises(InvalidInput):
            measures.add_recalculation(
                db, measure=measure, project=project, on=day, reason=None, actor=lead(db)
            )

    def test_pdsa_starts_and_notes_are_annotations_on_every_chart(self, db: Session) -> None:
        project = create_project(db)
        first = create_measure(db, project, values=EARLIER)
        second = create_measure(db, project, values=EARLIER)
        top = create_driver(db, project)
        change = create_driver(db, project, kind=DriverKind.change_idea, parents=[top])
        create_cycle(db, project, change_idea=change, started=weekly(4)[-1])
        create_cycle(db, project, change_idea=change, started=weekly(9)[-1] - timedelta(days=2))
        create_cycle(db, project, change_idea=change)  # planned: not on the charts yet
        measures.add_annotation(db, measure=first, on=weekly(6)[-1], text="New rota")
        db.commit()
        one, two = measures.views(db, [first, second], projects_repo.cycles(db, project.id or 0))
        assert [(a.index, a.text) for a in one.annotations] == [
            (3, "PDSA 1 started"),
            (5, "New rota"),
            (8, "PDSA 2 started"),
        ]
        assert [(a.index, a.text) for a in two.annotations] == [
            (3, "PDSA 1 started"),
            (8, "PDSA 2 started"),
        ]
        svg = str(one.svg())
        assert "1: PDSA 1 started (26 Jan 2026)" in svg
        assert "3: PDSA 2 started (28 Feb 2026)" in svg


class TestNewsOfAnImprovement:
    def test_the_first_improvement_of_an_outcome_is_announced_once(self, db: Session) -> None:
        follower = create_user(db)
        idea = create_idea(db, status=IdeaStatus.accepted)
        create_follow(db, idea=idea, user=follower)
        project = create_project(db, ideas=[idea])
        measure = create_measure(db, project, values=EARLIER + LATER[:-1])
        assert measure.improvement_shown_at is not None
        measures.add_points(
            db,
            measure=measure,
            project=project,
            points=[(weekly(24)[-1], LATER[-1])],
            actor=lead(db),
        )
        db.commit()
        news = db.scalars(
            select(Notification).where(
                col(Notification.user_id) == follower.id,
                col(Notification.kind) == "outcome_improved",
            )
        ).all()
        assert [(n.subject_kind, n.subject_id) for n in news] == [("idea", idea.id)]
        events = db.scalars(
            select(TimelineEvent).where(
                col(TimelineEvent.subject_kind) == SubjectKind.project,
                col(TimelineEvent.kind) == "outcome_improved",
            )
        ).all()
        assert len(events) == 1

    @pytest.mark.parametrize("kind", [MeasureKind.process, MeasureKind.balancing])
    def test_other_kinds_of_measure_are_not_news(self, db: Session, kind: MeasureKind) -> None:
        measure = create_measure(db, create_project(db), kind=kind, values=EARLIER + LATER)
        assert measure.latest_variation == "improvement_low"
        assert measure.improvement_shown_at is None

    def test_a_proposed_project_announces_it_once_it_is_public(self, db: Session) -> None:
        project = create_project(db, status=ProjectStatus.proposed)
        measure = create_measure(db, project, values=EARLIER + LATER[:-1])
        assert measure.improvement_shown_at is None
        projects.set_status(db, project=project, to=ProjectStatus.active, actor=lead(db))
        measures.add_points(
            db, measure=measure, project=project, points=[(weekly(24)[-1], 13)], actor=lead(db)
        )
        assert measure.improvement_shown_at is not None


class TestDownloads:
    def test_the_csv_has_the_data_and_the_reading_of_each_point(self, db: Session) -> None:
        measure = create_measure(db, create_project(db), values=EARLIER + LATER)
        lines = measures.data_csv(measures.view(db, measure)).splitlines()
        assert (
            lines[0] == "date,value,ghosted,centre_line,lower_limit,upper_limit,special_cause,rules"
        )
        assert lines[1].startswith("2026-01-05,24.0,no,")
        mean, lower, upper = 20.791666666666668, 15.356014492753623, 26.22731884057971
        assert lines[-1] == (
            f"2026-06-15,13.0,no,{mean},{lower},{upper},improvement,single_point shift two_of_three"
        )

    def test_the_png_is_drawn_from_the_same_svg(self, db: Session) -> None:
        measure = create_measure(db, create_project(db), values=EARLIER + LATER)
        png = measures.png_of(str(measures.view(db, measure).svg()))
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(png) > 10_000
