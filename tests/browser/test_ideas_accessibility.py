"""The idea pages pass axe-core's WCAG 2.2 AA rules on a phone and a desktop, and fit 320 px.

Pages are filled with what people really see: the demo ideas (with supporters, comments and
timelines), a fresh receipt, a comment of one's own to edit, and "my activity" with updates.
"""

import re
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    CARER,
    DESKTOP,
    PHONE,
    SERVICE_USER,
    assert_no_axe_violations,
    ensure_demo_ideas,
    screenshot,
)


@dataclass(frozen=True)
class Case:
    name: str
    path: str  # may name a target made by `targets`, like "{idea}"
    email: str | None = None  # sign in as this demo account first
    status: int = 200
    submit: str | None = None  # press this button without filling anything in


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


def _make_targets(browser: Any, base_url: str, signed_in_as: Any) -> dict[str, str]:
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
        return found
    finally:
        for context in (anonymous, member, carer):
            context.close()


@pytest.fixture
def targets(browser: Any, live_server: str, signed_in_as: Any) -> dict[str, str]:
    if live_server not in _targets:
        _targets[live_server] = _make_targets(browser, live_server, signed_in_as)
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
    if case.submit:
        with page.expect_navigation():
            page.get_by_role("main").get_by_role("button", name=case.submit).click()
        response = None
    if response is not None:
        assert response.status == case.status, f"{path} answered {response.status}"
    if case.status == 422:
        expect(page.locator(".nhsuk-error-summary")).to_be_visible()
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
