"""The JSON API for ideas, votes and comments (/api/v1/ideas...)."""

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from app.accounts import service as accounts
from app.config import get_settings
from app.ideas import repository as repo
from app.models import (
    Comment,
    Idea,
    IdeaStatus,
    Identity,
    Role,
    UnitKind,
    User,
    Visibility,
    Vote,
    utcnow,
)
from app.units import service as units
from tests.factories import create_unit, create_user, sign_in
from tests.ideas.factories import create_idea, create_vote, set_counts

IDEAS = "/api/v1/ideas"
IDEA_FIELDS = {
    "id",
    "title",
    "description",
    "status",
    "unit",
    "category",
    "submitted_as",
    "submitted_by_staff",
    "vote_count",
    "comment_count",
    "voted_by_me",
    "created_at",
    "updated_at",
}


# --- helpers ----------------------------------------------------------------------------------


def auth(db: Session, user: User) -> dict[str, str]:
    _row, secret = accounts.create_api_token(db, user=user, name="tests")
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


def person(db: Session, **overrides: Any) -> tuple[User, dict[str, str]]:
    user = create_user(db, **overrides)
    return user, auth(db, user)


def with_counts(idea: Idea, db: Session, *, votes: int = 0, comments: int = 0) -> Idea:
    set_counts(db, idea, votes=votes, comments=comments)
    db.refresh(idea)
    return idea


def hide(db: Session, idea: Idea, visibility: Visibility = Visibility.hidden) -> Idea:
    idea.visibility = visibility
    db.commit()
    return idea


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


def error_fields(body: dict[str, Any]) -> set[str]:
    """The input fields a 422 complains about, whichever layer found the problem."""
    # A validation error's loc is (where, field, ...): "body", "query" or "path" first.
    return {e.get("field") or e["loc"][1] for e in body["errors"]}


def ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text[:500]
    return [item["id"] for item in response.json()["items"]]


# --- POST /api/v1/ideas ------------------------------------------------------------------------


