"""Helpers for the browser tests: sign in, screenshots, and axe-core."""

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE_SOURCE = Path(__file__).with_name("vendor") / "axe.min.js"

DEMO_PASSWORD = "purple kite harbour lantern"  # the password seed-demo gives every account

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/account")


def run_axe(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page; returns its violations.

    ``page.evaluate`` runs outside the page's CSP, so the site's strict ``script-src`` needs no
    exception for the test.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text())
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return results.violations;
        }""",
        WCAG_TAGS,
    )


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} <{v.get('helpUrl', '')}>")
        for node in v["nodes"]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['html'][:160]}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Any) -> None:
    violations = run_axe(page)
    assert not violations, (
        f"axe found {len(violations)} WCAG violation(s) on {page.url}:\n"
        + describe_violations(violations)
    )
