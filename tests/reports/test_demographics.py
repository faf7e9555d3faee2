"""The voluntary demographics form: signed in and through a receipt link; changing and
deleting answers; "download my data"; and that answers reach the reports only in aggregate."""

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.demographics import repository as demographics_repo
from app.ideas import service as ideas_service
from app.ideas.schemas import IdeaInput
from app.models import Contributor, DemographicAnswer, Idea, Role
from app.reports import repository as repo
from app.reports import service as reports
from tests.factories import create_user, sign_in
from tests.helpers import soup_of
from tests.ideas.factories import principal_for

ANSWERS = {
    "ethnicity": "roma",
    "age_band": "35_44",
    "sex": "female",
    "gender_same_as_sex": "prefer_not",
    "disability": "yes",
}


def anonymous_receipt(db: Session) -> tuple[Idea, str]:
    submitted = ideas_service.submit(
        db,
        data=IdeaInput(
            title="Quieter nights", description="Turn the lights down at ten.", category="other"
        ),
        form_token=ideas_service.new_form_token(),
        author=None,
        ip_address="192.0.2.77",
    )
    db.commit()
    return submitted.idea, submitted.receipt


class TestSignedIn:
    def test_needs_signing_in(self, client: TestClient) -> None:
        assert client.get("/demographics").status_code == 401

    def test_every_question_is_optional_with_prefer_not_to_say(
        self, client: TestClient, db: Session
    ) -> None:
        sign_in(client, create_user(db))
        page = soup_of(client.get("/demographics"))
        assert len(page.select("#ethnicity optgroup")) == 5
        # 19 categories, "not answered" and "prefer not to say".
        assert len(page.select("#ethnicity option")) == 21
        for name in ("age_band", "sex", "gender_same_as_sex", "disability"):
            assert "prefer_not" in [i["value"] for i in page.select(f"input[name={name}]")]
        assert "Who sees your answers" in page.get_text()

    def test_save_change_delete(self, client: TestClient, db: Session) -> None:
        user = create_user(db)
        sign_in(client, user)
        saved = client.post("/demographics", data=ANSWERS, follow_redirects=False)
        assert saved.status_code == 303
        assert user.id is not None
        contributor = demographics_repo.contributor_of_user(db, user_id=user.id)
        assert contributor is not None
        # The id is random and opaque: it is not the account number.
        assert len(contributor.id) == 32
        assert str(user.id) != contributor.id
        row = demographics_repo.answers(db, contributor.id)
        assert row is not None
        assert row.ethnicity == "roma"
        page = soup_of(client.get("/demographics"))
        assert page.select_one('#ethnicity option[value="roma"]').has_attr("selected")
        client.post("/demographics", data={**ANSWERS, "ethnicity": "arab"})
        db.expire_all()
        row = demographics_repo.answers(db, contributor.id)
        assert row is not None
        assert row.ethnicity == "arab"
        # The download has them.
        assert client.get("/account/export").json()["about_you"]["ethnicity"] == "arab"
        client.post("/demographics/delete")
        db.expire_all()
        assert demographics_repo.answers(db, contributor.id) is None
        assert client.get("/account/export").json()["about_you"] is None

    def test_an_unknown_answer_is_422(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db))
        response = client.post("/demographics", data={"ethnicity": "martian"})
        assert response.status_code == 422
        assert soup_of(response).select_one(".nhsuk-error-summary")


class TestThroughTheReceipt:
    def test_an_anonymous_submitter_answers(self, client: TestClient, db: Session) -> None:
        idea, receipt = anonymous_receipt(db)
        receipt_page = soup_of(client.get(f"/ideas/receipt/{receipt}"))
        assert f"/demographics/receipt/{receipt}" in [
            a.get("href") for a in receipt_page.select("a")
        ]
        saved = client.post(
            f"/demographics/receipt/{receipt}", data=ANSWERS, follow_redirects=False
        )
        assert saved.status_code == 303
        db.expire_all()
        fresh = db.get(Idea, idea.id)
        assert fresh is not None
        assert fresh.contributor_id is not None
        contributor = db.get(Contributor, fresh.contributor_id)
        assert contributor is not None
        assert contributor.user_id is None
        # Counted in the reports: one person, in the White group (Roma).
        subject = reports.subject(
            db,
            principal=principal_for(db, create_user(db, roles={Role.improvement_lead})),
            unit_ref=None,
        )
        assert repo.reach_counts(db, subject.scope) == {"white": 1}
        client.post(f"/demographics/receipt/{receipt}/delete")
        assert (
            db.exec(
                select(DemographicAnswer).where(
                    col(DemographicAnswer.contributor_id) == contributor.id
                )
            ).first()
            is None
        )

    def test_a_wrong_link_is_404(self, client: TestClient) -> None:
        assert client.get("/demographics/receipt/not-a-receipt").status_code == 404

    def test_an_idea_from_an_account_needs_signing_in(
        self, client: TestClient, db: Session
    ) -> None:
        author = create_user(db)
        submitted = ideas_service.submit(
            db,
            data=IdeaInput(
                title="Brighter mornings", description="Open the blinds at eight.", category="other"
            ),
            form_token=ideas_service.new_form_token(),
            author=principal_for(db, author),
        )
        db.commit()
        assert client.get(f"/demographics/receipt/{submitted.receipt}").status_code == 403


class TestNeverBesideAnIdea:
    def test_the_idea_api_and_page_say_nothing(self, client: TestClient, db: Session) -> None:
        idea, receipt = anonymous_receipt(db)
        client.post(f"/demographics/receipt/{receipt}", data=ANSWERS)
        body = client.get(f"/api/v1/ideas/{idea.id}").text
        page = client.get(f"/ideas/{idea.id}").text
        for text in (body, page):
            assert "contributor" not in text.lower()
            assert "Roma" not in text
