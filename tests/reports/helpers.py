"""A small known world for the report tests, built straight into the tables (the services'
own tests cover how ideas get there), so every figure can be counted by hand."""

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.models import (
    Contributor,
    DemographicAnswer,
    Idea,
    IdeaStatus,
    Identity,
    Project,
    ProjectContribution,
    ProjectMember,
    Recognition,
    TimelineEvent,
    Unit,
    UnitKind,
    UnitPopulation,
    User,
    Visibility,
    Vote,
)
from app.units import service as units
from tests.factories import create_unit, create_user

_seq = itertools.count(1)

#: Monday 2 March 2026, 10:00 UTC: the day every idea of the world is sent. Its first
#: response is due ten working days later, on Monday 16 March.
SENT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
FIRST, LAST = date(2026, 1, 1), date(2026, 6, 30)
QUERY = {"from": FIRST.isoformat(), "to": LAST.isoformat()}


def add_idea(
    db: Session,
    *,
    unit: Unit,
    status: IdeaStatus = IdeaStatus.submitted,
    submitted_as: Identity = Identity.service_user,
    sent: datetime = SENT,
    responded_after_days: float | None = None,
    response_event: bool = False,
    author: User | None = None,
    contributor_id: str | None = None,
    visibility: Visibility = Visibility.published,
) -> Idea:
    n = next(_seq)
    assert unit.id is not None
    idea = Idea(
        title=f"Report idea {n}",
        description="A description.",
        unit_id=unit.id,
        category_id=1,
        submitted_as=submitted_as,
        status=status,
        visibility=visibility,
        form_token=f"report-form-{n}",
        receipt_hash=f"report-receipt-{n}",
        author_id=author.id if author else None,
        contributor_id=contributor_id,
        created_at=sent,
        updated_at=sent,
        first_response_at=(
            sent + timedelta(days=responded_after_days)
            if responded_after_days is not None
            else None
        ),
    )
    db.add(idea)
    db.flush()
    if response_event:
        assert idea.first_response_at is not None
        assert idea.id is not None
        db.add(
            TimelineEvent(
                subject_id=idea.id, at=idea.first_response_at, kind="response", actor_role="staff"
            )
        )
    db.commit()
    return idea


def answer(db: Session, *, user: User | None = None, **answers: Any) -> str:
    """A contributor (the user's, or a new anonymous one) with these answers; its id."""
    contributor = Contributor(id=f"c{next(_seq):031d}", user_id=user.id if user else None)
    db.add(contributor)
    db.flush()
    db.add(DemographicAnswer(contributor_id=contributor.id, **answers))
    db.commit()
    return contributor.id


@dataclass(frozen=True)
class World:
    root: Unit
    north: Unit
    north_ward: Unit
    south: Unit
    white_user: User
    carer_voter: User


def build_world(db: Session) -> World:
    """The hand-counted world (see tests/reports/test_reports.py for every count)."""
    root = units.root(db)
    north = create_unit(db, name="North", kind=UnitKind.directorate)
    north_ward = create_unit(db, name="North Ward", parent=north)
    south = create_unit(db, name="South")
    # North Ward: 12 ideas from service users; the first ten from ten anonymous people who
    # said they are Indian and 25 to 34.
    north_ideas = (
        [(IdeaStatus.done, 2.0)] * 4
        + [(IdeaStatus.in_progress, 5.0)] * 3
        + [(IdeaStatus.accepted, 20.0)] * 2
        + [(IdeaStatus.not_taken_forward, 1.0)]
    )
    for status, days in north_ideas:
        add_idea(
            db,
            unit=north_ward,
            status=status,
            responded_after_days=days,
            contributor_id=answer(db, ethnicity="indian", age_band="25_34"),
        )
    add_idea(
        db,
        unit=north_ward,
        status=IdeaStatus.under_review,
        responded_after_days=3.0,
        response_event=True,
    )
    add_idea(db, unit=north_ward)
    # South: 11 ideas from carers; three from one signed-in person who said White British.
    white_user = create_user(db, identity=Identity.carer)
    answer(db, user=white_user, ethnicity="white_british", age_band="45_54")
    add_idea(
        db,
        unit=south,
        status=IdeaStatus.done,
        submitted_as=Identity.carer,
        responded_after_days=4.0,
        author=white_user,
    )
    for _ in range(2):
        add_idea(db, unit=south, submitted_as=Identity.carer, author=white_user)
    for _ in range(8):
        add_idea(db, unit=south, submitted_as=Identity.carer)
    # Never counted: hidden, and sent before the period.
    add_idea(db, unit=south, submitted_as=Identity.carer, visibility=Visibility.hidden)
    add_idea(db, unit=south, submitted_as=Identity.carer, sent=SENT - timedelta(days=120))
    # Two votes from a carer, on North Ward ideas, in the period.
    carer_voter = create_user(db, identity=Identity.carer)
    first_two = db.exec(
        select(Idea).where(col(Idea.unit_id) == north_ward.id).order_by(col(Idea.id)).limit(2)
    )
    for idea in first_two.all():
        assert idea.id is not None
        assert carer_voter.id is not None
        db.add(Vote(idea_id=idea.id, user_id=carer_voter.id, created_at=SENT))
    # The population the trust serves.
    assert root.id is not None
    for group, people in (
        ("asian", 1000),
        ("black", 500),
        ("mixed", 200),
        ("white", 8000),
        ("other", 300),
    ):
        db.add(UnitPopulation(unit_id=root.id, ethnic_group=group, people=people))  # type: ignore[arg-type]
    # One project in North Ward with a Big I service-user partner and two contributions.
    assert north_ward.id is not None
    project = Project(
        title="Calmer evenings",
        aim="Fewer incidents",
        unit_id=north_ward.id,
        status="active",  # type: ignore[arg-type]
        rung_defining="co_production",  # type: ignore[arg-type]
        rung_designing="co_design",  # type: ignore[arg-type]
        created_at=SENT,
        updated_at=SENT,
    )
    db.add(project)
    db.flush()
    assert project.id is not None
    member = ProjectMember(project_id=project.id, name="Sam", role="service_user_partner")  # type: ignore[arg-type]
    db.add(member)
    db.flush()
    assert member.id is not None
    db.add(
        ProjectContribution(
            project_id=project.id,
            member_id=member.id,
            on_date=date(2026, 3, 10),
            hours=3.0,
            recognition=Recognition.voucher,
        )
    )
    db.add(
        ProjectContribution(
            project_id=project.id,
            member_id=member.id,
            on_date=date(2026, 3, 11),
            hours=4.5,
            recognition=Recognition.payment,
            benefits_advice_offered=True,
        )
    )
    db.commit()
    return World(root, north, north_ward, south, white_user, carer_voter)
