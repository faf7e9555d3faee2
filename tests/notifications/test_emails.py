"""Every email says the site is not monitored 24 hours a day and gives the crisis line: each
template under templates/emails/ is rendered (subject and body) and its body checked."""

from pathlib import Path

import pytest
from jinja2 import ChainableUndefined
from jinja2_fragments import render_block

from app.web.render import TEMPLATE_DIR, text_environment

EMAILS = sorted(p.name for p in (Path(TEMPLATE_DIR) / "emails").glob("*.txt"))
FOOTER = (
    "This site is not monitored 24 hours a day and is not the way to get urgent help. "
    "If you need help now, call 111 and select the mental health option."
)
#: Sample values for what the templates name; anything else renders as empty.
SAMPLE = {
    "days": 7,
    "minutes": 30,
    "waiting": 2,
    "ideas": [("A quiet room", "http://127.0.0.1:8000/ideas/1")],
    "link": "http://127.0.0.1:8000/link",
    "text": "The idea is now: Under review.",
}


@pytest.mark.parametrize("template", EMAILS)
@pytest.mark.parametrize("flag", [False, True])
def test_every_email_has_the_crisis_footer(template: str, flag: bool) -> None:
    # Every branch that a true or false flag takes (held or not, escalated or not...).
    env = text_environment().overlay(undefined=ChainableUndefined)
    context = SAMPLE | dict.fromkeys(
        ("crisis", "yours", "approved", "by_admin", "escalated", "held", "done"), flag
    )
    subject = render_block(env, f"emails/{template}", "subject", context)
    body = render_block(env, f"emails/{template}", "body", context)
    assert subject.strip()
    assert FOOTER in " ".join(body.split()), template


def test_the_new_emails_are_among_them() -> None:
    assert {"confirm_updates.txt", "digest.txt", "idea_update.txt"} <= set(EMAILS)
