"""The site-settings tests run with the policy's real defaults."""

import pytest


@pytest.fixture(autouse=True)
def publish_at_once() -> None:
    """Overrides the suite-wide fixture: nothing is changed, the defaults apply."""
