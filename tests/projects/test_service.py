"""The rules of a project: its status machine, taking up ideas (which moves them along their own
life), the team and contribution log, the driver diagram, PDSA ramps and what adopting a change
tells people."""

from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

from app.core.subjects import Subject
from app.errors import Conflict, InvalidInput
from app.models import (
    DriverKind,
    EmailSubscription,
    IdeaStatus,
    Involvement,
    Notification,
    OutboxEmail,
    PDSADecision,
    PDSAStatus,
    ProgressScore,
    ProjectStatus,
    Recognition,
    SubjectKind,
    TeamRole,
    TimelineEvent,
    Unit,
    utcnow,
)
from app.projects import drivers, pdsa, states
from app.projects import repository as repo
from app.projects import service as projects
from app.projects.schemas import AimParts, ContributionForm, MemberForm, compose_aim
from tests.factories import create_user
from tests.ideas.factories import create_follow, create_idea
from tests.projects.factories import (
    create_cycle,
    create_driver,
    create_project,
    lead,
)


def timeline(db: Session, kind: SubjectKind, subject_id: int) -> list[TimelineEvent]:
    return list(
        db.scalars(
            select(TimelineEvent)
            .where(
                col(TimelineEvent.subject_kind) == kind, col(TimelineEvent.subject_id) == subject_id
            )
            .order_by(col(TimelineEvent.id))
        )
    )


def notifications(db: Session, user_id: int) -> list[tuple[str, str, int]]:
    rows = db.scalars(select(Notification).where(col(Notification.user_id) == user_id))
    return [(n.kind, n.subject_kind, n.subject_id) for n in rows]


class TestTheAim:
    def test_the_parts_make_one_sentence(self) -> None:
        parts = AimParts(
            what="reduce missed first appointments",
            how_much="from 1 in 4 to 1 in 10",
            by_when="March 2027",
            for_whom="people referred to the team",
            where="Riverside CMHT",
        )
        assert compose_aim(parts) == (
            "Reduce missed first appointments from 1 in 4 to 1 in 10 by March 2027, for people "
            "referred to the team, in Riverside CMHT."
        )

    def test_missing_parts_leave_out_their_joining_words(self) -> None:
        assert compose_aim(AimParts(what="Fewer falls", where="Cedar Ward")) == (
            "Fewer falls, in Cedar Ward."
        )


