"""Each demo role's first hour in a real Chromium, at 1366×900 and 390×844.

Every page visited is checked with axe-core (no serious or critical violation); it is
screenshotted under test-artefacts/<role>/ when axe finds one or BROWSER_SCREENSHOTS=1 asks. Along the way: the header groups its links (学习 · 考试 ·
我的 · 管理) on one line on a desktop and behind 菜单 on a phone, shows only what the role may
open, date fields keep ISO values after a validation error, the Chinese text is drawn with a
real font on this machine (which has no CJK system font), and the admin makes no outbound call.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.browser import sign_in
from tests.browser_a11y import check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def pages(chromium):
    """A desktop and a phone page (zh-CN), closed after the test."""
    desktop = chromium.new_context(locale="zh-CN", viewport=DESKTOP)
    phone = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    made = {"desktop": desktop.new_page(), "phone": phone.new_page()}
    for page in made.values():
        page.set_default_timeout(20_000)
    yield made
    desktop.close()
    phone.close()


def groups(page) -> list[str]:
    return [t.strip() for t in page.locator("nav.site-nav .nav-group-label").all_inner_texts()]


def nav_links(page) -> list[str]:
    return [t.strip() for t in page.locator("nav.site-nav a").all_text_contents()]


def assert_header_on_one_line(page) -> None:
    """At 1366 px nothing in the header wraps: one row of items, each on a single line."""
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('nav.site-nav > *')]
            .filter(e => e.offsetParent !== null)
            .map(e => { const r = e.getBoundingClientRect(); return [e.textContent.trim().slice(0, 8), r.top + r.height / 2, r.height]; })"""
    )
    middles = [middle for _, middle, _ in boxes]
    assert max(middles) - min(middles) < 8, boxes  # one row
    assert all(height < 60 for _, _, height in boxes), boxes
    assert page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height") < 80


def assert_fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def open_menu_on_phone(page) -> None:
    page.click("label.nav-toggle-label")
    page.wait_for_selector("nav.site-nav", state="visible")


def assert_cjk_drawn_with_a_real_font(page, selector: str) -> None:
    """Chromium reports which fonts drew a node's glyphs: every hanzi comes from a font that has it
    (the project's web font here), none from a font that draws boxes."""
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    text = page.inner_text(selector)
    hanzi = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cjk = [f for f in fonts if "WenQuanYi" in f["familyName"] or "CJK" in f["familyName"] or f["isCustomFont"]]
    assert hanzi > 0
    assert sum(f["glyphCount"] for f in cjk) >= hanzi, fonts


