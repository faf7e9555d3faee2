"""Who may do what: every access function, for every role and every state of the object.

The tables below are the specification (docs/architecture.md, "Access"). Each row reads
"<question> for <who> on <state> -> allowed". The SQL clauses that lists and pages use are
checked against the Python functions on a real database, so a page and a query never differ.
"""

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from app.accounts.principal import Principal
from app.comments import access as comments
from app.comments import repository as comments_repo
from app.core.subjects import Subject
from app.follows import access as follows
from app.ideas import access as ideas
from app.measures import access as measures_access
from app.models import (
    Comment,
    Idea,
    IdeaStatus,
    Identity,
    Project,
    ProjectStatus,
    Role,
    Unit,
    UnitKind,
    User,
    Visibility,
    utcnow,
)
from app.moderation import access as moderation
from app.projects import access as projects_access
from app.safeguarding import access as safeguarding
from app.settings.schemas import Policy
from app.triage import access as triage_access
from app.votes import access as votes
from tests.factories import create_unit, create_user
from tests.ideas.factories import create_comment, create_idea
from tests.projects.factories import create_project

AUTHOR_ID = 1
#: Who asks. "author" is a service user who wrote the idea or comment; "service_user" did not.
WHO = {
    "anonymous": None,
    "author": (AUTHOR_ID, {Role.service_user}),
    "service_user": (2, {Role.service_user}),
    "carer": (3, {Role.carer}),
    "staff": (4, {Role.staff}),
    "improvement_lead": (5, {Role.improvement_lead, Role.staff}),
    "moderator": (6, {Role.moderator, Role.staff}),
    "safeguarding_lead": (7, {Role.safeguarding_lead, Role.staff}),
    "admin": (8, {Role.admin}),
}
EVERYONE = frozenset(WHO)
SIGNED_IN = EVERYONE - {"anonymous"}


def principal(who: str, *, author_id: int = AUTHOR_ID) -> Principal | None:
    """The person asking; ``author_id`` is the id of whoever wrote the object in question."""
    spec = WHO[who]
    if spec is None:
        return None
    user_id, roles = spec
    user_id = author_id if who == "author" else author_id + user_id
    user = User(
        id=user_id,
        email=f"{who}@example.org",
        display_name=who,
        identity=Identity.other,
        email_confirmed_at=utcnow(),
    )
    return Principal(user=user, roles=frozenset(roles))


def idea(visibility: Visibility, status: IdeaStatus = IdeaStatus.submitted) -> Idea:
    return Idea(
        id=10,
        title="A quieter day room",
        description="Fewer televisions on at once.",
        unit_id=1,
        category_id=1,
        submitted_as=Identity.service_user,
        author_id=AUTHOR_ID,
        visibility=visibility,
        status=status,
        form_token="form-token",
        receipt_hash="receipt-hash",
    )


#: can_see_idea: (visibility) -> who may read the idea's page.
SEE_IDEA = {
    Visibility.published: EVERYONE,
    Visibility.pending_moderation: {"author", "moderator", "admin"},
    Visibility.hidden: {"author", "moderator", "admin"},
    Visibility.held: {"author", "moderator", "safeguarding_lead", "admin"},
}

#: read_is_audited: (visibility) -> whose reading of the idea writes an audit row (everyone
#: who may see an idea the public cannot, except its author).
AUDITED_READ = {
    Visibility.published: frozenset(),
    Visibility.pending_moderation: {"moderator", "admin"},
    Visibility.hidden: {"moderator", "admin"},
    Visibility.held: {"moderator", "safeguarding_lead", "admin"},
}

#: can_vote: (status) on a published idea -> who may vote.
VOTE = {
    IdeaStatus.submitted: SIGNED_IN,
    IdeaStatus.under_review: SIGNED_IN,
    IdeaStatus.accepted: SIGNED_IN,
    IdeaStatus.in_progress: SIGNED_IN,
    IdeaStatus.done: frozenset(),
    IdeaStatus.not_taken_forward: frozenset(),
    IdeaStatus.duplicate: frozenset(),
}

