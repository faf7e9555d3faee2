"""Fixtures of the safeguarding tests: the contacts' addresses and a safeguarding lead."""

import pytest
from sqlmodel import Session

from app.config import get_settings
from app.models import Role, User
from tests.factories import create_user
from tests.safeguarding.helpers import BACKUP, CONTACT


@pytest.fixture
def contacts(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "safeguarding_emails", [CONTACT])
    monkeypatch.setattr(settings, "safeguarding_backup_emails", [BACKUP])


@pytest.fixture
def lead(db: Session) -> User:
    return create_user(db, roles={Role.safeguarding_lead, Role.staff})
