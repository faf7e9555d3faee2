"""Helpers for the browser tests: viewports, sign in, screenshots, axe-core, and demo ideas."""

import json
import random
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE_SOURCE = Path(__file__).with_name("vendor") / "axe.min.js"

DEMO_PASSWORD = "purple kite harbour lantern"  # the password seed-demo gives every account

PHONE = {
    "viewport": {"width": 375, "height": 812},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/account")


def approve(new_page: Any, signed_in_as: Any, link_text: str) -> None:
    """A moderator approves what is waiting (ideas sent without signing in and new accounts'
    comments wait, by the default moderation policy), from the moderation queue."""
    moderator = new_page(**PHONE, storage_state=signed_in_as(MODERATOR))
    moderator.goto("/moderation")
    moderator.get_by_role("link", name=re.compile(re.escape(link_text))).first.click()
    moderator.get_by_role("button", name="Approve", exact=True).click()
    moderator.wait_for_url("**/moderation?notice=*")


def confirmation_path(email_text: str) -> str:
    """The path of the confirm-your-address link in an email."""
    match = re.search(r"https?://[^/\s]+(/confirm-email/\S+)", email_text)
    assert match, email_text
    return match.group(1)


def register(page: Any, mailbox: Any, email: str, name: str, password: str) -> None:
    """Make an account, confirm it from the email, and sign in: what a new person does."""
    page.goto("/register")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Someone who uses mental health services").check()
    page.get_by_label("Create a password").fill(password)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/register")
    page.goto(confirmation_path(mailbox(email)))
    page.get_by_role("button", name="Confirm my email address").click()
    page.wait_for_url("**/login?notice=email-confirmed")
    sign_in(page, email, password)


def tag() -> str:
    """Six random consonants, to make a title unique. Never hex: "b4f3bd" is a postcode to the
    screener, and the form then shows the "we took out details" preview instead of sending
    (about one run in fifteen of a four-idea journey)."""
    return "".join(random.choices("bcdfghjklmnpqrstvwxz", k=6))


def run_axe(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page; returns its violations.

    ``page.evaluate`` runs outside the page's CSP, so the site's strict ``script-src`` needs no
    exception for the test.
    """
    if not getattr(page, "javascript", True):  # set by the new_page fixture
        # axe runs in the page: with JavaScript off it never answers (a hang, not a failure).
        raise AssertionError("axe needs JavaScript: check this page in a run with it on")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text())
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return results.violations;
        }""",
        WCAG_TAGS,
    )


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} <{v.get('helpUrl', '')}>")
        for node in v["nodes"]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['html'][:160]}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Any) -> None:
    violations = run_axe(page)
    assert not violations, (
        f"axe found {len(violations)} WCAG violation(s) on {page.url}:\n"
        + describe_violations(violations)
    )


# --- demo ideas -------------------------------------------------------------------------------

SERVICE_USER = "serviceuser@example.org"
MODERATOR = "moderator@example.org"
CARER = "carer@example.org"
STAFF = "staff@example.org"