#: Role questions: who may.
ROLE_QUESTIONS = {
    moderation.can_see_held: {"moderator", "safeguarding_lead", "admin"},
    moderation.can_see_safeguarding: {"moderator", "safeguarding_lead", "admin"},
    moderation.can_moderate: {"moderator", "admin"},
    safeguarding.can_work_items: {"moderator", "safeguarding_lead", "admin"},
    safeguarding.can_see_original: {"moderator", "safeguarding_lead", "admin"},
    triage_access.can_use_triage: {
        "staff",
        "improvement_lead",
        "moderator",
        "safeguarding_lead",
        "admin",
    },
}

#: waits_for_moderator: (the moderation policy) -> whose ideas and comments wait. Everyone
#: above has confirmed their email and their account is brand new, with nothing published.
POLICIES = {
    "defaults": Policy(),
    "anonymous-publish": Policy(anonymous_wait=False),
    "new-accounts-publish": Policy(new_accounts_wait=False),
    "nobody-waits": Policy(anonymous_wait=False, new_accounts_wait=False),
}
NEW_AND_UNVERIFIED = {"author", "service_user", "carer"}
WAITS = {
    "defaults": {"anonymous", *NEW_AND_UNVERIFIED},
    "anonymous-publish": NEW_AND_UNVERIFIED,
    "new-accounts-publish": {"anonymous"},
    "nobody-waits": set(),
}


def cases(table: dict) -> list[tuple[str, object, bool]]:
    return [(who, state, who in allowed) for state, allowed in table.items() for who in WHO]


def case_id(case: tuple[str, object, bool]) -> str:
    who, state, allowed = case
    return f"{who}-{state}-{'yes' if allowed else 'no'}"


class TestIdeas:
    @pytest.mark.parametrize("case", cases(SEE_IDEA), ids=case_id)
    def test_who_sees_an_idea(self, case: tuple[str, Visibility, bool]) -> None:
        who, visibility, allowed = case
        assert ideas.can_see_idea(principal(who), idea(visibility)) is allowed

    @pytest.mark.parametrize("case", cases(AUDITED_READ), ids=case_id)
    def test_whose_reading_is_audited(self, case: tuple[str, Visibility, bool]) -> None:
        who, visibility, audited = case
        assert ideas.read_is_audited(principal(who), idea(visibility)) is audited

    @pytest.mark.parametrize("visibility", list(Visibility))
    def test_lists_show_only_published_ideas_to_everyone(self, visibility: Visibility) -> None:
        assert ideas.is_listed(idea(visibility)) is (visibility == Visibility.published)


class TestAuthorsStayInControl:
    """Only its author changes (while ``submitted``, not held or taken down) or withdraws
    (until done or merged) an idea; the receipt link proves authorship without an account."""

    @pytest.mark.parametrize("receipt", [False, True])
    @pytest.mark.parametrize("status", list(IdeaStatus))
    @pytest.mark.parametrize("visibility", list(Visibility))
    @pytest.mark.parametrize("who", sorted(WHO))
    def test_who_changes_and_withdraws_an_idea(
        self, who: str, visibility: Visibility, status: IdeaStatus, receipt: bool
    ) -> None:
        mine = who == "author" or receipt
        row = idea(visibility, status)
        editable = status == IdeaStatus.submitted and visibility in (
            Visibility.published,
            Visibility.pending_moderation,
        )
        withdrawable = status not in (IdeaStatus.done, IdeaStatus.duplicate)
        asker = principal(who)
        assert ideas.can_edit_idea(asker, row, has_receipt=receipt) is (mine and editable)
        assert ideas.can_withdraw_idea(asker, row, has_receipt=receipt) is (mine and withdrawable)
        row.withdrawn_at = utcnow()
        assert ideas.can_edit_idea(asker, row, has_receipt=receipt) is False
        assert ideas.can_withdraw_idea(asker, row, has_receipt=receipt) is False


