"""The automated accessibility check: axe-core (from the npm registry, installed into `.tools/` by the
Makefile) injected into the page by Playwright.

Only `serious` and `critical` violations fail a test: those are the ones that lock a person out
(no accessible name, unreadable contrast, unreachable content); the minor ones are reported by
the same call when a test asks for them.
"""

from __future__ import annotations

from playwright.sync_api import Page

from marketplace_app.settings import PROJECT_ROOT

AXE_SCRIPT = PROJECT_ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
# WCAG 2.1 A and AA, which the dashboards promise; axe's best practices are advice, not the bar.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def accessibility_violations(page: Page) -> list[str]:
    """Run axe-core on the page as it is now; one line per serious or critical violation.

    Args:
        page: A page whose content has finished loading.

    Returns:
        "<rule id> (<impact>) at <targets>: <help>" for each blocking violation, in axe's order.
    """
    assert AXE_SCRIPT.exists(), f"{AXE_SCRIPT} is missing: remove .tools/.installed and run make setup"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    # A dialog or menu still fading in is half transparent: axe would read its colours mid-animation.
    # (Endless animations, a spinner or a live dot, never finish and are not waited for.)
    page.wait_for_function("document.getAnimations().every(animation => animation.playState !== 'running'"
                           " || animation.effect?.getComputedTiming().iterations === Infinity)")
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(result => result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " targets: v.nodes.map(node => node.target.join(' '))})))",
        WCAG_TAGS,
    )
    blocking = [f"{violation['id']} ({violation['impact']}) at {', '.join(violation['targets'])}: {violation['help']}"
                for violation in violations if violation["impact"] in BLOCKING_IMPACTS]
    return blocking + misnested_paragraphs(page)


def misnested_paragraphs(page: Page) -> list[str]:
    """A `<p>` holding a `<p>` or a `<div>`: invalid HTML that React warns about and that a server-rendered
    page would have split apart. React builds the DOM node by node, so the nesting is there to find;
    axe has no rule for it."""
    count = page.evaluate("document.querySelectorAll('p p, p div').length")
    return [f"nested-paragraph (serious) at {count} element(s): a <p> may not hold a <p> or a <div>"] if count else []


def assert_accessible(page: Page) -> None:
    """Fail with every serious or critical axe-core violation on the page, one per line."""
    violations = accessibility_violations(page)
    assert not violations, f"{page.url}:\n" + "\n".join(violations)
