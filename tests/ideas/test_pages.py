"""The idea form, receipts and the ideas board, through the real app."""

import base64
import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, event, func
from sqlmodel import Session, col, select

from app.config import get_settings
from app.ideas import service as ideas_service
from app.main import create_app
from app.models import (
    EmailSubscription,
    Idea,
    IdeaStatus,
    OutboxEmail,
    RateEvent,
    Role,
    UnitKind,
    Vote,
    utcnow,
)
from app.settings import service as site_settings
from tests.factories import create_unit, create_user, sign_in
from tests.helpers import error_summary, idea_form, soup_of, started_ago
from tests.ideas.factories import (
    create_comment,
    create_idea,
    create_vote,
    run_together,
    set_counts,
    staff_principal,
)

# --- helpers ----------------------------------------------------------------------------------


def idea_count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(Idea)) or 0)


def only_idea(db: Session) -> Idea:
    ideas = db.scalars(select(Idea)).all()
    assert len(ideas) == 1
    return ideas[0]


def board_ids(response: Response) -> list[int]:
    assert response.status_code == 200, response.text[:500]
    return [
        int(str(a["href"]).rsplit("/", 1)[1])
        for a in soup_of(response).select("#results .fc-idea__title a")
    ]


def saved_id(idea: Idea) -> int:
    """The id of an idea that is in the database."""
    assert idea.id is not None
    return idea.id


def next_link(response: Response) -> str | None:
    link = soup_of(response).select_one("#results a.fc-pager__next")
    return str(link["href"]) if link else None


def raw_cursor(value: object) -> str:
    """A cursor as the board encodes them (URL-safe base64 JSON), holding anything."""
    raw = base64.urlsafe_b64encode(json.dumps(value).encode()).decode()
    return raw.rstrip("=")


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def checked_value(soup: BeautifulSoup, name: str) -> str | None:
    checked = soup.select_one(f'input[name="{name}"][checked]')
    return str(checked["value"]) if checked else None


# --- the idea form ----------------------------------------------------------------------------


