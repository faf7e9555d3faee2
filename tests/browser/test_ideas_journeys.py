"""Ideas, as people meet them on a phone: suggest one without an account and follow it with the
private receipt link; register, support, comment and hear back; search and filter the board
(with HTMX, and without JavaScript); and see similar ideas while typing a new one.

``demo_ideas`` makes sure the board has realistic ideas with supporters and comments (the demo
seed may have none yet). It posts the site's own forms from signed-in demo accounts, so it
needs no back door into the database.
"""

import os
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    CARER,
    DESKTOP,
    PHONE,
    ROOT,
    SCREENSHOTS,
    SERVICE_USER,
    approve,
    ensure_demo_ideas,
    register,
    screenshot,
    tag,
)

# --- demo ideas -------------------------------------------------------------------------------


@pytest.fixture
def demo_ideas(browser: Any, live_server: str, signed_in_as: Any) -> None:
    ensure_demo_ideas(browser, live_server, signed_in_as)


def idea_href(page: Any, path: str) -> str:
    """The address of the first idea listed at ``path`` (a board address)."""
    page.goto(path)
    href = page.locator("#results .fc-idea__title a").first.get_attribute("href")
    assert href, f"no ideas at {path}"
    return href


# --- helpers ----------------------------------------------------------------------------------


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.net"


def result_titles(page: Any) -> list[str]:
    return page.locator("#results .fc-idea__title").all_inner_texts()


def fill_idea_form(page: Any, title: str, description: str) -> None:
    page.get_by_label("Your idea in a few words").fill(title)
    page.get_by_label("Describe your idea").fill(description)
    # The place search narrows the list (HTMX); the one place left is chosen. A pause while
    # typing lets a search run: what was typed so far must survive it.
    place = page.get_by_label("Find a place by name")
    place.press_sequentially("Willow ", delay=30)
    page.wait_for_timeout(400)
    place.press_sequentially("Ward", delay=30)
    expect(page.locator("#unit_id option")).to_have_count(1)
    expect(place).to_have_value("Willow Ward")
    expect(place).to_be_focused()
    expect(page.locator("#unit_id")).to_have_value(re.compile(r"^\d+$"))
    page.get_by_label("Environment and surroundings").check()
    page.get_by_label("A carer, family member or friend").check()


# --- 1. suggest an idea without an account ----------------------------------------------------


def test_anonymous_idea_receipt_and_follow(
    phone_page: Any, new_page: Any, signed_in_as: Any
) -> None:
    page = phone_page
    title = f"Somewhere to charge a phone in the waiting room {tag()}"
    page.goto("/ideas/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Suggest an idea")
    fill_idea_form(
        page,
        title,
        "My phone ran out while I waited two hours for my appointment, so I could not tell "
        "my family where I was. A charging point would help.",
    )
    page.wait_for_timeout(3200)  # the form's minimum fill time
    screenshot(page, "ideas-journey-1-form-filled")
    page.get_by_role("button", name="Send my idea").click()

    page.wait_for_url("**/ideas/receipt/*?sent=1")
    main = page.get_by_role("main")
    expect(page.locator(".nhsuk-panel")).to_contain_text("Idea sent")
    # Ideas sent without signing in wait for a moderator (the default moderation policy).
    expect(page.locator(".nhsuk-panel")).to_contain_text(
        "Your idea will appear once a moderator has checked it"
    )
    expect(main.get_by_role("heading", name="What happens next")).to_be_visible()
    expect(main).to_contain_text("not monitored 24 hours a day")
    expect(main).to_contain_text(title)
    screenshot(page, "ideas-journey-2-receipt")

    link = page.locator("#receipt-link").inner_text().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/ideas/receipt/\S+", link), link
    # The private link works anywhere: open it in a browser with no cookies of this one.
    other = new_page(**PHONE)
    other.goto(link)
    expect(other.get_by_role("heading", level=1)).to_have_text("Your idea")
    expect(other.get_by_role("main")).to_contain_text(title)
    expect(other.get_by_role("main").locator(".nhsuk-tag")).to_have_text("Submitted")

    other.get_by_label("Email address").fill("updates@example.net")
    other.get_by_role("button", name="Email me updates").click()
    other.wait_for_url("**notice=email-saved")
    expect(other.get_by_role("main")).to_contain_text("We have sent you an email")
    screenshot(other, "ideas-journey-3-email-saved")

    # Until a moderator has checked it there is no public page to offer...
    expect(other.get_by_role("link", name="See the public page for this idea")).to_have_count(0)
    approve(new_page, signed_in_as, title)

    # ...and once approved, there is.
    other.goto(link)
    other.get_by_role("link", name="See the public page for this idea").click()
    other.wait_for_url(re.compile(r"/ideas/\d+$"))
    expect(other.get_by_role("heading", level=1)).to_have_text(title)
    expect(other.get_by_role("main")).to_contain_text("Suggested by a carer")
    screenshot(other, "ideas-journey-4-public-page")


