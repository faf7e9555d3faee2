"""From idea to outcome in real Chromium, on a phone and on a desktop: an improvement lead starts
a project from an adopted idea, adds a driver diagram, two PDSA cycles and a measure with 20
points uploaded as CSV; then anyone sees the trace on the public project page, the idea page
and "you said, we did". axe-core finds nothing on any of the new pages; screenshots of each,
and of the SPC matrix with one of each icon, are saved for people to look at."""

import re
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    assert_no_axe_violations,
    screenshot,
    tag,
)

LEAD = "improvement@example.org"
VIEWPORTS: dict[str, dict[str, Any]] = {"phone": PHONE, "desktop": DESKTOP}

#: 11 weeks at the earlier level, then 9 well below it (the measure goes down).
VALUES = [25, 27, 24, 26, 25, 28, 24, 26, 25, 27, 26, 14, 13, 15, 12, 14, 13, 12, 14, 13]


def data_file() -> bytes:
    start = date(2026, 1, 5)
    rows = "\n".join(f"{start + timedelta(weeks=i):%d/%m/%Y},{v}" for i, v in enumerate(VALUES))
    return f"date,value\n{rows}\n".encode()


def checked(page: Any, name: str) -> None:
    assert_no_axe_violations(page)
    screenshot(page, name)