class TestStatus:
    def test_a_new_project_is_active_and_its_timeline_says_so(self, db: Session) -> None:
        project = create_project(db)
        assert project.status == ProjectStatus.active
        assert project.started_at is not None
        events = timeline(db, SubjectKind.project, project.id or 0)
        assert [(e.kind, e.from_status, e.to_status) for e in events] == [
            ("created", None, "proposed"),
            ("status", "proposed", "active"),
        ]
        assert {e.actor_role for e in events} == {"the improvement team"}

    def test_a_project_can_start_as_proposed(self, db: Session) -> None:
        project = create_project(db, status=ProjectStatus.proposed)
        assert project.status == ProjectStatus.proposed
        assert project.started_at is None

    def test_a_completed_project_walks_through_every_status_on_the_way(self, db: Session) -> None:
        project = create_project(db, status=ProjectStatus.completed)
        moves = [
            e.to_status
            for e in timeline(db, SubjectKind.project, project.id or 0)
            if e.kind == "status"
        ]
        assert moves == ["active", "sustaining", "completed"]

    def test_a_project_cannot_be_created_stopped(self, db: Session) -> None:
        with pytest.raises(InvalidInput) as caught:
            create_project(db, status=ProjectStatus.stopped)
        assert caught.value.errors[0]["field"] == "status"

    @pytest.mark.parametrize(
        ("start", "to"),
        [
            (ProjectStatus.proposed, ProjectStatus.sustaining),
            (ProjectStatus.proposed, ProjectStatus.completed),
            (ProjectStatus.active, ProjectStatus.completed),
            (ProjectStatus.active, ProjectStatus.proposed),
            (ProjectStatus.completed, ProjectStatus.stopped),
        ],
    )
    def test_moves_not_in_the_table_are_refused(
        self, db: Session, start: ProjectStatus, to: ProjectStatus
    ) -> None:
        project = create_project(db, status=start)
        with pytest.raises(Conflict):
            projects.set_status(db, project=project, to=to, actor=lead(db), reason="Because")

    def test_stopped_is_reachable_from_every_open_status_and_is_final(self) -> None:
        for status in (ProjectStatus.proposed, ProjectStatus.active, ProjectStatus.sustaining):
            assert states.PROJECT.can(status, ProjectStatus.stopped)
        assert states.PROJECT.allowed(ProjectStatus.stopped) == frozenset()
        assert states.PROJECT.allowed(ProjectStatus.completed) == frozenset()

    def test_stopping_needs_a_reason_which_goes_on_the_timeline(self, db: Session) -> None:
        project = create_project(db)
        with pytest.raises(InvalidInput) as caught:
            projects.set_status(db, project=project, to=ProjectStatus.stopped, actor=lead(db))
        assert caught.value.errors == [
            {"field": "reason", "msg": "Say why the project is stopping"}
        ]
        projects.set_status(
            db,
            project=project,
            to=ProjectStatus.stopped,
            actor=lead(db),
            reason="The service is being redesigned.",
        )
        db.commit()
        last = timeline(db, SubjectKind.project, project.id or 0)[-1]
        assert (last.to_status, last.note) == ("stopped", "The service is being redesigned.")

    def test_starting_tells_the_followers_of_the_ideas_it_took_up(self, db: Session) -> None:
        follower = create_user(db)
        idea = create_idea(db, status=IdeaStatus.accepted)
        create_follow(db, idea=idea, user=follower)
        db.add(
            EmailSubscription(
                idea_id=idea.id or 0, email="someone@example.net", confirmed_at=utcnow()
            )
        )
        db.commit()
        project = create_project(db, status=ProjectStatus.proposed, ideas=[idea])
        before = len(db.scalars(select(OutboxEmail)).all())
        projects.set_status(db, project=project, to=ProjectStatus.active, actor=lead(db))
        db.commit()
        assert ("project_started", "idea", idea.id) in notifications(db, follower.id or 0)
        emails = db.scalars(select(OutboxEmail).order_by(col(OutboxEmail.id))).all()
        # The follower (by their account's address) and the confirmed sign-up.
        new = emails[before:]
        assert sorted(e.to_address for e in new) == [follower.email, "someone@example.net"]
        assert all("has started" in e.body_text and project.title in e.body_text for e in new)


class TestTakingUpIdeas:
    def test_an_idea_not_yet_accepted_is_accepted_then_goes_in_progress(self, db: Session) -> None:
        idea = create_idea(db, status=IdeaStatus.under_review)
        project = create_project(db, title="Calmer evenings", ideas=[idea])
        assert idea.status == IdeaStatus.in_progress
        moves = [
            (e.from_status, e.to_status, e.note)
            for e in timeline(db, SubjectKind.idea, idea.id or 0)
            if e.kind == "status"
        ]
        note = "Taken up by the improvement project \u201cCalmer evenings\u201d."
        assert moves[-2:] == [("under_review", "accepted", note), ("accepted", "in_progress", note)]
        assert repo.linked_idea_ids(db, project.id or 0) == [idea.id]

    def test_an_accepted_idea_only_goes_in_progress(self, db: Session) -> None:
        idea = create_idea(db, status=IdeaStatus.accepted)
        create_project(db, ideas=[idea])
        moves = [
            e.to_status for e in timeline(db, SubjectKind.idea, idea.id or 0) if e.kind == "status"
        ]
        assert moves == ["accepted", "in_progress"]

    @pytest.mark.parametrize("status", [IdeaStatus.in_progress, IdeaStatus.done])
    def test_an_idea_in_progress_or_done_stays_where_it_is(
        self, db: Session, status: IdeaStatus
    ) -> None:
        idea = create_idea(db, status=status)
        before = len(timeline(db, SubjectKind.idea, idea.id or 0))
        project = create_project(db, ideas=[idea])
        assert idea.status == status
        assert len(timeline(db, SubjectKind.idea, idea.id or 0)) == before
        assert repo.linked_idea_ids(db, project.id or 0) == [idea.id]

    @pytest.mark.parametrize("status", [IdeaStatus.not_taken_forward, IdeaStatus.duplicate])
    def test_an_idea_refused_or_merged_cannot_be_taken_up(
        self, db: Session, status: IdeaStatus
    ) -> None:
        idea = create_idea(db, status=status)
        project = create_project(db)
        with pytest.raises(Conflict):
            projects.link_idea(db, project=project, idea=idea, actor=lead(db))

    def test_taking_up_an_idea_twice_changes_nothing(self, db: Session) -> None:
        idea = create_idea(db)
        project = create_project(db, ideas=[idea])
        before = len(timeline(db, SubjectKind.idea, idea.id or 0))
        assert projects.link_idea(db, project=project, idea=idea, actor=lead(db)) is False
        assert len(timeline(db, SubjectKind.idea, idea.id or 0)) == before

    def test_the_followers_hear_of_both_moves(self, db: Session) -> None:
        follower = create_user(db)
        idea = create_idea(db)
        create_follow(db, idea=idea, user=follower)
        create_project(db, ideas=[idea])
        assert notifications(db, follower.id or 0).count(("status", "idea", idea.id or 0)) == 2

    def test_a_project_started_from_an_idea_is_named_on_its_timeline(self, db: Session) -> None:
        idea = create_idea(db, status=IdeaStatus.accepted)
        parts = AimParts(what="Fewer falls")
        unit = db.get(Unit, idea.unit_id)
        assert unit is not None
        project = projects.create(
            db,
            title="Safer nights",
            aim=compose_aim(parts),
            aim_parts=parts,
            unit=unit,
            actor=lead(db),
            idea=idea,
        )
        db.commit()
        assert project.status == ProjectStatus.active
        last = timeline(db, SubjectKind.idea, idea.id or 0)[-1]
        assert (last.to_status, last.note) == (
            "in_progress",
            "Taken up by the improvement project \u201cSafer nights\u201d.",
        )

    def test_a_proposed_project_is_not_named_on_the_idea_timeline(self, db: Session) -> None:
        idea = create_idea(db)
        create_project(db, title="Secret plans", status=ProjectStatus.proposed, ideas=[idea])
        notes = [e.note or "" for e in timeline(db, SubjectKind.idea, idea.id or 0)]
        assert "Taken up by an improvement project." in notes
        assert not any("Secret plans" in n for n in notes)