class TestCreateIdea:
    def test_defaults_to_the_organisation_other_and_the_accounts_identity(
        self, client: TestClient, db: Session
    ) -> None:
        user, headers = person(db, identity=Identity.carer)
        response = client.post(
            IDEAS,
            json={"title": "  Quiet room  ", "description": "A room to calm down in."},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert set(body) == IDEA_FIELDS
        assert body["title"] == "Quiet room"
        assert body["unit"] == units.root(db).name
        assert body["category"] == "other"
        assert body["submitted_as"] == "carer"
        assert body["status"] == "submitted"
        assert (body["vote_count"], body["comment_count"], body["voted_by_me"]) == (0, 0, False)
        stored = db.get(Idea, body["id"])
        assert stored is not None
        assert stored.author_id == user.id

    def test_takes_a_unit_by_slug_or_id_a_category_and_who_is_asking(
        self, client: TestClient, db: Session
    ) -> None:
        _user, headers = person(db)
        ward = create_unit(db, name="Maple Ward")
        by_slug = client.post(
            IDEAS,
            json={
                "title": "Fresh fruit",
                "description": "Fruit at breakfast.",
                "unit": ward.slug,
                "category": "food",
                "submitted_as": "staff",
                "benefit": "Healthier mornings",
            },
            headers=headers,
        )
        assert by_slug.status_code == 201, by_slug.text
        assert (by_slug.json()["unit"], by_slug.json()["category"]) == ("Maple Ward", "food")
        assert by_slug.json()["submitted_as"] == "staff"
        # Saying so is not being so: only a staff role an admin gave makes it "by staff".
        assert by_slug.json()["submitted_by_staff"] is False
        by_id = client.post(
            IDEAS, json={"title": "T", "description": "D", "unit": ward.id}, headers=headers
        )
        assert by_id.status_code == 201, by_id.text
        assert by_id.json()["unit"] == "Maple Ward"

    def test_a_session_cookie_is_credentials_too(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db))
        response = client.post(IDEAS, json={"title": "T", "description": "D"})
        assert response.status_code == 201, response.text

    def test_a_missing_title_is_a_422_problem(self, client: TestClient, db: Session) -> None:
        _user, headers = person(db)
        response = client.post(IDEAS, json={"description": "D"}, headers=headers)
        body = assert_problem(response, 422)
        assert error_fields(body) == {"title"}

    def test_a_title_of_121_characters_is_too_long(self, client: TestClient, db: Session) -> None:
        _user, headers = person(db)
        title = "x" * 121
        response = client.post(IDEAS, json={"title": title, "description": "D"}, headers=headers)
        body = assert_problem(response, 422)
        assert error_fields(body) == {"title"}
        assert title not in response.text

    def test_a_title_of_only_spaces_is_missing(self, client: TestClient, db: Session) -> None:
        _user, headers = person(db)
        response = client.post(IDEAS, json={"title": "   ", "description": "D"}, headers=headers)
        assert error_fields(assert_problem(response, 422)) == {"title"}

    @pytest.mark.parametrize("category", ["no-such-category", "Not A Slug"])
    def test_an_unknown_category_is_a_422_problem(
        self, client: TestClient, db: Session, category: str
    ) -> None:
        _user, headers = person(db)
        response = client.post(
            IDEAS, json={"title": "T", "description": "D", "category": category}, headers=headers
        )
        assert error_fields(assert_problem(response, 422)) == {"category"}

    @pytest.mark.parametrize("unit", ["no-such-unit", 999_999, 2**40])
    def test_an_unknown_unit_is_a_422_problem(
        self, client: TestClient, db: Session, unit: object
    ) -> None:
        _user, headers = person(db)
        response = client.post(
            IDEAS, json={"title": "T", "description": "D", "unit": unit}, headers=headers
        )
        assert "unit" in error_fields(assert_problem(response, 422))

    def test_json_that_does_not_parse_is_a_422_problem_without_the_input(
        self, client: TestClient, db: Session
    ) -> None:
        _user, headers = person(db)
        response = client.post(
            IDEAS,
            content=b'{"title": "my diagnosis is',
            headers={**headers, "Content-Type": "application/json"},
        )
        body = assert_problem(response, 422)
        assert body["errors"][0]["type"] == "json_invalid"
        assert "diagnosis" not in response.text

    def test_without_credentials_is_401(self, client: TestClient) -> None:
        response = client.post(IDEAS, json={"title": "T", "description": "D"})
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"] == "Bearer"

    def test_a_bad_token_is_401(self, client: TestClient) -> None:
        response = client.post(
            IDEAS,
            json={"title": "T", "description": "D"},
            headers={"Authorization": "Bearer fc_not-a-real-token"},
        )
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"] == "Bearer"

    def test_a_repeat_with_the_same_idempotency_key_returns_the_same_idea_with_200(
        self, client: TestClient, db: Session
    ) -> None:
        _user, headers = person(db)
        headers["Idempotency-Key"] = "retry-me-1"
        idea = {"title": "Later breakfast", "description": "Breakfast until ten."}
        first = client.post(IDEAS, json=idea, headers=headers)
        again = client.post(IDEAS, json=idea, headers=headers)
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json() == again.json()
        assert len(db.scalars(select(Idea)).all()) == 1

    def test_an_idempotency_key_reused_for_another_idea_is_422(
        self, client: TestClient, db: Session
    ) -> None:
        _user, headers = person(db)
        headers["Idempotency-Key"] = "k"
        assert client.post(IDEAS, json={"title": "A", "description": "D"}, headers=headers)
        response = client.post(IDEAS, json={"title": "B", "description": "D"}, headers=headers)
        assert error_fields(assert_problem(response, 422)) == {"Idempotency-Key"}

    def test_the_same_idempotency_key_from_two_people_makes_two_ideas(
        self, client: TestClient, db: Session
    ) -> None:
        idea = {"title": "A", "description": "D"}
        for _ in range(2):
            _user, headers = person(db)
            response = client.post(IDEAS, json=idea, headers={**headers, "Idempotency-Key": "k"})
            assert response.status_code == 201

    def test_past_the_daily_limit_is_429_with_retry_after(
        self, client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "ideas_per_user_per_day", 2)
        _user, headers = person(db)
        for _ in range(2):
            response = client.post(IDEAS, json={"title": "T", "description": "D"}, headers=headers)
            assert response.status_code == 201
        response = client.post(IDEAS, json={"title": "T", "description": "D"}, headers=headers)
        assert_problem(response, 429)
        assert int(response.headers["Retry-After"]) > 0


