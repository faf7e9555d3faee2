"""Two-step sign-in, as an admin meets it on a phone and a desktop: set it up with an
authenticator app (the test is the app: it reads the setup key and makes the codes with
pyotp), save the recovery codes, sign out, and sign in with a code; then a recovery code."""

import time
import uuid
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    assert_no_axe_violations,
    register,
    screenshot,
    sign_in,
)

ADMIN = "admin@example.org"
PASSWORD = "harbour violet compass lantern"
VIEWPORTS: dict[str, dict[str, Any]] = {"phone": PHONE, "desktop": DESKTOP}


def make_admin(new_page: Any, signed_in_as: Any, mailbox: Any, options: dict[str, Any]) -> Any:
    """A new person, made an admin by the demo admin (so the demo accounts keep signing in
    with their password alone); returns their page, signed in."""
    email = f"mfa-{uuid.uuid4().hex[:8]}@example.net"
    page = new_page(**options)
    register(page, mailbox, email, "Robin", PASSWORD)

    admin = new_page(**DESKTOP, storage_state=signed_in_as(ADMIN))
    admin.goto(f"/admin/users?q={email}")
    admin.get_by_role("link", name="Robin").click()
    admin.get_by_label("Admin", exact=True).check()
    admin.get_by_role("button", name="Save roles").click()
    expect(admin.get_by_label("Admin", exact=True)).to_be_checked()

    # Changing roles signed them out everywhere.
    sign_in(page, email, PASSWORD)
    page.email = email
    return page


def no_sideways_scrolling(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{page.url} is {width} px wide at {viewport} px"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_an_admin_sets_up_two_step_sign_in_and_signs_in_with_a_code(
    viewport: str, new_page: Any, signed_in_as: Any, mailbox: Any
) -> None:
    page = make_admin(new_page, signed_in_as, mailbox, VIEWPORTS[viewport])
    shot = f"mfa-{viewport}"

    # The account page offers it.
    page.locator("#two-step").scroll_into_view_if_needed()
    screenshot(page, f"{shot}-1-account")
    page.get_by_role("button", name="Set up two-step sign-in").click()

    # What is needed, then the QR code.
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    assert_no_axe_violations(page)
    screenshot(page, f"{shot}-2-what-you-need")
    page.get_by_role("button", name="Continue").click()
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    page.get_by_text("I cannot scan the QR code").click()
    key = page.locator("#setup-key")
    expect(key).to_be_visible()
    secret = "".join(key.inner_text().replace("Setup key:", "").split())
    assert len(secret) == 32
    assert_no_axe_violations(page)
    no_sideways_scrolling(page)
    screenshot(page, f"{shot}-3-scan")

    # A wrong code first: the NHS error summary, and the same QR code to try again.
    page.guard.allow_status(422)
    totp = pyotp.TOTP(secret)
    near = {totp.at(time.time() + 30 * step) for step in (-1, 0, 1, 2)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in near)
    page.get_by_label("Code", exact=True).fill(wrong)
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The code is not right")
    screenshot(page, f"{shot}-4-wrong-code")

    page.get_by_label("Code", exact=True).fill(totp.now())
    page.get_by_role("button", name="Turn on two-step sign-in").click()

    # The recovery codes, shown once.
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    codes = [c.strip() for c in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    assert_no_axe_violations(page)
    no_sideways_scrolling(page)
    screenshot(page, f"{shot}-5-recovery-codes")
    page.get_by_role("button", name="I have saved these codes").click()
    page.wait_for_url("**/account?notice=two-step-on")
    expect(page.get_by_text("Two-step sign-in is on")).to_be_visible()
    expect(page.locator("#recovery-codes-left")).to_contain_text("10 recovery codes left")
    screenshot(page, f"{shot}-6-on")

    # Sign out, and in again: the password, then a code.
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login?notice=signed-out")
    page.get_by_label("Email address").fill(page.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/login/code?next=/account")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )
    assert_no_axe_violations(page)
    screenshot(page, f"{shot}-7-code")
    # The code used to set it up is spent: the app's next one (accepted a step early).
    page.get_by_label("Code", exact=True).fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")

    # And once more with a recovery code instead.
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login?notice=signed-out")
    page.get_by_label("Email address").fill(page.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Use a recovery code instead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter a recovery code")
    assert_no_axe_violations(page)
    screenshot(page, f"{shot}-8-recovery-code")
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/account?notice=recovery-code-used#two-step")
    expect(page.locator("#recovery-codes-left")).to_contain_text("9 recovery codes left")
    screenshot(page, f"{shot}-9-signed-in-with-recovery-code")

    # They have lost their phone and their codes: another admin resets it.
    admin = new_page(**VIEWPORTS[viewport], storage_state=signed_in_as(ADMIN))
    admin.goto(f"/admin/users?q={page.email}")
    admin.get_by_role("link", name="Robin").click()
    expect(admin.locator("#two-step + p")).to_contain_text("9 recovery codes left")
    assert_no_axe_violations(admin)
    admin.locator("#two-step").scroll_into_view_if_needed()
    screenshot(admin, f"{shot}-10-admin-page", full_page=False)
    admin.get_by_role("button", name="Reset two-step sign-in").click()
    expect(admin.get_by_text("Two-step sign-in has been reset")).to_be_visible()
    expect(admin.locator("#two-step + p")).to_contain_text("Off")
    screenshot(admin, f"{shot}-11-admin-reset")
    assert "An admin has reset two-step sign-in" in mailbox(page.email)
    # It signed them out everywhere.
    page.guard.allow_status(401)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
