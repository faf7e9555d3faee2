"""Who hears of what: a status change reaches the idea's followers, supporters and author
once each (never the person who made it), in-app and by email; an unconfirmed sign-up and
anyone who turned email updates off get no email; a comment tells followers in-app only; and an
idea nobody else may see is news for its author alone."""

import pytest
from sqlmodel import Session

from app.core.subjects import Subject
from app.ideas import service as ideas_service
from app.models import EmailSubscription, IdeaStatus, User, Visibility
from app.notifications import service as notifications
from tests.factories import create_user
from tests.ideas.factories import (
    create_comment,
    create_follow,
    create_idea,
    create_vote,
    staff_principal,
)
from tests.notifications.helpers import confirmed_subscription, emailed, set_visibility, told


def _ids(*users: User) -> list[int]:
    return sorted(u.id or 0 for u in users)


@pytest.fixture
def people(db: Session) -> dict[str, User]:
    return {name: create_user(db) for name in ("author", "follower", "voter", "both", "other")}


class TestStatusChange:
    def test_followers_voters_and_the_author_hear_once_each_and_never_the_actor(
        self, db: Session, people: dict[str, User]
    ) -> None:
        idea = create_idea(db, author=people["author"])
        set_visibility(db, idea, Visibility.published)
        actor = staff_principal(db)
        create_follow(db, idea=idea, user=people["follower"])
        create_vote(db, idea=idea, user=people["voter"])
        create_vote(db, idea=idea, user=people["both"])
        create_follow(db, idea=idea, user=people["both"])
        create_follow(db, idea=idea, user=people["author"])
        create_follow(db, idea=idea, user=actor.user)
        confirmed_subscription(db, idea, "anonymous@example.net")
        before = emailed(db)

        ideas_service.change_status(db, idea=idea, to=IdeaStatus.under_review, actor=actor)
        db.commit()

        expected = [people[n] for n in ("author", "follower", "voter", "both")]
        assert told(db, idea, "status") == _ids(*expected)
        new = sorted(set(emailed(db)) - set(before))
        assert new == sorted([u.email for u in expected] + ["anonymous@example.net"])
        assert len(emailed(db)) == len(before) + len(new)  # one email each

    def test_an_unconfirmed_sign_up_gets_nothing(self, db: Session) -> None:
        idea = create_idea(db)
        set_visibility(db, idea, Visibility.published)
        db.add(EmailSubscription(idea_id=idea.id or 0, email="unconfirmed@example.net"))
        db.commit()
        ideas_service.change_status(
            db, idea=idea, to=IdeaStatus.under_review, actor=staff_principal(db)
        )
        db.commit()
        assert "unconfirmed@example.net" not in emailed(db)

    def test_email_updates_off_means_in_app_only(
        self, db: Session, people: dict[str, User]
    ) -> None:
        idea = create_idea(db)
        set_visibility(db, idea, Visibility.published)
        quiet = people["follower"]
        create_follow(db, idea=idea, user=quiet)
        quiet.email_updates = False
        db.add(quiet)
        db.commit()
        ideas_service.change_status(
            db, idea=idea, to=IdeaStatus.under_review, actor=staff_principal(db)
        )
        db.commit()
        assert told(db, idea, "status") == _ids(quiet)
        assert quiet.email not in emailed(db)

    def test_an_unconfirmed_account_gets_no_email(self, db: Session) -> None:
        unconfirmed = create_user(db)
        unconfirmed.email_confirmed_at = None
        db.add(unconfirmed)
        db.commit()
        idea = create_idea(db)
        set_visibility(db, idea, Visibility.published)
        create_follow(db, idea=idea, user=unconfirmed)
        ideas_service.change_status(
            db, idea=idea, to=IdeaStatus.under_review, actor=staff_principal(db)
        )
        db.commit()
        assert told(db, idea, "status") == _ids(unconfirmed)
        assert unconfirmed.email not in emailed(db)

    def test_an_official_response_reaches_the_same_people(
        self, db: Session, people: dict[str, User]
    ) -> None:
        idea = create_idea(db, author=people["author"])
        set_visibility(db, idea, Visibility.published)
        create_vote(db, idea=idea, user=people["voter"])
        actor = staff_principal(db)
        count = notifications.subject_changed(
            db,
            subject=Subject.of(idea),
            kind="response",
            actor_id=actor.user_id,
            idea=idea,
            email_text="Staff have responded.",
        )
        db.commit()
        assert count == 2
        assert told(db, idea, "response") == _ids(people["author"], people["voter"])
        assert {people["author"].email, people["voter"].email} <= set(emailed(db))


class TestComments:
    def test_followers_hear_in_app_only(self, db: Session, people: dict[str, User]) -> None:
        idea = create_idea(db, author=people["author"])
        set_visibility(db, idea, Visibility.published)
        create_follow(db, idea=idea, user=people["follower"])
        create_vote(db, idea=idea, user=people["voter"])
        before = emailed(db)
        create_comment(db, idea=idea, author=people["other"])
        # An author follows their own idea from the start; a supporter who does not follow
        # hears of status changes, not of every comment.
        assert told(db, idea, "comment") == _ids(people["author"], people["follower"])
        assert emailed(db) == before


class TestIdeasNobodyElseMaySee:
    @pytest.mark.parametrize(
        "visibility", [Visibility.held, Visibility.hidden, Visibility.pending_moderation]
    )
    def test_only_the_author_hears(
        self, db: Session, people: dict[str, User], visibility: Visibility
    ) -> None:
        idea = create_idea(db, author=people["author"])
        set_visibility(db, idea, Visibility.published)
        create_follow(db, idea=idea, user=people["follower"])
        create_vote(db, idea=idea, user=people["voter"])
        confirmed_subscription(db, idea, "receipt@example.net")
        set_visibility(db, idea, visibility)
        before = emailed(db)

        notifications.subject_changed(
            db,
            subject=Subject.of(idea),
            kind="status",
            actor_id=staff_principal(db).user_id,
            idea=idea,
            email_text="The idea is now under review.",
        )
        db.commit()

        assert told(db, idea, "status") == _ids(people["author"])
        new = sorted(set(emailed(db)) - set(before))
        assert new == sorted([people["author"].email, "receipt@example.net"])

    def test_a_held_idea_without_an_author_account_tells_nobody_in_app(
        self, db: Session, people: dict[str, User]
    ) -> None:
        idea = create_idea(db)
        set_visibility(db, idea, Visibility.published)
        create_follow(db, idea=idea, user=people["follower"])
        set_visibility(db, idea, Visibility.held)
        notifications.subject_changed(db, subject=Subject.of(idea), kind="comment", actor_id=None)
        db.commit()
        assert told(db, idea) == []


class TestTellAuthor:
    def test_the_author_in_app_and_by_email_and_nobody_else(
        self, db: Session, people: dict[str, User]
    ) -> None:
        idea = create_idea(db, author=people["author"])
        set_visibility(db, idea, Visibility.published)
        create_follow(db, idea=idea, user=people["follower"])
        before = emailed(db)
        notifications.tell_author(db, idea=idea, kind="published", email_text="It is live.")
        db.commit()
        assert told(db, idea, "published") == _ids(people["author"])
        assert sorted(set(emailed(db)) - set(before)) == [people["author"].email]

    def test_not_the_author_when_they_acted(self, db: Session, people: dict[str, User]) -> None:
        idea = create_idea(db, author=people["author"])
        notifications.tell_author(
            db, idea=idea, kind="withdrawn", email_text="Withdrawn.", actor_id=people["author"].id
        )
        db.commit()
        assert told(db, idea, "withdrawn") == []