# --- GET /api/v1/ideas -------------------------------------------------------------------------


class TestListIdeas:
    def test_is_public_and_shows_only_published_ideas(
        self, client: TestClient, db: Session
    ) -> None:
        shown = create_idea(db)
        hide(db, create_idea(db))
        response = client.get(IDEAS)
        assert ids(response) == [shown.id]
        assert set(response.json()["items"][0]) == IDEA_FIELDS
        assert response.json()["next_cursor"] is None

    def test_a_bad_token_is_401_even_on_a_public_list(self, client: TestClient) -> None:
        response = client.get(IDEAS, headers={"Authorization": "Bearer nope"})
        assert_problem(response, 401)

    def test_top_sorts_by_votes_then_newest(self, client: TestClient, db: Session) -> None:
        one = with_counts(create_idea(db), db, votes=1)
        three = with_counts(create_idea(db), db, votes=3)
        other_one = with_counts(create_idea(db), db, votes=1)
        assert ids(client.get(IDEAS, params={"sort": "top"})) == [
            three.id,
            other_one.id,
            one.id,
        ]

    def test_new_sorts_newest_first(self, client: TestClient, db: Session) -> None:
        first, second = with_counts(create_idea(db), db, votes=5), create_idea(db)
        assert ids(client.get(IDEAS, params={"sort": "new"})) == [second.id, first.id]

    def test_discussed_sorts_by_comments(self, client: TestClient, db: Session) -> None:
        quiet = with_counts(create_idea(db), db, comments=1)
        busy = with_counts(create_idea(db), db, comments=4)
        assert ids(client.get(IDEAS, params={"sort": "discussed"})) == [busy.id, quiet.id]

    def test_trending_counts_only_recent_votes(self, client: TestClient, db: Session) -> None:
        old_favourite, rising = create_idea(db), create_idea(db)
        voters = [create_user(db) for _ in range(3)]
        long_ago = utcnow() - timedelta(days=30)
        for voter in voters:
            create_vote(db, idea=old_favourite, user=voter, created_at=long_ago)
        create_vote(db, idea=rising, user=voters[0])
        assert ids(client.get(IDEAS, params={"sort": "top"})) == [old_favourite.id, rising.id]
        assert ids(client.get(IDEAS, params={"sort": "trending"})) == [rising.id, old_favourite.id]

    def test_filters_by_status(self, client: TestClient, db: Session) -> None:
        accepted = create_idea(db, status=IdeaStatus.accepted)
        create_idea(db)
        assert ids(client.get(IDEAS, params={"status": "accepted"})) == [accepted.id]

    def test_filters_by_category(self, client: TestClient, db: Session) -> None:
        food = create_idea(db, category="food")
        create_idea(db, category="activities")
        response = client.get(IDEAS, params={"category": "food"})
        assert ids(response) == [food.id]
        assert response.json()["items"][0]["category"] == "food"

    def test_a_unit_includes_its_sub_units(self, client: TestClient, db: Session) -> None:
        directorate = create_unit(db, name="Adult services", kind=UnitKind.directorate)
        ward = create_unit(db, name="Birch Ward", parent=directorate)
        elsewhere = create_unit(db, name="Cedar Ward")
        in_directorate = create_idea(db, unit=directorate)
        on_ward = create_idea(db, unit=ward)
        create_idea(db, unit=elsewhere)
        expected = [on_ward.id, in_directorate.id]
        assert ids(client.get(IDEAS, params={"unit": directorate.slug, "sort": "new"})) == expected
        assert ids(client.get(IDEAS, params={"unit": directorate.id, "sort": "new"})) == expected
        response = client.get(IDEAS, params={"unit": ward.slug})
        assert [i["unit"] for i in response.json()["items"]] == ["Birch Ward"]

    def test_search_stems_words(self, client: TestClient, db: Session) -> None:
        walk = create_idea(db, title="A daily walk in the garden")
        create_idea(db, title="Better chairs")
        assert ids(client.get(IDEAS, params={"q": "walking"})) == [walk.id]

    @pytest.mark.parametrize("sort", ["top", "new", "discussed", "trending"])
    def test_the_cursor_walks_every_idea_once_even_as_new_ones_arrive(
        self, client: TestClient, db: Session, sort: str
    ) -> None:
        # Few distinct sort values, so many ties fall across page boundaries.
        expected = {
            with_counts(create_idea(db), db, votes=n % 3, comments=n % 2).id for n in range(23)
        }
        seen: list[int] = []
        cursor: str | None = None
        late: set[int | None] = set()
        for page_number in range(10):
            params: dict[str, Any] = {"sort": sort, "limit": 5}
            if cursor:
                params["cursor"] = cursor
            response = client.get(IDEAS, params=params)
            seen += ids(response)
            cursor = response.json()["next_cursor"]
            if page_number == 0:
                # Arrives while someone is paging: it may show up later in the walk (it sorts
                # after the cursor) but nothing already there is skipped or repeated.
                late.add(create_idea(db).id)
            if cursor is None:
                break
        assert len(seen) == len(set(seen))
        assert expected <= set(seen) <= expected | late

    def test_limit_defaults_to_20_and_stops_at_100(self, client: TestClient, db: Session) -> None:
        for _ in range(21):
            create_idea(db)
        response = client.get(IDEAS)
        assert len(ids(response)) == 20
        assert response.json()["next_cursor"]
        assert len(ids(client.get(IDEAS, params={"limit": 100}))) == 21
        assert_problem(client.get(IDEAS, params={"limit": 101}), 422)
        assert_problem(client.get(IDEAS, params={"limit": 0}), 422)

    @pytest.mark.parametrize(
        ("param", "value"),
        [
            ("sort", "best"),
            ("status", "finished"),
            ("unit", "no-such-unit"),
            ("unit", "999999"),
            ("category", "no-such-category"),
            ("cursor", "not-a-cursor"),
        ],
    )
    def test_unknown_values_are_a_422_problem(
        self, client: TestClient, param: str, value: str
    ) -> None:
        body = assert_problem(client.get(IDEAS, params={param: value}), 422)
        assert error_fields(body) == {param}

    def test_a_cursor_from_another_sort_is_422(self, client: TestClient, db: Session) -> None:
        for _ in range(3):
            create_idea(db)
        cursor = client.get(IDEAS, params={"sort": "new", "limit": 1}).json()["next_cursor"]
        assert cursor
        assert_problem(client.get(IDEAS, params={"sort": "top", "cursor": cursor}), 422)

    def test_a_cursor_with_numbers_too_big_for_the_database_is_422(
        self, client: TestClient
    ) -> None:
        cursor = repo.encode_cursor(repo.Sort.top, 2**70, 2**70)
        assert_problem(client.get(IDEAS, params={"cursor": cursor}), 422)

    def test_voted_by_me_marks_the_callers_votes(self, client: TestClient, db: Session) -> None:
        liked, other = create_idea(db), create_idea(db)
        _user, headers = person(db)
        assert client.put(f"{IDEAS}/{liked.id}/vote", headers=headers).status_code == 200
        mine = {
            i["id"]: i["voted_by_me"] for i in client.get(IDEAS, headers=headers).json()["items"]
        }
        assert mine == {liked.id: True, other.id: False}
        anonymous = client.get(IDEAS).json()["items"]
        assert not any(i["voted_by_me"] for i in anonymous)


