"""A real Chromium: the demo member logs in; the admin opens the Wagtail admin in Chinese."""

import pytest

from learning.members.demo import DEMO_PASSWORD
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_member_logs_in_and_sees_the_chinese_home_page(demo_db, live_server, phone):
    login(phone, live_server.url, "member", DEMO_PASSWORD)
    assert phone.url.rstrip("/") == live_server.url
    body = phone.inner_text("body")
    assert "学习型机关学习平台" in body
    assert "您好，李晓明" in body
    assert phone.evaluate("document.documentElement.lang") == "zh-CN"


def test_the_admin_opens_the_wagtail_admin_in_chinese(demo_db, live_server, desktop):
    login(desktop, live_server.url, "admin", DEMO_PASSWORD)
    desktop.goto(f"{live_server.url}/admin/")
    desktop.wait_for_selector("main")
    body = desktop.inner_text("body")
    assert "仪表板" in body or "页面" in body
    assert desktop.evaluate("document.documentElement.lang").lower().startswith("zh")
    desktop.goto(f"{live_server.url}/admin/learning/member/")
    assert "李晓明" in desktop.inner_text("body")