class TestVotes:
    @pytest.mark.parametrize("case", cases(VOTE), ids=case_id)
    def test_who_votes_on_a_published_idea(self, case: tuple[str, IdeaStatus, bool]) -> None:
        who, status, allowed = case
        assert votes.can_vote(principal(who), idea(Visibility.published, status)) is allowed

    @pytest.mark.parametrize("visibility", [v for v in Visibility if v != Visibility.published])
    @pytest.mark.parametrize("who", sorted(WHO))
    def test_nobody_votes_on_an_idea_that_is_not_public(
        self, who: str, visibility: Visibility
    ) -> None:
        assert votes.can_vote(principal(who), idea(visibility)) is False

    @pytest.mark.parametrize("who", sorted(SIGNED_IN - {"author"}))
    def test_nobody_votes_before_confirming_their_email(self, who: str) -> None:
        asker = principal(who)
        assert asker is not None
        asker.user.email_confirmed_at = None
        assert votes.can_vote(asker, idea(Visibility.published)) is False


class TestCommentsAndFollows:
    @pytest.mark.parametrize("visibility", list(Visibility))
    @pytest.mark.parametrize("who", sorted(WHO))
    def test_who_comments(self, who: str, visibility: Visibility) -> None:
        expected = who != "anonymous" and visibility == Visibility.published
        assert comments.can_comment(principal(who), idea(visibility)) is expected

    @pytest.mark.parametrize("visibility", list(Visibility))
    @pytest.mark.parametrize("who", sorted(WHO))
    def test_who_follows(self, who: str, visibility: Visibility) -> None:
        expected = who != "anonymous" and who in SEE_IDEA[visibility]
        assert follows.can_follow(principal(who), idea(visibility)) is expected

    @pytest.mark.parametrize(
        ("age_minutes", "deleted", "edit", "delete"),
        [
            (1, False, True, True),
            (14, False, True, True),
            (16, False, False, True),
            (1, True, False, False),
        ],
    )
    @pytest.mark.parametrize("who", sorted(WHO))
    def test_only_the_author_changes_a_comment(
        self, who: str, age_minutes: int, deleted: bool, edit: bool, delete: bool
    ) -> None:
        now = utcnow()
        comment = Comment(
            id=5,
            subject_id=10,
            author_id=AUTHOR_ID,
            author_identity=Identity.service_user,
            body="x",
            created_at=now - timedelta(minutes=age_minutes),
            deleted_at=now if deleted else None,
        )
        mine = who == "author"
        assert comments.can_edit_comment(principal(who), comment) is (mine and edit)
        assert comments.can_delete_comment(principal(who), comment) is (mine and delete)
        # Held for safeguarding: what it told stays as it was (its author may still delete it).
        comment.visibility = Visibility.held
        assert comments.can_edit_comment(principal(who), comment) is False
        assert comments.can_delete_comment(principal(who), comment) is (mine and delete)


class TestRoleQuestions:
    @pytest.mark.parametrize(
        ("question", "who"),
        [(q, w) for q in ROLE_QUESTIONS for w in WHO],
        ids=lambda v: getattr(v, "__name__", v),
    )
    def test_role_questions(self, question: Callable[[Principal | None], bool], who: str) -> None:
        assert question(principal(who)) is (who in ROLE_QUESTIONS[question])


class TestWhoWaitsForAModerator:
    @pytest.mark.parametrize("case", cases(WAITS), ids=case_id)
    def test_by_policy(self, case: tuple[str, str, bool]) -> None:
        who, policy, waits = case
        assert moderation.waits_for_moderator(principal(who), POLICIES[policy]) is waits

    @pytest.mark.parametrize("who", sorted(SIGNED_IN))
    def test_an_unconfirmed_account_always_waits_unless_staff_or_trusted(self, who: str) -> None:
        asking = principal(who)
        assert asking is not None
        asking.user.email_confirmed_at = None
        nobody_waits = POLICIES["nobody-waits"]
        assert moderation.waits_for_moderator(asking, nobody_waits) is not asking.is_staff
        asking.user.trusted = True
        assert moderation.waits_for_moderator(asking, Policy()) is False

    def test_an_account_is_no_longer_new_once_old_or_published_enough(self) -> None:
        asking = principal("service_user")
        assert asking is not None
        policy = Policy()
        many = policy.trust_after_published
        assert moderation.waits_for_moderator(asking, policy, published=lambda: many) is False
        assert moderation.waits_for_moderator(asking, policy, published=lambda: many - 1)
        asking.user.created_at = utcnow() - timedelta(days=policy.new_account_days, seconds=1)
        assert moderation.waits_for_moderator(asking, policy) is False


