"""A member browses the theory archive on a phone: filter by tag, open a material, use its contents."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_phone_user_filters_the_archive_by_tag_and_reads_a_material(demo_db, live_server, phone):
    phone.goto(f"{live_server.url}/")
    phone.click("label.nav-toggle-label")
    phone.click("nav.site-nav >> text=理论学习")
    phone.wait_for_selector("section.material-list")
    assert "共 15 篇" in phone.inner_text(".filters")  # 14 files and one 优秀 心得 from the seminars demo
    # The page fits the phone: nothing wider than the viewport.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.click(".tag-filter >> text=绩效管理")
    phone.wait_for_url("**/theory/?tag=*")
    titles = phone.locator(".material-card h3").all_inner_texts()
    assert len(titles) == 3 and "机关绩效目标的设定方法" in titles
    assert "共 3 篇" in phone.inner_text(".filters")

    phone.click("text=机关绩效目标的设定方法")
    phone.wait_for_selector("nav.toc")
    toc = phone.locator("nav.toc li").all_inner_texts()
    assert toc == ["目标从哪里来", "好目标的五个特征", "常见误区"]
    phone.click("nav.toc >> text=常见误区")
    assert phone.url.endswith("#" + phone.locator(".body h2", has_text="常见误区").get_attribute("id"))
    assert phone.locator(".body h2", has_text="常见误区").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.click(".breadcrumbs >> text=理论学习")
    phone.wait_for_selector("section.material-list")
