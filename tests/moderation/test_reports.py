"""Reports: one per person per idea or comment, a report by staff or by three different people
takes a published idea or comment down for review (without telling the public why), and a
"risk" report goes to the safeguarding queue."""

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.models import Comment, Idea, Report, Role, SafeguardingItem, User, Visibility
from tests.factories import create_user, sign_in
from tests.helpers import soup_of
from tests.moderation.helpers import audit_rows, published_comment, published_idea


def reports(db: Session) -> list[Report]:
    db.expire_all()
    return list(db.exec(select(Report).order_by(col(Report.id))).all())


def report_as(client: TestClient, user: User | None, idea: Idea, **data: object) -> str:
    """Report as ``user`` (None: signed out); returns where the form sent them."""
    client.cookies.clear()
    if user is not None:
        sign_in(client, user)
    response = client.post(
        f"/ideas/{idea.id}/report", data={"reason": "abusive", **data}, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:500]
    return str(response.headers["location"])


def visibility(db: Session, row: Idea | Comment) -> Visibility:
    db.expire_all()
    db.refresh(row)
    return Visibility(row.visibility)


class TestOneReportPerPerson:
    def test_a_second_report_by_the_same_person_is_thanked_not_stored(
        self, client: TestClient, db: Session
    ) -> None:
        idea = published_idea(db)
        person = create_user(db)
        assert report_as(client, person, idea).endswith("?notice=reported")
        again = report_as(client, person, idea, reason="other")
        assert again.endswith("?notice=already-reported")
        page = client.get(again)
        assert page.status_code == 200
        banner = soup_of(page).select_one(".nhsuk-notification-banner")
        assert banner is not None
        assert "You have already reported this. A moderator will look at it." in banner.text
        assert len(reports(db)) == 1

    def test_signed_out_reports_from_one_address_count_once(
        self, client: TestClient, db: Session
    ) -> None:
        idea = published_idea(db)
        for _ in range(3):
            report_as(client, None, idea)
        [row] = reports(db)
        assert row.reporter_id is None
        assert row.reporter_key  # an HMAC, never the address itself
        assert "testclient" not in row.reporter_key
        assert visibility(db, idea) == Visibility.published

    def test_an_idea_and_its_comment_are_reported_separately(
        self, client: TestClient, db: Session
    ) -> None:
        idea = published_idea(db)
        comment = published_comment(db, idea, create_user(db))
        person = create_user(db)
        report_as(client, person, idea)
        report_as(client, person, idea, comment_id=str(comment.id))
        assert [r.target for r in reports(db)] == [f"idea:{idea.id}", f"comment:{comment.id}"]


class TestTakingDown:
    def test_a_report_by_staff_takes_it_down_at_once(self, client: TestClient, db: Session) -> None:
        idea = published_idea(db)
        nurse = create_user(db, roles={Role.staff})
        where = report_as(client, nurse, idea)
        # Its page is gone for the reporter too, so they go back to the board.
        assert where.startswith("/ideas?notice=reported")
        assert visibility(db, idea) == Visibility.pending_moderation
        [row] = audit_rows(db, "moderation.taken_down")
        assert row.details == {"idea_id": idea.id, "by_staff": True}
        assert row.actor_id == nurse.id
        [move] = audit_rows(db, "idea.visibility")
        assert move.details["to_visibility"] == "pending_moderation"

    def test_three_different_people_take_it_down(self, client: TestClient, db: Session) -> None:
        idea = published_idea(db)
        people = [create_user(db) for _ in range(3)]
        report_as(client, people[0], idea)
        report_as(client, people[1], idea, reason="personal_details")
        assert visibility(db, idea) == Visibility.published
        report_as(client, people[2], idea)
        assert visibility(db, idea) == Visibility.pending_moderation
        [row] = audit_rows(db, "moderation.taken_down")
        assert row.details["by_staff"] is False

    def test_two_reports_do_not(self, client: TestClient, db: Session) -> None:
        idea = published_idea(db)
        for _ in range(2):
            report_as(client, create_user(db), idea)
        assert visibility(db, idea) == Visibility.published
        assert audit_rows(db, "moderation.taken_down") == []

    def test_the_same_person_three_times_counts_once(self, client: TestClient, db: Session) -> None:
        idea = published_idea(db)
        person = create_user(db)
        for _ in range(3):
            report_as(client, person, idea)
        assert visibility(db, idea) == Visibility.published
        assert len(reports(db)) == 1

    def test_the_public_is_not_told_why(self, client: TestClient, db: Session) -> None:
        idea = published_idea(db, title="Brighter corridors")
        report_as(client, create_user(db, roles={Role.staff}), idea)
        client.cookies.clear()
        gone = client.get(f"/ideas/{idea.id}")
        never = client.get("/ideas/999999")
        assert gone.status_code == never.status_code == 404
        assert "report" not in gone.text.lower()
        assert "Brighter corridors" not in client.get("/ideas").text

    def test_a_comment_is_taken_down_and_no_longer_counted(
        self, client: TestClient, db: Session
    ) -> None:
        idea = published_idea(db)
        comment = published_comment(db, idea, create_user(db), body="A comment people dislike")
        db.refresh(idea)
        count = idea.comment_count
        where = report_as(
            client, create_user(db, roles={Role.staff}), idea, comment_id=str(comment.id)
        )
        # The idea is still there: the reporter goes back to it.
        assert where == f"/ideas/{idea.id}?notice=reported"
        assert visibility(db, comment) == Visibility.pending_moderation
        db.refresh(idea)
        assert idea.comment_count == count - 1
        client.cookies.clear()
        assert "A comment people dislike" not in client.get(f"/ideas/{idea.id}").text
        [move] = audit_rows(db, "comment.visibility")
        assert move.details == {
            "comment_id": comment.id,
            "from_visibility": "published",
            "to_visibility": "pending_moderation",
        }


class TestRiskReports:
    def test_a_risk_report_goes_to_the_safeguarding_queue(
        self, client: TestClient, db: Session
    ) -> None:
        idea = published_idea(db)
        report_as(client, create_user(db), idea, reason="risk")
        db.expire_all()
        [item] = db.exec(select(SafeguardingItem)).all()
        assert (item.idea_id, item.source) == (idea.id, "report")
        assert item.report_id == reports(db)[0].id


class TestTheLinkOnTheIdeaPage:
    def test_offered_to_others_not_to_the_author(self, client: TestClient, db: Session) -> None:
        author = create_user(db)
        idea = published_idea(db, author=author)
        link = f"a[href='/ideas/{idea.id}/report']"
        assert soup_of(client.get(f"/ideas/{idea.id}").text).select(link)  # signed out
        sign_in(client, create_user(db))
        assert soup_of(client.get(f"/ideas/{idea.id}").text).select(link)
        client.cookies.clear()
        sign_in(client, author)
        assert not soup_of(client.get(f"/ideas/{idea.id}").text).select(link)
