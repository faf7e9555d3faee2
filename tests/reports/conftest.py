"""Fixtures of the report tests: the hand-counted world and who reads it."""

import pytest
from sqlmodel import Session

from app.accounts.principal import Principal
from app.models import Role
from tests.factories import create_user
from tests.ideas.factories import principal_for
from tests.reports.helpers import World, build_world


@pytest.fixture
def world(db: Session) -> World:
    return build_world(db)


@pytest.fixture
def lead(db: Session) -> Principal:
    return principal_for(db, create_user(db, roles={Role.improvement_lead}))