def test_a_member_finds_what_to_do_next_on_desktop_and_phone(demo_db, live_server, pages):
    base = live_server.url
    desktop, phone = pages["desktop"], pages["phone"]
    font_requests: list[str] = []
    desktop.on("request", lambda r: font_requests.append(r.url) if r.url.endswith(".woff2") else None)

    sign_in(desktop, base, "member")
    assert groups(desktop) == ["学习", "考试", "我的"]  # no 管理 for a member
    assert "党员名册" not in nav_links(desktop) and "支部工作台" not in nav_links(desktop)
    assert_header_on_one_line(desktop)
    steps = desktop.inner_text("section.next-steps")
    assert "年学时" in steps and "待完成的学习计划" in steps and "正在进行的考试" in steps and "未读通知" in steps
    desktop.wait_for_function("() => document.fonts.status === 'loaded'")
    # (Chromium reports the fonts of a node's own text: a heading and the brand link.)
    assert_cjk_drawn_with_a_real_font(desktop, ".next-steps h2")
    assert_cjk_drawn_with_a_real_font(desktop, "a.brand")
    # Only the common slices of the web font were fetched.
    assert font_requests and all("cjk-common" in u or "cjk-symbols" in u for u in font_requests), font_requests
    check_page(desktop, "member", "home")

    # The 我的 menu opens on hover/focus and leads to the notifications.
    desktop.hover(".nav-group[data-group=mine] .nav-group-label")
    desktop.click(".nav-group[data-group=mine] >> text=通知")
    desktop.wait_for_url("**/notifications/")
    check_page(desktop, "member", "notifications")
    for name, path in [("plans", "/plans/"), ("record", "/record/"), ("certificates", "/certificates/")]:
        desktop.goto(base + path)
        check_page(desktop, "member", name)
    desktop.goto(base + "/exams/")
    check_page(desktop, "member", "exams")

    # 理论学习 and 业务培训; the 必修 badge is readable (axe's colour-contrast rule checks it too).
    desktop.goto(base + "/theory/")
    check_page(desktop, "member", "theory")
    desktop.goto(base + "/training/")
    badge = desktop.locator(".badge.required").first
    assert badge.inner_text() == "必修"
    colour, background = badge.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
    assert colour != background, (colour, background)
    check_page(desktop, "member", "training")

    # A course the member has begun (the demo credits its first lesson): each lesson's status, and
    # 继续学习 leads past the finished lesson.
    desktop.goto(base + "/training/official-document-writing/")
    states = desktop.locator(".lesson-item").evaluate_all("items => items.map(i => i.dataset.state)")
    assert states[0] == "done" and all(state in ("done", "started", "new") for state in states), states
    resume = desktop.locator("a.continue-study")
    assert resume.inner_text().startswith("继续学习：") and not resume.get_attribute("href").endswith("/lesson-1/")
    check_page(desktop, "member", "course-outline")

    # A material credited earlier stays at 100 % once the tracker's script has run (it used to fall
    # back to 0 % and ask for another minute).
    desktop.goto(base + "/theory/learning-org-knowledge-sharing/")
    desktop.wait_for_selector(".study-tracker[data-bound='1']", state="attached")  # the script has run
    desktop.wait_for_load_state("networkidle")  # and whatever it asked the server has been answered
    desktop.mouse.wheel(0, 300)
    tracker = desktop.locator(".study-tracker")
    assert "学时已计入" in tracker.inner_text()
    assert tracker.locator(".progress").get_attribute("aria-valuenow") == "100"
    check_page(desktop, "member", "material-credited")

    # Search: the count is the number of results listed.
    desktop.goto(base + "/search/?q=" + "三会一课")
    count = int(desktop.inner_text(".search-count strong"))
    assert count == desktop.locator(".search-hit").count() > 0
    check_page(desktop, "member", "search")

    # The branch's 公示: columns named by indicator, a spread of stars, the reason of a 加分.
    desktop.goto(base + "/evaluations/")
    check_page(desktop, "member", "evaluations")
    desktop.locator("main a[href^='/evaluations/notices/']").first.click()
    desktop.wait_for_selector("table.results-table")
    heads = desktop.locator("table.results-table thead th").all_inner_texts()
    assert "人均学时" in heads and not any("指标得分" in h for h in heads), heads
    stars = desktop.locator("table.results-table .stars").evaluate_all("s => s.map(e => e.title)")
    assert len(set(stars)) >= 4, stars
    assert "支部学习经验在全市机关交流推广" in desktop.inner_text("table.results-table")
    check_page(desktop, "member", "evaluation-notice")

    sign_in(phone, base, "member")
    assert not phone.locator("nav.site-nav").is_visible()  # collapsed behind 菜单
    assert_fits_the_phone(phone)
    check_page(phone, "member", "home")
    open_menu_on_phone(phone)
    assert phone.locator("nav.site-nav >> text=我的学习计划").is_visible()
    phone.click("nav.site-nav >> text=我的学习计划")
    phone.wait_for_url("**/plans/")
    assert_fits_the_phone(phone)
    check_page(phone, "member", "plans")
    phone.goto(base + "/record/")
    assert_fits_the_phone(phone)
    check_page(phone, "member", "record")
    for name, path in [("course-outline", "/training/official-document-writing/"), ("exams", "/exams/")]:
        phone.goto(base + path)
        assert_fits_the_phone(phone)
        check_page(phone, "member", name)


