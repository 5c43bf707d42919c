"""A real Chromium: a secretary assigns a plan, a member sees it and completes an item, the secretary sees it."""

import pytest

from learning.hours.progress import mark_complete
from learning.plans.models import StudyPlan
from tests.browser import sign_in
from tests.factories import make_member, make_secretary
from tests.plans.factories import make_materials

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_secretary_assigns_a_plan_and_sees_a_members_progress(site, live_server, desktop, phone, world):
    pages = make_materials(site, 2)
    branch = world.branch_a1
    secretary = make_secretary(branch, "shuji")
    member = make_member(branch, "dangyuan", "周学习")

    sign_in(desktop, live_server.url, "shuji")
    desktop.hover(".nav-group[data-group=manage] .nav-group-label")  # the 管理 menu
    desktop.click("text=支部工作台")
    desktop.click("text=下达学习计划")
    desktop.fill("input[name=title]", "十二月专题学习")
    desktop.select_option("select[name=organization]", str(branch.pk))
    desktop.fill("input[name=start_on]", "2026-01-01")
    desktop.fill("input[name=due_on]", "2099-12-31")
    desktop.fill("input[name=target_hours]", "0")
    for field, page in (("required_pages", pages[0]), ("elective_pages", pages[1])):  # the content choosers
        desktop.fill(f"#id_{field}-search", page.title)
        desktop.click(f"#id_{field}-results [role=option]:has-text('{page.title}')")
    desktop.click("button:has-text('下达')")
    desktop.wait_for_selector("text=学习计划「十二月专题学习」已下达")
    assert desktop.inner_text("#complete-count") == "0"
    plan = StudyPlan.objects.get(title="十二月专题学习")
    assert plan.created_by_id == secretary.user_id

    sign_in(phone, live_server.url, "dangyuan", then=f"{live_server.url}/plans/")
    card = phone.locator(f"#plan-{plan.pk}")
    assert "十二月专题学习" in card.inner_text()
    assert "必学内容 0/1" in card.inner_text()
    # The tracking UI is another module's: record the completion as it would.
    mark_complete(member, pages[0], "material")
    phone.reload()
    card = phone.locator(f"#plan-{plan.pk}")
    assert "必学内容 1/1" in card.inner_text()
    assert "已完成" in card.inner_text()

    desktop.reload()
    row = desktop.locator(f"tr[data-member='{member.pk}']")
    assert row.locator(".required-done").inner_text() == "1/1"
    assert "已完成" in row.locator(".state").inner_text()
    assert desktop.inner_text("#complete-count") == "1"
    desktop.goto(f"{live_server.url}/workbench/branch/{branch.pk}/")
    assert desktop.locator(f"tr[data-member='{member.pk}'] .plans-cell").inner_text() == "1/1"
