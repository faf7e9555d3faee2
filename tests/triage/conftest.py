"""Fixtures of the triage tests: a small unit tree and staff who work in it."""

import pytest
from sqlmodel import Session

from app.models import Role, UnitKind
from tests.factories import create_unit, create_user
from tests.triage.helpers import People, Place, member


@pytest.fixture
def place(db: Session) -> Place:
    directorate = create_unit(db, name="Adult mental health", kind=UnitKind.directorate)
    willow = create_unit(db, name="Willow Ward", parent=directorate)
    cedar = create_unit(db, name="Cedar Ward")
    return Place(directorate, willow, cedar)


@pytest.fixture
def people(db: Session, place: Place) -> People:
    return People(
        willow_staff=member(
            db, create_user(db, roles={Role.staff}, display_name="Wendy Willow"), place.willow
        ),
        directorate_staff=member(
            db, create_user(db, roles={Role.staff}, display_name="Dev Director"), place.directorate
        ),
        cedar_staff=member(
            db, create_user(db, roles={Role.staff}, display_name="Cass Cedar"), place.cedar
        ),
        moderator=create_user(db, roles={Role.moderator}, display_name="Mo Moderator"),
        admin=create_user(db, roles={Role.admin}, display_name="Ada Admin"),
        service_user=create_user(db, roles={Role.service_user}),
        carer=create_user(db, roles={Role.carer}),
    )