class TestSubmitIdea:
    def test_anonymous_idea_redirects_to_its_receipt(self, client: TestClient, db: Session) -> None:
        data = idea_form(client)
        response = client.post("/ideas", data=data, follow_redirects=False)

        assert response.status_code == 303
        idea = only_idea(db)
        receipt = ideas_service.receipt_for(data["form_token"])
        assert response.headers["location"] == f"/ideas/receipt/{receipt}?sent=1"
        assert idea.title == "A quiet room in the evenings"
        assert idea.author_id is None
        assert idea.status == IdeaStatus.submitted
        assert idea.submitted_as == "service_user"

    def test_receipt_says_what_happens_next(self, client: TestClient, db: Session) -> None:
        response = client.post("/ideas", data=idea_form(client))
        assert response.status_code == 200
        soup = soup_of(response)
        text = soup.get_text(" ", strip=True)

        assert "Idea sent" in text
        assert "What happens next" in text
        assert "not monitored 24 hours a day" in text
        assert "A quiet room in the evenings" in text
        idea = only_idea(db)
        assert soup.select_one(f'a[href="/ideas/{idea.id}"]') is not None
        # The private link is on the page to keep.
        assert str(response.url.path) in soup.select_one("#receipt-link").get_text()

    def test_receipt_email_gets_status_updates_until_unsubscribed(
        self, client: TestClient, db: Session
    ) -> None:
        receipt_url = client.post("/ideas", data=idea_form(client)).url.path
        response = client.post(
            f"{receipt_url}/email", data={"email": "Jo@Example.org "}, follow_redirects=False
        )
        assert response.status_code == 303
        subscription = db.scalars(select(EmailSubscription)).one()
        assert subscription.email == "jo@example.org"
        # Double opt-in: the address is asked first, and starts getting updates by pressing
        # the button on the link's page (tests/notifications/ has the details).
        (confirmation,) = db.scalars(select(OutboxEmail)).all()
        confirm = re.search(r"https?://[^/\s]+(/updates/confirm/\S+)", confirmation.body_text)
        assert confirm is not None
        assert client.post(confirm.group(1)).status_code == 200

        idea = only_idea(db)
        ideas_service.change_status(
            db, idea=idea, to=IdeaStatus.under_review, actor=staff_principal(db)
        )
        db.commit()
        email = db.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.to_address == "jo@example.org")
            .order_by(col(OutboxEmail.id))
        )
        _confirmation, message = email.all()
        assert "Under review" in message.body_text
        match = re.search(r"https?://[^/\s]+(/unsubscribe/\S+)", message.body_text)
        assert match is not None

        # Opening the link (as mail scanners do) changes nothing; pressing the button does.
        page = client.get(match.group(1))
        assert page.status_code == 200
        form = soup_of(page).select_one(f'form[action="{match.group(1)}"]')
        assert form is not None
        assert form.select_one("button") is not None
        assert db.scalars(select(EmailSubscription)).all() != []

        done = client.post(match.group(1))
        assert done.status_code == 200
        assert "You will not get any more emails" in done.text
        assert db.scalars(select(EmailSubscription)).all() == []

    def test_a_tampered_unsubscribe_link_is_refused(self, client: TestClient) -> None:
        assert client.post("/unsubscribe/1-forged").status_code == 404

    def test_many_receipt_emails_from_one_address_are_refused(
        self, client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(get_settings(), "email_subscriptions_per_ip_per_hour", 2)
        receipt_url = client.post("/ideas", data=idea_form(client)).url.path
        for n in range(2):
            response = client.post(
                f"{receipt_url}/email", data={"email": f"p{n}@example.org"}, follow_redirects=False
            )
            assert response.status_code == 303
        response = client.post(f"{receipt_url}/email", data={"email": "stranger@example.org"})
        assert response.status_code == 429
        assert "Wait a while" in error_summary(response)[0]
        assert soup_of(response).select_one("#email")["value"] == "stranger@example.org"
        assert len(db.scalars(select(EmailSubscription)).all()) == 2

    def test_a_bad_receipt_email_is_refused(self, client: TestClient, db: Session) -> None:
        receipt_url = client.post("/ideas", data=idea_form(client)).url.path
        response = client.post(f"{receipt_url}/email", data={"email": "not an email"})
        assert response.status_code == 422
        assert error_summary(response) == [
            "Enter an email address in the correct format, like name@example.com"
        ]
        assert soup_of(response).select_one("#email")["value"] == "not an email"
        assert db.scalars(select(EmailSubscription)).all() == []

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"title": ""}, "Enter a short title for your idea"),
            ({"title": "x" * 121}, "Title must be 120 characters or fewer"),
            ({"description": "y" * 5001}, "Description must be 5000 characters or fewer"),
        ],
    )
    def test_invalid_idea_keeps_everything_typed(
        self, client: TestClient, db: Session, change: dict[str, str], message: str
    ) -> None:
        ward = create_unit(db, name="Willow Ward")
        data = idea_form(
            client,
            unit_id=str(ward.id),
            category="food",
            submitted_as="carer",
            benefit="People would sleep better.",
        )
        data.update(change)
        response = client.post("/ideas", data=data)

        assert response.status_code == 422
        assert message in error_summary(response)
        soup = soup_of(response)
        assert soup.select_one("textarea#title").get_text() == data["title"]
        assert soup.select_one("textarea#description").get_text() == data["description"]
        assert soup.select_one("textarea#benefit").get_text() == "People would sleep better."
        assert soup.select_one("#unit_id option[selected]")["value"] == str(ward.id)
        assert checked_value(soup, "category") == "food"
        assert checked_value(soup, "submitted_as") == "carer"
        # The same form token, so sending the corrected form still creates one idea.
        assert soup.select_one('input[name="form_token"]')["value"] == data["form_token"]
        assert idea_count(db) == 0

    def test_double_submit_creates_one_idea(self, client: TestClient, db: Session) -> None:
        data = idea_form(client)
        first = client.post("/ideas", data=data, follow_redirects=False)
        second = client.post("/ideas", data=data, follow_redirects=False)

        assert first.status_code == second.status_code == 303
        assert first.headers["location"] == second.headers["location"]
        assert idea_count(db) == 1

    def test_a_double_click_at_the_same_moment_creates_one_idea(
        self, client: TestClient, db: Session
    ) -> None:
        data = idea_form(client)
        clients = [TestClient(create_app()) for _ in range(4)]
        try:
            responses = run_together(
                4, lambda i: clients[i].post("/ideas", data=data, follow_redirects=False)
            )
        finally:
            for c in clients:
                c.close()

        assert [r.status_code for r in responses] == [303] * 4
        assert len({r.headers["location"] for r in responses}) == 1
        assert idea_count(db) == 1

    def test_honeypot_creates_nothing(self, client: TestClient, db: Session) -> None:
        response = client.post(
            "/ideas", data=idea_form(client, website="http://spam.example"), follow_redirects=False
        )
        assert response.status_code == 303
        assert idea_count(db) == 0

    def test_a_form_sent_too_fast_is_refused_but_loses_nothing(
        self, client: TestClient, db: Session
    ) -> None:
        data = idea_form(client)
        data.update(started_ago(0, data["form_token"]))
        response = client.post("/ideas", data=data)

        assert response.status_code == 422
        assert "Please check your idea, then send it again." in error_summary(response)
        soup = soup_of(response)
        assert soup.select_one("textarea#title").get_text() == data["title"]
        assert soup.select_one("textarea#description").get_text() == data["description"]
        assert idea_count(db) == 0

    def test_a_forged_start_time_is_refused(self, client: TestClient, db: Session) -> None:
        data = idea_form(client)
        data["started"] = str(int(time.time()) - 60)  # signature no longer matches
        response = client.post("/ideas", data=data)
        assert response.status_code == 422
        assert idea_count(db) == 0

    def test_a_timer_signature_cannot_be_reused_on_another_form(
        self, client: TestClient, db: Session
    ) -> None:
        first = idea_form(client)
        second = idea_form(client, title="Another idea")
        # The first form's signed start time, sent with the second form's token.
        second |= {"started": first["started"], "started_sig": first["started_sig"]}
        assert client.post("/ideas", data=second).status_code == 422
        assert idea_count(db) == 0

    @pytest.mark.parametrize("token", [None, "", "x", "a" * 31, "a" * 33, "a" * 31 + "!"])
    def test_a_missing_or_made_up_form_token_is_refused_and_never_shares_a_receipt(
        self, client: TestClient, db: Session, token: str | None
    ) -> None:
        receipts = []
        for title in ("First person's idea", "Second person's idea"):
            data = idea_form(client, title=title, description=f"{title}, in detail.")
            if token is None:
                del data["form_token"]
            else:
                data["form_token"] = token
            response = client.post("/ideas", data=data, follow_redirects=False)
            assert response.status_code == 422
            soup = soup_of(response)
            assert soup.select_one("textarea#title").get_text() == title  # nothing lost
            fresh = soup.select_one('input[name="form_token"]')["value"]
            assert fresh != token
            # Sent again from the page it was given, it goes through, on its own receipt.
            data = {
                str(i["name"]): str(i.get("value", ""))
                for i in soup.select('form[action="/ideas"] input[type="hidden"]')
            } | {
                k: v
                for k, v in data.items()
                if k in ("title", "description", "category", "submitted_as")
            }
            data |= started_ago(10, data["form_token"])
            sent = client.post("/ideas", data=data, follow_redirects=False)
            assert sent.status_code == 303, error_summary(sent)
            receipts.append(sent.headers["location"])
        assert receipts[0] != receipts[1]
        assert idea_count(db) == 2

    def test_staff_must_confirm_consent_to_send_for_someone(
        self, client: TestClient, db: Session
    ) -> None:
        sign_in(client, create_user(db, roles={Role.staff}))
        response = client.post("/ideas", data=idea_form(client, helped="yes"))

        assert response.status_code == 422
        assert "Confirm the person agreed to you sending this for them" in error_summary(response)
        soup = soup_of(response)
        assert checked_value(soup, "helped") == "yes"
        assert idea_count(db) == 0

    def test_staff_can_send_an_idea_for_a_service_user(
        self, client: TestClient, db: Session
    ) -> None:
        staff = create_user(db, roles={Role.staff})
        sign_in(client, staff)
        response = client.post(
            "/ideas", data=idea_form(client, helped="yes", consent="yes"), follow_redirects=False
        )

        assert response.status_code == 303
        idea = only_idea(db)
        assert idea.helped_by_id == staff.id
        assert idea.author_id is None
        page = client.get(f"/ideas/{idea.id}")
        assert "submitted with help from staff" in soup_of(page).get_text(" ", strip=True)

    def test_only_staff_can_send_for_someone_else(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db, roles={Role.service_user}))
        form_page = soup_of(client.get("/ideas/new"))
        assert form_page.select_one('input[name="helped"]') is None

        response = client.post("/ideas", data=idea_form(client, helped="yes", consent="yes"))
        assert response.status_code == 422
        assert "Only staff can submit on someone's behalf" in error_summary(response)
        assert idea_count(db) == 0

    def test_the_form_says_what_will_be_public(self, client: TestClient) -> None:
        text = soup_of(client.get("/ideas/new")).get_text(" ", strip=True)
        assert "What will be public:" in text
        assert "Never your name or email address" in text

    def test_a_unit_link_preselects_the_unit(self, client: TestClient, db: Session) -> None:
        ward = create_unit(db, name="Willow Ward")
        soup = soup_of(client.get(f"/ideas/new?unit={ward.slug}"))
        assert soup.select_one("#unit_id option[selected]")["value"] == str(ward.id)

        # An unknown unit just leaves the choice open.
        soup = soup_of(client.get("/ideas/new?unit=no-such-ward"))
        assert soup.select_one("#unit_id option[selected]") is None

    def test_enter_in_the_place_search_searches_and_never_sends_the_idea(
        self, client: TestClient, db: Session
    ) -> None:
        create_unit(db, name="Willow Ward")
        create_unit(db, name="Cedar Ward")
        form = soup_of(client.get("/ideas/new")).select_one('form[action="/ideas"]')
        # Enter in a text box presses the form's first submit button: the place search.
        first = form.select_one('button[type="submit"], input[type="submit"]')
        assert first.get("formaction") == "/ideas/new/units"

        data = idea_form(client, unit_q="willow", title="Kept title", description="Kept words")
        response = client.post(first["formaction"], data=data)
        assert response.status_code == 200
        assert idea_count(db) == 0
        soup = soup_of(response)
        assert soup.select_one("textarea#title").get_text() == "Kept title"
        assert soup.select_one("textarea#description").get_text() == "Kept words"
        assert soup.select_one("#unit_q")["value"] == "willow"
        places = [o.get_text(strip=True) for o in soup.select("#unit_id option")]
        assert places == ["Willow Ward"]
        # The same form, ready to send: its token and timer came through unchanged.
        assert soup.select_one('input[name="form_token"]')["value"] == data["form_token"]

    def test_anonymous_ideas_are_limited_per_address(
        self, client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Past the usual limit ideas wait for a moderator (tests/settings); here the policy's
        # hard cap is the usual limit, so the next one is refused.
        monkeypatch.setattr(get_settings(), "anonymous_ideas_per_ip_per_hour", 2)
        policy = site_settings.policy(db).model_copy(update={"shared_address_hard_cap": 2})
        site_settings.save_policy(db, policy, actor_id=None)
        db.commit()
        for n in range(2):
            response = client.post(
                "/ideas", data=idea_form(client, title=f"Idea {n}"), follow_redirects=False
            )
            assert response.status_code == 303

        data = idea_form(client, title="A third idea", description="Typed with care.")
        response = client.post("/ideas", data=data)
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) > 0
        assert any("A lot of ideas have been sent from this" in e for e in error_summary(response))
        soup = soup_of(response)
        assert soup.select_one("textarea#title").get_text() == "A third idea"
        assert soup.select_one("textarea#description").get_text() == "Typed with care."
        assert idea_count(db) == 2
        # The refused attempt is not counted against the address.
        assert db.scalar(select(func.count()).select_from(RateEvent)) == 2


