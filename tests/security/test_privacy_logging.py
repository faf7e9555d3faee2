"""Nothing secret or personal reaches the logs or the audit table: no password, token,
session id, reset link, email address or free text, whatever path a request takes. The access
log names who was signed in by account number only."""

import json
import logging
import re
import secrets

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import col, select

from app.models import OutboxEmail, User
from tests.security.helpers import audit_events, fetch, page, session_cookie

EMAIL = "private.person@example.org"
FIRST_PASSWORD = "lantern orchard pebble 41"
WRONG_PASSWORD = "kettle heron umbrella 77"
SECOND_PASSWORD = "copper windswept marmalade 9"
RESET_PASSWORD = "seventeen sleepy lighthouses"
FREE_TEXT = "MY-SECRET-HEALTH-DETAIL-123"
QUERY_TEXT = "MY-PRIVATE-SEARCH-456"

#: The test's own HTTP client logs full URLs; that is the browser's side, not the server's.
CLIENT_SIDE_LOGGERS = ("httpx", "httpcore")


def record_text(record: logging.LogRecord) -> str:
    parts = [str(record.msg), repr(record.args), record.getMessage(), record.exc_text or ""]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


class TestNothingSecretIsRecorded:
    def test_a_whole_journey(
        self, client: TestClient, engine: Engine, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        caplog.set_level(logging.DEBUG, logger="fullcircle.access")
        secret_values = [
            FIRST_PASSWORD,
            WRONG_PASSWORD,
            SECOND_PASSWORD,
            RESET_PASSWORD,
            FREE_TEXT,
            QUERY_TEXT,
        ]

        def keep_cookie() -> None:
            value = session_cookie(client)
            assert value
            secret_values.append(value)

        response = client.post(
            "/register",
            data={
                "email": EMAIL,
                "display_name": "Robin",
                "password": FIRST_PASSWORD,
                "identity": "service_user",
            },
            follow_redirects=False,
        )
        assert response.status_code == 200
        (confirmation,) = fetch(engine, select(OutboxEmail.body_text))
        found = re.search(r"/confirm-email/(\S+)", confirmation)
        assert found
        secret_values.append(found.group(1))
        assert client.get(f"/confirm-email/{found.group(1)}").status_code == 200
        response = client.post(f"/confirm-email/{found.group(1)}", follow_redirects=False)
        assert response.status_code == 303

        login = {"email": EMAIL, "password": WRONG_PASSWORD}
        assert client.post("/login", data=login).status_code == 422
        login["password"] = FIRST_PASSWORD
        assert client.post("/login", data=login, follow_redirects=False).status_code == 303
        keep_cookie()

        response = client.post(
            "/account/password",
            data={"current_password": FIRST_PASSWORD, "new_password": SECOND_PASSWORD},
            follow_redirects=False,
        )
        assert response.status_code == 303

        response = client.post("/account/tokens", data={"name": "ward dashboard"})
        api_token = page(response).find(id="new-token").get_text(strip=True)
        assert api_token.startswith("fc_")
        secret_values.append(api_token)
        me = client.get("/api/v1/me", headers={"authorization": f"Bearer {api_token}"})
        assert me.status_code == 200

        client.post("/logout")
        assert client.post("/password-reset", data={"email": EMAIL}).status_code == 200
        body = fetch(engine, select(OutboxEmail.body_text).order_by(col(OutboxEmail.id).desc()))[0]
        match = re.search(r"/password-reset/(\S+)", body)
        assert match
        reset_token = match.group(1)
        secret_values.append(reset_token)
        assert client.get(f"/password-reset/{reset_token}").status_code == 200
        response = client.post(
            f"/password-reset/{reset_token}",
            data={"new_password": RESET_PASSWORD},
            follow_redirects=False,
        )
        assert response.status_code == 303

        login["password"] = RESET_PASSWORD
        assert client.post("/login", data=login, follow_redirects=False).status_code == 303
        keep_cookie()
        response = client.post(
            "/account/profile",
            data={"display_name": FREE_TEXT, "identity": "carer"},
            follow_redirects=False,
        )
        assert response.status_code == 303

        token_like = "fc_" + secrets.token_urlsafe(32)
        secret_values.append(token_like)
        assert client.get(f"/files/{token_like}").status_code == 404
        assert client.get(f"/password-reset/{token_like}").status_code == 404
        assert client.get(f"/api/v1/{token_like}").status_code == 404
        assert client.post(f"/account/tokens/{token_like}/revoke").status_code == 404
        assert client.get("/", params={"q": QUERY_TEXT}).status_code == 200
        assert client.get("/account", params={"search": QUERY_TEXT}).status_code == 200

        server_records = [r for r in caplog.records if not r.name.startswith(CLIENT_SIDE_LOGGERS)]
        access = [r.getMessage() for r in server_records if r.name == "fullcircle.access"]
        # The capture works: the access log saw the journey, by route template.
        assert "GET /password-reset/{token} 200" in " ".join(access)
        assert any(m.startswith("GET (unmatched) 404") for m in access)
        for record in server_records:
            text = record_text(record)
            for value in secret_values:
                assert value not in text, f"{record.name} logged a secret: {text[:200]}"
            assert EMAIL not in text, f"{record.name} logged an email address: {text[:200]}"
        # Each line names who was signed in by account number, and the client address.
        (user_id,) = fetch(engine, select(User.id).where(col(User.email) == EMAIL))
        assert all(m.endswith(" ip=testclient") for m in access)
        assert any(m.startswith("GET /account 200") and f" user={user_id} " in m for m in access)
        assert any(m.startswith("POST /register 200") and " user=- " in m for m in access)

        audit_json = json.dumps(
            [
                {"event": e.event, "details": e.details, "ip": e.ip_address}
                for e in audit_events(engine)
            ]
        )
        assert "signin.failed" in audit_json
        for value in secret_values:
            assert value not in audit_json
        assert EMAIL not in audit_json
