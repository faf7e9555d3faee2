"""The idea pages pass axe-core's WCAG 2.2 AA rules on a phone and a desktop, and fit 320 px.

Pages are filled with what people really see: the demo ideas (with supporters, comments and
timelines), a fresh receipt, a comment of one's own to edit, and "my activity" with updates;
an author's own idea to change or withdraw (and one withdrawn), a held idea and a held comment
as their author sees them, a new account's comment waiting for a moderator, the moderation
pages with items in them (and their error states), the start-email-updates page from a real
confirmation email, and the editors' warnings about a response before it is published.

Things that would hold for safeguarding are written at the "concern" level, never "urgent":
the safeguarding queue puts urgent items first, and its journey expects its own on top.
"""

import re
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    CARER,
    DEMO_PASSWORD,
    DESKTOP,
    MODERATOR,
    PHONE,
    SERVICE_USER,
    STAFF,
    assert_no_axe_violations,
    ensure_demo_ideas,
    register,
    screenshot,
)

#: A new account (its comments wait for a moderator), made once per server by `targets`.
NEWCOMER = "a11y-newcomer@example.org"
#: Held for a person to read, at the "concern" level (see the module's docstring).
WORRYING_COMMENT = "It has been hard lately. I have been having urges to self harm again."
WORRYING_IDEA = "I won't be around to see the new garden, but a bench by the pond would help."
#: A response with a phone number in it, and far too hard to read.
HARD_RESPONSE = (
    "Thank you. Call 07700 900123. Notwithstanding organisational considerations, "
    "implementation necessitates comprehensive multidisciplinary deliberation."
)


@dataclass(frozen=True)
class Case:
    name: str
    path: str  # may name a target made by `targets`, like "{idea}"
    email: str | None = None  # sign in as this demo account first
    status: int = 200
    submit: str | None = None  # press this button (after filling in `fill`, if any)
    fill: tuple[tuple[str, str], ...] = ()  # (label, value) to type before pressing `submit`
    shows: str | None = None  # the page's main content says this


