"""Every page passes axe-core's WCAG 2.2 AA rules on a phone and a desktop, and fits 320 px."""

from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    SERVICE_USER,
    assert_no_axe_violations,
    screenshot,
)


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    email: str | None = None  # sign in as this demo account first
    status: int = 200
    submit_empty: bool = False  # press the form's button without filling anything in
    shows: str | None = None  # the page's main content says this


ADMIN = "admin@example.org"

PUBLIC_PAGES = [
    Page("home", "/"),
    Page("help", "/help"),
    Page("privacy", "/privacy"),
    Page("accessibility", "/accessibility"),
    Page("terms", "/terms"),
    Page("sign-in", "/login"),
    Page("register", "/register"),
    Page("password-reset", "/password-reset"),
    Page("not-found", "/no-such-page", status=404),
    Page("register-errors", "/register", status=422, submit_empty=True),
]
SIGNED_IN_PAGES = [
    Page("account", "/account", email=SERVICE_USER),
    # Staff choose a daily digest of new ideas too.
    Page(
        "account-staff",
        "/account",
        email="staff@example.org",
        shows="Send me a daily email of new ideas in my units",
    ),
    Page("account-delete", "/account/delete", email=SERVICE_USER),
    Page("two-step-set-up", "/account/two-step-sign-in", email=SERVICE_USER),
    Page("admin", "/admin", email=ADMIN),
    Page("admin-users", "/admin/users", email=ADMIN),
    Page("admin-user", "/admin/users/1", email=ADMIN),
    Page("admin-units", "/admin/units", email=ADMIN),
    Page("admin-outbox", "/admin/outbox", email=ADMIN),
    Page("admin-audit", "/admin/audit", email=ADMIN),
    Page("admin-settings", "/admin/settings", email=ADMIN),
    Page("admin-screening-terms", "/admin/screening-terms", email=ADMIN),
    Page("safeguarding-queue", "/safeguarding", email="safeguarding@example.org"),
    Page("safeguarding-history", "/safeguarding?show=closed", email="safeguarding@example.org"),
    Page("moderation-queue", "/moderation", email="moderator@example.org"),
    Page("triage-queue", "/triage", email="staff@example.org"),
]
VIEWPORTS: dict[str, dict[str, Any]] = {"phone": PHONE, "desktop": DESKTOP}
NARROWEST = {
    "viewport": {"width": 320, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


def open_page(new_page: Any, signed_in_as: Any, case: Page, **options: Any) -> Any:
    if case.email:
        options["storage_state"] = signed_in_as(case.email)
    page = new_page(**options)
    if case.status >= 400:
        page.guard.allow_status(case.status)
    response = page.goto(case.path)
    if case.submit_empty:
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        response = None
    if response is not None:
        assert response.status == case.status, f"{case.path} answered {response.status}"
    if case.shows:
        expect(page.get_by_role("main")).to_contain_text(case.shows)
    return page


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("case", PUBLIC_PAGES + SIGNED_IN_PAGES, ids=lambda case: case.name)
def test_no_wcag_violations(case: Page, viewport: str, new_page: Any, signed_in_as: Any) -> None:
    page = open_page(new_page, signed_in_as, case, **VIEWPORTS[viewport])
    screenshot(page, f"{viewport}-{case.name}")
    assert_no_axe_violations(page)


@pytest.mark.parametrize("case", PUBLIC_PAGES, ids=lambda case: case.name)
def test_no_horizontal_scrolling_at_320_px(case: Page, new_page: Any, signed_in_as: Any) -> None:
    page = open_page(new_page, signed_in_as, case, **NARROWEST)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{case.path} is {width} px wide at a 320 px viewport"
