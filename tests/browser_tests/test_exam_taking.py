"""A member takes a timed test in Chromium, reloads half-way, finishes and sees the result."""

import pytest

from exams.models import Attempt
from tests.browser import sign_in
from tests.browser_a11y import check_page
from tests.exams.factories import fixed_paper, make_bank, make_exam

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_takes_a_timed_test_reloads_and_sees_the_result(world, site, live_server, desktop):
    _, qs = make_bank()
    exam = make_exam(
        site, fixed_paper([qs["single"], qs["blank"], qs["truefalse"]]), title="浏览器计时测试", time_limit_minutes=10
    )
    page = desktop
    sign_in(page, live_server.url, "member_a1", then=live_server.url + exam.url)
    page.click("text=开始答题")
    # The countdown shows --:-- until the page's script has read the server's deadline.
    page.wait_for_function(r"() => /^\d+:\d\d/.test(document.querySelector('#countdown').textContent)")
    assert page.inner_text("#countdown").startswith(("10:", "09:"))

    single = page.locator(".question[data-type=single]")
    single.locator("label:has-text('选项二')").click()
    single.locator(".q-saved:has-text('已保存')").wait_for()
    blanks = page.locator(".question[data-type=blank] input.blank")
    blanks.nth(0).fill("甲方")
    blanks.nth(1).fill("乙")
    blank_mark = page.locator(".question[data-type=blank] .q-saved")
    page.wait_for_function(
        "() => document.querySelector('.question[data-type=blank] .q-saved').textContent === '已保存'"
    )
    assert blank_mark.inner_text() == "已保存"
    assert "已保存" in page.inner_text("#save-status")

    page.reload()  # mid-way: everything given so far is still there
    page.wait_for_selector("#countdown")
    assert page.locator(".question[data-type=single] input[value=B]").is_checked()
    assert page.locator(".question[data-type=blank] input.blank").nth(0).input_value() == "甲方"

    page.locator(".question[data-type=truefalse] label:has-text('正确')").click()
    page.locator(".question[data-type=truefalse] .q-saved:has-text('已保存')").wait_for()
    page.click("#submit-exam")
    assert "全部 3 道题均已作答" in page.inner_text("#submit-dialog")
    page.click("#submit-confirm")
    page.wait_for_selector(".result-card")
    body = page.inner_text("body")
    assert "得分：3.00 / 3.00" in body
    assert "通过" in body
    attempt = Attempt.objects.get(exam=exam)
    assert attempt.passed is True and attempt.submitted_by == "member"
    assert attempt.tab_switches == 0  # a reload is not 切屏


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}])
def test_the_answer_sheet_flags_resume_and_the_submit_count(world, site, live_server, chromium, viewport):
    _, qs = make_bank()
    exam = make_exam(
        site,
        fixed_paper([qs["single"], qs["truefalse"], qs["blank"], qs["multiple"]]),
        title="答题卡测试",
        time_limit_minutes=10,
        layout="one",
    )
    context = chromium.new_context(locale="zh-CN", viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, live_server.url, "member_a1", then=live_server.url + exam.url)
        page.click("text=开始答题")
        page.wait_for_function(r"() => /^\d+:\d\d/.test(document.querySelector('#countdown').textContent)")
        if viewport["width"] < 1000:
            page.click("#sheet-toggle")
        cells = page.locator(".sheet-item")
        assert cells.count() == 4
        page.locator(".question.current label:has-text('选项二')").click()
        page.locator(".question.current .q-saved:has-text('已保存')").wait_for()
        assert "answered" in cells.nth(0).get_attribute("class")
        # Jump to question 3 from the answer sheet and flag it for review.
        if viewport["width"] < 1000 and not page.is_visible("#answer-sheet"):
            page.click("#sheet-toggle")
        cells.nth(2).click()
        assert page.locator(".question.current").get_attribute("data-type") == "blank"
        page.click(".question.current .flag-toggle")
        assert page.locator(".question.current .flag-toggle").inner_text() == "已标记"

        page.reload()  # back at question 3, flag kept, answer kept
        page.wait_for_selector(".question.current")
        assert page.locator(".question.current").get_attribute("data-type") == "blank"
        assert "flagged" in page.locator(".sheet-item").nth(2).get_attribute("class")
        assert "answered" in page.locator(".sheet-item").nth(0).get_attribute("class")

        # The timer stays in view while the member scrolls.
        page.mouse.wheel(0, 2000)
        box = page.locator("#countdown").bounding_box()
        assert box is not None and 0 <= box["y"] < viewport["height"]

        check_page(page, "member", "exam-sheet")

        page.click("#submit-exam")
        summary = page.inner_text("#submit-summary")
        assert "还有 3 道题未作答" in summary and "1 道题标记待查" in summary
        check_page(page, "member", "exam-submit-dialog")
        page.click("#submit-cancel")
        assert Attempt.objects.get(exam=exam).status == "in_progress"
        page.click("#submit-exam")
        page.click("#submit-confirm")
        page.wait_for_selector(".result-card")
        check_page(page, "member", "exam-result")
    finally:
        context.close()
