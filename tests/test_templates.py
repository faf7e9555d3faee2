"""Templates: every (template, block) pair renders with hostile text and no undefined name in
our own templates; user text is escaped on real pages; and no page or stylesheet refers to
another site (no third party learns who reads what)."""

import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jinja2 import ChainableUndefined, Environment, nodes
from jinja2_fragments import render_block
from markupsafe import Markup
from sqlmodel import Session

from app.accounts import service as accounts
from app.assets import STATIC_DIR
from app.config import get_settings
from app.core import audit
from app.demographics import routes as demographics_routes
from app.measures import service as measures_service
from app.models import (
    CoproductionStage,
    DriverKind,
    DriverNode,
    Measure,
    MeasureAnnotation,
    MeasureDirection,
    MeasureKind,
    MeasurePoint,
    MeasureRecalculation,
    PDSADecision,
    ProgressScore,
    ProjectStatus,
    ReportReason,
    Role,
    SafeguardingStatus,
)
from app.models.projects import ENUMS
from app.moderation import service as moderation
from app.projects import drivers as drivers_module
from app.qi.chart import Annotation
from app.reports import suppression
from app.web.render import TEMPLATE_DIR, environment
from tests.factories import create_unit, create_user, sign_in
from tests.security.helpers import ATTR_XSS, PUBLIC_PAGES, SCRIPT_XSS, get_pages

# --- (a) every template and block, with hostile text ------------------------------------------