# --- the board --------------------------------------------------------------------------------


BOARD_URLS = [
    "/ideas",
    "/ideas?q=garden",
    "/ideas?unit={unit}",
    "/ideas?category=environment",
    "/ideas?status=submitted",
    "/ideas?sort=top",
    "/ideas?sort=new",
    "/ideas?sort=discussed",
    "/ideas?sort=trending",
    "/ideas?q=garden+benches&unit={unit}&category=environment&status=submitted&sort=trending",
]


class TestBoardQueries:
    @pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
    def test_statement_count_does_not_grow_with_the_page(
        self, client: TestClient, db: Session, engine: Engine, signed_in: bool
    ) -> None:
        ward = create_unit(db, name="Willow Ward")
        people = [create_user(db) for _ in range(3)]
        if signed_in:
            sign_in(client, people[0])

        def add_ideas(n: int) -> None:
            for i in range(n):
                idea = create_idea(
                    db,
                    title=f"Garden benches {i}",
                    description="Somewhere to sit outside in the garden.",
                    unit=ward,
                    category="environment",
                )
                create_vote(db, idea=idea, user=people[i % 3])
                if i % 4 == 0:
                    create_comment(db, idea=idea, author=people[1])

        def counts() -> dict[str, int]:
            result = {}
            for template in BOARD_URLS:
                url = template.format(unit=ward.slug)
                client.get(url)  # warm up (a session touch happens at most once a minute)
                with count_statements(engine) as statements:
                    response = client.get(url)
                assert response.status_code == 200
                assert board_ids(response), url
                result[url] = len(statements)
            return result

        add_ideas(5)
        few = counts()
        add_ideas(45)
        many = counts()
        assert many == few