def test_a_secretary_assigns_a_plan_and_the_dates_survive_a_mistake(demo_db, live_server, pages):
    base = live_server.url
    desktop, phone = pages["desktop"], pages["phone"]
    sign_in(desktop, base, "secretary")
    assert groups(desktop) == ["学习", "考试", "我的", "管理"]
    assert_header_on_one_line(desktop)
    check_page(desktop, "secretary", "home")

    desktop.hover(".nav-group[data-group=manage] .nav-group-label")
    desktop.click(".nav-group[data-group=manage] >> text=支部工作台")
    desktop.wait_for_url(re.compile(r"/workbench/"))
    check_page(desktop, "secretary", "workbench")

    desktop.goto(base + "/workbench/plans/new/")
    desktop.fill("input[name=start_on]", "2026-12-01")
    desktop.fill("input[name=due_on]", "2026-12-31")
    desktop.click("button:has-text('下达')")  # no title, no items: the form comes back with errors
    desktop.wait_for_selector(".errorlist")
    assert desktop.input_value("input[name=start_on]") == "2026-12-01"
    assert desktop.input_value("input[name=due_on]") == "2026-12-31"
    check_page(desktop, "secretary", "plan-form-with-errors")

    desktop.goto(base + "/offline/")
    check_page(desktop, "secretary", "offline")
    href = desktop.evaluate(
        "() => [...document.querySelectorAll('main a')].map(a => a.getAttribute('href'))"
        ".find(h => /^\\/offline\\/\\d+\\/$/.test(h || '')) || null"
    )
    assert href, "the demo branch has 三会一课 sessions"
    desktop.goto(base + href)
    held = desktop.input_value("input[name=held_on]")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", held), held  # a saved 三会一课 shows its date, not mm/dd/yyyy
    check_page(desktop, "secretary", "offline-session")
    desktop.goto(base + "/org/members/")
    check_page(desktop, "secretary", "members")
    desktop.goto(base + "/admin/theory_materials/")
    assert "没有权限" not in desktop.inner_text("body")

    sign_in(phone, base, "secretary")
    open_menu_on_phone(phone)
    assert phone.locator("nav.site-nav >> text=支部工作台").is_visible()
    phone.click("nav.site-nav >> text=支部工作台")
    phone.wait_for_url(re.compile(r"/workbench/"))
    check_page(phone, "secretary", "workbench")
    phone.goto(base + "/workbench/plans/new/")
    assert_fits_the_phone(phone)
    check_page(phone, "secretary", "plan-form")


def test_an_organizer_reads_the_evaluations_and_the_publication_window_keeps_its_dates(demo_db, live_server, pages):
    from learning.evaluations.engine import evaluate_period
    from learning.evaluations.models import EvaluationScheme, SchemeIndicator
    from learning.evaluations.periods import Period
    from learning.members.scoping import organizer_roots
    from tests.core.test_date_inputs import _user

    base = live_server.url
    desktop, phone = pages["desktop"], pages["phone"]
    sign_in(desktop, base, "organizer")
    assert groups(desktop) == ["学习", "考试", "我的", "管理"]
    assert "管理后台" in nav_links(desktop)
    assert_header_on_one_line(desktop)
    check_page(desktop, "organizer", "home")
    desktop.goto(base + "/evaluations/")
    check_page(desktop, "organizer", "evaluations")

    # The demo's 公示 belong to the city committee; the organizer runs a quarter of her own subtree.
    organizer = _user("organizer")
    scheme = EvaluationScheme.objects.create(organization=organizer_roots(organizer)[0], name="教育局支部学习考评")
    SchemeIndicator.objects.create(scheme=scheme, code="avg_hours", weight=100, normalization="target", target=32)
    run = evaluate_period(scheme, Period("quarter", 2026, 3), by=organizer)
    desktop.goto(f"{base}/evaluations/runs/{run.pk}/")
    check_page(desktop, "organizer", "run")
    desktop.fill("input[name=publish_from]", "2026-12-10")
    desktop.fill("input[name=publish_until]", "2026-12-01")  # before the start: refused
    desktop.fill("input[name=feedback_address]", "教育局机关党委 电话 0000-1234")
    desktop.click("#publish-run")
    desktop.wait_for_selector(".errorlist")
    assert "公示截止日期不能早于开始日期" in desktop.inner_text("main")
    assert desktop.input_value("input[name=publish_from]") == "2026-12-10"
    assert desktop.input_value("input[name=publish_until]") == "2026-12-01"
    check_page(desktop, "organizer", "publish-with-errors")
    desktop.fill("input[name=publish_until]", "2026-12-17")
    desktop.click("#publish-run")
    desktop.wait_for_url(f"**/evaluations/notices/{run.pk}/")
    assert "公示期：2026年12月10日 至 2026年12月17日" in desktop.inner_text("main")
    desktop.goto(base + "/org/members/")
    check_page(desktop, "organizer", "members")
    desktop.goto(base + "/workbench/")
    check_page(desktop, "organizer", "workbench")
    # Her admin menu's 理论学习资料 opens (it answered 「对不起，你没有权限访问」).
    desktop.goto(base + "/admin/theory_materials/")
    assert "没有权限" not in desktop.inner_text("body")
    assert desktop.locator("main table tbody tr").count() > 0
    check_page(desktop, "organizer", "wagtail-theory-materials")

    sign_in(phone, base, "organizer")
    assert_fits_the_phone(phone)
    check_page(phone, "organizer", "home")
    phone.goto(base + "/evaluations/")
    check_page(phone, "organizer", "evaluations")