class RecordingUndefined(ChainableUndefined):
    """ChainableUndefined (what the NHS macros need) that remembers every undefined name
    looked up by one of *our* templates; the NHS macros' own lookups are theirs to make."""

    seen: ClassVar[list[str]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self._undefined_name == "caller":
            return  # Jinja's placeholder when a macro is called without {% call %}
        template = _innermost_template()
        if template is not None and template.is_relative_to(TEMPLATE_DIR):
            where = template.relative_to(TEMPLATE_DIR)
            RecordingUndefined.seen.append(f"{where}: {self._undefined_message}")


def _innermost_template() -> Path | None:
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.endswith((".html", ".jinja")):
            return Path(filename).resolve()
        frame = frame.f_back  # type: ignore[assignment]
    return None


@pytest.fixture(scope="module")
def strict_env() -> Environment:
    # The app's environment in every respect but the undefined class (and its own cache, so
    # templates compiled for the app's environment are not reused).
    return environment().overlay(undefined=RecordingUndefined, cache_size=100)


@pytest.fixture(autouse=True)
def _forget_undefined() -> Iterator[None]:
    RecordingUndefined.seen.clear()
    yield
    RecordingUndefined.seen.clear()


def hostile(label: str) -> str:
    return f"{SCRIPT_XSS}{ATTR_XSS}{label}"


NOW = datetime(2026, 11, 26, 14, 10, tzinfo=UTC)
VERIFICATION = SimpleNamespace(
    id=9,
    unit_id=3,
    job_title=hostile("job title"),
    status="declined",
    created_at=NOW,
    decided_at=NOW,
    decision_note=hostile("decision note"),
)
PERSON = SimpleNamespace(
    id=7,
    email=hostile("email"),
    display_name=hostile("name"),
    identity="carer",
    created_at=NOW,
    email_confirmed_at=None,
    email_updates=True,
    digest_daily=False,
    trusted=False,
)
UNIT = SimpleNamespace(id=3, name=hostile("unit"), kind="team", slug=hostile("slug"))
IDEA = SimpleNamespace(
    id=9,
    title=hostile("idea title"),
    description=hostile("idea description"),
    benefit=hostile("idea benefit"),
    status="accepted",
    submitted_as="carer",
    helped_by_id=3,
    visibility="published",
    moderation_reason=None,
    author_id=None,
    created_at=NOW,
    vote_count=2,
    comment_count=1,
    # Triage: the original of a duplicate, its owner, its first response.
    merged_into_id=4,
    owner_id=7,
    first_response_at=None,
    unit_id=3,
    # Changed, then withdrawn, by its author.
    edited_at=NOW,
    withdrawn_at=NOW,
)
COMMENT = SimpleNamespace(
    id=5,
    subject_kind="idea",
    subject_id=9,
    author_id=PERSON.id,
    author_is_staff=False,
    author_identity="carer",
    body=hostile("comment"),
    created_at=NOW,
    edited_at=NOW,
    deleted_at=None,
)
REPLY = SimpleNamespace(**(vars(COMMENT) | {"id": 6, "author_id": 8, "author_is_staff": True}))
# Fits both the audit log's rows and an idea's timeline.
EVENT = SimpleNamespace(
    at=NOW,
    event=hostile("event"),
    actor_id=1,
    subject_user_id=2,
    kind="status",
    actor_role=hostile("actor role"),
    to_status="accepted",
    note=hostile("note"),
)
ERRORS = [
    {"field": "email", "msg": hostile("message")},
    {"field": ATTR_XSS, "msg": hostile("other message")},
]
VALUES = {
    # The moderation policy and local terms (app/settings).
    "anonymous_wait": "yes",
    "new_accounts_wait": "no",
    "new_account_days": hostile("typed days"),
    "trust_after_published": "3",
    "shared_address_hard_cap": "50",
    "phrase": hostile("typed phrase"),
    "level": "urgent",
    "sample": hostile("typed sample"),
    "email": hostile("typed email"),
    "display_name": hostile("typed name"),
    "identity": "carer",
    "name": hostile("typed unit"),
    "kind": "team",
    "parent_id": "",
    "title": hostile("typed title"),
    "description": hostile("typed description"),
    "benefit": hostile("typed benefit"),
    "category": "food",
    "submitted_as": "carer",
    "helped": "yes",
    "consent": "yes",
    "unit_q": hostile("typed place"),
    "unit_id": "3",
    "reason": "unkind",
    "details": hostile("typed details"),
    "body": hostile("typed comment"),
    # Projects and measures.
    **{
        name: hostile(f"typed {name}")
        for name in (
            "aim_what",
            "aim_how_much",
            "aim_by_when",
            "aim_for_whom",
            "aim_where",
            "what_changed",
            "idea_id",
            "training",
            "hours",
            "note",
            "definition",
            "unit_label",
            "data_source",
            "target",
            "baseline_points",
            "value",
            "text",
            "objective",
            "change",
            "question",
            "prediction",
            "plan_who",
            "plan_what",
            "plan_when",
            "plan_where",
            "data_plan",
            "what_happened",
            "observations",
            "problems",
            "result",
            "learning",
            "next_step",
            "q",
        )
    },
    "status": "active",
    "rung_defining": "co_design",
    "rung_designing": "",
    "rung_testing": "",
    "rung_evaluating": "",
    "role": "lead",
    "involvement": "big_i",
    "member_id": "2",
    "recognition": "payment",
    "benefits_advice": "yes",
    "score": "2.5",
    "to": "stopped",
    "direction": "down",
    "rule_set": "mdc_2024",
    "on_date": "2026-03-02",
    "note_date": "2026-03-02",
    "recalc_date": "2026-03-02",
    "replace": "yes",
    "decision": "adopt",
    "planned_start": "2026-03-02",
    "change_idea_id": "12",
}
# Projects and measures: real objects where the templates call their methods.
MEMBER = SimpleNamespace(
    id=2, role="service_user_partner", involvement="big_i", name=hostile("member"), user_id=None
)
PROJECT = SimpleNamespace(
    id=4,
    title=hostile("project title"),
    aim=hostile("aim"),
    status="active",
    progress_score="2.5",
    started_at=NOW,
    what_changed=hostile("what changed"),
    unit_id=3,
)
NODE = DriverNode(id=11, project_id=4, kind=DriverKind.primary, text=hostile("driver"), idea_id=9)
CHANGE = DriverNode(
    id=12, project_id=4, kind=DriverKind.change_idea, text=hostile("change"), idea_id=9
)
DIAGRAM = drivers_module.assemble([NODE, CHANGE], [(11, 12)])
CYCLE = SimpleNamespace(
    id=6,
    number=1,
    title=hostile("cycle"),
    status="acting",
    decision="adopt",
    started_on=NOW.date(),
    planned_start=NOW.date(),
    finished_on=None,
    next_step=hostile("next step"),
)
MEASURE = Measure(
    id=8,
    project_id=4,
    name=hostile("measure"),
    kind=MeasureKind.outcome,
    direction=MeasureDirection.down,
    target=10,
    unit_label=hostile("unit label"),
    definition=hostile("definition"),
    data_source=hostile("source"),
    baseline_points=12,
    latest_value=5,
    latest_on=NOW.date(),
    latest_summary=hostile("summary"),
)
_POINTS = [
    MeasurePoint(id=i + 1, measure_id=8, on_date=NOW.date() + timedelta(weeks=i), value=v)
    for i, v in enumerate([24, 26, 25, 27, 24, 25, 26, 24, 27, 25, 26, 25, 24, 14, 13, 12])
]
VIEW = measures_service.MeasureView(
    measure=MEASURE,
    points=_POINTS,
    analysis=measures_service.analyse(MEASURE, _POINTS),
    notes=[MeasureAnnotation(id=1, measure_id=8, on_date=NOW.date(), text=hostile("note"))],
    recalculations=[
        MeasureRecalculation(id=1, measure_id=8, on_date=NOW.date(), reason=hostile("reason"))
    ],
    annotations=[Annotation(3, hostile("annotation"))],
)
ICON = Markup('<svg class="fc-icon" role="img"><title>icon</title></svg>')
MATRIX = [
    {
        "measure": MEASURE,
        "project": PROJECT,
        "unit_name": hostile("unit name"),
        "latest": "5",
        "variation": ICON,
        "assurance": ICON,
    }
]
TRIED = {
    "ideas": [(IDEA, hostile("place"))],
    "projects": [(PROJECT, hostile("place"))],
    "asked": True,
}
PROJECT_CONTEXT: dict[str, Any] = {
    "qi": ENUMS,
    "project": PROJECT,
    "big_i": True,
    "ideas": [IDEA],
    "team": [
        {
            "role": "service_user_partner",
            "people": [{"member": MEMBER, "name": hostile("name")}],
            "big_i": 1,
            "little_i": 1,
        }
    ],
    "show_names": True,
    "stages": [(CoproductionStage.defining, "co_design")],
    "diagram": DIAGRAM,
    "diagram_svg": Markup('<svg class="fc-diagram__svg" role="img"></svg>'),
    "ramps": [{"change_idea": CHANGE, "cycles": [{"cycle": CYCLE, "label": "PDSA 1"}]}],
    "views": [VIEW],
    "view": VIEW,
    "heading": "h3",
    "link_name": True,
    "show_project": True,
    "matrix": MATRIX,
    "progress": [SimpleNamespace(recorded_at=NOW, score="2.5", note=hostile("progress note"))],
    "contributions": [
        SimpleNamespace(
            on_date=NOW.date(),
            member_id=2,
            hours=1.5,
            training=hostile("training"),
            recognition="payment",
            benefits_advice_offered=True,
        )
    ],
    "members_by_id": {2: hostile("member name")},
    "members": [(MEMBER, PERSON)],
    "found": [(IDEA, hostile("unit name"))],
    "moves": [ProjectStatus.sustaining, ProjectStatus.stopped],
    "scores": ProgressScore,
    "rows": [SimpleNamespace(project=PROJECT, unit_name=hostile("unit"), improvement=True)],
    "more": True,
    "page_number": 2,
    "outcome_choices": [("improvement", "Improvement shown")],
    "from_idea": IDEA,
    "start_choices": [("active", "Start it now")],
    "kind": "secondary",
    "parent_options": [("11", hostile("parent"))],
    "chosen_parents": {"11"},
    "edit_options": {11: [], 12: [("11", hostile("parent"))]},
    "cycle": CYCLE,
    "change_ideas": [("12", hostile("change idea"))],
    "decisions": PDSADecision,
    "label": "PDSA 1",
    "change_idea": CHANGE,
    "written": [("plan", [("objective", hostile("objective"))]), ("act", [("decision", "adopt")])],
    "next_status": "done",
    "items": [
        {
            "idea": IDEA,
            "unit_name": hostile("unit"),
            "projects": [PROJECT],
            "note": EVENT,
            "outcome": VIEW,
        }
    ],
    "tried": TRIED,
    "form_button": True,
    "idea_projects": [PROJECT],
    "latest_outcome": {"measure": MEASURE, "project": PROJECT, "icon": ICON},
    "may_start_project": True,
    "measure": MEASURE,
    "max_mb": 1,
    "key": {"variation": [(ICON, "Common cause variation")], "assurance": [(ICON, "Pass")]},
}
SAFEGUARDING_ENTRY = SimpleNamespace(
    item=SimpleNamespace(
        id=3,
        idea_id=IDEA.id,
        level="urgent",
        status="acknowledged",
        source="report",
        reasons=[hostile("reason")],
        acknowledged_at=NOW,
        escalated_at=NOW,
        closed_at=NOW,
        action_note=hostile("action note"),
    ),
    idea=IDEA,
    comment=COMMENT,
    text={"title": hostile("typed title"), "description": hostile("typed"), "body": "x"},
    contacts=[hostile("contact")],
    overdue=True,
    submitted_at=NOW,
    acknowledged_by=hostile("acknowledged by"),
    closed_by=hostile("closed by"),
)

# Moderation: an idea waiting after reports and a reported comment, as the queue sees them.
MOD_IDEA = SimpleNamespace(
    **vars(IDEA)
    | {
        "visibility": "pending_moderation",
        "screening_level": "none",
        "screening_reasons": [hostile("screening reason")],
        "moderation_flags": [hostile("flag")],
        "moderation_reason": hostile("moderation reason"),
        "author_id": PERSON.id,
    }
)
MOD_COMMENT = SimpleNamespace(
    **vars(COMMENT)
    | {
        "visibility": "published",
        "screening_level": "none",
        "screening_reasons": [hostile("screening reason")],
        "moderation_reason": None,
    }
)
MOD_REPORT = SimpleNamespace(reason="abusive", details=hostile("report details"), created_at=NOW)
MOD_IDEA_ENTRY = moderation.Entry(
    moderation.Item(idea=MOD_IDEA),  # type: ignore[arg-type]
    [MOD_REPORT],  # type: ignore[list-item]
    None,
    True,
)
MOD_COMMENT_ENTRY = moderation.Entry(
    moderation.Item(comment=MOD_COMMENT),  # type: ignore[arg-type]
    [MOD_REPORT],  # type: ignore[list-item]
    hostile("about"),
    False,
)


def moderation_item(entry: moderation.Entry) -> dict[str, Any]:
    return {
        "entry": entry,
        "item": entry.item,
        "text": entry.item.fields(),
        "reject_reasons": moderation.RejectReason,
        "decide_url": "/moderation/ideas/9/decision",
        "redact_url": "/moderation/ideas/9/redact",
    }


BASE_CONTEXT: dict[str, Any] = {
    # What app.web.render.render always provides.
    "request": SimpleNamespace(base_url="http://testserver/", url=SimpleNamespace(path="/")),
    "current_user": PERSON,
    "current_roles": frozenset({Role.admin}),
    "unread_count": 3,
    "csp_nonce": "nonce-for-tests",
    "path": "/admin",
    # What the routes provide.
    "errors": ERRORS,
    "values": VALUES,
    "notice": hostile("notice"),
    "next": "/account",
    "resume_json": '{"display_name": "' + ATTR_XSS + '"}',
    "resumed": True,
    "user": PERSON,
    "roles": ["service_user", hostile("role")],
    "sessions": [
        SimpleNamespace(id=1, user_agent=hostile("browser"), last_seen_at=NOW),
        SimpleNamespace(id=2, user_agent="", last_seen_at=NOW),
    ],
    "this_session_id": 1,
    "tokens": [
        SimpleNamespace(
            id=4,
            name=hostile("token"),
            prefix=hostile("fc"),
            created_at=NOW,
            scopes="read " + hostile("scope"),
            expires_at=NOW,
        )
    ],
    "now": NOW,
    "new_token_row": SimpleNamespace(scopes="read write", expires_at=NOW),
    "asks_code": True,
    "token_scope_items": [{"value": "write", "text": hostile("scope label"), "checked": True}],
    "token_day_items": [{"value": 90, "text": hostile("days"), "selected": True}],
    "new_token": hostile("new token"),
    "token": hostile("reset token"),
    "email": hostile("reset email"),
    "action": "/account/profile",
    "fields": {"display_name": hostile("resumed"), hostile("field name"): "x"},
    "events": [
        EVENT,
        SimpleNamespace(**(vars(EVENT) | {"kind": "submitted", "actor_id": None, "note": ""})),
    ],
    "outbox_visible": True,
    "outbox": SimpleNamespace(
        stuck=True, waiting=2, oldest_waiting_minutes=30, failed=1, retrying=1
    ),
    "failed_mail": [
        SimpleNamespace(
            created_at=NOW,
            to_address=hostile("to"),
            subject=hostile("subject"),
            attempts=5,
            last_error=hostile("reason"),
        )
    ],
    "messages": [
        SimpleNamespace(
            subject=hostile("subject"),
            to_address=hostile("to"),
            created_at=NOW,
            sent_at=None,
            body_text=hostile("body"),
        )
    ],
    "kinds": ["team", "service"],
    "tree": [
        SimpleNamespace(
            unit=SimpleNamespace(id=1, name=hostile("org"), kind="organisation", slug="org"),
            depth=0,
        ),
        SimpleNamespace(unit=UNIT, depth=1),
    ],
    "person": PERSON,
    "person_roles": frozenset({"carer"}),
    # Site settings: local terms and what screening made of a sample.
    "terms": [
        SimpleNamespace(
            id=2,
            kind="risk_phrase",
            phrase=hostile("phrase"),
            level="urgent",
            category="self_harm",
            created_at=NOW,
        )
    ],
    "kind_labels": {"risk_phrase": "Risk phrase", "place": "Place"},
    "risk_categories": ["local_phrase", "self_harm"],
    "soft_limit": 5,
    "tried_screening": SimpleNamespace(
        held=True,
        level="urgent",
        risks=[SimpleNamespace(reason=hostile("risk reason"))],
        identifiers=[SimpleNamespace(category="phone_number")],
        redacted_text=hostile("redacted"),
    ),
    "held": True,
    "member_of": {3},
    "people": [PERSON],
    "q": hostile("search"),
    "status": 500,
    "title": hostile("title"),
    "detail": hostile("detail"),
    # Ideas.
    "idea": IDEA,
    "unit": UNIT,
    "category": SimpleNamespace(name=hostile("category"), slug="food"),
    "categories": [SimpleNamespace(name=hostile("category"), slug=hostile("category slug"))],
    # Labels are constants in the code: `_()` marks what it returns as safe, so it must
    # never be given user text (hence no hostile label here).
    "sort_choices": [("newest", "Newest first")],
    "reasons": ReportReason,
    "identity_public": lambda identity: hostile("a carer"),
    "submitted_by": hostile("a carer"),
    "may": {
        "vote": True,
        "comment": True,
        "follow": True,
        "report": True,
        "edit": True,
        "create": True,
        "contributions": True,
    },
    "receipt_link": "http://testserver/ideas/receipt/" + hostile("receipt"),
    "poster_link": lambda unit: "/units/x/poster",
    "chosen": {
        "q": hostile("query"),
        "sort": "newest",
        "unit": "",
        "category": "",
        "status": "",
        "kind": "",
        "outcome": "",
    },
    "page": SimpleNamespace(
        rows=[SimpleNamespace(idea=IDEA, unit_name=hostile("unit name"))],
        next_cursor=hostile("cursor"),
    ),
    "cursor": hostile("cursor"),
    "voted": {IDEA.id},
    "voting_open": True,
    "announce": True,
    "following": True,
    "comment_order": "newest",
    "threads": [(COMMENT, [REPLY])],
    "comment_action": "/ideas/3/comments",
    "comment_page": "/ideas/3",
    "c": COMMENT,
    "comment": COMMENT,
    "comment_id": 5,
    "editable": {COMMENT.id},
    "deletable": {COMMENT.id, REPLY.id},
    "similar": [SimpleNamespace(idea=IDEA, unit_name=hostile("similar unit"))],
    "limits": SimpleNamespace(title=120, description=2000, benefit=1000),
    "can_help": True,
    "form_token": hostile("form token"),
    "started": hostile("started"),
    "started_sig": hostile("signature"),
    "just_sent": True,
    "receipt": hostile("receipt"),
    "response_days": 10,
    "done": False,
    "activity": [(EVENT, IDEA)],
    "notifications": [
        SimpleNamespace(
            notification=SimpleNamespace(read_at=None, kind="comment", created_at=NOW),
            idea=IDEA,
            project=None,
        ),
        SimpleNamespace(
            notification=SimpleNamespace(read_at=NOW, kind="project_status", created_at=NOW),
            idea=None,
            project=PROJECT,
        ),
    ],
    "mine": [IDEA],
    # Unit posters: the QR code is SVG the app draws itself.
    "qr_svg": Markup('<svg class="fc-qr" viewBox="0 0 1 1"></svg>'),
    "idea_url": "http://127.0.0.1:8000/ideas/new?unit=ward",
    "display_url": hostile("display url"),
    # Projects and measures.
    **PROJECT_CONTEXT,
    # Staff verification: the account page's request form and the admin queue.
    "verification": {"may_ask": True, "latest": VERIFICATION, "tree": []},
    "requests": [(VERIFICATION, PERSON)],
    "unit_names": {UNIT.id: hostile("verification unit")},
    "pending_verifications": 2,
    # The audit log: its filters as typed, and rows (details hold ids and codes, but a row
    # written behind the app's back must still be shown safely).
    "audit_filters": {
        "event": "signin.failed",
        "person": hostile("person"),
        "from": hostile("from"),
        "to": "",
        "address": hostile("address"),
        "record": "idea",
        "number": hostile("number"),
    },
    "event_options": [("signin.failed", "Sign-in failed")],
    "event_labels": {"signin.failed": "Sign-in failed"},
    "filter_query": "event=signin.failed",
    "audit_rows": [
        (
            SimpleNamespace(
                id=9,
                at=NOW,
                event=hostile("event"),
                actor_id=3,
                subject_user_id=4,
                ip_address=hostile("address"),
            ),
            audit.described(
                {"reason": hostile("reason"), "added": [hostile("role")], "idea_id": 3}
            ),
        )
    ],
    "emails": {3: hostile("email")},
    "record_options": [("idea", hostile("record kind"))],
    "next_before": 9,
    "paged": True,
    # Two-step sign-in: the account and admin pages, setting up, the codes, the sign-in step.
    "two_step": SimpleNamespace(enabled=True, since=NOW, codes_left=2, required=True),
    "setup_started": True,
    "required": True,
    "otpauth_uri": "otpauth://totp/Trust:someone%40example.org?secret=ABCD&issuer=Trust",
    "secret_groups": hostile("setup key"),
    "codes": [hostile("recovery code"), "abcd-efgh-jkmn-pqrs"],
    "continue_to": "/account",
    "recovery": True,
    "purpose": "off",
    # Safeguarding: the queue, an item, the original of screened text, a held comment.
    "entries": [SAFEGUARDING_ENTRY],
    "entry": SAFEGUARDING_ENTRY,
    "escalate_minutes": 30,
    "closed": True,
    "own": {"edit": True, "withdraw": True},
    "statuses": SafeguardingStatus,
    "original": {"title": hostile("original title"), "description": hostile("original")},
    "comment_originals": {COMMENT.id: {"body": hostile("original comment")}},
    "back": "/ideas/9",
    "preview": {"title": hostile("preview title"), "description": "x", "benefit": "y"},
    "comment_preview": {
        "description": hostile("comment preview"),
        "form": "reply-form-3",
        "change": "#reply-3",
    },
}


def report_table(key: str) -> suppression.Table:
    """A report table with a shown count, a suppressed one, a rate and hostile labels."""
    columns = [
        suppression.Column("n", hostile("column")),
        suppression.Column(
            "r", hostile("rate"), suppression.Kind.rate, numerator="n", denominator="n"
        ),
    ]
    rows = [
        suppression.RawRow("north", hostile("row"), {"n": 12}),
        suppression.RawRow("__total__", "Total", {"n": 3}),
    ]
    return suppression.suppress(suppression.RawTable(key, hostile("table"), columns, rows, "x"))


REPORT_PERIOD = SimpleNamespace(first=NOW.date(), last=NOW.date())
REPORT_CHART = SimpleNamespace(
    key="submissions",
    title=hostile("chart"),
    summary=hostile("summary"),
    svg=ICON,
    table=report_table("monthly"),
    withheld=hostile("withheld"),
)
REPORT_PAGE = {
    "subject": SimpleNamespace(period=REPORT_PERIOD, label=hostile("unit label"), unit=None),
    "sections": [
        SimpleNamespace(
            key="funnel",
            title=hostile("section"),
            notes=[hostile("note")],
            tables=[report_table("funnel")],
        )
    ],
    "charts": [REPORT_CHART],
    "chosen": {"from": "2026-01-01", "to": "2026-06-30", "unit": ""},
    "everywhere": True,
    "filter_query": "from=2026-01-01",
    "generated": NOW,
    "title": hostile("title"),
    "period": REPORT_PERIOD,
    "unit_label": hostile("unit"),
}

# Names that mean different things on different pages.
OVERRIDES: dict[str, dict[str, Any]] = {
    "reports/index.html": REPORT_PAGE,
    "reports/_print_header.html": REPORT_PAGE,
    "reports/transparency.html": {
        "generated": NOW,
        "figures": SimpleNamespace(
            period=REPORT_PERIOD,
            headline=report_table("transparency"),
            reach=report_table("reach"),
            fairness=report_table("fairness_ethnic_group"),
        ),
    },
    "reports/populations.html": {
        "unit": UNIT,
        "groups": [demographics_routes.EthnicGroup.asian, demographics_routes.EthnicGroup.white],
        "values": {"asian": hostile("people"), "white": "12"},
    },
    "demographics/form.html": {
        "action": "/demographics",
        "delete_action": "/demographics/delete",
        "has_answers": True,
        "via_receipt": True,
        "ethnicity_groups": demographics_routes.ethnicity_groups(),
        "prefer_not": demographics_routes.Ethnicity.prefer_not,
        "values": {
            "ethnicity": hostile("ethnicity"),
            "age_band": "18_24",
            "sex": "female",
            "gender_same_as_sex": "yes",
            "disability": "no",
        },
        "enums": {
            "AgeBand": demographics_routes.AgeBand,
            "Sex": demographics_routes.Sex,
            "GenderSameAsSex": demographics_routes.GenderSameAsSex,
            "Disability": demographics_routes.Disability,
        },
    },
    "admin/users.html": {"roles": {7: frozenset({"carer"})}},
    "activity/me.html": {"voted": [IDEA], "following": [IDEA]},
    "projects/form.html": {"stages": [(CoproductionStage.defining, "rung_defining")]},
    "projects/library.html": {"big_i": {PROJECT.id}},
    "moderation/queue.html": {"entries": [MOD_IDEA_ENTRY, MOD_COMMENT_ENTRY]},
    "moderation/item.html": moderation_item(MOD_IDEA_ENTRY),
    "moderation/_outcome.html": {
        "idea": SimpleNamespace(visibility="hidden", moderation_reason=hostile("reason"))
    },
    "triage/queue.html": {
        "queue": SimpleNamespace(
            entries=[
                SimpleNamespace(
                    idea=IDEA,
                    row=SimpleNamespace(
                        owner_name=hostile("owner"),
                        unit_name=hostile("unit"),
                        category_name=hostile("category"),
                    ),
                    age_days=3,
                    due=NOW.date(),
                    overdue=True,
                )
            ],
            total=60,
            page=1,
            pages=2,
        ),
        "chosen": {"unit": "", "category": "", "status": "", "only": ["overdue"], "sort": "due"},
        "filter_query": "sort=due",
        "queue_statuses": ["submitted", "under_review"],
    },
    "triage/idea.html": {
        "triaged": SimpleNamespace(
            idea=IDEA,
            unit=UNIT,
            category=SimpleNamespace(name=hostile("category")),
            owner_name=hostile("owner"),
            due=NOW.date(),
            overdue=True,
        ),
        "notes": [(SimpleNamespace(id=3, body=hostile("note"), created_at=NOW), hostile("author"))],
        "staff": [PERSON],
        "moves": ["accepted", "duplicate"],
        "needs_message": ["done", "not_taken_forward"],
        "original": IDEA,
        "check": SimpleNamespace(
            has_identifiers=True,
            removed=[hostile("kind")],
            public=hostile("public"),
            hard_to_read=True,
            score=42.5,
            reading=hostile("hard to read"),
        ),
        "check_form": "status",
        "values": VALUES
        | {"form": "status", "message": hostile("message"), "duplicate_of": hostile("dup")},
    },
}


def template_names() -> list[str]:
    return sorted(str(p.relative_to(TEMPLATE_DIR)) for p in TEMPLATE_DIR.rglob("*.html"))


def render_cases() -> list[tuple[str, str | None, dict[str, Any]]]:
    """(template, block or None for the whole page, context overrides)."""
    env = environment()
    cases: list[tuple[str, str | None, dict[str, Any]]] = []
    for name in template_names():
        extra = OVERRIDES.get(name, {})
        # Parsed, not compiled: a template that does not compile fails its own test.
        tree = env.parse((TEMPLATE_DIR / name).read_text())
        blocks = [b.name for b in tree.find_all(nodes.Block) if not _calls_super(b)]
        cases.extend((name, block, extra) for block in [None, *blocks])
    for status in (401, 403, 404, 405, 422, 429):
        cases.append(("errors/error.html", None, {"status": status}))
    cases.append(("accounts/sign_in.html", None, {"resumed": False, "resume_json": ""}))
    cases.append(("pages/home.html", None, {"current_user": None, "current_roles": frozenset()}))
    off = SimpleNamespace(enabled=False, since=None, codes_left=0, required=False)
    cases += [
        ("accounts/account.html", None, {"two_step": off}),
        ("admin/user.html", None, {"two_step": off}),
        ("admin/user.html", None, {"current_user": SimpleNamespace(id=1, display_name="Admin")}),
        ("accounts/mfa_setup.html", None, {"setup_started": False, "required": False}),
        ("accounts/mfa_code.html", None, {"recovery": False}),
        ("accounts/mfa_confirm.html", None, {"purpose": "codes"}),
        ("moderation/item.html", None, moderation_item(MOD_COMMENT_ENTRY)),
    ]
    return cases


def _calls_super(block: nodes.Block) -> bool:
    # A block that extends its parent's ({{ super() }}) only exists inside the whole page,
    # which is rendered as a case of its own.
    return any(
        isinstance(call.node, nodes.Name) and call.node.name == "super"
        for call in block.find_all(nodes.Call)
    )


def case_id(case: tuple[str, str | None, dict[str, Any]]) -> str:
    name, block, extra = case
    return f"{name}:{block or 'page'}" + (
        "+" + ",".join(f"{k}={v}" for k, v in extra.items())
        if extra and name != "admin/users.html"
        else ""
    )


def assert_escaped(html: str) -> None:
    assert SCRIPT_XSS not in html
    assert ATTR_XSS not in html
    soup = BeautifulSoup(html, "html.parser")
    assert not [s for s in soup.find_all("script") if "alert(1)" in s.text]
    assert not soup.find_all(onerror=True)


class TestEveryTemplate:
    def test_every_template_is_covered(self) -> None:
        names = template_names()
        assert "base.html" in names
        assert len(names) >= 20

    @pytest.mark.parametrize("case", render_cases(), ids=case_id)
    def test_renders_escaped_with_no_undefined_names(
        self, strict_env: Environment, case: tuple[str, str | None, dict[str, Any]]
    ) -> None:
        name, block, extra = case
        context = BASE_CONTEXT | extra
        if block is None:
            html = strict_env.get_template(name).render(context)
        else:
            html = render_block(strict_env, name, block, context)
        assert RecordingUndefined.seen == []
        assert_escaped(html)

    @pytest.mark.parametrize("case", [c for c in render_cases() if c[1] is None], ids=case_id)
    def test_every_id_on_a_page_is_unique(
        self, strict_env: Environment, case: tuple[str, str | None, dict[str, Any]]
    ) -> None:
        """A label points at its field by id: two elements with one id leave a field without
        its label (a screen reader reads nothing; the "Change the status" heading once took
        the id of the first status radio)."""
        name, _block, extra = case
        # ``announce`` is set for the vote button's HTMX fragment only (an out-of-band swap
        # of the page's one live region), never for a whole page.
        html = strict_env.get_template(name).render(BASE_CONTEXT | extra | {"announce": False})
        ids = [str(tag["id"]) for tag in BeautifulSoup(html, "html.parser").find_all(id=True)]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        assert repeated == [], f"{name}: {repeated}"

    def test_the_recorder_catches_an_undefined_name(self, strict_env: Environment) -> None:
        strict_env.from_string("{{ no_such_name.at_all }}").render()
        assert RecordingUndefined.seen == []  # from_string is not one of our template files
        render_block(strict_env, "admin/user.html", "title", {})
        assert "admin/user.html: 'person' is undefined" in RecordingUndefined.seen

    def test_shared_macros_escape(self, strict_env: Environment) -> None:
        # The module's macros are attributes made at run time, unknown to the type checker.
        macros: Any = strict_env.get_template("_macros.html").make_module(BASE_CONTEXT)
        assert_escaped(str(macros.error_summary(ERRORS)))
        assert_escaped(str(macros.notice_banner(hostile("notice"))))
        assert "alert(1)" in str(macros.notice_banner(hostile("notice")))  # shown, as text


# --- (b) pages end to end ---------------------------------------------------------------------


class TestPagesEscapeUserText:
    def test_hostile_name_and_email(self, client: TestClient, db: Session) -> None:
        person = create_user(db, display_name=f"{SCRIPT_XSS}{ATTR_XSS}"[:80])
        # No form accepts such an address now; a row from before, or written behind the
        # app's back, must still be shown safely.
        person.email = f"{ATTR_XSS}@example.org"
        db.add(person)
        db.commit()
        admin = create_user(db, roles={Role.admin})
        with TestClient(client.app, base_url="http://testserver") as theirs:
            sign_in(theirs, person)
            own_page = theirs.get("/account")
            assert own_page.status_code == 200
            assert "alert(1)" in own_page.text
            assert_escaped(own_page.text)
        sign_in(client, admin)
        for path in ("/admin/users", f"/admin/users/{person.id}", "/admin/users?q=alert"):
            response = client.get(path)
            assert response.status_code == 200
            assert "alert(1)" in response.text, path
            assert_escaped(response.text)

    def test_hostile_search_text_is_escaped(self, client: TestClient, db: Session) -> None:
        sign_in(client, create_user(db, roles={Role.admin}))
        response = client.get("/admin/users", params={"q": ATTR_XSS})
        assert response.status_code == 200
        assert_escaped(response.text)


# --- (c) no third-party URLs ------------------------------------------------------------------

URL_ATTRIBUTES = ("src", "href", "action", "formaction", "srcset", "poster", "data", "manifest")
ALLOWED_SCHEMES = {"tel", "sms", "mailto"}
# The test client's host, and the configured address used in links meant to be shared.
OWN_HOSTS = {"", "testserver", urlsplit(get_settings().base_url).netloc}
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)")