class TestBoardFilters:
    def test_a_unit_includes_everything_beneath_it(self, client: TestClient, db: Session) -> None:
        adults = create_unit(db, name="Adult Services", kind=UnitKind.directorate)
        inpatients = create_unit(db, name="Adult Inpatients", kind=UnitKind.service, parent=adults)
        willow = create_unit(db, name="Willow Ward", parent=inpatients)
        older = create_unit(db, name="Older People", kind=UnitKind.directorate)
        on_ward = create_idea(db, title="Ward idea", unit=willow)
        in_service = create_idea(db, title="Service idea", unit=inpatients)
        elsewhere = create_idea(db, title="Elsewhere", unit=older)
        trustwide = create_idea(db, title="Whole trust")

        assert board_ids(client.get(f"/ideas?unit={adults.slug}&sort=new")) == [
            in_service.id,
            on_ward.id,
        ]
        assert board_ids(client.get(f"/ideas?unit={willow.slug}")) == [on_ward.id]
        assert set(board_ids(client.get("/ideas"))) == {
            on_ward.id,
            in_service.id,
            elsewhere.id,
            trustwide.id,
        }
        page = soup_of(client.get(f"/ideas?unit={adults.slug}"))
        assert page.select_one("#unit option[selected]")["value"] == adults.slug

    def test_category_filter(self, client: TestClient, db: Session) -> None:
        food = create_idea(db, title="Better breakfasts", category="food")
        create_idea(db, title="Garden benches", category="environment")
        assert board_ids(client.get("/ideas?category=food")) == [food.id]

    def test_status_filter(self, client: TestClient, db: Session) -> None:
        done = create_idea(db, title="New kettles", status=IdeaStatus.done)
        accepted = create_idea(db, title="Garden benches", status=IdeaStatus.accepted)
        create_idea(db, title="Quiet room")
        assert board_ids(client.get("/ideas?status=done")) == [done.id]
        assert board_ids(client.get("/ideas?status=accepted")) == [accepted.id]

    def test_unknown_filters_and_bad_cursors_are_ignored(
        self, client: TestClient, db: Session
    ) -> None:
        ideas = [create_idea(db) for _ in range(3)]
        expected = sorted(saved_id(i) for i in ideas)[::-1]
        for query in (
            "sort=bogus",
            "unit=no-such-unit",
            "category=nope",
            "status=maybe",
            "cursor=!!!not-a-cursor",
            f"cursor={raw_cursor(['top', 'x', 1])}",
            f"cursor={raw_cursor(['top', 1.5, 1])}",
            f"cursor={raw_cursor({'sort': 'top'})}",
            f"sort=new&cursor={raw_cursor(['top', 0, 99])}",  # made for another sort
            f"cursor={raw_cursor(['top', 10**30, 10**30])}",  # too big for any column
            f"sort=new&cursor={raw_cursor(['new', 2**63, 2**63])}",
            "q=&unit=&category=&status=&sort=",
        ):
            response = client.get(f"/ideas?{query}")
            assert response.status_code == 200, query
            assert board_ids(response) == expected, query


