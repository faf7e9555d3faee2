"""The app starts, migrates and serves its public pages."""

from fastapi.testclient import TestClient


class TestPublicPages:
    def test_home_help_and_policies_render(self, client: TestClient) -> None:
        for path in ("/", "/help", "/privacy", "/accessibility", "/terms", "/login", "/register"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert "Need help now?" in response.text, path

    def test_health_and_readiness(self, client: TestClient) -> None:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json() == {"status": "ok"}
