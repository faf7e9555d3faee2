"""Reads of sensitive records are audited: an admin opening a person's page, a data export, and
anyone but the author reading an idea the public cannot see. Each read writes exactly one row,
with the reader and their address, in a short write of its own. Admins filter the log, page
through it and download it as CSV that a spreadsheet cannot run."""

import ast
import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session

from app.core import audit
from app.db import WRITE_OPTION, open_session
from app.errors import ServiceBusy
from app.ideas import service as ideas
from app.models import AuditEvent, Idea, Role, User, Visibility
from tests.factories import create_user, sign_in
from tests.ideas.factories import create_idea, principal_for
from tests.security.helpers import audit_events, error_summary, page

APP_DIR = Path(__file__).resolve().parents[2] / "app"
TITLE = "Lighthouse pebble quiet room"


def reads(engine: Engine, event_name: str | None = None) -> list[AuditEvent]:
    return [
        e
        for e in audit_events(engine, event_name)
        if e.event.startswith("read.") and e.event != audit.READ_AUDIT_EXPORT
    ]


def not_published(db: Session, author: User, visibility: Visibility) -> Idea:
    idea = create_idea(db, title=TITLE, author=author)
    if visibility == Visibility.pending_moderation:
        # Only a new idea starts there (an unconfirmed author's): set it directly.
        idea.visibility = visibility
        db.add(idea)
    else:
        moderator = create_user(db, roles={Role.moderator})
        ideas.set_visibility(db, idea=idea, to=visibility, actor=principal_for(db, moderator))
    db.commit()
    return idea