CASES = [
    Case("home", "/"),
    Case("board", "/ideas"),
    Case("board-search", "/ideas?q=room"),
    Case("board-no-results", "/ideas?q=zzzzqqqq"),
    Case("board-page-2", "{board_page_2}"),
    Case("new", "/ideas/new"),
    Case("new-errors", "/ideas/new", status=422, submit="Send my idea"),
    Case("new-signed-in-staff", "/ideas/new", email="staff@example.org"),
    Case("receipt-just-sent", "{receipt}?sent=1"),
    Case("receipt", "{receipt}"),
    Case("receipt-email-error", "{receipt}", status=422, submit="Email me updates"),
    Case("idea", "{idea}"),
    Case("idea-signed-in", "{idea}", email=SERVICE_USER),
    Case("idea-notice", "{idea}?notice=comment-added", email=SERVICE_USER),
    Case("idea-comment-error", "{idea}", email=SERVICE_USER, status=422, submit="Post comment"),
    Case("idea-closed", "{closed_idea}", email=SERVICE_USER),
    Case("report", "{idea}/report"),
    Case("report-errors", "{idea}/report?comment=1", status=422, submit="Send report"),
    Case("me", "/me", email=SERVICE_USER),
    Case("comment-edit", "{comment_edit}", email=SERVICE_USER),
    Case("units", "/units"),
    Case("poster", "/units/willow-ward/poster"),
    Case("unsubscribe", "/unsubscribe/{unsubscribe_token}"),
    Case("updates-confirm", "/updates/confirm/{confirm_token}", shows="Start email updates"),
    Case(
        "updates-confirmed",
        "/updates/confirm/{confirm_token}",
        submit="Start email updates",
        shows="You will get email updates about this idea",
    ),
    Case("own-edit", "{own_idea}/edit", email=SERVICE_USER, shows="Change your idea"),
    Case(
        "own-edit-redacted-preview",
        "{own_idea}/edit",
        email=SERVICE_USER,
        submit="Save changes",
        fill=(("Describe your idea", "Call me on 07700 900123 to hear more."),),
        shows="[phone number]",
    ),
    Case(
        "own-edit-errors",
        "{own_idea}/edit",
        email=SERVICE_USER,
        status=422,
        submit="Save changes",
        fill=(("Your idea in a few words", ""),),
    ),
    Case("own-withdraw", "{own_idea}/withdraw", email=SERVICE_USER, shows="Withdraw your idea?"),
    Case("withdrawn", "{withdrawn_idea}", status=410, shows="This idea was withdrawn"),
    Case(
        "held-idea-author",
        "{held_idea}",
        email=SERVICE_USER,
        shows="will read your idea before it is shown to anyone else",
    ),
    Case(
        "comment-held",
        "{held_comment}/waiting",
        email=SERVICE_USER,
        shows="will read your comment before it is shown to anyone else",
    ),
    Case(
        "comment-waiting",
        "{waiting_comment}/waiting",
        email=NEWCOMER,
        shows="once a moderator has checked it",
    ),
    Case(
        "moderation-queue-items", "/moderation", email=MODERATOR, shows="A clock in every bedroom"
    ),
    Case("moderation-idea", "{moderation_idea}", email=MODERATOR, shows="Reject"),
    Case(
        "moderation-idea-errors", "{moderation_idea}", email=MODERATOR, status=422, submit="Reject"
    ),
    Case("moderation-comment", "{moderation_waiting_comment}", email=MODERATOR, shows="Reject"),
    Case(
        "moderation-comment-errors",
        "{moderation_waiting_comment}",
        email=MODERATOR,
        status=422,
        submit="Reject",
    ),
    Case(
        "moderation-comment-held",
        "{moderation_held_comment}",
        email=MODERATOR,
        shows="With safeguarding",
    ),
    Case(
        "triage-response-warnings",
        "{triage_idea}",
        email=STAFF,
        submit="Publish response",
        fill=(("Your response", HARD_RESPONSE),),
        shows="This may be hard to read",
    ),
]
NARROW_CASES = [
    c
    for c in CASES
    if c.name in {"board", "board-search", "new", "new-errors", "idea", "idea-signed-in"}
    or c.name.startswith("receipt")
]
VIEWPORTS: dict[str, dict[str, Any]] = {"phone": PHONE, "desktop": DESKTOP}
NARROWEST = {
    "viewport": {"width": 320, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}

_targets: dict[str, dict[str, str]] = {}


def _first_idea(request: Any, path: str) -> str | None:
    html = request.get(path).text()
    match = re.search(r'class="fc-idea__title[^"]*"><a href="(/ideas/\d+)"', html)
    return match.group(1) if match else None


def _idea_form_fields(request: Any) -> dict[str, str]:
    form = request.get("/ideas/new").text()
    return dict(re.findall(r'name="(form_token|started|started_sig)" value="([^"]*)"', form))


def _send_idea(request: Any, title: str, description: str) -> str:
    """Send an idea through the form; returns its receipt's path."""
    sent = request.post(
        "/ideas",
        form={
            **_idea_form_fields(request),
            "title": title,
            "description": description,
            "category": "environment",
            "submitted_as": "service_user",
        },
        max_redirects=0,
    )
    receipt = re.match(r"(/ideas/receipt/[^?]+)", sent.headers.get("location", ""))
    assert receipt, f"no receipt: {sent.status} {sent.headers.get('location')!r}"
    return receipt.group(1)


def _own_idea_path(request: Any, title: str) -> str:
    """An idea's page, from its author's "my activity" (which lists held ideas too)."""
    found = re.search(
        rf'href="(/ideas/\d+)" dir="auto">{re.escape(title)}<', request.get("/me").text()
    )
    assert found, f"{title!r} is not in its author's activity"
    return found.group(1)


def _comment_path(request: Any, idea: str, body: str) -> str:
    """Post a comment that waits (held, or for a moderator); returns its path."""
    posted = request.post(f"{idea}/comments", form={"body": body}, max_redirects=0)
    location = posted.headers.get("location", "")
    waiting = re.search(r"(/comments/\d+)/waiting$", location)
    assert waiting, f"the comment is not waiting: {posted.status} {location!r}"
    return waiting.group(1)


def _make_targets(browser: Any, base_url: str, signed_in_as: Any, mailbox: Any) -> dict[str, str]:
    ensure_demo_ideas(browser, base_url, signed_in_as)
    anonymous = browser.new_context(base_url=base_url)
    member = browser.new_context(base_url=base_url, storage_state=signed_in_as(SERVICE_USER))
    carer = browser.new_context(base_url=base_url, storage_state=signed_in_as(CARER))
    try:
        found: dict[str, str] = {}
        idea = _first_idea(anonymous.request, "/ideas?sort=discussed")
        assert idea, "the board is empty"
        found["idea"] = idea
        if closed := _first_idea(anonymous.request, "/ideas?status=done"):
            found["closed_idea"] = closed
        board = anonymous.request.get("/ideas").text()
        next_page = re.search(r'class="fc-pager__next" href="([^"]+)"', board)
        assert next_page, "the board has one page only"
        found["board_page_2"] = next_page.group(1).replace("&amp;", "&")

        # A comment of one's own (editable for 15 minutes), and an update for "my activity".
        posted = member.request.post(
            f"{found['idea']}/comments",
            form={"body": "Thank you for the update, this is good to hear."},
            max_redirects=0,
        )
        location = posted.headers.get("location", "")
        comment = re.search(r"#comment-(\d+)$", location)
        assert comment, f"no comment in the redirect: {posted.status} {location!r}"
        found["comment_edit"] = f"/comments/{comment.group(1)}/edit"
        answered = carer.request.post(
            f"{found['idea']}/comments", form={"body": "Same here. It has made a difference."}
        )
        assert answered.ok

        # A receipt for an idea sent without an account.
        form = anonymous.request.get("/ideas/new").text()
        fields = dict(re.findall(r'name="(form_token|started|started_sig)" value="([^"]*)"', form))
        sent = anonymous.request.post(
            "/ideas",
            form={
                **fields,
                "title": "A clock in every bedroom",
                "description": "Without a clock it is hard to know when meds or meals are due.",
                "category": "environment",
                "submitted_as": "service_user",
            },
            max_redirects=0,
        )
        receipt = re.match(r"(/ideas/receipt/[^?]+)", sent.headers.get("location", ""))
        assert receipt, f"no receipt: {sent.status} {sent.headers.get('location')!r}"
        found["receipt"] = receipt.group(1)
        # Any well-formed token shows the page; the button checks it.
        found["unsubscribe_token"] = "1-0000000000000000000000000000000000000000"
        found.update(_more_targets(browser, base_url, signed_in_as, mailbox, found))
        return found
    finally:
        for context in (anonymous, member, carer):
            context.close()


def _more_targets(
    browser: Any, base_url: str, signed_in_as: Any, mailbox: Any, found: dict[str, str]
) -> dict[str, str]:
    """The pages of issue 9: an author's control of their idea, what waits for a person, the
    moderation pages with something in them, email updates, and the editors' warnings."""
    contexts = {
        email: browser.new_context(base_url=base_url, storage_state=signed_in_as(email))
        for email in (SERVICE_USER, CARER, MODERATOR, STAFF)
    }
    anonymous = browser.new_context(base_url=base_url)
    newcomer = browser.new_context(base_url=base_url)
    member, carer = contexts[SERVICE_USER].request, contexts[CARER].request
    try:
        more: dict[str, str] = {}
        # Email updates from the receipt: the confirmation email's link.
        address = "a11y-updates@example.org"
        asked = anonymous.request.post(f"{found['receipt']}/email", form={"email": address})
        assert asked.ok, f"could not ask for updates: {asked.status}"
        link = re.search(r"/updates/confirm/(\S+)", mailbox(address))
        assert link, "no confirmation link in the email"
        more["confirm_token"] = link.group(1)

        # An author's own idea (signed in) to change or withdraw, and another they withdrew.
        own_title = "A bench in the garden for visitors"
        _send_idea(member, own_title, "Visitors have nowhere to sit outside.")
        more["own_idea"] = _own_idea_path(member, own_title)
        gone_title = "Board games in the day room"
        _send_idea(carer, gone_title, "There is nothing to do after lunch.")
        gone = _own_idea_path(carer, gone_title)
        withdrawn = carer.post(f"{gone}/withdraw")
        assert withdrawn.ok, f"could not withdraw {gone}: {withdrawn.status}"
        more["withdrawn_idea"] = gone

        # What waits for a person to read, as its author sees it.
        held_title = "A bench by the pond"
        _send_idea(member, held_title, WORRYING_IDEA)
        more["held_idea"] = _own_idea_path(member, held_title)
        held_comment = _comment_path(member, found["idea"], WORRYING_COMMENT)
        more["held_comment"] = held_comment

        # A new account's comment waits for a moderator.
        register(newcomer.new_page(), mailbox, NEWCOMER, "Sam", DEMO_PASSWORD)
        waiting = _comment_path(newcomer.request, found["idea"], "The evenings are long here.")
        more["waiting_comment"] = waiting

        # The moderation pages of what waits (the anonymous idea behind the receipt).
        queue = contexts[MODERATOR].request.get("/moderation").text()
        idea = re.search(
            r'href="(/moderation/ideas/\d+)">Idea \d+: <span dir="auto">A clock', queue
        )
        assert idea, "the anonymous idea is not in the moderation queue"
        more["moderation_idea"] = idea.group(1)
        more["moderation_waiting_comment"] = "/moderation" + waiting
        more["moderation_held_comment"] = "/moderation" + held_comment

        # An idea staff may triage, for the warnings about a response.
        triage = contexts[STAFF].request.get("/triage").text()
        triage_idea = re.search(r'href="(/triage/ideas/\d+)"', triage)
        assert triage_idea, "the triage queue is empty"
        more["triage_idea"] = triage_idea.group(1)
        return more
    finally:
        for context in (*contexts.values(), anonymous, newcomer):
            context.close()


@pytest.fixture
def targets(browser: Any, live_server: str, signed_in_as: Any, mailbox: Any) -> dict[str, str]:
    if live_server not in _targets:
        _targets[live_server] = _make_targets(browser, live_server, signed_in_as, mailbox)
    return _targets[live_server]


def open_case(
    new_page: Any, signed_in_as: Any, targets: dict[str, str], case: Case, **options: Any
) -> Any:
    if case.email:
        options["storage_state"] = signed_in_as(case.email)
    page = new_page(**options)
    if case.status >= 400:
        page.guard.allow_status(case.status)
    try:
        path = case.path.format(**targets)
    except KeyError as missing:
        pytest.skip(f"the demo data has no {missing} to show")
    response = page.goto(path)
    if case.path.startswith("/units") and response is not None and response.status == 404:
        pytest.skip(f"{path} answers 404: the unit pages are not there yet")
    for label, value in case.fill:
        page.get_by_label(label, exact=True).fill(value)
    if case.submit:
        with page.expect_navigation():
            page.get_by_role("main").get_by_role("button", name=case.submit).click()
        response = None
    if response is not None:
        assert response.status == case.status, f"{path} answered {response.status}"
    if case.status == 422:
        expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    if case.shows:
        expect(page.get_by_role("main")).to_contain_text(case.shows)
    return page


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_no_wcag_violations(
    case: Case, viewport: str, new_page: Any, signed_in_as: Any, targets: dict[str, str]
) -> None:
    page = open_case(new_page, signed_in_as, targets, case, **VIEWPORTS[viewport])
    screenshot(page, f"{viewport}-ideas-{case.name}")
    assert_no_axe_violations(page)


@pytest.mark.parametrize("case", NARROW_CASES, ids=lambda case: case.name)
def test_no_horizontal_scrolling_at_320_px(
    case: Case, new_page: Any, signed_in_as: Any, targets: dict[str, str]
) -> None:
    page = open_case(new_page, signed_in_as, targets, case, **NARROWEST)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} is {width} px wide at a 320 px viewport"


def test_me_shows_activity(new_page: Any, signed_in_as: Any, targets: dict[str, str]) -> None:
    """The "my activity" page checked above is not empty: it has updates and ideas."""
    page = new_page(**PHONE, storage_state=signed_in_as(SERVICE_USER))
    page.goto("/me")
    expect(page.locator(".fc-notifications li").first).to_be_visible()
    expect(page.locator(".fc-idea").first).to_be_visible()
