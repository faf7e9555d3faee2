"""Issue 11 in real Chromium: a carer answers the voluntary questions on a phone; an
improvement lead reads /reports at 375 px and on a desktop (charts with their text
equivalents, small numbers suppressed) and prints it; anyone reads /transparency. axe-core on
every page."""

from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import DESKTOP, PHONE, assert_no_axe_violations, screenshot

LEAD = "improvement@example.org"
CARER = "carer@example.org"


def test_a_carer_answers_changes_and_deletes(new_page: Any, signed_in_as: Any) -> None:
    page = new_page(**PHONE, storage_state=signed_in_as(CARER))
    page.goto("/demographics")
    expect(page.get_by_role("heading", level=1)).to_have_text("About you (optional)")
    assert_no_axe_violations(page)
    screenshot(page, "reports-phone-1-about-you")
    page.get_by_label("What is your ethnic group?").select_option("caribbean")
    page.get_by_label("45 to 54").check()
    page.get_by_label("Prefer not to say").nth(1).check()
    page.get_by_role("button", name="Save my answers").click()
    page.wait_for_url("**notice=demographics-saved")
    expect(page.get_by_label("What is your ethnic group?")).to_have_value("caribbean")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Delete my answers").click()
    page.wait_for_url("**notice=demographics-deleted")
    expect(page.get_by_label("What is your ethnic group?")).to_have_value("")


def check_reports(page: Any) -> None:
    page.goto("/reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    for heading in ("Funnel", "Fairness of outcome", "Reach", "Co-production", "Contribution"):
        expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    # Small numbers are suppressed on the seeded data.
    expect(page.locator("#table-funnel")).to_contain_text("<10")
    # Each chart is an image with a title and a description, or says why it is not drawn,
    # and its data is a table beside it.
    charts = page.locator("#charts figure")
    expect(charts).to_have_count(2)
    for i in range(2):
        figure = charts.nth(i)
        svg = figure.locator("svg[role=img]")
        if svg.count():
            expect(svg.locator("title")).not_to_be_empty()
            expect(svg.locator("desc")).not_to_be_empty()
        else:
            expect(figure.locator(".fc-muted")).not_to_be_empty()
    expect(page.locator("#table-monthly")).to_be_visible()
    assert_no_axe_violations(page)


def test_reports_on_a_phone_a_desktop_and_paper(new_page: Any, signed_in_as: Any) -> None:
    phone = new_page(**PHONE, storage_state=signed_in_as(LEAD))
    check_reports(phone)
    # Nothing sticks out sideways on a phone.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    screenshot(phone, "reports-phone-2-reports")
    wide = new_page(**DESKTOP, storage_state=signed_in_as(LEAD))
    check_reports(wide)
    screenshot(wide, "reports-desktop-reports")
    # Filter to one directorate: the unit's sub-units become the funnel's rows.
    wide.get_by_label("Where (and everything under it)").select_option(index=1)
    wide.get_by_role("button", name="Show the reports").click()
    wide.wait_for_url("**/reports?**unit=**")
    expect(wide.locator("#table-funnel")).to_be_visible()
    # On paper: no navigation or filters; the period, unit and date at the top.
    wide.emulate_media(media="print")
    expect(wide.locator("header.nhsuk-header")).to_be_hidden()
    expect(wide.locator("form.fc-filters")).to_be_hidden()
    expect(wide.locator(".fc-print-header")).to_be_visible()
    expect(wide.locator(".fc-print-header")).to_contain_text("Period:")
    screenshot(wide, "reports-print")
    pdf = wide.pdf(format="A4", print_background=False)
    assert pdf[:4] == b"%PDF"


def test_transparency_for_everyone(new_page: Any) -> None:
    for options, name in (
        (PHONE, "reports-phone-3-transparency"),
        (DESKTOP, "reports-desktop-transparency"),
    ):
        page = new_page(**options)
        page.goto("/")
        page.get_by_role("link", name="What happens to ideas").click()
        page.wait_for_url("**/transparency")
        expect(page.get_by_role("heading", level=1)).to_have_text("What happens to your ideas")
        expect(page.locator("#table-transparency")).to_contain_text("Ideas received")
        assert_no_axe_violations(page)
        screenshot(page, name)