class TestListStatementCount:
    @pytest.fixture
    def statements(self, engine: Engine) -> Iterator[list[str]]:
        seen: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        yield seen
        event.remove(engine, "before_cursor_execute", count)

    @pytest.mark.parametrize(
        "filters",
        [
            {},
            {"sort": "trending"},
            {"category": "food", "status": "submitted", "q": "garden walks"},
            {"unit": "root"},
        ],
        ids=["plain", "trending", "filtered", "unit"],
    )
    def test_a_page_of_5_and_a_page_of_50_run_the_same_statements(
        self, client: TestClient, db: Session, statements: list[str], filters: dict[str, str]
    ) -> None:
        if filters.get("unit") == "root":
            filters = {"unit": units.root(db).slug}
        for n in range(60):
            idea = create_idea(db, title=f"Garden walk {n}", category="food")
            set_counts(db, idea, votes=n % 4)
        user, headers = person(db)
        for idea in db.scalars(select(Idea).where(col(Idea.id) % 3 == 0)).all():
            create_vote(db, idea=idea, user=user)
        client.get(IDEAS, headers=headers)  # the token's first use records when it was used

        counts = {}
        for limit in (5, 50):
            statements.clear()
            response = client.get(IDEAS, params={**filters, "limit": limit}, headers=headers)
            assert len(ids(response)) == limit
            assert any(item["voted_by_me"] for item in response.json()["items"])
            counts[limit] = len(statements)
        assert counts[5] == counts[50], statements
        assert counts[50] <= 7, statements