class TestSqlAgreesWithPython:
    """The WHERE clauses give the same answers as the functions, on a real database."""

    @pytest.mark.parametrize("who", sorted(WHO))
    def test_visible_clause(self, db: Session, who: str) -> None:
        author = create_user(db, roles={Role.service_user})
        made = {v: create_idea(db, author=author) for v in Visibility}
        for visibility, row in made.items():
            row.visibility = visibility
            db.add(row)
        db.commit()
        assert author.id is not None
        asking = principal(who, author_id=author.id)
        ids = [r.id for r in made.values()]
        found = set(
            db.scalars(select(Idea.id).where(col(Idea.id).in_(ids), ideas.visible_clause(asking)))
        )
        expected = {made[v].id for v in Visibility if ideas.can_see_idea(asking, made[v])}
        assert found == expected
        listed = set(
            db.scalars(select(Idea.id).where(col(Idea.id).in_(ids), ideas.listed_clause()))
        )
        assert listed == {made[Visibility.published].id}

    def test_held_comments_are_in_no_public_list(self, db: Session) -> None:
        author = create_user(db, roles={Role.service_user})
        row = create_idea(db, author=author)
        made = {v: create_comment(db, idea=row, author=author) for v in Visibility}
        for visibility, comment in made.items():
            comment.visibility = visibility
            db.add(comment)
        db.commit()
        shown = comments_repo.published(db, Subject.of(row), newest_first=False)
        assert [c.id for c in shown] == [made[Visibility.published].id]


# --- projects and measures --------------------------------------------------------------------

STAFF = {"staff", "improvement_lead", "moderator", "safeguarding_lead", "admin"}
LEADS = {"improvement_lead", "admin"}


def project(status: ProjectStatus) -> Project:
    return Project(id=20, title="Calmer evenings", aim="Fewer incidents.", unit_id=1, status=status)


#: can_see_project (and can_see_measure): (status) -> who may read the project's page.
SEE_PROJECT = {
    ProjectStatus.proposed: STAFF,
    ProjectStatus.active: EVERYONE,
    ProjectStatus.sustaining: EVERYONE,
    ProjectStatus.completed: EVERYONE,
    ProjectStatus.stopped: EVERYONE,
}
#: Questions whose answer depends only on who asks, whatever the project's status.
PROJECT_ROLE_QUESTIONS = {
    projects_access.can_edit_project: LEADS,
    projects_access.can_see_contributions: LEADS,
    measures_access.can_edit_measure: LEADS,
}


