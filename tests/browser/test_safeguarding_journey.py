"""Issue 9's journey on a phone (375 px): an anonymous person posts the risky idea and sees
crisis help at once; a safeguarding lead finds it at the top of /safeguarding, acknowledges it
and closes it with a note. Also without JavaScript. axe-core on every new page."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PHONE, approve, assert_no_axe_violations, screenshot, tag

RISKY = "I can't go on, I have pills saved up and I'm going to take them tonight"
LEAD = "safeguarding@example.org"


def post_risky_idea(page: Any, title: str) -> None:
    page.goto("/ideas/new")
    page.get_by_label("Your idea in a few words").fill(title)
    page.get_by_label("Describe your idea").fill(RISKY)
    page.get_by_role("button", name="Send my idea").click()
    page.wait_for_url("**/ideas/receipt/*?sent=1")


def check_crisis_help(page: Any) -> None:
    help_box = page.locator("#crisis-help")
    expect(help_box).to_contain_text("A member of our team will read your idea")
    for href in ("tel:111", "tel:999", "tel:116123", "sms:85258&body=SHOUT", "tel:08001111"):
        expect(help_box.locator(f'a[href="{href}"]')).to_have_count(1)
    expect(help_box).to_contain_text("not monitored 24 hours a day")


def test_a_risky_idea_reaches_the_safeguarding_lead(new_page: Any, signed_in_as: Any) -> None:
    title = f"Please read this {tag()}"
    person = new_page(**PHONE)
    post_risky_idea(person, title)
    expect(person.locator(".nhsuk-panel")).to_contain_text("waiting for a person to read it")
    check_crisis_help(person)
    assert_no_axe_violations(person)
    screenshot(person, "safeguarding-phone-1-author-crisis-help")

    # Nobody else finds it.
    stranger = new_page(**PHONE)
    stranger.goto("/ideas?q=" + title.split()[-1])
    expect(stranger.locator("#results")).not_to_contain_text(title)

    lead = new_page(**PHONE, storage_state=signed_in_as(LEAD))
    lead.goto("/safeguarding")
    expect(lead.get_by_role("heading", level=1)).to_have_text("Safeguarding queue")
    top = lead.locator(".fc-safeguarding-item").first
    expect(top).to_contain_text(title)
    expect(top).to_contain_text("Urgent")
    expect(top).to_contain_text("pills saved up")
    assert_no_axe_violations(lead)
    screenshot(lead, "safeguarding-phone-2-queue")

    top.get_by_role("link").first.click()
    lead.wait_for_url(re.compile(r"/safeguarding/\d+$"))
    expect(lead.get_by_role("main")).to_contain_text(RISKY)
    assert_no_axe_violations(lead)
    screenshot(lead, "safeguarding-phone-3-item")

    lead.get_by_role("button", name="Acknowledge").click()
    lead.wait_for_url("**notice=safeguarding-acknowledged")
    expect(lead.get_by_role("main").locator(".nhsuk-tag").nth(1)).to_have_text("Acknowledged")

    # Closing without a note is refused, with the NHS error summary.
    lead.guard.allow_status(422)
    lead.get_by_role("button", name="Close item").click()
    expect(lead.locator(".nhsuk-error-summary")).to_contain_text(
        "Enter what was done before closing it"
    )
    assert_no_axe_violations(lead)
    screenshot(lead, "safeguarding-phone-4-note-needed")

    lead.get_by_label("What was done").fill("Called the crisis team, who reached the person.")
    lead.get_by_role("button", name="Close item").click()
    lead.wait_for_url("**notice=safeguarding-closed")
    expect(lead.get_by_role("main")).to_contain_text("Called the crisis team")
    screenshot(lead, "safeguarding-phone-5-closed")

    lead.goto("/safeguarding")
    expect(lead.get_by_role("main")).not_to_contain_text(title)


def test_without_javascript(new_page: Any, signed_in_as: Any) -> None:
    title = f"No script {tag()}"
    person = new_page(**PHONE, java_script_enabled=False)
    post_risky_idea(person, title)
    check_crisis_help(person)

    lead = new_page(**PHONE, java_script_enabled=False, storage_state=signed_in_as(LEAD))
    lead.goto("/safeguarding")
    lead.locator(".fc-safeguarding-item", has_text=title).get_by_role("link").first.click()
    lead.get_by_role("button", name="Acknowledge").click()
    lead.wait_for_url("**notice=safeguarding-acknowledged")
    lead.get_by_label("What was done").fill("Passed to the duty worker.")
    lead.get_by_role("button", name="Close item").click()
    lead.wait_for_url("**notice=safeguarding-closed")
    expect(lead.get_by_role("main")).to_contain_text("Passed to the duty worker.")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "without-javascript"])
def test_a_phone_number_is_taken_out_before_it_is_public(
    javascript: bool, new_page: Any, signed_in_as: Any
) -> None:
    page = new_page(**PHONE, java_script_enabled=javascript)
    title = f"Thanks to the night team {tag()}"
    page.goto("/ideas/new")
    page.get_by_label("Your idea in a few words").fill(title)
    page.get_by_label("Describe your idea").fill(
        "Nurse Kelly Brown stayed late to help me. Call me on 07700 900123 to hear more."
    )
    page.get_by_role("button", name="Send my idea").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("We took out details that could identify someone")
    expect(preview).to_contain_text("[phone number]")
    expect(preview).not_to_contain_text("07700 900123")
    expect(preview).not_to_contain_text("Kelly Brown")
    if javascript:  # axe-core runs in the page: it cannot without JavaScript
        assert_no_axe_violations(page)
        screenshot(page, "safeguarding-phone-6-redacted-preview", full_page=False)

    page.get_by_role("button", name="Send it like this").click()
    page.wait_for_url("**/ideas/receipt/*?sent=1")
    # Sent without signing in, it waits for a moderator first.
    approve(new_page, signed_in_as, title)
    page.reload()
    page.get_by_role("link", name="See the public page for this idea").click()
    page.wait_for_url(re.compile(r"/ideas/\d+$"))
    main = page.get_by_role("main")
    expect(main).to_contain_text("[phone number]")
    expect(main).not_to_contain_text("07700 900123")
    expect(main).not_to_contain_text("Kelly Brown")