# --- GET /api/v1/ideas/{id} --------------------------------------------------------------------


class TestGetIdea:
    def test_shows_the_idea(self, client: TestClient, db: Session) -> None:
        idea = with_counts(create_idea(db, title="Plants", category="environment"), db, votes=2)
        response = client.get(f"{IDEAS}/{idea.id}")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == IDEA_FIELDS
        assert (body["id"], body["title"], body["category"]) == (idea.id, "Plants", "environment")
        assert (body["vote_count"], body["voted_by_me"]) == (2, False)

    def test_an_unknown_id_is_a_404_problem(self, client: TestClient) -> None:
        assert_problem(client.get(f"{IDEAS}/424242"), 404)

    def test_an_idea_that_is_not_published_is_404(self, client: TestClient, db: Session) -> None:
        idea = hide(db, create_idea(db), Visibility.pending_moderation)
        _user, headers = person(db)
        assert_problem(client.get(f"{IDEAS}/{idea.id}", headers=headers), 404)

    @pytest.mark.parametrize("bad", ["abc", "0", str(2**40)])
    def test_an_id_that_is_not_a_valid_number_is_422(self, client: TestClient, bad: str) -> None:
        assert_problem(client.get(f"{IDEAS}/{bad}"), 422)


# --- PUT / DELETE /api/v1/ideas/{id}/vote ------------------------------------------------------


