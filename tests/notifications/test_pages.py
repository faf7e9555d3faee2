"""Email sign-ups from the receipt are double opt-in (one email with a link; opening the link
changes nothing, pressing its button starts the updates); the activity page lists idea and
project news; the header counts what is unread for signed-in people only; and the account page
turns email updates and the staff digest on and off."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select

from app.core import signing
from app.core.subjects import Subject
from app.ideas import service as ideas_service
from app.models import (
    EmailSubscription,
    Idea,
    IdeaStatus,
    Notification,
    Role,
    Visibility,
    utcnow,
)
from app.notifications import repository as notifications_repo
from app.notifications import service as notifications
from tests.factories import create_user, sign_in
from tests.helpers import SmtpServer, delivered_to, idea_form, soup_of
from tests.ideas.factories import create_follow, create_idea, staff_principal
from tests.notifications.helpers import link_in, outbox_to, set_visibility
from tests.projects.factories import create_project

ADDRESS = "jo@example.org"


def receipt(client: TestClient) -> str:
    return client.post("/ideas", data=idea_form(client)).url.path


def only_idea(db: Session) -> Idea:
    db.expire_all()
    return db.scalars(select(Idea)).one()


def subscription(db: Session) -> EmailSubscription:
    db.expire_all()
    return db.scalars(select(EmailSubscription)).one()


class TestDoubleOptIn:
    def test_signing_up_sends_only_a_confirmation(
        self, client: TestClient, db: Session, smtp_server: SmtpServer
    ) -> None:
        path = receipt(client)
        response = client.post(f"{path}/email", data={"email": ADDRESS}, follow_redirects=False)
        assert response.status_code == 303
        assert subscription(db).confirmed_at is None
        (message,) = delivered_to(smtp_server, ADDRESS)
        assert message["Subject"] == "Confirm you want email updates from Fullcircle"
        body = SmtpServer.body(message)
        assert "/updates/confirm/" in body
        assert "within 7 days" in body
        assert "not monitored 24 hours a day" in body
        assert "111" in body
        page = client.get(response.headers["location"])
        assert "We have sent you an email" in page.text

        set_visibility(db, only_idea(db), Visibility.published)
        ideas_service.change_status(
            db, idea=only_idea(db), to=IdeaStatus.under_review, actor=staff_principal(db)
        )
        db.commit()
        assert len(delivered_to(smtp_server, ADDRESS)) == 1  # nothing until confirmed

    def test_opening_the_link_changes_nothing_and_pressing_the_button_confirms(
        self, client: TestClient, db: Session, smtp_server: SmtpServer
    ) -> None:
        path = receipt(client)
        client.post(f"{path}/email", data={"email": ADDRESS})
        (message,) = delivered_to(smtp_server, ADDRESS)
        link = link_in(SmtpServer.body(message), "/updates/confirm/")

        page = client.get(link)
        assert page.status_code == 200
        form = soup_of(page).select_one(f'form[method="post"][action="{link}"]')
        assert form is not None
        assert form.select_one("button") is not None
        assert subscription(db).confirmed_at is None

        done = client.post(link)
        assert done.status_code == 200
        assert "You will get email updates about this idea" in done.text
        assert subscription(db).confirmed_at is not None
        assert client.post(link).status_code == 200  # pressing again is harmless

    @pytest.mark.parametrize(
        "token", ["garbled", "1-99999999999-forged", "99999999999-1-x", "1-1-" + "0" * 40]
    )
    def test_a_forged_or_garbled_link_is_refused_clearly(
        self, client: TestClient, db: Session, token: str
    ) -> None:
        path = receipt(client)
        client.post(f"{path}/email", data={"email": ADDRESS})
        for response in (
            client.get(f"/updates/confirm/{token}"),
            client.post(f"/updates/confirm/{token}"),
        ):
            assert response.status_code == 404
            assert (
                "This link to start email updates has expired or is not complete" in response.text
            )
        assert subscription(db).confirmed_at is None

    def test_a_link_for_another_address_does_not_confirm(
        self, client: TestClient, db: Session
    ) -> None:
        path = receipt(client)
        client.post(f"{path}/email", data={"email": ADDRESS})
        sub = subscription(db)
        token = signing.expiring(
            "confirm-updates", sub.id or 0, "other@example.org", lifetime=timedelta(days=1)
        )
        assert client.post(f"/updates/confirm/{token}").status_code == 404
        assert subscription(db).confirmed_at is None

    def test_an_expired_link_is_refused(self, client: TestClient, db: Session) -> None:
        path = receipt(client)
        client.post(f"{path}/email", data={"email": ADDRESS})
        sub = subscription(db)
        token = signing.expiring(
            "confirm-updates", sub.id or 0, sub.email, lifetime=timedelta(seconds=-1)
        )
        assert client.post(f"/updates/confirm/{token}").status_code == 404

    def test_signing_up_again_resends_at_most_every_few_minutes(
        self, client: TestClient, db: Session
    ) -> None:
        path = receipt(client)
        client.post(f"{path}/email", data={"email": ADDRESS})
        client.post(f"{path}/email", data={"email": ADDRESS})
        assert len(outbox_to(db, ADDRESS)) == 1
        db.execute(
            update(EmailSubscription).values(
                confirmation_sent_at=utcnow() - notifications.CONFIRM_RESEND_AFTER
            )
        )
        db.commit()
        client.post(f"{path}/email", data={"email": ADDRESS})
        assert len(outbox_to(db, ADDRESS)) == 2
        assert len(db.scalars(select(EmailSubscription)).all()) == 1

    def test_a_confirmed_address_is_not_asked_again(self, client: TestClient, db: Session) -> None:
        path = receipt(client)
        client.post(f"{path}/email", data={"email": ADDRESS})
        client.post(link_in(outbox_to(db, ADDRESS)[0].body_text, "/updates/confirm/"))
        db.execute(update(EmailSubscription).values(confirmation_sent_at=None))
        db.commit()
        client.post(f"{path}/email", data={"email": ADDRESS})
        assert len(outbox_to(db, ADDRESS)) == 1

    def test_once_confirmed_a_status_change_arrives_with_a_link_to_stop(
        self, client: TestClient, db: Session, smtp_server: SmtpServer
    ) -> None:
        path = receipt(client)
        client.post(f"{path}/email", data={"email": ADDRESS})
        (confirmation,) = delivered_to(smtp_server, ADDRESS)
        client.post(link_in(SmtpServer.body(confirmation), "/updates/confirm/"))
        idea = only_idea(db)
        set_visibility(db, idea, Visibility.published)
        ideas_service.change_status(
            db, idea=idea, to=IdeaStatus.under_review, actor=staff_principal(db)
        )
        db.commit()
        _confirmation, update = delivered_to(smtp_server, ADDRESS)
        assert update["Subject"] == "Update on the idea you suggested"
        body = SmtpServer.body(update)
        assert "Under review" in body
        assert link_in(body, "/ideas/") == f"/ideas/{idea.id}"
        assert "not monitored 24 hours a day" in body
        assert client.post(link_in(body, "/unsubscribe/")).status_code == 200
        db.expire_all()
        assert db.scalars(select(EmailSubscription)).all() == []

    def test_a_held_idea_gets_the_crisis_help_in_its_one_email(
        self, client: TestClient, db: Session
    ) -> None:
        path = receipt(client)
        set_visibility(db, only_idea(db), Visibility.held)
        client.post(f"{path}/email", data={"email": ADDRESS})
        (message,) = outbox_to(db, ADDRESS)
        for words in ("111", "999", "116 123", "85258", "0800 1111", "/updates/confirm/"):
            assert words in message.body_text


class TestActivityPage:
    def test_lists_idea_and_project_news_with_links(self, client: TestClient, db: Session) -> None:
        person = create_user(db)
        idea = create_idea(db, title="Quiet room")
        set_visibility(db, idea, Visibility.published)
        project = create_project(db, title="Calmer evenings")
        notifications_repo.add_many(
            db, subject=Subject.of(idea), kind="status", user_ids=[person.id or 0]
        )
        notifications_repo.add_many(
            db, subject=Subject.of(project), kind="project_status", user_ids=[person.id or 0]
        )
        db.commit()
        sign_in(client, person)
        page = soup_of(client.get("/me"))
        items = page.select(".fc-notifications li")
        assert len(items) == 2
        assert page.select_one(f'.fc-notifications a[href="/ideas/{idea.id}"]') is not None
        assert page.select_one(f'.fc-notifications a[href="/projects/{project.id}"]') is not None

    def test_an_idea_hidden_since_is_not_named(self, client: TestClient, db: Session) -> None:
        person = create_user(db)
        idea = create_idea(db, title="Soon hidden")
        set_visibility(db, idea, Visibility.published)
        create_follow(db, idea=idea, user=person)
        notifications_repo.add_many(
            db, subject=Subject.of(idea), kind="status", user_ids=[person.id or 0]
        )
        db.commit()
        set_visibility(db, idea, Visibility.hidden)
        sign_in(client, person)
        page = soup_of(client.get("/me"))
        assert page.select(".fc-notifications li") == []

    def test_mark_all_read(self, client: TestClient, db: Session) -> None:
        person = create_user(db)
        idea = create_idea(db)
        set_visibility(db, idea, Visibility.published)
        notifications_repo.add_many(
            db, subject=Subject.of(idea), kind="status", user_ids=[person.id or 0]
        )
        db.commit()
        sign_in(client, person)
        response = client.post("/me/notifications/read", follow_redirects=False)
        assert response.status_code == 303
        db.expire_all()
        assert db.scalars(select(Notification.read_at)).one() is not None

    def test_anonymous_is_sent_to_sign_in(self, client: TestClient) -> None:
        response = client.get("/me", follow_redirects=False)
        assert response.status_code == 401
        assert soup_of(response).select_one('form[action^="/login"]') is not None


def _unread_link(client: TestClient) -> str | None:
    page = soup_of(client.get("/ideas"))
    link = page.select_one('header a[href="/me#notifications"]')
    return link.get_text(" ", strip=True) if link else None


class TestHeaderCount:
    def test_shows_how_many_are_unread_and_links_to_them(
        self, client: TestClient, db: Session
    ) -> None:
        person = create_user(db)
        idea = create_idea(db)
        set_visibility(db, idea, Visibility.published)
        sign_in(client, person)
        assert _unread_link(client) is None
        for _n in range(3):
            notifications_repo.add_many(
                db, subject=Subject.of(idea), kind="status", user_ids=[person.id or 0]
            )
        db.commit()
        assert _unread_link(client) == "3 unread updates"
        client.post("/me/notifications/read")
        assert _unread_link(client) is None

    def test_never_for_anonymous_visitors(self, client: TestClient, db: Session) -> None:
        assert _unread_link(client) is None
        assert "unread" not in client.get("/ideas").text

    def test_one_is_singular(self, client: TestClient, db: Session) -> None:
        person = create_user(db)
        idea = create_idea(db)
        notifications_repo.add_many(
            db, subject=Subject.of(idea), kind="status", user_ids=[person.id or 0]
        )
        db.commit()
        sign_in(client, person)
        assert _unread_link(client) == "1 unread update"


class TestEmailSettings:
    def test_turning_email_updates_off_and_on(self, client: TestClient, db: Session) -> None:
        person = create_user(db)
        sign_in(client, person)
        page = soup_of(client.get("/account"))
        box = page.select_one('#email-updates ~ form input[name="email_updates"]')
        assert box is not None
        assert box.has_attr("checked")
        assert page.select_one('input[name="digest_daily"]') is None  # staff only

        response = client.post("/account/email-settings", data={}, follow_redirects=False)
        assert response.status_code == 303
        db.refresh(person)
        assert person.email_updates is False
        response = client.post("/account/email-settings", data={"email_updates": "yes"})
        db.refresh(person)
        assert person.email_updates is True

    def test_staff_may_ask_for_the_digest_and_others_may_not(
        self, client: TestClient, db: Session
    ) -> None:
        staff = create_user(db, roles={Role.staff})
        sign_in(client, staff)
        assert soup_of(client.get("/account")).select_one('input[name="digest_daily"]')
        client.post("/account/email-settings", data={"email_updates": "yes", "digest_daily": "yes"})
        db.refresh(staff)
        assert staff.digest_daily is True

        client.cookies.clear()
        person = create_user(db)
        sign_in(client, person)
        client.post("/account/email-settings", data={"digest_daily": "yes"})
        db.refresh(person)
        assert person.digest_daily is False

    def test_anonymous_is_sent_to_sign_in_and_nothing_changes(self, client: TestClient) -> None:
        response = client.post("/account/email-settings", data={}, follow_redirects=False)
        assert response.status_code == 401
        assert soup_of(response).select_one('form[action^="/login"]') is not None
