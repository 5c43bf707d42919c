"""A real Chromium: a secretary assigns a plan by searching a member and a material in the
choosers, at desktop and phone sizes, with the keyboard and with a tap; axe finds no serious
violation and the Content-Security-Policy refuses nothing."""

import pytest

from learning.plans.models import StudyPlan
from tests.browser import sign_in
from tests.browser_a11y import check_page
from tests.factories import make_member
from tests.plans.factories import make_materials

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_secretary_chooses_a_member_and_a_material_by_searching(chromium, live_server, site, world, size):
    materials = make_materials(site, 3)
    materials[2].title = "党章专题学习资料"
    materials[2].save_revision().publish()
    chosen = make_member(world.branch_a1, "zhoujing", "周静")
    for n, name in enumerate(["周立", "吴敏", "郑洁"]):
        make_member(world.branch_a1, f"other{n}", name)
    phone = size == "phone"
    context = chromium.new_context(
        locale="zh-CN", viewport=SIZES[size], is_mobile=phone, has_touch=phone, device_scale_factor=2 if phone else 1
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        sign_in(page, live_server.url, "secretary_a1", then=f"{live_server.url}/workbench/plans/new/")
        assert page.locator("select[name=members] option").count() == 0  # nobody listed up front
        page.fill("input[name=title]", "党章专题学习")
        page.check("input[name=audience_kind][value=members]")

        # Members: type, arrow down, Enter — the keyboard path.
        search = page.locator("#id_members-search")
        assert search.get_attribute("role") == "combobox"
        assert "指定党员" in page.locator("label[for=id_members-search]").inner_text()  # the field's label names it
        search.fill("周")
        page.wait_for_selector("#id_members-results [role=option]:has-text('周立')")
        search.fill("周静")
        page.wait_for_selector("#id_members-results [role=option]:has-text('周静')")
        page.wait_for_function("() => document.querySelectorAll('#id_members-results [role=option]').length === 1")
        search.press("ArrowDown")
        search.press("Enter")
        chip = page.locator("#id_members-chosen .chooser-chip")
        assert chip.count() == 1 and "周静" in chip.inner_text()
        check_page(page, "secretary", f"chooser-open-{size}")

        # A second member, then removed again with its chip's button.
        search.fill("吴敏")
        page.click("#id_members-results [role=option]:has-text('吴敏')")
        assert page.locator("#id_members-chosen .chooser-chip").count() == 2
        page.get_by_role("button", name="移除 吴敏（甲一支部 · other1）").click()
        assert page.locator("#id_members-chosen .chooser-chip").count() == 1

        # Content: a tap on the search result.
        items = page.locator("#id_required_pages-search")
        items.fill("党章")
        page.click("#id_required_pages-results [role=option]:has-text('党章专题学习资料')")
        assert "党章专题学习资料" in page.locator("#id_required_pages-chosen").inner_text()
        page.keyboard.press("Escape")
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
        check_page(page, "secretary", f"chooser-chosen-{size}")

        page.click("button:has-text('下达')")
        page.wait_for_selector("text=学习计划「党章专题学习」已下达")
        plan = StudyPlan.objects.get(title="党章专题学习")
        assert list(plan.recipients.values_list("member_id", flat=True)) == [chosen.pk]
        assert list(plan.items.values_list("page_id", flat=True)) == [materials[2].pk]
        assert not refused, refused
    finally:
        context.close()