# --- 2. register, support, comment and hear back ----------------------------------------------

VOTING_OPEN = re.compile(r"^\s*(Submitted|Under review|Accepted|In progress)\s*$")


def supporters(page: Any) -> int:
    return int(page.locator("#vote .fc-vote__count strong").inner_text())


def test_register_support_comment_and_notification(
    phone_page: Any, new_page: Any, signed_in_as: Any, demo_ideas: None, mailbox: Any
) -> None:
    page = phone_page
    register(page, mailbox, unique_email("supporter"), "Robin", "willow ferry compass meadow")

    # An idea from the board that can still be supported.
    page.goto("/ideas")
    card = page.locator("#results .fc-idea").filter(
        has=page.locator(".nhsuk-tag", has_text=VOTING_OPEN)
    )
    title = card.first.locator(".fc-idea__title").inner_text()
    card.first.get_by_role("link", name=title).click()
    page.wait_for_url(re.compile(r"/ideas/\d+$"))
    idea_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    before = supporters(page)

    page.evaluate("() => { window.__sameDocument = true; }")
    button = page.locator("#vote button")
    expect(button).to_have_attribute("aria-pressed", "false")
    page.get_by_role("button", name="Support this idea").click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_have_text("You support this")
    assert supporters(page) == before + 1
    expected = f"{before + 1} supporter" + ("" if before + 1 == 1 else "s")
    expect(page.locator("#vote-status")).to_contain_text(expected)
    expect(page.locator("#vote-status")).to_have_attribute("aria-live", "polite")
    assert page.evaluate("() => window.__sameDocument === true"), "the page reloaded"
    # Keyboard users stay on the button they pressed.
    expect(button).to_be_focused()
    screenshot(page, "ideas-journey-5-supported")

    button.click()  # press again: no longer support it
    expect(button).to_have_attribute("aria-pressed", "false")
    assert supporters(page) == before
    expect(page.locator("#vote-status")).to_contain_text("You no longer support this idea")

    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.locator("#vote button")).to_have_attribute("aria-pressed", "true")
    assert supporters(page) == before + 1

    comment = f"I would find this really useful ({tag()})."
    page.get_by_label("Add a comment").fill(comment)
    page.get_by_role("button", name="Post comment").click()
    # A new account's comment waits for a moderator (the default moderation policy)...
    page.wait_for_url(re.compile(r"/comments/\d+/waiting$"))
    expect(page.locator(".nhsuk-panel")).to_contain_text(
        "will appear once a moderator has checked it"
    )
    comment_id = page.url.rsplit("/", 2)[-2]
    approve(new_page, signed_in_as, f"Comment {comment_id}")
    # ...and is on the idea page once approved.
    page.goto(idea_url)
    posted = page.locator(".fc-comment", has_text=comment)
    expect(posted).to_be_visible()
    expect(posted.locator(".fc-comment__meta strong")).to_have_text("A service user")
    expect(posted).not_to_contain_text("Robin")
    screenshot(page, "ideas-journey-6-commented")

    # Someone else joins the conversation...
    carer = new_page(**PHONE, storage_state=signed_in_as(CARER))
    carer.goto(idea_url)
    carer.get_by_label("Add a comment").fill("We would use this too.")
    carer.get_by_role("button", name="Post comment").click()
    carer.wait_for_url("**notice=comment-added*")

    # ...and the first person hears about it.
    page.goto("/me")
    updates = page.locator(".fc-notifications")
    expect(updates).to_contain_text(f"New comment on {title}")
    expect(updates.locator(".nhsuk-tag")).to_contain_text(["New"])
    screenshot(page, "ideas-journey-7-notification")


