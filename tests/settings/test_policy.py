"""The pre-moderation policy (issue 9): its defaults, and who waits for a moderator under each
setting: anonymous authors, unconfirmed, new and trusted accounts, staff and helped ideas."""

from datetime import timedelta

import pytest
from sqlmodel import Session

from app.accounts.principal import Principal
from app.comments import service as comments_service
from app.core.subjects import Subject
from app.ideas import service as ideas_service
from app.ideas.schemas import IdeaInput
from app.models import Comment, Role, User, Visibility, utcnow
from app.settings import repository
from app.settings import service as site_settings
from app.settings.schemas import Policy
from tests.factories import create_user
from tests.ideas.factories import create_idea, principal_for
from tests.settings.helpers import set_policy


def _submit(
    db: Session, author: Principal | None, *, helped: bool = False, text: str = ""
) -> Visibility:
    data = IdeaInput(
        title="A quieter day room",
        description=text or "Fewer televisions on at once in the evenings.",
        category="other",
    )
    result = ideas_service.submit(
        db,
        data=data,
        form_token=ideas_service.new_form_token(),
        author=author,
        helped=helped,
        ip_address=f"198.51.100.{id(data) % 200}",
    )
    db.commit()
    return Visibility(result.idea.visibility)


def _person(db: Session, *, roles: set[Role] | None = None, **changes: object) -> Principal:
    user = create_user(db, roles=roles)
    for name, value in changes.items():
        setattr(user, name, value)
    db.add(user)
    db.commit()
    return principal_for(db, user)


def _old(db: Session, principal: Principal) -> Principal:
    user = principal.user
    user.created_at = utcnow() - timedelta(days=30)
    db.add(user)
    db.commit()
    return principal


class TestDefaults:
    def test_anonymous_and_new_accounts_wait_until_an_admin_saves_a_policy(
        self, db: Session
    ) -> None:
        policy = site_settings.policy(db)
        assert policy == Policy()
        assert policy.anonymous_wait is True
        assert policy.new_accounts_wait is True
        assert (policy.new_account_days, policy.trust_after_published) == (7, 3)
        assert policy.shared_address_hard_cap == 50

    def test_a_saved_policy_is_read_back(self, db: Session) -> None:
        saved = set_policy(db, anonymous_wait=False, new_account_days=14)
        assert site_settings.policy(db) == saved


class TestWhoWaits:
    def test_anonymous_ideas_wait_by_default(self, db: Session) -> None:
        assert _submit(db, None) == Visibility.pending_moderation

    def test_anonymous_ideas_publish_when_the_policy_says(self, db: Session) -> None:
        set_policy(db, anonymous_wait=False)
        assert _submit(db, None) == Visibility.published

    def test_a_new_account_waits(self, db: Session) -> None:
        assert _submit(db, _person(db)) == Visibility.pending_moderation

    def test_a_new_account_publishes_when_new_accounts_do_not_wait(self, db: Session) -> None:
        set_policy(db, new_accounts_wait=False)
        assert _submit(db, _person(db)) == Visibility.published

    def test_an_older_account_publishes(self, db: Session) -> None:
        assert _submit(db, _old(db, _person(db))) == Visibility.published

    def test_a_young_account_with_enough_published_is_no_longer_new(self, db: Session) -> None:
        set_policy(db, trust_after_published=2, new_accounts_wait=False)
        person = _person(db)
        for _ in range(2):
            assert _submit(db, person) == Visibility.published
        set_policy(db, trust_after_published=2)
        assert _submit(db, person) == Visibility.published
        # One published is not enough for a policy that asks for two.
        other = _person(db)
        set_policy(db, trust_after_published=2, new_accounts_wait=False)
        _submit(db, other)
        set_policy(db, trust_after_published=2)
        assert _submit(db, other) == Visibility.pending_moderation

    def test_the_days_an_account_is_new_come_from_the_policy(self, db: Session) -> None:
        set_policy(db, new_account_days=60)
        assert _submit(db, _old(db, _person(db))) == Visibility.pending_moderation

    def test_an_unconfirmed_account_always_waits(self, db: Session) -> None:
        set_policy(db, anonymous_wait=False, new_accounts_wait=False)
        person = _old(db, _person(db, email_confirmed_at=None))
        assert _submit(db, person) == Visibility.pending_moderation

    def test_a_trusted_person_skips_the_queue(self, db: Session) -> None:
        assert _submit(db, _person(db, trusted=True)) == Visibility.published
        assert _submit(db, _person(db, trusted=True, email_confirmed_at=None)) == (
            Visibility.published
        )

    @pytest.mark.parametrize("role", [Role.staff, Role.moderator, Role.admin])
    def test_staff_publish_at_once(self, db: Session, role: Role) -> None:
        assert _submit(db, _person(db, roles={role})) == Visibility.published

    def test_an_idea_staff_type_in_for_someone_publishes_at_once(self, db: Session) -> None:
        staff = _person(db, roles={Role.staff})
        assert _submit(db, staff, helped=True) == Visibility.published

    def test_a_possible_risk_is_held_whoever_sends_it(self, db: Session) -> None:
        risk = "I want to kill myself tonight, I have the tablets ready."
        for author in (None, _person(db, trusted=True), _person(db, roles={Role.staff})):
            assert _submit(db, author, text=risk) == Visibility.held


def _comment(db: Session, principal: Principal, idea_author: User) -> Comment:
    idea = create_idea(db, author=idea_author)
    comment = comments_service.add(
        db, subject=Subject.of(idea), principal=principal, body="I agree, the evenings are loud."
    )
    db.commit()
    return comment


class TestComments:
    @pytest.fixture
    def idea_author(self, db: Session) -> User:
        return create_user(db, roles={Role.staff})

    def test_a_new_account_waits_and_is_not_counted(self, db: Session, idea_author: User) -> None:
        comment = _comment(db, _person(db), idea_author)
        assert comment.visibility == Visibility.pending_moderation
        assert comments_service.is_waiting(comment)
        idea = ideas_service.visible_idea(db, idea_id=comment.subject_id, viewer=None)
        db.refresh(idea)
        assert idea.comment_count == 0

    def test_an_unconfirmed_account_waits(self, db: Session, idea_author: User) -> None:
        set_policy(db, new_accounts_wait=False)
        comment = _comment(db, _old(db, _person(db, email_confirmed_at=None)), idea_author)
        assert comment.visibility == Visibility.pending_moderation

    def test_older_trusted_and_staff_accounts_publish(self, db: Session, idea_author: User) -> None:
        for principal in (
            _old(db, _person(db)),
            _person(db, trusted=True),
            _person(db, roles={Role.staff}),
        ):
            assert _comment(db, principal, idea_author).visibility == Visibility.published

    def test_a_new_account_publishes_when_new_accounts_do_not_wait(
        self, db: Session, idea_author: User
    ) -> None:
        set_policy(db, new_accounts_wait=False)
        assert _comment(db, _person(db), idea_author).visibility == Visibility.published


class TestCountingPublished:
    def test_only_published_ideas_and_comments_count(self, db: Session) -> None:
        person = _person(db)
        set_policy(db, new_accounts_wait=False)
        _submit(db, person)
        _submit(db, person, text="I want to kill myself tonight, I have the tablets ready.")
        assert repository.published_count(db, user_id=person.user_id) == 1