@contextmanager
def audit_inserts(engine: Engine) -> Iterator[list[bool]]:
    """For each INSERT into audit_event: whether its connection was a write session's."""
    seen: list[bool] = []

    def check(conn: Any, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT"):
            seen.append(bool(conn.get_execution_options().get(WRITE_OPTION)))

    event.listen(engine, "before_cursor_execute", check)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", check)


class TestAdminUserPage:
    def test_each_view_writes_one_row_with_the_admin_and_the_address(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        admin = create_user(db, roles={Role.admin})
        person = create_user(db)
        sign_in(client, admin)
        assert client.get(f"/admin/users/{person.id}").status_code == 200
        (row,) = reads(engine)
        assert (row.event, row.actor_id, row.subject_user_id) == (
            audit.READ_ADMIN_USER,
            admin.id,
            person.id,
        )
        assert row.ip_address == "testclient"
        assert row.details == {}
        client.get(f"/admin/users/{person.id}")
        assert len(reads(engine)) == 2

    def test_a_page_that_is_not_there_is_not_a_read(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        sign_in(client, create_user(db, roles={Role.admin}))
        assert client.get("/admin/users/999999").status_code == 404
        assert reads(engine) == []

    def test_the_list_of_people_is_not_audited(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        sign_in(client, create_user(db, roles={Role.admin}))
        assert client.get("/admin/users").status_code == 200
        assert reads(engine) == []


class TestDataExport:
    def test_the_export_writes_one_row_and_no_email(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        user = create_user(db)
        sign_in(client, user)
        assert client.get("/account/export").status_code == 200
        (row,) = reads(engine)
        assert (row.event, row.actor_id, row.subject_user_id) == (
            audit.READ_DATA_EXPORT,
            user.id,
            user.id,
        )
        assert row.ip_address == "testclient"
        assert user.email not in str(row.details)


class TestIdeasThePublicCannotSee:
    @pytest.mark.parametrize(
        ("visibility", "role"),
        [
            (Visibility.held, Role.safeguarding_lead),
            (Visibility.held, Role.moderator),
            (Visibility.held, Role.admin),
            (Visibility.hidden, Role.moderator),
            (Visibility.pending_moderation, Role.moderator),
        ],
    )
    def test_the_page_writes_one_row(
        self,
        client: TestClient,
        db: Session,
        engine: Engine,
        visibility: Visibility,
        role: Role,
    ) -> None:
        author = create_user(db)
        idea = not_published(db, author, visibility)
        reader = create_user(db, roles={role})
        sign_in(client, reader)
        response = client.get(f"/ideas/{idea.id}")
        assert response.status_code == 200
        assert TITLE in response.text
        (row,) = reads(engine)
        assert row.event == audit.READ_HELD_IDEA
        assert (row.actor_id, row.subject_user_id) == (reader.id, author.id)
        assert row.ip_address == "testclient"
        assert row.details == {"idea_id": idea.id, "visibility": str(visibility), "via": "page"}

    def test_the_api_item_writes_one_row(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        idea = not_published(db, create_user(db), Visibility.held)
        reader = create_user(db, roles={Role.safeguarding_lead})
        sign_in(client, reader)
        assert client.get(f"/api/v1/ideas/{idea.id}").status_code == 200
        (row,) = reads(engine)
        assert row.actor_id == reader.id
        assert row.details["via"] == "api"

    def test_the_author_reading_their_own_is_not_audited(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        author = create_user(db)
        idea = not_published(db, author, Visibility.held)
        sign_in(client, author)
        assert client.get(f"/ideas/{idea.id}").status_code == 200
        assert client.get(f"/api/v1/ideas/{idea.id}").status_code == 200
        assert reads(engine) == []

    def test_a_published_idea_is_not_audited(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        idea = create_idea(db, title=TITLE)
        sign_in(client, create_user(db, roles={Role.moderator}))
        assert client.get(f"/ideas/{idea.id}").status_code == 200
        assert client.get(f"/api/v1/ideas/{idea.id}").status_code == 200
        assert reads(engine) == []

    def test_someone_refused_is_not_audited(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        idea = not_published(db, create_user(db), Visibility.held)
        sign_in(client, create_user(db, roles={Role.staff}))
        assert client.get(f"/ideas/{idea.id}").status_code == 404
        assert reads(engine) == []

    def test_the_row_is_its_own_short_write_not_the_reads(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        idea = not_published(db, create_user(db), Visibility.held)
        sign_in(client, create_user(db, roles={Role.moderator}))
        with audit_inserts(engine) as seen:
            assert client.get(f"/ideas/{idea.id}").status_code == 200
        assert seen == [True]

    def test_a_read_that_cannot_be_recorded_is_not_shown(
        self, client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        idea = not_published(db, create_user(db), Visibility.held)
        sign_in(client, create_user(db, roles={Role.moderator}))

        def busy(**_kwargs: object) -> Session:
            raise ServiceBusy()

        monkeypatch.setattr(audit, "open_session", busy)
        response = client.get(f"/ideas/{idea.id}")
        assert response.status_code == 503
        assert TITLE not in response.text


class TestRecordRead:
    def test_only_read_events(self, db: Session) -> None:
        with pytest.raises(ValueError, match="not a read event"):
            audit.record_read(db, event="signin.succeeded", actor_id=1, ip_address="")

    def test_no_free_text_or_email_in_details(self, db: Session) -> None:
        with pytest.raises(ValueError, match="identifiers"):
            audit.record_read(
                db, event=audit.READ_ADMIN_USER, actor_id=1, ip_address="", who="a@example.org"
            )

    def test_inside_a_write_it_joins_the_callers_transaction(
        self, db: Session, engine: Engine
    ) -> None:
        admin = create_user(db, roles={Role.admin})
        assert admin.id is not None
        with open_session(write=True) as writing:
            audit.record_read(
                writing, event=audit.READ_ADMIN_USER, actor_id=admin.id, ip_address="10.0.0.1"
            )
            writing.rollback()
        assert reads(engine) == []


# --- the audit page ---------------------------------------------------------------------------

DAY = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def add_events(*rows: dict[str, Any]) -> None:
    with open_session(write=True) as db:
        for row in rows:
            fields: dict[str, Any] = {"at": DAY, "details": {}, **row}
            db.add(AuditEvent(**fields))
        db.commit()


def shown_events(response: Any) -> list[str]:
    soup = page(response)
    rows = soup.select("main table tbody tr")
    return [str(r.select("td")[1]["data-event"]) for r in rows]


@pytest.fixture
def admin_client(client: TestClient, db: Session) -> TestClient:
    sign_in(client, create_user(db, roles={Role.admin}))
    return client


class TestAuditPage:
    @pytest.mark.parametrize("role", [Role.moderator, Role.safeguarding_lead, Role.service_user])
    def test_only_admins(self, client: TestClient, db: Session, role: Role) -> None:
        sign_in(client, create_user(db, roles={role}))
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/admin/audit.csv").status_code == 403

    def test_the_event_filter_lists_plain_english_labels(self, admin_client: TestClient) -> None:
        soup = page(admin_client.get("/admin/audit"))
        options = {o["value"]: o.get_text(strip=True) for o in soup.select("select#event option")}
        assert options[""] == "Anything"
        assert options["signin.succeeded"] == "Signed in"
        assert options[audit.READ_HELD_IDEA] == "Read an idea the public cannot see"
        assert set(audit.EVENT_LABELS) <= set(options)

    def test_filter_by_event(self, admin_client: TestClient) -> None:
        add_events({"event": "signin.failed"}, {"event": "password.changed"})
        response = admin_client.get("/admin/audit", params={"event": "password.changed"})
        assert shown_events(response) == ["password.changed"]

    def test_filter_by_person_id_or_email_matches_actor_or_subject(
        self, admin_client: TestClient, db: Session
    ) -> None:
        person, other = create_user(db), create_user(db)
        add_events(
            {"event": "roles.changed", "actor_id": person.id, "subject_user_id": other.id},
            {"event": "password.reset", "subject_user_id": person.id},
            {"event": "token.created", "actor_id": other.id},
        )
        for typed in (str(person.id), f"#{person.id}", person.email.upper()):
            response = admin_client.get("/admin/audit", params={"person": typed})
            assert response.status_code == 200
            # Their account's creation is about them too.
            expected = ["password.reset", "roles.changed", "account.created"]
            assert shown_events(response) == expected, typed

    def test_an_unknown_person_is_an_error_not_an_empty_log(self, admin_client: TestClient) -> None:
        response = admin_client.get("/admin/audit", params={"person": "nobody@example.org"})
        assert response.status_code == 422
        assert "account number, or the email address" in error_summary(page(response))

    def test_filter_by_dates_includes_both_days(self, admin_client: TestClient) -> None:
        add_events(
            {"event": "signin.failed", "at": DAY - timedelta(days=2)},
            {"event": "signout", "at": DAY - timedelta(days=1)},
            {"event": "password.changed", "at": DAY.replace(hour=23, minute=59)},
            {"event": "signin.succeeded", "at": DAY + timedelta(days=1)},
        )
        params = {"from": "2026-06-09", "to": "2026-06-10"}
        response = admin_client.get("/admin/audit", params=params)
        assert shown_events(response) == ["password.changed", "signout"]

    @pytest.mark.parametrize(
        "params", [{"from": "10/06/2026"}, {"from": "2026-06-11", "to": "2026-06-10"}]
    )
    def test_bad_dates_are_errors(self, admin_client: TestClient, params: dict[str, str]) -> None:
        response = admin_client.get("/admin/audit", params=params)
        assert response.status_code == 422
        error_summary(page(response))

    def test_filter_by_source_address(self, admin_client: TestClient) -> None:
        add_events(
            {"event": "signin.failed", "ip_address": "10.0.0.7"},
            {"event": "signin.failed", "ip_address": "10.0.0.8"},
        )
        response = admin_client.get("/admin/audit", params={"address": "10.0.0.7"})
        soup = page(response)
        cells = [r.select("td")[4].get_text(strip=True) for r in soup.select("main tbody tr")]
        assert cells == ["10.0.0.7"]

    def test_pages_of_fifty_newest_first(self, admin_client: TestClient) -> None:
        add_events(*({"event": "signin.failed", "details": {"n": n}} for n in range(60)))
        first = page(admin_client.get("/admin/audit", params={"event": "signin.failed"}))
        assert len(first.select("main tbody tr")) == 50
        assert "n: 59" in first.select("main tbody tr")[0].get_text(" ", strip=True)
        older = first.find("a", string="Older events")
        assert older is not None
        assert "event=signin.failed" in older["href"]
        second = page(admin_client.get(older["href"]))
        rows = second.select("main tbody tr")
        assert len(rows) == 10
        assert "n: 0" in rows[-1].get_text(" ", strip=True)
        assert second.find("a", string="Older events") is None
        assert second.find("a", string="Back to the newest") is not None

    def test_rows_read_in_plain_english(self, admin_client: TestClient, db: Session) -> None:
        staff = create_user(db, email="triager@example.org")
        details = {
            "idea_id": 7,
            "from_status": "submitted",
            "to_status": "done",
            "with_message": True,
        }
        add_events({"event": "triage.status", "actor_id": staff.id, "details": details})
        (row,) = page(admin_client.get("/admin/audit", params={"event": "triage.status"})).select(
            "main tbody tr"
        )
        cells = row.select("td")
        assert cells[1].get_text(strip=True) == "Idea's status changed in triage"
        assert "triage.status" not in row.get_text()
        by = cells[2].select_one("a")
        assert (by.get_text(strip=True), by["href"]) == (staff.email, f"/admin/users/{staff.id}")
        shown = [li.get_text(" ", strip=True) for li in cells[5].select("li")]
        assert shown == [
            "Idea: 7",
            "Status before: Submitted",
            "Status after: Done",
            "With a public message: yes",
        ]
        assert cells[5].select_one("a")["href"] == "/triage/ideas/7"

    def test_filter_by_the_record_an_event_is_about(self, admin_client: TestClient) -> None:
        add_events(
            {"event": "triage.status", "details": {"idea_id": 7}},
            {"event": "triage.status", "details": {"idea_id": 70}},
            {"event": "safeguarding.closed", "details": {"item_id": 7}},
            {"event": "triage.status", "details": {"idea_id": 9, "merged_into_id": 7}},
        )
        response = admin_client.get("/admin/audit", params={"record": "idea", "number": "7"})
        assert response.status_code == 200
        assert shown_events(response) == ["triage.status", "triage.status"]
        response = admin_client.get("/admin/audit", params={"record": "item", "number": "#7"})
        assert shown_events(response) == ["safeguarding.closed"]
        options = page(response).select("select#record option")
        assert [o.get_text(strip=True) for o in options][:2] == ["Any record", "Idea"]

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"number": "7"}, "record"),
            ({"record": "idea", "number": "seven"}, "number"),
            ({"record": "idea", "number": "99999999999999999999"}, "number"),
            ({"record": "spaceship", "number": "7"}, "record"),
        ],
    )
    def test_a_record_filter_that_names_nothing_is_an_error(
        self, admin_client: TestClient, params: dict[str, str], field: str
    ) -> None:
        response = admin_client.get("/admin/audit", params=params)
        assert response.status_code == 422
        links = [a["href"] for a in page(response).select(".nhsuk-error-summary a")]
        assert links == [f"#{field}"]

    def test_works_without_javascript(self, admin_client: TestClient) -> None:
        form = page(admin_client.get("/admin/audit")).select_one("main form")
        assert form is not None
        assert form["method"] == "get"
        assert not any(k.startswith("hx-") for k in form.attrs)
        assert form.select_one("button") is not None


class TestCsv:
    def test_the_filtered_rows_as_csv(self, admin_client: TestClient, db: Session) -> None:
        person = create_user(db)
        add_events(
            {"event": "password.reset", "subject_user_id": person.id, "ip_address": "10.1.1.1"},
            {"event": "signin.failed"},
        )
        params = {"person": str(person.id), "event": "password.reset"}
        response = admin_client.get("/admin/audit.csv", params=params)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        header, *rows = list(csv.reader(io.StringIO(response.text)))
        assert header == list(audit.CSV_HEADER)
        assert [(r[2], r[3], r[5], r[6]) for r in rows] == [
            ("password.reset", "Password reset", str(person.id), "10.1.1.1")
        ]

    def test_formulas_are_neutralised(self, admin_client: TestClient) -> None:
        add_events(
            {"event": '=HYPERLINK("http://x")', "ip_address": "+1+1"},
            {"event": "@SUM(A1)", "ip_address": "-2+3"},
            {"event": "\tsignin", "ip_address": "\r10.0.0.1"},
        )
        response = admin_client.get("/admin/audit.csv")
        _header, *rows = list(csv.reader(io.StringIO(response.text)))
        cells = [cell for row in rows for cell in (row[2], row[3], row[6])]
        assert cells
        assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells), cells
        assert '\'=HYPERLINK("http://x")' in cells
        assert "'+1+1" in cells

    @pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
    def test_each_formula_start_gets_an_apostrophe(self, start: str) -> None:
        assert audit.neutralised(start + "1") == "'" + start + "1"

    def test_plain_cells_and_numbers_are_left_alone(self) -> None:
        assert audit.neutralised("signin.failed") == "signin.failed"
        assert audit.neutralised(-1) == -1

    def test_the_download_is_itself_audited(
        self, client: TestClient, db: Session, engine: Engine
    ) -> None:
        admin = create_user(db, roles={Role.admin})
        sign_in(client, admin)
        assert (
            client.get("/admin/audit.csv", params={"event": "signin.succeeded"}).status_code == 200
        )
        (row,) = audit_events(engine, audit.READ_AUDIT_EXPORT)
        assert row.actor_id == admin.id
        assert row.details == {"rows": 1, "event_filter": "signin.succeeded", "person_id": None}


# --- labels -----------------------------------------------------------------------------------


def recorded_event_names() -> set[str]:
    """Every event name the code passes to ``audit.record`` as a literal."""
    names: set[str] = set()
    for path in APP_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                for arg in node.args[1:2]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        names.add(arg.value)
                    elif isinstance(arg, ast.IfExp):
                        names |= {
                            a.value
                            for a in (arg.body, arg.orelse)
                            if isinstance(a, ast.Constant) and isinstance(a.value, str)
                        }
    return names


class TestLabels:
    def test_the_scan_finds_the_events(self) -> None:
        assert {"signin.succeeded", "roles.changed", "staff_verification.approved"} <= (
            recorded_event_names()
        )

    def test_every_recorded_event_has_a_label(self) -> None:
        assert recorded_event_names() - set(audit.EVENT_LABELS) == set()

    def test_every_read_event_has_a_label(self) -> None:
        assert audit.READ_EVENTS - set(audit.EVENT_LABELS) == set()

    def test_an_unknown_event_is_shown_by_its_name(self) -> None:
        assert audit.event_label("something.new") == "something.new"
