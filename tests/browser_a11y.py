"""Accessibility and screenshots for the browser tests.

axe-core comes from the npm registry, pinned in package.json and installed project-locally by
``npm ci`` (``make test`` runs it). Pages are checked in the browser the tests drive; serious and
critical violations fail the test. Screenshots go to ``test-artefacts/`` (gitignored).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = ROOT / "test-artefacts"
FAILING = ("serious", "critical")


def axe_violations(page, *, context: str = "document", impacts: tuple[str, ...] = FAILING) -> list[dict]:
    """The page's axe violations of the given impacts: [{id, impact, help, targets}]."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Through the DevTools protocol, not a <script> tag: the site's Content-Security-Policy stays in force.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
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


def shoot(page, role: str, name: str) -> Path:
    """Save a full-page screenshot as test-artefacts/<role>/<width>-<name>.png."""
    folder = ARTEFACTS / role
    folder.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = folder / f"{width}-{re.sub(r'[^0-9A-Za-z_-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_page(page, role: str, name: str) -> None:
    """Screenshot the page and fail on serious/critical axe violations (listed in the message)."""
    shoot(page, role, name)
    found = axe_violations(page)
    if found:
        report = ARTEFACTS / role / f"axe-{name}.json"
        report.write_text(json.dumps(found, ensure_ascii=False, indent=2), encoding="utf-8")
    assert found == [], f"{role} {name} {page.url}: " + json.dumps(found, ensure_ascii=False)