class TestProjects:
    @pytest.mark.parametrize("case", cases(SEE_PROJECT), ids=case_id)
    def test_who_sees_a_project_and_its_measures(
        self, case: tuple[str, ProjectStatus, bool]
    ) -> None:
        who, status, allowed = case
        assert projects_access.can_see_project(principal(who), project(status)) is allowed
        assert measures_access.can_see_measure(principal(who), project(status)) is allowed
        assert projects_access.is_published(project(status)) is (status != ProjectStatus.proposed)

    @pytest.mark.parametrize("status", list(ProjectStatus))
    @pytest.mark.parametrize("who", sorted(WHO))
    def test_who_changes_a_project(self, who: str, status: ProjectStatus) -> None:
        for question, allowed in PROJECT_ROLE_QUESTIONS.items():
            assert question(principal(who), project(status)) is (who in allowed), question.__name__
        assert projects_access.can_create_project(principal(who)) is (who in LEADS)

    @pytest.mark.parametrize("status", list(ProjectStatus))
    @pytest.mark.parametrize("who", sorted(WHO))
    def test_who_sees_names_comments_and_follows(self, who: str, status: ProjectStatus) -> None:
        p = principal(who)
        published = status != ProjectStatus.proposed
        assert projects_access.can_see_team_names(p, project(status)) is (who in STAFF)
        assert projects_access.can_comment_on_project(p, project(status)) is (
            who != "anonymous" and published
        )
        assert projects_access.can_follow_project(p, project(status)) is (
            who != "anonymous" and who in SEE_PROJECT[status]
        )

    @pytest.mark.parametrize(
        ("who", "member_of", "unit_path", "allowed"),
        [
            ("anonymous", (), "/1/4/", False),
            ("service_user", ("/1/4/",), "/1/4/", False),
            ("carer", (), "/1/4/", False),
            ("staff", (), "/1/4/", False),
            ("staff", ("/1/4/",), "/1/4/", True),
            ("staff", ("/1/4/",), "/1/4/9/", True),
            ("staff", ("/1/4/9/",), "/1/4/", False),
            ("staff", ("/1/5/",), "/1/4/", False),
            ("moderator", ("/1/4/",), "/1/4/9/", True),
            ("moderator", (), "/1/4/", False),
            ("improvement_lead", (), "/1/", True),
            ("admin", (), "/1/4/9/", True),
        ],
    )
    def test_who_sees_the_matrix_of_a_unit(
        self, who: str, member_of: tuple[str, ...], unit_path: str, allowed: bool
    ) -> None:
        unit = Unit(id=9, kind=UnitKind.team, name="Willow", slug="willow", path=unit_path)
        for question in (projects_access.can_see_unit_matrix, measures_access.can_see_matrix):
            assert question(principal(who), unit, member_paths=frozenset(member_of)) is allowed

    @pytest.mark.parametrize("who", sorted(WHO))
    def test_the_sql_clauses_agree(self, db: Session, who: str) -> None:
        made = {
            s: create_project(db, status=s) for s in ProjectStatus if s != ProjectStatus.stopped
        }
        ids = [p.id for p in made.values()]
        asking = principal(who)
        found = set(
            db.scalars(
                select(Project.id).where(
                    col(Project.id).in_(ids), projects_access.visible_clause(asking)
                )
            )
        )
        assert found == {p.id for p in made.values() if projects_access.can_see_project(asking, p)}
        listed = set(
            db.scalars(
                select(Project.id).where(col(Project.id).in_(ids), projects_access.listed_clause())
            )
        )
        assert listed == {p.id for p in made.values() if projects_access.is_published(p)}


# --- triage -----------------------------------------------------------------------------------

#: An idea's owner in the triage table: nobody, someone else, or the person asking.
NOBODY, SOMEONE_ELSE, ASKER = "nobody", "someone else", "asker"


