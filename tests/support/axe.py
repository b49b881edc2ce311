"""axe-core in Chromium: the WCAG check of the widget and the console (docs/development.md).

axe-core 4.14.1 (MPL-2.0) is vendored in tests/support/vendor/axe-core/, so the suite needs no
network. `axe_violations` injects it into a Playwright page, runs every rule on the whole
document (open shadow roots included: the widget lives in one) and returns the serious and
critical violations as readable lines: a failing assert names the rule, the element and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

_SETTLE = """() => Promise.all(document.getAnimations()
    .filter((a) => a.playState === 'running' && isFinite(a.effect.getComputedTiming().endTime))
    .map((a) => a.finished.catch(() => null)))"""
_RUN = """async () => {
    const results = await window.axe.run(document, {resultTypes: ['violations']});
    return results.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary || ''})),
    }));
}"""


def axe_violations(page: Any, *, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> list[str]:
    """One line per element that breaks a rule of the given impacts, on the page as it is now.
    The page's context needs bypass_csp=True: the injected script is inline."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    # Colours mid-animation (a panel fading in) are not the colours people read: let every
    # finite animation end first (spinners and typing dots run forever and are left alone).
    page.evaluate(_SETTLE)
    lines = []
    for violation in page.evaluate(_RUN):
        if violation["impact"] not in impacts:
            continue
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} "
                f"at {' > '.join(map(str, node['target']))}: {summary}"
            )
    return lines


def assert_accessible(page: Any, where: str) -> None:
    """No serious or critical axe violation on the page; the failure lists each of them."""
    problems = axe_violations(page)
    assert not problems, f"axe: {len(problems)} serious/critical on {where}:\n" + "\n".join(
        problems
    )
