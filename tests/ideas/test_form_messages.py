"""The idea form names the real problem first; the anti-spam timer never hides it."""

from fastapi.testclient import TestClient

from tests.helpers import error_summary, idea_form, started_ago


class TestFormMessages:
    def test_a_missing_title_is_named_even_when_sent_too_fast(self, client: TestClient) -> None:
        data = idea_form(client, title="")
        data |= started_ago(0, data["form_token"])
        response = client.post("/ideas", data=data)
        assert response.status_code == 422
        assert error_summary(response) == ["Enter a short title for your idea"]

    def test_too_fast_alone_asks_to_check_and_send_again(self, client: TestClient) -> None:
        data = idea_form(client)
        response = client.post("/ideas", data=data | started_ago(0, data["form_token"]))
        assert response.status_code == 422
        assert error_summary(response) == ["Please check your idea, then send it again."]

    def test_an_empty_description_uses_plain_words(self, client: TestClient) -> None:
        response = client.post("/ideas", data=idea_form(client, description=""))
        assert error_summary(response) == ["Enter a description of your idea"]
