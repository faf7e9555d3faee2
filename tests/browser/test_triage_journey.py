"""Issue 9's triage journey on a phone (375 px): a member of staff marks an idea as a duplicate
of another, responds in public on the original and marks it done; a carer who followed the
duplicate hears of it in-app (the header's unread count, "My activity") and by email. Also
without JavaScript. axe-core on every page of the journey."""

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import DESKTOP, PHONE, assert_no_axe_violations, screenshot, tag

STAFF = "staff@example.org"
CARER = "carer@example.org"
RESPONSE = "Thank you. We will try a quiet room on the ward in the evenings from next week."
DONE = "The quiet room is open every evening from six. Thank you for the idea."


def post_idea(page: Any, title: str, description: str) -> int:
    """Send an idea through the form (staff publish at once); returns its id."""
    page.goto("/ideas/new")
    page.get_by_label("Your idea in a few words").fill(title)
    page.get_by_label("Describe your idea").fill(description)
    page.get_by_role("button", name="Send my idea").click()
    page.wait_for_url("**/ideas/receipt/*?sent=1")
    page.get_by_role("link", name="See the public page for this idea").click()
    page.wait_for_url(re.compile(r"/ideas/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def open_in_triage(page: Any, title: str) -> None:
    page.goto("/triage?sort=oldest")
    page.get_by_role("link", name=title).click()
    page.wait_for_url(re.compile(r"/triage/ideas/\d+$"))


def change_status(page: Any, status: str, *, message: str = "", original: int = 0) -> None:
    page.get_by_label(status, exact=True).check()
    if message:
        page.get_by_label("Public message").fill(message)
    if original:
        page.get_by_label("For a duplicate: the original idea").fill(str(original))
    page.get_by_role("button", name="Change status").click()
    page.wait_for_url("**notice=triage-status")


def run_journey(new_page: Any, signed_in_as: Any, *, javascript: bool, shots: bool) -> str:
    """The whole journey; returns the original idea's title."""
    unique = tag()
    first, second = f"Quiet evenings {unique}", f"A calm room after tea {unique}"
    options: dict[str, Any] = {**PHONE, "java_script_enabled": javascript}
    staff = new_page(**options, storage_state=signed_in_as(STAFF))
    original = post_idea(staff, first, "The lounge is loud in the evenings.")
    duplicate = post_idea(staff, second, "Somewhere calm to sit after tea would help.")

    carer = new_page(**options, storage_state=signed_in_as(CARER))
    carer.goto(f"/ideas/{duplicate}")
    carer.get_by_role("button", name="Follow this idea").click()
    expect(carer.get_by_role("button", name="Following")).to_be_visible()

    open_in_triage(staff, second)
    if shots:
        assert_no_axe_violations(staff)
        screenshot(staff, "triage-phone-2-idea")
    change_status(staff, "Duplicate", original=original)
    staff.goto(f"/ideas/{duplicate}")
    staff.get_by_role("link", name=f"Go to idea {original}").click()
    staff.wait_for_url(f"**/ideas/{original}")

    open_in_triage(staff, first)
    staff.get_by_label("Your response").fill(RESPONSE)
    staff.get_by_role("button", name="Publish response").click()
    staff.wait_for_url("**notice=triage-response")
    change_status(staff, "Accepted")
    change_status(staff, "Done", message=DONE)
    if shots:
        assert_no_axe_violations(staff)
        screenshot(staff, "triage-phone-3-done")

    # The public page: the response is prominent, from a role and never a name.
    carer.goto(f"/ideas/{original}")
    main = carer.get_by_role("main")
    expect(main).to_contain_text(DONE)
    expect(main).to_contain_text("Done")
    if shots:
        assert_no_axe_violations(carer)
        screenshot(carer, "triage-phone-4-public-response")

    # The carer followed the duplicate; followers moved to the original and hear of it.
    expect(carer.locator("header")).to_contain_text(re.compile(r"\d+ unread"))
    carer.goto("/me")
    expect(carer.locator(".fc-notifications").first).to_contain_text(first)
    if shots:
        assert_no_axe_violations(carer)
        screenshot(carer, "triage-phone-5-notified")
    return first


def check_the_follower_was_emailed(mailbox: Any, title: str) -> None:
    email = mailbox(CARER)  # the newest: the last change was "done"
    assert f"\u201c{title}\u201d is now: Done" in email
    assert "not monitored 24 hours a day" in email


def test_duplicate_respond_done_and_the_follower_hears(
    new_page: Any, signed_in_as: Any, mailbox: Any
) -> None:
    staff = new_page(**PHONE, storage_state=signed_in_as(STAFF))
    staff.goto("/triage")
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Triage")
    assert_no_axe_violations(staff)
    screenshot(staff, "triage-phone-1-queue")
    wide = new_page(**DESKTOP, storage_state=signed_in_as(STAFF))
    wide.goto("/triage")
    assert_no_axe_violations(wide)
    screenshot(wide, "triage-desktop-queue", full_page=False)
    first = run_journey(new_page, signed_in_as, javascript=True, shots=True)
    check_the_follower_was_emailed(mailbox, first)


def test_without_javascript(new_page: Any, signed_in_as: Any, mailbox: Any) -> None:
    first = run_journey(new_page, signed_in_as, javascript=False, shots=False)
    check_the_follower_was_emailed(mailbox, first)
