"""Tests for app.moderation.screening: evaluation thresholds, pattern families, negation,
idioms, spans, redaction, the NHS number check, local terms, determinism and properties.

No database: these tests use only the pure ``screen()`` function.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.moderation.screening import (
    FAMILIES,
    Finding,
    Level,
    LocalRiskPhrase,
    LocalTerms,
    Screening,
    _compile_local,
    has_identifiers,
    is_valid_nhs_number,
    normalise,
    screen,
)
from bench.screening import (
    SETS,
    EvalSet,
    IdentifierReport,
    RiskReport,
    evaluate_identifiers,
    evaluate_risk,
    load_set,
)

SET_NAMES = list(SETS)

# ---------------------------------------------------------------------------------------------
# Evaluation sets: thresholds on the development set AND the held-out set.


Evaluated = tuple[EvalSet, RiskReport, IdentifierReport]


@pytest.fixture(scope="module", params=SET_NAMES)
def evaluated(request: pytest.FixtureRequest) -> Evaluated:
    s = load_set(request.param)
    return s, evaluate_risk(s.risk), evaluate_identifiers(s.identifiers)


def test_sets_are_big_enough_and_a_third_is_held_out() -> None:
    dev, held = load_set("development"), load_set("held-out")
    total = len(dev.risk) + len(held.risk)
    assert total >= 200
    assert len(dev.identifiers) + len(held.identifiers) >= 40
    assert 0.30 <= len(held.risk) / total <= 0.40
    for s in (dev, held):
        labels = {c.label for c in s.risk}
        assert labels == {"urgent", "concern", "topic", "plain"}
    assert not {c.text for c in dev.risk} & {c.text for c in held.risk}


def test_every_urgent_text_is_held(evaluated: Evaluated) -> None:
    s, rep, _ = evaluated
    missed = [c.text for c, sc in rep.results if c.label == "urgent" and sc.level is Level.NONE]
    urgent = rep.by_label["urgent"][Level.URGENT]
    assert not missed, f"{s.name}: urgent texts not held ({urgent}/{rep.count('urgent')} urgent)"


def test_concern_texts_are_flagged(evaluated: Evaluated) -> None:
    s, rep, _ = evaluated
    missed = [c.text for c, sc in rep.results if c.label == "concern" and sc.level is Level.NONE]
    assert rep.rate_flagged("concern") >= 0.90, f"{s.name}: {missed}"


def test_plain_ideas_are_rarely_flagged(evaluated: Evaluated) -> None:
    s, rep, _ = evaluated
    flagged = [c.text for c, sc in rep.results if c.label == "plain" and sc.level is not Level.NONE]
    assert rep.rate_flagged("plain") <= 0.05, f"{s.name}: {flagged}"


def test_no_topic_mention_is_urgent(evaluated: Evaluated) -> None:
    s, rep, _ = evaluated
    urgent = [c.text for c, sc in rep.results if c.label == "topic" and sc.level is Level.URGENT]
    assert not urgent, f"{s.name}: {urgent}"


_STRUCTURED = re.compile(r"[0-9@]")


def test_every_structured_identifier_is_removed() -> None:
    for name in SET_NAMES:
        for case in load_set(name).identifiers:
            redacted = screen(case.text).redacted_text
            for item in case.remove:
                if _STRUCTURED.search(item):  # NHS, phone, email, postcode, DOB, address
                    assert item not in redacted, f"{name}: {item!r} in {redacted!r}"


def test_names_are_removed_and_ordinary_text_kept(evaluated: Evaluated) -> None:
    s, _, ids = evaluated
    assert ids.removed / ids.total_remove >= 0.90, f"{s.name}: {ids.failures}"
    assert ids.kept / ids.total_keep >= 0.90, f"{s.name}: {ids.failures}"


def test_development_identifier_cases_are_all_right() -> None:
    ids = evaluate_identifiers(load_set("development").identifiers)
    assert not ids.failures


# ---------------------------------------------------------------------------------------------
# Pattern families: one or more examples each, with the level and family expected.

FAMILY_EXAMPLES = [
    ("goodbye_message", "urgent", "this is goodbye everyone"),
    ("goodbye_message", "urgent", "By the time anyone reads this I will be gone"),
    ("goodbye_message", "urgent", "i wrote letters to my family and said my goodbyes"),
    ("goodbye_hint", "concern", "I won't be around to see the new garden"),
    ("suicide_intent_or_plan", "urgent", "gonna end it 2nite"),
    ("suicide_intent_or_plan", "urgent", "I've saved up my tablets"),
    ("suicide_intent_or_plan", "urgent", "i have plan to finish my life tomorrow"),
    ("suicide_intent_or_plan", "urgent", "i'm planning my suicide"),
    ("overdose_taken", "urgent", "i have just taken an overdose"),
    ("overdose_taken", "urgent", "plz help i took too many tablets"),
    ("overdose_taken", "concern", "I overdosed in 2019 and the staff were cruel"),
    ("previous_attempt", "concern", "I tried to kill myself two years ago"),
    ("previous_attempt", "urgent", "I tried to end my life last night"),
    ("self_harm_now", "urgent", "im cutting rn"),
    ("self_harm_now", "urgent", "I'm going to hurt myself when I get home"),
    ("self_harm", "concern", "I used to self harm a lot"),
    ("self_harm", "concern", "I've been having urges to self harm again"),
    ("self_harm", "urgent", "i cut again last night"),
    ("suicidal_thoughts", "concern", "i want to die"),
    ("suicidal_thoughts", "concern", "i wanna kms"),
    ("suicidal_thoughts", "concern", "wish i could just go to sleep and not wake up"),
    ("suicidal_thoughts", "concern", "I feel suicidal most days"),
    ("suicidal_thoughts", "urgent", "i want to die and i have a plan for this weekend"),
    ("suicidal_thoughts", "urgent", "sucide is the only way out for me, i'll do it tonight"),
    ("hopelessness", "concern", "everyone would be better off without me"),
    ("hopelessness", "concern", "i cant go on like this"),
    ("hopelessness", "concern", "life isnt worth living anymore"),
    ("hopelessness", "concern", "I'm a burden to my family"),
    ("command_hallucination", "urgent", "the voices tell me to hurt my mum"),
    ("command_hallucination", "urgent", "the voice says i deserve to die"),
    ("distressing_voices", "concern", "the voices tell me I'm worthless"),
    ("threat_to_others", "urgent", "im going to stab her"),
    ("threat_to_others", "urgent", "I'm going to bring a knife to the ward"),
    ("harm_to_others", "concern", "some days i feel like hurting someone"),
    (
        "unwanted_sexual_contact",
        "urgent",
        "a man keeps coming into my room at night and touching me",
    ),
    ("unwanted_sexual_contact", "urgent", "he told me not to tell anyone"),
    ("assault_or_abuse", "urgent", "the HCA slapped me this morning"),
    ("assault_or_abuse", "concern", "I was abused as a child"),
    ("other_abuse", "concern", "the staff shout at patients and make fun of them"),
    ("domestic_abuse", "urgent", "my husband says he will kill me"),
    (
        "domestic_abuse_concern",
        "concern",
        "my partner checks my phone and won't let me see my friends",
    ),
    ("child_at_risk", "urgent", "my stepdad hurts my little sister"),
    ("child_at_risk", "urgent", "the kids are left on their own for days"),
    ("vulnerable_adult", "concern", "my mum on the dementia ward is left in wet sheets for hours"),
    ("someone_else_at_risk", "urgent", "My daughter says she is going to kill herself tonight"),
    ("someone_else_at_risk", "urgent", "my wife has taken an overdose"),
    ("someone_else_concern", "concern", "My son is suicidal and nobody calls back"),
    ("someone_else_concern", "concern", "my dad keeps talking about ending his life"),
]


@pytest.mark.parametrize(("family", "level", "text"), FAMILY_EXAMPLES)
def test_pattern_family(family: str, level: str, text: str) -> None:
    s = screen(text)
    assert s.level == level, (s.level, [(f.family, f.text) for f in s.risks])
    assert family in {f.family for f in s.risks}


def test_every_family_has_an_example() -> None:
    assert {f.name for f in FAMILIES} <= {f for f, _, _ in FAMILY_EXAMPLES}


def test_abuse_by_staff_gets_its_own_category() -> None:
    s = screen("The healthcare assistant slapped me this morning")
    assert s.level is Level.URGENT
    assert {f.category for f in s.risks} == {"abuse_by_staff"}
    past = screen("when I was on the ward in 2012 a member of staff hit me")
    assert past.level is Level.CONCERN
    assert past.risks[0].category == "abuse_by_staff"


def test_someone_else_at_risk_from_a_first_person_pattern() -> None:
    s = screen("My mum rang saying she's going to end it all tonight")
    assert s.level is Level.URGENT
    assert s.risks[0].category == "someone_else_at_risk"
    assert s.risks[0].reason.startswith("About someone else")


def test_risk_buried_in_a_long_idea() -> None:
    text = (
        "sorry for the long post. the ward is ok, food is ok, the activities coordinator is "
        "great and we do art on tuesdays which i like. but honestly ive already taken a lot "
        "of pills tonight and i just wanted someone to know. anyway more art please"
    )
    s = screen(text)
    assert s.level is Level.URGENT
    assert "taken a lot of pills" in s.risks[0].text


def test_risk_wording_is_not_redacted() -> None:
    s = screen("Nurse Kelly hit me and I want to die")
    assert s.redacted_text == "Nurse [name] hit me and I want to die"
    assert s.level is Level.URGENT


# ---------------------------------------------------------------------------------------------
# Negation, idioms and topic mentions.


@pytest.mark.parametrize(
    "text",
    [
        "I would never hurt myself",
        "i'd never hurt myself but the wait is awful",
        "I have never self harmed",
        "I'm not going to hurt anyone, I'm just frustrated",
        "They won't listen. I fell and hurt myself on the stairs, please fix them",
    ],
)
def test_negated_or_accidental_self_harm_is_not_flagged(text: str) -> None:
    assert screen(text).level is Level.NONE


@pytest.mark.parametrize(
    "text",
    [
        "I don't want to die",
        "I'm not suicidal but I am struggling a lot",
        "I'm not going to kill myself",
    ],
)
def test_denied_suicidal_wording_is_concern_never_urgent(text: str) -> None:
    # Decision (docs/safety/screening.md): denial still gets a person's look, never an alert.
    s = screen(text)
    assert s.level is Level.CONCERN
    assert "a person should still read it" in s.risks[0].reason


def test_negation_does_not_reach_across_a_clause() -> None:
    assert screen("they won't listen i cut myself again").level is not Level.NONE
    assert screen("I don't know why but I want to die").level is Level.CONCERN


@pytest.mark.parametrize(
    "text",
    [
        "the waiting is killing me",
        "I'm dying for a coffee by 10am",
        "staff were killing it at the quiz",
        "I'd kill for a quiet room",
        "My back is killing me from these chairs",
        "Bored to death on Sunday afternoons",
        "The music group is to die for",
        "This paperwork will be the death of me",
        "I laughed so hard I nearly died",
        "I don't want to die of boredom, more activities please",
        "I want to die my hair, can the hairdresser come?",
        "It hit me how much the art group helps",
        "Staff pushed me to try the gym and I'm glad",
        "Please cut the red tape for parking permits",
        "I won't be here next week as I'm on leave, can someone water the plants?",
        "The parking is hopeless",
        "I can't go on the trip next week",
        "Please don't kill off the walking group",
    ],
)
def test_idioms_are_not_flagged(text: str) -> None:
    s = screen(text)
    assert s.level is Level.NONE, [(f.family, f.text) for f in s.risks]


@pytest.mark.parametrize(
    "text",
    [
        "suicide prevention training for all staff",
        "leaflets about self-harm in the waiting room",
        "more support for people who self-harm",
        "support for men who feel suicidal is lacking",
        "how to talk to someone who is feeling suicidal",
        "If you feel suicidal call 111, put this on the posters",
        "My brother died by suicide and I want to help the bereavement group",
        "We need more help for people who want to kill themselves",
        "Patients who have attempted suicide need better follow-up",
    ],
)
def test_topic_mentions_are_not_flagged(text: str) -> None:
    s = screen(text)
    assert s.level is Level.NONE, [(f.family, f.text) for f in s.risks]


# ---------------------------------------------------------------------------------------------
# Normalisation and spans.


def test_normalise_expands_text_speak_and_typos() -> None:
    assert normalise("i wanna kms 2nite") == "i want to kill myself tonight"
    assert normalise("Im  SO\ttired") == "i'm so tired"
    assert normalise("I am gonna overdoze") == "i'm going to overdose"
    assert normalise("soooo lonely") == "so lonely"
    assert normalise("I\u2019m not ok \u2014 honestly") == "i'm not ok - honestly"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ok so i wanna kms 2nite tbh", "wanna kms 2nite"),
        ("The ward is lovely but I   want\tto die", "want\tto die"),
        ("so Im cutting rn", "Im cutting rn"),
        ("I\u2019ve saved up my tablets", "saved up my tablets"),
        ("\uff29 \uff57\uff41\uff4e\uff54 \uff54\uff4f \uff44\uff49\uff45 x", None),
        ("caf\u00e9 \u200bthen i want to die", "want to die"),
    ],
)
def test_spans_map_to_the_original_text(text: str, expected: str | None) -> None:
    s = screen(text)
    assert s.risks, text
    f = s.risks[0]
    a, b = f.span
    assert text[a:b] == f.text
    if expected is not None:
        assert f.text == expected
    else:  # fullwidth letters: the span covers the original characters
        assert text[a:b].startswith("\uff57")
        assert text[a:b].endswith("\uff45")


# ---------------------------------------------------------------------------------------------
# Identifiers and redaction labels.


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("My NHS number is 943 476 5919", "My NHS number is [NHS number]"),
        ("nhs 9434765919.", "nhs [NHS number]."),
        ("call 07700 900123 or 0113 496 0001", "call [phone number] or [phone number]"),
        ("mobile +44 (0)7700 900789", "mobile [phone number]"),
        ("email jo.bloggs@example.com", "email [email address]"),
        ("I live in ls1 4ap", "I live in [postcode]"),
        ("postcode SW1A1AA", "postcode [postcode]"),
        ("DOB 12/03/1985", "DOB [date of birth]"),
        ("born on 3rd March 1985", "born on [date of birth]"),
        ("date of birth: 1985-03-12", "date of birth: [date of birth]"),
        ("I live at 12 Acacia Avenue", "I live at [address]"),
        ("Flat 3, 45 High Street", "[address]"),
        ("Nurse Kelly Brown was kind", "Nurse [name] was kind"),
        ("Dr Patel was helpful", "Dr [name] was helpful"),
        ("my care coordinator Sarah Jones", "my care coordinator [name]"),
        ("the social worker called Tom Wright", "the social worker called [name]"),
        ("consultant Dr. Amir Khan", "consultant Dr. [name]"),
        ("a HCA named Bev", "a HCA named [name]"),
        ("Sarah Jones was lovely", "[name] was lovely"),
        ("Dr Lee was great. Lee said so.", "Dr [name] was great. [name] said so."),
    ],
)
def test_redaction_labels(text: str, redacted: str) -> None:
    s = screen(text)
    assert s.redacted_text == redacted
    assert has_identifiers(s)
    assert s.identifiers
    assert all(f.kind == "identifier" for f in s.identifiers)


@pytest.mark.parametrize(
    "text",
    [
        "Willow Ward and Cedar Ward need more staff; Riverside CMHT is great",
        "Dr appointments are always late",
        "I will hope for the best",
        "Hope this helps. Will you reply? Grace period please.",
        "mark my words, the summer fair may bring joy",
        "Frank discussion about the bill",
        "In May we had a rose garden",
        "My appointment on 12/03 was moved",
        "Call Samaritans on 116 123 or Childline on 0800 1111",
        "St Mary's and Florence Ward",
        "10 minute walk to the park",
    ],
)
def test_ordinary_words_places_and_helplines_are_kept(text: str) -> None:
    s = screen(text)
    assert s.redacted_text == text, s.identifiers
    assert not has_identifiers(s)


def test_a_ten_digit_number_failing_the_check_is_not_an_nhs_number() -> None:
    s = screen("A number on my letter, 9434765918, is it my NHS number?")
    assert "nhs_number" not in {f.category for f in s.identifiers}


@pytest.mark.parametrize("number", ["943 476 5919", "9434765919", "943-476-5919", "6091390996"])
def test_nhs_modulus_11_valid(number: str) -> None:
    assert is_valid_nhs_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "943 476 5918",  # wrong check digit
        "1234567890",  # check digit would be 10: never valid
        "943476591",  # nine digits
        "94347659190",  # eleven digits
        "943a4765919",  # not only digits and separators
    ],
)
def test_nhs_modulus_11_invalid(number: str) -> None:
    assert not is_valid_nhs_number(number)


# ---------------------------------------------------------------------------------------------
# Local terms.


def test_local_places_are_redacted_as_place() -> None:
    terms = LocalTerms(places=("Little Snoring", "Harrowfield"))
    s = screen("I live near little  snoring and go to Harrowfield market", local_terms=terms)
    assert s.redacted_text == "I live near [place] and go to [place] market"
    assert {f.category for f in s.identifiers} == {"place"}


def test_local_risk_phrases() -> None:
    terms = LocalTerms(
        risk_phrases=(
            LocalRiskPhrase("going to the viaduct", Level.URGENT, "suicidal_intent"),
            LocalRiskPhrase("on the brown", "concern", "substance_misuse"),  # type: ignore[arg-type]
        )
    )
    s = screen("honestly im going to the viaduct tonight", local_terms=terms)
    assert s.level is Level.URGENT
    assert s.risks[0].category == "suicidal_intent"
    assert s.risks[0].family == "local_terms"
    assert s.risks[0].text == "going to the viaduct"
    assert screen("back on the brown again", local_terms=terms).level is Level.CONCERN
    denied = screen("I'm not going to the viaduct, don't worry", local_terms=terms)
    assert denied.level is Level.CONCERN
    assert screen("honestly im going to the viaduct tonight").level is Level.NONE


def test_local_public_numbers_are_kept() -> None:
    terms = LocalTerms(public_numbers=("0800 952 0000",))
    assert screen("ring the crisis line 0800 952 0000", local_terms=terms).redacted_text == (
        "ring the crisis line 0800 952 0000"
    )
    assert "[phone number]" in screen("ring the crisis line 0800 952 0000").redacted_text


def test_local_terms_are_hashable_and_compiled_once() -> None:
    a = LocalTerms(places=["Harrowfield"])  # type: ignore[arg-type]
    b = LocalTerms(places=("Harrowfield",))
    assert a == b
    assert hash(a) == hash(b)
    _compile_local.cache_clear()
    screen("Harrowfield", local_terms=a)
    screen("Harrowfield again", local_terms=b)
    assert _compile_local.cache_info().hits == 1
    assert _compile_local.cache_info().misses == 1


def test_local_risk_phrase_needs_a_level() -> None:
    with pytest.raises(ValueError, match="concern or urgent"):
        LocalRiskPhrase("x", Level.NONE)
    with pytest.raises(ValueError, match="empty"):
        LocalRiskPhrase("  ", Level.URGENT)


# ---------------------------------------------------------------------------------------------
# API shape, determinism and properties.


def test_public_api_shape() -> None:
    s = screen("I want to die. Call me on 07700 900123")
    assert isinstance(s, Screening)
    assert s.level == "concern"
    assert s.held
    risk = s.risks[0]
    assert isinstance(risk, Finding)
    assert (risk.kind, risk.category, risk.level) == ("risk", "suicidal_thoughts", "concern")
    assert risk.span == (2, 13)
    assert risk.text == "want to die"
    assert risk.reason
    assert risk.family == "suicidal_thoughts"
    ident = s.identifiers[0]
    assert (ident.kind, ident.category, ident.level) == ("identifier", "phone_number", None)
    assert screen("A quiet room please").level == "none"
    assert not screen("A quiet room please").held


def test_screening_is_deterministic() -> None:
    texts = [c.text for name in SET_NAMES for c in load_set(name).risk]
    first = [screen(t) for t in texts]
    second = [screen(t) for t in reversed(texts)][::-1]
    assert first == second


_FRAGMENTS = st.sampled_from(
    [
        "Dr Patel",
        "Nurse Kelly Brown",
        " 943 476 5919 ",
        "07700 900123",
        "jo@example.com",
        "ls1 4ap",
        "DOB 12/03/1985",
        "12 Acacia Avenue",
        "i wanna kms 2nite",
        "I\u2019m not suicidal",
        "Sarah Jones",
        "\u200b",
        "\uff29",
        "\u0130",
        "\n",
        "  ",
    ]
)
_TEXTS = st.lists(st.one_of(st.text(max_size=40), _FRAGMENTS), max_size=8).map("".join)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXTS)
def test_property_never_raises_and_never_leaks(text: str) -> None:
    s = screen(text)
    assert s.level in (Level.NONE, Level.CONCERN, Level.URGENT)
    for f in s.findings:
        a, b = f.span
        assert 0 <= a <= b <= len(text)
        assert text[a:b] == f.text
    for f in s.identifiers:
        # the detected identifier is not left anywhere in the redacted text as a whole word
        assert not re.search(rf"(?<!\w){re.escape(f.text)}(?!\w)", s.redacted_text), (text, f)
    if not s.identifiers:
        assert s.redacted_text == text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_property_pattern_prefilters_are_sound(data: st.DataObject) -> None:
    # A pattern only runs if one of its literal anchors is in the text; check that every
    # string the pattern can match does contain one.
    patterns = [p for f in FAMILIES for p in f.patterns if p.anchors is not None]
    p = data.draw(st.sampled_from(patterns))
    sample = data.draw(st.from_regex(p.regex, fullmatch=True))
    assert any(a in sample for a in p.anchors or ()) or not p.words.isdisjoint(sample.split())