#: Ideas to create when the demo seed has none: (title, description, category, place, author).
#: Enough for two pages of the board; titles meant for searching come first.
FALLBACK_IDEAS = [
    ("A quiet room on the ward in the evenings", "The lounge is loud until late because the "
     "TV is always on. A small calm room would help people settle.", "environment",
     "Willow Ward", SERVICE_USER),
    ("Text message reminders the day before appointments", "Letters arrive late, so "
     "appointments get missed.", "communication", "Riverside CMHT", SERVICE_USER),
    ("A family room for visits with children", "Children visiting a parent have to sit in "
     "the main lounge.", "environment", "Acute Adult Wards", CARER),
    ("Longer visiting hours at weekends", "Visiting ends at 7pm but many families work all "
     "week.", "care-and-treatment", "Cedar Ward", CARER),
    ("Fresh fruit on the ward all day", "There is nothing healthy to eat between meals.",
     "food", "Acute Adult Wards", SERVICE_USER),
    ("A board showing which nurse is on shift", "Shifts change three times a day and it is "
     "hard to know who to ask.", "communication", "Willow Ward", SERVICE_USER),
    ("Peer support worker in the waiting room", "Waiting for a first appointment is "
     "frightening.", "staff-and-support", "CAMHS Community", CARER),
    ("Gardening group on the acute wards", "The courtyard has raised beds nobody uses.",
     "activities", "Acute Adult Wards", STAFF),
    ("Tell carers when discharge is being planned", "Carers need time to get ready.",
     "communication", "Inpatient and Acute Care", CARER),
    ("Phone charging points in the bedrooms", "People hand phones to staff to charge them.",
     "environment", "Cedar Ward", SERVICE_USER),
    ("Evening walking group with staff", "Evenings are long on the ward.", "activities",
     "Willow Ward", STAFF),
    ("A phone call while waiting for CAMHS", "Families wait 14 weeks with no contact.",
     "access-and-waiting", "CAMHS Community", CARER),
    ("Easy read leaflets about medication", "The leaflets are long and full of medical words.",
     "care-and-treatment", "Early Intervention in Psychosis", STAFF),
    ("Cooking practice before going home", "Practice in the ward kitchen builds confidence.",
     "activities", "Cedar Ward", SERVICE_USER),
    ("Choose the time of your ward review", "Reviews clash with visiting times.",
     "care-and-treatment", "Willow Ward", SERVICE_USER),
    ("Weekly update for carers by email", "It would save anxious phone calls.",
     "communication", "Acute Adult Wards", CARER),
    ("Quieter night checks", "Doors bang and torches are bright at night.",
     "care-and-treatment", "Cedar Ward", SERVICE_USER),
    ("Free Wi-Fi for patients and visitors", "Mobile signal is poor inside the building.",
     "environment", "Northshire Mental Health NHS Foundation Trust", STAFF),
    ("Vegetarian and halal options every day", "Some days there is only a jacket potato.",
     "food", "Inpatient and Acute Care", STAFF),
    ("Keep the same care coordinator for longer", "Telling your story again each time is "
     "hard.", "staff-and-support", "Community Mental Health Team North", CARER),
    ("Music and art sessions at weekends", "There is nothing to do on Saturdays.",
     "activities", "Acute Adult Wards", STAFF),
    ("Clear signs to the clinic from the bus stop", "The clinic is hard to find.",
     "access-and-waiting", "Riverside CMHT", STAFF),
]  # fmt: skip
FALLBACK_COMMENTS = [
    (0, CARER, "My daughter says the same. Evenings are the hardest time on the ward."),
    (0, STAFF, "Thank you. We are looking at whether the old interview room could be used."),
    (1, CARER, "Yes please. A reminder the day before would help us both."),
]

_ready: set[str] = set()


def _form_fields(html: str) -> dict[str, str]:
    fields = {}
    for name in ("form_token", "started", "started_sig"):
        match = re.search(rf'name="{name}" value="([^"]*)"', html)
        assert match, f"the idea form has no {name} field"
        fields[name] = match.group(1)
    return fields


def _unit_ids(html: str) -> dict[str, str]:
    select = html.split('id="unit_id"', 1)[1].split("</select>", 1)[0]
    return {
        name.replace("\u00a0", "").replace("&nbsp;", "").strip(): value
        for value, name in re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', select)
    }


def ensure_demo_ideas(browser: Any, base_url: str, signed_in_as: Any) -> None:
    """Make sure the board has two pages of ideas, some with comments (once per server).

    The demo seed normally provides them. If it has none, this posts the site's own forms
    from signed-in demo accounts (no back door into the database).
    """
    if base_url in _ready:
        return
    contexts: dict[str, Any] = {}

    def context_for(email: str) -> Any:
        if email not in contexts:
            contexts[email] = browser.new_context(
                base_url=base_url, storage_state=signed_in_as(email)
            )
        return contexts[email]

    try:
        board = context_for(SERVICE_USER).request.get("/ideas").text()
        if "Next page" not in board:
            _create_fallback_ideas(context_for)
    finally:
        for context in contexts.values():
            context.close()
    _ready.add(base_url)


def _create_fallback_ideas(context_for: Any) -> None:
    ids = []
    for title, description, category, unit, author in FALLBACK_IDEAS:
        # A fresh form for each idea: its token makes it one idea, however often it is sent.
        html = context_for(author).request.get("/ideas/new").text()
        response = context_for(author).request.post(
            "/ideas",
            form={
                **_form_fields(html),
                "title": title,
                "description": description,
                "unit_id": _unit_ids(html)[unit],
                "category": category,
            },
        )
        assert response.ok, f"could not create {title!r}: {response.status}"
        match = re.search(r'href="/ideas/(\d+)"', response.text())
        assert match, f"no idea link on the receipt for {title!r}"
        ids.append(int(match.group(1)))
    for index, author, body in FALLBACK_COMMENTS:
        done = context_for(author).request.post(
            f"/ideas/{ids[index]}/comments", form={"body": body}
        )
        assert done.ok, f"comment failed: {done.status}"