class TestTriage:
    @pytest.mark.parametrize(
        ("who", "member_of", "unit_path", "owner", "allowed"),
        [
            ("anonymous", (), "/1/4/", NOBODY, False),
            ("author", ("/1/4/",), "/1/4/", NOBODY, False),
            ("service_user", ("/1/4/",), "/1/4/", NOBODY, False),
            ("carer", (), "/1/4/", NOBODY, False),
            # Any staff while nobody owns it.
            ("staff", (), "/1/4/", NOBODY, True),
            ("staff", (), "/1/4/", SOMEONE_ELSE, False),
            # Staff of its unit or a unit above it.
            ("staff", ("/1/4/",), "/1/4/", SOMEONE_ELSE, True),
            ("staff", ("/1/4/",), "/1/4/9/", SOMEONE_ELSE, True),
            ("staff", ("/1/4/9/",), "/1/4/", SOMEONE_ELSE, False),
            ("staff", ("/1/5/",), "/1/4/", SOMEONE_ELSE, False),
            ("staff", ("/1/5/", "/1/4/"), "/1/4/9/", SOMEONE_ELSE, True),
            # Its owner.
            ("staff", (), "/1/4/", ASKER, True),
            ("improvement_lead", (), "/1/4/", SOMEONE_ELSE, False),
            ("improvement_lead", ("/1/",), "/1/4/", SOMEONE_ELSE, True),
            ("safeguarding_lead", (), "/1/4/", SOMEONE_ELSE, False),
            ("safeguarding_lead", (), "/1/4/", NOBODY, True),
            # Moderators and admins: every idea.
            ("moderator", (), "/1/4/", SOMEONE_ELSE, True),
            ("admin", (), "/1/4/9/", SOMEONE_ELSE, True),
        ],
    )
    def test_who_triages_an_idea_and_reads_its_notes(
        self, who: str, member_of: tuple[str, ...], unit_path: str, owner: str, allowed: bool
    ) -> None:
        asking = principal(who)
        row = idea(Visibility.published)
        row.owner_id = {NOBODY: None, SOMEONE_ELSE: 999, ASKER: asking.user_id if asking else 0}[
            owner
        ]
        paths = frozenset(member_of)
        for question in (triage_access.can_triage, triage_access.can_see_staff_notes):
            assert question(asking, row, unit_path=unit_path, member_paths=paths) is allowed

    @pytest.mark.parametrize("who", sorted(WHO))
    def test_the_queue_clause_agrees(self, db: Session, who: str) -> None:
        parent = create_unit(db, kind=UnitKind.directorate)
        team = create_unit(db, parent=parent)
        other = create_unit(db)
        owner = create_user(db, roles={Role.staff})
        made = [create_idea(db, unit=u) for u in (parent, team, other, parent, team, other)]
        for row in made[3:]:
            row.owner_id = owner.id
            db.add(row)
        db.commit()
        asking = principal(who)
        paths = frozenset({parent.path})
        ids = [r.id for r in made]
        found = set(
            db.scalars(
                select(Idea.id)
                .join(Unit, col(Unit.id) == col(Idea.unit_id))
                .where(
                    col(Idea.id).in_(ids),
                    triage_access.triage_clause(asking, member_paths=paths),
                )
            )
        )
        unit_of = {u.id: u.path for u in (parent, team, other)}
        expected = {
            r.id
            for r in made
            if triage_access.can_triage(asking, r, unit_path=unit_of[r.unit_id], member_paths=paths)
        }
        assert found == expected


class TestReportingAnIdea:
    @pytest.mark.parametrize("visibility", list(Visibility))
    @pytest.mark.parametrize("who", sorted(WHO))
    def test_the_page_offers_a_report_of_what_the_public_sees_to_all_but_its_author(
        self, who: str, visibility: Visibility
    ) -> None:
        row = idea(visibility, IdeaStatus.submitted)
        expected = visibility == Visibility.published and who != "author"
        assert moderation.offers_report(principal(who), row) is expected


def test_every_access_function_is_in_a_table() -> None:
    """A new access function needs rows here before it can be used."""
    covered = {
        ideas.can_see_idea,
        ideas.can_edit_idea,
        ideas.can_withdraw_idea,
        ideas.is_listed,
        votes.can_vote,
        votes.voting_open,
        comments.can_comment,
        comments.can_edit_comment,
        comments.can_delete_comment,
        follows.can_follow,
        *ROLE_QUESTIONS,
        projects_access.is_published,
        projects_access.can_see_project,
        projects_access.can_create_project,
        projects_access.can_see_team_names,
        projects_access.can_comment_on_project,
        projects_access.can_follow_project,
        projects_access.can_see_unit_matrix,
        measures_access.can_see_measure,
        measures_access.can_see_matrix,
        *PROJECT_ROLE_QUESTIONS,
        triage_access.can_triage,
        triage_access.can_see_staff_notes,
        moderation.offers_report,
    }
    modules = (
        ideas,
        votes,
        comments,
        follows,
        moderation,
        safeguarding,
        projects_access,
        measures_access,
        triage_access,
    )
    found = {
        getattr(m, name)
        for m in modules
        for name in dir(m)
        if (name.startswith("can_") or name in ("is_listed", "voting_open", "is_published"))
        and getattr(getattr(m, name), "__module__", "") == m.__name__
    }
    assert found <= covered, sorted(f.__name__ for f in found - covered)