class TestVote:
    def test_voting_twice_counts_once(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        _user, headers = person(db)
        for _ in range(2):
            response = client.put(f"{IDEAS}/{idea.id}/vote", headers=headers)
            assert response.status_code == 200
            assert (response.json()["vote_count"], response.json()["voted_by_me"]) == (1, True)

    def test_taking_a_vote_back_twice_leaves_none(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        _user, headers = person(db)
        client.put(f"{IDEAS}/{idea.id}/vote", headers=headers)
        for _ in range(2):
            response = client.delete(f"{IDEAS}/{idea.id}/vote", headers=headers)
            assert response.status_code == 200
            assert (response.json()["vote_count"], response.json()["voted_by_me"]) == (0, False)
        assert db.scalars(select(Vote)).all() == []

    def test_voting_on_a_done_idea_is_a_409_problem(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db, status=IdeaStatus.done)
        _user, headers = person(db)
        assert_problem(client.put(f"{IDEAS}/{idea.id}/vote", headers=headers), 409)
        assert_problem(client.delete(f"{IDEAS}/{idea.id}/vote", headers=headers), 409)

    def test_without_credentials_is_401(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        response = client.put(f"{IDEAS}/{idea.id}/vote")
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"] == "Bearer"

    def test_an_unknown_idea_is_404(self, client: TestClient, db: Session) -> None:
        _user, headers = person(db)
        assert_problem(client.put(f"{IDEAS}/424242/vote", headers=headers), 404)

    def test_past_the_per_minute_limit_is_429_with_retry_after(
        self, client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "votes_per_user_per_minute", 2)
        idea = create_idea(db)
        _user, headers = person(db)
        assert client.put(f"{IDEAS}/{idea.id}/vote", headers=headers).status_code == 200
        assert client.delete(f"{IDEAS}/{idea.id}/vote", headers=headers).status_code == 200
        response = client.put(f"{IDEAS}/{idea.id}/vote", headers=headers)
        assert_problem(response, 429)
        assert 1 <= int(response.headers["Retry-After"]) <= 61


# --- GET / POST /api/v1/ideas/{id}/comments ----------------------------------------------------


class TestComments:
    def test_a_comment_is_created_and_listed_by_role_never_by_name(
        self, client: TestClient, db: Session
    ) -> None:
        idea = create_idea(db)
        user, headers = person(db, identity=Identity.carer, display_name="Jo Bloggs")
        response = client.post(
            f"{IDEAS}/{idea.id}/comments", json={"body": " Good idea \r\n"}, headers=headers
        )
        assert response.status_code == 201, response.text
        created = response.json()
        assert (created["body"], created["author_role"], created["removed"]) == (
            "Good idea",
            "a carer",
            False,
        )
        listed = client.get(f"{IDEAS}/{idea.id}/comments")
        assert listed.status_code == 200
        assert listed.json() == [created]
        assert "Jo Bloggs" not in listed.text
        assert user.email not in listed.text
        assert client.get(f"{IDEAS}/{idea.id}").json()["comment_count"] == 1

    def test_staff_are_named_as_staff(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        _user, headers = person(db, roles={Role.staff})
        response = client.post(f"{IDEAS}/{idea.id}/comments", json={"body": "Hi"}, headers=headers)
        assert response.json()["author_role"] == "staff"

    def test_a_reply_to_a_reply_joins_the_thread(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        _user, headers = person(db)
        url = f"{IDEAS}/{idea.id}/comments"
        top = client.post(url, json={"body": "First"}, headers=headers).json()
        reply = client.post(url, json={"body": "Re", "parent_id": top["id"]}, headers=headers)
        deeper = client.post(
            url, json={"body": "Re re", "parent_id": reply.json()["id"]}, headers=headers
        )
        assert reply.json()["parent_id"] == deeper.json()["parent_id"] == top["id"]

    def test_a_parent_from_another_idea_is_422(self, client: TestClient, db: Session) -> None:
        idea, other = create_idea(db), create_idea(db)
        _user, headers = person(db)
        theirs = client.post(
            f"{IDEAS}/{other.id}/comments", json={"body": "x"}, headers=headers
        ).json()
        response = client.post(
            f"{IDEAS}/{idea.id}/comments",
            json={"body": "y", "parent_id": theirs["id"]},
            headers=headers,
        )
        assert error_fields(assert_problem(response, 422)) == {"parent_id"}

    def test_a_removed_comment_keeps_an_empty_placeholder(
        self, client: TestClient, db: Session
    ) -> None:
        idea = create_idea(db)
        _user, headers = person(db)
        created = client.post(
            f"{IDEAS}/{idea.id}/comments", json={"body": "Oops, my phone number"}, headers=headers
        ).json()
        comment = db.get(Comment, created["id"])
        assert comment is not None
        comment.deleted_at = utcnow()
        db.commit()
        listed = client.get(f"{IDEAS}/{idea.id}/comments").json()
        assert [(c["id"], c["body"], c["removed"]) for c in listed] == [(created["id"], "", True)]
        assert "phone" not in json.dumps(listed)

    def test_an_empty_comment_is_a_422_problem(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        _user, headers = person(db)
        response = client.post(
            f"{IDEAS}/{idea.id}/comments", json={"body": "  \n "}, headers=headers
        )
        assert error_fields(assert_problem(response, 422)) == {"body"}

    def test_commenting_without_credentials_is_401(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db)
        assert_problem(client.post(f"{IDEAS}/{idea.id}/comments", json={"body": "Hi"}), 401)

    def test_comments_of_an_unknown_idea_are_404(self, client: TestClient, db: Session) -> None:
        _user, headers = person(db)
        assert_problem(client.get(f"{IDEAS}/424242/comments"), 404)
        response = client.post(f"{IDEAS}/424242/comments", json={"body": "Hi"}, headers=headers)
        assert_problem(response, 404)

    def test_past_the_hourly_limit_is_429_with_retry_after(
        self, client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "comments_per_user_per_hour", 1)
        idea = create_idea(db)
        _user, headers = person(db)
        url = f"{IDEAS}/{idea.id}/comments"
        assert client.post(url, json={"body": "One"}, headers=headers).status_code == 201
        response = client.post(url, json={"body": "Two"}, headers=headers)
        assert_problem(response, 429)
        assert int(response.headers["Retry-After"]) > 0
