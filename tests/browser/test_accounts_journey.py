"""Accounts, as a person on a phone meets them: register, sign out, sign in, and mistakes."""

import re
import uuid
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import DEMO_PASSWORD, confirmation_path, screenshot

NEW_PASSWORD = "willow ferry compass meadow"


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.net"


def header_sign_out(page: Any) -> None:
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()


class TestRegisterSignOutSignIn:
    def test_a_new_account_on_a_phone(self, phone_page: Any, mailbox: Any) -> None:
        page = phone_page
        email = unique_email("journey")

        page.goto("/register")
        expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Display name").fill("Sam")
        page.get_by_label("Someone who uses mental health services").check()
        page.get_by_label("Create a password").fill(NEW_PASSWORD)
        screenshot(page, "journey-1-register-filled")
        page.get_by_role("button", name="Create account").click()

        # The same page whether or not the address had an account; nobody is signed in yet.
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
        expect(page.get_by_role("main")).to_contain_text(email)
        screenshot(page, "journey-2-check-your-email")

        page.goto(confirmation_path(mailbox(email)))
        expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
        screenshot(page, "journey-3-confirm-email")
        page.get_by_role("button", name="Confirm my email address").click()
        page.wait_for_url("**/login?notice=email-confirmed")
        expect(page.get_by_text("Your email address is confirmed")).to_be_visible()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
        screenshot(page, "journey-4-sign-in-filled")
        page.get_by_role("button", name="Sign in", exact=True).click()

        page.wait_for_url("**/account")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
        expect(page.get_by_role("main")).to_contain_text(email)
        screenshot(page, "journey-5-signed-in")

        header_sign_out(page)
        page.wait_for_url("**/login?notice=signed-out")
        expect(page.get_by_text("You have signed out")).to_be_visible()
        expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
        screenshot(page, "journey-6-signed-out-again")


class TestRegisterErrors:
    def test_an_empty_form_shows_the_error_summary(self, phone_page: Any) -> None:
        page = phone_page
        page.guard.allow_status(422)
        page.goto("/register")
        page.get_by_role("button", name="Create account").click()

        summary = page.locator(".nhsuk-error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_contain_text("There is a problem")
        expect(summary).to_be_focused()
        expect(page).to_have_title(re.compile(r"^Error: "))
        screenshot(page, "register-errors")

    def test_typed_values_are_kept_after_a_failed_submit(self, phone_page: Any) -> None:
        page = phone_page
        page.guard.allow_status(422)
        email = unique_email("kept")
        page.goto("/register")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Display name").fill("Alex")
        page.get_by_label("A carer, family member or friend").check()
        page.get_by_label("Create a password").fill("short")
        page.get_by_role("button", name="Create account").click()

        expect(page.locator(".nhsuk-error-summary")).to_contain_text("There is a problem")
        expect(page.get_by_label("Email address")).to_have_value(email)
        expect(page.get_by_label("Display name")).to_have_value("Alex")
        expect(page.get_by_label("A carer, family member or friend")).to_be_checked()
        # A password is never sent back to the browser.
        expect(page.get_by_label("Create a password")).to_have_value("")

    def test_the_error_links_to_its_field(self, phone_page: Any) -> None:
        page = phone_page
        page.guard.allow_status(422)
        page.goto("/register")
        page.get_by_label("Email address").fill(unique_email("link"))
        page.get_by_label("Display name").fill("Jo")
        page.get_by_label("Staff").check()
        page.get_by_label("Create a password").fill("short")
        page.get_by_role("button", name="Create account").click()

        page.locator(".nhsuk-error-summary a").first.click()
        expect(page.get_by_label("Create a password")).to_be_focused()


class TestWithoutJavaScript:
    def test_sign_in_and_sign_out(self, new_page: Any) -> None:
        page = new_page(java_script_enabled=False, viewport={"width": 375, "height": 812})
        page.goto("/login")
        page.get_by_label("Email address").fill("serviceuser@example.org")
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()

        page.wait_for_url("**/account")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
        screenshot(page, "no-js-signed-in")

        header_sign_out(page)
        page.wait_for_url("**/login?notice=signed-out")
        expect(page.get_by_text("You have signed out")).to_be_visible()
        page.guard.allow_status(401)
        page.goto("/account")
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
