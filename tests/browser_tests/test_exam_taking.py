"""A member takes a timed test in Chromium, reloads half-way, finishes and sees the result."""

import pytest

from exams.models import Attempt
from tests.browser import login
from tests.exams.factories import fixed_paper, make_bank, make_exam
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_takes_a_timed_test_reloads_and_sees_the_result(world, site, live_server, desktop):
    _, qs = make_bank()
    exam = make_exam(
        site, fixed_paper([qs["single"], qs["blank"], qs["truefalse"]]), title="浏览器计时测试", time_limit_minutes=10
    )
    page = desktop
    login(page, live_server.url, "member_a1", PASSWORD)
    page.goto(live_server.url + exam.url)
    page.click("text=开始答题")
    # The countdown shows --:-- until the page's script has read the server's deadline.
    page.wait_for_function(r"/^\d+:\d\d/.test(document.querySelector('#countdown').textContent)")
    assert page.inner_text("#countdown").startswith(("10:", "09:"))

    single = page.locator(".question[data-type=single]")
    single.locator("label:has-text('选项二')").click()
    single.locator(".q-saved:has-text('已保存')").wait_for()
    blanks = page.locator(".question[data-type=blank] input.blank")
    blanks.nth(0).fill("甲方")
    blanks.nth(1).fill("乙")
    blank_mark = page.locator(".question[data-type=blank] .q-saved")
    page.wait_for_function("document.querySelector('.question[data-type=blank] .q-saved').textContent === '已保存'")
    assert blank_mark.inner_text() == "已保存"
    assert "已保存" in page.inner_text("#save-status")

    page.reload()  # mid-way: everything given so far is still there
    page.wait_for_selector("#countdown")
    assert page.locator(".question[data-type=single] input[value=B]").is_checked()
    assert page.locator(".question[data-type=blank] input.blank").nth(0).input_value() == "甲方"

    page.locator(".question[data-type=truefalse] label:has-text('正确')").click()
    page.locator(".question[data-type=truefalse] .q-saved:has-text('已保存')").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit-exam")
    page.wait_for_selector(".result-card")
    body = page.inner_text("body")
    assert "得分：3.00 / 3.00" in body
    assert "通过" in body
    attempt = Attempt.objects.get(exam=exam)
    assert attempt.passed is True and attempt.submitted_by == "member"
    assert attempt.tab_switches == 0  # a reload is not 切屏