def test_the_admin_works_in_chinese_without_calling_out(demo_db, live_server, pages, settings):
    from exams.models import ExamPage

    # The live server's threads share one in-memory SQLite connection: the editor's autosave and
    # its save in flight together break each other's savepoints here (see test_content_authoring_browser).
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 0
    base = live_server.url
    desktop = pages["desktop"]
    outside: list[str] = []
    host = urlsplit(base).netloc
    desktop.on("request", lambda r: outside.append(r.url) if urlsplit(r.url).netloc not in (host, "") else None)

    sign_in(desktop, base, "admin")
    assert groups(desktop) == ["学习", "考试", "我的", "管理"]
    assert_header_on_one_line(desktop)
    check_page(desktop, "admin", "home")
    desktop.goto(base + "/admin/")
    desktop.wait_for_load_state("networkidle")
    body = desktop.inner_text("body")
    assert "Search all pages" not in body and "Account" not in body
    assert desktop.locator("input[placeholder='搜索全部页面…']").count() == 1
    check_page(desktop, "admin", "wagtail-dashboard")
    desktop.goto(base + "/admin/learning/member/")
    assert "True" not in desktop.inner_text("main")
    desktop.goto(base + "/admin/pages/")
    desktop.wait_for_load_state("networkidle")
    check_page(desktop, "admin", "wagtail-pages")

    # An exam's 参考党员: a search in the member chooser, not a list of every member.
    exam = ExamPage.objects.get(slug="platform-quiz")
    desktop.goto(f"{base}/admin/pages/{exam.pk}/edit/")
    desktop.wait_for_load_state("networkidle")
    assert desktop.locator("select[name=audience_members] option").count() == exam.audience_members.count()
    search = desktop.locator("#id_audience_members-search")
    search.fill("张")
    desktop.locator("#id_audience_members-results [role=option]").first.click()
    assert desktop.locator("#id_audience_members-chosen .chooser-chip").count() == exam.audience_members.count() + 1
    check_page(desktop, "admin", "wagtail-exam-editor")
    save = desktop.locator("button.action-save").first
    with desktop.expect_navigation():
        save.click() if save.is_visible() else save.evaluate("b => b.click()")
    desktop.wait_for_selector(".messages .success")
    draft = ExamPage.objects.get(pk=exam.pk).get_latest_revision_as_object()
    assert draft.audience_members.count() == exam.audience_members.count() + 1
    assert outside == [], outside  # no release check, no usage ping, nothing outside the site

    desktop.goto(base + "/no-such-page/")
    assert "页面不存在" in desktop.inner_text("main")
    check_page(desktop, "admin", "404")
    response = desktop.goto(base + "/favicon.ico")
    assert response is not None and response.ok and response.headers["content-type"].startswith("image/")
    desktop.goto(base + "/verify/")
    check_page(desktop, "admin", "verify")

    phone = pages["phone"]
    sign_in(phone, base, "admin")
    assert_fits_the_phone(phone)
    check_page(phone, "admin", "home")
    open_menu_on_phone(phone)
    phone.click("nav.site-nav >> text=管理后台")
    phone.wait_for_url("**/admin/")
    phone.wait_for_selector("input[placeholder='搜索全部页面…']", state="attached")
    assert phone.locator("input[placeholder='搜索全部页面…']").count() == 1