# --- 3. the board: HTMX filters, history, and no JavaScript -----------------------------------


def query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_board_filters_update_results_and_history(phone_page: Any, demo_ideas: None) -> None:
    page = phone_page
    page.goto("/ideas")
    everything = result_titles(page)
    assert len(everything) >= 2
    page.evaluate("() => { window.__sameDocument = true; }")

    page.get_by_label("Search ideas").press_sequentially("room", delay=40)
    page.wait_for_url("**/ideas?*q=room*")
    expect(page.locator("#results")).to_contain_text(re.compile("quiet room", re.I))
    searched = result_titles(page)
    assert 0 < len(searched) < len(everything)
    # Screen readers hear a one-line summary, not the whole list again.
    expect(page.locator("#results-status")).to_have_text(
        re.compile(rf"^Showing {len(searched)} ideas?\.")
    )
    expect(page.locator("#results-status")).to_have_attribute("role", "status")
    assert page.locator("#results[aria-live]").count() == 0
    assert page.evaluate("() => window.__sameDocument === true"), "the search reloaded the page"
    screenshot(page, "ideas-board-searched")

    page.get_by_label("Sort by").select_option("new")
    page.wait_for_url("**sort=new*")
    assert query(page)["q"] == ["room"]
    expect(page.locator("#results")).to_contain_text(re.compile("quiet room", re.I))
    newest = result_titles(page)
    assert sorted(newest) == sorted(searched)
    assert page.evaluate("() => window.__sameDocument === true")

    # The pushed address is a real page of its own.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ideas to improve our services")
    expect(page.get_by_label("Search ideas")).to_have_value("room")
    expect(page.get_by_label("Sort by")).to_have_value("new")
    assert result_titles(page) == newest

    # Back goes to the results before the sort changed.
    page.go_back()
    page.wait_for_url(lambda url: "sort=new" not in url)
    expect(page.locator("#results")).to_contain_text(re.compile("quiet room", re.I))
    expect(page.get_by_label("Sort by")).to_have_value("top")
    assert result_titles(page) == searched
    assert query(page).get("q") == ["room"]


def test_board_without_javascript(new_page: Any, demo_ideas: None) -> None:
    page = new_page(java_script_enabled=False, **PHONE)
    page.goto("/ideas")
    first_page = result_titles(page)
    assert len(first_page) == 20, "the board shows 20 ideas a page"

    apply = page.get_by_role("button", name="Show ideas")
    expect(apply).to_be_visible()
    page.get_by_label("Search ideas").fill("ward")
    page.get_by_label("Sort by").select_option("new")
    apply.click()
    page.wait_for_url("**/ideas?*q=ward*")
    assert query(page)["sort"] == ["new"]
    found = result_titles(page)
    assert found
    assert found != first_page

    page.goto("/ideas")
    page.get_by_role("link", name="Next page").click()
    page.wait_for_url("**cursor=*")
    second_page = result_titles(page)
    assert second_page, "the second page is empty"
    assert not set(second_page) & set(first_page), "the second page repeats the first"
    page.get_by_role("link", name="Back to the first page").click()
    page.wait_for_url(lambda url: "cursor" not in url)
    assert result_titles(page) == first_page