class TestTeam:
    def test_a_member_is_an_account_or_a_name(self, db: Session) -> None:
        partner = create_user(db, email="partner@example.org")
        project = create_project(db)
        projects.add_member(
            db,
            project=project,
            data=MemberForm(email="Partner@Example.org", role=TeamRole.service_user_partner),
        )
        projects.add_member(
            db,
            project=project,
            data=MemberForm(
                name="Marcus", role=TeamRole.carer_partner, involvement=Involvement.little_i
            ),
        )
        db.commit()
        rows = [
            (m.user_id, m.name, m.role, m.involvement)
            for m, _u in repo.members(db, project.id or 0)
        ]
        assert rows == [
            (partner.id, None, "service_user_partner", "big_i"),
            (None, "Marcus", "carer_partner", "little_i"),
        ]

    def test_an_unknown_email_address_is_refused(self, db: Session) -> None:
        project = create_project(db)
        with pytest.raises(InvalidInput) as caught:
            projects.add_member(
                db,
                project=project,
                data=MemberForm(email="nobody@example.org", role=TeamRole.member),
            )
        assert caught.value.errors[0]["field"] == "email"

    def test_a_payment_says_whether_benefits_advice_was_offered(self, db: Session) -> None:
        project = create_project(db)
        member = projects.add_member(
            db, project=project, data=MemberForm(name="Leah", role=TeamRole.service_user_partner)
        )
        db.flush()
        paid = ContributionForm(
            member_id=member.id or 0,
            on_date=date.today(),
            hours=2,
            recognition=Recognition.payment,
        )
        with pytest.raises(InvalidInput) as caught:
            projects.add_contribution(db, project=project, data=paid, actor=lead(db))
        assert caught.value.errors[0]["field"] == "benefits_advice"
        row = projects.add_contribution(
            db,
            project=project,
            data=paid.model_copy(update={"benefits_advice": "yes"}),
            actor=lead(db),
        )
        assert row.benefits_advice_offered is True

    def test_a_member_of_another_project_cannot_be_logged(self, db: Session) -> None:
        mine, theirs = create_project(db), create_project(db)
        member = projects.add_member(
            db, project=theirs, data=MemberForm(name="Kai", role=TeamRole.member)
        )
        db.flush()
        form = ContributionForm(member_id=member.id or 0, on_date=date.today(), hours=1)
        with pytest.raises(InvalidInput):
            projects.add_contribution(db, project=mine, data=form, actor=lead(db))

    def test_progress_scores_are_kept_in_order(self, db: Session) -> None:
        project = create_project(db)
        for score in (ProgressScore.s1_0, ProgressScore.s2_5):
            projects.set_progress(db, project=project, score=score, actor=lead(db), note=None)
        db.commit()
        assert project.progress_score == "2.5"
        assert [p.score for p in repo.progress(db, project.id or 0)] == ["1.0", "2.5"]


