"""The admin pages: the moderation policy form, the local terms (with the "try it" box) and
marking a person as trusted. Admins only; every change audited, never with the phrase."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.models import LocalTerm, Role, User
from app.settings import service as site_settings
from app.settings.schemas import Policy
from tests.factories import create_user, sign_in
from tests.helpers import error_summary, soup_of
from tests.security.helpers import assert_sign_in_page, audit_events, fetch, user_row
from tests.settings.helpers import add_term

GOOD = {
    "anonymous_wait": "no",
    "new_accounts_wait": "yes",
    "new_account_days": "14",
    "trust_after_published": "5",
    "shared_address_hard_cap": "80",
}

PAGES = [
    ("get", "/admin/settings"),
    ("post", "/admin/settings"),
    ("get", "/admin/screening-terms"),
    ("post", "/admin/screening-terms"),
    ("post", "/admin/screening-terms/try"),
    ("post", "/admin/screening-terms/1/remove"),
    ("post", "/admin/users/1/trusted"),
]


@pytest.fixture
def admin(client: TestClient, db: Session) -> User:
    user = create_user(db, roles={Role.admin})
    sign_in(client, user)
    return user


class TestWhoMay:
    @pytest.mark.parametrize(("method", "path"), PAGES)
    def test_signed_out_people_are_asked_to_sign_in(
        self, client: TestClient, method: str, path: str
    ) -> None:
        assert_sign_in_page(getattr(client, method)(path))

    @pytest.mark.parametrize(("method", "path"), PAGES)
    @pytest.mark.parametrize("role", [Role.service_user, Role.staff, Role.moderator])
    def test_other_roles_are_refused(
        self, client: TestClient, db: Session, method: str, path: str, role: Role
    ) -> None:
        sign_in(client, create_user(db, roles={role}))
        assert getattr(client, method)(path).status_code == 403

    def test_the_admin_home_links_to_both_pages(self, client: TestClient, admin: User) -> None:
        links = {a["href"] for a in soup_of(client.get("/admin")).select("a")}
        assert {"/admin/settings", "/admin/screening-terms"} <= links


class TestPolicyForm:
    def test_shows_the_defaults(self, client: TestClient, admin: User) -> None:
        soup = soup_of(client.get("/admin/settings"))
        assert soup.select_one("#anonymous_wait")["value"] == "yes"
        assert soup.select_one("input[name=anonymous_wait][value=yes]").has_attr("checked")
        assert soup.select_one("input[name=new_account_days]")["value"] == "7"
        assert soup.select_one("input[name=shared_address_hard_cap]")["value"] == "50"

    def test_saving_applies_and_is_audited_by_setting_name(
        self, client: TestClient, db: Session, engine: Engine, admin: User
    ) -> None:
        response = client.post("/admin/settings", data=GOOD, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/admin/settings?notice=policy-saved"
        assert site_settings.policy(db) == Policy(
            anonymous_wait=False,
            new_account_days=14,
            trust_after_published=5,
            shared_address_hard_cap=80,
        )
        (row,) = audit_events(engine, "settings.policy_changed")
        assert row.actor_id == admin.id
        assert row.details == {
            "changed": [
                "anonymous_wait",
                "new_account_days",
                "shared_address_hard_cap",
                "trust_after_published",
            ]
        }
        page = client.get("/admin/settings?notice=policy-saved")
        assert "has been saved" in page.text
        assert soup_of(page).select_one("input[name=new_account_days]")["value"] == "14"

    @pytest.mark.parametrize(
        ("field", "typed", "message"),
        [
            ("anonymous_wait", "", "Select yes or no"),
            ("new_accounts_wait", "maybe", "Select yes or no"),
            ("new_account_days", "seven", "Enter a whole number"),
            ("new_account_days", "-1", "Enter a whole number"),
            ("new_account_days", "9" * 40, "10,000 or less"),
            ("trust_after_published", "10001", "10,000 or less"),
            ("shared_address_hard_cap", "0", "1 or more"),
            ("shared_address_hard_cap", "4", "must be 5 or more"),
        ],
    )
    def test_bad_input_is_explained_and_kept(
        self,
        client: TestClient,
        db: Session,
        engine: Engine,
        admin: User,
        field: str,
        typed: str,
        message: str,
    ) -> None:
        response = client.post("/admin/settings", data=GOOD | {field: typed})
        assert response.status_code == 422
        (error,) = error_summary(response)
        assert message in error
        soup = soup_of(response)
        if field in ("new_account_days", "trust_after_published", "shared_address_hard_cap"):
            assert soup.select_one(f"input[name={field}]")["value"] == typed
        assert site_settings.policy(db) == Policy()
        assert audit_events(engine, "settings.policy_changed") == []


class TestLocalTermsPage:
    def test_adding_a_term_lists_it_and_audits_without_the_phrase(
        self, client: TestClient, db: Session, engine: Engine, admin: User
    ) -> None:
        data = {"kind": "risk_phrase", "phrase": "  going  to the viaduct ", "level": "urgent"}
        response = client.post("/admin/screening-terms", data=data, follow_redirects=False)
        assert response.status_code == 303
        (term,) = fetch(engine, select(LocalTerm))
        assert (term.kind, term.phrase, term.level, term.category, term.created_by_id) == (
            "risk_phrase",
            "going to the viaduct",
            "urgent",
            "local_phrase",
            admin.id,
        )
        (row,) = audit_events(engine, "settings.local_term_added")
        assert row.details == {"term_id": term.id, "kind": "risk_phrase"}
        assert "viaduct" not in str(row.details)
        page = soup_of(client.get("/admin/screening-terms"))
        assert "going to the viaduct" in page.select_one("table").get_text()

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"kind": "place", "phrase": ""}, "Enter the word or phrase"),
            ({"kind": "place", "phrase": "x" * 101}, "100 characters or fewer"),
            ({"kind": "risk_phrase", "phrase": "viaduct"}, "how soon a person must read it"),
            ({"phrase": "viaduct"}, "what kind of term"),
            (
                {"kind": "risk_phrase", "phrase": "viaduct", "level": "urgent", "category": "x"},
                "category from the list",
            ),
        ],
    )
    def test_bad_input_is_explained_and_kept(
        self, client: TestClient, engine: Engine, admin: User, data: dict, message: str
    ) -> None:
        response = client.post("/admin/screening-terms", data=data)
        assert response.status_code == 422
        assert any(message in e for e in error_summary(response))
        assert soup_of(response).select_one("input[name=phrase]").get("value", "") == data["phrase"]
        assert fetch(engine, select(LocalTerm)) == []

    def test_removing_a_term_is_audited(
        self, client: TestClient, db: Session, engine: Engine, admin: User
    ) -> None:
        term_id = add_term(db, "place", "Harrowfield")
        response = client.post(f"/admin/screening-terms/{term_id}/remove", follow_redirects=False)
        assert response.status_code == 303
        assert fetch(engine, select(LocalTerm)) == []
        (row,) = audit_events(engine, "settings.local_term_removed")
        assert (row.actor_id, row.details) == (admin.id, {"term_id": term_id, "kind": "place"})

    @pytest.mark.parametrize("term_id", ["999999", "99999999999999999999"])
    def test_removing_a_term_that_is_not_there_is_404(
        self, client: TestClient, admin: User, term_id: str
    ) -> None:
        assert client.post(f"/admin/screening-terms/{term_id}/remove").status_code == 404

    def test_try_it_shows_what_screening_would_do_with_the_terms(
        self, client: TestClient, db: Session, engine: Engine, admin: User
    ) -> None:
        add_term(db, "place", "Harrowfield")
        add_term(db, "risk_phrase", "blue ticket", level="concern")
        sample = "From Harrowfield: thinking about the blue ticket."
        response = client.post("/admin/screening-terms/try", data={"sample": sample})
        assert response.status_code == 200
        card = soup_of(response).select_one("#tried").get_text(" ", strip=True)
        assert "Held: concern" in card
        assert "local risk phrase" in card
        assert "place" in card
        assert "From [place]: thinking about the blue ticket." in card
        # Nothing typed here is kept.
        assert len(audit_events(engine, "settings.local_term_added")) == 2
        assert len(fetch(engine, select(LocalTerm))) == 2

    def test_try_it_needs_a_sample(self, client: TestClient, admin: User) -> None:
        response = client.post("/admin/screening-terms/try", data={"sample": "  "})
        assert response.status_code == 422
        assert error_summary(response) == ["Type a sample text to try"]


class TestTrusted:
    def test_an_admin_marks_a_person_trusted_and_back(
        self, client: TestClient, db: Session, engine: Engine, admin: User
    ) -> None:
        person = create_user(db)
        assert person.id is not None
        page = soup_of(client.get(f"/admin/users/{person.id}"))
        form = page.select_one(f'form[action="/admin/users/{person.id}/trusted"]')
        assert form.select_one("input[name=trusted]")["value"] == "yes"

        response = client.post(
            f"/admin/users/{person.id}/trusted", data={"trusted": "yes"}, follow_redirects=False
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"/admin/users/{person.id}?notice=trusted-on"
        assert user_row(engine, person.id).trusted is True
        page = client.get(f"/admin/users/{person.id}?notice=trusted-on")
        assert "Marked as trusted" in page.text
        client.post(f"/admin/users/{person.id}/trusted", data={"trusted": "no"})
        assert user_row(engine, person.id).trusted is False
        events = [
            (e.event, e.actor_id, e.subject_user_id)
            for e in audit_events(engine)
            if e.event.startswith("account.") and e.event.endswith("trusted")
        ]
        assert events == [
            ("account.trusted", admin.id, person.id),
            ("account.untrusted", admin.id, person.id),
        ]

    def test_saying_the_same_again_changes_nothing(
        self, client: TestClient, db: Session, engine: Engine, admin: User
    ) -> None:
        person = create_user(db)
        client.post(f"/admin/users/{person.id}/trusted", data={"trusted": "no"})
        assert audit_events(engine, "account.untrusted") == []

    @pytest.mark.parametrize("user_id", ["999999", "99999999999999999999"])
    def test_a_person_who_is_not_there_is_404(
        self, client: TestClient, admin: User, user_id: str
    ) -> None:
        assert client.post(f"/admin/users/{user_id}/trusted").status_code == 404