def urls_in(html: str) -> Iterator[str]:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        for attribute in URL_ATTRIBUTES:
            value = tag.get(attribute)
            if value is None:
                continue
            assert isinstance(value, str), (attribute, value)  # none of these is multi-valued
            if attribute == "srcset":
                yield from (part.split()[0] for part in value.split(",") if part.strip())
            else:
                yield value
        inline_style = tag.get("style", "")
        assert isinstance(inline_style, str), inline_style
        yield from CSS_URL.findall(inline_style)
    for style in soup.find_all("style"):
        yield from CSS_URL.findall(style.text)


def assert_first_party(response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    urls = list(urls_in(response.text))
    for url in urls:
        parts = urlsplit(url.strip())
        where = f"{url!r} on {response.request.url}"
        if parts.scheme in ALLOWED_SCHEMES:
            continue
        assert parts.scheme in ("", "http", "https"), where
        assert parts.netloc in OWN_HOSTS, where


PAGES_TO_SWEEP = [*PUBLIC_PAGES, "/no-such-page"]


class TestNoThirdPartyUrls:
    @pytest.mark.parametrize("path", PAGES_TO_SWEEP)
    def test_public_pages(self, client: TestClient, path: str) -> None:
        assert_first_party(client.get(path))

    def test_every_page_as_an_admin(self, client: TestClient, db: Session) -> None:
        admin = create_user(db, roles={Role.admin})
        create_unit(db, name="Willow ward")
        accounts.create_api_token(db, user=admin, name="dashboard")
        db.commit()
        client.post("/password-reset", data={"email": admin.email})
        sign_in(client, admin)
        responses = [
            client.post("/account/tokens", data={"name": "another"}),
            client.post("/account/profile", data={"display_name": "", "identity": "staff"}),
            client.get(f"/admin/users/{admin.id}"),
        ]
        assert isinstance(client.app, FastAPI)
        responses += [client.get(path) for path in get_pages(client.app)]
        checked = 0
        for response in responses:
            assert response.status_code < 500, response.request.url
            if response.headers.get("content-type", "").startswith("text/html"):
                assert_first_party(response)
                checked += 1
        assert checked > 20

    def test_every_page_signed_out(self, client: TestClient) -> None:
        assert isinstance(client.app, FastAPI)
        for path in get_pages(client.app):
            response = client.get(path)
            if response.headers.get("content-type", "").startswith("text/html"):
                assert_first_party(response)

    def test_the_help_page_links_are_phone_and_text_only(self, client: TestClient) -> None:
        soup = BeautifulSoup(client.get("/help").text, "html.parser")
        crisis = [a["href"] for a in soup.select(".fc-crisis-list a")]
        assert crisis
        assert all(href.startswith(("tel:", "sms:")) for href in crisis)

    @pytest.mark.parametrize("stylesheet", ["nhsuk/nhsuk.min.css", "css/app.css"])
    def test_stylesheets(self, stylesheet: str) -> None:
        path = STATIC_DIR / stylesheet
        css = path.read_text()
        assert "http://" not in css
        assert "https://" not in css
        assert "@font-face" not in css
        assert "@import" not in css
        for url in CSS_URL.findall(css):
            if url.startswith(("data:", "#")):
                continue
            parts = urlsplit(url)
            assert not parts.scheme, url
            assert not parts.netloc, url
            # Relative references resolve to a file we ship.
            assert (path.parent / parts.path).is_file(), url