class TestDriverDiagram:
    def test_a_node_may_have_several_parents(self, db: Session) -> None:
        project = create_project(db)
        p1 = create_driver(db, project, text="Know when")
        p2 = create_driver(db, project, text="Easy to change")
        s1 = create_driver(db, project, kind=DriverKind.secondary, parents=[p1, p2])
        c1 = create_driver(db, project, kind=DriverKind.change_idea, parents=[s1])
        diagram = drivers.load(db, project.id or 0)
        assert sorted(diagram.parents[s1.id or 0]) == sorted([p1.id or 0, p2.id or 0])
        assert [n.id for n in diagram.children_of(p1)] == [s1.id]
        assert [n.id for n in diagram.children_of(p2)] == [s1.id]
        assert [n.id for n in diagram.children_of(s1)] == [c1.id]

    @pytest.mark.parametrize(
        ("kind", "parent_kind"),
        [
            (DriverKind.secondary, DriverKind.secondary),
            (DriverKind.secondary, DriverKind.change_idea),
            (DriverKind.change_idea, DriverKind.change_idea),
        ],
    )
    def test_a_parent_must_be_a_level_above(
        self, db: Session, kind: DriverKind, parent_kind: DriverKind
    ) -> None:
        project = create_project(db)
        top = create_driver(db, project)
        parent = top
        if parent_kind != DriverKind.primary:
            middle = create_driver(db, project, kind=DriverKind.secondary, parents=[top])
            parent = (
                middle
                if parent_kind == DriverKind.secondary
                else create_driver(db, project, kind=DriverKind.change_idea, parents=[middle])
            )
        with pytest.raises(InvalidInput) as caught:
            create_driver(db, project, kind=kind, parents=[parent])
        assert caught.value.errors[0]["field"] == "parent_ids"

    def test_a_secondary_driver_needs_a_parent(self, db: Session) -> None:
        with pytest.raises(InvalidInput):
            create_driver(db, create_project(db), kind=DriverKind.secondary)

    def test_a_parent_from_another_project_is_refused(self, db: Session) -> None:
        other = create_driver(db, create_project(db))
        with pytest.raises(InvalidInput):
            create_driver(db, create_project(db), kind=DriverKind.secondary, parents=[other])

    def test_a_change_idea_can_point_to_a_submitted_idea(self, db: Session) -> None:
        idea = create_idea(db, title="Text reminders")
        project = create_project(db)
        top = create_driver(db, project)
        change = create_driver(db, project, kind=DriverKind.change_idea, parents=[top], idea=idea)
        assert change.idea_id == idea.id

    def test_only_a_node_with_nothing_below_it_can_be_removed(self, db: Session) -> None:
        project = create_project(db)
        top = create_driver(db, project)
        change = create_driver(db, project, kind=DriverKind.change_idea, parents=[top])
        with pytest.raises(Conflict):
            drivers.remove(db, project=project, node=top)
        create_cycle(db, project, change_idea=change)
        with pytest.raises(Conflict):
            drivers.remove(db, project=project, node=change)


