"""Screenshots for the README, refreshed on request: FULLCIRCLE_UPDATE_SCREENSHOTS=1.

They are committed, so they are small: CSS pixels only (scale 1) and, where the page is long,
the first screen only.
"""

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import ROOT

DOCS = ROOT / "docs" / "screenshots"

pytestmark = pytest.mark.skipif(
    os.environ.get("FULLCIRCLE_UPDATE_SCREENSHOTS") != "1",
    reason="set FULLCIRCLE_UPDATE_SCREENSHOTS=1 to refresh docs/screenshots",
)

PHONE_1X = {
    "viewport": {"width": 375, "height": 812},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 1,
}
DESKTOP_1X = {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1}


def save(page: Any, name: str, *, full_page: bool) -> Path:
    DOCS.mkdir(parents=True, exist_ok=True)
    path = DOCS / name
    page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
    return path


def test_home_on_a_phone(new_page: Any) -> None:
    # The first 1800 px: the whole page, with its recent activity, is over 200 KB.
    page = new_page(**{**PHONE_1X, "viewport": {"width": 375, "height": 1800}})
    page.goto("/")
    save(page, "home-phone.png", full_page=False)


def test_home_on_a_desktop(new_page: Any) -> None:
    page = new_page(**DESKTOP_1X)
    page.goto("/")
    save(page, "home-desktop.png", full_page=False)


def test_account_on_a_phone(new_page: Any, signed_in_as: Any) -> None:
    page = new_page(**PHONE_1X, storage_state=signed_in_as("serviceuser@example.org"))
    page.goto("/account")
    save(page, "account-phone.png", full_page=False)
