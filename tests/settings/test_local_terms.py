"""Screening's local terms (issue 9 part 1): admins add place names, local risk phrases and
public numbers without a release, and every new idea and comment is screened with them."""

import pytest
from sqlmodel import Session

from app.comments import service as comments_service
from app.core.subjects import Subject
from app.errors import InvalidInput, NotFound
from app.ideas import service as ideas_service
from app.ideas.schemas import IdeaInput
from app.models import LocalTermKind, Role, Visibility
from app.settings import service as site_settings
from tests.factories import create_user
from tests.ideas.factories import create_idea, principal_for
from tests.settings.helpers import add_term, set_policy


def _submit(db: Session, description: str) -> ideas_service.Submitted:
    result = ideas_service.submit(
        db,
        data=IdeaInput(title="About our ward", description=description, category="other"),
        form_token=ideas_service.new_form_token(),
        author=principal_for(db, create_user(db, roles={Role.staff})),
    )
    db.commit()
    return result


class TestPlaces:
    def test_an_added_place_is_removed_from_a_new_idea(self, db: Session) -> None:
        add_term(db, "place", "Harrowfield")
        idea = _submit(db, "The bus from harrowfield stops before visiting time.").idea
        assert idea.description == "The bus from [place] stops before visiting time."
        assert "removed: place" in idea.screening_reasons

    def test_removal_takes_effect_for_what_is_sent_next(self, db: Session) -> None:
        term_id = add_term(db, "place", "Harrowfield")
        site_settings.remove_term(db, term_id=term_id, actor_id=None)
        db.commit()
        idea = _submit(db, "The bus from Harrowfield stops before visiting time.").idea
        assert "Harrowfield" in idea.description


class TestRiskPhrases:
    def test_an_added_risk_phrase_holds_the_idea(self, db: Session) -> None:
        add_term(db, "risk_phrase", "going to the viaduct", level="urgent")
        idea = _submit(db, "Tonight I am going to the viaduct, nobody will miss me.").idea
        assert idea.visibility == Visibility.held
        assert idea.screening_level == "urgent"

    def test_without_the_phrase_the_same_text_is_not_held_for_it(self, db: Session) -> None:
        idea = _submit(db, "Tomorrow we are going to the viaduct for a walk.").idea
        assert idea.visibility == Visibility.published

    def test_a_comment_is_screened_with_the_phrase_too(self, db: Session) -> None:
        add_term(db, "risk_phrase", "blue ticket", level="concern", category="self_harm")
        staff = create_user(db, roles={Role.staff})
        idea = create_idea(db, author=staff)
        comment = comments_service.add(
            db,
            subject=Subject.of(idea),
            principal=principal_for(db, staff),
            body="Thinking about the blue ticket again.",
        )
        db.commit()
        assert comment.visibility == Visibility.held
        assert any("self_harm" in r for r in comment.screening_reasons)


class TestPublicNumbers:
    def test_a_public_number_is_not_removed(self, db: Session) -> None:
        text = "Call the crisis line on 0800 952 0000 at night."
        assert "[phone number]" in _submit(db, text).idea.description
        add_term(db, "public_number", "0800 952 0000")
        assert _submit(db, text).idea.description == text


class TestPreviewAndRepeat:
    def test_the_preview_and_a_repeat_use_the_terms(self, db: Session) -> None:
        set_policy(db, anonymous_wait=False)
        add_term(db, "place", "Harrowfield")
        data = IdeaInput(
            title="About our ward", description="The Harrowfield bus is late.", category="other"
        )
        preview = ideas_service.redacted_preview(db, data)
        assert preview is not None
        assert preview["description"] == "The [place] bus is late."
        result = _submit(db, "The Harrowfield bus is late.")
        assert ideas_service.same_submission(db, result.idea, data)


class TestAddingTerms:
    @pytest.mark.parametrize(
        ("kind", "phrase", "level", "field"),
        [
            ("", "Harrowfield", None, "kind"),
            ("nonsense", "Harrowfield", None, "kind"),
            ("place", "   ", None, "phrase"),
            ("place", "x" * 101, None, "phrase"),
            ("risk_phrase", "viaduct", None, "level"),
            ("risk_phrase", "viaduct", "none", "level"),
            ("public_number", "not a number", None, "phrase"),
        ],
    )
    def test_bad_input_is_refused_with_a_clear_message(
        self, db: Session, kind: str, phrase: str, level: str | None, field: str
    ) -> None:
        with pytest.raises(InvalidInput) as raised:
            site_settings.add_term(
                db, kind=kind, phrase=phrase, level=level, category=None, actor_id=None
            )
        assert [e["field"] for e in raised.value.errors] == [field]

    def test_a_phrase_of_100_characters_is_fine(self, db: Session) -> None:
        add_term(db, "place", "x" * 100)
        assert site_settings.local_terms(db).places == ("x" * 100,)

    def test_removing_a_term_that_is_not_there_is_not_found(self, db: Session) -> None:
        for term_id in (999, 2**40):
            with pytest.raises(NotFound):
                site_settings.remove_term(db, term_id=term_id, actor_id=None)

    def test_the_terms_are_built_by_kind(self, db: Session) -> None:
        add_term(db, "place", "Harrowfield")
        add_term(db, "risk_phrase", "blue ticket", level="concern")
        add_term(db, "public_number", "0800 952 0000")
        terms = site_settings.local_terms(db)
        assert terms.places == ("Harrowfield",)
        assert [(p.phrase, str(p.level), p.category) for p in terms.risk_phrases] == [
            ("blue ticket", "concern", "local_phrase")
        ]
        assert terms.public_numbers == ("0800 952 0000",)
        assert {k.value for k in LocalTermKind} == {"place", "risk_phrase", "public_number"}
