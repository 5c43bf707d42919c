"""A real Chromium under the Content-Security-Policy: the site's own scripts run, nothing is
refused on a member's pages, and the Wagtail admin's page editor loads and publishes."""

import pytest

from tests.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_refusals(page) -> list[str]:
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    return refused


def test_member_pages_run_their_scripts_without_a_refusal(demo_db, live_server, desktop):
    refused = csp_refusals(desktop)
    sign_in(desktop, live_server.url, "member")
    for path in ("/", "/theory/", "/record/", "/exams/"):
        desktop.goto(f"{live_server.url}{path}")
        desktop.wait_for_load_state("networkidle")
    assert not refused, refused


def test_the_admin_editor_loads_and_publishes_under_the_admin_policy(demo_db, live_server, desktop):
    from wagtail.models import Page

    refused = csp_refusals(desktop)
    sign_in(desktop, live_server.url, "admin")
    page = Page.objects.get(depth=2).specific
    desktop.goto(f"{live_server.url}/admin/pages/{page.pk}/edit/")
    desktop.wait_for_selector("[data-draftail-editor], .Draftail-Editor, textarea, input[name=title]")
    title = desktop.locator("input[name=title]")
    title.fill(page.title + "（已更新）")
    desktop.locator("[data-w-dropdown-target='toggle'], .dropdown-toggle").last.click()
    desktop.locator("button[name=action-publish]").click()
    desktop.wait_for_load_state("networkidle")
    assert Page.objects.get(pk=page.pk).title.endswith("（已更新）")
    assert not refused, refused