class TestBoardSorts:
    def test_top_new_and_discussed(self, client: TestClient, db: Session) -> None:
        people = [create_user(db) for _ in range(3)]
        quiet, loved, talked = (create_idea(db, title=t) for t in ("Quiet", "Loved", "Talked"))
        for person in people:
            create_vote(db, idea=loved, user=person)
        create_vote(db, idea=talked, user=people[0])
        for person in people[:2]:
            create_comment(db, idea=talked, author=person)

        assert board_ids(client.get("/ideas?sort=top")) == [loved.id, talked.id, quiet.id]
        assert board_ids(client.get("/ideas")) == [loved.id, talked.id, quiet.id]
        assert board_ids(client.get("/ideas?sort=new")) == [talked.id, loved.id, quiet.id]
        assert board_ids(client.get("/ideas?sort=discussed")) == [talked.id, loved.id, quiet.id]

    def test_trending_counts_only_the_last_14_days(self, client: TestClient, db: Session) -> None:
        people = [create_user(db) for _ in range(4)]
        old_favourite, rising, steady = (
            create_idea(db, title=t) for t in ("Old favourite", "Rising", "Steady")
        )
        month_ago = utcnow() - timedelta(days=30)
        for person in people:
            create_vote(db, idea=old_favourite, user=person, created_at=month_ago)
        for person in people[:2]:
            create_vote(db, idea=rising, user=person)
        create_vote(db, idea=steady, user=people[0])
        create_vote(db, idea=steady, user=people[1], created_at=month_ago)

        assert board_ids(client.get("/ideas?sort=trending")) == [
            rising.id,
            steady.id,
            old_favourite.id,
        ]
        assert board_ids(client.get("/ideas?sort=top"))[0] == old_favourite.id


