"""Each report's figures on the hand-counted world (tests/reports/helpers.py), raw and as
people see them after suppression."""

from sqlmodel import Session

from app.accounts.principal import Principal
from app.reports import repository as repo
from app.reports import service as reports
from app.reports.suppression import Table
from tests.reports.helpers import FIRST, LAST, World


def shown(table: Table, row: str) -> list[str]:
    return [c.display for c in table.rows[[r.key for r in table.rows].index(row)].cells]


def everywhere(db: Session, lead: Principal) -> reports.Subject:
    return reports.subject(db, principal=lead, unit_ref=None, first=FIRST, last=LAST)


class TestFunnel:
    def test_raw_counts_match_a_hand_count(
        self, db: Session, world: World, lead: Principal
    ) -> None:
        subject = everywhere(db, lead)
        buckets = [(k, p) for k, p, _n in subject.rows]
        found = repo.funnel_outcomes(db, subject.scope, buckets)
        counts = {g: r for (d, g), r in found.items() if d == "unit"}
        north = counts[world.north.slug]
        assert (north["submitted"], north["answered"], north["accepted"]) == (12, 11, 9)
        assert (north["in_progress"], north["done"], north["not_taken_forward"]) == (7, 4, 1)
        south = counts[world.south.slug]
        assert (south["submitted"], south["answered"], south["accepted"], south["done"]) == (
            11,
            1,
            1,
            1,
        )
        assert repo.SELF not in counts

    def test_medians_and_deadline(self, db: Session, world: World, lead: Principal) -> None:
        subject = everywhere(db, lead)
        buckets = [(k, p) for k, p, _n in subject.rows]
        found = repo.funnel_outcomes(db, subject.scope, buckets)

        def median(dim: str, grp: str) -> tuple[float, int]:
            return (round(found[(dim, grp)]["median"], 3), found[(dim, grp)]["responded"])

        # North: 1, 2, 2, 2, 2, 3, 5, 5, 5, 20, 20 days; with South's 4: (3 + 4) / 2.
        assert median("unit", world.north.slug) == (3 * 86400.0, 11)
        assert median("unit", world.south.slug) == (4 * 86400.0, 1)
        assert median("all", repo.TOTAL) == (3.5 * 86400.0, 12)
        within = reports._within(db, subject, buckets)
        # North: 9 answered by 16 March, 2 late, 1 never answered; South: 1 on time, 10 not.
        assert within[world.north.slug] == (9, 12)
        assert within[world.south.slug] == (1, 11)

    def test_what_people_see(self, db: Session, world: World, lead: Principal) -> None:
        table = reports.funnel(db, everywhere(db, lead)).tables[0]
        assert [c.key for c in table.columns] == [
            "submitted", "answered", "accepted", "in_progress", "done", "not_taken_forward",
            "on_time", "on_time_share", "median_days",
        ]  # fmt: skip
        # South's one answer is alone in its column, so North's 11 is hidden too ("—").
        assert shown(table, world.north.slug) == [
            "12",
            "—",
            "<10",
            "<10",
            "<10",
            "<10",
            "<10",
            "—",
            "3.0 days",
        ]
        assert shown(table, world.south.slug) == [
            "11",
            "<10",
            "<10",
            "<10",
            "<10",
            "0",
            "<10",
            "—",
            "—",
        ]
        assert shown(table, repo.SELF) == ["0", "0", "0", "0", "0", "0", "0", "—", "—"]
        assert shown(table, repo.TOTAL) == [
            "23",
            "12",
            "10",
            "<10",
            "<10",
            "<10",
            "10",
            "43%",
            "3.5 days",
        ]
        for row in table.rows:
            for cell in row.cells:
                assert (cell.value is None) == (cell.display in ("<10", "—"))

    def test_a_unit_and_its_sub_units(self, db: Session, world: World, lead: Principal) -> None:
        subject = reports.subject(
            db, principal=lead, unit_ref=world.north.slug, first=FIRST, last=LAST
        )
        table = reports.funnel(db, subject).tables[0]
        assert [r.key for r in table.rows] == [repo.SELF, world.north_ward.slug, repo.TOTAL]
        assert table.cell(repo.TOTAL, "submitted").value == 12


