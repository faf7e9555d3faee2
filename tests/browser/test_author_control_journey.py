"""Authors stay in control, on a phone (375 px): someone sends an idea without signing in, a
moderator reads it in the moderation queue, and its author changes it and then withdraws it
through the receipt link. Also without JavaScript. axe-core on each new page."""

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import MODERATOR, PHONE, assert_no_axe_violations, screenshot, tag


def send(page: Any, title: str) -> str:
    page.goto("/ideas/new")
    page.get_by_label("Your idea in a few words").fill(title)
    page.get_by_label("Describe your idea").fill("The lounge is loud after tea.")
    page.get_by_role("button", name="Send my idea").click()
    page.wait_for_url("**/ideas/receipt/*?sent=1")
    return str(page.url.split("?")[0])


def change_then_withdraw(page: Any, receipt: str, *, shots: bool) -> None:
    page.get_by_role("link", name="Change your idea").click()
    page.wait_for_url(f"{receipt}/edit")
    if shots:
        assert_no_axe_violations(page)
        screenshot(page, "author-phone-1-change")
    page.get_by_label("Describe your idea").fill("Loud after tea: a quiet room would help.")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**notice=idea-changed")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Your changes are saved")

    page.get_by_role("link", name="Withdraw your idea").click()
    page.wait_for_url(f"{receipt}/withdraw")
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw your idea?")
    if shots:
        assert_no_axe_violations(page)
        screenshot(page, "author-phone-2-withdraw")
    page.get_by_role("button", name="Withdraw my idea").click()
    page.wait_for_url("**notice=idea-withdrawn")
    expect(page.get_by_role("main")).to_contain_text("You withdrew this idea")
    expect(page.get_by_role("link", name="Change your idea")).to_have_count(0)
    if shots:
        assert_no_axe_violations(page)
        screenshot(page, "author-phone-3-withdrawn")


def test_a_moderator_reads_it_and_its_author_changes_then_withdraws_it(
    new_page: Any, signed_in_as: Any
) -> None:
    title = f"Quiet lounge {tag()}"
    author = new_page(**PHONE)
    receipt = send(author, title)
    expect(author.get_by_role("main")).to_contain_text("Once checked, your idea appears")

    moderator = new_page(**PHONE, storage_state=signed_in_as(MODERATOR))
    moderator.goto("/moderation")
    moderator.get_by_role("link", name=re.compile(re.escape(title))).first.click()
    moderator.wait_for_url(re.compile(r"/moderation/ideas/\d+$"))
    expect(moderator.get_by_role("button", name="Approve", exact=True)).to_be_visible()
    assert_no_axe_violations(moderator)
    screenshot(moderator, "moderation-phone-item")

    change_then_withdraw(author, receipt, shots=True)


def test_without_javascript(new_page: Any) -> None:
    author = new_page(**PHONE, java_script_enabled=False)
    receipt = send(author, f"No script {tag()}")
    change_then_withdraw(author, receipt, shots=False)