class TestBoardPagination:
    @pytest.mark.parametrize("sort", ["top", "new", "discussed", "trending"])
    def test_walking_every_page_shows_each_idea_once(
        self, client: TestClient, db: Session, sort: str
    ) -> None:
        people = [create_user(db) for _ in range(2)]
        ideas = [create_idea(db, title=f"Idea {n}") for n in range(47)]
        for n, idea in enumerate(ideas):
            # Many ties, so the id tie-break is what keeps pages apart.
            set_counts(db, idea, votes=n % 4, comments=n % 3)
        for idea in ideas[::5]:
            create_vote(db, idea=idea, user=people[0])
        for idea in ideas[::10]:
            create_vote(db, idea=idea, user=people[1])

        seen: list[int] = []
        url: str | None = f"/ideas?sort={sort}"
        pages = 0
        while url:
            response = client.get(url)
            seen += board_ids(response)
            url = next_link(response)
            pages += 1
            assert pages <= 5

        assert pages == 3
        assert len(seen) == len(set(seen)) == 47
        assert set(seen) == {i.id for i in ideas}
        # The pages are one ordering cut into pieces, ties broken newest first.
        db.expire_all()
        recent_votes = Counter(db.scalars(select(Vote.idea_id)))
        sort_key = {
            "top": lambda i: (i.vote_count, i.id),
            "new": lambda i: (i.id, i.id),
            "discussed": lambda i: (i.comment_count, i.id),
            "trending": lambda i: (recent_votes[i.id], i.id),
        }[sort]
        expected = sorted(db.scalars(select(Idea)), key=sort_key, reverse=True)
        assert seen == [i.id for i in expected]

    def test_new_ideas_do_not_shift_the_next_page(self, client: TestClient, db: Session) -> None:
        ids = [saved_id(create_idea(db)) for _ in range(30)]
        newest_first = sorted(ids, reverse=True)

        page_one = client.get("/ideas?sort=new")
        assert board_ids(page_one) == newest_first[:20]
        for _ in range(5):
            create_idea(db)
        page_two = client.get(next_link(page_one) or "")

        assert board_ids(page_two) == newest_first[20:]
        assert next_link(page_two) is None

    def test_the_next_link_keeps_the_filters(self, client: TestClient, db: Session) -> None:
        for n in range(25):
            create_idea(db, title=f"Garden idea {n}", category="environment")
        create_idea(db, title="Food idea", category="food")
        link = next_link(client.get("/ideas?q=garden&category=environment&sort=new"))
        assert link is not None
        assert "q=garden" in link
        assert "category=environment" in link
        assert "sort=new" in link
        assert len(board_ids(client.get(link))) == 5


class TestBoardHtmx:
    def test_htmx_gets_just_the_results(self, client: TestClient, db: Session) -> None:
        idea = create_idea(db, title="Garden benches")
        response = client.get("/ideas?q=garden", headers={"HX-Request": "true"})

        assert response.status_code == 200
        assert "<html" not in response.text
        soup = soup_of(response)
        top = [el for el in soup.contents if isinstance(el, Tag)]
        assert [(el.name, el.get("id")) for el in top] == [("div", "results")]
        assert board_ids(response) == [idea.id]
        assert "HX-Request" in response.headers["vary"]

    def test_a_normal_request_gets_the_whole_page(self, client: TestClient, db: Session) -> None:
        create_idea(db, title="Garden benches")
        response = client.get("/ideas?q=garden")
        assert "<html" in response.text
        soup = soup_of(response)
        assert soup.select_one("form.fc-filters #q")["value"] == "garden"
        assert soup.select_one("#results") is not None
        assert "HX-Request" in response.headers["vary"]

    def test_a_history_restore_gets_the_whole_page(self, client: TestClient, db: Session) -> None:
        create_idea(db, title="Garden benches")
        response = client.get(
            "/ideas?q=garden",
            headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
        )
        assert "<html" in response.text
        assert soup_of(response).select_one("form.fc-filters") is not None
        assert "HX-Request" in response.headers["vary"]