class TestFairness:
    def test_raw_counts_by_group(self, db: Session, world: World, lead: Principal) -> None:
        counts = repo.fairness_outcomes(db, everywhere(db, lead).scope)

        def of(dim: str, grp: str) -> tuple[int, int, int, int]:
            r = counts[(dim, grp)]
            return (r["submitted"], r["answered"], r["accepted"], r["done"])

        assert of("contributor_type", "service_user") == (12, 11, 9, 4)
        assert of("contributor_type", "carer") == (11, 1, 1, 1)
        assert of("ethnic_group", "asian") == (10, 10, 9, 4)
        assert of("ethnic_group", "white") == (3, 1, 1, 1)
        assert of("ethnic_group", "not_stated") == (10, 1, 0, 0)
        assert of("age_band", "25_34") == (10, 10, 9, 4)
        assert of("age_band", "45_54") == (3, 1, 1, 1)
        assert of("age_band", "not_stated") == (10, 1, 0, 0)

    def test_medians_by_group(self, db: Session, world: World, lead: Principal) -> None:
        found = repo.fairness_outcomes(db, everywhere(db, lead).scope)
        # Asian: 1, 2, 2, 2, 2, 5, 5, 5, 20, 20 days: (2 + 5) / 2.
        asian = found[("ethnic_group", "asian")]
        assert (round(asian["median"], 3), asian["responded"]) == (3.5 * 86400.0, 10)
        service_user = found[("contributor_type", "service_user")]
        assert (round(service_user["median"], 3), service_user["responded"]) == (3 * 86400.0, 11)

    def test_rates_as_shown(self, db: Session, world: World, lead: Principal) -> None:
        by_type, by_group, _by_age = reports.fairness(db, everywhere(db, lead)).tables
        # Ideas, answered, accepted, done, answer rate, adoption rate, done rate, median.
        assert shown(by_group, "asian") == ["10", "10", "<10", "<10", "100%", "—", "—", "3.5 days"]
        assert shown(by_group, "white") == ["<10", "<10", "<10", "<10", "—", "—", "—", "—"]
        assert shown(by_type, "service_user")[0] == "12"
        assert by_group.cell("white", "answer_rate").value is None


class TestReach:
    def test_people_by_group(self, db: Session, world: World, lead: Principal) -> None:
        found = repo.reach_counts(db, everywhere(db, lead).scope)
        # Ten anonymous contributors; one signed-in person with three ideas; ten ideas whose
        # senders said nothing (each a person).
        assert found == {"asian": 10, "white": 1, "not_stated": 10}

    def test_against_the_population(self, db: Session, world: World, lead: Principal) -> None:
        table = reports.reach(db, everywhere(db, lead)).tables[0]
        # White's 1 is alone in its column: the next smallest (Asian's 10, first of a tie)
        # is hidden too.
        assert shown(table, "asian") == ["—", "—", "1,000", "10%"]
        assert shown(table, "white") == ["<10", "—", "8,000", "80%"]
        assert shown(table, "not_stated") == ["10", "48%", "0", "0%"]
        assert shown(table, repo.TOTAL) == ["21", "100%", "10,000", "100%"]


class TestContribution:
    def test_ideas_votes_comments(self, db: Session, world: World, lead: Principal) -> None:
        table = reports.contribution(db, everywhere(db, lead)).tables[0]
        raw = repo.contribution_counts(db, everywhere(db, lead).scope)
        assert sorted(raw) == [
            ("ideas", "carer", 11),
            ("ideas", "service_user", 12),
            ("votes", "carer", 2),
        ]
        # The carers' 2 votes are alone in their row: their 11 ideas are hidden too.
        assert shown(table, "carer") == ["—", "<10", "0"]
        assert shown(table, "service_user") == ["12", "0", "0"]
        assert shown(table, repo.TOTAL) == ["—", "<10", "0"]


class TestCoproduction:
    def test_raw(self, db: Session, world: World, lead: Principal) -> None:
        scope = everywhere(db, lead).scope
        assert sorted(repo.rungs(db, scope), key=str) == sorted(
            [
                ("defining", "co_production", 1),
                ("designing", "co_design", 1),
                ("testing", None, 1),
                ("evaluating", None, 1),
            ],
            key=str,
        )
        assert repo.project_counts(db, scope) == (1, 1)
        assert sorted(repo.contributions(db, scope)) == [
            ("payment", 1, 4.5, 1),
            ("voucher", 1, 3.0, 1),
        ]

    def test_all_small_numbers_hidden(self, db: Session, world: World, lead: Principal) -> None:
        rungs, projects, recognition = reports.coproduction(db, everywhere(db, lead)).tables
        assert shown(rungs, "co_production") == ["<10", "0", "0", "0"]
        assert shown(projects, "projects") == ["<10", "<10", "—"]
        assert shown(recognition, "payment") == ["<10", "—"]
        assert shown(recognition, repo.TOTAL) == ["<10", "—"]
