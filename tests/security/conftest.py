"""Fixtures for running the app with production settings."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings, get_settings
from app.main import create_app


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> Iterator[Settings]:
    """Settings as a live deployment reads them (every module calls get_settings())."""
    monkeypatch.setenv("FULLCIRCLE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.is_production
    yield settings
    get_settings.cache_clear()


@pytest.fixture
def production_client(production: Settings) -> Iterator[TestClient]:
    # Production cookies are Secure, so the browser must be talking HTTPS.
    with TestClient(create_app(), base_url="https://testserver") as c:
        yield c