def an_adopted_idea(page: Any) -> str:
    """The address of an accepted idea no project has taken up yet."""
    page.goto("/ideas?status=accepted&sort=new")
    href = page.locator("#results .fc-idea__title a").first.get_attribute("href")
    assert href, "the demo has no accepted idea left"
    return href


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_from_an_adopted_idea_to_a_public_outcome(
    viewport: str, new_page: Any, signed_in_as: Any
) -> None:
    run = tag()
    page = new_page(storage_state=signed_in_as(LEAD), **VIEWPORTS[viewport])

    # The idea, and a project from it.
    idea_path = an_adopted_idea(page)
    page.goto(idea_path)
    idea_title = page.locator("h1").inner_text()
    page.get_by_role("link", name="Start a project from this idea").click()
    expect(page.locator("#title")).to_have_value(idea_title)
    checked(page, f"projects-{viewport}-new")
    page.get_by_label("Title", exact=True).fill(f"Trying it out {run}")
    page.get_by_label("What will change").fill("Fewer people miss their first appointment")
    page.get_by_label("How much (optional)").fill("by a third")
    page.get_by_label("By when (optional)").fill("March 2027")
    page.get_by_label("Defining the problem").select_option("co_production")
    page.get_by_role("button", name="Start the project").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "The project has been created."
    )
    project_url = page.url.split("?")[0]
    expect(page.locator(".fc-aim")).to_have_text(
        "Fewer people miss their first appointment by a third by March 2027."
    )
    expect(page.locator(".fc-linked-ideas")).to_contain_text(idea_title)

    # The driver diagram, with HTMX: the kind of node narrows its parents.
    page.get_by_role("link", name="Edit the driver diagram").click()
    page.get_by_label("Primary driver").check()
    page.get_by_label("In a few words").first.fill("People know when their appointment is")
    page.get_by_role("button", name="Add it").click()
    expect(page.locator("#editor .fc-drivers")).to_contain_text(
        "People know when their appointment is"
    )
    # Wait for the parents' swap itself: a box ticked before it lands is replaced by an
    # unticked one, and "Add it" is then refused (422).
    with page.expect_response(lambda r: r.request.method == "GET" and "/drivers" in r.url):
        page.get_by_label("Change idea", exact=True).check()
    expect(page.locator("#parents label")).to_have_count(1)
    page.locator("#parents label").first.click()
    expect(page.locator("#parents input[type=checkbox]").first).to_be_checked()
    page.get_by_label("In a few words").first.fill("A text the day before")
    page.get_by_role("button", name="Add it").click()
    expect(page.locator("#editor .fc-drivers")).to_contain_text("A text the day before")
    expect(page.locator(".fc-diagram__svg")).to_be_visible()
    checked(page, f"projects-{viewport}-drivers")

    # Two PDSA cycles, both started.
    for n, started in ((1, "2026-02-02"), (2, "2026-03-23")):
        page.goto(project_url)
        page.get_by_role("link", name="Plan a PDSA cycle").click()
        page.get_by_label("A short name for the test").fill(f"Texts, round {n}")
        page.get_by_label("The change idea it tests").select_option(label="A text the day before")
        page.get_by_label("Objective").fill("See whether a text reduces missed appointments")
        page.get_by_label("Prediction").fill("Fewer missed appointments")
        if n == 1:
            checked(page, f"projects-{viewport}-pdsa-form")
        page.get_by_role("button", name="Save the cycle").click()
        expect(page.locator("h1")).to_have_text(f"Texts, round {n}")
        page.get_by_label("The day the test started").fill(started)
        page.get_by_role("button", name="Start the test (Do)").click()
        expect(page.locator(".nhsuk-notification-banner")).to_contain_text("moved on")
    checked(page, f"projects-{viewport}-pdsa")

    # A measure with 20 points from a CSV file.
    page.goto(project_url)
    page.get_by_role("link", name="Add a measure").click()
    page.get_by_label("Name", exact=True).fill("Missed first appointments")
    page.get_by_label("Outcome", exact=True).check()
    page.get_by_label("Lower is better", exact=True).check()
    page.get_by_label("Target (optional)").fill("10")
    checked(page, f"projects-{viewport}-measure-form")
    page.get_by_role("button", name="Save the measure").click()
    page.locator("#file").set_input_files(
        {"name": "missed.csv", "mimeType": "text/csv", "buffer": data_file()}
    )
    page.get_by_role("button", name="Upload the file").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "The file has been imported."
    )
    summary = page.locator(".fc-chart__summary")
    expect(summary).to_contain_text("Special cause improvement: 9 points below the mean")
    expect(page.locator(".fc-chart svg desc")).to_contain_text("Special cause improvement")
    expect(page.locator(".fc-chart svg")).to_contain_text("PDSA 1 started")
    page.get_by_text("Show the data").first.click()
    expect(page.locator(".fc-chart__data tbody tr")).to_have_count(20)
    checked(page, f"projects-{viewport}-measure")

    # The SPC matrix, with every icon in its key.
    page.goto("/measures/matrix")
    expect(page.locator(".fc-icon-key li")).to_have_count(10)
    checked(page, f"projects-{viewport}-matrix")
    page.locator("#icons").scroll_into_view_if_needed()
    page.locator("#icons + .nhsuk-grid-row").screenshot(
        path=str(SCREENSHOTS / f"projects-{viewport}-icons.png")
    )

    # Anyone now sees the trace: the project, the idea and "you said, we did".
    public = new_page(**VIEWPORTS[viewport])
    public.goto(project_url)
    expect(public.locator("h1")).to_have_text(f"Trying it out {run}")
    expect(public.locator(".fc-linked-ideas")).to_contain_text(idea_title)
    expect(public.locator(".fc-drivers")).to_contain_text("A text the day before")
    expect(public.locator(".fc-ramp .fc-timeline__item")).to_have_count(2)
    expect(public.locator(".fc-chart__summary").first).to_contain_text("Special cause improvement")
    expect(public.locator("table .fc-matrix__icon svg title").first).to_have_text(
        "Special cause improvement – low"
    )
    checked(public, f"projects-{viewport}-project")

    public.goto(idea_path)
    expect(public.locator(".fc-idea-projects")).to_contain_text(f"Trying it out {run}")
    expect(public.locator(".fc-outcome")).to_contain_text("Special cause improvement")
    expect(public.locator(".fc-timeline")).to_contain_text(
        f"Taken up by the improvement project \u201cTrying it out {run}\u201d"
    )
    expect(public.locator("p", has=public.locator("strong.nhsuk-tag")).first).to_contain_text(
        "In progress"
    )
    checked(public, f"projects-{viewport}-idea")

    public.goto("/you-said-we-did")
    item = public.locator(".fc-said", has_text=idea_title).first
    expect(item).to_contain_text(f"Trying it out {run}")
    expect(item.locator(".fc-said__outcome svg")).to_be_visible()
    checked(public, f"projects-{viewport}-you-said-we-did")

    public.goto("/projects")
    expect(public.locator("#results")).to_contain_text(f"Trying it out {run}")
    checked(public, f"projects-{viewport}-library")


def test_tried_elsewhere_on_the_idea_form(new_page: Any) -> None:
    page = new_page(**PHONE)
    page.goto("/ideas/new")
    page.get_by_label("Your idea in a few words").fill("Text reminders before appointments")
    page.get_by_label("Your idea in a few words").blur()
    panel = page.locator("#tried-elsewhere")
    expect(panel).to_contain_text("Tried elsewhere")
    expect(panel.locator("a").first).to_have_attribute(
        "href", re.compile(r"^/(ideas|projects)/\d+$")
    )
    checked(page, "projects-phone-tried-elsewhere")