class TestPDSA:
    def test_cycles_are_numbered_in_ramps(self, db: Session) -> None:
        project = create_project(db)
        top = create_driver(db, project)
        a = create_driver(db, project, kind=DriverKind.change_idea, parents=[top])
        b = create_driver(db, project, kind=DriverKind.change_idea, parents=[top])
        cycles = [
            create_cycle(db, project, change_idea=a),
            create_cycle(db, project, change_idea=a),
            create_cycle(db, project, change_idea=b),
            create_cycle(db, project),
        ]
        assert [c.number for c in cycles] == [1, 2, 1, 1]
        labels = pdsa.labels(cycles)
        assert [labels[c.id or 0] for c in cycles] == [
            "PDSA 1.1",
            "PDSA 1.2",
            "PDSA 2.1",
            "PDSA 3.1",
        ]

    def test_with_one_ramp_a_cycle_is_just_numbered(self, db: Session) -> None:
        project = create_project(db)
        cycles = [create_cycle(db, project), create_cycle(db, project)]
        assert [pdsa.labels(cycles)[c.id or 0] for c in cycles] == ["PDSA 1", "PDSA 2"]

    def test_a_cycle_goes_plan_do_study_act_and_records_its_dates(self, db: Session) -> None:
        project = create_project(db)
        cycle = create_cycle(db, project, started=date(2026, 3, 2), decision=PDSADecision.adapt)
        assert cycle.status == PDSAStatus.done
        assert cycle.started_on == date(2026, 3, 2)
        assert cycle.finished_on == date.today()
        moves = [
            e.to_status
            for e in timeline(db, SubjectKind.project, project.id or 0)
            if e.kind == "pdsa"
        ]
        assert moves == ["doing", "studying", "acting", "done"]

    def test_finishing_needs_the_decision(self, db: Session) -> None:
        project = create_project(db)
        cycle = create_cycle(db, project, started=date(2026, 3, 2))
        for _stage in range(2):
            pdsa.advance(db, project=project, cycle=cycle, actor=lead(db), label="PDSA 1")
        with pytest.raises(InvalidInput) as caught:
            pdsa.advance(db, project=project, cycle=cycle, actor=lead(db), label="PDSA 1")
        assert caught.value.errors[0]["field"] == "decision"

    def test_a_finished_cycle_cannot_move_on(self, db: Session) -> None:
        project = create_project(db)
        cycle = create_cycle(db, project, started=date(2026, 3, 2), decision=PDSADecision.abandon)
        with pytest.raises(Conflict):
            pdsa.advance(db, project=project, cycle=cycle, actor=lead(db), label="PDSA 1")

    def test_adopting_writes_on_the_ideas_timelines_and_tells_their_followers(
        self, db: Session
    ) -> None:
        follower = create_user(db)
        linked = create_idea(db, status=IdeaStatus.accepted)
        pointed = create_idea(db)
        create_follow(db, idea=linked, user=follower)
        project = create_project(db, title="Calmer evenings", ideas=[linked])
        top = create_driver(db, project)
        change = create_driver(
            db, project, kind=DriverKind.change_idea, parents=[top], idea=pointed
        )
        create_cycle(
            db,
            project,
            title="Quiet room every evening",
            change_idea=change,
            started=date(2026, 3, 2),
            decision=PDSADecision.adopt,
        )
        for idea in (linked, pointed):
            adopted = [
                e for e in timeline(db, SubjectKind.idea, idea.id or 0) if e.kind == "pdsa_adopted"
            ]
            assert len(adopted) == 1
            assert adopted[0].note == (
                "PDSA 1 of the improvement project \u201cCalmer evenings\u201d adopted the change: "
                "Quiet room every evening."
            )
        assert ("pdsa_adopted", "idea", linked.id) in notifications(db, follower.id or 0)

    @pytest.mark.parametrize("decision", [PDSADecision.adapt, PDSADecision.abandon])
    def test_adapting_or_abandoning_tells_no_idea(
        self, db: Session, decision: PDSADecision
    ) -> None:
        idea = create_idea(db, status=IdeaStatus.accepted)
        project = create_project(db, ideas=[idea])
        create_cycle(db, project, started=date(2026, 3, 2), decision=decision)
        kinds = {e.kind for e in timeline(db, SubjectKind.idea, idea.id or 0)}
        assert "pdsa_adopted" not in kinds

    def test_a_proposed_project_announces_nothing_in_public(self, db: Session) -> None:
        idea = create_idea(db, status=IdeaStatus.accepted)
        project = create_project(db, status=ProjectStatus.proposed, ideas=[idea])
        create_cycle(
            db, project, started=date.today() - timedelta(days=7), decision=PDSADecision.adopt
        )
        assert "pdsa_adopted" not in {e.kind for e in timeline(db, SubjectKind.idea, idea.id or 0)}

    def test_a_change_idea_from_another_project_is_refused(self, db: Session) -> None:
        other = create_project(db)
        change = create_driver(
            db, other, kind=DriverKind.change_idea, parents=[create_driver(db, other)]
        )
        with pytest.raises(InvalidInput) as caught:
            pdsa.create(
                db, project=create_project(db), title="x", actor=lead(db), change_idea_id=change.id
            )
        assert caught.value.errors[0]["field"] == "change_idea_id"


def test_subject_of_a_project_is_kind_project(db: Session) -> None:
    project = create_project(db)
    assert Subject.of(project) == Subject(SubjectKind.project, project.id or 0)
