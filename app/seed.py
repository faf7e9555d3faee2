"""Demo and bulk data. ``demo()`` builds a realistic fictional trust; ``bulk()`` makes volume."""

import random

from sqlalchemy import func
from sqlmodel import Session, select

from app.accounts import passwords
from app.db import session_scope
from app.models import Identity, Role, Unit, UnitKind, User, UserRole, UserUnit
from app.units import service as units

DEMO_PASSWORD = "purple kite harbour lantern"

#: (directorate, [(service, [teams and wards])])
DEMO_UNITS: list[tuple[str, list[tuple[str, list[str]]]]] = [
    (
        "Adult Community Mental Health",
        [
            ("Community Mental Health Team North", ["Riverside CMHT"]),
            ("Early Intervention in Psychosis", []),
        ],
    ),
    (
        "Inpatient and Acute Care",
        [
            ("Acute Adult Wards", ["Willow Ward", "Cedar Ward"]),
        ],
    ),
    (
        "Children and Young People",
        [
            ("CAMHS Community", []),
        ],
    ),
]

DEMO_PEOPLE: list[tuple[str, str, Identity, set[Role]]] = [
    ("admin@example.org", "Sam Admin", Identity.staff, {Role.admin, Role.staff}),
    ("moderator@example.org", "Priya Moderator", Identity.staff, {Role.moderator, Role.staff}),
    (
        "safeguarding@example.org",
        "Tom Safeguarding",
        Identity.staff,
        {Role.safeguarding_lead, Role.staff},
    ),
    (
        "improvement@example.org",
        "Grace Improvement",
        Identity.staff,
        {Role.improvement_lead, Role.staff},
    ),
    ("staff@example.org", "Ade Nurse", Identity.staff, {Role.staff}),
    ("serviceuser@example.org", "Jo", Identity.service_user, {Role.service_user}),
    ("carer@example.org", "Chris", Identity.carer, {Role.carer}),
]

FIRST_NAMES = [
    "Alex",
    "Bea",
    "Cal",
    "Dani",
    "Eli",
    "Fran",
    "Gus",
    "Hana",
    "Isa",
    "Jay",
    "Kit",
    "Lou",
    "Mo",
    "Nia",
    "Oli",
    "Pat",
    "Quin",
    "Ravi",
    "Sol",
    "Tia",
    "Uma",
    "Vic",
    "Wren",
]


def _has_people(db: Session) -> bool:
    return bool(db.scalar(select(func.count()).select_from(User)))


def demo() -> str:
    """Seed the demo trust once; a second run changes nothing."""
    with session_scope() as db:
        if _has_people(db):
            return "Demo data already present: nothing to do."
        rng = random.Random(2026)
        root = units.root(db)
        assert root.id is not None
        leaf_ids: list[int] = []
        for directorate, services in DEMO_UNITS:
            d = units.create(
                db, name=directorate, kind=UnitKind.directorate, parent_id=root.id, actor_id=None
            )
            assert d.id is not None
            for service, teams in services:
                s = units.create(
                    db, name=service, kind=UnitKind.service, parent_id=d.id, actor_id=None
                )
                assert s.id is not None
                leaf_ids.append(s.id)
                for team in teams:
                    t = units.create(
                        db, name=team, kind=UnitKind.team, parent_id=s.id, actor_id=None
                    )
                    assert t.id is not None
                    leaf_ids.append(t.id)
        # One hash for every demo account: argon2 is deliberately slow.
        password_hash = passwords.hash_password(DEMO_PASSWORD)
        people = list(DEMO_PEOPLE)
        for i, first in enumerate(FIRST_NAMES):
            identity = [Identity.service_user, Identity.carer, Identity.staff, Identity.other][
                i % 4
            ]
            roles = (
                {Role(identity.value)}
                if identity in (Identity.service_user, Identity.carer)
                else ({Role.staff} if identity is Identity.staff else set())
            )
            people.append((f"{first.lower()}{i}@example.org", first, identity, roles))
        for email, name, identity, roles in people:
            user = User(
                email=email, display_name=name, identity=identity, password_hash=password_hash
            )
            db.add(user)
            db.flush()
            assert user.id is not None
            for role in roles:
                db.add(UserRole(user_id=user.id, role=role))
            if identity is Identity.staff:
                db.add(UserUnit(user_id=user.id, unit_id=rng.choice(leaf_ids)))
        unit_count = db.scalar(select(func.count()).select_from(Unit))
    return (
        f"Seeded {unit_count} units and {len(people)} people.\n"
        f"Sign in at http://127.0.0.1:8000/login as admin@example.org "
        f"(or moderator@, improvement@, safeguarding@, staff@, serviceuser@, carer@example.org)\n"
        f"with the password: {DEMO_PASSWORD}"
    )


def bulk(*, ideas: int, votes: int, comments: int) -> str:
    raise NotImplementedError("bulk seeding arrives with the ideas domain")