def test_next_page_with_javascript(phone_page: Any, demo_ideas: None) -> None:
    """Paging is a plain link even with JavaScript: the next page starts at the top."""
    page = phone_page
    page.goto("/ideas")
    first_page = result_titles(page)
    page.get_by_role("link", name="Next page").click()
    page.wait_for_url("**cursor=*")
    expect(page.get_by_role("link", name="Back to the first page")).to_be_visible()
    assert not set(result_titles(page)) & set(first_page)
    assert page.evaluate("() => window.scrollY") == 0


# --- 4. similar ideas while typing ------------------------------------------------------------


def test_similar_ideas_while_typing(phone_page: Any, demo_ideas: None) -> None:
    page = phone_page
    page.goto("/ideas/new")
    title_box = page.get_by_label("Your idea in a few words")
    title_box.press_sequentially("Quiet room in the evening", delay=30)
    card = page.locator("#similar .fc-similar")
    expect(card.get_by_role("heading", name="Similar ideas already suggested")).to_be_visible()
    instead = card.get_by_role("link", name=re.compile(r"^support this one instead\s*: "))
    expect(instead.first).to_be_visible()
    match = card.get_by_role("link", name=re.compile("quiet room", re.I)).first
    expect(match).to_be_visible()
    suggested = match.inner_text()
    # Typing goes on uninterrupted: the card does not take focus.
    expect(title_box).to_be_focused()
    screenshot(page, "ideas-similar")
    card.screenshot(path=str(SCREENSHOTS / "ideas-similar-card.png"))

    card.get_by_role(
        "link", name=re.compile(rf"^support this one instead\s*: {re.escape(suggested)}$")
    ).click()
    page.wait_for_url(re.compile(r"/ideas/\d+#vote$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(suggested)


# --- screenshots ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_screenshots_of_the_main_pages(
    size: str, new_page: Any, signed_in_as: Any, demo_ideas: None
) -> None:
    """For people to look at: test-artifacts/screenshots/ideas-*-{phone,desktop}.png."""
    options = PHONE if size == "phone" else DESKTOP
    page = new_page(**options)
    page.goto("/ideas")
    screenshot(page, f"ideas-board-{size}")
    page.goto("/ideas/new")
    screenshot(page, f"ideas-form-{size}")
    discussed = idea_href(page, "/ideas?sort=discussed")
    page.goto(discussed)
    screenshot(page, f"ideas-idea-{size}")
    signed_in = new_page(**options, storage_state=signed_in_as(SERVICE_USER))
    signed_in.goto(discussed)
    screenshot(signed_in, f"ideas-idea-signed-in-{size}")
    signed_in.goto("/")
    screenshot(signed_in, f"ideas-home-signed-in-{size}")


README_SHOTS = ROOT / "docs" / "screenshots"


@pytest.mark.skipif(
    os.environ.get("FULLCIRCLE_UPDATE_SCREENSHOTS") != "1",
    reason="set FULLCIRCLE_UPDATE_SCREENSHOTS=1 to refresh docs/screenshots",
)
def test_readme_screenshots_of_the_board(new_page: Any, demo_ideas: None) -> None:
    """Small (1x, first screen) pictures of the board for the README (test_readme_screenshots.py
    makes the home page's)."""

    def save(page: Any, name: str) -> Path:
        path = README_SHOTS / name
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        assert path.stat().st_size < 160_000, f"{name} is {path.stat().st_size} bytes"
        return path

    phone = {**PHONE, "device_scale_factor": 1}
    page = new_page(**phone)
    page.goto("/ideas")
    save(page, "board-phone.png")
    desktop = new_page(**DESKTOP, device_scale_factor=1)
    desktop.goto("/ideas")
    save(desktop, "board-desktop.png")
