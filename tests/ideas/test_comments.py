"""Comments, reports, follows and "my activity"."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.config import get_settings
from app.models import (
    Comment,
    Idea,
    Identity,
    Notification,
    Report,
    ReportReason,
    Role,
    utcnow,
)
from app.notifications import service as notifications
from tests.factories import create_user, sign_in
from tests.helpers import soup_of
from tests.ideas.factories import create_comment, create_follow, create_idea, create_vote


def idea_page(client: TestClient, idea: Idea, query: str = "") -> BeautifulSoup:
    response = client.get(f"/ideas/{idea.id}{query}")
    assert response.status_code == 200, response.text[:500]
    return soup_of(response.text)


TOP_LEVEL = "ul.fc-comments:not(.fc-comments--replies) > li.fc-comment"


def comment_ids(soup: BeautifulSoup | Tag, selector: str = TOP_LEVEL) -> list[int]:
    return [int(str(li["id"]).removeprefix("comment-")) for li in soup.select(selector)]


def post_comment(client: TestClient, idea: Idea, body: str, parent: int | None = None) -> int:
    data = {"body": body} | ({"parent_id": str(parent)} if parent else {})
    response = client.post(f"/ideas/{idea.id}/comments", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return int(response.headers["location"].rsplit("#comment-", 1)[1])


def fresh_idea(db: Session, idea_id: int | None) -> Idea:
    db.expire_all()
    idea = db.get(Idea, idea_id)
    assert idea is not None
    return idea


def fresh_comment(db: Session, comment_id: int | None) -> Comment:
    db.expire_all()
    comment = db.get(Comment, comment_id)
    assert comment is not None
    return comment


def section_titles(soup: BeautifulSoup, heading: str) -> list[str]:
    h2 = next(h for h in soup.select("h2") if h.get_text(strip=True) == heading)
    sibling = h2.find_next_sibling()
    assert isinstance(sibling, Tag)
    return [a.get_text(strip=True) for a in sibling.select(".fc-idea__title a")]


class TestPostingComments:
    def test_a_comment_shows_the_role_never_the_person(
        self, client: TestClient, db: Session
    ) -> None:
        idea = create_idea(db)
        person = create_user(
            db, email="sam.jones@example.org", display_name="Sam Jones", identity=Identity.carer
        )
        staff = create_user(
            db, email="dr.lee@example.org", display_name="Dr Lee", roles={Role.staff}
        )
        service_user = create_user(db, display_name="Alex Smith", roles={Role.service_user})
        for who, body in ((person, "From a carer"), (staff, "From staff"), (service_user, "Me")):
            sign_in(client, who)
            post_comment(client, idea, body)

        client.cookies.clear()
        page = idea_page(client, idea, "?comments=oldest")
        labels = [
            li.select_one(".fc-comment__meta strong").get_text(strip=True)
            for li in page.select("li.fc-comment")
        ]
        assert labels == ["A carer", "Staff", "A service user"]
        text = page.get_text(" ")
        for secret in ("sam.jones", "Sam Jones", "dr.lee", "Dr Lee", "Alex Smith"):
            assert secret not in text
        assert "From a carer" in text

    def test_an_empty_comment_is_refused(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        sign_in(client, create_user(db))
        response = client.post(f"/ideas/{idea.id}/comments", data={"body": "   "})
        assert response.status_code == 422
        summary = soup_of(response.text).select_one(".nhsuk-error-summary")
        assert summary is not None
        assert "Write your comment" in summary.get_text()
        assert fresh_idea(db, idea.id).comment_count == 0

    def test_signed_out_people_are_asked_to_sign_in(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        page = idea_page(client, idea)
        assert page.select_one(f'a[href="/login?next=/ideas/{idea.id}%23comments"]') is not None
        response = client.post(f"/ideas/{idea.id}/comments", data={"body": "Hello"})
        assert response.status_code == 401
        assert db.scalars(select(Comment)).all() == []

    def test_replies_stay_one_level_deep(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        sign_in(client, create_user(db))
        top = post_comment(client, idea, "Top")
        reply = post_comment(client, idea, "Reply", parent=top)
        reply_to_reply = post_comment(client, idea, "Reply to the reply", parent=reply)

        assert fresh_comment(db, reply).parent_id == top
        assert fresh_comment(db, reply_to_reply).parent_id == top
        page = idea_page(client, idea)
        assert comment_ids(page) == [top]
        thread = page.select_one(f"#comment-{top}")
        assert thread is not None
        assert comment_ids(thread, "ul.fc-comments--replies > li") == [reply, reply_to_reply]
        assert fresh_idea(db, idea.id).comment_count == 3

    def test_a_reply_to_a_comment_on_another_idea_is_refused(
        self, client: TestClient, db: Session
    ) -> None:
        idea, other = create_idea(db), create_idea(db)
        elsewhere = create_comment(db, idea=other, author=create_user(db))
        sign_in(client, create_user(db))
        response = client.post(
            f"/ideas/{idea.id}/comments", data={"body": "Hi", "parent_id": str(elsewhere.id)}
        )
        assert response.status_code == 422

    @pytest.mark.parametrize("parent_id", ["999999", "9" * 30])
    def test_a_reply_to_a_missing_comment_is_refused(
        self, client: TestClient, db: Session, parent_id: str
    ) -> None:
        idea = create_idea(db)
        sign_in(client, create_user(db))
        response = client.post(
            f"/ideas/{idea.id}/comments", data={"body": "Hi", "parent_id": parent_id}
        )
        assert response.status_code == 422
        assert db.scalars(select(Comment)).all() == []

    def test_newest_or_oldest_first(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        author = create_user(db)
        ids = [create_comment(db, idea=idea, author=author).id for _ in range(3)]

        assert comment_ids(idea_page(client, idea)) == ids[::-1]
        assert comment_ids(idea_page(client, idea, "?comments=oldest")) == ids


class TestEditingComments:
    def test_editing_within_15_minutes(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        me = create_user(db)
        comment = create_comment(db, idea=idea, author=me, body="Typo hree")
        sign_in(client, me)

        form = soup_of(client.get(f"/comments/{comment.id}/edit").text)
        assert form.select_one("textarea#body").get_text() == "Typo hree"
        response = client.post(
            f"/comments/{comment.id}/edit", data={"body": "Typo here"}, follow_redirects=False
        )
        assert response.status_code == 303
        edited = fresh_comment(db, comment.id)
        assert edited.body == "Typo here"
        assert edited.edited_at is not None
        meta = idea_page(client, idea).select_one(f"#comment-{comment.id}").get_text(" ")
        assert "edited" in meta

    def test_editing_after_15_minutes_is_refused(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        me = create_user(db)
        comment = create_comment(db, idea=idea, author=me, body="Original")
        db.execute(
            update(Comment)
            .where(col(Comment.id) == comment.id)
            .values(created_at=utcnow() - timedelta(minutes=16))
        )
        db.commit()
        sign_in(client, me)

        mine = idea_page(client, idea).select_one(f"#comment-{comment.id}")
        assert mine.select_one(f'a[href="/comments/{comment.id}/edit"]') is None
        assert "first 15 minutes" in client.get(f"/comments/{comment.id}/edit").text
        response = client.post(f"/comments/{comment.id}/edit", data={"body": "Changed"})
        assert response.status_code == 409
        assert fresh_comment(db, comment.id).body == "Original"

    def test_no_one_else_can_edit(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        comment = create_comment(db, idea=idea, author=create_user(db), body="Mine")
        sign_in(client, create_user(db))
        response = client.post(f"/comments/{comment.id}/edit", data={"body": "Yours now"})
        assert response.status_code == 403
        assert fresh_comment(db, comment.id).body == "Mine"


class TestDeletingComments:
    def test_deleting_your_own_comment(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        me = create_user(db)
        comment = create_comment(db, idea=idea, author=me, body="Regret this")
        create_comment(db, idea=idea, author=create_user(db), body="A reply", parent=comment)
        sign_in(client, me)

        response = client.post(f"/comments/{comment.id}/delete", follow_redirects=False)
        assert response.status_code == 303
        page = idea_page(client, idea)
        removed = page.select_one(f"#comment-{comment.id}")
        assert "Comment removed by its author" in removed.get_text()
        assert "Regret this" not in page.get_text()
        assert "A reply" in removed.get_text()  # the thread still makes sense
        assert fresh_idea(db, idea.id).comment_count == 1
        assert fresh_comment(db, comment.id).body == ""

    def test_deleting_twice_changes_the_count_once(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        me = create_user(db)
        comment = create_comment(db, idea=idea, author=me)
        sign_in(client, me)
        client.post(f"/comments/{comment.id}/delete")
        assert client.post(f"/comments/{comment.id}/delete").status_code == 404
        assert fresh_idea(db, idea.id).comment_count == 0

    def test_deleting_someone_elses_comment_is_forbidden(
        self, client: TestClient, db: Session
    ) -> None:
        idea = create_idea(db)
        comment = create_comment(db, idea=idea, author=create_user(db), body="Keep me")
        sign_in(client, create_user(db))

        response = client.post(f"/comments/{comment.id}/delete", follow_redirects=False)
        assert response.status_code == 403
        kept = fresh_comment(db, comment.id)
        assert kept.body == "Keep me"
        assert kept.deleted_at is None
        assert fresh_idea(db, idea.id).comment_count == 1


class TestReports:
    def test_reporting_an_idea(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        page = soup_of(client.get(f"/ideas/{idea.id}/report").text)
        assert page.select_one('input[name="comment_id"]')["value"] == ""

        response = client.post(
            f"/ideas/{idea.id}/report",
            data={"reason": "personal_details", "details": "It names a nurse", "comment_id": ""},
            follow_redirects=False,
        )
        assert response.status_code == 303
        report = db.scalars(select(Report)).one()
        assert report.idea_id == idea.id
        assert report.comment_id is None
        assert report.reason == ReportReason.personal_details
        assert report.details == "It names a nurse"
        assert report.reporter_id is None

    def test_reporting_a_comment(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        comment = create_comment(db, idea=idea, author=create_user(db))
        reporter = create_user(db)
        sign_in(client, reporter)
        link = idea_page(client, idea).select_one(f"#comment-{comment.id} a[href*=report]")
        assert link["href"] == f"/ideas/{idea.id}/report?comment={comment.id}"

        form = soup_of(client.get(str(link["href"])).text)
        assert "Report a comment" in form.get_text()
        comment_id = form.select_one('input[name="comment_id"]')["value"]
        response = client.post(
            f"/ideas/{idea.id}/report",
            data={"reason": "abusive", "comment_id": comment_id},
            follow_redirects=False,
        )
        assert response.status_code == 303
        report = db.scalars(select(Report)).one()
        assert (report.idea_id, report.comment_id) == (idea.id, comment.id)
        assert report.reason == ReportReason.abusive
        assert report.reporter_id == reporter.id

    def test_a_report_needs_a_reason(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        response = client.post(f"/ideas/{idea.id}/report", data={"details": "Bad"})
        assert response.status_code == 422
        assert "Select why you are reporting this" in response.text
        assert db.scalars(select(Report)).all() == []

    @pytest.mark.parametrize("which", ["missing", "huge", "other idea"])
    def test_a_report_about_a_comment_not_on_the_idea_is_refused(
        self, client: TestClient, db: Session, which: str
    ) -> None:
        idea, other = create_idea(db), create_idea(db)
        elsewhere = create_comment(db, idea=other, author=create_user(db))
        comment_id = {"missing": "999999", "huge": "9" * 30}.get(which, str(elsewhere.id))
        response = client.post(
            f"/ideas/{idea.id}/report", data={"reason": "abusive", "comment_id": comment_id}
        )
        assert response.status_code == 404
        assert db.scalars(select(Report)).all() == []

    def test_a_flood_of_reports_is_refused_on_the_form(
        self, client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "reports_per_hour", 3)
        # One report per person per idea: the flood is of reports on different ideas.
        for other in [create_idea(db) for _ in range(3)]:
            response = client.post(
                f"/ideas/{other.id}/report", data={"reason": "other"}, follow_redirects=False
            )
            assert response.status_code == 303
        idea = create_idea(db)
        response = client.post(
            f"/ideas/{idea.id}/report", data={"reason": "other", "details": "Again"}
        )
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) > 0
        assert "a lot of reports" in soup_of(response).select_one(".nhsuk-error-summary").text
        assert soup_of(response).select_one("#details").text.strip() == "Again"
        assert len(db.scalars(select(Report)).all()) == 3

    def test_the_report_limit_is_per_person(
        self, client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "reports_per_hour", 1)
        idea = create_idea(db)
        client.post(f"/ideas/{idea.id}/report", data={"reason": "other"})
        sign_in(client, create_user(db))
        response = client.post(
            f"/ideas/{idea.id}/report", data={"reason": "other"}, follow_redirects=False
        )
        assert response.status_code == 303


class TestMyActivity:
    def test_lists_ideas_i_suggested_support_and_follow(
        self, client: TestClient, db: Session
    ) -> None:
        me = create_user(db)
        mine = create_idea(db, title="My own idea", author=me)
        supported = create_idea(db, title="An idea I support")
        followed = create_idea(db, title="An idea I follow")
        create_idea(db, title="Nothing to do with me")
        create_vote(db, idea=supported, user=me)
        create_follow(db, idea=followed, user=me)
        sign_in(client, me)

        page = soup_of(client.get("/me").text)
        assert section_titles(page, "Ideas I suggested") == [mine.title]
        assert section_titles(page, "Ideas I support") == [supported.title]
        # Suggesting an idea follows it.
        assert set(section_titles(page, "Ideas I follow")) == {mine.title, followed.title}

    def test_followers_hear_about_other_peoples_comments(
        self, client: TestClient, db: Session
    ) -> None:
        follower, commenter = create_user(db), create_user(db)
        idea = create_idea(db, title="Quiet room", author=follower)
        create_comment(db, idea=idea, author=commenter)
        create_comment(db, idea=idea, author=follower)  # your own comment is not news

        # Each hears about the other's comment (commenting follows the idea), not their own.
        assert sorted((n.user_id, n.kind) for n in db.scalars(select(Notification))) == [
            (follower.id, "comment"),
            (commenter.id, "comment"),
        ]
        sign_in(client, follower)
        page = soup_of(client.get("/me").text)
        unread = page.select("#notifications ~ ul .fc-unread")
        assert len(unread) == 1
        assert "New comment on" in unread[0].get_text()
        assert unread[0].select_one(f'a[href="/ideas/{idea.id}"]') is not None

        response = client.post("/me/notifications/read", follow_redirects=False)
        assert response.status_code == 303
        assert follower.id is not None
        assert notifications.unread_count(db, user_id=follower.id) == 0
        page = soup_of(client.get("/me").text)
        assert page.select(".fc-unread") == []
        assert "Quiet room" in page.select_one(".fc-notifications").get_text()

    def test_commenting_follows_the_idea(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db, title="Garden benches")
        me = create_user(db)
        sign_in(client, me)
        post_comment(client, idea, "Yes please")
        page = soup_of(client.get("/me").text)
        assert section_titles(page, "Ideas I follow") == ["Garden benches"]
        assert idea_page(client, idea).select_one("#follow button")["aria-pressed"] == "true"

    def test_mark_all_read_only_touches_my_notifications(
        self, client: TestClient, db: Session
    ) -> None:
        me, other, commenter = create_user(db), create_user(db), create_user(db)
        idea = create_idea(db, author=me)
        create_follow(db, idea=idea, user=other)
        create_comment(db, idea=idea, author=commenter)
        sign_in(client, me)
        client.post("/me/notifications/read")
        assert me.id is not None
        assert other.id is not None
        assert notifications.unread_count(db, user_id=me.id) == 0
        assert notifications.unread_count(db, user_id=other.id) == 1
