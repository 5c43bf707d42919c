"""A member reads a lesson in Chromium until it completes, then finds the hours in 我的学习档案."""

from __future__ import annotations

import time

import pytest

from tests.browser import sign_in
from tests.factories import make_world


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_member_reads_a_lesson_until_it_completes_and_sees_the_hours_in_the_record(live_server, desktop, settings):
    from courses.demo import load
    from courses.models import CourseIndexPage, CoursePage, LessonPage

    # Real time, shortened: one minute of lesson length asks for 3 s of active reading,
    # reported every second. Nothing is faked: the server validates every report.
    settings.STUDY_REPORT_INTERVAL = 1
    settings.STUDY_SECONDS_PER_MINUTE = 3
    home = load()
    world = make_world()
    index = home.add_child(instance=CourseIndexPage(title="业务培训", slug="peixun"))
    course = index.add_child(instance=CoursePage(title="保密常识", slug="baomi"))
    lesson = course.add_child(instance=LessonPage(title="第一课 保密基本要求", slug="l1", duration_minutes=1))

    sign_in(desktop, live_server.url, world.member_a1.user.username, then=f"{live_server.url}{lesson.url}")
    tracker = desktop.locator(".study-tracker")
    tracker.wait_for()
    deadline = time.monotonic() + 30
    while "已完成" not in tracker.inner_text() and time.monotonic() < deadline:
        desktop.mouse.move(100 + int(time.monotonic() * 10) % 200, 300)  # the member is reading
        desktop.mouse.wheel(0, 40)
        desktop.wait_for_timeout(300)
    assert "已完成" in tracker.inner_text()
    assert tracker.locator(".progress").get_attribute("aria-valuenow") == "100"

    desktop.hover(".nav-group[data-group=mine] .nav-group-label")  # the 我的 menu
    desktop.click("text=我的学习档案")
    desktop.wait_for_url("**/record/")
    assert desktop.locator(".record-hours").inner_text() == "0.25"
    assert "第一课 保密基本要求" in desktop.locator(".record-entries").inner_text()
