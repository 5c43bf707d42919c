"""Accessibility and screenshots for the browser tests.

axe-core comes from the npm registry, pinned in package.json and installed project-locally by
``npm ci`` (``make test`` runs it). Pages are checked in the browser the tests drive; serious and
critical violations fail the test.

Screenshots go to ``test-artefacts/`` (gitignored), only when they are of use: ``check_page``
takes one when axe finds a violation, every page of a failed test is taken by the hook in
``tests/browser_tests/conftest.py`` (under ``test-artefacts/failures/``), and
``BROWSER_SCREENSHOTS=1`` takes all of them (every state ``check_page`` checks, and ``shoot``),
as every run did before: a full page at the phone's pixel ratio costs about as much as the axe
run itself.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = ROOT / "test-artefacts"
FAILING = ("serious", "critical")
SETTLED = """async () => {
  const finite = document.getAnimations().filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
  await Promise.race([
    Promise.all(finite.map((a) => a.finished.catch(() => null))),
    new Promise((resolve) => setTimeout(resolve, 3000)),
  ]);
}"""
SCREENSHOTS = os.environ.get("BROWSER_SCREENSHOTS", "") not in ("", "0")


def axe_violations(page, *, context: str = "document", impacts: tuple[str, ...] = FAILING) -> list[dict]:
    """The page's axe violations of the given impacts: [{id, impact, help, targets}]."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Through the DevTools protocol, not a <script> tag: the site's Content-Security-Policy stays in force.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    # Colours are judged as the reader finally sees them: a message fading in is not a contrast fault, so
    # finite animations and transitions (Wagtail's flash messages, menus opening) run to their end first.
    page.evaluate(SETTLED)
    result = page.evaluate(
        "async (ctx) => await axe.run(ctx === 'document' ? document : ctx, {resultTypes: ['violations']})",
        context,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [", ".join(map(str, n["target"])) for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def shoot(page, role: str, name: str, *, always: bool = False) -> Path | None:
    """Save a full-page screenshot as test-artefacts/<role>/<width>-<name>.png when
    ``BROWSER_SCREENSHOTS`` asks for screenshots (or ``always``); returns its path."""
    if not (SCREENSHOTS or always):
        return None
    folder = ARTEFACTS / role
    folder.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = folder / f"{width}-{re.sub(r'[^0-9A-Za-z_-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_page(page, role: str, name: str) -> None:
    """Fail on serious/critical axe violations (listed in the message, the page screenshotted)."""
    found = axe_violations(page)
    shoot(page, role, name, always=bool(found))
    if found:
        report = ARTEFACTS / role / f"axe-{name}.json"
        report.write_text(json.dumps(found, ensure_ascii=False, indent=2), encoding="utf-8")
    assert found == [], f"{role} {name} {page.url}: " + json.dumps(found, ensure_ascii=False)


def shoot_failed_test(browser, test_name: str) -> list[Path]:
    """Every open page of a failed test, as test-artefacts/failures/<test>-<n>.png."""
    folder = ARTEFACTS / "failures"
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^0-9A-Za-z_-]+", "_", test_name)[-120:]
    taken = []
    pages = [page for context in browser.contexts for page in context.pages]
    for n, page in enumerate(pages):
        path = folder / f"{stem}-{n}.png"
        try:
            page.screenshot(path=str(path), full_page=True, timeout=10_000)
        except Exception:  # a closed or crashed page: the failure's own report says more
            continue
        taken.append(path)
    return taken
