"""A real Chromium: an organizer writes and publishes a material in the Wagtail editor;
a secretary drafts one and can only submit it for the organizers' approval."""

import pytest

from courses.models import TheoryIndexPage, TheoryMaterialPage
from tests.browser import sign_in
from tests.browser_a11y import check_page, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _click_action(page, name: str) -> None:
    """Click a footer action of the Wagtail editor, opening the actions menu when it is folded."""
    selector = "button.action-save" if name == "action-save" else f"button[name='{name}']"
    button = page.locator(selector).first
    if button.is_visible():
        button.click()
    else:  # folded into the footer's 更多操作 menu: press it as the menu item would
        button.evaluate("b => b.click()")


def _fill_slug(page, slug: str) -> None:
    # A Chinese title gives no slug (unicode slugs are off): the editor types one on the 推广 tab.
    page.locator("#id_slug").evaluate("(el, value) => { el.value = value; }", slug)


def test_an_organizer_publishes_two_seconds_after_typing_and_the_page_is_live(
    world, site, live_server, chromium, settings
):
    # The live server's threads share one in-memory SQLite connection, so two requests in
    # flight at once cannot both open a transaction here: autosave is off in this test (the
    # crossing autosave/publish is covered in tests/courses/test_content_authoring.py).
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 0
    archive = site.add_child(instance=TheoryIndexPage(title="理论学习", slug="theory"))
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in(page, live_server.url, "organizer_a", then=f"{live_server.url}/admin/theory_materials/")
        assert "没有权限" not in page.inner_text("body")
        page.goto(f"{live_server.url}/admin/pages/add/courses/theorymaterialpage/{archive.pk}/")
        page.fill("#id_title", "学习贯彻全会精神辅导材料")
        _fill_slug(page, "fudao-cailiao")
        _click_action(page, "action-save")  # a draft first, then edit it as the reader did
        page.wait_for_url("**/edit/**")
        material = TheoryMaterialPage.objects.get(slug="fudao-cailiao")
        assert not material.live
        check_page(page, "organizer", "wagtail-editor")
        page.fill("#id_summary", "全会精神学习要点")
        page.wait_for_timeout(2000)
        _click_action(page, "action-publish")
        page.wait_for_url(lambda url: "/edit/" not in url)  # published: back in the explorer
        material.refresh_from_db()
        assert material.live and material.summary == "全会精神学习要点"
        shoot(page, "organizer", "wagtail-published")
    finally:
        context.close()


def test_a_secretary_drafts_and_submits_for_approval_without_a_publish_button(
    world, site, live_server, chromium, settings
):
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 0
    archive = site.add_child(instance=TheoryIndexPage(title="理论学习", slug="theory"))
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in(
            page,
            live_server.url,
            "secretary_a1",
            then=f"{live_server.url}/admin/pages/add/courses/theorymaterialpage/{archive.pk}/",
        )
        page.fill("#id_title", "支部学习心得汇编")
        _fill_slug(page, "xinde-huibian")
        assert page.locator("button[name='action-publish']").count() == 0
        check_page(page, "secretary", "wagtail-editor")
        _click_action(page, "action-submit")
        page.wait_for_url(lambda url: "/add/" not in url)
        material = TheoryMaterialPage.objects.get(slug="xinde-huibian")
        assert not material.live
        assert material.current_workflow_task is not None and material.current_workflow_task.name == "组织员审核"
    finally:
        context.close()
