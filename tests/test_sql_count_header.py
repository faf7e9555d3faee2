"""Benchmarks read each request's SQL statement count from a header that is off by default."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import get_settings
from app.main import create_app


class TestSqlCountHeader:
    def test_off_by_default(self, client: TestClient) -> None:
        assert "x-sql-statements" not in client.get("/ideas").headers

    def test_counts_statements_when_enabled(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "expose_sql_count", True)
        with TestClient(create_app()) as client:
            board = int(client.get("/ideas").headers["x-sql-statements"])
            health = int(client.get("/healthz").headers["x-sql-statements"])
        assert board >= 1
        assert health == 0
